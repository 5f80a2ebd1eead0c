"""Change a scenario's numbers by parameter id, and re-check the result like a file.

The app's assumption editors and the reviewer work with the ids of
:func:`calculator.costing.parameters`. :func:`with_params` returns a new frozen scenario with
those numbers replaced; :func:`validated` then runs it through the same loader as an uploaded
file, so an edit obeys every rule a file does (probabilities in [0, 1], low ≤ value ≤ high, no
cycle in ``on_failure``, every code priced) and fails with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from . import param_ids as ids
from .io import scenario_from_dict
from .models import Param, Pathway, Scenario
from .serialize import scenario_to_dict

__all__ = ["validated", "with_on_failure", "with_params"]

T = TypeVar("T")


def validated(scenario: Scenario, source: str = "your changes") -> Scenario:
    """``scenario`` checked by the file loader; returns the equal, validated scenario."""
    checked = scenario_from_dict(scenario_to_dict(scenario, inline=True), source, allow_paths=False, name=scenario.name)
    # Inline writing renames the table and pathway set; keep the originals' names for display.
    return replace(
        checked,
        prices=replace(checked.prices, name=scenario.prices.name),
        pathways=replace(checked.pathways, name=scenario.pathways.name),
    )


def _pathway_with(pathway: Pathway, pid: ids.ParamId, param: Param) -> Pathway:
    match pid:
        case ids.PathwayId(field=name):
            return replace(pathway, **_field(name, param))
        case ids.VisitId(visit=v, field=name):
            visits = list(pathway.visits)
            visits[v] = replace(_at(visits, v, pid), **_field(name, param))
            return replace(pathway, visits=tuple(visits))
        case ids.ItemId(visit=v, item=i):
            visits = list(pathway.visits)
            items = list(_at(visits, v, pid).items)
            items[i] = replace(_at(items, i, pid), units=param)
            visits[v] = replace(visits[v], items=tuple(items))
            return replace(pathway, visits=tuple(visits))
        case ids.AdverseId(event=e, field=name):
            events = list(pathway.adverse_events)
            events[e] = replace(_at(events, e, pid), **_field(name, param))
            return replace(pathway, adverse_events=tuple(events))
    raise ids.invalid(str(pid))


def _field(name: str, param: Param) -> dict[str, Any]:
    # The grammar names only fields that hold a Param; a typed dict of them would repeat it.
    return {name: param}


def _at(sequence: Sequence[T], index: int, pid: ids.ParamId) -> T:
    """``sequence[index]``, or the unknown-id error (never an IndexError, never from the end)."""
    if not 0 <= index < len(sequence):
        raise ids.invalid(str(pid))
    return sequence[index]


def with_params(scenario: Scenario, changes: Mapping[str, Param]) -> Scenario:
    """A copy of ``scenario`` with the numbers named by id replaced (not yet validated).

    Prices become price overrides (the table itself is unchanged), so the reviewer diff and the
    share link show them as the scenario's own prices. A copay may be given for a kind that has
    none yet, and an out-of-pocket maximum for a plan without one; run the result through
    :func:`validated` before using it.

    Parameters
    ----------
    scenario : Scenario
        The scenario to change.
    changes : Mapping[str, Param]
        New numbers by parameter id (:mod:`calculator.param_ids`), in the ids' units: money,
        probabilities from 0 to 1, counts, hours, days or weeks.

    Returns
    -------
    Scenario
        A new frozen scenario; ``scenario`` itself is unchanged.

    Raises
    ------
    InputError
        For an id that names no number of the scenario (a malformed id, an unknown pathway,
        visit, item, event or code, or an insurance id in a self-pay scenario).

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> fewer = with_params(ppo, {"pathway/dry_needling/visit/1/count": Param(3.0)})
    >>> fewer.pathways.get("dry_needling").visits[1].count.value
    3.0
    >>> with_params(ppo, {"pathway/dry_needling/visits": Param(3.0)})
    Traceback (most recent call last):
    ...
    calculator.errors.InputError: parameter id: expected one of the ids listed by `python -m calculator parameters`, found 'pathway/dry_needling/visits'.
    """  # noqa: E501
    pathways = {p.id: p for p in scenario.pathways.pathways}
    plan = scenario.insurance
    indirect = scenario.indirect
    overrides = dict(scenario.price_overrides)
    for text, param in changes.items():
        pid = ids.parse(text)
        match pid:
            case ids.PriceId(code=code, schedule=schedule):
                if code not in scenario.prices or (schedule is not None and schedule not in scenario.prices.schedules):
                    raise ids.invalid(text)
                overrides[code] = param
            case ids.PathwayId() | ids.VisitId() | ids.ItemId() | ids.AdverseId():
                if pid.pathway not in pathways:
                    raise ids.invalid(text)
                pathways[pid.pathway] = _pathway_with(pathways[pid.pathway], pid, param)
            case ids.CopayId(kind=kind) if plan is not None:
                plan = replace(plan, copays=tuple({**dict(plan.copays), kind: param}.items()))
            case ids.InsuranceId(field=name) if plan is not None:
                plan = replace(plan, **_field(name, param))
            case ids.BenefitId(kind=kind, field=name) if plan is not None:
                benefits = dict(plan.benefits)
                if kind not in benefits or getattr(benefits[kind], name) is None:
                    raise ids.invalid(text)
                benefits[kind] = replace(benefits[kind], **_field(name, param))
                plan = replace(plan, benefits=tuple(benefits.items()))
            case ids.TaxId(field=name) if plan is not None and plan.tax_advantaged is not None:
                plan = replace(plan, tax_advantaged=replace(plan.tax_advantaged, **_field(name, param)))
            case ids.IndirectId(field=name):
                indirect = replace(indirect, **_field(name, param))
            case _:
                raise ids.invalid(text)
    return replace(
        scenario,
        pathways=replace(scenario.pathways, pathways=tuple(pathways[p.id] for p in scenario.pathways.pathways)),
        insurance=plan,
        indirect=indirect,
        price_overrides=tuple(overrides.items()),
    )


def with_on_failure(scenario: Scenario, pathway_id: str, target: str | None) -> Scenario:
    """A copy with ``pathway_id``'s next line of care changed (None: no further care).

    Not yet validated: a change that makes a cycle is refused by :func:`validated`.

    Parameters
    ----------
    scenario : Scenario
        The scenario to change.
    pathway_id : str
        The pathway whose ``on_failure`` changes.
    target : str or None
        The pathway non-responders go on to, or None for none.

    Returns
    -------
    Scenario
        A new frozen scenario; ``scenario`` itself is unchanged.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> [p.id for p in with_on_failure(ppo, "dry_needling", None).pathways.chain("dry_needling")]
    ['dry_needling']
    """
    pathways = tuple(replace(p, on_failure=target) if p.id == pathway_id else p for p in scenario.pathways.pathways)
    return replace(scenario, pathways=replace(scenario.pathways, pathways=pathways))
