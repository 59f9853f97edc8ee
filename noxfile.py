"""Sessions for the autograd notes.  ``nox -l`` lists them; ``nox -R -s NAME`` reuses
the environment for a fast loop.  Dependencies come from pyproject.toml's groups only.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["docs"]
nox.options.default_venv_backend = "venv"

PYPROJECT = nox.project.load_toml("pyproject.toml")


def install(session: nox.Session, group: str) -> None:
    # One pip call with the pinned torch in it, so nothing can resolve a newer torch.
    session.install(*nox.project.dependency_groups(PYPROJECT, group))
    session.install("--no-deps", "-e", ".")


@nox.session
def docs(session: nox.Session) -> None:
    """Build both sites strictly into build/html (``-- en``, ``-- zh``, ``-- --device cuda``)."""
    install(session, "docs")
    session.run("python", "-m", "autograd_docs.build", *session.posargs)


@nox.session(default=False)
def serve(session: nox.Session) -> None:
    """Live preview of one language while you write (``-- zh`` for Chinese)."""
    install(session, "serve")
    folder = session.posargs[0] if session.posargs else "en"
    language = {"en": "en", "zh": "zh_CN"}[folder]
    session.run(
        "sphinx-autobuild", "-c", ".", "-D", f"language={language}",
        "--watch", "examples", "--watch", "autograd_docs", "--watch", "docs/_templates",
        "--re-ignore", r"auto_examples/", f"docs/{folder}", f"build/serve/{folder}",
    )  # fmt: skip


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """Build both sites, then run every test: doctests, parity, examples, site, browser."""
    install(session, "test")
    session.run("python", "-m", "autograd_docs.build")
    session.run("pytest", *session.posargs)


@nox.session(default=False)
def doctests(session: nox.Session) -> None:
    """Only the pages' doctests, fast (``-- --device cuda`` on a GPU runner)."""
    install(session, "test")
    env = {}
    if "--device" in session.posargs:
        env["AUTOGRAD_DOCS_DEVICE"] = session.posargs[session.posargs.index("--device") + 1]
    session.run("pytest", "docs", "autograd_docs", env=env)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time the builds and weigh the pages (each ``benchmarks/bench_*.py``, in order)."""
    install(session, "bench")
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script))


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """Ruff on the Python: the extension, the examples, the tests."""
    install(session, "lint")
    session.run("ruff", "check", ".")
