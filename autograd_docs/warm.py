"""Execute the pages a build is about to read, several at once, in forked kernels.

MyST-NB executes a page when it reads it, in a kernel it starts for that page, and
stores the result in jupyter-cache.  Before Sphinx reads, this module finds the pages
whose code has no cache record yet and executes them the way MyST-NB would (the same
notebook, nbclient, working folder, timeout and cache record), but in kernels forked
from a process that has imported torch (:mod:`.kernels`), as many at a time as the
machine has cores.  MyST-NB then finds every page in the cache.  When both languages
build at once, one of the two builds runs the pages of both (:func:`page_folders`).

A page that fails here is left alone: MyST-NB executes it again when it reads it and
reports the failure as it always does.  ``-D autograd_warm_kernels=0`` or
``AUTOGRAD_DOCS_WARM_KERNELS=0`` turns this off,
leaving MyST-NB's own execution; both give the same pages (``tests/test_warm.py``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)


@dataclass(eq=False)  # a job is the page it runs: compared by identity
class Job:
    path: Path
    notebook: Any
    config: Any  # myst_nb's NbParserConfig, with the page's own overrides
    read_fmt: dict | None


def stale_pages(env: BuildEnvironment, paths: list[Path], cache: Any) -> list[Job]:
    """The pages among ``paths`` that MyST-NB would execute: cache mode, no record."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    jobs = []
    for path in sorted(paths):
        if not path.is_file():
            continue
        content = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, content)
        if reader is None:
            continue
        notebook = reader.read(content)
        config = env.mystnb_config
        if config.metadata_key in notebook.metadata:
            overrides = nb_node_to_dict(notebook.metadata[config.metadata_key])
            overrides.pop("output_folder", None)
            config = config.copy(**overrides)
        if config.execution_mode != "cache":
            continue
        posix = PurePosixPath(path.as_posix())
        if any(posix.match(pattern) for pattern in config.execution_excludepatterns):
            continue
        job = Job(path, notebook, config, reader.read_fmt)
        if not cached(cache, job):
            jobs.append(job)
    return jobs


def execute(job: Job) -> Any:
    """Run one page; ``None`` if it failed in any way (MyST-NB then runs it and reports)."""
    from jupyter_cache.executors.utils import single_nb_execution

    from .kernels import ForkedKernelManager

    try:
        result = single_nb_execution(
            job.notebook,
            cwd=str(job.path.parent),  # MyST-NB's nb_execution_in_temp is False here
            allow_errors=job.config.execution_allow_errors,
            timeout=job.config.execution_timeout,
            meta_override=True,
            kernel_manager_class=ForkedKernelManager,
        )
    except Exception as error:  # noqa: BLE001 -- a kernel that would not start, for one
        logger.info(f"{job.path}: not executed in a forked kernel ({error!r}); MyST-NB will run it")
        return None
    return None if result.err is not None else result


