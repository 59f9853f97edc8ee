"""Both languages, one truth: every page and example has its twin, with the same code.

Prose, comments and the contents of string literals may differ between the two
languages; the code itself, the doctests' expected outputs and the page labels may not.
"""

from __future__ import annotations

import doctest
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAIRS = {"pages": ("docs/en", "docs/zh", "*.md"), "examples": ("examples/en", "examples/zh", "plot_*.py")}
FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S)
LABEL = re.compile(r"^\((?P<label>[\w-]+)\)=\s*$", re.M)
STRING_TOKENS = {"STRING", "FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"}
OPTION = re.compile(r"^:[\w-]+:.*$")  # a cell option line, such as :tags: [raises-exception]
CELL_YAML = re.compile(r"\A---\n.*?^---\n", re.M | re.S)  # a cell's YAML metadata block


def names(folder: str, pattern: str) -> set[str]:
    return {p.relative_to(ROOT / folder).as_posix() for p in (ROOT / folder).rglob(pattern)}


def code_shape(source: str) -> list[tuple[str, str]]:
    """The tokens of Python source with comments dropped and string contents blanked."""
    shape = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL):
            continue
        if tokenize.tok_name[token.type] in STRING_TOKENS:
            if not shape or shape[-1] != ("STRING", ""):
                shape.append(("STRING", ""))  # an f-string is several tokens on Python 3.12+
        else:
            shape.append((tokenize.tok_name[token.type], token.string))
    return shape


def page_blocks(text: str) -> list[tuple[str, object]]:
    """Each code block of a MyST page as (kind, comparable content)."""
    blocks: list[tuple[str, object]] = []
    for match in FENCE.finditer(text):
        info, body = match["info"].strip(), match["body"]
        if info.startswith("{code-cell}"):
            body = CELL_YAML.sub("", body)
            code = "\n".join(line for line in body.splitlines() if not OPTION.match(line))
            blocks.append(("cell", code_shape(code)))
        elif info == "python" and body.lstrip().startswith(">>>"):
            examples = doctest.DocTestParser().get_examples(body)
            blocks.append(("doctest", [(code_shape(e.source), e.want) for e in examples]))
        elif info == "python":
            blocks.append(("python", code_shape(body)))
    return blocks


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_every_file_has_its_twin(kind: str) -> None:
    en, zh, pattern = PAIRS[kind]
    english, chinese = names(en, pattern), names(zh, pattern)
    assert english, f"no {kind} found in {en}"
    problems = [f"{en}/{n} has no Chinese twin {zh}/{n}" for n in sorted(english - chinese)]
    problems += [f"{zh}/{n} has no English twin {en}/{n}" for n in sorted(chinese - english)]
    assert not problems, "\n".join(problems)


def _twins(kind: str) -> list[str]:
    en, zh, pattern = PAIRS[kind]
    return sorted(names(en, pattern) & names(zh, pattern))


@pytest.mark.parametrize("name", _twins("pages"))
def test_page_twins_have_the_same_code_and_labels(name: str) -> None:
    english = (ROOT / "docs/en" / name).read_text(encoding="utf-8")
    chinese = (ROOT / "docs/zh" / name).read_text(encoding="utf-8")
    assert LABEL.findall(english) == LABEL.findall(chinese), (
        f"docs/en/{name} and docs/zh/{name} define different labels, so links would break in one language"
    )
    en_blocks, zh_blocks = page_blocks(english), page_blocks(chinese)
    assert [k for k, _ in en_blocks] == [k for k, _ in zh_blocks], (
        f"docs/en/{name} and docs/zh/{name} have different code blocks: "
        f"{[k for k, _ in en_blocks]} vs {[k for k, _ in zh_blocks]}"
    )
    for number, (en_block, zh_block) in enumerate(zip(en_blocks, zh_blocks, strict=True), start=1):
        assert en_block == zh_block, (
            f"code block {number} ({en_block[0]}) differs between docs/en/{name} and docs/zh/{name}"
        )


@pytest.mark.parametrize("name", _twins("examples"))
def test_example_twins_have_the_same_code(name: str) -> None:
    english = code_shape((ROOT / "examples/en" / name).read_text(encoding="utf-8"))
    chinese = code_shape((ROOT / "examples/zh" / name).read_text(encoding="utf-8"))
    assert english == chinese, f"examples/en/{name} and examples/zh/{name} differ in code"


def test_code_shape_ignores_comments_and_strings_only() -> None:
    assert code_shape('print("a")  # one\n') == code_shape("print('b')  # two\n")
    assert code_shape("x = 1\n") != code_shape("x = 2\n")
