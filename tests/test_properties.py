"""Hypothesis properties of the cost engine (shares add up, caps hold, monotone in prices)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from builders import pathway, plan, price_table, scenario, visit
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.cost_sharing import Benefit, Number, cost_share
from calculator.costing import compare

money = st.floats(min_value=0, max_value=5_000, allow_nan=False, allow_infinity=False)
probability = st.floats(min_value=0, max_value=1, allow_nan=False)
kinds = st.sampled_from(["office", "therapy", "pharmacy", "specialist"])
codes = ("OFF", "PT", "NEEDLE", "DRUG")


@st.composite
def prices(draw):
    categories = ("visit", "therapy", "therapy", "drug")
    return {code: (cat, draw(money), draw(money)) for code, cat in zip(codes, categories, strict=True)}


@st.composite
def visits(draw):
    items = draw(st.dictionaries(st.sampled_from(codes), st.floats(0, 5, allow_nan=False), min_size=1, max_size=3))
    return visit(
        "v", draw(kinds), draw(st.integers(0, 12)), items, hours=draw(st.floats(0, 3)), travel=draw(st.booleans())
    )


@st.composite
def chains(draw):
    """Two or three pathways, each escalating to the next."""
    n = draw(st.integers(2, 3))
    ids = [f"p{i}" for i in range(n)]
    return [
        pathway(
            pid,
            draw(st.lists(visits(), min_size=1, max_size=3)),
            response=draw(probability),
            on_failure=ids[i + 1] if i + 1 < n else None,
            escalation=draw(probability),
            work_days=draw(st.floats(0, 30)),
            adverse=[("ae", draw(probability), draw(money))],
        )
        for i, pid in enumerate(ids)
    ]


@st.composite
def plans(draw, uncovered=True, limits=True):
    deductible = draw(money)
    oop_max = draw(st.one_of(st.none(), money))
    return plan(
        deductible=deductible,
        deductible_met=draw(st.floats(0, 6_000)),
        coinsurance=draw(probability),
        oop_max=oop_max,
        oop_met=draw(st.floats(0, 6_000)),
        copays=draw(st.dictionaries(kinds, money, max_size=2)),
        uncovered=draw(st.lists(st.sampled_from(codes), max_size=2, unique=True)) if uncovered else (),
        visit_limits=draw(st.dictionaries(kinds, st.integers(0, 10), max_size=2)) if limits else None,
    )


@st.composite
def scenarios(draw, uncovered=True, limits=True, insured=None):
    has_plan = draw(st.booleans()) if insured is None else insured
    insurance = draw(plans(uncovered, limits)) if has_plan else None
    return scenario(draw(chains()), insurance, prices=price_table(draw(prices())))


def all_costs(result):
    for option in result:
        yield option.expected
        yield option.first_line
        for branch in option.branches:
            yield branch.costs


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_allowed_is_what_insurer_and_patient_pay_together(s):
    for costs in all_costs(compare(s)):
        assert costs.allowed == pytest.approx(costs.insurer + costs.patient, rel=1e-9, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_costs_are_never_negative(s):
    for costs in all_costs(compare(s)):
        for value in costs.as_dict().values():
            assert value >= -1e-9


@settings(max_examples=150, deadline=None)
@given(scenarios(uncovered=False, limits=False, insured=True))
def test_patient_never_pays_more_than_the_out_of_pocket_room(s):
    room = s.insurance.oop_max
    if room is None:
        return
    room = max(room.value - s.insurance.oop_met.value, 0.0)
    for option in compare(s):
        for branch in option.branches:
            assert branch.costs.patient <= room + 1e-6


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_branch_probabilities_sum_to_one(s):
    for option in compare(s):
        assert sum(b.probability for b in option.branches) == pytest.approx(1.0)
        assert 0 <= option.p_response <= 1 + 1e-12


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.sampled_from(codes), st.floats(1, 500))
def test_raising_a_price_never_lowers_allowed_or_patient_costs(s, code, increase):
    table = s.prices
    rows = tuple(
        dataclasses.replace(row, prices=tuple(x + increase for x in row.prices)) if row.code == code else row
        for row in table.rows
    )
    dearer = dataclasses.replace(s, prices=dataclasses.replace(table, rows=rows))
    for before, after in zip(compare(s), compare(dearer), strict=True):
        assert after.expected.allowed >= before.expected.allowed - 1e-6
        assert after.expected.patient >= before.expected.patient - 1e-6


@settings(max_examples=100, deadline=None)
@given(scenarios(insured=False))
def test_doubling_every_price_doubles_allowed_when_self_pay(s):
    table = s.prices
    rows = tuple(dataclasses.replace(row, prices=tuple(2 * x for x in row.prices)) for row in table.rows)
    doubled = dataclasses.replace(s, prices=dataclasses.replace(table, rows=rows))
    for before, after in zip(compare(s), compare(doubled), strict=True):
        assert after.expected.allowed == pytest.approx(2 * before.expected.allowed)
        assert after.expected.patient == pytest.approx(2 * before.expected.patient)


@settings(max_examples=150, deadline=None)
@given(scenarios(insured=True))
def test_a_group_of_visits_costs_the_same_as_the_visits_one_by_one(s):
    """The closed form for ``count`` identical visits equals SPEC §4.2's claim-by-claim rule."""

    def one_by_one(pw):
        singles = []
        for v in pw.visits:
            singles += [dataclasses.replace(v, count=dataclasses.replace(v.count, value=1.0))] * int(v.count.value)
        return dataclasses.replace(pw, visits=tuple(singles))

    expanded = dataclasses.replace(
        s, pathways=dataclasses.replace(s.pathways, pathways=tuple(one_by_one(pw) for pw in s.pathways.pathways))
    )
    for grouped, single in zip(compare(s), compare(expanded), strict=True):
        for a, b in zip(all_costs_of(grouped), all_costs_of(single), strict=True):
            assert a.as_dict() == pytest.approx(b.as_dict(), rel=1e-9, abs=1e-6)


def all_costs_of(option):
    yield option.expected
    yield option.first_line
    for branch in option.branches:
        yield branch.costs


benefits = st.builds(
    Benefit,
    st.none() | money,
    st.none() | probability,
    st.none() | st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    money,
    st.integers(0, 12),
    money,
    money,
    st.booleans(),
    money,
    probability,
    benefits,
)
def test_cost_share_of_a_group_equals_its_visits_one_by_one(covered, n, uncovered, ded, capped, room, rate, benefit):
    """SPEC §4.2 claim by claim, whatever the benefit (copay, coinsurance, deductible or not)."""
    oop = room if capped else np.inf
    grouped = cost_share(
        covered, visits=n, uncovered=n * uncovered, ded_left=ded, oop_left=oop, coinsurance=rate, benefit=benefit
    )
    patient: Number = 0.0
    insurer: Number = 0.0
    for _ in range(n):
        one = cost_share(covered, uncovered=uncovered, ded_left=ded, oop_left=oop, coinsurance=rate, benefit=benefit)
        patient, insurer, ded, oop = patient + one.patient, insurer + one.insurer, one.ded_left, one.oop_left
    expected = (patient, insurer, ded, oop)
    assert [float(x) for x in grouped] == pytest.approx([float(x) for x in expected], rel=1e-9, abs=1e-6)
    # Shares add up and are never negative.
    assert float(grouped.patient) >= n * uncovered - 1e-9 and float(grouped.insurer) >= -1e-9
