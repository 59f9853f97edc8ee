"""Pages run in forked kernels (autograd_docs.warm): isolated, and the same pages as MyST-NB's.

A tiny project (the site's conf.py, as in test_build.py) with three pages is built twice,
once with the forked kernels and once with ``-D autograd_warm_kernels=0`` (MyST-NB's own
kernels), each from an empty execution cache.  One page leaves state behind that the next
page checks for; one page shows the kinds of output the site shows (a warning, stderr,
a traceback shortened by anomaly detection, a graph picture, seeded random numbers).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_build import tiny_site

from autograd_docs.languages import LANGUAGES
from autograd_docs.warm import PAGE_FOLDERS_VARIABLE

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


def build(folder: Path, *options: str, language: str = "en", env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-c", str(folder),
         "-D", f"language={LANGUAGES[language][0]}", *options,
         str(folder / "docs" / language), str(folder / "out" / language)],
        capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})},
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
    assert "nothing leaked" in (folder / "out" / "en" / "b_fresh.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", sorted(PAGES))
def test_forked_and_started_kernels_give_byte_identical_pages(builds, page: str) -> None:
    warm, _ = builds["warm"]
    plain, _ = builds["plain"]
    warm_html = (warm / "out" / "en" / f"{page}.html").read_bytes()
    plain_html = (plain / "out" / "en" / f"{page}.html").read_bytes()
    assert warm_html == plain_html


def test_the_outputs_page_shows_what_it_should(builds) -> None:
    folder, _ = builds["warm"]
    html = (folder / "out" / "en" / "c_outputs.html").read_text(encoding="utf-8")
    for text in ["a warning from the page", "to stderr", "modified by an inplace operation",
                 "Traceback of forward call", "<svg", "tensor([ 1.5410, -0.2934, -2.1788]"]:  # fmt: skip
        assert text in html, text
    assert "kernel_child" not in html and "forkserver" not in html


RAN_A_PAGE = re.compile(r"(\S+\.md): Executing notebook in a forked kernel|Executing notebook using")


def test_one_build_runs_both_languages_pages_and_the_other_waits(tmp_path: Path) -> None:
    """As ``autograd_docs.build`` builds both languages: the first build runs every page."""
    folder = project(tmp_path)
    for kind in ("docs", "examples"):
        shutil.copytree(folder / kind / "en", folder / kind / "zh")
    own = folder / "docs" / "zh" / "a_leaks.md"  # code of its own, as a translated label makes it
    own.write_text(own.read_text(encoding="utf-8").replace("'left state behind'", "'留下了状态'"), encoding="utf-8")

    first = build(folder, env={PAGE_FOLDERS_VARIABLE: "en,zh"})
    ran = [match.group(1) for match in RAN_A_PAGE.finditer(first)]
    # Every English page, and of the Chinese ones only the page whose code differs.
    assert sorted(Path(path).relative_to(folder / "docs").as_posix() for path in ran) == sorted(
        [f"en/{name}.md" for name in PAGES] + ["zh/a_leaks.md"]
    )
    second = build(folder, language="zh", env={PAGE_FOLDERS_VARIABLE: ""})
    assert not RAN_A_PAGE.search(second), "the Chinese build ran a page the first build had run"
    assert "留下了状态" in (folder / "out" / "zh" / "a_leaks.html").read_text(encoding="utf-8")
    for name in PAGES:
        if name != "a_leaks":
            english = (folder / "out" / "en" / f"{name}.html").read_text(encoding="utf-8")
            chinese = (folder / "out" / "zh" / f"{name}.html").read_text(encoding="utf-8")
            blocks = output_blocks(english)
            assert blocks and blocks == output_blocks(chinese), name


def output_blocks(html: str) -> list[str]:
    return re.findall(r'<div class="cell_output docutils container">(.*?)</div>\s*</div>\s*</div>', html, re.S)


def test_a_build_waiting_for_the_other_builds_pages_runs_its_gallery_meanwhile(tmp_path: Path) -> None:
    """The waiting build blocks only before it reads, not at start (its gallery runs first)."""
    import time

    import torch

    from autograd_docs.provenance import cache_lock, create_execution_cache, execution_key
    from autograd_docs.warm import pages_lock

    folder = project(tmp_path)
    cache = folder / "build" / "jupyter_cache" / f"cpu-{execution_key(torch.__version__)}"
    create_execution_cache(str(cache))
    log = tmp_path / "log.txt"
    with cache_lock(str(cache), pages_lock(folder / "docs" / "en")):  # as the build running its pages holds it
        with log.open("w") as out:
            waiting = subprocess.Popen(
                [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-c", str(folder),
                 "-D", "language=en", str(folder / "docs" / "en"), str(folder / "out" / "en")],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, PAGE_FOLDERS_VARIABLE: ""},
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while "generating gallery for" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
            assert waiting.poll() is None, log.read_text(encoding="utf-8")[-3000:]
            time.sleep(0.2)
        assert "generating gallery for" in log.read_text(encoding="utf-8"), "the build waited before its gallery"
        assert waiting.poll() is None and not RAN_A_PAGE.search(log.read_text(encoding="utf-8"))
    assert waiting.wait(timeout=600) == 0, log.read_text(encoding="utf-8")[-3000:]
    # Nobody ran its pages: with the lock free, it ran them itself.
    assert len(RAN_A_PAGE.findall(log.read_text(encoding="utf-8"))) == len(PAGES)
