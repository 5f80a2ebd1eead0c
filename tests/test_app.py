"""The Streamlit app through AppTest: every page renders, and inputs move the numbers the right way.

AppTest runs the real ``app.py`` router (file-based ``st.Page`` entries, so
``switch_page("app_pages/x.py")`` works) without a browser. Widgets are driven by their
page-prefixed keys; results are read from ``st.metric`` values. Plotly figures are not
inspectable here: ``tests/test_charts.py`` tests the figure builders directly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from calculator import presentation
from calculator.inputs import ENTERED, apply_inputs, inputs_from_scenario
from calculator.io import DATA_DIR, load_scenario
from ui import engine, widgets

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGES = {
    "app_pages/my_costs.py": "My costs",
    "app_pages/compare.py": "Compare options",
    "app_pages/assumptions.py": "Assumptions & sensitivity",
    "app_pages/price_tables.py": "Price tables",
    "app_pages/methods.py": "Methods & sources",
    "app_pages/plans.py": "Compare plans",
}


def dollars(text: str) -> float:
    """'$3,089' → 3089.0 ('−$20' → −20.0)."""
    sign = -1.0 if text.strip().startswith(("−", "-")) else 1.0
    return sign * float(re.sub(r"[^0-9.]", "", text))


def you_pay(at: AppTest) -> dict[str, float]:
    """My costs: the 'You pay' figure of each option card, by option label."""
    return {label: dollars(m.value) for label, m in zip(card_labels(at), at.metric, strict=True)}


def card_labels(at: AppTest) -> list[str]:
    # Each card opens with the option's name in bold (Markdown-escaped).
    names = []
    for md in at.markdown:
        match = re.fullmatch(r"\*\*(.+)\*\*", md.value)
        if match:
            names.append(re.sub(r"\\(.)", r"\1", match.group(1)))
    # The cards come first, one metric each; bold group names of the plan's fields follow them.
    return names[: len(at.metric)]


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.run()
    assert not app.exception
    return app


# --------------------------------------------------------------------------------------------
# Every page


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(at: AppTest, page: str) -> None:
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == PAGES[page]


def test_default_page_is_my_costs_with_a_card_per_option(at: AppTest) -> None:
    assert at.title[0].value == "My costs"
    costs = you_pay(at)
    assert set(costs) == {
        o.label for o in engine.run_compare(load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json"))
    }
    assert all(v >= 0 for v in costs.values())
    assert "likely to cost you the least" in at.info[0].value  # the bottom line (explain.bottom_line)
    assert any("Cost is only one part of the choice" in m.value for m in at.markdown)
    assert any("not quotes or medical advice" in c.value for c in at.caption)


def _in_order(node) -> list:
    """Every element of the page in display order (depth first through the layout blocks)."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in _in_order(children[key])]


def test_my_costs_shows_the_answer_before_the_inputs(at: AppTest) -> None:
    elements = _in_order(at.main)
    kinds = [e.type for e in elements]
    first_cost = kinds.index("metric")
    first_input = min(kinds.index("number_input"), kinds.index("selectbox"))
    assert first_cost < first_input, kinds[: first_input + 1]
    # Every card has the same detail: a cost spread, an evidence-labelled outcome out of 100.
    cards = [m.value for m in at.markdown if m.value.startswith("Out of 100 people like you")]
    assert len(cards) == len(at.metric) == 4
    assert all("figure" in c for c in cards)
    spreads = [m.value for m in at.markdown if "Most people like you \\(9 in 10\\) would pay between" in m.value]
    assert len(spreads) == 4
    # The plan inputs are already filled in from the preset (commercial PPO: $1,500 deductible... read back).
    preset = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    assert preset.insurance is not None
    assert at.number_input(key="my_costs_deductible").value == inputs_from_scenario(preset)["deductible"]
    assert any("Which of these options suit my back pain" in m.value for m in at.markdown)


# --------------------------------------------------------------------------------------------
# Inputs move the numbers in the expected direction


def test_a_higher_deductible_never_lowers_what_the_patient_pays(at: AppTest) -> None:
    before = you_pay(at)
    at.number_input(key="my_costs_deductible").set_value(5000.0).run()
    after = you_pay(at)
    assert at.session_state["deductible"] == 5000.0
    assert all(after[o] >= before[o] - 0.5 for o in before)
    assert any(after[o] > before[o] for o in before)


def test_a_met_deductible_lowers_what_the_patient_pays(at: AppTest) -> None:
    before = you_pay(at)
    at.number_input(key="my_costs_deductible_met").set_value(1500.0).run()
    after = you_pay(at)
    assert all(after[o] <= before[o] + 0.5 for o in before)
    assert any(after[o] < before[o] for o in before)


def test_self_pay_preset_hides_the_plan_and_costs_more_for_surgery(at: AppTest) -> None:
    before = you_pay(at)
    at.selectbox(key="my_costs_preset").set_value("self-pay").run()
    assert not at.exception
    after = you_pay(at)
    surgery = next(o for o in before if o.startswith("Surgery"))
    assert after[surgery] > before[surgery]
    assert "my_costs_deductible" not in [n.key for n in at.number_input]
    assert any("Paying for care yourself" in i.value for i in at.info)


