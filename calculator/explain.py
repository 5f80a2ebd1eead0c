"""Plain-language text for patients, built from results (pure functions, no Streamlit).

Everything returned here is plain text (no Markdown): the app escapes it before display. Money
goes through :func:`calculator.formatting.format_money`, so no raw float reaches the screen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import content
from .content import Checklist
from .costing import Comparison, OptionResult
from .formatting import format_money, format_percent
from .models import Scenario

__all__ = [
    "NOT_BETTER",
    "checklist_warning",
    "cheapest",
    "includes",
    "outcome_counts",
    "outcome_sentence",
    "round_to_total",
    "summary",
    "uncovered_items",
]

NOT_BETTER = "Not better after the treatments taken"


# --------------------------------------------------------------------------------------------
# Who is cheapest


def cheapest(comparison: Comparison, field: str = "patient") -> OptionResult:
    """The option with the lowest expected cost; ``field`` is a Costs field or ``patient_total``."""
    return min(comparison, key=lambda o: getattr(o.expected, field))


def uncovered_items(scenario: Scenario, pathway_id: str) -> list[str]:
    """Descriptions of the items of one pathway that the plan does not cover (first seen order)."""
    plan = scenario.insurance
    if plan is None or not plan.uncovered_codes:
        return []
    found: dict[str, None] = {}
    for visit in scenario.pathways.get(pathway_id).visits:
        for item in visit.items:
            if item.code in plan.uncovered_codes:
                found.setdefault(scenario.prices.row(item.code).description or item.code)
    return list(found)


def _plain(label: str) -> str:
    """An option label inside a sentence: first letter lower-case unless it looks like an acronym."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def summary(comparison: Comparison) -> list[str]:
    """A few plain sentences for a patient: who is cheapest, what is not covered, what it means.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> from calculator.costing import compare
    >>> text = summary(compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json")))
    >>> text[0].startswith("Paying for care yourself")
    True
    """
    scenario = comparison.scenario
    currency = scenario.currency
    options = list(comparison)
    if not options:
        return []
    sentences = []
    best = cheapest(comparison)
    ties = [o for o in options if o is not best and abs(o.expected.patient - best.expected.patient) < 0.5]
    lead = "Paying for care yourself" if scenario.insurance is None else "With your plan"
    name = _plain(best.label)
    if ties:
        names = " and ".join([name, *(_plain(o.label) for o in ties)])
        sentences.append(
            f"{lead}, {names} are likely to cost you the least: about "
            f"{format_money(best.expected.patient, currency)} out of pocket on average."
        )
    else:
        sentences.append(
            f"{lead}, {name} is likely cheapest for you: about "
            f"{format_money(best.expected.patient, currency)} out of pocket on average, "
            "counting further care for those who need it."
        )
    if len(options) > 1:
        dearest = max(options, key=lambda o: o.expected.patient)
        if dearest is not best:
            sentences.append(
                f"The options range from about {format_money(best.expected.patient, currency)} for {name} to "
                f"{format_money(dearest.expected.patient, currency)} for {_plain(dearest.label)}."
            )
    for o in options:
        items = uncovered_items(scenario, o.id)
        if items:
            sentences.append(
                f"Your plan does not cover part of {_plain(o.label)} ({'; '.join(items)}): you pay the "
                "clinic's cash price for it, and it does not count toward your deductible or "
                "out-of-pocket maximum."
            )
    overall = cheapest(comparison, "patient_total")
    if overall.id != best.id:
        sentences.append(
            f"Counting your time, travel and any time off work as well, {_plain(overall.label)} costs you "
            f"least overall (about {format_money(overall.expected.patient_total, currency)})."
        )
    else:
        sentences.append(
            f"It also costs you least once your time, travel and any time off work are counted (about "
            f"{format_money(best.expected.patient_total, currency)} in all)."
        )
    plan = scenario.insurance
    if plan is not None:
        left = plan.deductible_left
        if left > 0:
            sentences.append(
                f"You have {format_money(left, currency)} of your deductible left: until it is met you pay "
                "the full plan price of covered care that has no copay."
            )
        if plan.oop_max is None:
            sentences.append("Your plan has no out-of-pocket maximum, so nothing caps what you pay.")
        else:
            room = plan.oop_room
            sentences.append(
                f"Your out-of-pocket maximum caps what you pay for covered care this year at "
                f"{format_money(room, currency)} more."
            )
    escalating = max(options, key=lambda o: o.p_escalate)
    if escalating.p_escalate > 0:
        chain = scenario.pathways.chain(escalating.id)
        following = _plain(chain[1].label) if len(chain) > 1 else "further care"
        sentences.append(
            f"The figures include the chance of needing more care: for example, about "
            f"{round(escalating.p_escalate * 100)} in 100 people who start with {_plain(escalating.label)} "
            f"go on to {following}."
        )
    return sentences


# --------------------------------------------------------------------------------------------
# What an option includes


