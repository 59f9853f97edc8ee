"""A reader pastes their own error, or asks in their own words: the search box finds the page.

Chromium types each paste of ``tests/data/error_pastes.yaml`` (real pastes from public
issues, torch 0.2 to 2.x) into the search box of both sites, as a reader would; the entry
must be among the first three results: the matcher's answer ("This is: …") and then
Sphinx's own results.  The non-autograd pastes must match no entry, the Chinese question
titles must find their page, a paste never becomes markup, and a long paste is answered
quickly.  The normaliser's unit tests run in the same browser, on the shipped file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from autograd_docs.browser import missing
from builtsite import FOLDERS, not_here

if (_no_browser := missing()) is not None:
    not_here(_no_browser)

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"
PASTES = yaml.safe_load((DATA / "error_pastes.yaml").read_text(encoding="utf-8"))
NON_AUTOGRAD = yaml.safe_load((DATA / "non_autograd_pastes.yaml").read_text(encoding="utf-8"))
QUESTIONS = yaml.safe_load((DATA / "zh_questions.yaml").read_text(encoding="utf-8"))
PASS_RATE = {"pastes": 0.95, "questions": 0.90}
MATCH = ".autograd-error-match:not([hidden]) a"


@pytest.fixture(scope="module")
def page(browser, server) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    yield page
    context.close()


def _href(href: str) -> str:
    return href.split("?")[0].replace(".html", "").removeprefix("./")


def top3(page, server: str, folder: str, text: str) -> list[str]:
    """Type ``text`` into a page's search box and press Enter; the first three results
    (page[#anchor]): the matcher's answer first, when there is one, then Sphinx's."""
    page.goto(f"{server}/{folder}/index.html")
    box = page.locator("input.sidebar-search")
    box.fill(text)  # an <input> drops the paste's line breaks, as in a real paste
    box.press("Enter")
    page.wait_for_url("**/search.html?**")
    # the summary's text is written when Sphinx has shown its last result (test_browser.search)
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results p.search-summary'); "
        "return s !== null && s.textContent.trim() !== ''; }",
        timeout=15_000,
    )
    matched = page.eval_on_selector_all(MATCH, "els => els.map(e => e.getAttribute('href'))")
    found = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))")
    return [_href(h) for h in matched + found][:3]


def _label(paste: dict) -> str:
    return f"{paste['entry']} from {paste['source']}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_real_pastes_find_their_entry(page, server, folder: str) -> None:
    missed = []
    for paste in PASTES:
        results = top3(page, server, folder, paste["paste"])
        if not any(r.split("#")[0] == f"errors/{paste['entry']}" for r in results):
            missed.append(f"{_label(paste)}: {results}")
    rate = 1 - len(missed) / len(PASTES)
    print(f"{folder}: {len(PASTES) - len(missed)}/{len(PASTES)} pastes find their entry in the top 3")
    assert rate >= PASS_RATE["pastes"], (
        f"{folder}: only {rate:.0%} of the real pastes find their entry in the first three results; "
        "these do not:\n" + "\n".join(missed)
    )


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("paste", NON_AUTOGRAD, ids=[p["what"] for p in NON_AUTOGRAD])
def test_other_errors_match_no_entry(page, server, folder: str, paste: dict) -> None:
    top3(page, server, folder, paste["paste"])
    named = page.eval_on_selector_all(MATCH, "els => els.map(e => e.textContent)")
    assert not named, f"{folder}: {paste['what']} ({paste['source']}) is not autograd's, yet the matcher says {named}"


def test_chinese_questions_find_their_page(page, server) -> None:
    missed = []
    for item in QUESTIONS:
        results = [r.split("#")[0] for r in top3(page, server, "zh", item["question"])]
        if not set(results) & set(item["answers"]):
            missed.append(f"{item['question']!r} → {results}, not {item['answers']}")
    rate = 1 - len(missed) / len(QUESTIONS)
    print(f"zh: {len(QUESTIONS) - len(missed)}/{len(QUESTIONS)} questions find their page in the top 3")
    assert rate >= PASS_RATE["questions"], (
        f"only {rate:.0%} of the Chinese questions find their page in the first three results:\n" + "\n".join(missed)
    )


# -- The paste is untrusted ----------------------------------------------------------------------