def workers() -> int:
    """Pages run at once: four times the cores, as a page's kernel spends most of its life waiting.

    A one-cell page takes 0.58 s but 0.31 CPU-s (the client polls while the kernel starts
    and stops).  Measured on 2 cores, a clean build of both languages (87 page runs, one
    pool) took 46 to 50 s with 4 pages at a time, 44 to 45 s with 6, 42 to 43 s with 8 and
    44 s with 12: while the galleries run the pages share the cores with them, and once
    the galleries are done, 4 kernels left a fifth of the two cores idle.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(2, 4 * cores)


def execute_stale_pages(app: Sphinx, env: BuildEnvironment, paths: list[Path], *,
                        others_waiting: Callable[[], None] | None = None) -> None:
    """Run the pages among ``paths`` that have no cache record, under the cache's lock.

    A build that runs the other languages' pages too (see :func:`page_folders`) took the
    lock at builder-inited and passes ``others_waiting``; any other build takes it here,
    if it has a page to run.
    """
    from jupyter_cache import get_cache

    from .provenance import cache_lock

    path = env.mystnb_config.execution_cache_path or ".jupyter_cache"
    jobs = stale_pages(env, paths, get_cache(path))
    if not jobs and others_waiting is None:
        return  # nothing to run: no reason to wait for another build's lock
    with contextlib.nullcontext() if others_waiting else cache_lock(path):
        cache = get_cache(path)
        jobs = [job for job in jobs if not cached(cache, job)]  # another build may have run it
        start = time.perf_counter()
        results = run(env, cache, jobs, others_waiting or (lambda: None))
    if results:
        logger.info(
            f"autograd: executed {len(results)} pages in forked kernels, {workers()} at a time, "
            f"in {time.perf_counter() - start:.1f} s ({sum(r is None for _, r in results)} left to MyST-NB)"
        )


def submit(pool: ThreadPoolExecutor, job: Job) -> Future:
    logger.info(f"{job.path}: Executing notebook in a forked kernel")
    return pool.submit(execute, job)


def run(env: BuildEnvironment, cache: Any, jobs: list[Job],
        others_waiting: Callable[[], None]) -> list[tuple[Job, Any]]:
    """Run the pages, record them in the cache, and return their results.

    Pages with the same code run once, whatever languages share it (the cache's own key).
    The pages of other languages, which other builds wait for, run first; once they are
    recorded, ``others_waiting`` lets those builds read while this build's own pages run.
    """
    if not jobs:
        others_waiting()
        return []
    from .kernels import start_server

    start_server()  # the fork server imports torch and ipykernel: seconds
    keys = [cache.create_hashed_notebook(job.notebook)[1] for job in jobs]
    first: dict[str, Job] = {}
    for key, job in zip(keys, jobs, strict=True):
        first.setdefault(key, job)
    srcdir = Path(env.srcdir)
    theirs = {key for key, job in zip(keys, jobs, strict=True) if not job.path.is_relative_to(srcdir)}
    order = sorted(first.items(), key=lambda item: item[0] not in theirs)  # theirs first
    with ThreadPoolExecutor(max_workers=min(workers(), len(order))) as pool:
        running = [(key, job, submit(pool, job)) for key, job in order]
        early = [(job, future.result()) for key, job, future in running if key in theirs]
        record(cache, early)
        others_waiting()
        late = [(job, future.result()) for key, job, future in running if key not in theirs]
        record(cache, late)
    return early + late


def cached(cache: Any, job: Job) -> bool:
    try:
        cache.match_cache_notebook(job.notebook)
    except KeyError:
        return False
    return True


def record(cache: Any, results: list[tuple[Job, Any]]) -> None:
    """Write each page's result into the cache as MyST-NB would (a failed page is left out)."""
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    for job, result in results:
        if result is None:
            continue  # MyST-NB runs it again while reading, and reports it
        project = cache.add_nb_to_project(str(job.path), read_data=job.read_fmt)
        NbProjectRecord.remove_tracebacks([project.pk], cache.db)
        cache.cache_notebook_bundle(
            CacheBundleIn(job.notebook, project.uri, data={"execution_seconds": result.time}),
            check_validity=False,
            overwrite=True,
        )


def source_pages(srcdir: str | Path) -> list[Path]:
    """Every Markdown page, generated galleries and ``_``/``.`` folders aside."""
    root = Path(srcdir)
    return sorted(
        path
        for path in root.rglob("*.md")
        if not any(part.startswith(("_", ".")) or part == "auto_examples" for part in path.relative_to(root).parts)
    )


# Set by autograd_docs.build when it builds both languages at once: the language folders
# whose pages this build runs ("en,zh" for one build, "" for the other).  Unset: its own.
PAGE_FOLDERS_VARIABLE = "AUTOGRAD_DOCS_PAGE_FOLDERS"


def page_folders(app: Sphinx) -> list[Path]:
    """The source folders whose pages this build runs before reading.

    Two builds (one per language) that each run their own pages start two fork servers
    (5 CPU-s each: torch, IPython) and split the cores between two pools.  When
    :mod:`.build` builds both languages, it gives every page to one of them, which holds
    the cache's lock until all are recorded, and a lock per other language
    (:func:`pages_lock`) until that language's pages are; the other build waits for its
    language's lock before it reads.
    """
    names = os.environ.get(PAGE_FOLDERS_VARIABLE)
    srcdir = Path(app.srcdir)
    if names is None:
        return [srcdir]
    return [srcdir.parent / name for name in names.split(",") if name]


def pages_lock(folder: Path) -> str:
    """The lock a build running this language folder's pages holds until they are recorded."""
    return f"pages-{folder.name}.lock"


_early: dict[int, tuple[threading.Thread, bool]] = {}  # per app: the early run, and whether it held the lock


def start_early(app: Sphinx) -> None:
    """Start running the stale pages while the gallery runs its examples (builder-inited).

    MyST-NB makes its configuration at builder-inited too, just after this; the worker
    waits for it.  What it records is found in the cache at env-before-read-docs.  A build
    that runs the other language's pages too takes the cache's lock here, before the other
    build can look for them, and the worker lets it go when it has recorded them.
    """
    if not app.config.autograd_warm_kernels or app.config.nb_execution_mode != "cache":
        return
    folders = page_folders(app)
    if not folders:
        return  # the other build runs them; finish() waits for it
    before = app.env.__dict__.get("mystnb_config")
    paths = [page for folder in folders for page in source_pages(folder)]
    locked = folders != [Path(app.srcdir)]
    lock, others = contextlib.ExitStack(), contextlib.ExitStack()
    if locked:
        from .provenance import cache_lock

        path = app.config.nb_execution_cache_path
        lock.enter_context(cache_lock(path))
        for folder in folders:
            if folder != Path(app.srcdir):
                others.enter_context(cache_lock(path, pages_lock(folder)))

    def work() -> None:
        with lock, others:
            deadline = time.monotonic() + 120
            while app.env.__dict__.get("mystnb_config") is before:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.01)
            execute_stale_pages(app, app.env, paths, others_waiting=others.close if locked else None)

    thread = threading.Thread(target=work, name="autograd-warm-pages", daemon=True)
    thread.start()
    _early[id(app)] = (thread, locked)


