"""The error index: one page per message in ``docs/<lang>/errors/``, listed on ``errors.md``.

Each entry's front matter carries what the site knows about its message::

    autograd_error:
      kind: error                  # or warning
      fix: "One line: the usual fix."          # in the page's language; `code` in backticks
      wordings:                    # what torch printed; identical in both languages
        - text: "… is at version …; expected version … instead"   # … = a variable part
          torch: "1.0–2.13"        # the releases that printed it
          source: "torch/csrc/autograd/saved_variable.cpp"        # or a URL of a real report
          device: cuda             # optional: only a build on this device can show it live
      questions: []                # readers' own phrasings of the problem

This module

- renders the ``{autograd-error-index}`` directive on ``errors.md``: a table of every entry
  (message, fix, link), entries named in the directive first, then any other entry; each row
  also carries the old ``errors.html#<anchor>`` ids of its entry, and a small script sends
  those old links on to the entry's page; a hidden toctree puts the entries in the sidebar
  in the same order (listed ones, then the rest by file name);
- writes ``_static/autograd-errors.js``, ``window.AUTOGRAD_ERRORS = [{slug, url, title, kind,
  fix, wordings, questions}, ...]`` (``url`` relative to the language's root), for the error
  matcher in the reader's browser;
- fails the build when an entry lacks a fix or a wording, when its wordings differ between the
  two languages, or when none of its wordings for the running torch appears in the page's
  own live output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from .languages import LANGUAGES, folder_of, twin_folder

logger = logging.getLogger(__name__)

FOLDER = "errors"  # docs/<lang>/errors/<slug>.md
INDEX = "errors"  # docs/<lang>/errors.md
DATA_FILE = "autograd-errors.js"
KINDS = ("error", "warning")
FRONT_MATTER = re.compile(r"\A---\s*\n(?P<yaml>.*?)^---\s*$", re.M | re.S)
# "1.0–2.13", "2.1–" (still printed), "0.4" (one release), "–2.13" (up to 2.13: the releases
# before the first one checked were not checked)
RANGE = re.compile(r"^(?P<low>\d+\.\d+)?(?:\s*[–-]\s*(?P<high>\d+\.\d+)?)?$")
LABELS = {
    "en": {"message": "Message", "fix": "Fix", "warning": " (warning)", "wordings": "Wordings by release",
           "unchecked": "torch ≤ {high}; earlier releases not checked"},
    "zh": {"message": "报错信息", "fix": "修复方法", "warning": "——警告", "wordings": "各版本的报错原文",
           "unchecked": "torch ≤ {high}，更早的版本未核对"},
}


@dataclass
class Entry:
    slug: str
    kind: str
    fix: str
    wordings: list[dict[str, str]]
    questions: list[str] = field(default_factory=list)

    def as_data(self, title: str) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "url": f"{FOLDER}/{self.slug}.html",
            "title": title,
            "kind": self.kind,
            "fix": self.fix,
            "wordings": self.wordings,
            "questions": self.questions,
        }


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter of a MyST page (``{}`` when it has none).

    >>> front_matter("---\\nkind: x\\n---\\n# Title\\n")
    {'kind': 'x'}
    """
    match = FRONT_MATTER.match(text)
    # libyaml's loader where PyYAML has it: the same data, parsed ten times faster (a build
    # reads each entry's front matter several times: 1 s of an English build, with Python's).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return (yaml.load(match["yaml"], Loader=loader) or {}) if match else {}  # noqa: S506 -- a safe loader


def read_entry(path: Path) -> tuple[Entry | None, list[str]]:
    """The entry a page describes, and what is wrong with its ``autograd_error`` data."""
    data = front_matter(path.read_text(encoding="utf-8")).get("autograd_error")
    if not isinstance(data, dict):
        return None, [f"{path.name}: no autograd_error in the front matter"]
    problems = []
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"{path.name}: kind is {kind!r}, expected one of {', '.join(KINDS)}")
    fix = data.get("fix")
    if not isinstance(fix, str) or not fix.strip():
        problems.append(f"{path.name}: no fix (one line: the usual fix)")
    wordings = data.get("wordings")
    if not isinstance(wordings, list) or not wordings:
        problems.append(f"{path.name}: no wordings (what torch prints)")
        wordings = []
    for number, wording in enumerate(wordings, start=1):
        if not isinstance(wording, dict):
            problems.append(f"{path.name}: wording {number} is not a mapping of text, torch, source")
            continue
        for key in ("text", "torch", "source"):
            if not isinstance(wording.get(key), str) or not wording[key].strip():
                problems.append(f"{path.name}: wording {number} has no {key}")
        if wording.get("device", "cuda") not in ("cpu", "cuda"):
            problems.append(f"{path.name}: wording {number}: device {wording['device']!r} is not cpu or cuda")
        match = RANGE.match(wording["torch"].strip()) if isinstance(wording.get("torch"), str) else None
        if isinstance(wording.get("torch"), str) and not (match and (match["low"] or match["high"])):
            problems.append(f"{path.name}: wording {number}: torch {wording['torch']!r} is not like '1.0–2.13'")
    questions = data.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        problems.append(f"{path.name}: questions must be a list of strings")
        questions = []
    if problems:
        return None, problems
    clean = [{key: str(w[key]) for key in ("text", "torch", "source", "device") if key in w} for w in wordings]
    return Entry(path.stem, kind, fix.strip(), clean, list(questions)), []


