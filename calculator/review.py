"""Reviewer diff: every assumption changed from a reference scenario and what each change does.

For an insurer's analyst: each changed number with its old and new value and, taken alone (the
rest at the reference), its effect on every option's expected cost. The effects of all single
changes come from one vectorised evaluation; the combined effect is the difference between the
two scenarios' results (single effects need not add up to it: the plan's deductible and
out-of-pocket maximum make costs non-linear).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import param_ids as ids
from .costing import compare, evaluate, parameters
from .models import Param, Scenario

__all__ = ["AssumptionChange", "Review", "review_changes"]

PERSPECTIVES = ("patient", "insurer", "societal")


@dataclass(frozen=True)
class AssumptionChange:
    """One number that differs between the reference and the changed scenario, by parameter id."""

    id: str
    label: str
    old: Param | None
    new: Param | None
    effect: dict[str, dict[str, float]] | None  # perspective → option → change in expected cost

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class Review:
    """Everything that changed, with cost effects (see :func:`review_changes`)."""

    changes: tuple[AssumptionChange, ...]
    settings: tuple[tuple[str, str, str], ...]  # (what, old, new) for non-numeric settings
    total_effect: dict[str, dict[str, float]]  # perspective → option → change, all changes together

    def to_rows(self) -> list[dict[str, Any]]:
        rows = []
        for change in self.changes:
            row: dict[str, Any] = {
                "id": change.id,
                "assumption": change.label,
                "change": change.kind,
                "old": _describe(change.old),
                "new": _describe(change.new),
            }
            for perspective in PERSPECTIVES:
                for option, delta in (change.effect or {}).get(perspective, {}).items():
                    row[f"{perspective}:{option}"] = delta
            rows.append(row)
        return rows


def _describe(param: Param | None) -> str:
    if param is None:
        return ""
    text = f"{param.value:,.6g}"
    if param.uncertain:
        text += f" ({param.dist} {param.low:,.6g}–{param.high:,.6g})"
    return text


def _same(a: Param, b: Param) -> bool:
    return (a.value, a.dist, a.low, a.high) == (b.value, b.dist, b.low, b.high)


def _settings(reference: Scenario, scenario: Scenario) -> list[tuple[str, str, str]]:
    out = []

    def note(what: str, old: object, new: object) -> None:
        if old != new:
            out.append((what, str(old), str(new)))

    note("Price schedule", reference.schedule, scenario.schedule)
    note("Options compared", ", ".join(reference.compare), ", ".join(scenario.compare))
    note("Price table", reference.prices.label, scenario.prices.label)
    note("Self-pay", reference.insurance is None, scenario.insurance is None)
    if reference.insurance is not None and scenario.insurance is not None:
        note(
            "Uncovered codes",
            ", ".join(reference.insurance.uncovered_codes),
            ", ".join(scenario.insurance.uncovered_codes),
        )
        note("Visit limits", dict(reference.insurance.visit_limits), dict(scenario.insurance.visit_limits))
        note("Out-of-pocket maximum", reference.insurance.oop_max is not None, scenario.insurance.oop_max is not None)
    note("Price spread", reference.price_spread, scenario.price_spread)
    for pid in sorted(set(reference.pathways.ids) | set(scenario.pathways.ids)):
        old = reference.pathways.get(pid) if pid in reference.pathways else None
        new = scenario.pathways.get(pid) if pid in scenario.pathways else None
        if old is None or new is None:
            note(f"Pathway {pid}", "present" if old else "absent", "present" if new else "absent")
            continue
        note(f"{new.label}: next line of care", old.on_failure, new.on_failure)
        shape_old = [(v.name, v.kind, tuple(i.code for i in v.items)) for v in old.visits]
        shape_new = [(v.name, v.kind, tuple(i.code for i in v.items)) for v in new.visits]
        note(f"{new.label}: visits and items", shape_old, shape_new)
    return out


def review_changes(reference: Scenario, scenario: Scenario) -> Review:
    """What changed from ``reference`` to ``scenario``, and the cost effect of each change.

    Parameters
    ----------
    reference : Scenario
        The scenario the changes are measured from (e.g. the shipped preset).
    scenario : Scenario
        The changed scenario.

    Returns
    -------
    Review
        ``changes``: one :class:`AssumptionChange` per number (by parameter id) that differs,
        was added or was removed, with, for changed numbers of matching structure, ``effect``:
        perspective (``patient``, ``insurer``, ``societal``) → option → change in expected cost
        per episode (money) with that change alone. ``settings``: non-numeric differences as
        (what, old, new). ``total_effect``: the same mapping for all changes together.

    Examples
    --------
    Raising the deductible from 1,500 to 2,000 can only raise what patients pay:

    >>> from calculator.edit import with_params
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> from calculator.models import Param
    >>> ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> review = review_changes(ppo, with_params(ppo, {"insurance/deductible": Param(2000.0)}))
    >>> [(c.id, c.kind, c.old.value, c.new.value) for c in review.changes]
    [('insurance/deductible', 'changed', 1500.0, 2000.0)]
    >>> all(delta >= 0 for delta in review.changes[0].effect["patient"].values())
    True
    """
    old_params = {p.id: p for p in parameters(reference)}
    new_params = {p.id: p for p in parameters(scenario)}
    changed = [
        pid for pid in new_params if pid in old_params and not _same(old_params[pid].param, new_params[pid].param)
    ]
    options = [o for o in reference.compare if o in scenario.compare]
    effects: dict[str, dict[str, dict[str, float]]] = {}
    # Structure must match for single effects to mean anything: the same pathways and visits.
    comparable = [pid for pid in changed if _structure_matches(reference, scenario, pid)]
    if comparable:
        n = len(comparable)
        draws = {}
        for i, pid in enumerate(comparable):
            column = np.full(n, old_params[pid].param.value)
            column[i] = new_params[pid].param.value
            draws[pid] = column
        varied = evaluate(reference, draws)
        base = evaluate(reference)
        for i, pid in enumerate(comparable):
            effects[pid] = {
                p: {
                    o: float(
                        np.broadcast_to(varied[o]["expected"][p], (n,))[i]
                        - np.asarray(base[o]["expected"][p]).reshape(-1)[0]
                    )
                    for o in options
                }
                for p in PERSPECTIVES
            }
    changes = [
        AssumptionChange(pid, new_params[pid].label, old_params[pid].param, new_params[pid].param, effects.get(pid))
        for pid in changed
    ]
    changes += [
        AssumptionChange(pid, p.label, None, p.param, None) for pid, p in new_params.items() if pid not in old_params
    ]
    changes += [
        AssumptionChange(pid, p.label, p.param, None, None) for pid, p in old_params.items() if pid not in new_params
    ]
    before = compare(reference)
    after = compare(scenario)
    total = {
        p: {o: getattr(after.option(o).expected, p) - getattr(before.option(o).expected, p) for o in options}
        for p in PERSPECTIVES
    }
    return Review(tuple(changes), tuple(_settings(reference, scenario)), total)


def _structure_matches(reference: Scenario, scenario: Scenario, pid: str) -> bool:
    parsed = ids.parse(pid)
    if not isinstance(parsed, ids.PATHWAY_SCOPED):
        return True
    pathway_id = parsed.pathway
    if pathway_id not in reference.pathways or pathway_id not in scenario.pathways:
        return False
    old = reference.pathways.get(pathway_id)
    new = scenario.pathways.get(pathway_id)
    return [(v.kind, tuple(i.code for i in v.items)) for v in old.visits] == [
        (v.kind, tuple(i.code for i in v.items)) for v in new.visits
    ] and len(old.adverse_events) == len(new.adverse_events)