def includes(option: OptionResult, scenario: Scenario) -> str:
    """What starting with ``option`` involves: the first-line visits and the further care.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> from calculator.costing import compare
    >>> result = compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json"))
    >>> includes(result.option("physical_therapy"), scenario=result.scenario).startswith("7 visits")
    True
    """
    pathway = scenario.pathways.get(option.id)
    first = option.branches[0] if option.branches else None
    lines = [line for line in (first.lines if first else ()) if line.pathway == option.id]
    total = int(sum(round(line.count) for line in lines))
    parts = [f"{int(round(line.count))} × {line.visit}" for line in lines if round(line.count) > 0]
    weeks = pathway.weeks.value
    text = f"{total} visit{'s' if total != 1 else ''}"
    if weeks > 0:
        text += f" over about {_weeks(weeks)}"
    if parts:
        text += f" ({', '.join(parts)})"
    chain = scenario.pathways.chain(option.id)
    if len(chain) > 1:
        onward = " then ".join(_plain(p.label) for p in chain[1:])
        text += f". If it does not help: {onward} ({format_percent(option.p_escalate)} go on)"
    return text + "."


def _weeks(weeks: float) -> str:
    n = round(weeks)
    return f"{n} week{'s' if n != 1 else ''}"


# --------------------------------------------------------------------------------------------
# Out of 100 people like you


def round_to_total(values: Sequence[float], total: int = 100) -> list[int]:
    """Whole numbers that add up to ``total`` (largest remainder), for icon arrays.

    Shares are rescaled to add up to 1 first; all-zero shares give all zeros.

    >>> round_to_total([0.333, 0.333, 0.334])
    [33, 33, 34]
    >>> sum(round_to_total([0.6, 0.06, 0.003, 0.337]))
    100
    """
    scaled = [max(float(v), 0.0) * total for v in values]
    s = sum(scaled)
    if s <= 0:
        return [0] * len(scaled)  # nothing to share out
    if not math.isclose(s, total):
        scaled = [v * total / s for v in scaled]
    floors = [int(math.floor(v)) for v in scaled]
    short = total - sum(floors)
    order = sorted(range(len(scaled)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


@dataclass(frozen=True)
class Outcome:
    """One group of the icon array: ``pathway`` is where people responded (None: not better)."""

    label: str
    count: int
    pathway: str | None


def outcome_counts(scenario: Scenario, option_id: str, people: int = 100) -> list[Outcome]:
    """Out of ``people`` starting with an option: how many respond at each step, how many don't.

    Uses the base-case response and escalation probabilities of the escalation chain
    (SPEC §4.4): at step k, ``reach × p_k`` respond; of the non-responders a share
    ``escalation_probability`` go on, the rest stop; at the last step every non-responder stops.
    """
    chain = scenario.pathways.chain(option_id)
    reach = 1.0
    shares: list[float] = []
    labels: list[tuple[str, str | None]] = []
    not_better = 0.0
    for k, pathway in enumerate(chain):
        p = pathway.response_probability.value
        responded = reach * p
        if k == 0:
            labels.append((f"Better with {_plain(pathway.label)}", pathway.id))
        else:
            labels.append((f"Better after going on to {_plain(pathway.label)}", pathway.id))
        shares.append(responded)
        if k < len(chain) - 1:
            onward = reach * (1 - p) * pathway.escalation_probability.value
            not_better += reach * (1 - p) - onward
            reach = onward
        else:
            not_better += reach * (1 - p)
    shares.append(not_better)
    labels.append((NOT_BETTER, None))
    counts = round_to_total(shares, people)
    return [Outcome(label, n, pid) for (label, pid), n in zip(labels, counts, strict=True)]


def outcome_sentence(outcomes: Iterable[Outcome], option_label: str, people: int = 100) -> str:
    """'Out of 100 people like you who start with ..., 60 get better with it, ...'."""
    outcomes = list(outcomes)
    parts = []
    for k, o in enumerate(outcomes):
        if o.pathway is None:
            parts.append(f"{o.count} are not better after the treatments they took")
        elif k == 0:
            parts.append(f"{o.count} get better with it")
        elif o.count > 0:
            parts.append(f"{o.count} get better after going on to {o.label.removeprefix('Better after going on to ')}")
    if len(parts) > 1:
        body = ", ".join(parts[:-1]) + " and " + parts[-1]
    else:
        body = parts[0] if parts else ""
    return f"Out of {people} people like you who start with {_plain(option_label)}, {body}."


# --------------------------------------------------------------------------------------------
# The patient checklist (its questions and words are data: data/content/checklist.toml)


def checklist_warning(ticked: Iterable[str], checklist: Checklist | None = None) -> str | None:
    """The warning for the ticked checklist keys, or None when nothing (known) is ticked.

    ``checklist`` defaults to the shipped one (:func:`calculator.content.checklist`).

    >>> checklist_warning([]) is None
    True
    >>> "talk to a clinician" in checklist_warning(["pregnancy"])
    True
    """
    checklist = checklist or content.checklist()
    keys = set(ticked)
    chosen = [item for item in checklist.items if item.key in keys]
    if not chosen:
        return None
    return checklist.warning.replace("{ticked}", "; ".join(f"“{item.question}”" for item in chosen))
