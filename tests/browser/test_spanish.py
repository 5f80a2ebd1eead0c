"""Spanish in a real browser: the browser's language picks it, ``?lang=es`` forces it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

TIMEOUT = 30_000


def _context_args(locale: str) -> dict:
    return {"locale": locale, "viewport": {"width": 1366, "height": 900}}


def test_a_spanish_browser_gets_spanish_by_default(browser: Browser, app_url: str) -> None:
    context = browser.new_context(**_context_args("es-US"))
    try:
        page = context.new_page()
        page.goto(f"{app_url}/compare")
        expect(page.get_by_role("heading", name="Comparar opciones", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Paga el paciente").first).to_be_visible(timeout=TIMEOUT)
        # The sidebar's switch shows the choice, and the address now carries it for sharing.
        expect(page.get_by_role("radio", name="Español")).to_be_checked(timeout=TIMEOUT)
        expect(page).to_have_url(re.compile(r"[?&]lang=es\b"), timeout=TIMEOUT)
    finally:
        context.close()


def test_lang_es_forces_spanish_under_an_english_browser(browser: Browser, app_url: str) -> None:
    context = browser.new_context(**_context_args("en-US"))
    try:
        page = context.new_page()
        page.goto(f"{app_url}/methods")
        expect(page.get_by_role("heading", name="Methods & sources", exact=True)).to_be_visible(timeout=TIMEOUT)
        page.goto(f"{app_url}/methods?lang=es")
        expect(page.get_by_role("heading", name="Métodos y fuentes", exact=True)).to_be_visible(timeout=TIMEOUT)
        # And the switch goes back to English.
        page.get_by_role("radio", name="English").click()
        expect(page.get_by_role("heading", name="Methods & sources", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(page).to_have_url(re.compile(r"[?&]lang=en\b"), timeout=TIMEOUT)
    finally:
        context.close()
