"""Build the two sites and the language chooser: ``python -m autograd_docs.build``.

    python -m autograd_docs.build                  # both languages, on the CPU
    python -m autograd_docs.build zh               # one language
    python -m autograd_docs.build --device cuda    # outputs from a GPU; fails without one

Each language is its own strict Sphinx build (``-W --keep-going -n``) from the shared
``conf.py`` into ``build/html/<lang>``; each build also writes ``build/html``'s own
files (the chooser, the 404 page, the sitemap index; see :mod:`.publishing`).  Both builds share one execution cache, so identical code runs once.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from .languages import LANGUAGES
from .provenance import DEVICE_VARIABLE, DEVICES

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


def build(folders: list[str], device: str = "cpu", extra: tuple[str, ...] = ()) -> dict[str, float]:
    """Build the given languages; return seconds per language.  Raises on a failed build."""
    env = {**os.environ, DEVICE_VARIABLE: device}
    seconds: dict[str, float] = {}
    for folder in folders:
        start = time.perf_counter()
        result = subprocess.run(sphinx_command(folder, extra=extra), cwd=ROOT, env=env)
        seconds[folder] = time.perf_counter() - start
        if result.returncode != 0:
            # Sphinx would not re-read pages whose warnings failed this build: start afresh next time.
            (OUTPUT / folder / ".doctrees" / "environment.pickle").unlink(missing_ok=True)
            raise SystemExit(f"the {LANGUAGES[folder][2]} site (docs/{folder}) failed to build; see above")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", metavar="LANG",
                        help=f"languages to build ({', '.join(LANGUAGES)}; default: all)")
    parser.add_argument("--device", choices=DEVICES, default="cpu",
                        help="where the pages and examples run (default: cpu)")
    args = parser.parse_args(argv)
    for folder in args.languages:
        if folder not in LANGUAGES:
            parser.error(f"unknown language {folder!r}: choose from {', '.join(LANGUAGES)}")
    seconds = build(args.languages or list(LANGUAGES), device=args.device)
    for folder, took in seconds.items():
        print(f"built {OUTPUT / folder} in {took:.1f} s")


if __name__ == "__main__":
    main()
