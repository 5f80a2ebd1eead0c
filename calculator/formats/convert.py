"""The one place where declared documents become the engine's frozen dataclasses, and back.

``*_model`` functions turn a validated document into :mod:`calculator.models` objects (the engine
never sees a document); ``*_doc`` functions turn the objects back into documents for the writers,
setting exactly the fields a file should show, so ``model_dump(exclude_unset=True)`` writes them.

It is a little over 400 lines because it is the one place every document becomes an engine
object and back, for every format; split, the two directions would drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import (
    INDIRECT_FIELDS,
    AdverseEvent,
    BudgetInputs,
    Indirect,
    InsurancePlan,
    Item,
    KindBenefit,
    Param,
    Pathway,
    PathwaySet,
    PriceRow,
    PriceTable,
    PsaSettings,
    Scenario,
    TaxAdvantaged,
    Visit,
)
from .documents import (
    CURRENT_SCHEMA_VERSION,
    AdverseEventDoc,
    BenefitDoc,
    BudgetDoc,
    IndirectDoc,
    InlinePriceTableDoc,
    InsuranceDoc,
    ItemDoc,
    PathwayDoc,
    PathwayFileDoc,
    PriceMetadataDoc,
    PriceRowDoc,
    PsaDoc,
    ScenarioDoc,
    TaxAdvantagedDoc,
    VisitDoc,
)
from .fields import _Uncertain

__all__ = [
    "budget_model",
    "indirect_model",
    "insurance_model",
    "metadata_model",
    "param_doc",
    "param_model",
    "pathway_set_doc",
    "pathway_set_model",
    "price_rows_model",
    "price_table_doc",
    "psa_model",
    "scenario_doc",
    "scenario_model",
]


# --------------------------------------------------------------------------------------------
# Documents → models


def param_model(number: float | _Uncertain) -> Param:
    if not isinstance(number, _Uncertain):
        return Param(float(number))
    if number.distribution == "fixed" and number.low is None:
        return Param(float(number.value), "fixed", None, None, number.source, number.evidence)
    return Param(float(number.value), number.distribution, number.low, number.high, number.source, number.evidence)


def metadata_model(doc: PriceMetadataDoc) -> dict[str, Any]:
    """The metadata fields of :class:`~calculator.models.PriceTable` from a metadata document."""
    return {
        "label": doc.label,
        "region": doc.region,
        "description": doc.description,
        "currency": doc.currency,
        "year": doc.year,
        "schedule_notes": tuple(doc.schedules.items()),
    }


def price_rows_model(doc: InlinePriceTableDoc) -> tuple[tuple[str, ...], tuple[PriceRow, ...]]:
    """The schedules and rows of an inline table (duplicate codes are checked by the caller)."""
    schedules = doc.schedule_names
    rows = tuple(
        PriceRow(
            code=row.code,
            description=row.description,
            category=row.category,
            unit=row.unit,
            prices=tuple(float(row.prices[s]) for s in schedules),
            source=row.source,
            as_of=row.as_of,
            evidence=row.evidence,
            note=row.note,
            mppr=_mppr_model(row.mppr, schedules),
        )
        for row in doc.rows
    )
    return schedules, rows


def _mppr_model(mppr: Mapping[str, float] | None, schedules: tuple[str, ...]) -> tuple[float | None, ...]:
    """Payment-reduction amounts aligned with the schedules; () when the row has none."""
    if not mppr:
        return ()
    return tuple(None if mppr.get(s) is None else float(mppr[s]) for s in schedules)


def _visit_model(doc: VisitDoc) -> Visit:
    return Visit(
        name=doc.name,
        kind=doc.kind,
        count=param_model(doc.count),
        items=tuple(Item(code=i.code, units=param_model(i.units)) for i in doc.items),
        hours=param_model(doc.hours),
        travel=doc.travel,
    )


def _pathway_model(pathway_id: str, doc: PathwayDoc) -> Pathway:
    return Pathway(
        id=pathway_id,
        label=doc.label or pathway_id,
        description=doc.description,
        visits=tuple(_visit_model(v) for v in doc.visits),
        response_probability=param_model(doc.response_probability),
        escalation_probability=param_model(doc.escalation_probability),
        on_failure=doc.on_failure,
        work_days_lost=param_model(doc.work_days_lost),
        adverse_events=tuple(
            AdverseEvent(e.name, param_model(e.probability), param_model(e.cost), e.source) for e in doc.adverse_events
        ),
        weeks=param_model(doc.weeks),
        qaly_gain=None if doc.qaly_gain is None else param_model(doc.qaly_gain),
        sources=tuple(doc.sources),
    )


def pathway_set_model(doc: PathwayFileDoc | dict[str, PathwayDoc], name: str = "") -> PathwaySet:
    """A pathway set from a pathway file or from a bare mapping of id → pathway."""
    if isinstance(doc, PathwayFileDoc):
        body = doc.pathways
        header = {"label": doc.label, "description": doc.description, "population": doc.population}
    else:
        body, header = doc, {}
    return PathwaySet(pathways=tuple(_pathway_model(pid, p) for pid, p in body.items()), name=name, **header)


def insurance_model(doc: InsuranceDoc | None) -> InsurancePlan | None:
    if doc is None:
        return None
    return InsurancePlan(
        deductible=param_model(doc.deductible),
        deductible_met=param_model(doc.deductible_met),
        coinsurance=param_model(doc.coinsurance),
        oop_max=None if doc.oop_max is None else param_model(doc.oop_max),
        oop_met=param_model(doc.oop_met),
        copays=tuple((kind, param_model(v)) for kind, v in (doc.copays or {}).items()),
        uncovered_codes=tuple(doc.uncovered_codes or ()),
        uncovered_schedule=doc.uncovered_schedule,
        visit_limits=tuple((kind, int(v)) for kind, v in (doc.visit_limits or {}).items()),
        benefits=tuple((kind, _benefit_model(b)) for kind, b in (doc.benefits or {}).items()),
        visits_used=tuple((kind, int(v)) for kind, v in (doc.visits_used or {}).items()),
        plan_year_start=doc.plan_year_start or "01-01",
        tax_advantaged=None
        if doc.tax_advantaged is None
        else TaxAdvantaged(param_model(doc.tax_advantaged.balance), param_model(doc.tax_advantaged.tax_rate)),
    )


def _optional(number: float | _Uncertain | None) -> Param | None:
    return None if number is None else param_model(number)


def _benefit_model(doc: BenefitDoc) -> KindBenefit:
    return KindBenefit(
        copay=_optional(doc.copay),
        coinsurance=_optional(doc.coinsurance),
        deductible_applies=doc.deductible_applies,
        deductible=_optional(doc.deductible),
        deductible_met=_optional(doc.deductible_met),
    )


def indirect_model(doc: Any) -> Indirect:
    if doc is None:
        return Indirect()
    return Indirect(**{key: param_model(getattr(doc, key)) for key in INDIRECT_FIELDS})


def psa_model(doc: PsaDoc | None) -> PsaSettings:
    if doc is None:
        return PsaSettings()
    return PsaSettings(draws=int(doc.draws), seed=None if doc.seed is None else int(doc.seed))


def budget_model(doc: BudgetDoc) -> BudgetInputs:
    return BudgetInputs(
        members=int(doc.members),
        episodes_per_1000=float(doc.episodes_per_1000),
        current_mix=tuple((k, float(v)) for k, v in doc.current_mix.items()),
        proposed_mix=tuple((k, float(v)) for k, v in doc.proposed_mix.items()),
        years=int(doc.years),
        growth=float(doc.growth),
    )


def scenario_model(
    doc: ScenarioDoc,
    *,
    prices: PriceTable,
    pathways: PathwaySet,
    compare: tuple[str, ...],
    schedule: str,
    budget: BudgetInputs | None,
    name: str,
    region: str = "national",
) -> Scenario:
    """The scenario, once its price table and pathways are resolved and cross-checked."""
    return Scenario(
        prices=prices,
        schedule=schedule,
        pathways=pathways,
        compare=compare,
        insurance=insurance_model(doc.insurance),
        indirect=indirect_model(doc.indirect),
        price_overrides=tuple((code, param_model(v)) for code, v in doc.price_overrides.items()),
        price_spread=float(doc.price_spread),
        psa=psa_model(doc.psa),
        budget=budget,
        label=doc.label,
        description=doc.description,
        name=name,
        region=region,
        episode_start=doc.episode_start,
    )


# --------------------------------------------------------------------------------------------
# Models → documents (for the writers)


def param_doc(param: Param) -> float | dict[str, Any]:
    """A plain number where nothing else is known, else the fields of the uncertain number
    (:class:`~calculator.formats.fields.UncertainAmount`; a mapping, not a model, because a
    scenario holds hundreds of numbers and building a model for each made writing 8× slower)."""
    if param.dist == "fixed" and not param.source and not param.evidence:
        return param.value
    fields: dict[str, Any] = {"value": param.value}
    if param.dist != "fixed":
        fields.update(dist=param.dist, low=param.low, high=param.high)
    if param.source:
        fields["source"] = param.source
    if param.evidence:
        fields["evidence"] = param.evidence
    return fields


def price_table_doc(table: PriceTable) -> InlinePriceTableDoc:
    fields: dict[str, Any] = {k: getattr(table, k) for k in ("label", "currency", "region", "year", "description")}
    fields = {k: v for k, v in fields.items() if v}
    if table.schedule_notes:
        fields["schedules"] = dict(table.schedule_notes)
    fields["rows"] = [
        PriceRowDoc.model_construct(
            code=row.code,
            description=row.description,
            category=row.category,
            unit=row.unit,
            prices=dict(zip(table.schedules, row.prices, strict=True)),
            mppr={s: m for s, m in zip(table.schedules, row.mppr, strict=True) if m is not None} if row.mppr else None,
            source=row.source,
            as_of=row.as_of,
            evidence=row.evidence,
            note=row.note,
        )
        for row in table.rows
    ]
    return InlinePriceTableDoc.model_construct(**fields)


def _pathway_doc(pathway: Pathway) -> PathwayDoc:
    fields: dict[str, Any] = {"label": pathway.label}
    if pathway.description:
        fields["description"] = pathway.description
    fields["visits"] = [
        VisitDoc.model_construct(
            name=v.name,
            kind=v.kind,
            count=param_doc(v.count),
            hours=param_doc(v.hours),
            travel=v.travel,
            items=[ItemDoc.model_construct(code=i.code, units=param_doc(i.units)) for i in v.items],
        )
        for v in pathway.visits
    ]
    fields["response_probability"] = param_doc(pathway.response_probability)
    if pathway.on_failure is not None:
        fields["on_failure"] = pathway.on_failure
    fields["escalation_probability"] = param_doc(pathway.escalation_probability)
    fields["work_days_lost"] = param_doc(pathway.work_days_lost)
    fields["adverse_events"] = [
        AdverseEventDoc.model_construct(
            name=e.name, probability=param_doc(e.probability), cost=param_doc(e.cost), source=e.source
        )
        for e in pathway.adverse_events
    ]
    fields["weeks"] = param_doc(pathway.weeks)
    if pathway.qaly_gain is not None:
        fields["qaly_gain"] = param_doc(pathway.qaly_gain)
    fields["sources"] = list(pathway.sources)
    return PathwayDoc.model_construct(**fields)


def pathway_set_doc(pathways: PathwaySet) -> PathwayFileDoc:
    fields: dict[str, Any] = {"schema_version": 1}
    for key in ("label", "description", "population"):
        if getattr(pathways, key):
            fields[key] = getattr(pathways, key)
    fields["pathways"] = {p.id: _pathway_doc(p) for p in pathways.pathways}
    return PathwayFileDoc.model_construct(**fields)


def _insurance_doc(plan: InsurancePlan) -> InsuranceDoc:
    fields: dict[str, Any] = {
        "deductible": param_doc(plan.deductible),
        "deductible_met": param_doc(plan.deductible_met),
        "coinsurance": param_doc(plan.coinsurance),
        "oop_max": None if plan.oop_max is None else param_doc(plan.oop_max),
        "oop_met": param_doc(plan.oop_met),
        "copays": {kind: param_doc(p) for kind, p in plan.copays},
        "uncovered_codes": list(plan.uncovered_codes),
    }
    if plan.uncovered_schedule is not None:
        fields["uncovered_schedule"] = plan.uncovered_schedule
    if plan.visit_limits:
        fields["visit_limits"] = dict(plan.visit_limits)
    if plan.benefits:
        fields["benefits"] = {kind: _benefit_doc(b) for kind, b in plan.benefits}
    if plan.visits_used:
        fields["visits_used"] = dict(plan.visits_used)
    if plan.plan_year_start != "01-01":
        fields["plan_year_start"] = plan.plan_year_start
    if plan.tax_advantaged is not None:
        fields["tax_advantaged"] = TaxAdvantagedDoc.model_construct(
            balance=param_doc(plan.tax_advantaged.balance), tax_rate=param_doc(plan.tax_advantaged.tax_rate)
        )
    return InsuranceDoc.model_construct(**fields)


def _benefit_doc(benefit: KindBenefit) -> BenefitDoc:
    fields: dict[str, Any] = {}
    for key in ("copay", "coinsurance", "deductible", "deductible_met"):
        param = getattr(benefit, key)
        if param is not None:
            fields[key] = param_doc(param)
    if benefit.deductible_applies is not None:
        fields["deductible_applies"] = benefit.deductible_applies
    return BenefitDoc.model_construct(**fields)


def _budget_doc(budget: BudgetInputs) -> BudgetDoc:
    fields: dict[str, Any] = budget.as_dict()
    return BudgetDoc.model_construct(**fields)


def scenario_doc(
    scenario: Scenario, *, prices: str | InlinePriceTableDoc, pathways: str | PathwayFileDoc
) -> ScenarioDoc:
    """The scenario document; ``prices`` and ``pathways`` are a shipped name or an inline document."""
    fields: dict[str, Any] = {"schema_version": CURRENT_SCHEMA_VERSION}
    if scenario.label:
        fields["label"] = scenario.label
    if scenario.description:
        fields["description"] = scenario.description
    fields["prices"] = prices
    fields["schedule"] = scenario.schedule
    if scenario.price_overrides:
        fields["price_overrides"] = {code: param_doc(p) for code, p in scenario.price_overrides}
    fields["pathways"] = pathways
    fields["compare"] = list(scenario.compare)
    fields["insurance"] = None if scenario.insurance is None else _insurance_doc(scenario.insurance)
    indirect: dict[str, Any] = {k: param_doc(getattr(scenario.indirect, k)) for k in INDIRECT_FIELDS}
    fields["indirect"] = IndirectDoc.model_construct(**indirect)
    if scenario.price_spread:
        fields["price_spread"] = scenario.price_spread
    if scenario.psa.draws or scenario.psa.seed is not None:
        fields["psa"] = PsaDoc.model_construct(draws=scenario.psa.draws, seed=scenario.psa.seed)
    if scenario.budget is not None:
        fields["budget"] = _budget_doc(scenario.budget)
    if scenario.region != "national":
        fields["region"] = scenario.region
    if scenario.episode_start is not None:
        fields["episode_start"] = scenario.episode_start
    return ScenarioDoc.model_construct(**fields)