def read_entries(folder: Path) -> tuple[dict[str, Entry], list[str]]:
    """Every entry of one language's ``errors/`` folder, by slug, and the problems found."""
    entries: dict[str, Entry] = {}
    problems: list[str] = []
    for path in sorted((folder / FOLDER).glob("*.md")):
        entry, found = read_entry(path)
        problems += found
        if entry is not None:
            entries[entry.slug] = entry
    return entries, problems


def compare_languages(english: dict[str, Entry], chinese: dict[str, Entry]) -> list[str]:
    """What differs between the two languages' entries beyond prose: slugs, kinds, wordings.

    >>> w = [{"text": "boom", "torch": "2.0–2.13", "source": "x.cpp"}]
    >>> compare_languages({"a": Entry("a", "error", "Fix.", w)}, {"a": Entry("a", "error", "修复。", w)})
    []
    >>> compare_languages({"a": Entry("a", "error", "Fix.", w)}, {})
    ['errors/a.md has no Chinese twin']
    """
    problems = [f"{FOLDER}/{slug}.md has no Chinese twin" for slug in sorted(english.keys() - chinese.keys())]
    problems += [f"{FOLDER}/{slug}.md has no English twin" for slug in sorted(chinese.keys() - english.keys())]
    for slug in sorted(english.keys() & chinese.keys()):
        en, zh = english[slug], chinese[slug]
        if en.kind != zh.kind:
            problems.append(f"{FOLDER}/{slug}.md: kind {en.kind!r} in English, {zh.kind!r} in Chinese")
        if en.wordings != zh.wordings:
            problems.append(f"{FOLDER}/{slug}.md: the wordings differ between English and Chinese; they are torch's, copy them")
    return problems


def release(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor.split("+")[0].rstrip("abcdefghijklmnopqrstuvwxyz") or 0)


def is_current(torch_range: str, version: str) -> bool:
    """Whether a wording's releases (``"1.0–2.13"``, ``"2.1–"``, ``"0.4"``) include ``version``.

    >>> is_current("1.0–2.13", "2.13.0"), is_current("0.3–0.4", "2.13.0"), is_current("2.1–", "2.13.0")
    (True, False, True)
    >>> is_current("–2.13", "2.13.0"), is_current("–2.3", "2.13.0")
    (True, False)
    """
    match = RANGE.match(torch_range.strip())
    if not match or not (match["low"] or match["high"]):
        return False
    low = release(match["low"]) if match["low"] else (0, 0)
    if match["high"] is None:
        high = release(match["low"]) if "–" not in torch_range and "-" not in torch_range else (99, 0)
    else:
        high = release(match["high"])
    return low <= release(version) <= high


def releases_text(torch_range: str, folder: str) -> str:
    """What a wording's list item says of its releases.

    >>> releases_text("1.0–2.13", "en"), releases_text("–2.13", "en")
    (' (torch 1.0–2.13)', ' (torch ≤ 2.13; earlier releases not checked)')
    >>> releases_text("–2.13", "zh")
    '（torch ≤ 2.13，更早的版本未核对）'
    """
    match = RANGE.match(torch_range.strip())
    if match and match["high"] and not match["low"]:
        text = LABELS[folder]["unchecked"].format(high=match["high"])
    else:
        text = f"torch {torch_range}"
    return f"（{text}）" if folder == "zh" else f" ({text})"


def wording_pattern(text: str) -> re.Pattern[str]:
    """A regex for a wording: ``…`` stands for any variable part, whitespace for any whitespace.

    >>> bool(wording_pattern("Function '…Backward0' returned nan").search("Function 'PowBackward0' returned nan"))
    True
    """
    parts = [r"\s+".join(map(re.escape, piece.split())) for piece in text.split("…")]
    return re.compile(r".*?".join(parts), re.S)


# -- Sphinx: the index table ---------------------------------------------------------------


