"""The built site in a real browser: Playwright driving Debian's Chromium over loopback."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from builtsite import SITE, require_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is missing: apt-get install chromium (.ci/run does)"),
]
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    require_site()
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).hostname not in {"127.0.0.1"} and not r.url.startswith(("data:", "blob:")) else None)
    yield page
    context.close()
    assert not outside, f"requests left loopback: {outside}"


@pytest.mark.parametrize(
    ("locale", "folder"), [("zh-CN", "zh"), ("zh-TW", "zh"), ("zh", "zh"), ("en-US", "en"), ("fr-FR", "en")]
)
def test_chooser_sends_readers_to_their_language(browser, server, locale: str, folder: str) -> None:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url(f"{server}/{folder}/index.html")
    context.close()


def test_chooser_without_javascript_shows_both_links(browser, server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/index.html")
    assert page.get_by_role("link", name="English").is_visible()
    assert page.get_by_role("link", name="中文").is_visible()
    context.close()


@pytest.mark.parametrize(("start", "twin"), [("en", "zh"), ("zh", "en")])
@pytest.mark.parametrize("name", ["leaf-tensors", "auto_examples/graph/plot_leaf_tensors"])
def test_language_switch_opens_the_same_page(page, server, start: str, twin: str, name: str) -> None:
    page.goto(f"{server}/{start}/{name}.html")
    page.locator("a.autograd-twin").first.click()
    page.wait_for_url(f"{server}/{twin}/{name}.html")
    assert page.locator("html").get_attribute("lang") == {"en": "en", "zh": "zh-CN"}[twin]


def search(page, server: str, folder: str, query: str, top: int = 3) -> list[str]:
    """Run the site's own search page; return the page names of the first results."""
    page.goto(f"{server}/{folder}/search.html?q={quote(query)}")
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results'); "
        "return s && s.querySelector('p.search-summary') !== null; }",
        timeout=15_000,
    )
    hrefs = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))")
    return [h.split("?")[0].split("#")[0].removesuffix(".html") for h in hrefs[:top]]


@pytest.mark.parametrize(
    ("folder", "query", "expected"),
    [
        ("zh", "叶子张量", "leaf-tensors"),
        ("zh", "保留梯度", "leaf-tensors"),
        ("zh", "retain_grad", "leaf-tensors"),
        ("en", "retain_grad", "leaf-tensors"),
        ("en", "leaf tensor", "leaf-tensors"),
    ],
)
def test_search_finds_the_page(page, server, folder: str, query: str, expected: str) -> None:
    results = search(page, server, folder, query)
    assert expected in results, f"{folder} search for {query!r} gave {results}, not {expected}"


def test_copy_button_copies_code_without_prompts_or_outputs(browser, server) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{server}/en/leaf-tensors.html")
    block = page.locator("div.highlight-python", has_text=">>> data = torch.ones(3)").first
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert copied.startswith("import torch\ndata = torch.ones(3)"), copied
    assert ">>>" not in copied and "True" not in copied.splitlines(), copied
