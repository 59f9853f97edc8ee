"""Pages run in forked kernels (autograd_docs.warm): isolated, and the same pages as MyST-NB's.

A tiny project (the site's conf.py, as in test_build.py) with three pages is built twice,
once with the forked kernels and once with ``-D autograd_warm_kernels=0`` (MyST-NB's own
kernels), each from an empty execution cache.  One page leaves state behind that the next
page checks for; one page shows the kinds of output the site shows (a warning, stderr,
a traceback shortened by anomaly detection, a graph picture, seeded random numbers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_build import tiny_site

HEADER = "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n"


def cell(source: str, raises: str | None = None) -> str:
    options = f"---\ntags: [raises-exception]\nerror-message: {raises}\n---\n" if raises else ""
    return f"```{{code-cell}} ipython3\n{options}{source}\n```\n\n"


PAGES = {
    # Sorted names: the pages run in this order, two at a time.
    "a_leaks": HEADER + "(a_leaks)=\n# Leaks\n\n" + cell(
        "import torch\nimport warnings\nleaked = 42\ntorch.set_grad_enabled(False)\n"
        "torch.set_default_dtype(torch.float64)\nwarnings.simplefilter('ignore')\nprint('left state behind')"
    ),
    "b_fresh": HEADER + "(b_fresh)=\n# Fresh\n\n" + cell(
        "import torch\nimport warnings\n"
        "assert 'leaked' not in globals()\n"
        "assert torch.is_grad_enabled()\n"
        "assert torch.get_default_dtype() is torch.float32\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.warn('still shown')\n"
        "assert len(caught) == 1\n"
        "print('nothing leaked')"
    ),
    "c_outputs": HEADER + "(c_outputs)=\n# Outputs\n\n"
    + cell("import sys\nimport warnings\nimport torch\ntorch.manual_seed(0)\nx = torch.randn(3, requires_grad=True)\nx")
    + cell("y = x * 2\ny.grad")
    + cell("print('to stderr', file=sys.stderr)\nwarnings.warn('a warning from the page')")
    + cell(
        "with torch.autograd.detect_anomaly():\n    z = x.exp()\n    z.add_(1)\n    z.sum().backward()",
        raises="modified by an inplace operation",
    )
    + cell("from autograd_docs.graphs import draw\ndraw(lang='en', x=x, loss=(x * x).sum())"),
}
INDEX = "# Home\n\n```{toctree}\n" + "\n".join(PAGES) + "\nauto_examples/index\n```\n"
EXAMPLE = '"""\nA tiny example\n==============\n\nIt prints.\n"""\n\nprint(2)\n'


def project(folder: Path) -> Path:
    return tiny_site(folder, {"index": INDEX, **PAGES}, EXAMPLE)


def build(folder: Path, *options: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-c", str(folder),
         "-D", "language=en", *options, str(folder / "docs" / "en"), str(folder / "out")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    return log


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    warm = project(tmp_path_factory.mktemp("warm"))
    plain = project(tmp_path_factory.mktemp("plain"))
    return {"warm": (warm, build(warm)), "plain": (plain, build(plain, "-D", "autograd_warm_kernels=0"))}


def test_forked_kernels_ran_every_page_and_mystnb_none(builds) -> None:
    _, log = builds["warm"]
    for name in PAGES:
        assert f"{name}.md: Executing notebook in a forked kernel" in log
    assert "Executing notebook using" not in log, "MyST-NB ran a page again"
    _, plain_log = builds["plain"]
    assert "forked kernel" not in plain_log
    assert plain_log.count("Executing notebook using") == len(PAGES)


def test_no_state_leaks_from_one_page_into_the_next(builds) -> None:
    # b_fresh's asserts would have failed the build; its output shows it ran to the end.
    folder, _ = builds["warm"]
    assert "nothing leaked" in (folder / "out" / "b_fresh.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", sorted(PAGES))
def test_forked_and_started_kernels_give_byte_identical_pages(builds, page: str) -> None:
    warm, _ = builds["warm"]
    plain, _ = builds["plain"]
    warm_html = (warm / "out" / f"{page}.html").read_bytes()
    plain_html = (plain / "out" / f"{page}.html").read_bytes()
    assert warm_html == plain_html


def test_the_outputs_page_shows_what_it_should(builds) -> None:
    folder, _ = builds["warm"]
    html = (folder / "out" / "c_outputs.html").read_text(encoding="utf-8")
    for text in ["a warning from the page", "to stderr", "modified by an inplace operation",
                 "Traceback of forward call", "<svg", "tensor([ 1.5410, -0.2934, -2.1788]"]:  # fmt: skip
        assert text in html, text
    assert "kernel_child" not in html and "forkserver" not in html