def test_changing_the_preset_resets_the_plan_inputs(at: AppTest) -> None:
    at.number_input(key="my_costs_deductible").set_value(9000.0).run()
    at.selectbox(key="my_costs_preset").set_value("high-deductible").run()
    plan = load_scenario(DATA_DIR / "scenarios" / "high-deductible.json").insurance
    assert plan is not None
    expected = plan.deductible.value
    assert at.number_input(key="my_costs_deductible").value == expected


def test_a_higher_clinic_price_raises_that_option_only(at: AppTest) -> None:
    before = you_pay(at)
    at.selectbox(key="my_costs_override_code").set_value("20561").run()
    at.number_input(key="my_costs_override_price_20561").set_value(150.0).run()
    at.button(key="my_costs_override_apply").click().run()
    assert at.session_state["price_overrides"] == {"20561": 150.0}
    after = you_pay(at)
    needling = next(o for o in before if "needling" in o.lower())
    assert after[needling] > before[needling]
    assert all(after[o] == before[o] for o in before if o != needling)
    at.button(key="my_costs_override_reset").click().run()
    assert you_pay(at) == before


def test_more_miles_raise_the_total_cost_to_the_patient(at: AppTest) -> None:
    def totals() -> list[str]:
        return [m.value for m in at.markdown if "Total cost to you" in m.value]

    before = totals()
    at.number_input(key="my_costs_miles_per_visit").set_value(200.0).run()
    after = totals()
    assert len(after) == len(before) == 4
    assert all(a != b for a, b in zip(after, before, strict=True))


# --------------------------------------------------------------------------------------------
# Dry needling checklist


def test_checklist_warns_only_when_something_is_ticked(at: AppTest) -> None:
    assert not at.warning
    at.checkbox(key="my_costs_check_bleeding").check().run()
    # Twice: on the dry-needling card (so it is seen next to its cost) and under the checklist.
    assert len(at.warning) == 2
    assert all("talk to a clinician" in w.value.lower() and "not a diagnosis" in w.value for w in at.warning)
    assert all("blood thinner" in w.value for w in at.warning)
    at.checkbox(key="my_costs_check_bleeding").uncheck().run()
    assert not at.warning


def test_checklist_answers_are_not_kept_beyond_the_page(at: AppTest) -> None:
    at.checkbox(key="my_costs_check_pregnancy").check().run()
    at.switch_page("app_pages/methods.py").run()
    at.switch_page("app_pages/my_costs.py").run()
    assert not at.checkbox(key="my_costs_check_pregnancy").value
    assert not at.warning


# --------------------------------------------------------------------------------------------
# State across pages


def test_the_plan_survives_a_page_switch(at: AppTest) -> None:
    at.number_input(key="my_costs_coinsurance_pct").set_value(50.0).run()
    surgery_here = max(you_pay(at).values())
    at.switch_page("app_pages/compare.py").run()
    assert max(dollars(m.value) for m in at.metric) == surgery_here
    at.switch_page("app_pages/my_costs.py").run()
    assert at.number_input(key="my_costs_coinsurance_pct").value == 50.0


def test_options_chosen_on_compare_are_used_everywhere(at: AppTest) -> None:
    at.switch_page("app_pages/compare.py").run()
    at.multiselect(key="compare_options").set_value(["medication", "fusion"]).run()
    assert not at.exception
    assert len(at.metric) == 2
    at.switch_page("app_pages/my_costs.py").run()
    assert not at.exception
    assert len(at.metric) == 2


def test_presentation_mode_shows_the_clinic_name_as_plain_text(at: AppTest) -> None:
    at.switch_page("app_pages/compare.py").run()
    at.text_input(key="compare_clinic_name").input("**Riverside** <b>PT</b>").run()
    at.toggle(key="compare_presentation").set_value(True).run()
    assert at.session_state["presentation"] is True
    assert [t.value for t in at.text] == ["**Riverside** <b>PT</b>"]
    assert "compare_clinic_name" not in [t.key for t in at.text_input]
    assert not at.get("download_button")


# --------------------------------------------------------------------------------------------
# Assumptions & sensitivity


def test_assumption_table_marks_unverified_numbers(at: AppTest) -> None:
    at.switch_page("app_pages/assumptions.py").run()
    table = at.dataframe[0].value
    assert {"Flag", "Assumption", "Value", "Low", "High", "Distribution", "Evidence", "Year", "Source"} <= set(
        table.columns
    )
    assert (table["Flag"] == "⚠ assumed/unverified").any()
    at.toggle(key="assumptions_only_flagged").set_value(True).run()
    assert (at.dataframe[0].value["Flag"] == "⚠ assumed/unverified").all()


