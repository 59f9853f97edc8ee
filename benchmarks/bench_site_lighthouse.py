"""Lighthouse's four scores for the concept and error pages of both sites: ``nox -s bench``.

    python benchmarks/bench_site_lighthouse.py      # after a build, and after bench_site.py

Installs Lighthouse (npm ``lighthouse@LIGHTHOUSE``, into ``build/bench/lighthouse``) on the
first run, serves ``build/html`` on loopback and runs it with the system Chromium, in
Lighthouse's default mobile emulation (simulated slow 4G and a 4x slower CPU).  The server
compresses text with gzip, as every host this site is published on does (GitHub Pages,
Read the Docs): compression is the host's job, and an uncompressed loopback server would
charge the simulated network for bytes no reader downloads.

Prints a table and adds ``lighthouse`` to ``build/bench/site.json``; the targets are
accessibility, best practices and SEO 1.0 and performance 0.95 or more.  A benchmark, not a
test: it fails only when Node, npm or Chromium is missing or a page cannot be audited.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograd_docs.browser import LAUNCH_ARGS, find_browser

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "html"
OUT = ROOT / "build" / "bench"
LIGHTHOUSE = "12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
NOT_CONCEPTS = {"index", "glossary", "errors"}
COMPRESSED = {".html", ".css", ".js", ".svg", ".json", ".txt"}


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text gzipped when the browser accepts it, as a real host serves them."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in COMPRESSED or "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file():
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)


def audited_pages() -> list[str]:
    """Every concept page and every error page, in both languages."""
    found = []
    for folder in ("en", "zh"):
        source = ROOT / "docs" / folder
        found += [f"{folder}/{p.stem}.html" for p in sorted(source.glob("*.md")) if p.stem not in NOT_CONCEPTS]
        found.append(f"{folder}/errors.html")
        found += [f"{folder}/errors/{p.stem}.html" for p in sorted(source.glob("errors/*.md"))]
    return found


def lighthouse_binary() -> Path:
    folder = OUT / "lighthouse"
    binary = folder / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if shutil.which("npm") is None:
            raise SystemExit("Lighthouse needs Node.js and npm (apt-get install nodejs npm)")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                        "--loglevel=error", "-E", f"lighthouse@{LIGHTHOUSE}"], check=True)  # fmt: skip
    return binary


METRICS = {"fcp_ms": "first-contentful-paint", "lcp_ms": "largest-contentful-paint", "si_ms": "speed-index",
           "tbt_ms": "total-blocking-time"}  # fmt: skip


def audit(binary: Path, url: str, report: Path) -> dict[str, float]:
    flags = " ".join(["--headless=new", *LAUNCH_ARGS])
    subprocess.run(
        [str(binary), url, "--quiet", f"--chrome-flags={flags}", "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(CATEGORIES)}", "--disable-full-page-screenshot"],
        check=True, env={**os.environ, "CHROME_PATH": find_browser() or ""},
    )  # fmt: skip
    result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: result["categories"][name]["score"] for name in CATEGORIES}
    scores |= {key: round(result["audits"][name]["numericValue"]) for key, name in METRICS.items()}
    scores["cls"] = round(result["audits"]["cumulative-layout-shift"]["numericValue"], 3)
    return scores


def below_target(scores: dict[str, float]) -> dict[str, float]:
    """The categories of one page's scores that miss their target.

    >>> below_target({"performance": 0.94, "accessibility": 1, "best-practices": 1, "seo": 0.92, "fcp_ms": 900})
    {'performance': 0.94, 'seo': 0.92}
    """
    return {k: v for k, v in scores.items() if k in TARGETS and v < TARGETS[k]}


def summary(pages: dict[str, dict[str, float]], worst: int = 3) -> list[str]:
    """Lines: per language and category, pages, min and median; then the lowest pages under 1.

    >>> pages = {"en/a.html": {"performance": 0.97, "seo": 1}, "en/b.html": {"performance": 0.99, "seo": 1}}
    >>> print("\\n".join(summary(pages, worst=1)))
    en  performance       2 pages  min 0.97  median 0.98
    en  seo               2 pages  min 1.00  median 1.00
    lowest performance: en/a.html 0.97
    """
    lines = []
    for folder in sorted({page.split("/", 1)[0] for page in pages}):
        mine = [scores for page, scores in pages.items() if page.startswith(f"{folder}/")]
        for name in CATEGORIES:
            values = [scores[name] for scores in mine if name in scores]
            if values:
                lines.append(f"{folder}  {name:15} {len(values):3} pages  min {min(values):.2f}  "
                             f"median {statistics.median(values):.2f}")  # fmt: skip
    for name in CATEGORIES:
        ranked = sorted((scores[name], page) for page, scores in pages.items() if scores.get(name, 1) < 1)[:worst]
        if ranked:
            lines.append(f"lowest {name}: " + ", ".join(f"{page} {score:.2f}" for score, page in ranked))
    return lines


def main() -> None:
    """Audit every page (or those whose path contains one of the arguments), one at a time;
    audit each page below target once more (the machine may have been busy), and keep the
    second run, with the first beside it."""
    if find_browser() is None:
        raise SystemExit("Chromium is missing: apt-get install chromium")
    if not (SITE / "en" / "index.html").exists():
        raise SystemExit("build/html is missing: build the site first (python -m autograd_docs.build)")
    wanted = [page for page in audited_pages() if not sys.argv[1:] or any(a in page for a in sys.argv[1:])]
    binary = lighthouse_binary()
    handler = functools.partial(_GzipHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    reports = OUT / "lighthouse-reports"
    reports.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, float]] = {}
    load = {"before": round(os.getloadavg()[0], 2)}
    started = time.monotonic()

    def run(page: str) -> dict[str, float]:
        scores = audit(binary, f"{base}/{page}", reports / (page.replace("/", "-") + ".json"))
        scores["load_average"] = round(os.getloadavg()[0], 2)
        row = "  ".join(f"{name[:4]} {scores[name]:.2f}" for name in CATEGORIES)
        print(f"{page:50} {row}  FCP {scores['fcp_ms']} SI {scores['si_ms']} ms  load {scores['load_average']}", flush=True)
        return scores

    try:
        for page in wanted:
            results[page] = run(page)
        again = [page for page, scores in results.items() if below_target(scores)]
        if again:
            print(f"\nonce more, {len(again)} pages below target:")
        for page in again:
            first = results[page]
            results[page] = run(page) | {"first_run": {k: v for k, v in first.items() if k != "first_run"}}
    finally:
        httpd.shutdown()
    load |= {"after": round(os.getloadavg()[0], 2), "cores": os.cpu_count(), "minutes": round((time.monotonic() - started) / 60, 1)}
    site = OUT / "site.json"
    data = json.loads(site.read_text(encoding="utf-8")) if site.exists() else {}
    kept = data.get("lighthouse", {}).get("pages", {})
    pages = {**kept, **results}  # a partial run (arguments) updates its pages, keeps the others
    data["lighthouse"] = {"version": LIGHTHOUSE, "targets": TARGETS, "served": "gzip, loopback", "mode": "mobile",
                          "load_average": load, "pages": dict(sorted(pages.items()))}  # fmt: skip
    site.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    low = {page: below_target(scores) for page, scores in pages.items() if below_target(scores)}
    print(f"\n{len(results)} pages audited now, {len(pages)} in {site.relative_to(ROOT)}; load average {load}")
    print("\n".join(summary(pages)))
    print(f"below target: {len(low)}")
    for page, scores in low.items():
        print(f"  {page}: {scores}")


if __name__ == "__main__":
    main()
