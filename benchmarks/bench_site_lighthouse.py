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
import subprocess
import threading
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


def audit(binary: Path, url: str, report: Path) -> dict[str, float]:
    flags = " ".join(["--headless=new", *LAUNCH_ARGS])
    subprocess.run(
        [str(binary), url, "--quiet", f"--chrome-flags={flags}", "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(CATEGORIES)}"],
        check=True, env={**os.environ, "CHROME_PATH": find_browser() or ""},
    )  # fmt: skip
    result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: result["categories"][name]["score"] for name in CATEGORIES}
    scores["fcp_ms"] = round(result["audits"]["first-contentful-paint"]["numericValue"])
    return scores


def main() -> None:
    if find_browser() is None:
        raise SystemExit("Chromium is missing: apt-get install chromium")
    if not (SITE / "en" / "index.html").exists():
        raise SystemExit("build/html is missing: build the site first (python -m autograd_docs.build)")
    binary = lighthouse_binary()
    handler = functools.partial(_GzipHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    reports = OUT / "lighthouse-reports"
    reports.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        for page in audited_pages():
            results[page] = audit(binary, f"{base}/{page}", reports / (page.replace("/", "-") + ".json"))
            row = "  ".join(f"{name[:4]} {results[page][name]:.2f}" for name in CATEGORIES)
            print(f"{page:50} {row}  FCP {results[page]['fcp_ms']} ms", flush=True)
    finally:
        httpd.shutdown()
    low = {page: {k: v for k, v in s.items() if k in TARGETS and v < TARGETS[k]} for page, s in results.items()}
    low = {page: s for page, s in low.items() if s}
    print(f"\n{len(results)} pages audited; below target: {len(low)}")
    for page, scores in low.items():
        print(f"  {page}: {scores}")
    site = OUT / "site.json"
    data = json.loads(site.read_text(encoding="utf-8")) if site.exists() else {}
    data["lighthouse"] = {"version": LIGHTHOUSE, "targets": TARGETS, "served": "gzip, loopback", "pages": results}
    site.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
