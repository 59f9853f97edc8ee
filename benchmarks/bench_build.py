"""How long the build takes, against the time the site's own code needs: ``nox -s bench``.

    python benchmarks/bench_build.py               # the build as it is
    python benchmarks/bench_build.py --baseline    # MyST-NB's kernels, languages one by one

Measures, in one run on this machine, and writes ``build/bench/build.json``:

- floor: every concept's code run once in one Python process (the English examples, then
  each English page's code cells, in a temporary folder); the code is the same in both
  languages, so this is what any build must spend at least;
- clean builds: English alone, Chinese alone, both, each from a tree without any generated
  file (``build/``, the galleries, the execution cache);
- prose edit: one sentence of one English page changed, English rebuilt;
- example code edit: one line of one English example changed, English rebuilt;
- page code edit: one line of one English page's first cell changed, English rebuilt.

Each rebuild counts what it ran again: the pages MyST-NB executed and the examples
sphinx-gallery executed.  The edits are undone afterwards, and the site rebuilt, so the
tree ends as a clean build of both languages.  A benchmark, not a test: it fails only if
a build fails.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import io
import json
import os
import platform
import re
import resource
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
PROSE_PAGE = ROOT / "docs" / "en" / "detach.md"
CODE_EXAMPLE = ROOT / "examples" / "en" / "gradients" / "plot_training_loop.py"
GENERATED = ["build", "docs/en/auto_examples", "docs/zh/auto_examples",
             "docs/en/sg_execution_times.rst", "docs/zh/sg_execution_times.rst"]  # fmt: skip

CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
# Once per page run: by MyST-NB while reading, or before reading in a forked kernel (warm.py)
PAGE_EXECUTED = re.compile(r"Executing notebook (using|in a forked kernel)")
GALLERY_EXECUTED = re.compile(r"Sphinx-Gallery successfully executed (\d+) out of")
LOGS: list[tuple[str, str]] = []  # (languages, log) of every build, written to build/bench/


# -- The floor: the site's code, once, in one process -------------------------------


def cell_sources(page: Path) -> list[str]:
    """The code of a MyST-NB page's cells, without their option blocks.

    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "p.md"
    >>> _ = page.write_text("x\\n```{code-cell} ipython3\\n---\\ntags: [a]\\n---\\n1 / 0\\n```\\n"
    ...                     "```{code-cell} ipython3\\n:tags: [b]\\nprint(2)\\n```\\n")
    >>> cell_sources(page)
    ['1 / 0\\n', 'print(2)\\n']
    """
    cells = []
    for match in CELL.finditer(page.read_text(encoding="utf-8")):
        lines = match.group(1).splitlines(keepends=True)
        if lines and lines[0].strip() == "---":
            end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
            lines = lines[end + 1 :]
        while lines and lines[0].startswith(":"):
            lines = lines[1:]
        cells.append("".join(lines))
    return cells


def run_cell(source: str, namespace: dict) -> None:
    """Run a cell as Jupyter does: the value of a final expression is shown (repr'd)."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102 -- the page's own code
    if last is not None:
        value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
        if value is not None:
            repr(value)


def floor_worker() -> None:
    """Run every English example and page once; print the seconds as JSON."""
    start = time.perf_counter()
    import torch

    imported = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from autograd_docs.gallery import reset_torch

    examples = sorted((ROOT / "examples" / "en").rglob("plot_*.py"))
    pages = sorted(p for p in (ROOT / "docs" / "en").rglob("*.md") if "auto_examples" not in p.parts)
    raised = 0
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for example in examples:
                reset_torch({}, str(example))
                runpy.run_path(str(example), run_name="__main__")
            examples_done = time.perf_counter()
            for page in pages:
                torch.manual_seed(0)
                namespace: dict = {"__name__": "__main__"}
                for source in cell_sources(page):
                    try:
                        run_cell(source, namespace)
                    except Exception:  # noqa: BLE001 -- the cells that teach an error raise it
                        raised += 1
    end = time.perf_counter()
    print(json.dumps({
        "import_torch_s": imported - start,
        "examples_s": examples_done - imported,
        "pages_s": end - examples_done,
        "examples": len(examples),
        "pages_with_code": sum(1 for page in pages if cell_sources(page)),
        "cells": sum(len(cell_sources(page)) for page in pages),
        "cells_that_raised": raised,
    }))  # fmt: skip


def measure_floor() -> dict:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # as a CPU build runs them
    cpu, start = children_cpu(), time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--floor-worker"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, **json.loads(result.stdout.strip().splitlines()[-1])}


def children_cpu() -> float:
    """CPU seconds of every finished child process (and theirs: kernels, readers).

    Wall time on a shared machine grows with the others' load; CPU time much less,
    so the table shows both.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- Builds ----------------------------------------------------------------------------


def clean() -> None:
    for name in GENERATED:
        path = ROOT / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def executed(log: str) -> dict:
    pages = len(PAGE_EXECUTED.findall(log))
    examples = sum(int(n) for n in GALLERY_EXECUTED.findall(log))
    return {"pages_executed": pages, "examples_executed": examples, "reexecuted": pages + examples}


BASELINE = "--baseline" in sys.argv  # MyST-NB's own kernels, one language after the other


def build(*languages: str) -> dict:
    cpu, start = children_cpu(), time.perf_counter()
    extra = ["--one-at-a-time"] if BASELINE else []
    env = {**os.environ, "AUTOGRAD_DOCS_WARM_KERNELS": "0"} if BASELINE else None
    result = subprocess.run([sys.executable, "-m", "autograd_docs.build", *languages, *extra], cwd=ROOT,
                            capture_output=True, text=True, check=False, env=env)  # fmt: skip
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
    log = result.stdout + result.stderr
    LOGS.append((" ".join(languages) or "both", log))
    if result.returncode != 0:
        print(log[-4000:], file=sys.stderr)
        raise SystemExit(f"bench: `python -m autograd_docs.build {' '.join(languages)}` failed")
    return {"seconds": seconds, "cpu_seconds": cpu, **executed(log)}


def clean_build(*languages: str) -> dict:
    clean()
    return build(*languages)


def example_outputs() -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in (ROOT / "docs" / "en" / "auto_examples").rglob("plot_*.rst")}


def edited_build(path: Path, edit, what: str) -> dict:
    """Rebuild English after ``edit`` changed ``path``; undo the edit and rebuild again."""
    original = path.read_bytes()
    before = example_outputs()
    try:
        text = original.decode("utf-8")
        changed = edit(text)
        assert changed != text, f"bench: the {what} edit changed nothing in {path}"
        path.write_text(changed, encoding="utf-8")
        result = build("en")
        after = example_outputs()
        result["examples_rewritten"] = sorted(n for n, t in after.items() if before.get(n) != t)
    finally:
        path.write_bytes(original)
    build("en")  # back to the committed text's site
    return {"file": str(path.relative_to(ROOT)), **result}


def edit_prose(text: str) -> str:
    """Append a word to the first prose paragraph after the first code cell."""
    first_cell_end = CELL.search(text).end()
    paragraph_end = re.compile(r"([a-z`)])\.\n\n").search(text, first_cell_end)
    return text[: paragraph_end.start(1) + 1] + " indeed." + text[paragraph_end.end(1) + 1 :]


def edit_page_code(text: str) -> str:
    """Add one harmless line at the end of the page's first code cell."""
    cell = CELL.search(text)
    return text[: cell.end(1)] + 'print("benchmark edit")\n' + text[cell.end(1) :]


def edit_code(text: str) -> str:
    """Add one harmless line at the end of the example."""
    return text.rstrip("\n") + '\nprint("benchmark edit")\n'


# -- Report ----------------------------------------------------------------------------


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "torch": metadata.version("torch"),
        "sphinx": metadata.version("sphinx"),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def targets(r: dict) -> list[dict]:
    """The targets of the build-cost issue, in wall time (the CPU seconds are in the table)."""
    one = max(r["clean_en"]["seconds"], r["clean_zh"]["seconds"])
    both = r["clean_both"]["seconds"]
    floor = r["floor"]["seconds"]
    prose, code, page = r["prose_edit"], r["code_edit"], r["page_code_edit"]
    return [
        {"target": "clean both <= 3 x floor", "value": both / floor, "limit": 3.0,
         "met": both <= 3 * floor},
        {"target": "clean both <= 1.15 x clean one language", "value": both / one, "limit": 1.15,
         "met": both <= 1.15 * one},
        {"target": "prose edit < 5 s", "value": prose["seconds"], "limit": 5.0,
         "met": prose["seconds"] < 5},
        {"target": "prose edit re-executes nothing", "value": prose["reexecuted"], "limit": 0,
         "met": prose["reexecuted"] == 0},
        {"target": "example code edit re-runs only that example", "value": code["reexecuted"],
         "limit": 1, "met": code["reexecuted"] == 1 and code["pages_executed"] == 0
         and code["examples_rewritten"] == [CODE_EXAMPLE.with_suffix(".rst").name]},
        {"target": "page code edit re-runs only that page", "value": page["reexecuted"],
         "limit": 1, "met": page["reexecuted"] == 1 and page["pages_executed"] == 1
         and page["examples_rewritten"] == []},
    ]  # fmt: skip


def table(r: dict) -> str:
    rows = [("measurement", "wall s", "CPU s", "re-executed (pages + examples)")]
    f = r["floor"]
    rows.append(("floor: all code once, one process", f"{f['seconds']:.1f}", f"{f['cpu_seconds']:.1f}",
                 f"{f['pages_with_code']} + {f['examples']} (torch import {f['import_torch_s']:.1f} s)"))
    for key, label in [("clean_en", "clean build, English"), ("clean_zh", "clean build, Chinese"),
                       ("clean_both", "clean build, both"), ("prose_edit", "prose edit, English"),
                       ("code_edit", "example code edit, English"),
                       ("page_code_edit", "page code edit, English")]:  # fmt: skip
        m = r[key]
        rows.append((label, f"{m['seconds']:.1f}", f"{m['cpu_seconds']:.1f}",
                     f"{m['pages_executed']} + {m['examples_executed']}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    m = r["machine"]
    lines.append(f"\n{m['cores']} cores, Python {m['python']}, torch {m['torch']}, {m['date']}; "
                 f"load average {m['load_average_at_start'][0]} at start, "
                 f"{m['load_average_at_end'][0]} at end (other work on the machine slows every figure)")
    lines.append("")
    for t in r["targets"]:
        value = f"{t['value']:.2f}" if isinstance(t["value"], float) else str(t["value"])
        lines.append(f"[{'met' if t['met'] else 'NOT met'}] {t['target']}: {value}")
    return "\n".join(lines)


def main() -> None:
    results: dict = {"machine": machine()}
    print("bench: floor (the site's code once, in one process)...", flush=True)
    results["floor"] = measure_floor()
    for key, languages in [("clean_en", ("en",)), ("clean_zh", ("zh",)), ("clean_both", ())]:
        print(f"bench: {key.replace('_', ' ')} build...", flush=True)
        results[key] = clean_build(*languages)
        results[key]["languages"] = list(languages) or ["en", "zh"]
    print("bench: prose edit...", flush=True)
    results["prose_edit"] = edited_build(PROSE_PAGE, edit_prose, "prose")
    print("bench: code edit...", flush=True)
    results["code_edit"] = edited_build(CODE_EXAMPLE, edit_code, "code")
    print("bench: page code edit...", flush=True)
    results["page_code_edit"] = edited_build(PROSE_PAGE, edit_page_code, "page code")
    results["targets"] = targets(results)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    OUT.mkdir(parents=True, exist_ok=True)
    results["baseline"] = BASELINE
    name = "build-baseline.json" if BASELINE else "build.json"
    (OUT / name).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for number, (languages, log) in enumerate(LOGS, 1):
        (OUT / f"{number:02d}-{languages.replace(' ', '-')}.log").write_text(log, encoding="utf-8")
    print(table(results))
    print(f"\nwrote {(OUT / name).relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--floor-worker"]:
        floor_worker()
    else:
        main()
