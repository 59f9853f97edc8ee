"""Every download the gallery offers runs to its end, on its own.

A reader downloads a ``.py`` or ``.ipynb`` into an empty folder with only torch
installed and runs it.  Each download is run like that here (the ``.py`` with
``python -I``, the notebook with a fresh Jupyter kernel), and its imports are checked
to be torch and the standard library only.  NumPy is hidden from both runs: torch does
not depend on it, and without it ``Tensor.numpy()`` raises "Numpy is not available".
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builtsite import FOLDERS, ROOT, SITE, require_site

ALLOWED = {"torch"} | set(sys.stdlib_module_names)

# Run before a download's own code: any later ``import numpy`` (torch's included) fails.
HIDE_NUMPY = "import sys; sys.modules['numpy'] = None"


def downloads(suffix: str) -> list[Path]:
    found = []
    for folder in FOLDERS:
        for example in sorted((ROOT / "examples" / folder).rglob("plot_*.py")):
            found += [p for p in (SITE / folder / "_downloads").glob(f"*/{example.stem}{suffix}")]
    return found


def _id(path: Path) -> str:
    return f"{path.relative_to(SITE).parts[0]}/{path.name}"


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules


def notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_every_example_offers_both_downloads() -> None:
    require_site()
    expected = {(f, p.stem) for f in FOLDERS for p in (ROOT / "examples" / f).rglob("plot_*.py")}
    for suffix in (".py", ".ipynb"):
        found = {(p.relative_to(SITE).parts[0], p.stem) for p in downloads(suffix)}
        assert expected <= found, f"no {suffix} download for: {sorted(expected - found)}"


@pytest.mark.parametrize("script", downloads(".py") + downloads(".ipynb"), ids=_id)
def test_download_needs_only_torch(script: Path) -> None:
    source = script.read_text(encoding="utf-8") if script.suffix == ".py" else notebook_code(script)
    extra = imported_modules(source) - ALLOWED
    assert not extra, f"{_id(script)} imports {sorted(extra)}: a reader with only torch cannot run it"


@pytest.mark.parametrize("script", downloads(".py"), ids=_id)
def test_python_download_runs_in_an_empty_folder(script: Path, tmp_path: Path) -> None:
    shutil.copy(script, tmp_path / script.name)
    run = f"{HIDE_NUMPY}; import runpy; runpy.run_path({script.name!r}, run_name='__main__')"
    result = subprocess.run(
        [sys.executable, "-I", "-c", run], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{_id(script)} failed when run on its own:\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("notebook", downloads(".ipynb"), ids=_id)
def test_notebook_download_runs_in_an_empty_folder(notebook: Path, tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HIDE_NUMPY))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()


def notebook_text(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("notebook", downloads(".ipynb"), ids=_id)
def test_notebook_links_lead_to_published_pages(notebook: Path) -> None:
    """A notebook has no Sphinx to resolve :ref:; its links are addresses of the site."""
    site_url = re.search(r'^autograd_site_url = "([^"]+)"', (ROOT / "conf.py").read_text(), re.M)[1]
    text = notebook_text(notebook)
    dead = re.findall(r"`[^`\n]*<[\w.-]+>`", text)
    assert not dead, f"{_id(notebook)} shows unresolved references: {dead}"
    folder = notebook.relative_to(SITE).parts[0]
    for url in re.findall(r"\]\((https?://[^)\s]+)\)", text):
        if not url.startswith(site_url):
            continue
        page = url.removeprefix(site_url.rstrip("/") + "/").split("#")[0]
        assert page.startswith(f"{folder}/"), f"{_id(notebook)} links to the other language: {url}"
        assert (SITE / page).is_file(), f"{_id(notebook)} links to {url}, which the site does not have"


def test_every_example_has_a_place_in_the_reading_order() -> None:
    from autograd_docs.gallery import READING_ORDER

    for folder in FOLDERS:
        names = sorted(p.name for p in (ROOT / "examples" / folder).rglob("plot_*.py"))
        missing = sorted(set(names) - set(READING_ORDER))
        assert not missing, f"add {missing} to READING_ORDER in autograd_docs/gallery.py"


@pytest.mark.parametrize("notebook", [n for n in downloads(".ipynb") if n.relative_to(SITE).parts[0] == "zh"], ids=_id)
def test_chinese_notebook_text_is_not_broken_mid_sentence(notebook: Path) -> None:
    """A notebook shows a line break between two Chinese characters of a paragraph as a
    space (a heading's line break is no such break)."""
    from autograd_docs.gallery import join_markdown_chinese

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    broken = [text[:60] for text in texts if join_markdown_chinese(text) != text]
    assert not broken, f"{_id(notebook)} breaks Chinese lines in: {broken[:3]}"


@pytest.mark.parametrize("notebook", downloads(".ipynb"), ids=_id)
def test_notebook_headings_are_the_pages_headings(notebook: Path) -> None:
    """Each Markdown heading of a notebook is a heading of the example's page, word for
    word: no paragraph joined onto it, nothing lost."""
    from builtsite import soup

    folder = notebook.relative_to(SITE).parts[0]
    (script,) = (ROOT / "examples" / folder).rglob(f"{notebook.stem}.py")
    page = SITE / folder / "auto_examples" / script.parent.name / f"{notebook.stem}.html"
    shown = {h.get_text().strip().rstrip("#¶").strip() for h in soup(page).select("h1, h2, h3")}
    for line in notebook_text(notebook).splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().replace("`", "")
            assert heading in shown, f"{_id(notebook)}: notebook heading {heading!r} is not on the page"
