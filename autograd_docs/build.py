"""Build the two sites and the language chooser: ``python -m autograd_docs.build``.

    python -m autograd_docs.build                  # both languages, on the CPU
    python -m autograd_docs.build zh               # one language
    python -m autograd_docs.build --device cuda    # outputs from a GPU; fails without one

Each language is its own strict Sphinx build (``-W --keep-going -n``) from the shared
``conf.py`` into ``build/html/<lang>``; each build also writes ``build/html``'s own
files (the chooser, the 404 page, the sitemap index; see :mod:`.publishing`).  The two
builds run at the same time and share one execution cache, so identical code runs once.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from .languages import LANGUAGES
from .provenance import DEVICE_VARIABLE, DEVICES
from .warm import PAGE_FOLDERS_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "build" / "html"


def sphinx_command(folder: str, *, jobs: str = "auto", extra: tuple[str, ...] = ()) -> list[str]:
    return [
        sys.executable, "-m", "sphinx",
        "-W", "--keep-going", "-n",
        "-j", jobs,
        "-c", str(ROOT),
        "-D", f"language={LANGUAGES[folder][0]}",
        str(ROOT / "docs" / folder),
        str(OUTPUT / folder),
        *extra,
    ]  # fmt: skip


def build(folders: list[str], device: str = "cpu", extra: tuple[str, ...] = (),
          together: bool = True) -> dict[str, float]:
    """Build the given languages; return seconds per language.  Raises on a failed build.

    The languages build at the same time (``together``): each build spends most of its
    time in one process (the gallery runs its examples one by one), so two builds use
    two cores.  Their log lines carry the language's folder name.  The first build runs
    the pages of every language being built (a page whose code both languages share, once)
    in one pool of forked kernels, and fills the execution cache both builds read; the
    others wait for it before they read (see :func:`.warm.page_folders`).
    """
    env = {**os.environ, DEVICE_VARIABLE: device}
    # torch's OpenMP threads spin after each parallel region while they wait for more work.
    # The page kernels and the builds share the cores, so the spinning took the CPU time the
    # others needed: measured with per-process CPU sampling, the kernels of a clean build of
    # both languages took 41 CPU-s spinning, 32.5 CPU-s with passive waiting.  Only how idle
    # threads wait changes; the number of threads, and so the results, do not.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    start = time.perf_counter()
    seconds: dict[str, float] = {}
    failed: list[str] = []
    if not together or len(folders) == 1:
        for folder in folders:
            begin = time.perf_counter()
            if subprocess.run(sphinx_command(folder, extra=extra), cwd=ROOT, env=env).returncode:
                failed.append(folder)
            seconds[folder] = time.perf_counter() - begin
    else:
        runs_pages = {folder: ",".join(folders) if index == 0 else "" for index, folder in enumerate(folders)}
        builds = {folder: subprocess.Popen(sphinx_command(folder, extra=extra), cwd=ROOT,
                                           env={**env, PAGE_FOLDERS_VARIABLE: runs_pages[folder]},
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                  for folder in folders}  # fmt: skip
        relays = [threading.Thread(target=relay, args=(folder, process.stdout)) for folder, process in builds.items()]
        for thread in relays:
            thread.start()
        for folder, process in builds.items():
            if process.wait():
                failed.append(folder)
            seconds[folder] = time.perf_counter() - start
        for thread in relays:
            thread.join()
    for folder in failed:
        # Sphinx would not re-read pages whose warnings failed this build: start afresh next time.
        (OUTPUT / folder / ".doctrees" / "environment.pickle").unlink(missing_ok=True)
    if failed:
        names = ", ".join(f"the {LANGUAGES[folder][2]} site (docs/{folder})" for folder in failed)
        raise SystemExit(f"{names} failed to build; see above")
    return seconds


def relay(folder: str, stream) -> None:
    """Print a build's log lines as they come, each after its language's folder name."""
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"[{folder}] {line.decode('utf-8', 'replace')}")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", metavar="LANG",
                        help=f"languages to build ({', '.join(LANGUAGES)}; default: all)")
    parser.add_argument("--device", choices=DEVICES, default="cpu",
                        help="where the pages and examples run (default: cpu)")
    parser.add_argument("--one-at-a-time", action="store_true",
                        help="build the languages one after the other, not at the same time")
    args = parser.parse_args(argv)
    for folder in args.languages:
        if folder not in LANGUAGES:
            parser.error(f"unknown language {folder!r}: choose from {', '.join(LANGUAGES)}")
    seconds = build(args.languages or list(LANGUAGES), device=args.device, together=not args.one_at_a_time)
    for folder, took in seconds.items():
        print(f"built {OUTPUT / folder} in {took:.1f} s")


if __name__ == "__main__":
    main()
