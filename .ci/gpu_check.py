"""Run every example, page cell and doctest once on one device; compare two devices.

    python .ci/gpu_check.py run --device cuda --out cuda.json
    CUDA_VISIBLE_DEVICES= python .ci/gpu_check.py run --device cpu --out cpu.json
    python .ci/gpu_check.py diff cpu.json cuda.json

``--root DIR`` runs another checkout (a branch not merged yet); paths after the options
run only those examples and pages.

For a GPU machine that has torch but no Sphinx: it needs only the standard library and
torch (and pygraphviz for the graph-pictures page, where installed).  Each example runs
as a reader runs its download (``python -I`` in an empty folder); each page runs in its
own process, its cells in order in one namespace as a notebook kernel would, showing the
last expression's value; then the page's ``>>>`` doctests, as conftest.py sets them up.
A cell tagged ``raises-exception`` must raise and print its ``error-message``; any other
cell must not raise.  The Sphinx build stays the authority; this is its portable twin.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import doctest
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S)
CELL_YAML = re.compile(r"\A---\n(?P<yaml>.*?)^---\n", re.M | re.S)
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
ADDRESS = re.compile(r"\bat 0x[0-9a-f]+")
OPTIONS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def cells(text: str) -> list[tuple[dict[str, str], str]]:
    """The MyST-NB code cells of a page: (options, code)."""
    found = []
    for match in FENCE.finditer(text):
        if not match["info"].strip().startswith("{code-cell}"):
            continue
        body, options = match["body"], {}
        head = CELL_YAML.match(body)
        if head:
            for line in head["yaml"].splitlines():
                key, _, value = line.partition(":")
                value = value.strip()
                if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]  # a quoted YAML string
                options[key.strip()] = value
            body = body[head.end():]
        lines = body.splitlines()
        while lines and OPTION.match(lines[0]):
            option = OPTION.match(lines.pop(0))
            options[option["key"]] = option["value"]
        found.append((options, "\n".join(lines)))
    return found


def doctest_blocks(text: str) -> list[str]:
    return [m["body"] for m in FENCE.finditer(text) if m["info"].strip() == "python" and m["body"].lstrip().startswith(">>>")]


def glue_stand_in() -> None:
    """Where MyST-NB is not installed, ``from myst_nb import glue`` gets a stand-in that shows
    what the build would show: the value when ``display`` is true, nothing otherwise."""
    try:
        import myst_nb  # noqa: F401
    except ImportError:
        import types

        module = types.ModuleType("myst_nb")
        module.glue = lambda name, value, display=True: print(repr(value)) if display else None
        sys.modules["myst_nb"] = module


def fresh_torch(device: str) -> dict:
    """A new reader's session, as autograd_docs.gallery.fresh_torch and conftest.py make it."""
    import torch

    glue_stand_in()

    torch.manual_seed(0)
    torch.set_grad_enabled(True)
    torch.autograd.set_detect_anomaly(False)
    return {"device": torch.device(device), "__name__": "__main__"}


