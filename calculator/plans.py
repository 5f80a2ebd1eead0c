"""Plans side by side (SPEC §3.4, issue 10): the same options costed under two or three plans,
and the warnings a plan's own numbers deserve.

:func:`compare_plans` answers the patient's question at open enrollment ("the HDHP with its HSA
or the PPO, for this episode?") and the insurer's ("what does covering dry needling with a $40
copay do to member and plan cost?"). :func:`warnings` lists the impossible combinations a file
may hold (SPEC §3.4: kept, clamped and said, never silent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from .costing import compare
from .errors import InputError
from .models import VISIT_KINDS, InsurancePlan, KindBenefit, Param, Scenario, TaxAdvantaged

__all__ = [
    "PLAN_V2_FIELDS",
    "PlanChoice",
    "PlanOption",
    "apply_plan_v2",
    "compare_plans",
    "field_warnings",
    "plan_label",
    "plan_v2_inputs",
    "warnings",
]


@dataclass(frozen=True)
class PlanChoice:
    """One plan to compare: its label, its cost sharing (None: self-pay) and the price schedule
    it pays at (None: the scenario's; Original Medicare pays the Medicare fee schedule)."""

    label: str
    insurance: InsurancePlan | None
    schedule: str | None = None


PlanOption = PlanChoice | tuple[str, InsurancePlan | None]


def field_warnings(scenario: Scenario) -> dict[str, str]:
    """The impossible combinations in the scenario's plan, by field, one sentence each (base case).

    ``deductible_met`` above the deductible, ``oop_met`` above the out-of-pocket maximum and
    ``visits_used`` above the visit limit keep their version-1 meaning: the figure counts as
    met (clamped). SPEC §3.4 asks that it is said, never silently accepted; the app shows the
    sentence next to the field, a file's results list it (:func:`warnings`).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    dict
        Field path inside ``insurance`` (``deductible_met``, ``oop_met``,
        ``benefits.<kind>.deductible_met``, ``visits_used.<kind>``) → sentence; empty when the
        plan is consistent or the scenario is self-pay.
    """
    plan = scenario.insurance
    if plan is None:
        return {}
    out = {}
    if plan.deductible_met.value > plan.deductible.value:
        out["deductible_met"] = (
            f"{plan.deductible_met.value:,.0f} already met is more than the deductible of "
            f"{plan.deductible.value:,.0f}, so the deductible counts as fully met."
        )
    if plan.oop_max is not None and plan.oop_met.value > plan.oop_max.value:
        out["oop_met"] = (
            f"{plan.oop_met.value:,.0f} already paid is more than the out-of-pocket maximum of "
            f"{plan.oop_max.value:,.0f}, so the maximum counts as reached."
        )
    for kind, benefit in plan.benefits:
        if benefit.deductible is not None and benefit.deductible_met is not None:
            if benefit.deductible_met.value > benefit.deductible.value:
                out[f"benefits.{kind}.deductible_met"] = (
                    f"{benefit.deductible_met.value:,.0f} already met is more than the {kind.replace('_', ' ')} "
                    f"deductible of {benefit.deductible.value:,.0f}, so it counts as fully met."
                )
    limits = dict(plan.visit_limits)
    for kind, used in plan.visits_used:
        if kind in limits and used > limits[kind]:
            out[f"visits_used.{kind}"] = (
                f"{used} {kind.replace('_', ' ')} visits used is more than the plan's limit of {limits[kind]}, "
                "so no covered visits are left this plan year."
            )
    return out


def warnings(scenario: Scenario) -> list[str]:
    """:func:`field_warnings` as lines for a file's results: ``insurance.<field>: <sentence>``.

    Examples
    --------
    >>> from calculator.models import Param
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> base = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> plan = replace(base.insurance, deductible=Param(1500.0), deductible_met=Param(4000.0))
    >>> warnings(replace(base, insurance=plan))
    ['insurance.deductible_met: 4,000 already met is more than the deductible of 1,500, so the deductible counts as fully met.']
    """  # noqa: E501
    return [f"insurance.{key}: {sentence}" for key, sentence in field_warnings(scenario).items()]


def plan_label(scenario: Scenario) -> str:
    """A plan's name for a column heading: the scenario's label, else its name."""
    return scenario.label or scenario.name or "plan"


def compare_plans(
    scenario: Scenario, plans: Sequence[PlanOption] | Mapping[str, InsurancePlan | None]
) -> dict[str, Any]:
    """Patient and plan cost of every option of ``scenario`` under each plan, side by side.

    The options, prices, schedule, time and travel stay the scenario's; only ``insurance`` is
    replaced, so the differences are the plans' alone.

    Parameters
    ----------
    scenario : Scenario
        The episode: options, prices and everything but the plan.
    plans : sequence of PlanChoice or (label, InsurancePlan or None), or a mapping label → plan
        Two or more plans (None: self-pay); labels must differ. A :class:`PlanChoice` may name
        the price schedule the plan pays at; the others use the scenario's.

    Returns
    -------
    dict
        ``{"currency", "plans": [labels], "schedules": {label: schedule}, "options": {option:
        {"label", "plans": {plan label: {"patient", "insurer", "allowed", "patient_after_tax"
        (where the plan has an HSA/FSA)}}}}, "warnings": {plan label: [sentences]}}``; money per
        episode, expected over the branches.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> out = compare_plans(ppo, [("PPO", ppo.insurance), ("Self-pay", None)])
    >>> out["options"]["physical_therapy"]["plans"]["Self-pay"]["insurer"]
    0.0
    """
    raw = list(plans.items()) if isinstance(plans, Mapping) else list(plans)
    items = [p if isinstance(p, PlanChoice) else PlanChoice(p[0], p[1]) for p in raw]
    labels = [p.label for p in items]
    if len(set(labels)) != len(labels):
        raise InputError("plans", "label", "a different label for each plan", found_text=", ".join(labels))
    options: dict[str, Any] = {o: {"label": scenario.pathways.get(o).label, "plans": {}} for o in scenario.compare}
    found: dict[str, list[str]] = {}
    schedules: dict[str, str] = {}
    for choice in items:
        schedule = choice.schedule or scenario.schedule
        if schedule not in scenario.prices.schedules:
            known = ", ".join(scenario.prices.schedules)
            raise InputError(choice.label, "schedule", f"one of the price table's schedules ({known})", schedule)
        variant = replace(scenario, insurance=choice.insurance, schedule=schedule)
        schedules[choice.label] = schedule
        result = compare(variant)
        found[choice.label] = warnings(variant)
        for option in result:
            costs = option.expected
            cell: dict[str, float] = {"patient": costs.patient, "insurer": costs.insurer, "allowed": costs.allowed}
            if costs.patient_after_tax is not None:
                cell["patient_after_tax"] = costs.patient_after_tax
            options[option.id]["plans"][choice.label] = cell
    return {
        "currency": scenario.currency,
        "plans": labels,
        "schedules": schedules,
        "options": options,
        "warnings": found,
    }


# --------------------------------------------------------------------------------------------
# The plan as the patient enters it from their SBC (the app's flat inputs, SPEC §3.4), pure.

ENTERED = "Entered in the app"
KIND_FIELDS = (
    "coinsurance_pct",
    "deductible_applies",
    "own_deductible",
    "own_deductible_met",
    "visit_limit",
    "visits_used",
)
#: Flat input fields of the version-2 plan (``<field>_<kind>`` per visit kind, then the plan's).
PLAN_V2_FIELDS = (
    *(f"{name}_{kind}" for kind in VISIT_KINDS for name in KIND_FIELDS),
    "plan_year_start_month",
    "episode_start_month",
    "hsa_balance",
    "tax_rate_pct",
)


def _entered(param: Param | None, value: float) -> Param:
    """Keep a number's source and range when its value is unchanged; else mark it as entered."""
    if param is not None and param.value == value:
        return param
    return Param(float(value), source=ENTERED)


def _pct(param: Param | None) -> float | None:
    return None if param is None else round(float(param.value) * 100, 6)


def _from_pct(param: Param | None, pct: float) -> Param:
    if param is not None and _pct(param) == pct:  # the input is a rounded percentage
        return param
    return Param(round(float(pct) / 100, 8), source=ENTERED)


def plan_v2_inputs(scenario: Scenario) -> dict[str, Any]:
    """The version-2 plan inputs (:data:`PLAN_V2_FIELDS`) as ``scenario`` sets them.

    >>> from calculator.io import DATA_DIR, load_scenario
    >>> inputs = plan_v2_inputs(load_scenario(DATA_DIR / "scenarios" / "medicare.json"))
    >>> inputs["own_deductible_inpatient"], inputs["coinsurance_pct_inpatient"], inputs["hsa_balance"]
    (1676.0, 0.0, None)
    """
    out: dict[str, Any] = dict.fromkeys(PLAN_V2_FIELDS)
    out["plan_year_start_month"] = 1
    out["tax_rate_pct"] = 0.0
    start = scenario.episode_start
    out["episode_start_month"] = None if start is None else start.month
    plan = scenario.insurance
    if plan is None:
        return out
    out["plan_year_start_month"] = int(plan.plan_year_start[:2])
    for kind, b in plan.benefits:
        out[f"coinsurance_pct_{kind}"] = _pct(b.coinsurance)
        out[f"deductible_applies_{kind}"] = b.deductible_applies
        out[f"own_deductible_{kind}"] = None if b.deductible is None else float(b.deductible.value)
        out[f"own_deductible_met_{kind}"] = None if b.deductible_met is None else float(b.deductible_met.value)
    for kind, limit in plan.visit_limits:
        out[f"visit_limit_{kind}"] = int(limit)
    for kind, used in plan.visits_used:
        out[f"visits_used_{kind}"] = int(used)
    if plan.tax_advantaged is not None:
        out["hsa_balance"] = float(plan.tax_advantaged.balance.value)
        out["tax_rate_pct"] = _pct(plan.tax_advantaged.tax_rate)
    return out


def apply_plan_v2(base: Scenario, plan: InsurancePlan, inputs: Mapping[str, Any]) -> tuple[InsurancePlan, date | None]:
    """``plan`` (the version-1 inputs already applied, copays in ``plan.copays``) with the
    version-2 inputs, and the episode's start date; ``base`` is the unedited starting point.

    A kind whose benefit says more than a copay (or that the starting plan lists under
    ``benefits``) moves from ``copays`` to ``benefits``, so a plan never lists a kind twice.
    """
    original = base.insurance or InsurancePlan()
    old_benefits = dict(original.benefits)
    old_copays = dict(original.copays)
    copays = dict(plan.copays)
    benefits: dict[str, KindBenefit] = {}
    order = [*old_benefits, *(k for k in VISIT_KINDS if k not in old_benefits)]
    for kind in order:
        extras = [inputs.get(f"{name}_{kind}") for name in KIND_FIELDS[:4]]
        old = old_benefits.get(kind)
        if old is None and all(v is None for v in extras):
            continue
        old = old or KindBenefit(copay=old_copays.get(kind))
        copay = copays.pop(kind, None)
        coinsurance, applies, deductible, met = extras
        benefits[kind] = KindBenefit(
            copay=None if copay is None else _entered(old.copay, copay.value),
            coinsurance=None if coinsurance is None else _from_pct(old.coinsurance, coinsurance),
            deductible_applies=None if applies is None else bool(applies),
            deductible=None if deductible is None else _entered(old.deductible, deductible),
            deductible_met=None if deductible is None or met is None else _entered(old.deductible_met, met),
        )
    limits_order = [*(k for k, _ in original.visit_limits), *VISIT_KINDS]
    visit_limits = tuple(
        (k, int(inputs[f"visit_limit_{k}"]))
        for k in dict.fromkeys(limits_order)
        if inputs.get(f"visit_limit_{k}") is not None
    )
    used_order = [*(k for k, _ in original.visits_used), *VISIT_KINDS]
    visits_used = tuple(
        (k, int(inputs[f"visits_used_{k}"])) for k in dict.fromkeys(used_order) if inputs.get(f"visits_used_{k}")
    )
    month = int(inputs.get("plan_year_start_month") or 1)
    plan_year_start = original.plan_year_start if int(original.plan_year_start[:2]) == month else f"{month:02d}-01"
    tax = None
    if inputs.get("hsa_balance") is not None:
        old_tax = original.tax_advantaged
        tax = TaxAdvantaged(
            _entered(None if old_tax is None else old_tax.balance, inputs["hsa_balance"]),
            _from_pct(None if old_tax is None else old_tax.tax_rate, float(inputs.get("tax_rate_pct") or 0.0)),
        )
    new_plan = replace(
        plan,
        copays=tuple((k, p) for k, p in plan.copays if k in copays),
        benefits=tuple(benefits.items()),
        visit_limits=visit_limits,
        visits_used=visits_used,
        plan_year_start=plan_year_start,
        tax_advantaged=tax,
    )
    start_month = inputs.get("episode_start_month")
    if start_month is None:
        episode_start = None
    elif base.episode_start is not None and base.episode_start.month == start_month:
        episode_start = base.episode_start
    else:
        year = base.episode_start.year if base.episode_start is not None else date.today().year
        episode_start = date(year, int(start_month), 1)
    return new_plan, episode_start