class error_index(nodes.General, nodes.Element):
    """Placeholder for the table, filled in once every entry has been read."""


class ErrorIndexDirective(Directive):
    """``{autograd-error-index}``: one line per entry to list first, ``slug old-anchor ...``."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        order: list[tuple[str, list[str]]] = []
        for line in self.content:
            if line.strip():
                slug, *anchors = line.split()
                order.append((slug, anchors))
        return [error_index(order=order), self.hidden_toctree([slug for slug, _ in order])]

    def hidden_toctree(self, listed: list[str]) -> nodes.Node:
        """The entries in the sidebar, in the table's order: those listed, then the rest."""
        env = self.state.document.settings.env
        present = {path.stem for path in (Path(env.srcdir) / FOLDER).glob("*.md")}
        slugs = [slug for slug in listed if slug in present] + sorted(present - set(listed))
        toctree = addnodes.toctree(parent=env.docname, glob=False, hidden=True, includehidden=False,
                                   maxdepth=-1, caption=None, numbered=0, titlesonly=False)  # fmt: skip
        toctree["entries"] = [(None, f"{FOLDER}/{slug}") for slug in slugs]
        toctree["includefiles"] = [f"{FOLDER}/{slug}" for slug in slugs]
        wrapper = nodes.compound(classes=["toctree-wrapper"])
        wrapper += toctree
        return wrapper


def entry_docnames(env: BuildEnvironment) -> list[str]:
    return sorted(name for name in env.found_docs if name.startswith(f"{FOLDER}/"))


def _inline_code(text: str) -> list[nodes.Node]:
    """Text with `backticks` as inline code."""
    out: list[nodes.Node] = []
    for number, piece in enumerate(text.split("`")):
        if piece:
            out.append(nodes.literal(piece, piece) if number % 2 else nodes.Text(piece))
    return out


def _entries_here(app: Sphinx) -> dict[str, Entry]:
    entries, _ = read_entries(Path(app.srcdir))
    found = {name.split("/", 1)[1] for name in entry_docnames(app.env)}
    return {slug: entry for slug, entry in entries.items() if slug in found}


def _title(env: BuildEnvironment, slug: str) -> str:
    title = env.titles.get(f"{FOLDER}/{slug}")
    return title.astext() if title is not None else slug