def run_cell(code: str, namespace: dict) -> tuple[str, str | None]:
    """Run one cell like a kernel: stdout and stderr merged, the last expression shown."""
    out = io.StringIO()
    error = None
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            exec(compile(tree, "<cell>", "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
                if value is not None:
                    print(f"<{type(value).__name__}>" if hasattr(value, "_repr_svg_") else repr(value))
        except BaseException as exc:  # noqa: BLE001 - a cell's error is the output under test
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return out.getvalue(), error


def run_page(path: Path, device: str) -> dict:
    text = path.read_text(encoding="utf-8")
    namespace = fresh_torch(device)
    results, problems = [], []
    for number, (options, code) in enumerate(cells(text), 1):
        output, error = run_cell(code, namespace)
        expected = options.get("error-message")
        shown = output + (error or "")
        if "raises-exception" in options.get("tags", ""):
            if error is None:
                problems.append(f"cell {number}: tagged raises-exception but raised nothing")
            elif expected and expected not in shown:
                problems.append(f"cell {number}: expected {expected!r}, got {error!r}")
        elif error is not None:
            problems.append(f"cell {number}: unexpected {error}")
        results.append({"cell": number, "output": ADDRESS.sub("at 0x…", shown)})
    globs = fresh_torch(device)
    for number, block in enumerate(doctest_blocks(text), 1):
        test = doctest.DocTestParser().get_doctest(block, globs, f"{path.name}[{number}]", str(path), 0)
        report = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=OPTIONS)
        runner.run(test, out=report.write, clear_globs=False)
        globs = test.globs  # DocTest copies its globals; a page's blocks share one namespace
        if runner.failures:
            problems.append(f"doctest block {number}:\n{report.getvalue()}")
        results.append({"doctest": number, "failures": runner.failures, "tries": runner.tries})
    return {"results": results, "problems": problems}


def run_example(path: Path) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-I", str(path)], cwd=folder, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
    problems = [] if done.returncode == 0 else [f"exit status {done.returncode}: {done.stderr[-2000:]}"]
    output = ADDRESS.sub("at 0x…", done.stdout + done.stderr).replace(str(path.parent), "…")
    return {"output": output, "seconds": round(time.perf_counter() - start, 2), "problems": problems}


def page_in_child(path: Path, device: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "page", str(path), "--device", device, "--root", str(ROOT)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip
    if done.returncode != 0:
        return {"results": [], "problems": [f"page runner failed: {done.stderr[-2000:]}"]}
    result = json.loads(done.stdout)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def run_all(device: str, jobs: int, only: list[Path]) -> dict:
    import torch

    about = {"torch": torch.__version__, "device": device, "python": sys.version.split()[0],
             "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
             "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}  # fmt: skip
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda, but torch sees no GPU")
    work = {f"example {p.relative_to(ROOT)}": (run_example, p) for p in sorted(ROOT.glob("examples/*/*/plot_*.py"))}
    work |= {f"page {p.relative_to(ROOT)}": (page_in_child, p, device) for p in sorted(ROOT.glob("docs/*/*.md"))}
    work |= {f"page {p.relative_to(ROOT)}": (page_in_child, p, device) for p in sorted(ROOT.glob("docs/*/errors/*.md"))}
    if only:
        wanted = {str((ROOT / p).relative_to(ROOT)) for p in only}
        work = {name: item for name, item in work.items() if name.split(" ", 1)[1] in wanted}
    items = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {name: pool.submit(fn, *args) for name, (fn, *args) in work.items()}
        for name, future in futures.items():
            try:
                items[name] = future.result()
            except Exception as exc:  # noqa: BLE001 - report and go on
                items[name] = {"problems": [f"{type(exc).__name__}: {exc}"]}
    return {"about": about, "items": items}


def diff(first: dict, second: dict) -> int:
    a, b = first["items"], second["items"]
    print(f"# {first['about']} vs {second['about']}")
    changed = 0
    for name in sorted(set(a) | set(b)):
        left = json.dumps(a.get(name, {}).get("output", a.get(name, {}).get("results")), indent=1, ensure_ascii=False)
        right = json.dumps(b.get(name, {}).get("output", b.get(name, {}).get("results")), indent=1, ensure_ascii=False)
        if left != right:
            changed += 1
            import difflib

            print(f"\n## {name}")
            print("".join(difflib.unified_diff(left.splitlines(True), right.splitlines(True), "cpu", "cuda", n=1)))
    print(f"\n{changed} of {len(set(a) | set(b))} items differ")
    return changed


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--device", choices=("cpu", "cuda"), required=True)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    run.add_argument("--root", type=Path, default=ROOT)
    run.add_argument("only", nargs="*", type=Path, help="examples and pages to run (default: all)")
    page = sub.add_parser("page")
    page.add_argument("path", type=Path)
    page.add_argument("--device", choices=("cpu", "cuda"), required=True)
    page.add_argument("--root", type=Path, default=ROOT)
    compare = sub.add_parser("diff")
    compare.add_argument("first", type=Path)
    compare.add_argument("second", type=Path)
    args = parser.parse_args()
    ROOT = getattr(args, "root", ROOT).resolve()
    if args.command == "page":
        sys.path.insert(0, str(ROOT))
        path = args.path.resolve()
        os.chdir(tempfile.mkdtemp())
        json.dump(run_page(path, args.device), sys.stdout, ensure_ascii=False)
    elif args.command == "run":
        report = run_all(args.device, args.jobs, args.only)
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        problems = {n: r["problems"] for n, r in report["items"].items() if r.get("problems")}
        for name, found in problems.items():
            print(f"FAIL {name}:\n  " + "\n  ".join(found))
        print(f"{len(report['items'])} items on {args.device} ({report['about']}); {len(problems)} with problems")
        sys.exit(1 if problems else 0)
    else:
        diff(json.loads(args.first.read_text()), json.loads(args.second.read_text()))


if __name__ == "__main__":
    main()
