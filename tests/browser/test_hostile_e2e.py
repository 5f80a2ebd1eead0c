"""Hostile labels end to end in a real browser (issue 12, items 3 and 6): a share link whose
option labels and scenario label are Markdown/HTML/links with a right-to-left override, and an
uploaded price table whose label and item descriptions are the same. Every page is visited; the
browser must not ask any host but the app's own for anything, no element may point at the
attacker's host, and the hostile text must be on screen as literal text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from calculator.inert import csv_comment
from calculator.io import DATA_DIR, load_scenario, price_table_from_bytes
from calculator.share import encode_link, scenario_from_link

pytestmark = pytest.mark.browser

TIMEOUT = 30_000
EVIL = "evil.example"
HOSTILE = (
    "![x](http://evil.example/p.png) <img src=http://evil.example/i.png> [click](http://evil.example/) "
    '<a href="http://evil.example">PT</a> \u202e'
)
# What a reader must see: the text itself, minus the override (removed) and the trailing space.
SHOWN = HOSTILE.replace("\u202e", "").strip()
PAGES = [
    "My costs",
    "Compare plans",
    "Compare options",
    "Assumptions & sensitivity",
    "Price tables",
    "Methods & sources",
]
# Attributes through which a browser fetches or navigates; a hostile label in a title or
# aria-label is inert text, so those are not listed.
URL_ATTRIBUTES = ["href", "src", "srcset", "xlink:href", "action", "formaction", "poster", "data", "background"]
FIND_POINTERS = """([evil, names]) => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase();
            const value = attr.value.toLowerCase();
            const urlish = names.includes(name) || (name === 'style' && value.includes('url('));
            if (urlish && value.includes(evil)) found.push(el.tagName + ' ' + name + '=' + attr.value.slice(0, 80));
        }
    }
    return found;
}"""


FIND_OVERRIDES = """() => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.nodeValue.includes('\\u202e')) continue;
        let el = node.parentElement;
        while (el && !el.getAttribute('data-testid')) el = el.parentElement;
        const keyed = node.parentElement.closest('[class*="st-key-"]');
        const key = keyed ? [...keyed.classList].find((c) => c.startsWith('st-key-')) : '';
        found.push((el ? el.getAttribute('data-testid') : '?') + ' ' + key + ': ' + node.nodeValue.slice(0, 30));
    }
    return found;
}"""


def _share_token() -> str:
    """A link to the commercial-ppo preset with the scenario and two options relabelled (options
    need labels of their own: the loader refuses two alike)."""
    changes = {
        "label": HOSTILE,
        "pathways": {"pathways": {"dry_needling": {"label": HOSTILE}, "physical_therapy": {"label": "2 " + HOSTILE}}},
    }
    token = encode_link("commercial-ppo", changes)
    presets = {p.stem: load_scenario(p) for p in sorted((DATA_DIR / "scenarios").glob("*.json"))}
    _, scenario = scenario_from_link(token, presets)  # the app accepts it: this tests display, not refusal
    assert scenario.pathways.pathways[0].label == SHOWN  # the loader removes the override
    return token


def _hostile_table(path: Path) -> Path:
    """The shipped US table with a hostile label (a ``# label:`` comment) and three hostile descriptions."""
    rows = list(csv.reader(io.StringIO((DATA_DIR / "prices" / "us-2025.csv").read_text(encoding="utf-8"))))
    for row in rows[1:4]:
        row[1] = HOSTILE
    body = io.StringIO()
    csv.writer(body).writerows(rows)
    path.write_text(csv_comment("label", HOSTILE) + body.getvalue(), encoding="utf-8")
    assert price_table_from_bytes(path.read_bytes(), path.name).label == SHOWN  # the override removed
    return path


def _settle(page: Page) -> None:
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=TIMEOUT)


def _open(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT)
    _settle(page)


def _check_page(page: Page, where: str) -> str:
    """No pointer to the attacker's host anywhere in the DOM; the page's visible text."""
    page.wait_for_timeout(300)  # charts draw after the rerun ends
    assert page.locator(f'a[href*="{EVIL}"], img[src*="{EVIL}"]').count() == 0, where
    pointers = page.evaluate(FIND_POINTERS, [EVIL, URL_ATTRIBUTES])
    assert pointers == [], (where, pointers)
    text = page.locator("body").inner_text().replace("\u2060", "")
    overrides = page.evaluate(FIND_OVERRIDES)
    assert overrides == [], (where, overrides)
    assert "\u202e" not in text, where  # the override is removed, so it cannot reverse what follows
    assert "Traceback" not in text, where
    return text


def test_hostile_labels_from_a_link_and_an_upload_stay_text_on_every_page(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    own = urlsplit(app_url).netloc
    foreign: list[str] = []
    seen: list[str] = []

    def guard(route: Route) -> None:
        # Nothing leaves the machine even if the test is about to fail: a foreign request is refused.
        url = route.request.url
        if urlsplit(url).netloc != own:
            foreign.append(url)
            route.abort()
        else:
            route.continue_()

    def record(request: Request) -> None:
        seen.append(request.url)

    page.context.route("**/*", guard)
    page.on("request", record)

    page.goto(f"{app_url}/?s={_share_token()}")
    expect(page.get_by_role("heading", name="My costs", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(4, timeout=TIMEOUT)
    _settle(page)
    # The control: a request to the attacker's host is seen (and refused here, never sent).
    page.evaluate("() => fetch('http://evil.example/control.png').catch(() => null)")
    page.wait_for_timeout(200)
    control = "http://evil.example/control.png"
    assert foreign == [control] and control in seen, (foreign, seen[-3:])
    foreign.clear()
    seen.remove(control)
    shown_anywhere = SHOWN in _check_page(page, "My costs (link)")

    for title in PAGES[1:]:
        _open(page, title)
        if title == "Assumptions & sensitivity":
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)  # the tornado
            page.get_by_text("Probabilistic (PSA)", exact=True).click()
            page.get_by_role("button", name="Run the analysis").click()
            expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=TIMEOUT)
            _settle(page)
        shown_anywhere |= SHOWN in _check_page(page, f"{title} (link)")
    assert shown_anywhere, "the hostile option label is shown nowhere: the test would prove nothing"

    _open(page, "Price tables")
    uploader = page.locator(".st-key-price_tables_upload input[type=file]")
    uploader.set_input_files(_hostile_table(tmp_path / "hostile.csv"))
    use = page.get_by_role("button", name="Use this table")
    expect(use).to_be_enabled(timeout=TIMEOUT)
    use.click()
    expect(page.get_by_text("Now using the price table", exact=False)).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    # The table's label is the page's subheading, shown literally.
    headings = [h.replace("\u2060", "").strip() for h in page.locator("h1, h2, h3").all_inner_texts()]
    assert SHOWN in headings, headings
    assert SHOWN in _check_page(page, "Price tables (upload)")

    for title in [t for t in PAGES if t != "Price tables"]:
        _open(page, title)
        if title == "Assumptions & sensitivity":
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
        _check_page(page, f"{title} (upload)")
        if title == "Methods & sources":
            # The price table's label heads an expander here; open them all to render their text.
            for summary in page.locator('[data-testid="stExpander"] summary').all():
                summary.click()
            _settle(page)
            _check_page(page, "Methods & sources (expanded)")

    assert foreign == [], foreign
    assert seen and all(urlsplit(url).netloc == own or not url.startswith("http") for url in seen), [
        url for url in seen if urlsplit(url).netloc != own
    ][:5]
