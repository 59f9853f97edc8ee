"""What assistive technology needs from pages that Sphinx, furo and sphinx-gallery leave out.

- Sphinx marks toctree captions ``role="heading"`` without the ``aria-level`` that role
  requires, in the page body and in furo's sidebar; they become level-2 headings.
- A code block wider than the page scrolls sideways, which a keyboard reader can only do
  once the block can take focus: ``autograd.js`` makes such blocks focusable.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

CAPTION = '<p class="caption" role="heading">'
LEVELLED_CAPTION = '<p class="caption" role="heading" aria-level="2">'
# Context entries that hold rendered toctrees: the page body and furo's sidebar.
RENDERED_TOCTREES = ("body", "furo_navigation_tree")


def level_captions(html: str) -> str:
    return html.replace(CAPTION, LEVELLED_CAPTION)


def add_aria_levels(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    for key in RENDERED_TOCTREES:
        if isinstance(context.get(key), str):
            context[key] = level_captions(context[key])


def setup(app: Sphinx) -> None:
    app.add_js_file("autograd.js", loading_method="defer")
    app.connect("html-page-context", add_aria_levels, priority=900)  # after furo builds its sidebar
