"""The app in a real browser: it loads, draws its charts, reacts to an input and every page opens.

Screenshots go to ``tests/browser/screenshots/`` (git-ignored); with ``UPDATE_DOCS_SCREENSHOTS=1``
the two README screenshots in ``docs/`` are rewritten too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from calculator.costing import compare
from calculator.io import DATA_DIR, load_scenario, price_table_from_bytes

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


def _plan(page: Page) -> None:
    """Open the "Your plan" expander of My costs (the inputs follow the answer, folded)."""
    if not page.get_by_role("spinbutton", name="Deductible", exact=True).is_visible():
        page.locator('[data-testid="stExpander"] summary').get_by_text("Your plan", exact=True).click()
    expect(page.get_by_role("spinbutton", name="Deductible", exact=True)).to_be_visible(timeout=TIMEOUT)


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

    _plan(page)
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
    _plan(page)
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

    # The results workbook holds every analysis run above, and its summary is the CLI's JSON.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the results workbook (XLSX)").click()
    assert re.fullmatch(r"results-[0-9a-f]{10}\.xlsx", download.value.suggested_filename)
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert book.sheetnames == ["Summary", "Branches", "Parameters", "One-way", "PSA summary"] + [
        "Acceptability curve",
        "Budget impact",
    ]
    expected = compare(load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")).to_dict()["options"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    header = summary[0]
    for row in summary[1:]:
        record = dict(zip(header, row, strict=True))
        for field, value in expected[record["option"]][record["scope"]].items():
            assert round(record[field], 2) == round(value, 2), (record["option"], record["scope"], field)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download all results (JSON)").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert {"options", "parameters", "psa", "tornado", "budget"} <= set(document)


# --------------------------------------------------------------------------------------------
# Data in and out (issue 5)


def _clinic_csv(path: Path, value: str) -> Path:
    """The shipped US table with dry needling's cash price (20561, self_pay) set to ``value``."""
    rows = list(csv.reader(io.StringIO((ROOT / "data" / "prices" / "us-2025.csv").read_text(encoding="utf-8"))))
    column = rows[0].index("self_pay")
    for row in rows[1:]:
        if row[0] == "20561":
            row[column] = value
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def _input_hash(page: Page) -> str:
    caption = page.get_by_text(re.compile(r"^Input hash [0-9a-f]{10}")).first
    expect(caption).to_be_visible(timeout=TIMEOUT)
    return caption.inner_text().split()[2]


def test_clinic_uploads_a_price_table_and_a_bad_one_changes_nothing(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(app_url)
    metrics = page.locator(METRIC)
    expect(metrics).to_have_count(4, timeout=TIMEOUT)
    needling = metrics.nth(0)  # dry needling's "You pay": its 20561 sessions are paid at the cash price
    before = needling.inner_text()

    _open(page, "Price tables")
    uploader = page.locator(".st-key-price_tables_upload input[type=file]")
    uploader.set_input_files(_clinic_csv(tmp_path / "riverside.csv", "140.00"))
    use = page.get_by_role("button", name="Use this table")
    expect(use).to_be_enabled(timeout=TIMEOUT)
    use.click()
    expect(page.get_by_text("Now using the price table riverside")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("1 changed")).to_be_visible(timeout=TIMEOUT)  # the differences from shipped
    _settle(page)
    _shot(page, "price-tables-uploaded")
    with page.expect_download() as download:  # the active table, as Excel, reads back exactly
        page.get_by_role("button", name="Download this table (Excel)").click()
    workbook = Path(download.value.path()).read_bytes()
    assert price_table_from_bytes(workbook, "riverside.xlsx").price("20561", "self_pay") == 140.0

    _open(page, "My costs")
    expect(needling).not_to_have_text(before, timeout=TIMEOUT)
    after = needling.inner_text()
    assert _dollars(after) > _dollars(before) + 400, (before, after)  # 5 sessions × $100 more, minus escalation

    _open(page, "Price tables")
    uploader = page.locator(".st-key-price_tables_upload input[type=file]")
    uploader.set_input_files(_clinic_csv(tmp_path / "broken.csv", "abc"))
    _settle(page)
    page.get_by_role("button", name="Use this table").click()
    expect(page.get_by_text("column 'self_pay': expected a number, found 'abc'")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("This table was not used")).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _shot(page, "price-tables-bad-upload")
    _open(page, "My costs")
    expect(needling).to_have_text(after, timeout=TIMEOUT)  # the last good table still prices everything


def test_the_handout_downloads_with_the_input_hash(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(app_url)
    expect(page.locator(METRIC)).to_have_count(4, timeout=TIMEOUT)
    hash_ = _input_hash(page)
    page.get_by_role("button", name="Prepare the handout").click()
    html_button = page.get_by_role("button", name="Download the handout (HTML)")
    expect(html_button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download() as download:
        html_button.click()
    assert download.value.suggested_filename == f"treatment-costs-{hash_}.html"
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert hash_ in html and "Dry needling" in html and "<svg" in html
    assert "plotly" not in html.lower()  # a drawn SVG chart, no inlined plotly.js (4.7 MB)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the handout (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_a_share_link_opens_the_same_numbers_in_a_new_page(page: Page, app_url: str) -> None:
    page.goto(app_url)
    metrics = page.locator(METRIC)
    expect(metrics).to_have_count(4, timeout=TIMEOUT)
    surgery = metrics.nth(3)
    before = surgery.inner_text()
    _plan(page)
    deductible = page.get_by_role("spinbutton", name="Deductible", exact=True)
    deductible.fill("4000")
    deductible.press("Enter")
    expect(surgery).not_to_have_text(before, timeout=TIMEOUT)
    _settle(page)
    expect(page).to_have_url(re.compile(r"[?&]s=1\."), timeout=TIMEOUT)
    shown = [metrics.nth(i).inner_text() for i in range(4)]
    hash_ = _input_hash(page)

    other = page.context.new_page()
    other.goto(page.url)
    other_metrics = other.locator(METRIC)
    expect(other_metrics).to_have_count(4, timeout=TIMEOUT)
    for i, text in enumerate(shown):
        expect(other_metrics.nth(i)).to_have_text(text, timeout=TIMEOUT)
    _plan(other)
    expect(other.get_by_role("spinbutton", name="Deductible", exact=True)).to_have_value("4000")
    assert _input_hash(other) == hash_
    other.close()


def test_embedded_patient_page_has_no_sidebar(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/?embed=true")
    expect(page.get_by_role("heading", name="My costs", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(METRIC)).to_have_count(4, timeout=TIMEOUT)
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    _settle(page)
    _shot(page, "my-costs-embedded")
