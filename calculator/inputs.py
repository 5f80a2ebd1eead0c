"""The app's inputs and the scenario they describe, both ways (pure: no Streamlit).

A session holds a few plain values (see :data:`STATE_KEYS`): the shipped preset it started
from (``preset``), a scenario of its own when it is no preset plus edits (``loaded``), the
user's own price table and treatments (``price_table``, ``pathways``; None keeps the
starting point's), the plan and travel inputs (:data:`PRESET_FIELDS`), the compared options
and the prices entered for single items. :func:`compose` turns such a state into the frozen
:class:`~calculator.models.Scenario` everyone sees; :func:`state_for` finds the state that gives
back a scenario (an uploaded file or a share link), so edits and resets work the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .models import VISIT_KINDS, Param, PathwaySet, PriceTable, Scenario
from .plans import PLAN_V2_FIELDS, apply_plan_v2, plan_v2_inputs
from .regions import at_region

__all__ = [
    "COPAY_FIELDS",
    "DEFAULT_PRESET",
    "ENTERED",
    "PLAN_FIELDS",
    "PRESET_FIELDS",
    "STATE_KEYS",
    "TRAVEL_FIELDS",
    "apply_inputs",
    "compose",
    "edited_params",
    "effective_price",
    "every_option",
    "inputs_from_scenario",
    "state_for",
    "with_data",
]

DEFAULT_PRESET = "commercial-ppo"
#: The source of a number the user typed in.
ENTERED = "Entered in the app"

# Shared inputs that a preset sets (the plan and the patient's time and travel).
PLAN_FIELDS = ("deductible", "deductible_met", "coinsurance_pct", "oop_max", "no_oop_max", "oop_met")
COPAY_FIELDS = tuple(f"copay_{kind}" for kind in VISIT_KINDS)
TRAVEL_FIELDS = ("miles_per_visit", "travel_hours_per_visit", "hourly_value", "daily_wage")
PRESET_FIELDS = PLAN_FIELDS + COPAY_FIELDS + TRAVEL_FIELDS + PLAN_V2_FIELDS
#: The state keys that make up the scenario (see :func:`compose`).
STATE_KEYS = ("preset", "loaded", "region", "price_table", "pathways", "options", "price_overrides", *PRESET_FIELDS)


def inputs_from_scenario(scenario: Scenario) -> dict[str, Any]:
    """The editable inputs as a preset sets them (plan, copays, time and travel)."""
    plan = scenario.insurance
    ind = scenario.indirect
    inputs: dict[str, Any] = {
        "deductible": 0.0,
        "deductible_met": 0.0,
        "coinsurance_pct": 0.0,
        "oop_max": 0.0,
        "no_oop_max": True,
        "oop_met": 0.0,
        **dict.fromkeys(COPAY_FIELDS),
        "miles_per_visit": float(ind.miles_per_visit.value),
        "travel_hours_per_visit": float(ind.travel_hours_per_visit.value),
        "hourly_value": float(ind.hourly_value.value),
        "daily_wage": float(ind.daily_wage.value),
    }
    if plan is not None:
        inputs.update(
            deductible=float(plan.deductible.value),
            deductible_met=float(plan.deductible_met.value),
            coinsurance_pct=round(float(plan.coinsurance.value) * 100, 6),
            oop_max=float(plan.oop_max.value) if plan.oop_max is not None else 0.0,
            no_oop_max=plan.oop_max is None,
            oop_met=float(plan.oop_met.value),
        )
        for kind, copay in plan.copays:
            inputs[f"copay_{kind}"] = float(copay.value)
        for kind, benefit in plan.benefits:
            inputs[f"copay_{kind}"] = None if benefit.copay is None else float(benefit.copay.value)
    inputs.update(plan_v2_inputs(scenario))
    return inputs


def _set(param: Param | None, value: float) -> Param:
    """Keep a number's source and range when the value is unchanged; else mark it as entered."""
    if param is not None and param.value == value:
        return param
    return Param(float(value), source=ENTERED)


def _override(value: float, spread: float) -> Param:
    if spread > 0 and value > 0:
        return Param(float(value), "gamma", value * (1 - spread), value * (1 + spread), ENTERED)
    return Param(float(value), source=ENTERED)


