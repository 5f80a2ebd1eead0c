"""The app in a real browser: it loads, draws its charts, reacts to an input and every page opens.

Screenshots go to ``tests/browser/screenshots/`` (git-ignored); with ``UPDATE_DOCS_SCREENSHOTS=1``
the two README screenshots in ``docs/`` are rewritten too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).parent / "screenshots"
DOCS = ROOT / "docs"
TIMEOUT = 30_000
METRIC = '[data-testid="stMetricValue"]'


def _dollars(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def _shot(page: Page, name: str, *, docs: str | None = None) -> None:
    """Save the whole page (Streamlit scrolls inside its main area, so grow the viewport to it)."""
    SHOTS.mkdir(exist_ok=True)
    size = page.viewport_size or {"width": 1440, "height": 1000}
    if docs and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        page.set_viewport_size({"width": size["width"], "height": 1300})  # the top of the page, for the README
        page.wait_for_timeout(500)
        page.screenshot(path=DOCS / docs)
    page.set_viewport_size({"width": size["width"], "height": 8_000})
    page.wait_for_timeout(500)
    height = page.evaluate(
        "() => { const e = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        " return e ? e.getBoundingClientRect().bottom : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8_000)})
    page.wait_for_timeout(500)  # let the charts resize
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    page.set_viewport_size(size)


def _open(page: Page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT)


def _settle(page: Page) -> None:
    """Wait for the rerun to finish (Streamlit shows a running indicator meanwhile)."""
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=TIMEOUT)


def test_patient_changes_an_input_and_visits_every_page(page: Page, app_url: str) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="My costs", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    metrics = page.locator(METRIC)
    expect(metrics).to_have_count(4, timeout=TIMEOUT)  # "You pay" for each of the 4 options
    surgery = metrics.nth(3)
    before = surgery.inner_text()
    _shot(page, "my-costs", docs="my-costs.png")

    coinsurance = page.get_by_role("spinbutton", name="Coinsurance (%)")
    coinsurance.fill("50")
    coinsurance.press("Enter")
    expect(surgery).not_to_have_text(before, timeout=TIMEOUT)
    after = surgery.inner_text()
    assert _dollars(after) > _dollars(before), (before, after)

    _open(page, "Compare options")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    # The plan entered on My costs carries over: surgery's patient cost is the same here.
    expect(page.locator(METRIC).filter(has_text=after).first).to_be_visible(timeout=TIMEOUT)
    _shot(page, "compare")

    _open(page, "Assumptions & sensitivity")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    _shot(page, "assumptions")

    _open(page, "Price tables")
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=TIMEOUT)
    _shot(page, "price-tables")

    _open(page, "Methods & sources")
    expect(page.get_by_role("heading", name="Limitations")).to_be_visible(timeout=TIMEOUT)
    _shot(page, "methods")

    _open(page, "My costs")
    expect(page.get_by_role("spinbutton", name="Coinsurance (%)")).to_have_value("50", timeout=TIMEOUT)


def test_presentation_mode_shows_the_clinic_name(page: Page, app_url: str) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="My costs", exact=True)).to_be_visible(timeout=TIMEOUT)
    _open(page, "Compare options")
    name = page.get_by_role("textbox", name="Clinic name (shown in presentation mode)")
    name.fill("Riverside Physical Therapy")
    name.press("Enter")
    _settle(page)
    page.get_by_text("Presentation mode", exact=True).click()
    expect(page.get_by_text("Riverside Physical Therapy")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("textbox", name="Clinic name (shown in presentation mode)")).to_have_count(
        0, timeout=TIMEOUT
    )
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _shot(page, "compare-presentation", docs="compare.png")


def test_insurer_runs_every_analysis(page: Page, app_url: str) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="My costs", exact=True)).to_be_visible(timeout=TIMEOUT)
    _open(page, "Assumptions & sensitivity")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)  # the tornado

    page.get_by_text("Probabilistic (PSA)", exact=True).click()
    page.get_by_role("button", name="Run the analysis").click()
    expect(page.get_by_text("Cost-effectiveness", exact=False).first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=TIMEOUT)
    _settle(page)
    _shot(page, "assumptions-psa")

    page.get_by_text("Break-even", exact=True).click()
    expect(page.get_by_text("Break-even: cost as", exact=False).first).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _shot(page, "assumptions-break-even")

    page.get_by_text("Budget impact", exact=True).click()
    expect(page.get_by_text("Per member per month, year 1")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _shot(page, "assumptions-budget")
