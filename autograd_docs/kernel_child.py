"""What runs in the fork server and in each kernel it forks; see :mod:`.kernels`.

Kept free of Sphinx and jupyter_client imports: a forked kernel should hold the modules a
freshly started one holds, plus torch.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing.process
import os
import sys
import warnings
from typing import Any

_torch_filters: list = []
_main_process: list = []


def preload() -> None:
    """Import once, in the fork server, what every page kernel imports.

    The warning filters these imports add are remembered: in a started kernel, a page's
    cells import them after IPython set up its own filters, so theirs come first.
    """
    import ipykernel.kernelapp  # noqa: F401
    import IPython  # noqa: F401
    # What IPKernelApp.initialize imports: the kernel's debugger (debugpy and pydevd, 0.08 s),
    # the shell's history (sqlite3) and the rest below.  Imported here, a kernel does not
    # import them again, and the cache of module files that tracebacks read (inspect's)
    # already holds them: 0.07 CPU-s less per page, measured over the English pages.
    # pydevd warns at import that frozen modules may hide breakpoints; a kernel started the
    # usual way prints that to a terminal nobody reads, the fork server to the build's log.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    import faulthandler  # noqa: F401
    import sqlite3  # noqa: F401

    import ipykernel.debugger  # noqa: F401
    import ipykernel.ipkernel  # noqa: F401
    import IPython.core.completerlib  # noqa: F401
    import IPython.core.debugger  # noqa: F401
    import IPython.core.oinspect  # noqa: F401
    import IPython.extensions.storemagic  # noqa: F401
    import tornado.platform.asyncio  # noqa: F401

    _main_process[:] = [multiprocessing.process.current_process()]  # the fork server's own
    before = list(warnings.filters)
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401 -- what building the first optimizer imports (2 s)

    from . import graphs  # noqa: F401 -- the pages' graph pictures, and pygraphviz

    _torch_filters[:] = [f for f in warnings.filters if f not in before]
    warm_tracebacks()
    # Every object so far is the fork server's, shared with its kernels until one is
    # written to.  A kernel's garbage collector would walk (and so write to) all of them:
    # frozen, it leaves them alone.  Measured: 0.62 -> 0.31 CPU-s for a one-cell page.
    gc.collect()
    gc.freeze()


# The torch modules the site's tracebacks pass through.  Only a matter of speed: IPython's
# traceback formatter parses the source file of every frame it shows (0.02 to 0.3 s for
# each of these), and a kernel that had to do it itself would spend that on every page.
TRACEBACK_MODULES = (
    "torch._tensor", "torch.autograd", "torch.autograd.graph", "torch.autograd.function",
    "torch.autograd.gradcheck", "torch.amp.grad_scaler", "torch.nn.utils.clip_grad",
    "torch.utils.checkpoint", "torch.nn.modules.module", "torch.nn.parallel.distributed",
    "torch.multiprocessing.spawn", "torch._functorch.apis", "torch._functorch.vmap",
    "torch._functorch.eager_transforms",
)  # fmt: skip


def warm_tracebacks() -> None:
    """Fill, once, the caches IPython's tracebacks use; the forked kernels inherit them.

    stack_data keeps each source file it has parsed (keyed by its name and its lines, so
    an edited file is parsed again), and pygments compiles its Python lexer on first use.
    """
    import importlib

    import stack_data
    import torch
    from IPython.core.ultratb import AutoFormattedTB

    for name in TRACEBACK_MODULES:
        source = stack_data.Source.for_filename(importlib.import_module(name).__file__)
        source.pieces  # noqa: B018 -- computed once, kept on the source
        source.tokens_by_lineno  # noqa: B018
    x = torch.ones(1, requires_grad=True)
    y = x * 2
    y.backward()
    try:
        y.backward()
    except RuntimeError:
        AutoFormattedTB(mode="Context", theme_name="neutral").structured_traceback(*sys.exc_info())


def skip_stored_tracebacks(shell: Any) -> None:
    """Format each error once, for the page, not a second time for the shell's history.

    IPython 9 formats the traceback of a cell that raised twice: once to show it, and once
    more to keep in ``history_manager.exceptions``, which only the ``%notebook`` magic reads.
    Measured with cProfile over the English pages, the second formatting cost 0.06 CPU-s
    per error (a tenth of the kernels' time); what the page shows does not change.

    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> hasattr(InteractiveShell, "_format_exception_for_storage")  # still IPython's name for it
    True
    >>> from types import SimpleNamespace
    >>> shell = SimpleNamespace()  # a kernel's shell; a real one would change this process
    >>> skip_stored_tracebacks(shell)
    >>> shell._format_exception_for_storage(ValueError("boom"))
    {'ename': 'ValueError', 'evalue': 'boom', 'traceback': []}
    """

    def name_and_message(exception: BaseException, *args: Any, **kwargs: Any) -> dict:
        return {"ename": type(exception).__name__, "evalue": str(exception), "traceback": []}

    shell._format_exception_for_storage = name_and_message


def main(argv: list[str], env: dict[str, str], cwd: str, path: list[str]) -> None:
    """Become what ``python -m ipykernel_launcher ARGV``, started in CWD with ENV, would be."""
    os.setsid()  # its own process group, as jupyter_client starts kernels: signals stay there
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = path
    # A fresh interpreter's multiprocessing state: the kernel is a main process, not a child.
    multiprocessing.process._current_process = _main_process[0]
    multiprocessing.process._parent_process = None
    multiprocessing.process._children = set()
    # Seeded from the system's entropy, as a started kernel's are: a fork would share the
    # fork server's seeds (Python's own random module reseeds itself after a fork).
    import torch

    torch.seed()
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    import ipykernel_launcher
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = [ipykernel_launcher.__file__, *argv]
    for f in _torch_filters:
        warnings.filters.remove(f)
    app = IPKernelApp.instance(parent_handle=int(env.get("JPY_PARENT_PID") or 0))
    app.initialize(argv)
    skip_stored_tracebacks(app.shell)
    warnings.filters[:0] = _torch_filters
    warnings._filters_mutated()
    # Handlers made while torch was imported write to the fork server's streams; in a started
    # kernel they would write to the kernel's, which send their text to the notebook.
    for name in [None, *logging.root.manager.loggerDict]:
        for handler in getattr(logging.getLogger(name), "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                if handler.stream is sys.__stderr__:
                    handler.setStream(sys.stderr)
                elif handler.stream is sys.__stdout__:
                    handler.setStream(sys.stdout)
    app.start()