def apply_inputs(
    base: Scenario,
    inputs: Mapping[str, Any],
    *,
    options: Sequence[str] = (),
    price_overrides: Mapping[str, float] | None = None,
) -> Scenario:
    """The preset ``base`` with the user's inputs: a new frozen scenario (``base`` is unchanged).

    ``options`` replaces the compared options (ids not in the pathway set are ignored; empty
    keeps the preset's). ``price_overrides`` adds or replaces price overrides (code → price);
    an entered price gets the scenario's ``price_spread`` as its uncertainty, like every price.
    """
    plan = base.insurance
    episode_start = base.episode_start
    if plan is not None:
        old_copays = {**dict(plan.copays), **{k: b.copay for k, b in plan.benefits if b.copay is not None}}
        # The plan's own order first, so unchanged inputs give back an equal scenario.
        kinds = [*old_copays, *(k for k in VISIT_KINDS if k not in old_copays)]
        copays = tuple(
            (kind, _set(old_copays.get(kind), inputs[f"copay_{kind}"]))
            for kind in kinds
            if inputs.get(f"copay_{kind}") is not None
        )
        oop_max = None if inputs["no_oop_max"] else _set(plan.oop_max, inputs["oop_max"])
        coinsurance = plan.coinsurance
        if inputs["coinsurance_pct"] != round(coinsurance.value * 100, 6):  # the input is a rounded percentage
            coinsurance = _set(None, round(inputs["coinsurance_pct"] / 100, 8))
        plan = replace(
            plan,
            deductible=_set(plan.deductible, inputs["deductible"]),
            deductible_met=_set(plan.deductible_met, inputs["deductible_met"]),
            coinsurance=coinsurance,
            oop_max=oop_max,
            oop_met=_set(plan.oop_met, inputs["oop_met"]),
            copays=copays,
        )
        if all(field in inputs for field in PLAN_V2_FIELDS):
            plan, episode_start = apply_plan_v2(base, plan, inputs)
    ind = base.indirect
    indirect = replace(
        ind,
        miles_per_visit=_set(ind.miles_per_visit, inputs["miles_per_visit"]),
        travel_hours_per_visit=_set(ind.travel_hours_per_visit, inputs["travel_hours_per_visit"]),
        hourly_value=_set(ind.hourly_value, inputs["hourly_value"]),
        daily_wage=_set(ind.daily_wage, inputs["daily_wage"]),
    )
    overrides = dict(base.price_overrides)
    for code, value in (price_overrides or {}).items():
        if code in base.prices:
            overrides[code] = _override(value, base.price_spread)
    chosen = tuple(o for o in dict.fromkeys(options) if o in base.pathways)
    return replace(
        base,
        insurance=plan,
        indirect=indirect,
        price_overrides=tuple(overrides.items()),
        compare=chosen or base.compare,
        episode_start=episode_start,
    )


def with_data(start: Scenario, price_table: PriceTable | None, pathways: PathwaySet | None) -> Scenario:
    """``start`` with the user's own price table and treatments (None keeps its own)."""
    if price_table is not None:
        start = replace(start, prices=price_table)
    if pathways is not None:
        start = replace(start, pathways=pathways)
    return start


def compose(state: Mapping[str, Any], preset: Scenario) -> Scenario:
    """The scenario a session state describes (pure): its start (``loaded``, else ``preset``)
    with its own table and treatments, plan and travel inputs, options and prices."""
    start = at_region(state["loaded"] or preset, state.get("region"))
    return apply_inputs(
        with_data(start, state["price_table"], state["pathways"]),
        {field: state[field] for field in PRESET_FIELDS},
        options=state["options"],
        price_overrides=state["price_overrides"],
    )


def state_for(scenario: Scenario, presets: Mapping[str, Scenario], preferred: str) -> dict[str, Any]:
    """The session state that gives back exactly ``scenario`` (pure).

    Preferably a shipped preset (``preferred`` first) plus the user's own table, treatments,
    inputs and prices, so that resets and the reviewer diff work as for edits made in the app;
    otherwise ``scenario`` itself becomes the starting point (``loaded``).
    """
    inputs = inputs_from_scenario(scenario)
    names = [preferred, *(n for n in presets if n != preferred)] if preferred in presets else list(presets)
    for name in names:
        preset = presets[name]
        regional = at_region(preset, scenario.region)
        state = {
            "preset": name,
            "loaded": None,
            "region": scenario.region,
            "price_table": None if scenario.prices == regional.prices else scenario.prices,
            "pathways": None if scenario.pathways == preset.pathways else scenario.pathways,
            "options": list(scenario.compare),
            "price_overrides": {code: param.value for code, param in scenario.price_overrides},
            **inputs,
        }
        if compose(state, preset) == replace(scenario, name=preset.name):
            return state
    return {
        "preset": preferred if preferred in presets else DEFAULT_PRESET,
        "loaded": scenario,
        "region": scenario.region,
        "price_table": None,
        "pathways": None,
        "options": list(scenario.compare),
        "price_overrides": {},
        **inputs,
    }


def every_option(scenario: Scenario) -> Scenario:
    """``scenario`` comparing every pathway, so that ``parameters`` lists all of their numbers."""
    return replace(scenario, compare=scenario.pathways.ids)


def edited_params(
    rows: Sequence[Mapping[str, Any]], active: Mapping[str, Param], original: Mapping[str, Param]
) -> dict[str, Param]:
    """The numbers an editor's rows change (``id``, ``value``, ``low``, ``high``, ``dist``), pure.

    A number set back to its original value gets its original source back; any other new
    value is marked as entered in the app."""

    def number(value: Any) -> float | None:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    changes = {}
    for row in rows:
        old = active[row["id"]]
        dist = row.get("dist") or "fixed"
        dist = dist if isinstance(dist, str) else "fixed"
        value, low, high = number(row.get("value")), number(row.get("low")), number(row.get("high"))
        if dist == "fixed":
            low = high = None
        new = (value, dist, low, high)
        if new == (old.value, old.dist, old.low, old.high):
            continue
        first = original.get(row["id"])
        if first is not None and new == (first.value, first.dist, first.low, first.high):
            changes[row["id"]] = first
        else:
            changes[row["id"]] = Param(math.nan if value is None else value, dist, low, high, ENTERED)
    return changes


def effective_price(scenario: Scenario, code: str) -> tuple[float, str]:
    """The price the model uses for ``code`` and where it comes from."""
    overrides = dict(scenario.price_overrides)
    if code in overrides:
        return overrides[code].value, "your price"
    plan = scenario.insurance
    schedule = scenario.uncovered_schedule if plan is not None and code in plan.uncovered_codes else scenario.schedule
    return scenario.prices.price(code, schedule), f"{schedule.replace('_', ' ')} price"
