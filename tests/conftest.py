"""Fixtures shared by the browser tests: one loopback server and one Chromium per run.

Playwright's sync API allows one running instance per thread, so every browser test
module takes its browser from here rather than starting its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autograd_docs.browser import launch, serve
from builtsite import SITE, require_site


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    require_site()
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
