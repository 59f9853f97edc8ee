"""The strict build, tested on a tiny real project (sphinx-gallery's tinybuild idea).

Each case copies the site's ``conf.py`` and templates next to one small page and one
small example, breaks one thing, builds, and checks that the build fails and that its
message names the file a maintainer must open.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PAGE = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
(tiny)=
# Tiny

```{{code-cell}} ipython3
{cell}
```
"""
INDEX = "# Home\n\n```{toctree}\ntiny\nauto_examples/index\n```\n"
EXAMPLE = '''"""
A tiny example
==============

It prints.
"""

# %%
# One step
# --------
import traceback

{body}
'''
RAISING_CELL = "---\ntags: [raises-exception]\nerror-message: {message}\n---\nraise ValueError('boom')"
PRINTS_TRACEBACK = "try:\n    raise ValueError('boom')\nexcept ValueError:\n    traceback.print_exc()"


def tiny_build(tmp_path: Path, *, cell: str = "print(1 + 1)", body: str = "print(2)",
               expected_errors: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    tiny_project(tmp_path, cell=cell, body=body, expected_errors=expected_errors)
    return sphinx_build(tmp_path)


def tiny_site(folder: Path, pages: dict[str, str], example: str,
              expected_errors: dict[str, str] | None = None) -> Path:
    """The site's conf.py, templates and static files around the given pages and one example."""
    for name in ("_templates", "_static", "locales", "_root"):
        shutil.copytree(ROOT / "docs" / name, folder / "docs" / name)
    for name in ("search-dict.txt", "search-scorer.js"):
        shutil.copy(ROOT / "docs" / name, folder / "docs")
    conf = (ROOT / "conf.py").read_text(encoding="utf-8")
    conf += f"\nautograd_expected_errors = {expected_errors or {}!r}\n"
    (folder / "conf.py").write_text(conf, encoding="utf-8")
    (folder / "docs" / "en").mkdir()
    for name, text in pages.items():
        (folder / "docs" / "en" / f"{name}.md").write_text(text, encoding="utf-8")
    (folder / "examples" / "en").mkdir(parents=True)
    (folder / "examples" / "en" / "GALLERY_HEADER.rst").write_text("Examples\n========\n", encoding="utf-8")
    (folder / "examples" / "en" / "plot_tiny.py").write_text(example, encoding="utf-8")
    return folder


def tiny_project(tmp_path: Path, *, cell: str, body: str, expected_errors: dict[str, str] | None) -> None:
    tiny_site(tmp_path, {"index": INDEX, "tiny": PAGE.format(cell=cell)}, EXAMPLE.format(body=body), expected_errors)


def sphinx_build(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Build the tiny project as ``autograd_docs.build`` builds a site, again and again."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-c", str(tmp_path),
         "-D", "language=en", str(tmp_path / "docs" / "en"), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if result.returncode != 0:  # as autograd_docs.build does after a failed build
        (tmp_path / "out" / ".doctrees" / "environment.pickle").unlink(missing_ok=True)
    return result


def assert_fails_naming(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    log = result.stdout + result.stderr
    assert result.returncode != 0, f"the build passed but should have failed:\n{log[-2000:]}"
    for needle in needles:
        assert needle in log, f"the failure message does not name {needle!r}:\n{log[-3000:]}"


def test_a_correct_tiny_project_builds(tmp_path: Path) -> None:
    result = tiny_build(
        tmp_path,
        cell=RAISING_CELL.format(message="boom"),
        body=PRINTS_TRACEBACK,
        expected_errors={"plot_tiny.py": "ValueError: boom"},
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    html = (tmp_path / "out" / "auto_examples" / "plot_tiny.html").read_text(encoding="utf-8")
    assert 'File "plot_tiny.py"' in html and str(tmp_path) not in html


def test_a_cell_that_raises_unexpectedly_fails_the_build(tmp_path: Path) -> None:
    assert_fails_naming(tiny_build(tmp_path, cell="1 / 0"), "tiny.md", "ZeroDivisionError")


def test_a_taught_error_that_stops_raising_fails_the_build(tmp_path: Path) -> None:
    cell = "---\ntags: [raises-exception]\n---\nprint('no error any more')"
    assert_fails_naming(tiny_build(tmp_path, cell=cell), "tiny.md", "raises-exception")


def test_a_taught_error_whose_wording_changed_fails_the_build(tmp_path: Path) -> None:
    cell = RAISING_CELL.format(message="the old wording")
    assert_fails_naming(tiny_build(tmp_path, cell=cell), "tiny.md", "the old wording")


def test_an_example_that_raises_fails_the_build(tmp_path: Path) -> None:
    assert_fails_naming(tiny_build(tmp_path, body="raise ValueError('boom')"), "plot_tiny.py")


@pytest.mark.parametrize(
    ("body", "expected_errors"),
    [
        (PRINTS_TRACEBACK, {}),  # prints a traceback it was not meant to
        ("print(2)", {"plot_tiny.py": "ValueError: boom"}),  # the taught error disappeared
    ],
    ids=["unexpected-traceback", "expected-error-gone"],
)
def test_an_example_that_breaks_its_expectation_fails_the_build(
    tmp_path: Path, body: str, expected_errors: dict[str, str]
) -> None:
    assert_fails_naming(tiny_build(tmp_path, body=body, expected_errors=expected_errors), "plot_tiny.py")


def test_a_mistake_reverted_builds_again(tmp_path: Path) -> None:
    """An author breaks an example and a page, builds (it fails, naming both), reverts the
    two edits and builds again: it passes.  sphinx-gallery alone would keep the failed
    run's page, whose old checksum matches the reverted source (autograd_docs.gallery)."""
    example = tmp_path / "examples" / "en" / "plot_tiny.py"
    page = tmp_path / "docs" / "en" / "tiny.md"
    tiny_project(tmp_path, cell="print(1 + 1)", body="print(2)", expected_errors={})
    passed = sphinx_build(tmp_path)
    assert passed.returncode == 0, (passed.stdout + passed.stderr)[-3000:]
    good_example, good_page = example.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")

    example.write_text(good_example + "raise RuntimeError('oops')\n", encoding="utf-8")
    page.write_text(good_page.replace("print(1 + 1)", "print(1 + 1)\nraise RuntimeError('oops')"), encoding="utf-8")
    assert_fails_naming(sphinx_build(tmp_path), "plot_tiny.py", "tiny.md", "oops")

    example.write_text(good_example, encoding="utf-8")
    page.write_text(good_page, encoding="utf-8")
    reverted = sphinx_build(tmp_path)
    assert reverted.returncode == 0, f"the reverted project still fails:\n{(reverted.stdout + reverted.stderr)[-3000:]}"
    html = (tmp_path / "out" / "auto_examples" / "plot_tiny.html").read_text(encoding="utf-8")
    assert "oops" not in html, "the example's page still shows the reverted failure"
    assert "oops" not in (tmp_path / "out" / "tiny.html").read_text(encoding="utf-8")
