"""Readers arrive with an error or a question: help them land on the page that answers it.

1. The error matcher (``docs/_static/error-matcher.js``) names the entry a pasted error
   belongs to, from any torch release.  It needs ``_static/autograd-errors.js`` (every
   entry's wordings, written by :mod:`.errorindex`) and runs on two pages only, the search
   page and the error index, so that no other page carries either file.
2. Chinese readers search with the words of Chinese blog titles (梯度为 None, 参数不更新),
   not with the message.  A page lists such questions in its front matter
   (``autograd_questions`` on a concept page, ``autograd_error.questions`` on an error
   entry).  They are shown as one short line at the end of the page ("常见问法：…"), where
   the search index holds them and they do not push down an entry's Cause and Fix.  Visible
   rather than hidden: a reader who searched with those words sees why the page came up.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from .errorindex import front_matter

MATCHER_PAGES = {"search", "errors"}  # the search page and the error index
QUESTIONS_LABEL = {"en": "Also asked as: ", "zh": "常见问法："}


def add_matcher(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    if pagename in MATCHER_PAGES:
        # deferred scripts run in order: the entries first, then the matcher that reads them
        app.add_js_file("autograd-errors.js", loading_method="defer")
        app.add_js_file("error-matcher.js", loading_method="defer")


def questions_of(data: dict) -> list[str]:
    """The readers' questions a page answers, from its front matter.

    >>> questions_of({"autograd_questions": ["梯度为 None", "参数不更新"]})
    ['梯度为 None', '参数不更新']
    >>> questions_of({"autograd_error": {"kind": "error", "questions": ["原地操作报错"]}})
    ['原地操作报错']
    >>> questions_of({"autograd_error": {"questions": []}})
    []
    """
    entry = data.get("autograd_error")
    found = list(data.get("autograd_questions") or [])
    if isinstance(entry, dict):
        found += list(entry.get("questions") or [])
    return [str(q).strip() for q in found if str(q).strip()]


def show_questions(app: Sphinx, doctree: nodes.document) -> None:
    source = Path(app.env.doc2path(app.env.docname))
    questions = questions_of(front_matter(source.read_text(encoding="utf-8")))
    section = next(iter(doctree.findall(nodes.section)), None)
    if not questions or section is None:
        return
    chinese = str(app.config.language).startswith("zh")
    line = nodes.paragraph(classes=["autograd-questions"])
    line += nodes.strong(text=QUESTIONS_LABEL["zh" if chinese else "en"])
    line += nodes.Text(("、" if chinese else "; ").join(questions))
    section.append(line)


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", add_matcher)
    app.connect("doctree-read", show_questions)
