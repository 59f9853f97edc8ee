"""The strict build, tested on a tiny real project (sphinx-gallery's tinybuild idea).

Each case copies the site's ``conf.py`` and templates next to one small page and one
small example, breaks one thing, builds, and checks that the build fails and that its
message names the file a maintainer must open.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PAGE = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
(tiny)=
# Tiny

```{{code-cell}} ipython3
{cell}
```
"""
INDEX = "# Home\n\n```{toctree}\ntiny\nauto_examples/index\n```\n"
EXAMPLE = '''"""
A tiny example
==============

It prints.
"""

# %%
# One step
# --------
import traceback

{body}
'''
RAISING_CELL = "---\ntags: [raises-exception]\nerror-message: {message}\n---\nraise ValueError('boom')"
PRINTS_TRACEBACK = "try:\n    raise ValueError('boom')\nexcept ValueError:\n    traceback.print_exc()"


def tiny_build(tmp_path: Path, *, cell: str = "print(1 + 1)", body: str = "print(2)",
               expected_errors: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    for name in ("_templates", "_static", "locales", "_root"):
        shutil.copytree(ROOT / "docs" / name, tmp_path / "docs" / name)
    shutil.copy(ROOT / "docs" / "search-dict.txt", tmp_path / "docs")
    conf = (ROOT / "conf.py").read_text(encoding="utf-8")
    conf += f"\nautograd_expected_errors = {expected_errors or {}!r}\n"
    (tmp_path / "conf.py").write_text(conf, encoding="utf-8")
    (tmp_path / "docs" / "en").mkdir()
    (tmp_path / "docs" / "en" / "index.md").write_text(INDEX, encoding="utf-8")
    (tmp_path / "docs" / "en" / "tiny.md").write_text(PAGE.format(cell=cell), encoding="utf-8")
    (tmp_path / "examples" / "en").mkdir(parents=True)
    (tmp_path / "examples" / "en" / "GALLERY_HEADER.rst").write_text("Examples\n========\n", encoding="utf-8")
    (tmp_path / "examples" / "en" / "plot_tiny.py").write_text(EXAMPLE.format(body=body), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-c", str(tmp_path),
         "-D", "language=en", str(tmp_path / "docs" / "en"), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def assert_fails_naming(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    log = result.stdout + result.stderr
    assert result.returncode != 0, f"the build passed but should have failed:\n{log[-2000:]}"
    for needle in needles:
        assert needle in log, f"the failure message does not name {needle!r}:\n{log[-3000:]}"


def test_a_correct_tiny_project_builds(tmp_path: Path) -> None:
    result = tiny_build(
        tmp_path,
        cell=RAISING_CELL.format(message="boom"),
        body=PRINTS_TRACEBACK,
        expected_errors={"plot_tiny.py": "ValueError: boom"},
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    html = (tmp_path / "out" / "auto_examples" / "plot_tiny.html").read_text(encoding="utf-8")
    assert 'File "plot_tiny.py"' in html and str(tmp_path) not in html


def test_a_cell_that_raises_unexpectedly_fails_the_build(tmp_path: Path) -> None:
    assert_fails_naming(tiny_build(tmp_path, cell="1 / 0"), "tiny.md", "ZeroDivisionError")


def test_a_taught_error_that_stops_raising_fails_the_build(tmp_path: Path) -> None:
    cell = "---\ntags: [raises-exception]\n---\nprint('no error any more')"
    assert_fails_naming(tiny_build(tmp_path, cell=cell), "tiny.md", "raises-exception")


def test_a_taught_error_whose_wording_changed_fails_the_build(tmp_path: Path) -> None:
    cell = RAISING_CELL.format(message="the old wording")
    assert_fails_naming(tiny_build(tmp_path, cell=cell), "tiny.md", "the old wording")


def test_an_example_that_raises_fails_the_build(tmp_path: Path) -> None:
    assert_fails_naming(tiny_build(tmp_path, body="raise ValueError('boom')"), "plot_tiny.py")


@pytest.mark.parametrize(
    ("body", "expected_errors"),
    [
        (PRINTS_TRACEBACK, {}),  # prints a traceback it was not meant to
        ("print(2)", {"plot_tiny.py": "ValueError: boom"}),  # the taught error disappeared
    ],
    ids=["unexpected-traceback", "expected-error-gone"],
)
def test_an_example_that_breaks_its_expectation_fails_the_build(
    tmp_path: Path, body: str, expected_errors: dict[str, str]
) -> None:
    assert_fails_naming(tiny_build(tmp_path, body=body, expected_errors=expected_errors), "plot_tiny.py")
