"""Hypothesis properties of version-2 plans (issue 10): version-1 files give the same results,
shares add up for every branch, no start date equals a start early in a plan year, after-tax
cost never exceeds the patient's cost, and the vectorised evaluator agrees draw by draw."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from builders import pathway, plan, price_table, scenario, visit
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.costing import compare, evaluate
from calculator.edit import with_params
from calculator.io import DATA_DIR, load_document, scenario_from_dict
from calculator.models import KindBenefit, Param, TaxAdvantaged

money = st.floats(min_value=0, max_value=3_000, allow_nan=False, allow_infinity=False)
probability = st.floats(min_value=0, max_value=1, allow_nan=False)
kinds = st.sampled_from(["office", "therapy", "inpatient", "specialist"])
codes = ("OFF", "PT", "NEEDLE", "DRUG")
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))
month_days = st.builds(lambda m, d: f"{m:02d}-{d:02d}", st.integers(1, 12), st.integers(1, 28))


@st.composite
def benefit(draw: Any) -> KindBenefit:
    own = draw(st.booleans())
    return KindBenefit(
        copay=draw(st.one_of(st.none(), money.map(Param))),
        coinsurance=draw(st.one_of(st.none(), probability.map(Param))),
        deductible_applies=draw(st.one_of(st.none(), st.booleans())),
        deductible=Param(draw(money)) if own else None,
        deductible_met=Param(draw(money)) if own and draw(st.booleans()) else None,
    )


@st.composite
def v2_plans(draw: Any) -> Any:
    base = plan(
        deductible=draw(money),
        deductible_met=draw(money),
        coinsurance=draw(probability),
        oop_max=draw(st.one_of(st.none(), money)),
        oop_met=draw(money),
        uncovered=draw(st.lists(st.sampled_from(codes), max_size=1)),
        visit_limits=draw(st.dictionaries(kinds, st.integers(0, 8), max_size=2)),
    )
    tax = None
    if draw(st.booleans()):
        tax = TaxAdvantaged(Param(draw(money)), Param(draw(probability)))
    return replace(
        base,
        benefits=tuple(draw(st.dictionaries(kinds, benefit(), max_size=3)).items()),
        visits_used=tuple(draw(st.dictionaries(kinds, st.integers(0, 10), max_size=2)).items()),
        plan_year_start=draw(month_days),
        tax_advantaged=tax,
    )


@st.composite
def chains(draw: Any, max_weeks: float = 40.0) -> Any:
    n = draw(st.integers(1, 3))
    ids = [f"p{i}" for i in range(n)]
    out = []
    for i, pid in enumerate(ids):
        groups = [
            visit(
                f"v{g}",
                draw(kinds),
                draw(st.integers(0, 10)),
                draw(st.dictionaries(st.sampled_from(codes), st.floats(0.5, 3), min_size=1, max_size=2)),
            )
            for g in range(draw(st.integers(1, 3)))
        ]
        out.append(
            pathway(
                pid,
                groups,
                response=draw(probability),
                on_failure=ids[i + 1] if i + 1 < n else None,
                weeks=draw(st.floats(0, max_weeks / 3)),
            )
        )
    return out


@st.composite
def prices(draw: Any) -> Any:
    categories = ("visit", "therapy", "therapy", "drug")
    return {code: (cat, draw(money), draw(money)) for code, cat in zip(codes, categories, strict=True)}


@st.composite
def dated_scenarios(draw: Any) -> Any:
    s = scenario(draw(chains()), draw(v2_plans()), prices=price_table(draw(prices())))
    return replace(s, episode_start=draw(st.one_of(st.none(), days)))


def all_costs(result: Any) -> Any:
    for option in result:
        yield option.expected
        yield option.first_line
        for branch in option.branches:
            yield branch.costs


@settings(max_examples=150, deadline=None)
@given(dated_scenarios())
def test_patient_and_plan_add_up_to_the_allowed_amount_in_every_branch(s: Any) -> None:
    for costs in all_costs(compare(s)):
        assert costs.allowed == pytest.approx(costs.insurer + costs.patient, rel=1e-9, abs=1e-6)
        assert costs.patient >= -1e-9 and costs.insurer >= -1e-6


@settings(max_examples=150, deadline=None)
@given(dated_scenarios())
def test_after_tax_never_exceeds_the_patient_cost(s: Any) -> None:
    for costs in all_costs(compare(s)):
        if costs.patient_after_tax is not None:
            assert -1e-9 <= costs.patient_after_tax <= costs.patient + 1e-9


@settings(max_examples=100, deadline=None)
@given(dated_scenarios(), st.integers(0, 6))
def test_no_start_date_equals_a_start_early_in_the_plan_year(s: Any, offset: int) -> None:
    # Episodes here last under a year (at most 40 weeks): starting on the plan year's first days,
    # no plan year ends inside them, as without a start date (SPEC §4.2b).
    month, day = (int(x) for x in s.insurance.plan_year_start.split("-"))
    early = date(2026, month, day) + timedelta(days=offset)
    undated = replace(s, episode_start=None)
    assert compare(replace(s, episode_start=early)).to_dict()["options"] == compare(undated).to_dict()["options"]


V1_KEYS = {
    "copays": st.dictionaries(st.sampled_from(["office", "specialist", "therapy", "pharmacy"]), money, max_size=3)
}


@settings(max_examples=25, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "deductible": money,
            "deductible_met": money,
            "coinsurance": probability,
            "oop_max": st.one_of(st.none(), money),
            "oop_met": money,
            **V1_KEYS,
        }
    )
)
def test_version_1_documents_give_identical_results_under_version_2(insurance: dict[str, Any]) -> None:
    raw = load_document(DATA_DIR / "scenarios" / "commercial-ppo.json")
    raw.pop("psa", None)
    raw["insurance"].update(insurance)
    v1 = copy.deepcopy(raw)
    v1["schema_version"] = 1
    v2 = copy.deepcopy(raw)
    v2["schema_version"] = 2
    copays = v2["insurance"].pop("copays")
    v2["insurance"]["benefits"] = {kind: {"copay": amount} for kind, amount in copays.items()}
    v2["region"] = "national"
    one = compare(scenario_from_dict(v1, "v1.json")).to_dict()["options"]
    two = compare(scenario_from_dict(v2, "v2.json")).to_dict()["options"]
    assert one == two


@settings(max_examples=40, deadline=None)
@given(dated_scenarios(), st.lists(st.tuples(money, st.floats(0, 13), st.integers(0, 10)), min_size=2, max_size=4))
def test_the_vectorised_evaluator_agrees_with_each_draw(s: Any, values: list[tuple[float, float, int]]) -> None:
    # Deductible, the first pathway's weeks and its first visit count drawn together: each
    # draw's result is the deterministic result of the scenario with those numbers.
    first = s.pathways.pathways[0].id
    ids = ("insurance/deductible", f"pathway/{first}/weeks", f"pathway/{first}/visit/0/count")
    draws = {pid: np.array([float(v[i]) for v in values]) for i, pid in enumerate(ids)}
    drawn = evaluate(s, draws)
    for j, v in enumerate(values):
        single = compare(with_params(s, {pid: Param(float(v[i])) for i, pid in enumerate(ids)}))
        for option in single:
            for field in ("patient", "insurer", "allowed"):
                got = np.broadcast_to(drawn[option.id]["expected"][field], (len(values),))[j]
                assert got == pytest.approx(getattr(option.expected, field), rel=1e-9, abs=1e-6)
            if option.expected.patient_after_tax is not None:
                got = np.broadcast_to(drawn[option.id]["expected"]["patient_after_tax"], (len(values),))[j]
                assert got == pytest.approx(option.expected.patient_after_tax, rel=1e-9, abs=1e-6)
