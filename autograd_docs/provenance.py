"""Which torch and which device produced the outputs, shown on every page.

The device is chosen outside the build: ``AUTOGRAD_DOCS_DEVICE=cuda`` asks for CUDA
and the build stops if there is none; ``cpu`` (the default) hides any GPU from the
page kernels and examples, so a CPU build looks the same on every machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from importlib import metadata
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

DEVICE_VARIABLE = "AUTOGRAD_DOCS_DEVICE"
DEVICES = ("cpu", "cuda")


def requested_device(environ: os._Environ[str] | dict[str, str] = os.environ) -> str:
    device = environ.get(DEVICE_VARIABLE, "cpu").strip().lower() or "cpu"
    if device not in DEVICES:
        raise ConfigError(f"{DEVICE_VARIABLE}={device!r}: expected one of {', '.join(DEVICES)}")
    return device


def resolve_device() -> tuple[str, str]:
    """Return ``(device, torch version)``, hiding GPUs for a CPU build.

    Raises ConfigError when CUDA is asked for and torch cannot see a GPU.
    """
    device = requested_device()
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # inherited by the page kernels
        # The installed version is torch.__version__; importing torch would cost every build ~1.5 s.
        return device, metadata.version("torch")
    import torch  # after CUDA_VISIBLE_DEVICES, which torch reads once

    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"{DEVICE_VARIABLE}=cuda but torch {torch.__version__} sees no CUDA device; "
            "build on a GPU runner or drop --device cuda"
        )
    return device, torch.__version__


def create_execution_cache(path: str) -> None:
    """Create the execution cache's database before ``-j`` starts the readers: two readers
    that both find no cache race to create it, and one fails ("table settings already exists").

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "cpu"
    >>> create_execution_cache(str(folder)); create_execution_cache(str(folder))
    >>> sorted(p.name for p in folder.iterdir())
    ['__version__.txt', 'create.lock', 'global.db']
    """
    from jupyter_cache.cache.db import create_db

    Path(path).mkdir(parents=True, exist_ok=True)
    # The other language's build may be creating it too.  Not the lock that the pages run
    # under: a build waiting for the other build's pages would wait here, before its gallery.
    with cache_lock(path, "create.lock"):
        create_db(path)


@contextlib.contextmanager
def cache_lock(path: str, name: str = "build.lock"):
    """Hold the execution cache for this process alone (a lock file next to its database)."""
    with open(Path(path) / name, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Runs in every page kernel (IPython startup file).  The kernel sends stdout in chunks
# every 0.2 s; on a busy machine a chunk can end in the middle of a line, and MyST-NB's
# stream merging then shows a line break that the code never printed.  With a long
# interval each cell's output leaves in one piece, when the cell ends.
KERNEL_STARTUP = """\
import sys

for stream in (sys.stdout, sys.stderr):
    if hasattr(stream, "flush_interval"):
        stream.flush_interval = 60.0
"""


def prepare_kernels(root: Path) -> None:
    """Point the page kernels at an IPython folder whose startup file is KERNEL_STARTUP.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> prepare_kernels(folder)
    >>> (folder / "profile_default" / "startup" / "00-whole-cell-output.py").exists()
    True
    >>> os.environ["IPYTHONDIR"] == str(folder)
    True
    """
    startup = root / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    target = startup / "00-whole-cell-output.py"
    if not target.exists() or target.read_text(encoding="utf-8") != KERNEL_STARTUP:
        # Replaced, never truncated: the other language's kernels may be reading it.
        temporary = target.with_name(f".{target.name}.{os.getpid()}")
        temporary.write_text(KERNEL_STARTUP, encoding="utf-8")
        os.replace(temporary, target)
    os.environ["IPYTHONDIR"] = str(root)  # inherited by the kernels MyST-NB starts


def execution_key(torch_version: str) -> str:
    """What page outputs depend on besides their code: the torch release, the graph-drawing
    helper the pages call, and the kernels' startup file.  jupyter-cache keys a page by its
    code alone, so a new torch would otherwise keep showing the old torch's outputs.

    >>> execution_key("2.13.0") == execution_key("2.13.0") != execution_key("2.14.0")
    True
    """
    digest = hashlib.sha256(torch_version.encode())
    digest.update((Path(__file__).parent / "graphs.py").read_bytes())
    digest.update(KERNEL_STARTUP.encode())
    return digest.hexdigest()[:12]


def configure(app: Sphinx, config: Config) -> None:
    device, version = resolve_device()
    label = device.upper()
    if device == "cuda":
        import torch

        label = f"CUDA ({torch.cuda.get_device_name(0)})"
    config.html_context = {
        **config.html_context,
        "autograd_torch_version": version,
        "autograd_device": label,
    }
    # One execution cache per device and torch, shared by both languages: identical code runs
    # once.  Outputs also depend on things outside the cells' code, so they name the cache too.
    cache = f"{device}-{execution_key(version)}"
    config.nb_execution_cache_path = str(Path(app.confdir) / "build" / "jupyter_cache" / cache)
    create_execution_cache(config.nb_execution_cache_path)
    prepare_kernels(Path(app.confdir) / "build" / "ipython")
    app.config.html_theme_options = {**config.html_theme_options, "announcement": "provenance"}


def setup(app: Sphinx) -> None:
    app.connect("config-inited", configure, priority=3)
