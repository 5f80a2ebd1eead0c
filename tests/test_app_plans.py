"""The app's plan inputs (ui.plan_inputs) and the Compare plans page, driven without a browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def _plan_inputs_script() -> None:
    import streamlit as st

    from ui import engine, i18n, state
    from ui.plan_inputs import plan_inputs

    i18n.choose()
    presets = engine.shipped_presets()
    state.init_state(presets)
    state.begin_rerun(presets)
    plan_inputs("my_costs")
    scenario = state.now().scenario
    plan = scenario.insurance if scenario is not None else None
    st.session_state["seen"] = {
        "episode_start": None if scenario is None else scenario.episode_start,
        "tax": None if plan is None else plan.tax_advantaged,
        "benefits": None if plan is None else dict(plan.benefits),
    }


@pytest.fixture
def inputs() -> AppTest:
    app = AppTest.from_function(_plan_inputs_script, default_timeout=30)
    app.run()
    assert not app.exception
    return app


def test_met_above_the_deductible_is_said_next_to_the_field(inputs: AppTest) -> None:
    assert not inputs.warning
    inputs.number_input(key="my_costs_deductible_met").set_value(4000.0).run()
    [warning] = inputs.warning
    assert (
        warning.value
        == "4,000 already met is more than the deductible of 1,500, so the deductible counts as fully met."
    )


def test_visits_used_above_the_limit_is_said_next_to_the_field(inputs: AppTest) -> None:
    assert "my_costs_plan_kind" not in [w.key for w in inputs.selectbox]  # folded until asked for
    inputs.toggle(key="my_costs_plan_differently").set_value(True).run()
    inputs.selectbox(key="my_costs_plan_kind").set_value("therapy").run()
    inputs.number_input(key="my_costs_visits_used_therapy").set_value(31).run()
    assert [w.value for w in inputs.warning] == [
        "31 therapy visits used is more than the plan's limit of 30, so no covered visits are left this plan year."
    ]


def test_dates_hsa_and_a_kind_benefit_reach_the_scenario(inputs: AppTest) -> None:
    inputs.toggle(key="my_costs_plan_dates").set_value(True).run()
    inputs.selectbox(key="my_costs_episode_start_month").set_value(11).run()
    inputs.number_input(key="my_costs_hsa_balance").set_value(800.0).run()
    inputs.number_input(key="my_costs_tax_rate_pct").set_value(22.0).run()
    inputs.toggle(key="my_costs_plan_differently").set_value(True).run()
    inputs.selectbox(key="my_costs_plan_kind").set_value("imaging").run()
    inputs.number_input(key="my_costs_coinsurance_pct_imaging").set_value(30.0).run()
    seen = inputs.session_state["seen"]
    assert seen["episode_start"].month == 11
    assert (seen["tax"].balance.value, seen["tax"].tax_rate.value) == (800.0, 0.22)
    assert seen["benefits"]["imaging"].coinsurance.value == 0.3


@pytest.fixture
def plans_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    app.switch_page("app_pages/plans.py").run()
    assert not app.exception
    return app


def test_compare_plans_shows_each_plan_side_by_side(plans_page: AppTest) -> None:
    chosen = plans_page.multiselect(key="plans_chosen")
    options = chosen.options
    plans_page.multiselect(key="plans_chosen").set_value([options[0], options[2], options[3]]).run()
    assert not plans_page.exception and not plans_page.error
    [table] = plans_page.dataframe
    columns = list(table.value.columns)
    assert columns[0] == "Option" and len(columns) >= 1 + 3 * 2
    assert len(table.value) == 4


def test_an_insurer_tries_covering_dry_needling_with_a_copay(plans_page: AppTest) -> None:
    plans_page.multiselect(key="plans_cover").set_value(["20560", "20561"]).run()
    plans_page.selectbox(key="plans_kind").set_value("therapy").run()
    assert not plans_page.exception and not plans_page.error
    change = plans_page.dataframe[-1].value
    dn = change[change["Option"].str.startswith("Dry needling")].iloc[0]
    assert dn["Member pays (change)"].startswith(("−", "-"))
    assert not dn["Plan pays (change)"].startswith(("−", "-"))


def _inside_an_expander_script() -> None:
    import streamlit as st

    from ui import engine, i18n, state
    from ui.plan_inputs import has_problems, plan_inputs

    i18n.choose()
    presets = engine.shipped_presets()
    state.init_state(presets)
    state.begin_rerun(presets)
    with st.expander("Your plan", expanded=has_problems()):
        plan_inputs("my_costs")


def test_the_plan_inputs_fit_inside_a_page_s_expander() -> None:
    # No expander inside: Streamlit refuses nested expanders, and My costs folds its inputs.
    app = AppTest.from_function(_inside_an_expander_script, default_timeout=30)
    app.run()
    assert not app.exception
    app.toggle(key="my_costs_plan_differently").set_value(True).run()
    app.number_input(key="my_costs_deductible_met").set_value(4000.0).run()
    assert not app.exception and len(app.warning) == 1
    assert app.expander[0].proto.expanded


def test_the_plan_chooser_sets_its_default_once_without_a_streamlit_warning(caplog: pytest.LogCaptureFixture) -> None:
    # A default= beside a value set through session state logged a warning with a stack on every
    # rerun of every session (seen in the load test's output).
    import logging

    policies = logging.getLogger("streamlit.elements.lib.policies")
    policies.addHandler(caplog.handler)
    try:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        at.switch_page("app_pages/plans.py").run()
        at.run()
        assert not at.exception and len(at.multiselect[0].value) == 2
    finally:
        policies.removeHandler(caplog.handler)
    assert not [r for r in caplog.records if "default value" in r.getMessage()], caplog.text