def fill_index(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    placeholders = list(doctree.findall(error_index))
    if not placeholders:
        return
    labels = LABELS[folder_of(app.srcdir)]
    entries = _entries_here(app)
    for placeholder in placeholders:
        order = [(slug, anchors) for slug, anchors in placeholder["order"]]
        for slug, _ in order:
            if slug not in entries:
                logger.warning("the error index lists %r, but there is no %s/%s.md", slug, FOLDER, slug,
                               location=placeholder, type="autograd", subtype="error-index")  # fmt: skip
        listed = {slug for slug, _ in order}
        rest = sorted((s for s in entries if s not in listed), key=lambda s: _title(app.env, s).lower())
        rows = [(slug, anchors) for slug, anchors in order if slug in entries] + [(s, []) for s in rest]

        table = nodes.table(classes=["autograd-error-index"])
        group = nodes.tgroup(cols=2)
        table += group
        group += nodes.colspec(colwidth=3)
        group += nodes.colspec(colwidth=2)
        head = nodes.thead()
        head += nodes.row("", *(nodes.entry("", nodes.paragraph(text=labels[k])) for k in ("message", "fix")))
        group += head
        body = nodes.tbody()
        group += body
        moved: dict[str, str] = {}
        for slug, anchors in rows:
            entry = entries[slug]
            uri = app.builder.get_relative_uri(docname, f"{FOLDER}/{slug}")
            link = nodes.reference("", _title(app.env, slug), internal=True, refuri=uri)
            message = nodes.paragraph("", "", link)
            if entry.kind == "warning":
                message += nodes.Text(labels["warning"])  # full-width brackets in Chinese
            for anchor in anchors:  # old errors.html#<anchor> links land on this row without JavaScript
                message += nodes.inline("", "", ids=[anchor])
                moved[anchor] = uri
            moved[slug] = uri
            body += nodes.row("", nodes.entry("", message), nodes.entry("", nodes.paragraph("", "", *_inline_code(entry.fix))),
                              ids=[slug])  # fmt: skip
        mapping = json.dumps(moved, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
        script = (
            "<script>(() => {\n"
            "  // An old link to a section of this page (errors.html#<anchor>) opens the entry's own page.\n"
            f"  const moved = {mapping};\n"
            "  const target = moved[decodeURIComponent(location.hash.slice(1))];\n"
            "  if (target) location.replace(target);\n"
            "})();</script>"
        )
        placeholder.replace_self([table, nodes.raw("", script, format="html")])


def index_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                   removed: set[str]) -> list[str]:  # fmt: skip
    """An entry added, changed or removed changes the index table."""
    touched = any(name.startswith(f"{FOLDER}/") for name in (*added, *changed, *removed))
    return [INDEX] if touched and INDEX in env.found_docs and INDEX not in changed else []


# -- Sphinx: checks and the data file --------------------------------------------------------


def check_entries(app: Sphinx, env: BuildEnvironment) -> None:
    here = Path(app.srcdir)
    entries, problems = read_entries(here)
    if folder_of(here) == "en":
        chinese, _ = read_entries(here.parent / twin_folder("en"))
        problems += compare_languages(entries, chinese)
    else:
        english, _ = read_entries(here.parent / twin_folder(folder_of(here)))
        problems += compare_languages(english, entries)
    for problem in problems:
        logger.warning("error index (docs/%s): %s", folder_of(here), problem, type="autograd", subtype="error-index")


def add_wordings(app: Sphinx, doctree: nodes.document) -> None:
    """End each entry with the wordings its message had, so readers (and search) find old ones."""
    docname = app.env.docname
    if not docname.startswith(f"{FOLDER}/"):
        return
    entry, _ = read_entry(Path(app.env.doc2path(docname)))
    top = next(iter(doctree.findall(nodes.section)), None)
    if entry is None or top is None:
        return
    title = LABELS[folder_of(app.srcdir)]["wordings"]
    section = nodes.section("", nodes.title(title, title), ids=["wordings-by-release"], names=[title.lower()])
    items = nodes.bullet_list()
    for wording in entry.wordings:
        releases = releases_text(wording["torch"], folder_of(app.srcdir))
        items += nodes.list_item("", nodes.paragraph("", "", nodes.literal(wording["text"], wording["text"]),
                                                     nodes.Text(releases)))  # fmt: skip
    section += items
    top += section


def _outputs(doctree: nodes.document) -> str:
    blocks = doctree.findall(lambda n: isinstance(n, nodes.literal_block) and "output" in n.get("classes", []))
    return "\n".join(block.astext() for block in blocks)


def check_live_wording(app: Sphinx, doctree: nodes.document) -> None:
    """The wording an entry gives for the running torch must be in the page's live output."""
    docname = app.env.docname
    if not docname.startswith(f"{FOLDER}/"):
        return
    entry, _ = read_entry(Path(app.env.doc2path(docname)))
    if entry is None:
        return  # check_entries reports it
    from .provenance import requested_device

    version = metadata.version("torch")
    # A CUDA-only message cannot show on a CPU build: only a build on its device checks it,
    # and there its range must reach the running release (a GPU run extends it).
    checkable = [w for w in entry.wordings if w.get("device", requested_device()) == requested_device()]
    current = [w for w in checkable if is_current(w["torch"], version)]
    if checkable and not current:
        logger.warning("no wording of this entry is marked as printed by torch %s: update the wordings' "
                       "torch ranges (and the page) to this release", version,
                       location=(docname, 1), type="autograd", subtype="error-index")  # fmt: skip
    output = _outputs(doctree)
    for wording in current:
        if not wording_pattern(wording["text"]).search(output):
            logger.warning("the wording %r is marked as printed by torch %s, but no live output on this "
                           "page shows it: reproduce it on the page, or correct the wording",
                           wording["text"], version, location=(docname, 1), type="autograd",
                           subtype="error-index")  # fmt: skip


def write_data(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    entries = _entries_here(app)
    data = [entries[slug].as_data(_title(app.env, slug)) for slug in sorted(entries)]
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(json.dumps(entry, ensure_ascii=False) for entry in data)  # one entry per line
    (static / DATA_FILE).write_text(
        f"// The error index's entries (autograd_docs.errorindex), for the error matcher.\n"
        f"window.AUTOGRAD_ERRORS = [\n{lines}\n];\n",
        encoding="utf-8",
    )


def setup(app: Sphinx) -> None:
    assert set(LABELS) == set(LANGUAGES)
    app.add_node(error_index)
    app.add_directive("autograd-error-index", ErrorIndexDirective)
    app.connect("doctree-read", add_wordings, priority=400)  # before Sphinx collects the page's sections
    app.connect("doctree-read", check_live_wording, priority=900)  # after tracebacks cleans outputs
    app.connect("doctree-resolved", fill_index)
    app.connect("env-get-outdated", index_outdated)
    app.connect("env-check-consistency", check_entries)
    app.connect("build-finished", write_data)
