"""Sphinx extension for the autograd notes: two languages, honest outputs.

One module per concern:

- :mod:`.languages`: language from the source folder, twin-page links, gallery folders;
- :mod:`.search_zh`: Chinese search that works in the browser and accepts unspaced queries;
- :mod:`.tracebacks`: readable tracebacks, and a check that taught errors still happen;
- :mod:`.provenance`: the torch version and device that produced the outputs;
- :mod:`.gallery`: per-example reset, expected errors, Chinese labels, Colab links;
- :mod:`.publishing`: hreflang links, sitemaps, and the root files (chooser, 404);
- :mod:`.accessibility`: what screen readers and keyboards need that the themes leave out;
- :mod:`.errorindex`: one page per error message, the index table, and the entries' data for the browser;
- :mod:`.error_matcher`: a pasted error names its entry; readers' own questions find the page;
- :mod:`.warm`: pages run before Sphinx reads them, in kernels forked by :mod:`.kernels`.

Not Sphinx hooks: :mod:`.build` runs both builds (``python -m autograd_docs.build``), and
:mod:`.graphs` draws the real autograd graph for the pages' cells.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def setup(app: Any) -> dict[str, Any]:
    # Imported here, not above: the page kernels import autograd_docs.graphs, and need no Sphinx.
    from . import (
        accessibility,
        error_matcher,
        errorindex,
        gallery,
        languages,
        provenance,
        publishing,
        search_zh,
        tracebacks,
        warm,
    )

    modules = (languages, provenance, publishing, search_zh, tracebacks, gallery, accessibility, errorindex, error_matcher, warm)
    for module in modules:
        module.setup(app)
    return {"version": __version__, "env_version": 7, "parallel_read_safe": True, "parallel_write_safe": True}