@pytest.mark.parametrize("analysis", ["tornado", "psa", "break_even", "budget"])
def test_every_analysis_renders(at: AppTest, analysis: str) -> None:
    at.switch_page("app_pages/assumptions.py").run()
    at.segmented_control(key="assumptions_analysis").set_value(analysis).run()
    if analysis == "psa":
        at.button[0].click().run()  # the form's "Run the analysis"
    assert not at.exception
    assert not at.error
    if analysis == "break_even":
        assert at.info and ("cheaper" in at.info[0].value or "same" in at.info[0].value)
    if analysis == "budget":
        assert [m.label for m in at.metric][1] == "Per member per month, year 1"


def test_a_budget_mix_that_does_not_add_up_is_an_error_message(at: AppTest) -> None:
    at.switch_page("app_pages/assumptions.py").run()
    at.segmented_control(key="assumptions_analysis").set_value("budget").run()
    at.number_input(key="assumptions_current_medication").set_value(90.0)
    at.button[0].click().run()  # submit the form
    assert not at.exception
    assert at.error and "add up to 1" in at.error[0].value


# --------------------------------------------------------------------------------------------
# Responsiveness


# --------------------------------------------------------------------------------------------
# Pure helpers of the UI layer


def test_inputs_round_trip_to_the_same_scenario() -> None:
    for name in ("commercial-ppo", "high-deductible", "medicare", "self-pay"):
        base = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
        assert apply_inputs(base, inputs_from_scenario(base)) == base


def test_apply_inputs_returns_a_new_scenario_and_marks_entered_numbers() -> None:
    base = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    inputs = {**inputs_from_scenario(base), "deductible": 2000.0, "copay_therapy": None, "no_oop_max": True}
    changed = apply_inputs(base, inputs, options=["fusion", "nope"], price_overrides={"20561": 80.0})
    assert base.insurance is not None and changed.insurance is not None
    assert base.insurance.deductible.value == 1500
    assert changed.insurance.deductible.value == 2000.0
    assert changed.insurance.deductible.source == ENTERED
    assert "therapy" not in dict(changed.insurance.copays)
    assert changed.insurance.oop_max is None
    assert changed.compare == ("fusion",)
    override = dict(changed.price_overrides)["20561"]
    assert override.value == 80.0 and override.uncertain  # gets the scenario's price spread


def test_markdown_is_escaped() -> None:
    assert widgets.md("$5 *x* [a](b)") == r"\$5 \*x\* \[a\]\(b\)"


def test_chart_csv_is_spreadsheet_safe() -> None:
    import pandas as pd

    data = presentation.frame_csv(pd.DataFrame({"label": ["=cmd()"], "cost": [-5.0]})).decode()
    assert data.splitlines() == ["label,cost", "'=cmd(),-5.0"]


# --------------------------------------------------------------------------------------------
# The handout from My costs: one call for both files, nothing fetched, the checklist carried


def test_the_handout_looks_nothing_up_and_carries_the_checklist(monkeypatch) -> None:
    import socket
    import subprocess

    from calculator import uncertainty
    from ui import handout

    def refuse(*args, **kwargs):
        raise AssertionError(f"the handout tried to reach out: {args!r}")

    # No connection and no browser process (kaleido's Chromium looked up outside hosts).
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    scenario = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    comparison = engine.run_compare(scenario)
    psa = uncertainty.run_psa(scenario, 500, 1)
    question = "I am or may be pregnant"
    built = handout.build_handout(comparison, "0123456789", psa=psa, checklist=[question])
    html = built["html"].decode()
    assert question in html and "clinician" in html
    assert "plotly" not in html.lower() and "<svg" in html
    assert len(built["html"]) < 1_500_000
    assert built["pdf"].startswith(b"%PDF")
    assert "chart_in_pdf" not in built  # no "The PDF has no chart on this server" any more


def test_the_copied_link_keeps_the_changes_and_the_language_but_not_embed() -> None:
    from calculator.share import scenario_from_link
    from ui import links

    presets = engine.shipped_presets()
    preset = presets["commercial-ppo"]
    assert preset.insurance is not None
    changed = apply_inputs(preset, {**inputs_from_scenario(preset), "deductible": 2500.0})
    link = links.view_link(changed, "commercial-ppo", preset, "https://clinic.example/app/")
    assert link.startswith("https://clinic.example/app/?s=") and "embed" not in link
    token = link.split("?s=", 1)[1]
    _, restored = scenario_from_link(token, presets)
    assert restored.insurance is not None and restored.insurance.deductible.value == 2500.0


def test_an_unexpected_error_never_shows_a_traceback_or_its_message() -> None:
    """The project's config (.streamlit/config.toml: client.showErrorDetails = "none"): a bug that
    slips through shows Streamlit's generic sentence, not server paths or a user's values."""

    def broken() -> None:
        raise RuntimeError("a user's value 12345 at /srv/app/calculator/costing.py")

    at = AppTest.from_function(broken)
    at.run()
    assert len(at.exception) == 1
    shown = at.exception[0]
    assert list(shown.stack_trace) == []
    assert "12345" not in shown.message and "/srv/app" not in shown.message
