"""Chinese search for the Chinese site.

Two fixes on top of Sphinx's own Chinese support (jieba at index time):

1. Sphinx 9.0 writes ``window.Stemmer = ChineseStemmer`` although it ships the
   English stemmer for Chinese pages, so search stops at "Searching"
   (sphinx-doc/sphinx#14229).  Naming the language "English" for the JS stemmer
   makes the generated line refer to the class that exists.
2. Readers type Chinese without spaces ("梯度清零"), while jieba stores the words
   separately.  The query splitter below cuts each run of Han characters into the
   longest words the index actually holds, so the query finds the page.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.zh import SearchChinese as _SphinxSearchChinese

from .languages import folder_of

SEARCH_DICT = Path("docs") / "search-dict.txt"

# Replaces searchtools.js's default splitQuery (it checks `typeof splitQuery`).
SPLITTER_JS = r"""
var splitQuery = (query) => {
  const MAX_WORD = 8;
  const index = typeof Search !== "undefined" ? Search._index : null;
  const has = (table, word) => Object.prototype.hasOwnProperty.call(table, word);
  const known = (word) => index !== null && (has(index.terms, word) || has(index.titleterms, word));
  const out = [];
  const words = query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter((t) => t);
  for (const word of words) {
    for (const run of word.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu)) {
      if (!/\p{Script=Han}/u.test(run) || index === null || known(run)) {
        out.push(run);
        continue;
      }
      let start = 0;
      while (start < run.length) {
        let end = Math.min(run.length, start + MAX_WORD);
        while (end > start + 1 && !known(run.slice(start, end))) end--;
        if (end > start + 1) {
          out.push(run.slice(start, end));
          start = end;
        } else {
          start++;  // a single character: the index keeps no one-character words
        }
      }
    }
  }
  return out;
};
"""


class SearchChinese(_SphinxSearchChinese):
    """Sphinx's Chinese search with a working JS stemmer and an unspaced-query splitter."""

    language_name = "English"  # names the JS stemmer class; see the module docstring
    js_splitter_code = SPLITTER_JS


def configure(app: Sphinx, config: Config) -> None:
    if folder_of(app.srcdir) == "zh":
        config.html_search_options = {"dict": str(Path(app.confdir) / SEARCH_DICT)}


def setup(app: Sphinx) -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not a build message
    app.add_search_language(SearchChinese)
    app.connect("config-inited", configure, priority=2)
