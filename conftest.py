"""Doctests of every page in both languages, and of the extension's docstrings.

Sybil runs the ``python`` code blocks of ``docs/<lang>/*.md`` and of the error entries
``docs/<lang>/errors/*.md``: blocks
that start with ``>>>`` are doctests whose printed output is compared.  MyST-NB cells
(``{code-cell} ipython3``) are executed by the docs build instead, not here.
"""

from __future__ import annotations

import doctest

from sybil import Sybil
from sybil.parsers.myst import PythonCodeBlockParser, SkipParser
from sybil.parsers.rest import DocTestParser

OPTIONS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _fresh_torch(namespace: dict) -> None:
    """Each page starts like a new reader's session: same seed, default modes, and
    ``device`` set to the device the build asked for (AUTOGRAD_DOCS_DEVICE)."""
    import torch

    from autograd_docs.gallery import fresh_torch
    from autograd_docs.provenance import resolve_device

    namespace["device"] = torch.device(resolve_device()[0])
    fresh_torch()


pages = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=OPTIONS), SkipParser()],
    patterns=["docs/en/*.md", "docs/zh/*.md", "docs/en/errors/*.md", "docs/zh/errors/*.md"],
    setup=_fresh_torch,
    name="pages",
)
extension = Sybil(
    parsers=[DocTestParser(optionflags=OPTIONS)],
    patterns=["autograd_docs/*.py"],
    name="extension",
)
pytest_collect_file = (pages + extension).pytest()
