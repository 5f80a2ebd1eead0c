"""Change a scenario's numbers by parameter id, and re-check the result like a file.

The app's assumption editors and the reviewer work with the ids of
:func:`calculator.costing.parameters`. :func:`with_params` returns a new frozen scenario with
those numbers replaced; :func:`validated` then runs it through the same loader as an uploaded
file, so an edit obeys every rule a file does (probabilities in [0, 1], low ≤ value ≤ high, no
cycle in ``on_failure``, every code priced) and fails with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .errors import InputError
from .io import scenario_from_dict
from .models import Param, Pathway, Scenario
from .serialize import scenario_to_dict

__all__ = ["validated", "with_on_failure", "with_params"]


def validated(scenario: Scenario, source: str = "your changes") -> Scenario:
    """``scenario`` checked by the file loader; returns the equal, validated scenario."""
    checked = scenario_from_dict(scenario_to_dict(scenario, inline=True), source, allow_paths=False, name=scenario.name)
    # Inline writing renames the table and pathway set; keep the originals' names for display.
    return replace(
        checked,
        prices=replace(checked.prices, name=scenario.prices.name),
        pathways=replace(checked.pathways, name=scenario.pathways.name),
    )


def _pathway_with(pathway: Pathway, rest: str, param: Param) -> Pathway:
    parts = rest.split("/")
    if len(parts) == 1 and parts[0] in (
        "response_probability",
        "escalation_probability",
        "work_days_lost",
        "weeks",
        "qaly_gain",
    ):
        return replace(pathway, **{parts[0]: param})
    if parts[0] == "visit" and len(parts) >= 3:
        index = int(parts[1])
        visits = list(pathway.visits)
        visit = visits[index]
        if parts[2] in ("count", "hours") and len(parts) == 3:
            visits[index] = replace(visit, **{parts[2]: param})
        elif parts[2] == "item" and len(parts) == 5 and parts[4] == "units":
            items = list(visit.items)
            items[int(parts[3])] = replace(items[int(parts[3])], units=param)
            visits[index] = replace(visit, items=tuple(items))
        else:
            raise KeyError(rest)
        return replace(pathway, visits=tuple(visits))
    if parts[0] == "adverse" and len(parts) == 3 and parts[2] in ("probability", "cost"):
        events = list(pathway.adverse_events)
        events[int(parts[1])] = replace(events[int(parts[1])], **{parts[2]: param})
        return replace(pathway, adverse_events=tuple(events))
    raise KeyError(rest)


def with_params(scenario: Scenario, changes: Mapping[str, Param]) -> Scenario:
    """A copy of ``scenario`` with the numbers named by id replaced (not yet validated).

    Prices become price overrides (the table itself is unchanged), so the reviewer diff and the
    share link show them as the scenario's own prices.
    """
    pathways = {p.id: p for p in scenario.pathways.pathways}
    plan = scenario.insurance
    indirect = scenario.indirect
    overrides = dict(scenario.price_overrides)
    for pid, param in changes.items():
        try:
            group, _, rest = pid.partition("/")
            if group == "pathway":
                pathway_id, _, inner = rest.partition("/")
                pathways[pathway_id] = _pathway_with(pathways[pathway_id], inner, param)
            elif group == "price":
                code = rest.rsplit("/", 1)[-1]
                if code not in scenario.prices:
                    raise KeyError(code)
                overrides[code] = param
            elif group == "insurance" and plan is not None:
                if rest.startswith("copay/"):
                    copays = dict(plan.copays)
                    copays[rest.split("/", 1)[1]] = param
                    plan = replace(plan, copays=tuple(copays.items()))
                elif rest in ("deductible", "deductible_met", "coinsurance", "oop_max", "oop_met"):
                    plan = replace(plan, **{rest: param})
                else:
                    raise KeyError(rest)
            elif group == "indirect" and hasattr(indirect, rest):
                indirect = replace(indirect, **{rest: param})
            else:
                raise KeyError(pid)
        except (KeyError, IndexError, ValueError):
            raise InputError("your changes", pid, "the id of one of the scenario's numbers", pid) from None
    return replace(
        scenario,
        pathways=replace(scenario.pathways, pathways=tuple(pathways[p.id] for p in scenario.pathways.pathways)),
        insurance=plan,
        indirect=indirect,
        price_overrides=tuple(overrides.items()),
    )


def with_on_failure(scenario: Scenario, pathway_id: str, target: str | None) -> Scenario:
    """A copy with ``pathway_id``'s next line of care changed (None: no further care)."""
    pathways = tuple(replace(p, on_failure=target) if p.id == pathway_id else p for p in scenario.pathways.pathways)
    return replace(scenario, pathways=replace(scenario.pathways, pathways=pathways))