XSS = [
    "<script>window.__pwned = 1</script> RuntimeError: Trying to backward through the graph a second time",
    '<img src=x onerror="window.__pwned = 1"> element 0 of tensors does not require grad and does not have a grad_fn',
    '<a href="javascript:window.__pwned = 1">one of the variables needed for gradient computation has been '
    "modified by an inplace operation</a>",
]
INJECTED = """() => ({
  pwned: window.__pwned === 1,
  markup: [...document.querySelectorAll("*")].filter((e) =>
    [...e.attributes].some((a) => a.value.includes("__pwned"))
    || (e.tagName === "SCRIPT" && e.textContent.includes("__pwned"))).length,
})"""  # any element, attribute or script the paste would have made


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("paste", XSS, ids=["script", "img-onerror", "javascript-link"])
def test_a_paste_never_becomes_markup(page, server, folder: str, paste: str) -> None:
    results = top3(page, server, folder, paste)
    assert results and results[0].startswith("errors/"), f"{folder}: the message inside {paste!r} found {results}"
    page.wait_for_timeout(100)
    assert page.evaluate(INJECTED) == {"pwned": False, "markup": 0}, f"{folder}: {paste!r} became markup"
    page.goto(f"{server}/{folder}/errors.html")
    page.locator(".autograd-error-paste input").fill(paste)
    page.wait_for_selector(MATCH)
    page.wait_for_timeout(100)
    assert page.evaluate(INJECTED) == {"pwned": False, "markup": 0}, f"{folder}/errors.html: {paste!r} became markup"


# -- The error index: a paste box of its own, in the page's language ------------------------------

@pytest.mark.parametrize(("folder", "label"), [("en", "This is: "), ("zh", "这是：")])
def test_error_index_answers_a_paste(page, server, folder: str, label: str) -> None:
    page.goto(f"{server}/{folder}/errors.html")
    page.locator(".autograd-error-paste input").fill(PASTES[0]["paste"])
    answer = page.locator(".autograd-error-match:not([hidden])")
    assert answer.locator("strong").inner_text().strip() == label.strip()
    href = answer.locator("a").get_attribute("href")
    assert _href(href) == f"errors/{PASTES[0]['entry']}", f"{folder}/errors.html answers {href}"
    page.locator(".autograd-error-paste input").fill("CUDA out of memory. Tried to allocate 20.00 MiB")
    assert page.locator(".autograd-error-match:not([hidden])").count() == 0


def test_a_long_paste_is_answered_within_100_ms(page, server) -> None:
    page.goto(f"{server}/en/errors.html")
    paste = "".join(p["paste"] for p in PASTES if p["entry"] == "backward-second-time")
    paste = (paste * 3)[:3000]
    elapsed = page.evaluate(
        """(paste) => {
          const box = document.createElement('div');
          const start = performance.now();
          AutogradErrorMatcher.show(box, paste);  // first call: the entries' index is built too
          return performance.now() - start;
        }""",
        paste,
    )
    print(f"a 3,000-character paste answered in {elapsed:.1f} ms")
    assert elapsed < 100, f"a 3,000-character paste took {elapsed:.0f} ms (budget 100 ms)"


# -- The normaliser, in the browser, on the shipped file -------------------------------------------

NORMALISED = {
    # what is dropped: frames and paths (Linux, Windows), prompts, tensor types, shapes, numbers, nodes
    'File "C:\\Users\\me\\lib\\site-packages\\torch\\_tensor.py", line 307, in backward': [],
    '  File "/usr/lib/python3.11/site-packages/torch/autograd/__init__.py", line 98': [],
    "----> 9 result.numpy()": ["result", "numpy"],
    "*** RuntimeError: a leaf": ["leaf"],
    "In [6]: v1[0].mul_(2)": ["mul"],
    ">>> b.requires_grad=False": ["requires_grad"],
    "modified: [torch.cuda.HalfTensor [64, 128]], which is output 0 of CudnnConvolutionBackward,": [
        "modified", "output"],
    "torch.Size([1, 2404, 4]) and output[0]": ["output"],
    # what is made alike: curly quotes, in-place, Variable for Tensor, plurals, gradient for grad
    "Function ‘ExpBackward’ returned nan values in its 1th output.": ["function", "returned", "nan", "value", "output"],
    "a leaf Variable that requires grad has been used in an in-place operation": [
        "leaf", "tensor", "require", "grad", "inplace", "operation"],
    "doesn't require gradient": ["doe", "require", "grad"],
}  # fmt: skip


def test_normaliser(page, server) -> None:
    page.goto(f"{server}/en/errors.html")
    for text, expected in NORMALISED.items():
        assert page.evaluate("(t) => AutogradErrorMatcher.words(t)", text) == expected, text


def test_normaliser_finds_the_message_after_a_glued_frame(page, server) -> None:
    page.goto(f"{server}/en/errors.html")
    glued = (
        '  File "/x/torch/autograd/__init__.py", line 93, in backward    allow_unreachable=True)  # allow_unreachable '
        "flagRuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"
    )  # an <input> joined the lines: "flag" + "RuntimeError"
    message = page.evaluate("(t) => AutogradErrorMatcher.normalise(t).message", glued)
    assert message == ["element", "tensor", "doe", "require", "grad", "doe", "grad_fn"]
