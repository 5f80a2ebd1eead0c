"""Plans side by side (SPEC §3.4, issue 10): the same options costed under two or three plans,
and the warnings a plan's own numbers deserve.

:func:`compare_plans` answers the patient's question at open enrollment ("the HDHP with its HSA
or the PPO, for this episode?") and the insurer's ("what does covering dry needling with a $40
copay do to member and plan cost?"). :func:`warnings` lists the impossible combinations a file
may hold (SPEC §3.4: kept, clamped and said, never silent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .costing import compare
from .errors import InputError
from .models import InsurancePlan, Scenario

__all__ = ["PlanOption", "compare_plans", "plan_label", "warnings"]

PlanOption = tuple[str, InsurancePlan | None]  # (label, plan; None: self-pay)


def warnings(scenario: Scenario) -> list[str]:
    """The impossible combinations in the scenario's plan, one sentence each (base case).

    ``deductible_met`` above the deductible, ``oop_met`` above the out-of-pocket maximum and
    ``visits_used`` above the visit limit keep their version-1 meaning: the figure counts as
    met (clamped). SPEC §3.4 asks that it is said, not silently accepted.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    list of str
        Empty when the plan is consistent (or the scenario is self-pay).

    Examples
    --------
    >>> from calculator.models import InsurancePlan, Param
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> base = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> plan = replace(base.insurance, deductible=Param(1500.0), deductible_met=Param(4000.0))
    >>> warnings(replace(base, insurance=plan))
    ['insurance.deductible_met: 4,000 already met is more than the deductible of 1,500; counted as fully met.']
    """
    plan = scenario.insurance
    if plan is None:
        return []
    out = []
    if plan.deductible_met.value > plan.deductible.value:
        out.append(
            f"insurance.deductible_met: {plan.deductible_met.value:,.0f} already met is more than the deductible "
            f"of {plan.deductible.value:,.0f}; counted as fully met."
        )
    if plan.oop_max is not None and plan.oop_met.value > plan.oop_max.value:
        out.append(
            f"insurance.oop_met: {plan.oop_met.value:,.0f} already paid is more than the out-of-pocket maximum "
            f"of {plan.oop_max.value:,.0f}; counted as reached."
        )
    for kind, benefit in plan.benefits:
        if benefit.deductible is not None and benefit.deductible_met is not None:
            if benefit.deductible_met.value > benefit.deductible.value:
                out.append(
                    f"insurance.benefits.{kind}.deductible_met: {benefit.deductible_met.value:,.0f} already met "
                    f"is more than the {kind} deductible of {benefit.deductible.value:,.0f}; counted as fully met."
                )
    limits = dict(plan.visit_limits)
    for kind, used in plan.visits_used:
        if kind in limits and used > limits[kind]:
            out.append(
                f"insurance.visits_used.{kind}: {used} visits used is more than the limit of {limits[kind]}; "
                "no covered visits are left this plan year."
            )
    return out


def plan_label(scenario: Scenario) -> str:
    """A plan's name for a column heading: the scenario's label, else its name."""
    return scenario.label or scenario.name or "plan"


def compare_plans(scenario: Scenario, plans: Sequence[PlanOption] | Mapping[str, InsurancePlan | None]) -> dict[str, Any]:
    """Patient and plan cost of every option of ``scenario`` under each plan, side by side.

    The options, prices, schedule, time and travel stay the scenario's; only ``insurance`` is
    replaced, so the differences are the plans' alone.

    Parameters
    ----------
    scenario : Scenario
        The episode: options, prices and everything but the plan.
    plans : sequence of (label, InsurancePlan or None), or a mapping label → plan
        Two or more plans (None: self-pay); labels must differ.

    Returns
    -------
    dict
        ``{"currency", "plans": [labels], "options": {option: {"label", "plans": {plan label:
        {"patient", "insurer", "allowed", "patient_after_tax" (where the plan has an HSA/FSA)}}}},
        "warnings": {plan label: [sentences]}}``; money per episode, expected over the branches.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> out = compare_plans(ppo, [("PPO", ppo.insurance), ("Self-pay", None)])
    >>> out["options"]["physical_therapy"]["plans"]["Self-pay"]["insurer"]
    0.0
    """
    items = list(plans.items()) if isinstance(plans, Mapping) else list(plans)
    labels = [label for label, _ in items]
    if len(set(labels)) != len(labels):
        raise InputError("plans", "label", "a different label for each plan", found_text=", ".join(labels))
    options: dict[str, Any] = {
        o: {"label": scenario.pathways.get(o).label, "plans": {}} for o in scenario.compare
    }
    found: dict[str, list[str]] = {}
    for label, plan in items:
        variant = replace(scenario, insurance=plan)
        result = compare(variant)
        found[label] = warnings(variant)
        for option in result:
            costs = option.expected
            cell: dict[str, float] = {"patient": costs.patient, "insurer": costs.insurer, "allowed": costs.allowed}
            if costs.patient_after_tax is not None:
                cell["patient_after_tax"] = costs.patient_after_tax
            options[option.id]["plans"][label] = cell
    return {"currency": scenario.currency, "plans": labels, "options": options, "warnings": found}
