"""The Assumptions page's analyses run when asked (issue 13) and accept what the loader accepts
(issue 12).

Each analysis keeps its last results with the inputs they were computed for
(``ui.analyses.stored``); a change of inputs leaves them on screen marked stale, with an Update
button; Update recomputes. A control of one analysis never recomputes another
(``ui.engine.COMPUTED`` counts the engine's runs, and the other analyses' stored results stay the
very same objects). Widget bounds are the loader's constants, and scenarios with the loader's
extreme valid values render.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from calculator.budget import MAX_EPISODES_PER_1000, MAX_GROWTH, MAX_MEMBERS, MAX_YEARS, budget_inputs_from_dict
from calculator.errors import InputError
from calculator.io import DATA_DIR, MAX_DRAWS, MAX_SEED, load_scenario, scenario_from_bytes
from calculator.models import Scenario
from calculator.serialize import scenario_to_json
from calculator.uncertainty import run_psa
from ui import analyses, engine

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE = "app_pages/assumptions.py"
ANALYSES = ["tornado", "psa", "break_even", "budget"]
STALE = "These results are for earlier inputs"


def assumptions(analysis: str = "tornado") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    at.segmented_control(key="assumptions_analysis").set_value(analysis).run()
    assert not at.exception
    return at


def stored(at: AppTest, name: str) -> analyses.Snapshot:
    return at.session_state[analyses.RESULTS_KEY][name]


def stale(at: AppTest) -> bool:
    return any(STALE in w.value for w in at.warning)


def shown(at: AppTest) -> list[str]:
    """The analysis's own numbers on screen: metrics, the break-even sentence, the tornado's base
    case and the PSA's draws (not the page's captions, which follow the current inputs)."""
    # Captions are escaped for Markdown (``md``): compare them without the backslashes.
    texts = [c.value.replace("\\", "") for c in at.caption]
    captions = [t for t in texts if "Base case" in t or "draws, seed" in t]
    return [m.value for m in at.metric] + [i.value for i in at.info] + captions


@pytest.mark.parametrize("name", ANALYSES)
def test_the_first_visit_computes_once_by_itself(name: str) -> None:
    at = assumptions(name)
    snapshot = stored(at, name)
    assert snapshot.inputs.input_hash == engine.key_of(at.session_state["rerun_context"].scenario)
    assert not stale(at) and not at.error
    if name == "psa":  # a quick first look: at most FIRST_LOOK_DRAWS draws
        assert snapshot.request[0] == min(10_000, analyses.FIRST_LOOK_DRAWS)


@pytest.mark.parametrize("name", ANALYSES)
def test_a_changed_input_keeps_the_old_results_marked_stale_until_update(name: str) -> None:
    at = assumptions(name)
    before = stored(at, name)
    numbers = shown(at)
    assert numbers
    plan = before.inputs.scenario.insurance
    assert plan is not None
    at.session_state["deductible"] = plan.deductible.value + 1000  # another input hash
    at.run()
    assert stored(at, name) is before  # kept, not recomputed
    assert stale(at)
    assert shown(at) == numbers  # the old numbers, still on screen
    at.button(key=f"assumptions_{name}_update").click().run()
    after = stored(at, name)
    assert after is not before
    assert after.inputs.input_hash != before.inputs.input_hash
    assert after.inputs.input_hash == engine.key_of(at.session_state["rerun_context"].scenario)
    assert not stale(at) and not at.exception
    if name == "psa":  # Update keeps the draws and seed of the last run
        assert after.request == before.request


def test_stale_budget_numbers_are_the_old_ones_and_update_moves_them() -> None:
    # A higher deductible moves costs from the plan to the members: the members' change moves.
    at = assumptions("budget")
    old = [m.value for m in at.metric]
    at.session_state["deductible"] = 6000.0
    at.run()
    assert [m.value for m in at.metric] == old and stale(at)
    at.button(key="assumptions_budget_update").click().run()
    assert [m.value for m in at.metric] != old and not stale(at)


def test_running_the_psa_form_computes_with_the_chosen_draws_and_seed() -> None:
    at = assumptions("psa")
    at.number_input(key="assumptions_psa_draws").set_value(3_000)
    at.number_input(key="assumptions_psa_seed").set_value(7)
    at.button[0].click().run()  # the form's "Run the analysis" (no Update button: nothing is stale)
    assert stored(at, "psa").request == (3_000, 7, "random")
    assert any("3,000 draws, seed 7" in c.value.replace("\\", "") for c in at.caption)


def test_a_control_of_one_analysis_recomputes_nothing_else() -> None:
    at = assumptions("psa")
    for name in ("break_even", "budget", "tornado"):
        at.segmented_control(key="assumptions_analysis").set_value(name).run()
    results = dict(at.session_state[analyses.RESULTS_KEY])
    figures = engine.COMPUTED["figure"]
    computed = {name: n for name, n in engine.COMPUTED.items() if name != "figure"}
    at.selectbox(key="assumptions_tornado_option").set_value(list(at.session_state["options"])[1]).run()
    at.slider(key="assumptions_tornado_top").set_value(6).run()
    at.selectbox(key="assumptions_perspective").set_value("insurer").run()
    assert not at.exception
    # No engine run at all (the tornado's numbers are stored), only the tornado's new figures.
    assert {name: n for name, n in engine.COMPUTED.items() if name != "figure"} == computed
    assert engine.COMPUTED["figure"] > figures
    now = at.session_state[analyses.RESULTS_KEY]
    assert all(now[name] is results[name] for name in ANALYSES)


# --------------------------------------------------------------------------------------------
# The widgets accept what the loader accepts


def test_widget_bounds_are_the_loaders() -> None:
    at = assumptions("psa")
    draws, seed = at.number_input(key="assumptions_psa_draws"), at.number_input(key="assumptions_psa_seed")
    assert (draws.min, draws.max) == (1, MAX_DRAWS)  # the engine's minimum (0 in a file means "not set")
    assert seed.min == 0 and seed.max == min(MAX_SEED, 2**53 - 1)  # a browser's box holds up to 2^53 - 1
    at.segmented_control(key="assumptions_analysis").set_value("budget").run()
    members, rate = at.number_input(key="assumptions_members"), at.number_input(key="assumptions_rate")
    years, growth = at.number_input(key="assumptions_years"), at.number_input(key="assumptions_growth")
    assert (members.min, members.max) == (1, MAX_MEMBERS)
    assert (rate.min, rate.max) == (0, MAX_EPISODES_PER_1000)
    assert (years.min, years.max) == (1, MAX_YEARS)
    assert growth.max == MAX_GROWTH * 100
    # ...and they are the loader's: its largest values pass, one more fails.
    mix = {"dry_needling": 1.0}
    budget_inputs_from_dict(
        {"members": MAX_MEMBERS, "episodes_per_1000": MAX_EPISODES_PER_1000, "current_mix": mix, "proposed_mix": mix},
        ("dry_needling",),
    )
    with pytest.raises(InputError):
        budget_inputs_from_dict(
            {"members": MAX_MEMBERS + 1, "episodes_per_1000": 1, "current_mix": mix, "proposed_mix": mix},
            ("dry_needling",),
        )
    base = json.loads(scenario_to_json(load_scenario_base()))
    scenario_from_bytes(json.dumps({**base, "psa": {"draws": MAX_DRAWS, "seed": MAX_SEED}}).encode(), "edge.json")
    for psa in ({"draws": MAX_DRAWS + 1}, {"draws": 10, "seed": MAX_SEED + 1}):
        with pytest.raises(InputError):
            scenario_from_bytes(json.dumps({**base, "psa": psa}).encode(), "edge.json")


def load_scenario_base() -> Scenario:
    return load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")


EDGE_CASES: dict[str, dict[str, Any]] = {
    "a million draws": {"psa": {"draws": 1_000_000, "seed": 1}},
    "50 draws": {"psa": {"draws": 50, "seed": 1}},
    "seed 2^40": {"psa": {"draws": 500, "seed": 2**40}},
    "seed beyond a browser's box": {"psa": {"draws": 500, "seed": 2**60}},
    "5×10^8 members": {"budget": "members"},
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_a_scenario_with_the_loaders_extreme_valid_values_renders(case: str) -> None:
    data = json.loads(scenario_to_json(load_scenario_base()))
    change = EDGE_CASES[case]
    if "psa" in change:
        data["psa"] = change["psa"]
    else:
        ids = data["compare"]
        even = {o: 1 / len(ids) for o in ids}
        data["budget"] = {"members": 500_000_000, "episodes_per_1000": 50, "current_mix": even, "proposed_mix": even}
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.file_uploader(key="sidebar_scenario_file").set_value(("edge.json", json.dumps(data).encode(), "x"))
    at.run()
    at.button(key="sidebar_load_scenario").click().run()
    assert not at.exception and at.session_state["loaded"] is not None
    at.switch_page(PAGE).run()
    for name in ANALYSES:
        at.segmented_control(key="assumptions_analysis").set_value(name).run()
        assert not at.exception, (case, name, at.exception)
        assert not at.error, (case, name)
    at.segmented_control(key="assumptions_analysis").set_value("psa").run()
    scenario = at.session_state["loaded"]
    draws = int(at.number_input(key="assumptions_psa_draws").value or 0)
    assert draws == scenario.psa.draws  # the scenario's own draws, whatever the loader allowed
    if scenario.psa.seed > 2**53 - 1:
        assert at.number_input(key="assumptions_psa_seed").value == 2**53 - 1
        assert any("larger than this page's box can hold" in c.value.replace("\\", "") for c in at.caption)
    else:
        assert at.number_input(key="assumptions_psa_seed").value == scenario.psa.seed
    assert stored(at, "psa").request[0] == min(draws, analyses.FIRST_LOOK_DRAWS)  # the quick first look
    if case == "5×10^8 members":
        at.segmented_control(key="assumptions_analysis").set_value("budget").run()
        assert at.number_input(key="assumptions_members").value == 500_000_000


def test_the_psa_runs_at_the_widgets_smallest_draws() -> None:
    assert run_psa(load_scenario_base(), analyses.MIN_DRAWS, seed=0).options


def workbook_caption(at: AppTest) -> str:
    return next(c.value.replace("\\", "") for c in at.caption if c.value.startswith("Summary for every option"))


def test_the_results_workbook_includes_only_the_analyses_run_for_these_inputs() -> None:
    at = assumptions("tornado")
    buttons = {e.proto.label: e.proto for e in at.get("download_button")}
    for label in ("Download the results workbook (XLSX)", "Download all results (JSON)"):
        assert buttons[label].deferred_file_id  # built when pressed, not on every rerun
    assert "computed for these inputs: one-way sensitivity." in workbook_caption(at)
    at.segmented_control(key="assumptions_analysis").set_value("psa").run()
    assert "one-way sensitivity; probabilistic analysis and acceptability curve." in workbook_caption(at)
    at.session_state["deductible"] = 4321.0  # both results are now for earlier inputs: left out
    at.run()
    assert "Run an analysis above to include its results too." in workbook_caption(at)
    at.button(key="assumptions_psa_update").click().run()
    assert "computed for these inputs: probabilistic analysis and acceptability curve." in workbook_caption(at)


def test_the_psa_form_can_ask_for_sobol_points() -> None:
    at = assumptions("psa")
    at.number_input(key="assumptions_psa_draws").set_value(1_024)
    at.toggle(key="assumptions_psa_sobol").set_value(True)
    seed = at.number_input(key="assumptions_psa_seed").value
    at.button[0].click().run()
    snapshot = stored(at, "psa")
    assert snapshot.request == (1_024, seed, "sobol") and snapshot.result.sampling == "sobol"
    assert any(f"1,024 quasi-random (Sobol') draws, seed {seed}." in c.value.replace("\\", "") for c in at.caption)
