"""The patient widget in a real browser: the answer on a phone's first screen, no request to any
host but the app's own, and no serious or critical accessibility violation (axe-core).

axe-core (MPL-2.0) is vendored in ``vendor/axe.min.js`` so the test needs no network; it is
injected into each page with ``add_script_tag``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Request, ViewportSize, expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TIMEOUT = 30_000
METRIC = '[data-testid="stMetricValue"]'
PHONE: ViewportSize = {"width": 390, "height": 844}  # an iPhone 12-14 viewport in CSS pixels
# Every page by its address, and the patient page embedded.
PAGES = {
    "my_costs": "/",
    "compare": "/compare",
    "assumptions": "/assumptions",
    "price_tables": "/price_tables",
    "methods": "/methods",
    "plans": "/plans",
    "embedded": "/?embed=true",
}
HEADINGS = {
    "my_costs": "My costs",
    "compare": "Compare options",
    "assumptions": "Assumptions & sensitivity",
    "price_tables": "Price tables",
    "methods": "Methods & sources",
    "plans": "Compare plans",
    "embedded": "My costs",
}
# Streamlit's own sidebar navigation puts its section headers (<div>) inside the <ul> of page
# links, which axe reports as "list"/"listitem" (serious). The links themselves are real links,
# reachable by keyboard with visible names; the markup is Streamlit's frontend, not the app's,
# so these two rules are waived inside stSidebarNav only.
STREAMLIT_NAV = ('[data-testid="stSidebarNav"]', {"list", "listitem"})


def _ready(page: Page, heading: str) -> None:
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=TIMEOUT)
    page.wait_for_timeout(1_000)  # charts draw after the rerun ends


def _axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page, the waived Streamlit nav ones left out."""
    page.add_script_tag(path=str(AXE))
    selector, rules = STREAMLIT_NAV
    found: list[dict[str, Any]] = page.evaluate(
        """async ([selector, rules]) => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes
                        .filter(n => !(rules.includes(v.id)
                            && document.querySelector(n.target[0])?.closest(selector)))
                        .map(n => n.target.join(' ') + ': ' + n.failureSummary),
                }))
                .filter(v => v.nodes.length > 0);
        }""",
        [selector, sorted(rules)],
    )
    return found


def test_phone_embedded_page_shows_every_cost_answer_first(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/?embed=true")
    _ready(page, "My costs")
    first = page.locator(METRIC).first
    expect(first).to_be_visible(timeout=TIMEOUT)
    box = first.bounding_box()
    assert box is not None
    # On the first screen without scrolling: the first option's cost lies within 844 px.
    assert box["y"] + box["height"] <= PHONE["height"], box
    # The plan inputs come after the costs (folded, with the preset's numbers in).
    plan = page.locator('[data-testid="stExpander"]').filter(has_text="Your plan").first
    plan_box = plan.bounding_box()
    assert plan_box is not None and plan_box["y"] > box["y"]
    context.close()


def test_no_request_leaves_the_apps_host_on_any_page(browser: Browser, app_url: str) -> None:
    own = urlparse(app_url).netloc
    seen: dict[str, set[str]] = {}
    for name, path in PAGES.items():
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        hosts: set[str] = set()

        def record(request: Request, seen: set[str] = hosts) -> None:
            seen.add(urlparse(request.url).netloc)

        page.on("request", record)
        page.goto(app_url + path)
        _ready(page, HEADINGS[name])
        if name == "my_costs":  # the handout too: drawn by fpdf2 and SVG, no browser, no fetch
            page.get_by_role("button", name="Prepare the handout").click()
            with page.expect_download() as download:
                page.get_by_role("button", name="Download the handout (PDF)").click()
            assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        seen[name] = hosts - {"", own}  # "" is data: and blob: addresses
        context.close()
    assert all(not outside for outside in seen.values()), seen


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violation(browser: Browser, app_url: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(app_url + PAGES[name])
    _ready(page, HEADINGS[name])
    violations = _axe(page)
    context.close()
    assert not violations, violations


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violation_on_a_phone(browser: Browser, app_url: str, name: str) -> None:
    # At 390 px the Methods page's LaTeX equations overflowed into sideways-scrolling regions no
    # keyboard could reach (scrollable-region-focusable, serious); they are wrapping text now.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(app_url + PAGES[name])
    _ready(page, HEADINGS[name])
    violations = _axe(page)
    context.close()
    assert not violations, violations


def test_the_copy_link_box_holds_the_view_and_has_a_copy_button(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{app_url}/?embed=true&lang=en")
    _ready(page, "My costs")
    box = page.locator('[class*="st-key-my_costs_copy_link"]')
    code = box.locator("code")
    expect(code).to_contain_text(app_url, timeout=TIMEOUT)
    expect(code).to_contain_text("lang=en")
    expect(code).not_to_contain_text("embed")  # the copied link opens the full app
    # st.code's own copy button shows on hover; in an iframe it needs allow="clipboard-write" (README).
    box.locator("pre").hover()
    expect(box.get_by_role("button", name="Copy to clipboard")).to_be_visible(timeout=TIMEOUT)
    context.close()


def test_every_patient_control_is_reached_by_keyboard_with_a_visible_label(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url}/?embed=true")
    _ready(page, "My costs")
    reached: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => { const e = document.activeElement; if (!e) return '';
                    const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText)
                        || e.innerText || '';
                    return e.tagName + ':' + label.trim().slice(0, 80); }"""
            )
        )
    text = "\n".join(reached)
    for name in (
        "Your plan",
        "Your time and travel",
        "Starting with",
        "I am or may be pregnant",
        "Prepare the handout",
    ):
        assert name in text, (name, reached)
    # The folded plan opens from the keyboard, and its inputs have their visible labels.
    page.locator('[data-testid="stExpander"] summary').filter(has_text="Your plan").first.focus()
    page.keyboard.press("Enter")
    deductible = page.get_by_role("spinbutton", name="Deductible", exact=True)
    expect(deductible).to_be_visible(timeout=TIMEOUT)
    label = page.locator('[data-testid="stWidgetLabel"]').filter(has_text="Deductible").first
    expect(label).to_be_visible()
    context.close()


def test_no_serious_violation_with_the_plan_open_an_item_ticked_and_the_handout_ready(
    browser: Browser, app_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url}/?embed=true")
    _ready(page, "My costs")
    page.get_by_text("I am or may be pregnant").click()
    # The dry-needling card carries the checklist's result (as well as the checklist itself).
    expect(page.get_by_text("Talk to a clinician before choosing dry needling")).to_have_count(2, timeout=TIMEOUT)
    page.locator('[data-testid="stExpander"] summary').filter(has_text="Your plan").first.click()
    page.get_by_role("button", name="Prepare the handout").click()
    expect(page.get_by_role("button", name="Download the handout (PDF)")).to_be_visible(timeout=TIMEOUT)
    violations = _axe(page)
    context.close()
    assert not violations, violations
