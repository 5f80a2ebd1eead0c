"""SPEC §4.1 multiple procedure payment reduction: deterministic, PSA and one-way, hand-worked."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from builders import pathway, plan, scenario, visit
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.costing import _Evaluator, compare, evaluate
from calculator.models import PriceRow, PriceTable
from calculator.uncertainty import one_way


def table(rows: Mapping[str, tuple[float, float, float | None, float | None]]) -> PriceTable:
    """code: (medicare, self_pay, mppr_medicare, mppr_self_pay)."""
    return PriceTable(
        schedules=("medicare", "self_pay"),
        rows=tuple(
            PriceRow(code, code, "therapy", "unit", (med, cash), "test", "2025", mppr=(m_med, m_cash))
            for code, (med, cash, m_med, m_cash) in rows.items()
        ),
    )


# National 2025 amounts of data/prices/us-2025.csv: 97110 28.79 (mppr 6.95), 97140 27.17 (6.47).
US = table(
    {"97110": (28.79, 33.97, 6.95, None), "97140": (27.17, 32.06, 6.47, None), "99213": (88.95, 115.0, None, None)}
)


def one_visit(items: dict[str, float], insurance=None, prices: PriceTable = US):
    pw = pathway("pt", [visit("PT visit", "therapy", 1, items)])
    return scenario([pw], insurance, schedule="medicare", prices=prices)


def allowed(s) -> float:
    return compare(s).option("pt").expected.allowed


def test_two_exercise_units_and_manual_therapy_cost_71_33_nationally():
    # Full: 2 x 28.79 + 27.17 = 84.75. Amounts: 2 x 6.95 + 6.47 = 20.37, less the largest (6.95)
    # paid in full = 13.42. 84.75 - 13.42 = 71.33.
    assert allowed(one_visit({"97110": 2, "97140": 1})) == pytest.approx(71.33, abs=1e-9)


def test_one_therapy_unit_is_not_reduced():
    assert allowed(one_visit({"97110": 1})) == pytest.approx(28.79)
    # With an office visit (no amount) next to it: still nothing to reduce.
    assert allowed(one_visit({"97110": 1, "99213": 1})) == pytest.approx(28.79 + 88.95)


def test_the_largest_amount_is_paid_in_full_and_ties_go_to_the_first_item():
    prices = table({"A": (30.0, 30.0, 10.0, None), "B": (40.0, 40.0, 5.0, None), "C": (20.0, 20.0, 10.0, None)})
    # A is paid in full once (largest amount, first of the tie with C); B and C are reduced:
    # 30 + (40 - 5) + (20 - 10) = 75.
    s = one_visit({"A": 1, "B": 1, "C": 1}, prices=prices)
    assert allowed(s) == pytest.approx(75.0)
    ev = _Evaluator(s, None, detail=False)
    assert ev.reductions([1.0, 1.0, 1.0], [30.0, 40.0, 20.0], [1 / 3, 1 / 8, 0.5]) == pytest.approx([0.0, 5.0, 10.0])


def test_uncovered_items_keep_their_own_schedule_and_their_own_reduction():
    # 97140 uncovered, priced at self_pay where the table has no self_pay amount: it is not
    # reduced, and the covered 97110 units are the only ones taking part:
    # covered 2 x 28.79 - 6.95 = 50.63; uncovered 32.06 at full price.
    s = one_visit({"97110": 2, "97140": 1}, plan(coinsurance=0.2, uncovered=["97140"]))
    result = compare(s).option("pt").expected
    assert result.allowed == pytest.approx(50.63 + 32.06)
    assert result.patient == pytest.approx(0.2 * 50.63 + 32.06)


def test_reduction_lowers_the_uncovered_item_it_belongs_to():
    prices = table({"97110": (28.79, 33.97, 6.95, 8.0), "97140": (27.17, 32.06, 6.47, 7.5)})
    # Covered 97110 x 2 at medicare (amount 6.95), uncovered 97140 at self_pay (amount 7.5, the
    # largest, paid in full). Reductions: 97110 2 x 6.95 = 13.90, 97140 none.
    s = one_visit({"97110": 2, "97140": 1}, plan(coinsurance=0.0, uncovered=["97140"]), prices=prices)
    result = compare(s).option("pt").expected
    assert result.patient == pytest.approx(32.06)
    assert result.insurer == pytest.approx(2 * 28.79 - 13.90)


def test_psa_reduction_keeps_its_share_of_the_drawn_price():
    s = one_visit({"97110": 2, "97140": 1})
    draws = {"price/medicare/97110": np.array([28.79, 57.58]), "price/medicare/97140": np.array([27.17, 27.17])}
    out = evaluate(s, draws)["pt"]["expected"]["allowed"]
    # Draw 2 doubles 97110, so its amount doubles to 13.90 and becomes the largest:
    # one 97110 unit is paid in full, the other loses 13.90 and 97140 loses 6.47:
    # 4 x 28.79 + 27.17 - (13.90 + 6.47) = 121.96.
    assert out == pytest.approx([71.33, 121.96])


def test_one_way_moves_the_reduction_with_the_price():
    pw = pathway("pt", [visit("PT visit", "therapy", 1, {"97110": 2, "97140": 1})])
    s = scenario([pw], schedule="medicare", prices=US, price_spread=0.25)
    row = next(r for r in one_way(s).rows if r["id"] == "price/medicare/97110")
    low, high = row["results"]["allowed"]["pt"]
    # Low: 97110 at 0.75 x 28.79 = 21.5925 with amount 0.75 x 6.95 = 5.2125; 97140's 6.47 is now
    # the largest: 2 x 21.5925 + 27.17 - 2 x 5.2125 = 59.93.
    assert low == pytest.approx(59.93)
    # High: 35.9875 with amount 8.6875 (largest): 71.975 + 27.17 - (8.6875 + 6.47) = 83.9875.
    assert high == pytest.approx(83.9875)


units = st.integers(min_value=0, max_value=4)
money = st.floats(min_value=0.0, max_value=500.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(units, money, st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0))), min_size=1, max_size=5
    )
)
def test_reduction_never_makes_a_visit_cheaper_than_its_most_expensive_unit(items):
    """Property: a reduced visit costs at least its most expensive unit at full price, and no
    more than the visit without reduction."""
    rows = {
        f"C{i}": (price, price, None if share is None else share * price, None)
        for i, (_, price, share) in enumerate(items)
    }
    s = one_visit({f"C{i}": n for i, (n, _, _) in enumerate(items)}, prices=table(rows))
    total = allowed(s)
    full = sum(n * price for n, price, _ in items)
    dearest = max((price for n, price, _ in items if n > 0), default=0.0)
    assert dearest - 1e-9 <= total <= full + 1e-9


def test_scaling_every_price_scales_the_reduced_visit():
    # Every price x 1.1 in a draw: each amount keeps its share, so the visit is 1.1 x 71.33.
    s = one_visit({"97110": 2, "97140": 1})
    draws = {"price/medicare/97110": np.array([28.79 * 1.1]), "price/medicare/97140": np.array([27.17 * 1.1])}
    assert evaluate(s, draws)["pt"]["expected"]["allowed"] == pytest.approx([1.1 * 71.33])


def test_psa_of_a_shipped_medicare_scenario_runs_with_the_reduction():
    from calculator.io import DATA_DIR, load_scenario
    from calculator.uncertainty import run_psa

    scenario = load_scenario(DATA_DIR / "scenarios" / "medicare.json")
    psa = run_psa(scenario, draws=400, seed=3)
    mean = psa.to_dict()["options"]["physical_therapy"]["allowed"]["mean"]
    base = compare(scenario).option("physical_therapy").expected.allowed
    assert mean == pytest.approx(base, rel=0.05)
