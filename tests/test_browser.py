"""The built site in a real browser: Playwright driving Chromium over loopback.

The browser is a system Chromium, else Playwright's own (see :mod:`autograd_docs.browser`).
Without one, this whole file is skipped with one line that names the command to install
one; under ``CI=true`` (``.ci/run``, GitHub Actions) that is a failure instead.  The same
holds for a CJK font, which the screenshots and contrast checks of Chinese pages need.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from autograd_docs.browser import cjk_font_missing, missing
from builtsite import FOLDERS, HTML_LANG, ROOT, source_pages
from builtsite import not_here as _not_here

if (_no_browser := missing()) is not None:
    _not_here(_no_browser)

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = ROOT / "build" / "screenshots"
THEMES = ("light", "dark")
ALL_PAGES = [f"{folder}/{name}" for folder in FOLDERS for name in source_pages(folder)]


def _other(folder: str) -> str:
    return next(f for f in FOLDERS if f != folder)


@pytest.fixture(scope="session")
def cjk_font(browser) -> None:
    """Chinese pages' screenshots and contrast need a font with Chinese glyphs."""
    if (why := cjk_font_missing(browser)) is not None:
        _not_here(why)


@pytest.fixture(scope="session")
def site_context(browser, server) -> Iterator[tuple[object, list[str]]]:
    """One context for the pages' tests, so the site's CSS and JS load once from cache; it
    records every request that leaves loopback (an offline reader would miss it)."""
    context = browser.new_context(viewport=VIEWPORT)
    outside: list[str] = []

    def record(request) -> None:
        if urlsplit(request.url).hostname != "127.0.0.1" and not request.url.startswith(("data:", "blob:")):
            outside.append(f"{request.frame.url if request.frame else '?'} asked for {request.url}")

    context.on("request", record)
    yield context, outside
    context.close()


@pytest.fixture
def left_loopback(site_context) -> list[str]:
    """Requests that left loopback while this test ran."""
    outside = site_context[1]
    outside.clear()
    return outside


@pytest.fixture
def page(site_context, left_loopback: list[str]):
    page = site_context[0].new_page()
    yield page
    page.close()
    assert not left_loopback, "requests left loopback:\n" + "\n".join(left_loopback)


# -- The language chooser and the language switch ------------------------------------------


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


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_loads_offline_and_switches_to_its_twin(page, server, left_loopback, path: str) -> None:
    folder, name = path.split("/", 1)
    twin = _other(folder)
    response = page.goto(f"{server}/{path}.html")
    assert response is not None and response.ok, f"{path}.html does not load: {response and response.status}"
    assert not left_loopback, f"{path}.html needs the network, so it breaks offline:\n" + "\n".join(left_loopback)
    page.locator("a.autograd-twin").first.click()
    page.wait_for_url(f"{server}/{twin}/{name}.html", wait_until="commit")  # the twin's own test loads it
    assert page.locator("html").get_attribute("lang") == HTML_LANG[twin], f"{twin}/{name}.html has the wrong lang"


# -- Search ------------------------------------------------------------------------------------


def search(page, server: str, folder: str, query: str, top: int = 3) -> list[str]:
    """Run the site's own search page; return the first results as hrefs (page[#anchor])."""
    page.goto(f"{server}/{folder}/search.html?q={quote(query)}")
    # Sphinx adds the (empty) summary first, then the results one every 5 ms, and writes
    # the summary's text when the last is shown: wait for that text.
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results p.search-summary'); "
        "return s !== null && s.textContent.trim() !== ''; }",
        timeout=15_000,
    )
    hrefs = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))")
    return [h.split("?")[0].replace(".html", "") for h in hrefs[:top]]


