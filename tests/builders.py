"""Build small scenarios directly from the frozen models, for hand-worked examples.

Going through the models (not the JSON loader) keeps each example to the numbers that matter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from calculator.models import (
    AdverseEvent,
    Indirect,
    InsurancePlan,
    Item,
    Param,
    Pathway,
    PathwaySet,
    PriceRow,
    PriceTable,
    Scenario,
    Visit,
)

DEFAULT_PRICES = {
    # code: (category, commercial, self_pay)
    "OFF": ("visit", 100.0, 150.0),
    "PT": ("therapy", 200.0, 120.0),
    "NEEDLE": ("therapy", 50.0, 80.0),
    "DRUG": ("drug", 2.0, 1.0),
}


def p(value: float) -> Param:
    return Param(float(value))


def price_table(prices: Mapping[str, tuple[str, float, float]] = DEFAULT_PRICES) -> PriceTable:
    rows = tuple(
        PriceRow(code, f"item {code}", category, "each", (float(commercial), float(cash)), "test", "2025")
        for code, (category, commercial, cash) in prices.items()
    )
    return PriceTable(schedules=("commercial", "self_pay"), rows=rows, currency="USD", label="test")


def visit(name: str, kind: str, count: float, items: Mapping[str, float], hours: float = 0.0, travel: bool = True):
    return Visit(
        name=name,
        kind=kind,
        count=p(count),
        items=tuple(Item(code, p(units)) for code, units in items.items()),
        hours=p(hours),
        travel=travel,
    )


def pathway(
    pathway_id: str,
    visits: Sequence[Visit],
    response: float = 1.0,
    on_failure: str | None = None,
    escalation: float = 1.0,
    work_days: float = 0.0,
    adverse: Sequence[tuple[str, float, float]] = (),
    weeks: float = 4.0,
    qaly: float | None = None,
) -> Pathway:
    return Pathway(
        id=pathway_id,
        label=pathway_id.replace("_", " ").title(),
        visits=tuple(visits),
        response_probability=p(response),
        on_failure=on_failure,
        escalation_probability=p(escalation),
        work_days_lost=p(work_days),
        adverse_events=tuple(AdverseEvent(n, p(prob), p(cost)) for n, prob, cost in adverse),
        weeks=p(weeks),
        qaly_gain=None if qaly is None else p(qaly),
    )


def plan(
    deductible: float = 0.0,
    deductible_met: float = 0.0,
    coinsurance: float = 0.0,
    oop_max: float | None = None,
    oop_met: float = 0.0,
    copays: Mapping[str, float] | None = None,
    uncovered: Sequence[str] = (),
    visit_limits: Mapping[str, int] | None = None,
) -> InsurancePlan:
    return InsurancePlan(
        deductible=p(deductible),
        deductible_met=p(deductible_met),
        coinsurance=p(coinsurance),
        oop_max=None if oop_max is None else p(oop_max),
        oop_met=p(oop_met),
        copays=tuple((k, p(v)) for k, v in (copays or {}).items()),
        uncovered_codes=tuple(uncovered),
        visit_limits=tuple((visit_limits or {}).items()),
    )


def scenario(
    pathways: Sequence[Pathway],
    insurance: InsurancePlan | None = None,
    *,
    schedule: str = "commercial",
    compare: Sequence[str] | None = None,
    prices: PriceTable | None = None,
    indirect: Indirect | None = None,
    overrides: Mapping[str, Param] | None = None,
    price_spread: float = 0.0,
) -> Scenario:
    return Scenario(
        prices=prices or price_table(),
        schedule=schedule,
        pathways=PathwaySet(tuple(pathways)),
        compare=tuple(compare or [pw.id for pw in pathways]),
        insurance=insurance,
        indirect=indirect or Indirect(),
        price_overrides=tuple((overrides or {}).items()),
        price_spread=price_spread,
        label="test",
    )
