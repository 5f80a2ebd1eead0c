"""The region picker (state, then locality) and the map on Compare, through AppTest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def dollars(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


@pytest.fixture
def compare_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    app.switch_page("app_pages/compare.py").run()
    assert not app.exception
    return app


def patient_pays(at: AppTest) -> list[float]:
    return [dollars(m.value) for m in at.metric if m.label == "Patient pays"]


def test_state_then_locality_moves_the_prices_and_keeps_the_choice_across_pages(compare_page):
    at = compare_page
    national = patient_pays(at)
    at.selectbox(key="compare_region_state").set_value("NY").run()
    assert not at.exception
    # New York has several localities: a second step appears, starting at "Rest of New York".
    assert at.selectbox(key="compare_region_locality").value == "NY-99"
    at.selectbox(key="compare_region_locality").set_value("NY-01").run()
    assert at.session_state["region"] == "NY-01"
    manhattan = patient_pays(at)
    assert manhattan != national and sum(manhattan) > sum(national)
    assert any("Manhattan" in c.value for c in at.caption)  # the price table's label names the locality
    # One step for a state with one locality; and the sidebar shows the same choice.
    at.selectbox(key="compare_region_state").set_value("AL").run()
    assert at.session_state["region"] == "AL-00"
    assert not [s for s in at.selectbox if s.key == "compare_region_locality"]
    assert at.selectbox(key="sidebar_region_state").value == "AL"
    at.switch_page("app_pages/assumptions.py").run()
    assert not at.exception
    assert at.selectbox(key="assumptions_region_state").value == "AL"


def test_map_and_its_table_on_compare(compare_page):
    at = compare_page
    assert any(e.label == "Costs across the country (map)" for e in at.expander)
    assert not [d for d in at.dataframe if "Mapped locality" in d.value.columns]  # built only when asked
    at.toggle(key="compare_map_on").set_value(True).run()
    # AppTest does not expose dataframe keys: the map's table is the one with a row per state
    # (50 states, DC, Puerto Rico and the Virgin Islands).
    table = next(d.value for d in at.dataframe if "Mapped locality" in d.value.columns)
    assert len(table) == 53
    others = [o for o in at.selectbox(key="compare_map_minus").options if o]
    at.selectbox(key="compare_map_minus").set_value(others[0]).run()
    assert not at.exception


def test_methods_lists_the_scenarios_sources_by_the_handouts_ids():
    from calculator.report import cited_sources, handout_sources
    from calculator.sources import load_sources
    from ui import engine

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("app_pages/methods.py").run()
    assert not at.exception
    listed = next(d.value for d in at.dataframe if "Citation" in d.value.columns)
    scenario = engine.shipped_presets()["commercial-ppo"]
    bibliography = load_sources()
    ids = cited_sources(scenario, bibliography)
    assert list(listed["Id"]) == ids and "cms-pfs-rvu-2025" in ids
    assert all(isinstance(link, str) for link in listed["Link or identifier"])  # text, never a link column
    handout_ids = [line.split(" — ")[0] for line in handout_sources(scenario, bibliography)]
    assert handout_ids == ids


def test_price_tables_page_shows_the_regions_table(compare_page):
    at = compare_page
    at.selectbox(key="compare_region_state").set_value("NY").run()
    at.selectbox(key="compare_region_locality").set_value("NY-01").run()
    at.switch_page("app_pages/price_tables.py").run()
    assert not at.exception
    assert any("Manhattan" in h.value for h in at.header)  # the table's label names the locality


@pytest.mark.parametrize("embed", [False, True])
def test_my_costs_and_the_embedded_widget_pick_the_region(embed):
    at = AppTest.from_file(str(APP), default_timeout=60)
    if embed:
        at.query_params["embed"] = "true"
    at.run()
    assert not at.exception
    before = [m.value for m in at.metric]
    at.selectbox(key="my_costs_region_state").set_value("AK").run()
    assert not at.exception and at.session_state["region"] == "AK-01"
    assert [m.value for m in at.metric] != before  # Alaska's prices move what the patient pays