CONCEPT_QUERIES = {
    "zh": {
        "叶子张量": "leaf-tensors",
        "非叶子张量": "leaf-tensors",
        "保留梯度": "leaf-tensors",
        "叶子节点": "leaf-tensors",  # the glossary's 叶子张量; readers still say 叶子节点
        "计算图": "computational-graph",
        "梯度清零": "zero-grad",
        "梯度累积": "zero-grad",
        "原地操作": "inplace-errors",
        "版本计数器": "inplace-errors",
        "保留计算图": "retain-graph",
        "异常检测": "anomaly-detection",
        "分离": "detach",
        "高阶导数": "backward-vs-grad",
        "retain_grad": "leaf-tensors",
        "requires_grad": "requires-grad",
    },
    "en": {
        "retain_graph": "retain-graph",
        "zero_grad": "zero-grad",
        "anomaly detection": "anomaly-detection",
        "set_detect_anomaly": "anomaly-detection",
        "requires_grad": "requires-grad",
        "detach": "detach",
        "inference_mode": "no-grad",
        "retain_grad": "leaf-tensors",
        "register_hook": "leaf-tensors",
        "leaf tensor": "leaf-tensors",
        "computational graph": "computational-graph",
        "version counter": "inplace-errors",
        "gradient accumulation": "zero-grad",
        "second derivative": "backward-vs-grad",
    },
}

TERMINAL_PASTE = """\
Traceback (most recent call last):
  File "train.py", line 12, in <module>
    loss.backward()
  File "/usr/lib/python3.11/site-packages/torch/_tensor.py", line 626, in backward
    torch.autograd.backward(
RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors \
after they have already been freed). Saved intermediate values of the graph are freed when you call \
.backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph \
a second time or if you need to access saved tensors after calling backward.
"""
INPLACE_PASTE = """\
RuntimeError: one of the variables needed for gradient computation has been modified by an inplace \
operation: [torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected \
version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its \
gradient, with torch.autograd.set_detect_anomaly(True).
"""
# Pasted messages and the error entry (its page, errors/<slug>.html) that must come first.
ERROR_QUERIES = {
    "Trying to backward through the graph a second time": "backward-second-time",
    "one of the variables needed for gradient computation has been modified by an inplace operation":
        "modified-by-inplace-operation",
    "element 0 of tensors does not require grad": "does-not-have-a-grad-fn",
    "grad can be implicitly created only for scalar outputs": "scalar-outputs-only",
    TERMINAL_PASTE: "backward-second-time",
    INPLACE_PASTE: "modified-by-inplace-operation",
}  # fmt: skip


def _short(query: str) -> str:
    return query.splitlines()[-1][:40] if "\n" in query else query[:40]


# Queries that fail because a page lacks the words, not because search does: the fix is in the
# page (strict, so the test says when the page is fixed).
MISSING_WORDS: dict[tuple[str, str], str] = {}


def _concept_cases() -> list:
    cases = []
    for folder, table in CONCEPT_QUERIES.items():
        for query, expected in table.items():
            reason = MISSING_WORDS.get((folder, query))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(folder, query, expected, marks=marks, id=f"{folder}-{query}"))
    return cases


@pytest.mark.parametrize(("folder", "query", "expected"), _concept_cases())
def test_search_finds_the_concept_page(page, server, folder: str, query: str, expected: str) -> None:
    results = search(page, server, folder, query)
    pages = [r.split("#")[0] for r in results]
    assert expected in pages, f"{folder} search for {query!r}: the first results are {results}, not {expected}"


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize(("query", "slug"), ERROR_QUERIES.items(), ids=[_short(q) for q in ERROR_QUERIES])
def test_pasted_error_message_finds_its_entry_first(page, server, folder: str, query: str, slug: str) -> None:
    results = search(page, server, folder, query, top=1)
    assert results and results[0].split("#")[0] == f"errors/{slug}", (
        f"{folder} search for the pasted message {_short(query)!r}: the first result is "
        f"{results[:1]}, not the error entry errors/{slug}.html"
    )


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize(("anchor", "slug"), [
    ("trying-to-backward-through-the-graph-a-second-time", "backward-second-time"),
    ("inference-tensors-cannot-be-saved-for-backward", "inference-tensors-saved-for-backward"),
])  # fmt: skip
def test_old_links_to_the_error_index_open_the_entry(page, server, folder: str, anchor: str, slug: str) -> None:
    page.goto(f"{server}/{folder}/errors.html#{anchor}")
    page.wait_for_url(f"{server}/{folder}/errors/{slug}.html", wait_until="commit")


