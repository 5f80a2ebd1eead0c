"""What the analysis views show (``calculator.analysis``), the shared presentation rules
(``calculator.presentation``, ``format_value``) and the display content of ``data/content``;
all without Streamlit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from calculator import analysis, charts, content, formatting, presentation, report, uncertainty
from calculator.budget import budget_impact
from calculator.costing import compare, evaluate, parameters
from calculator.errors import InputError
from calculator.inputs import ENTERED
from calculator.io import DATA_DIR, load_scenario
from calculator.models import EVIDENCE_TAGS, Param


@pytest.fixture(scope="module")
def ppo():
    return load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")


def psa_of(samples: np.ndarray, qaly: np.ndarray | None = None) -> uncertainty.PsaResult:
    """A PSA result with hand-made draws for options ``a`` and ``b`` (same costs for every perspective)."""
    return uncertainty.PsaResult(
        draws=len(samples),
        seed=1,
        options=("a", "b"),
        labels=("A", "B"),
        currency="USD",
        samples=dict.fromkeys(uncertainty.PERSPECTIVES, samples),
        qaly=qaly,
        out_of_pocket={},
    )


# --------------------------------------------------------------------------------------------
# PSA statistics and cost-effectiveness


def test_psa_statistics_are_the_mean_and_percentiles_of_each_option() -> None:
    # a: draws 1..5 → mean 3, median 3, 2.5th percentile 1 + 0.1 × (2 − 1) = 1.1 (linear
    # interpolation at rank 0.025 × 4 = 0.1), 97.5th 4 + 0.9 × 1 = 4.9; b is ten times a.
    samples = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])
    stats = analysis.psa_statistics(psa_of(samples), "patient").set_index("option")
    assert list(stats.index) == ["a", "b"]
    assert stats.loc["a", "mean"] == pytest.approx(3.0)
    assert stats.loc["a", "median"] == pytest.approx(3.0)
    assert stats.loc["a", "p2_5"] == pytest.approx(1.1)
    assert stats.loc["a", "p97_5"] == pytest.approx(4.9)
    assert stats.loc["a", "q1"] == pytest.approx(2.0) and stats.loc["a", "q3"] == pytest.approx(4.0)
    assert stats.loc["b", "mean"] == pytest.approx(30.0)


def test_incremental_cost_effectiveness_against_a_reference() -> None:
    # b against a: ΔQALY 0.1 in both draws, Δcost 1,000 and 20,000. At 50,000 per QALY the net
    # benefit is 5,000 − 1,000 = 4,000 > 0 in draw 1 and 5,000 − 20,000 < 0 in draw 2 → 50%.
    samples = np.array([[0.0, 1_000.0], [0.0, 20_000.0]])
    qaly = np.array([[0.1, 0.2], [0.1, 0.2]])
    ce = analysis.incremental(psa_of(samples, qaly), "allowed", "a", 50_000.0)
    row = ce.frame.set_index("option").loc["b"]
    assert row["mean_delta_qaly"] == pytest.approx(0.1)
    assert row["mean_delta_cost"] == pytest.approx(10_500.0)
    assert row["p_cost_effective"] == pytest.approx(0.5)
    assert list(ce.points) == ["b"]
    np.testing.assert_allclose(ce.points["b"][1], [1_000.0, 20_000.0])


def test_incremental_needs_qalys_and_a_known_reference() -> None:
    samples = np.zeros((2, 2))
    with pytest.raises(InputError, match="QALY"):
        analysis.incremental(psa_of(samples), "patient", "a", 1.0)
    with pytest.raises(InputError, match="one of a, b"):
        analysis.incremental(psa_of(samples, np.zeros((2, 2))), "patient", "zzz", 1.0)


def test_acceptability_frame_has_a_row_per_threshold_and_shares_that_add_up(ppo) -> None:
    result = uncertainty.run_psa(ppo, 400, 3)
    if result.qaly is None:
        pytest.skip("no QALY gains in the shipped pathways")
    frame = analysis.acceptability_frame(result, "allowed")
    assert list(frame["wtp"]) == list(result.wtp)
    np.testing.assert_allclose(frame[list(result.options)].sum(axis=1), 1.0)


# --------------------------------------------------------------------------------------------
# Break-even


def test_break_even_grid_is_every_whole_value_of_a_count() -> None:
    count = parameters_by_unit("count")
    grid = analysis.break_even_grid(count)
    assert grid[0] == np.ceil(count.param.low) and grid[-1] == np.floor(count.param.high)
    assert np.all(np.diff(grid) == 1)


def parameters_by_unit(unit: str):
    scenario = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    return next(p for p in parameters(scenario) if p.unit == unit and p.param.low is not None and p.whole)


def test_break_even_costs_cross_where_the_engine_finds_the_break_even(ppo) -> None:
    params = parameters(ppo)
    target = analysis.default_break_even_parameter(params, ppo.compare[0])
    assert target is not None and target.id.startswith(f"pathway/{ppo.compare[0]}/") and target.unit == "count"
    comparison = compare(ppo)
    a = ppo.compare[0]
    b = analysis.closest_options(comparison, a, "patient")[0]
    frame = analysis.break_even_costs(ppo, target, (a, b), "patient")
    # Each row is the engine's own evaluation with the number at that value.
    value = float(frame["value"].iloc[0])
    direct = evaluate(ppo, {target.id: np.array([value])})
    assert frame[a].iloc[0] == pytest.approx(float(np.asarray(direct[a]["expected"]["patient"]).reshape(-1)[0]))
    found = uncertainty.break_even(ppo, target.id, a, b, "patient")
    if found.value is not None:  # the sign of a − b changes at the engine's break-even
        below = frame[frame["value"] <= found.value]
        above = frame[frame["value"] > found.value]
        if len(below) and len(above):
            assert np.sign(below[a].iloc[0] - below[b].iloc[0]) != np.sign(above[a].iloc[-1] - above[b].iloc[-1])


def test_closest_options_put_the_nearest_cost_first(ppo) -> None:
    comparison = compare(ppo)
    a = ppo.compare[0]
    rest = analysis.closest_options(comparison, a, "patient")
    cost = {o.id: o.expected.patient for o in comparison}
    assert set(rest) == set(ppo.compare) - {a}
    gaps = [abs(cost[o] - cost[a]) for o in rest]
    assert gaps == sorted(gaps)


# --------------------------------------------------------------------------------------------
# Budget impact


def test_illustrative_budget_moves_a_tenth_from_the_dearest_to_the_cheapest(ppo) -> None:
    scenario = replace(ppo, budget=None)
    comparison = compare(scenario)
    inputs = analysis.default_budget_inputs(scenario, comparison)
    n = len(scenario.compare)
    even = round(1 / n, 3)  # four options: 0.25 each
    by_cost = sorted(scenario.compare, key=lambda o: comparison.option(o).expected.insurer)
    proposed = dict(inputs.proposed_mix)
    assert dict(inputs.current_mix) == dict.fromkeys(scenario.compare, even)
    assert proposed[by_cost[-1]] == pytest.approx(even - 0.1)  # 0.25 − 0.1 = 0.15
    assert proposed[by_cost[0]] == pytest.approx(even + 0.1)  # 0.25 + 0.1 = 0.35
    assert (inputs.members, inputs.episodes_per_1000, inputs.years) == (10_000, 50.0, 3)


def test_a_scenario_budget_is_the_default(ppo) -> None:
    inputs = analysis.default_budget_inputs(replace(ppo, budget=None), compare(ppo))
    assert analysis.default_budget_inputs(replace(ppo, budget=inputs), compare(ppo)) is inputs


def test_mix_percent_totals() -> None:
    assert analysis.mix_from_percent({"a": 25.0, "b": 75.0}) == (("a", 0.25), ("b", 0.75))
    # 99.97 is within 0.05 of 100: rescaled to add up to exactly 1.
    assert sum(v for _, v in analysis.mix_from_percent({"a": 33.32, "b": 33.32, "c": 33.33})) == pytest.approx(1.0)
    # 90 is not: passed on as entered, for the engine to report.
    assert analysis.mix_from_percent({"a": 50.0, "b": 40.0}) == (("a", 0.5), ("b", 0.4))


def test_budget_frame_has_a_row_per_year_with_the_difference(ppo) -> None:
    scenario = replace(ppo, budget=None)
    inputs = replace(analysis.default_budget_inputs(scenario, compare(scenario)), years=2)
    result = budget_impact(scenario, inputs)
    frame = analysis.budget_frame(result)
    assert list(frame["year"]) == [1, 2]
    np.testing.assert_allclose(frame["difference"], frame["proposed"] - frame["current"])


# --------------------------------------------------------------------------------------------
# One rule for numbers, one disclaimer, one list of perspectives


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (12.5, "money", "$12.50"),
        (45.0, "money", "$45"),
        (1234.56, "money", "$1,235"),
        (-7.25, "money", "−$7.25"),
        (0.042, "probability", "4.2%"),
        (0.0, "probability", "0%"),
        (0.35, "probability", "35%"),
        (8.0, "count", "8"),
        (None, "money", "–"),
        (float("nan"), "count", "–"),
    ],
)
def test_format_value(value, unit: str, shown: str) -> None:
    assert formatting.format_value(value, unit, "USD") == shown


def test_there_is_one_format_value_one_disclaimer_and_one_list_of_perspectives() -> None:
    assert uncertainty.format_value is formatting.format_value
    assert report.DISCLAIMER is presentation.DISCLAIMER
    assert tuple(presentation.PERSPECTIVES) == uncertainty.PERSPECTIVES
    assert set(presentation.PERSPECTIVE_PHRASES) == set(presentation.PERSPECTIVES)


def test_the_assumption_table_flags_assumed_and_entered_numbers(ppo) -> None:
    params = parameters(ppo)
    first = params[0]
    entered = replace(first, param=Param(first.param.value + 1, source=ENTERED, evidence="V"))
    raw = presentation.assumption_frame([entered, *params[1:]], ENTERED)
    assert bool(raw.loc[0, "unverified"])
    expected = [p.param.unverified for p in params[1:]]
    assert list(raw["unverified"][1:]) == expected
    table = presentation.assumption_table(raw, "USD")
    assert table.loc[0, "Flag"] == presentation.FLAG
    assert isinstance(table, pd.DataFrame) and len(table) == len(params)


# --------------------------------------------------------------------------------------------
# Display content (data/content)


def test_evidence_labels_cover_exactly_the_tags_of_the_file_formats() -> None:
    labels = content.evidence()
    assert dict(labels.labels) == EVIDENCE_TAGS
    assert labels.flagged == {tag for tag in EVIDENCE_TAGS if Param(1.0, evidence=tag).unverified}
    assert labels.describe("V") == "V · read in the cited primary document"
    assert labels.describe("") == "–" and labels.describe("Q") == "Q"


def test_option_colours_come_from_the_content_file_with_a_fallback() -> None:
    palette = content.option_palette()
    assert charts.OPTION_COLORS == dict(palette.colors)
    colors = charts.option_colors(["not-shipped", "medication", "another"])
    assert colors["medication"] == palette.colors["medication"]
    assert [colors["not-shipped"], colors["another"]] == list(palette.fallback[:2])


def test_content_problems_name_the_file_and_field(tmp_path, monkeypatch) -> None:
    (tmp_path / "checklist.toml").write_text('title = "T"\nintro = "I"\nnone_ticked = "N"\nwarning = "no slot"\n')
    (tmp_path / "checklist.toml").write_text(
        (tmp_path / "checklist.toml").read_text() + '[[items]]\nkey = "k"\nquestion = "q"\nkind = "precaution"\n'
    )
    monkeypatch.setattr(content, "CONTENT_DIR", tmp_path)
    content.checklist.cache_clear()
    try:
        with pytest.raises(InputError, match=r"checklist\.toml.*warning.*\{ticked\}"):
            content.checklist()
    finally:
        content.checklist.cache_clear()
