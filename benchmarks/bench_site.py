"""What a reader's browser loads, and how fast, for each concept page: ``nox -s bench``.

    python benchmarks/bench_site.py          # after a build (python -m autograd_docs.build)

Serves ``build/html`` on loopback and drives Chromium through Playwright (a system
Chromium, else Playwright's own: :mod:`autograd_docs.browser`).  For
each page of both languages (concept pages, the home page, the error index, the glossary):

- weight: the uncompressed bytes of the HTML, CSS, JS and fonts the page requests on its
  first load, in a fresh browser context (images are counted apart).  The budget is
  300 KB for a concept page; pages over it are flagged;
- load: ``loadEventEnd - navigationStart`` (``performance.timing``), the median of
  LOADS loads, each in a fresh context (nothing cached), after one warm-up load.

Prints a table and writes ``build/bench/site.json`` with the machine it ran on.  A
benchmark, not a test: it fails only if the site is missing or a page does not load.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from autograd_docs.browser import cjk_font_missing, find_browser, launch, missing, serve

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "html"
OUT = ROOT / "build" / "bench"
FOLDERS = ("en", "zh")
NOT_CONCEPTS = {"index", "errors", "glossary"}  # pages that list, not pages that teach (error entries teach)
BUDGET = 300_000  # bytes (KB = 1000 bytes) of HTML + CSS + JS + fonts, first load of a concept page
LOADS = 7
CODE = {"document", "stylesheet", "script", "font"}
VIEWPORT = {"width": 1280, "height": 900}
def pages() -> list[tuple[str, str, bool]]:
    """(folder, page name, is a concept page) for every page written in docs/<folder>, error entries included."""
    pages = []
    for folder in FOLDERS:
        docs = ROOT / "docs" / folder
        for md in sorted([*docs.glob("*.md"), *docs.glob("errors/*.md")]):
            name = md.relative_to(docs).with_suffix("").as_posix()
            pages.append((folder, name, name not in NOT_CONCEPTS))
    return pages


def weigh(browser, url: str) -> dict[str, int]:
    """Bytes per resource type the page requests on its first load, in a fresh context."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    response = page.goto(url, wait_until="networkidle")
    if response is None or not response.ok:
        raise SystemExit(f"{url} did not load: {response and response.status}")
    sizes: dict[str, int] = {}
    for r in responses:
        kind = r.request.resource_type
        if r.url.startswith(("data:", "blob:")):
            continue
        sizes[kind] = sizes.get(kind, 0) + len(r.body())
    context.close()
    return sizes


def load_ms(browser, url: str) -> list[float]:
    """Load times of LOADS fresh-context loads (after one warm-up load of the server and disk)."""
    times = []
    for i in range(LOADS + 1):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_function("performance.timing.loadEventEnd > 0")
        ms = page.evaluate("performance.timing.loadEventEnd - performance.timing.navigationStart")
        context.close()
        if i:
            times.append(float(ms))
    return times


def machine(browser) -> dict[str, object]:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]  # fmt: skip
        cpu = names[0] if names else cpu
    commit = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], check=False, cwd=ROOT, capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip() or None,
        "uncommitted_changes": bool(dirty.stdout.strip()),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "chromium": browser.version,
        "browser": find_browser(),  # a system Chromium, or Playwright's own
        "cjk_font": cjk_font_missing(browser) is None,  # without one, Chinese pages draw empty boxes
        "playwright": metadata.version("playwright"),
        "loads_per_page": LOADS,
        "viewport": VIEWPORT,
        "budget_bytes": BUDGET,
    }


def main() -> int:
    from playwright.sync_api import sync_playwright

    if (why := missing()) is not None:
        raise SystemExit(why)
    if not all((SITE / folder / "index.html").exists() for folder in FOLDERS):
        raise SystemExit("build/html is missing: run python -m autograd_docs.build first")
    rows = []
    with serve(SITE) as server, sync_playwright() as playwright:
        browser = launch(playwright)
        info = machine(browser)
        for folder, name, concept in pages():
            url = f"{server}/{folder}/{name}.html"
            sizes = weigh(browser, url)
            times = load_ms(browser, url)
            weight = sum(size for kind, size in sizes.items() if kind in CODE)
            rows.append({
                "page": f"{folder}/{name}.html",
                "concept": concept,
                "weight_bytes": weight,
                "bytes_by_type": dict(sorted(sizes.items())),
                "over_budget": concept and weight > BUDGET,
                "load_ms_median": statistics.median(times),
                "load_ms": times,
            })  # fmt: skip
        browser.close()

    print(f"{'page':44} {'HTML+CSS+JS+fonts':>18} {'images':>8} {'load (median)':>14}")
    for row in rows:
        flag = "  OVER BUDGET" if row["over_budget"] else ("" if row["concept"] else "  (not a concept page)")
        print(f"{row['page']:44} {row['weight_bytes'] / 1000:15.1f} KB "
              f"{row['bytes_by_type'].get('image', 0) / 1000:5.1f} KB {row['load_ms_median']:11.0f} ms{flag}")  # fmt: skip
    concepts = [row for row in rows if row["concept"]]
    over = [row["page"] for row in concepts if row["over_budget"]]
    print(f"\nconcept pages: heaviest {max(r['weight_bytes'] for r in concepts) / 1000:.1f} KB "
          f"(budget {BUDGET / 1000:.0f} KB), median load {statistics.median(r['load_ms_median'] for r in concepts):.0f} ms; "
          f"{'over budget: ' + ', '.join(over) if over else 'none over budget'}")  # fmt: skip
    if not info["cjk_font"]:
        print("note: no CJK font here (apt-get install fonts-noto-cjk): the Chinese pages' times exclude real glyphs")
    OUT.mkdir(parents=True, exist_ok=True)
    site = OUT / "site.json"
    data = json.loads(site.read_text(encoding="utf-8")) if site.exists() else {}  # keep Lighthouse's figures
    site.write_text(json.dumps(data | {"machine": info, "pages": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {(OUT / 'site.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