# -- Copy button -------------------------------------------------------------------------------


@pytest.fixture
def clipboard_page(browser, server):
    context = browser.new_context(viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"])
    yield context.new_page()
    context.close()


def _copy(page, block) -> str:
    block.hover()
    block.locator("button.copybtn").click()
    return page.evaluate("navigator.clipboard.readText()")


def test_copy_button_copies_code_without_prompts_or_outputs(clipboard_page, server) -> None:
    page = clipboard_page
    page.goto(f"{server}/en/leaf-tensors.html")
    copied = _copy(page, page.locator("div.highlight-python", has_text=">>> data = torch.ones(3)").first)
    assert copied.startswith("import torch\ndata = torch.ones(3)"), copied
    assert ">>>" not in copied and "True" not in copied.splitlines(), copied


@pytest.mark.parametrize("folder", FOLDERS)
def test_copy_button_on_an_executed_cell_copies_the_code_not_its_output(clipboard_page, server, folder) -> None:
    page = clipboard_page
    page.goto(f"{server}/{folder}/leaf-tensors.html")
    cell = page.locator("div.cell", has=page.locator("div.cell_output .output.stream")).first
    code = cell.locator("div.cell_input pre").inner_text()
    output = cell.locator("div.cell_output pre").inner_text().strip()
    copied = _copy(page, cell.locator("div.cell_input div.highlight"))
    assert copied.strip() == code.strip(), f"{folder}/leaf-tensors.html: the cell's copy button copied {copied!r}"
    assert output not in copied, f"{folder}/leaf-tensors.html: copying the cell also copied its output {output!r}"


# -- Themes: text stays readable in light and dark ---------------------------------------------

# The worst contrast of any visible text inside the elements `selector` finds, against the
# background the reader sees behind it (translucent layers blended down to the page).
WORST_CONTRAST_JS = """
(selector) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) throw new Error(`unparsed colour ${c}`);
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const luminance = (rgb) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
  };
  const roots = [...document.querySelectorAll(selector)];
  let worst = null;
  const check = (el, text, style) => {
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (worst === null || ratio < worst.ratio) {
      const rgb = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(", ")})`;
      worst = { ratio, text: text.trim().slice(0, 40), color: rgb(fg), background: rgb(bg) };
    }
  };
  for (const root of roots) {
    const before = getComputedStyle(root, "::before");  // labels such as sphinx-gallery's "Out:"
    if (/^".+"$/.test(before.content)) check(root, before.content, before);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const el = walker.currentNode.parentElement;
      if (!walker.currentNode.textContent.trim() || el.getClientRects().length === 0) continue;
      check(el, walker.currentNode.textContent, getComputedStyle(el));
    }
  }
  return { count: roots.length, worst };
}
"""
READABLE = {
    "index": {"provenance banner": ".autograd-banner"},
    "leaf-tensors": {
        "provenance banner": ".autograd-banner",
        "code block": "div.cell_input div.highlight pre, div.highlight-python div.highlight pre",
        "cell output": "div.cell_output .output.stream pre",
        "traceback (MyST-NB)": "div.cell_output .output.traceback pre",
    },
    "errors/modified-by-inplace-operation": {
        "code block": "div.cell_input div.highlight pre, div.highlight-python div.highlight pre",
        "traceback (MyST-NB)": "div.cell_output .output.traceback pre",
        "warning output": "div.cell_output .output.stderr pre",
    },
    "auto_examples/errors/plot_two_optimizers": {
        "provenance banner": ".autograd-banner",
        "code block": "div.highlight-Python div.highlight pre",
        "output and its label (sphinx-gallery)": "div.sphx-glr-script-out",
    },
}
SCREENSHOT_PAGES = {"index", "leaf-tensors", "auto_examples/errors/plot_two_optimizers"}


@pytest.fixture
def themed_page(browser, server, request):
    theme = request.param
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    yield theme, page
    context.close()


@pytest.mark.parametrize("themed_page", THEMES, indirect=True)
@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", READABLE)
def test_text_stays_readable_in_both_themes(themed_page, server, request, folder: str, name: str) -> None:
    if folder == "zh":
        request.getfixturevalue("cjk_font")
    theme, page = themed_page
    page.goto(f"{server}/{folder}/{name}.html")
    assert page.locator("body").get_attribute("data-theme") == theme, f"furo did not apply the {theme} theme"
    if name in SCREENSHOT_PAGES:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{folder}-{name.replace('/', '-')}-{theme}.png", full_page=False)
    unreadable = []
    for what, selector in READABLE[name].items():
        found = page.evaluate(WORST_CONTRAST_JS, selector)
        assert found["count"] and found["worst"], f"{folder}/{name}.html has no {what} ({selector}) to check"
        worst = found["worst"]
        print(f"{theme:5} {folder}/{name}: {what}: {worst['ratio']:.2f}")
        if worst["ratio"] < 4.5:
            unreadable.append(f"{what}: {worst['text']!r} in {worst['color']} on {worst['background']}, "
                              f"contrast {worst['ratio']:.2f} < 4.5")  # fmt: skip
    assert not unreadable, f"hard to read in the {theme} theme on {folder}/{name}.html:\n" + "\n".join(unreadable)


@pytest.mark.parametrize("themed_page", ["auto"], indirect=True)
def test_theme_toggle_switches_between_light_and_dark(themed_page, server) -> None:
    page = themed_page[1]
    page.goto(f"{server}/en/leaf-tensors.html")
    seen = set()
    for _ in range(3):
        page.locator(".theme-toggle:visible").first.click()
        seen.add(page.locator("body").get_attribute("data-theme"))
    assert {"light", "dark"} <= seen, f"clicking the theme toggle only gave {seen}"


# -- Accessibility -------------------------------------------------------------------------------

AXE = Path(find_spec("axe_playwright_python").origin).parent / "axe.min.js" if find_spec("axe_playwright_python") else None


# Every rule on the page, but the contrast of code tokens is left to
# test_text_stays_readable_in_both_themes: the same Pygments palette on every page, thousands
# of tokens, and most of axe's time.
AXE_RUNS = [
    "axe.run({exclude: [['div.highlight']]}, {resultTypes: ['violations']})",
    (
        "document.querySelector('div.highlight') === null ? {violations: []} : axe.run("
        "{include: [['div.highlight']]}, {resultTypes: ['violations'], rules: {'color-contrast': {enabled: false}}})"
    ),
]


@pytest.mark.skipif(AXE is None, reason="axe-core is missing: install the test group (axe-playwright-python)")
@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_has_no_serious_accessibility_violation(page, server, path: str) -> None:
    folder = path.split("/", 1)[0]
    page.goto(f"{server}/{path}.html")
    assert page.locator("html").get_attribute("lang") == HTML_LANG[folder], f"{path}.html declares the wrong language"
    page.add_script_tag(path=AXE)
    violations = [
        f"{v['impact']} {v['id']}: {v['help']} — {len(v['nodes'])}× e.g. {v['nodes'][0]['target']}"
        for run in AXE_RUNS
        for v in page.evaluate(run)["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not violations, f"{path}.html fails readers of assistive technology:\n" + "\n".join(violations)


# -- Phones ------------------------------------------------------------------------------------
# Many readers open a link inside a chat app, on a phone: 390 x 844 CSS pixels.

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# The tallest heading may take this share of the phone's screen (error messages make long
# headings; the tallest, three lines of a Chinese error page's title, takes 23 %).
HEADING_SHARE = 0.3
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"
PHONE_LAYOUT_JS = """
() => {
  const root = document.documentElement;
  const banner = document.querySelector('.autograd-banner');
  const bar = banner.closest('.announcement') || banner.parentElement;
  const box = banner.getBoundingClientRect(), barBox = bar.getBoundingClientRect();
  const wide = [...document.querySelectorAll('article *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1
                 && !e.closest('pre, .highlight, .table-wrapper, .MathJax, svg, .sphx-glr-script-out'))
    .slice(0, 3).map(e => `<${e.tagName.toLowerCase()} class="${e.className}">`);
  const tallest = [...document.querySelectorAll('article h1, article h2, article h3')]
    .map(h => ({height: Math.round(h.getBoundingClientRect().height), text: h.textContent.slice(0, 60)}))
    .sort((a, b) => b.height - a.height)[0];
  return {page: root.scrollWidth, view: root.clientWidth, viewHeight: innerHeight, wide, tallest,
          banner: [box.left, box.top, box.right, box.bottom].map(Math.round),
          bar: [barBox.left, barBox.top, barBox.right, barBox.bottom].map(Math.round),
          clipped: [banner, bar, banner.parentElement].some(e => e.scrollWidth > e.clientWidth + 1
                                                              || e.scrollHeight > e.clientHeight + 1)};
}
"""


@pytest.fixture(scope="module")
def phone_page(browser, server) -> Iterator[object]:
    """One phone-sized tab for every phone test: each test loads its page into it."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_fits_a_phone(phone_page, server, request, path: str) -> None:
    """No sideways scrolling, the banner whole, no heading that fills the screen, and the
    search box one tap away; a screenshot of each page beside the desktop ones."""
    from playwright.sync_api import expect

    folder, name = path.split("/", 1)
    if folder == "zh":
        request.getfixturevalue("cjk_font")
    page = phone_page
    page.goto(f"{server}/{path}.html")
    found = page.evaluate(PHONE_LAYOUT_JS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{folder}-{name.replace('/', '-')}-phone.png")
    assert found["page"] <= found["view"] and not found["wide"], f"{path}.html scrolls sideways on a phone: {found}"
    left, top, right, bottom = found["banner"]
    assert left >= 0 and right <= found["view"] and top >= found["bar"][1] and bottom <= found["bar"][3], (
        f"{path}.html: the provenance banner is cut off on a phone: {found}"
    )
    assert not found["clipped"], f"{path}.html: the provenance banner is cut off on a phone: {found}"
    tallest = found["tallest"]
    assert tallest["height"] <= HEADING_SHARE * found["viewHeight"], (
        f"{path}.html: the heading {tallest['text']!r} is {tallest['height']} px tall, more than "
        f"{HEADING_SHARE:.0%} of a phone's {found['viewHeight']} px screen"
    )
    page.add_style_tag(content=NO_TRANSITIONS)  # the menu opens at once, not in 0.25 s per page
    page.locator("label.nav-overlay-icon").click()
    box = page.locator("input.sidebar-search")
    expect(box).to_be_in_viewport(ratio=1)
    assert box.is_editable(), f"{path}.html: the search box in the phone menu cannot be typed into"
    action = box.evaluate("input => new URL(input.form.action, location.href).pathname")
    assert action == f"/{folder}/search.html", f"{path}.html: the phone menu's search goes to {action}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_search_works_on_a_phone(phone_page, server, folder: str) -> None:
    page = phone_page
    page.goto(f"{server}/{folder}/index.html")
    page.locator("label.nav-overlay-icon").click()
    box = page.locator("input.sidebar-search")
    box.wait_for(state="visible")
    box.fill("retain_graph")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=retain_graph*")
    page.wait_for_selector("#search-results ul.search li a")
    first = page.locator("#search-results ul.search li a").first.get_attribute("href")
    width = page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert first and "retain-graph" in first, f"{folder}: phone search for retain_graph led first to {first}"
    assert width, f"{folder}/search.html scrolls sideways on a phone"
