"""CI, GitHub Pages and Read the Docs build the site with the README's own commands.

Each workflow (and ``.readthedocs.yaml``) is read with a YAML parser; the shell commands
it runs must use ``nox -s docs`` / ``nox -s tests`` as the README's quick start does, so
the published site is the one a contributor builds, and no command installs torch
without the pin of ``pyproject.toml``.  None of them (nor ``.ci/run``) installs a system
Graphviz, so CI proves that the docs need Python and pip only, and ``.ci/run`` runs the
tests with ``CI=true``, so that a missing browser fails there instead of skipping.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
READTHEDOCS = ROOT / ".readthedocs.yaml"
CONFIGS = [*WORKFLOWS, READTHEDOCS]
CI_SCRIPT = ROOT / ".ci" / "run"
# A package manager installing Graphviz (pygraphviz, from pip, is what the docs use).
SYSTEM_GRAPHVIZ = re.compile(r"\b(?:apt-get|apt|brew|dnf|yum|apk|port|choco|conda|mamba)\b[^\n]*\binstall\b[^\n]*(?<![\w-])graphviz\b")
NOX = re.compile(r"\bnox\s+(?:-\S+\s+)*-s\s+([\w-]+)")
UNPINNED_TORCH = re.compile(r"\bpip3?\s+install\b[^\n]*\btorch\b(?!==)")


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def commands(path: Path) -> list[str]:
    """Every shell command the file runs: workflow steps' ``run`` and RTD's build.commands."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{_name(path)} is not a YAML mapping"
    if path == READTHEDOCS:
        return list(data.get("build", {}).get("commands", []))
    return [
        step["run"]
        for job in data.get("jobs", {}).values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def readme_sessions() -> set[str]:
    quick_start = (ROOT / "README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1]
    block = quick_start.split("```bash", 1)[1].split("```", 1)[0]
    return set(NOX.findall(block))


def test_the_readme_quick_start_names_docs_and_tests() -> None:
    assert readme_sessions() >= {"docs", "tests"}, "README.md's quick start lost `nox -s docs` or `nox -s tests`"


@pytest.mark.parametrize("path", CONFIGS, ids=_name)
def test_builds_use_the_readme_nox_commands(path: Path) -> None:
    assert path.exists(), f"{_name(path)} is missing"
    runs = "\n".join(commands(path))
    used = set(NOX.findall(runs))
    assert used, f"{_name(path)} runs no nox session; build with the README's `nox -s docs` or `nox -s tests`"
    unknown = used - readme_sessions() - {"doctests"}  # the GPU job's doctests, in README prose
    assert not unknown, f"{_name(path)} runs nox sessions the README's quick start does not: {sorted(unknown)}"
    assert "sphinx-build" not in runs, f"{_name(path)} calls sphinx-build directly instead of nox"


@pytest.mark.parametrize("path", CONFIGS, ids=_name)
def test_no_unpinned_torch(path: Path) -> None:
    bad = [line for line in "\n".join(commands(path)).splitlines() if UNPINNED_TORCH.search(line)]
    assert not bad, f"{_name(path)} installs torch without the pin of pyproject.toml: {bad}"


def _script_lines(path: Path) -> list[str]:
    """The lines of a shell script without comments, continuations joined."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("path", [*CONFIGS, CI_SCRIPT], ids=_name)
def test_no_system_graphviz(path: Path) -> None:
    lines = _script_lines(path) if path == CI_SCRIPT else "\n".join(commands(path)).splitlines()
    bad = [line.strip() for line in lines if SYSTEM_GRAPHVIZ.search(line)]
    if path == READTHEDOCS:
        apt = yaml.safe_load(path.read_text(encoding="utf-8")).get("build", {}).get("apt_packages", [])
        bad += [f"apt_packages: {name}" for name in apt if "graphviz" in name.lower()]
    assert not bad, (
        f"{_name(path)} installs a system Graphviz, which the docs no longer need "
        f"(pygraphviz's wheels bundle it): {bad}"
    )


def test_no_system_graphviz_check_sees_an_install() -> None:
    assert SYSTEM_GRAPHVIZ.search("sudo apt-get install -y chromium graphviz")
    assert SYSTEM_GRAPHVIZ.search("brew install graphviz")
    assert not SYSTEM_GRAPHVIZ.search("pip install pygraphviz==2.0.4")
    assert not SYSTEM_GRAPHVIZ.search("apt-get install -y fonts-noto-cjk")


def test_ci_script_runs_the_tests_with_ci_semantics() -> None:
    lines = _script_lines(CI_SCRIPT)
    assert any(NOX.search(line) and "tests" in NOX.findall(line) for line in lines), (
        f"{_name(CI_SCRIPT)} does not run `nox -s tests`"
    )
    exports = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*export\s+CI=(?:true|\"true\")\s*", line)]
    runs = [i for i, line in enumerate(lines) if NOX.search(line)]
    assert exports and exports[0] < runs[0], (
        f"{_name(CI_SCRIPT)} must `export CI=true` before nox, so a missing browser fails instead of skipping"
    )


def test_ci_runs_the_tests() -> None:
    path = ROOT / ".github" / "workflows" / "ci.yml"
    assert "tests" in NOX.findall("\n".join(commands(path))), f"{_name(path)} does not run `nox -s tests`"


def test_pages_publishes_both_sites_from_main() -> None:
    path = ROOT / ".github" / "workflows" / "pages.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "main" in triggers["push"]["branches"], f"{_name(path)} does not publish on a push to main"
    assert "docs" in NOX.findall("\n".join(commands(path))), f"{_name(path)} does not run `nox -s docs`"
    deploys = [step.get("with", {}) for job in data["jobs"].values() for step in job["steps"]
               if step.get("uses", "").startswith("peaceiris/actions-gh-pages@")]  # fmt: skip
    assert deploys, f"{_name(path)} has no peaceiris/actions-gh-pages step"
    (deploy,) = deploys
    assert deploy.get("publish_dir") == "./build/html", f"{_name(path)} does not publish build/html"
    assert deploy.get("publish_branch", "gh-pages") == "gh-pages", (
        f"{_name(path)} publishes elsewhere than gh-pages, where conf.py's Colab links look"
    )
    assert "jupyter_execute" in deploy.get("exclude_assets", ""), (
        f"{_name(path)} would publish MyST-NB's build/html/jupyter_execute scratch folder"
    )


def test_readthedocs_serves_build_html() -> None:
    runs = "\n".join(commands(READTHEDOCS))
    data = yaml.safe_load(READTHEDOCS.read_text(encoding="utf-8"))
    assert str(data["build"]["tools"]["python"]) == "3.11", f"{_name(READTHEDOCS)} is not on Python 3.11"
    assert re.search(r"build/html\S*\s+\S*\$READTHEDOCS_OUTPUT/html", runs), (
        f"{_name(READTHEDOCS)} does not copy build/html to $READTHEDOCS_OUTPUT/html"
    )
