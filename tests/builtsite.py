"""Helpers shared by the tests of the built site (``build/html``)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from autograd_docs.browser import in_ci

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "html"
FOLDERS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-CN"}


def require_site() -> None:
    missing = [f"build/html/{f}/index.html" for f in FOLDERS if not (SITE / f / "index.html").exists()]
    if missing:
        raise AssertionError(
            f"the built site is missing ({', '.join(missing)}): run `nox -s tests`, which builds it first"
        )


def source_pages(folder: str) -> list[str]:
    """Page names (without suffix) a reader should find: every page and every example."""
    docs = ROOT / "docs" / folder
    pages = [p.relative_to(docs).with_suffix("").as_posix() for p in [*docs.glob("*.md"), *docs.glob("errors/*.md")]]
    examples = ROOT / "examples" / folder
    pages += [f"auto_examples/{p.relative_to(examples).with_suffix('').as_posix()}" for p in examples.rglob("plot_*.py")]
    pages.append("auto_examples/index")
    pages += [f"auto_examples/{group.name}/index" for group in examples.iterdir() if group.is_dir()]
    return sorted(pages)


def built_pages(folder: str) -> list[Path]:
    skip = {"genindex.html", "search.html"}
    return sorted(p for p in (SITE / folder).rglob("*.html") if p.name not in skip and "_static" not in p.parts)


@cache
def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def search_index(folder: str) -> dict:
    text = (SITE / folder / "searchindex.js").read_text(encoding="utf-8")
    match = re.fullmatch(r"Search\.setIndex\((.*)\)\s*", text, re.S)
    assert match, f"build/html/{folder}/searchindex.js is not a Sphinx search index"
    return json.loads(match[1])


def not_here(why: str) -> None:
    """Skip what needs what is missing, with ``why``; under ``CI=true``, fail."""
    if in_ci():
        pytest.fail(f"CI=true, so this fails instead of skipping: {why}", pytrace=False)
    pytest.skip(why, allow_module_level=True)
