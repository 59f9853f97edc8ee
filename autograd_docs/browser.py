"""The built site on loopback, in Chromium: shared by the browser tests and the site
benchmark.

The browser is, in this order: a system Chromium or Chrome on the PATH (``apt-get install
chromium``; GitHub's runners have Google Chrome), then Playwright's own Chromium where it
is installed (``python -m playwright install chromium``).  :func:`missing` says what to
install when there is neither; under ``CI=true`` the callers fail instead of skipping.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Headless as root, and no background traffic: every request must stay on loopback.
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Tofu: without a CJK font, Chromium draws every ideograph as the same empty box.
CJK_GLYPHS_DIFFER_JS = """
() => {
  const draw = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 40;
    const context = canvas.getContext('2d');
    context.font = '32px sans-serif';
    context.fillText(text, 2, 34);
    return Array.from(context.getImageData(0, 0, 40, 40).data).join();
  };
  return draw('中') !== draw('国');
}
"""


def in_ci() -> bool:
    """``CI=true`` (GitHub Actions sets it, ``.ci/run`` too): what is missing fails, never skips."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _python() -> str:
    """This interpreter as a reader would type it: ``.nox/tests/bin/python`` in a nox session."""
    path = os.path.relpath(sys.executable)
    return sys.executable if path.startswith("..") else path


def playwright_install_command() -> str:
    return f"{_python()} -m playwright install chromium"


@functools.cache
def find_browser() -> str | None:
    """The path of the browser to drive: a system Chromium on the PATH, else Playwright's
    own Chromium where it is installed, else None."""
    for name in SYSTEM_BROWSERS:
        if path := shutil.which(name):
            return path
    return _playwright_chromium()


def _playwright_chromium() -> str | None:
    """Playwright's own Chromium, if installed.  Asked in a child process: the sync API
    cannot start inside a running event loop (pytest plugins may hold one)."""
    ask = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p:\n    print(p.chromium.executable_path)"
    )
    try:
        result = subprocess.run([sys.executable, "-c", ask], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = result.stdout.strip()
    return path if result.returncode == 0 and path and Path(path).is_file() else None


def missing() -> str | None:
    """None when there is a browser; otherwise one line that says how to install one."""
    if find_browser() is not None:
        return None
    return (
        f"no Chromium for the browser tests: install one with `{playwright_install_command()}`"
        " (or a system one: `apt-get install chromium`)"
    )


def cjk_font_missing(browser: object) -> str | None:
    """None when ``browser`` draws Chinese with a real font; otherwise what to install."""
    page = browser.new_page()
    try:
        differ = page.evaluate(CJK_GLYPHS_DIFFER_JS)
    finally:
        page.close()
    return None if differ else (
        "no CJK font, so Chinese pages render as empty boxes: install one (`apt-get install fonts-noto-cjk`)"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at a free port; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def launch(playwright: object) -> object:
    """The browser of :func:`find_browser`, headless, through a running ``sync_playwright()``."""
    browser = find_browser()
    if browser is None:
        raise RuntimeError(missing())
    return playwright.chromium.launch(executable_path=browser, args=LAUNCH_ARGS)