def finish(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Before Sphinx reads: wait for the early run, then run any page still without a record.

    The pages Sphinx is about to read are looked up again (a cache lookup per page), as
    another build may be running them.  A build whose pages the other build runs waits
    first for its language's lock (:func:`pages_lock`), which that build lets go once it
    has recorded them.  A build
    whose early run held the lock looks no more: nothing else could record its pages, and
    a page that failed is MyST-NB's to run and report.
    """
    if not app.config.autograd_warm_kernels or env.mystnb_config.execution_mode != "cache":
        return
    thread, locked = _early.pop(id(app), (None, False))
    if thread is not None:
        thread.join()
    if locked:
        return
    if Path(app.srcdir) not in page_folders(app):
        from .provenance import cache_lock

        with cache_lock(env.mystnb_config.execution_cache_path, pages_lock(Path(app.srcdir))):
            pass  # the other build has recorded this language's pages
    execute_stale_pages(app, env, [Path(env.doc2path(name)) for name in docnames])


def setup(app: Sphinx) -> None:
    # AUTOGRAD_DOCS_WARM_KERNELS=0 (or -D autograd_warm_kernels=0) leaves every page to MyST-NB.
    default = os.environ.get("AUTOGRAD_DOCS_WARM_KERNELS", "1") != "0"
    app.add_config_value("autograd_warm_kernels", default, "", types=(bool, int))
    app.connect("builder-inited", start_early, priority=499)  # before the gallery (500)
    app.connect("env-before-read-docs", finish)
