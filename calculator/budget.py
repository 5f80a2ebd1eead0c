"""Budget impact for a member population (SPEC §4.7).

A plan with ``members`` sees ``episodes_per_1000`` low back pain episodes per 1,000 members a
year. Each episode starts with one of the compared options in the proportions of a mix; the
expected cost of starting with an option (escalation included) comes from
:func:`calculator.costing.compare`. Comparing the current mix with a proposed one gives the
yearly total, the difference and the per-member-per-month (PMPM) difference, for the plan and,
separately, for the members' own out-of-pocket share.

It is a little over 400 lines because it holds the budget question whole: the validated inputs,
the sourced default mix and proposal (``data/budget-defaults.toml``), the yearly arithmetic and
the result's table, JSON and CSV forms.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .costing import Comparison, compare
from .errors import InputError
from .formats import BudgetDoc, input_error
from .formats.convert import budget_model
from .formatting import format_money
from .io import DATA_DIR
from .limits import LIMITS
from .models import BudgetInputs, Scenario

__all__ = [
    "BudgetInputs",
    "BudgetResult",
    "budget_impact",
    "budget_inputs_from_dict",
    "budget_table",
    "default_budget_inputs",
    "proposal_mix",
]

# The bounds of a budget block, from the one limits table (the app's form uses the same ones).
MAX_YEARS = int(LIMITS["budget_years"].maximum or 0)
MAX_MEMBERS = int(LIMITS["members"].maximum or 0)
MAX_EPISODES_PER_1000 = float(LIMITS["episodes_per_1000"].maximum or 0)
MIN_GROWTH, MAX_GROWTH = float(LIMITS["growth"].minimum or 0), float(LIMITS["growth"].maximum or 0)
DEFAULTS_FILE = DATA_DIR / "budget-defaults.toml"


@dataclass(frozen=True)
class BudgetYear:
    year: int
    members: float
    episodes: float
    plan_current: float
    plan_proposed: float
    members_current: float
    members_proposed: float

    @property
    def plan_difference(self) -> float:
        return self.plan_proposed - self.plan_current

    @property
    def members_difference(self) -> float:
        return self.members_proposed - self.members_current

    @property
    def plan_pmpm_difference(self) -> float:
        return self.plan_difference / (self.members * 12)

    @property
    def members_pmpm_difference(self) -> float:
        return self.members_difference / (self.members * 12)

    def as_dict(self) -> dict[str, float]:
        return {
            "year": self.year,
            "members": self.members,
            "episodes": self.episodes,
            "plan_current": self.plan_current,
            "plan_proposed": self.plan_proposed,
            "plan_difference": self.plan_difference,
            "plan_pmpm_difference": self.plan_pmpm_difference,
            "members_current": self.members_current,
            "members_proposed": self.members_proposed,
            "members_difference": self.members_difference,
            "members_pmpm_difference": self.members_pmpm_difference,
        }


@dataclass(frozen=True)
class BudgetResult:
    inputs: BudgetInputs
    currency: str
    per_episode: Mapping[str, Mapping[str, float]]  # option → {"insurer", "patient"}
    years: tuple[BudgetYear, ...]
    assumptions: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "assumptions": list(self.assumptions),
            "currency": self.currency,
            "members": self.inputs.members,
            "episodes_per_1000": self.inputs.episodes_per_1000,
            "growth": self.inputs.growth,
            "current_mix": dict(self.inputs.current_mix),
            "proposed_mix": dict(self.inputs.proposed_mix),
            "per_episode": {o: dict(v) for o, v in self.per_episode.items()},
            "years": [y.as_dict() for y in self.years],
            "total": {
                "plan_difference": sum(y.plan_difference for y in self.years),
                "members_difference": sum(y.members_difference for y in self.years),
                "plan_pmpm_difference": sum(y.plan_difference for y in self.years)
                / sum(y.members * 12 for y in self.years),
                "members_pmpm_difference": sum(y.members_difference for y in self.years)
                / sum(y.members * 12 for y in self.years),
            },
        }


def check_mixes(
    inputs: BudgetInputs, options: tuple[str, ...], *, source: str = "budget", prefix: str = ""
) -> BudgetInputs:
    """The checks that need the scenario: each mix names compared options and adds up to 1."""
    problems = []
    for key, mix in (("current_mix", inputs.current_mix), ("proposed_mix", inputs.proposed_mix)):
        where = f"{prefix}.{key}" if prefix else key
        for option, _ in mix:
            if option not in options:
                problems.append(
                    InputError(
                        source, f"{where}.{option}", f"one of the compared options ({', '.join(options)})", option
                    )
                )
        total = sum(s for _, s in mix)
        if abs(total - 1) > 1e-6:
            problems.append(InputError(source, where, "shares that add up to 1", found_text=f"a total of {total:g}"))
    if problems:
        raise InputError.from_problems(problems)
    return inputs


# The bounds of a budget block (the app's form uses the same ones).
MAX_MEMBERS = 1_000_000_000
MAX_EPISODES_PER_1000 = 1_000.0
MIN_GROWTH, MAX_GROWTH = -0.5, 1.0


def budget_inputs_from_dict(
    raw: Mapping[str, Any], options: tuple[str, ...], *, source: str = "budget", prefix: str = ""
) -> BudgetInputs:
    """Validate budget inputs (a scenario's ``budget`` block, or the app's and CLI's).

    The block is declared in :class:`calculator.formats.BudgetDoc` (bounds in
    :data:`calculator.limits.LIMITS`); every problem is reported in ``InputError.problems``.
    """
    if not isinstance(raw, Mapping):
        raise InputError(source, prefix or "budget", "an object with named fields", raw)
    try:
        doc = BudgetDoc.model_validate(dict(raw))
    except ValidationError as exc:
        raise input_error(exc, source, prefix, root=BudgetDoc) from None
    return check_mixes(budget_model(doc), options, source=source, prefix=prefix)


def proposal_mix(
    current: Mapping[str, float], take_share: float, from_options: Iterable[str], to: str = "dry_needling"
) -> dict[str, float]:
    """The current mix with ``to`` taking ``take_share`` of all first-line care from ``from_options``.

    The share is taken from the named options in proportion to their current shares, so their
    relative sizes stay the same.

    Parameters
    ----------
    current : mapping of option id to share (0–1, adding up to 1)
    take_share : float
        Share of all first-line care (0–1) that moves to ``to``.
    from_options : iterable of option ids
        The options it would replace (not ``to``).
    to : str
        The option that gains the share.

    Returns
    -------
    dict
        Option id → share, adding up to 1.

    Examples
    --------
    Dry needling takes 10% of first-line care from medication (75%) and PT (25%):
    medication loses 10% × 75/100 = 7.5 points, PT 10% × 25/100 = 2.5 points.

    >>> proposal_mix({"medication": 0.75, "physical_therapy": 0.25, "dry_needling": 0.0}, 0.1,
    ...              ["medication", "physical_therapy"])
    {'medication': 0.675, 'physical_therapy': 0.225, 'dry_needling': 0.1}
    """
    sources = list(dict.fromkeys(from_options))
    if isinstance(take_share, bool) or not isinstance(take_share, int | float) or not 0 <= take_share <= 1:
        raise InputError("budget", "take_share", "a share from 0 to 1", take_share)
    if not sources:
        raise InputError("budget", "from_options", "at least one option to take the share from", None)
    for option in [*sources, to]:
        if option not in current:
            raise InputError("budget", "from_options", f"one of the options of the mix ({', '.join(current)})", option)
    if to in sources:
        raise InputError("budget", "from_options", f"options other than {to}", to)
    available = sum(current[o] for o in sources)
    if take_share > available + 1e-12:
        raise InputError(
            "budget",
            "take_share",
            f"at most the current share of {', '.join(sources)} ({available:.1%})",
            f"{take_share:.1%}",
        )
    out = dict(current)
    for option in sources:
        out[option] = round(current[option] - take_share * current[option] / available, 12) if available else 0.0
    out[to] = round(current[to] + take_share, 12)
    return out


@functools.lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def default_budget_inputs(scenario: Scenario) -> tuple[BudgetInputs, tuple[str, ...]]:
    """The default budget question for a scenario, and the assumptions it rests on.

    The current mix of first-line care comes from claims (``data/budget-defaults.toml``, each
    share with its source id and evidence tag); the proposal is "dry needling takes 10% of
    first-line care from medication and physical therapy". Options the scenario does not
    compare are dropped and the rest rescaled; without any sourced option, the mix is even.

    Returns
    -------
    (BudgetInputs, tuple of str)
        Inputs for :func:`budget_impact` and the assumptions in words.
    """
    data = _defaults()
    sources = data["sources"]
    options = scenario.compare
    assumptions: list[str] = []
    shares = {o: float(v["share"]) for o, v in data["current_mix"].items() if o in options}
    for option, entry in data["current_mix"].items():
        if option in options:
            assumptions.append(
                f"Current first-line share of {option}: {entry['share']:.0%} [{entry['evidence']}] "
                f"({entry['note']}; source {entry['source']}, {entry['year']})."
            )
    used = {s.strip() for o, e in data["current_mix"].items() if o in options for s in e["source"].split(";")}
    assumptions += [f"Source {sid}: {sources[sid]['citation']}." for sid in sorted(used) if sid != "assumption"]
    total = sum(shares.values())
    if total <= 0:
        shares = dict.fromkeys(options, 1 / len(options))
        assumptions = [f"No sourced first-line share fits these options: an even mix of {len(options)} [A]."]
    else:
        missing = [o for o in data["current_mix"] if o not in options and data["current_mix"][o]["share"] > 0]
        if missing:
            assumptions.append(f"Not compared here, so left out and the other shares rescaled: {', '.join(missing)}.")
        shares = {o: shares.get(o, 0.0) / total for o in options}
    proposal = data["proposal"]
    to = proposal["to"]
    takers = [o for o in proposal["from_options"] if o in options and o != to]
    if to in options and takers and sum(shares[o] for o in takers) >= proposal["take_share"]:
        proposed = proposal_mix(shares, proposal["take_share"], takers, to)
        assumptions.append(
            f"Proposal: {to} takes {proposal['take_share']:.0%} of first-line care from {', '.join(takers)}, "
            f"in proportion to their current shares [{proposal['evidence']}]."
        )
    else:
        proposed = dict(shares)
        assumptions.append(f"Proposal: unchanged mix ({to} or the options it would replace are not compared here).")
    population = data["population"]
    assumptions.append(
        f"{population['members']:,} members and {population['episodes_per_1000']:g} new low back pain episodes per "
        f"1,000 members a year [{population['evidence']}]: {population['note']}."
    )
    inputs = BudgetInputs(
        members=int(population["members"]),
        episodes_per_1000=float(population["episodes_per_1000"]),
        current_mix=tuple((o, round(s, 12)) for o, s in shares.items()),
        proposed_mix=tuple((o, round(s, 12)) for o, s in proposed.items()),
        years=int(population["years"]),
        growth=float(population["growth"]),
    )
    return inputs, tuple(assumptions)


def budget_impact(
    scenario: Scenario,
    inputs: BudgetInputs,
    comparison: Comparison | None = None,
    assumptions: Iterable[str] = (),
) -> BudgetResult:
    """Yearly plan and member spending under the current and the proposed mix.

    Parameters
    ----------
    scenario : Scenario
    inputs : BudgetInputs
        Members, episodes per 1,000 members a year, the two mixes, 1–5 years, yearly growth.
    comparison : Comparison, optional
        Base-case results of ``scenario`` if already computed.
    assumptions : iterable of str
        Assumptions behind the inputs (e.g. from :func:`default_budget_inputs`); the model's own
        are added.

    Returns
    -------
    BudgetResult
        Per year: members, episodes, the plan's and the members' spending under each mix, the
        differences and the per-member-per-month (PMPM) differences; the assumptions in words.

    Examples
    --------
    1,000 members with 100 episodes per 1,000 a year: 100 episodes. Moving them all from
    medication to physical therapy changes the plan's spending by 100 × (the difference of the
    two options' expected insurer cost), and PMPM by that over 1,000 × 12 member-months.

    >>> from calculator.io import DATA_DIR, load_scenario
    >>> ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    >>> inputs = BudgetInputs(1000, 100.0, (("medication", 1.0),), (("physical_therapy", 1.0),))
    >>> year = budget_impact(ppo, inputs).years[0]
    >>> insurer = {o.id: o.expected.insurer for o in compare(ppo)}
    >>> step = insurer["physical_therapy"] - insurer["medication"]  # per episode
    >>> year.episodes, round(year.plan_difference / step, 6), round(year.plan_pmpm_difference * 12_000 / step, 6)
    (100.0, 100.0, 100.0)
    """
    options = scenario.compare
    budget_inputs_from_dict(inputs.as_dict(), options)  # inputs built in code get the same checks
    result = comparison if comparison is not None else compare(scenario)
    per_episode = {o.id: {"insurer": o.expected.insurer, "patient": o.expected.patient} for o in result}

    def mix_cost(mix: tuple[tuple[str, float], ...], who: str) -> float:
        return sum(share * per_episode[option][who] for option, share in mix)

    years = []
    for year in range(1, inputs.years + 1):
        members = inputs.members * (1 + inputs.growth) ** (year - 1)
        episodes = members * inputs.episodes_per_1000 / 1000
        years.append(
            BudgetYear(
                year=year,
                members=members,
                episodes=episodes,
                plan_current=episodes * mix_cost(inputs.current_mix, "insurer"),
                plan_proposed=episodes * mix_cost(inputs.proposed_mix, "insurer"),
                members_current=episodes * mix_cost(inputs.current_mix, "patient"),
                members_proposed=episodes * mix_cost(inputs.proposed_mix, "patient"),
            )
        )
    own = (
        "An episode costs the expected cost of starting with its first-line option, escalation to later care "
        "included, at the scenario's prices and plan.",
        "The plan pays the insurer's share and members pay their out-of-pocket share; time, travel and lost work "
        "are not in the budget.",
        "Costs per episode are the same every year: no price inflation and no discounting.",
        f"Membership grows by {inputs.growth:.1%} a year; the episode rate and the mixes stay the same.",
    )
    return BudgetResult(inputs, scenario.currency, per_episode, tuple(years), (*assumptions, *own))


def budget_table(result: BudgetResult) -> str:
    """Plain-text budget impact table for the terminal, with the assumptions below it."""
    c = result.currency
    header = [
        "Year",
        "Members",
        "Episodes",
        "Plan now",
        "Plan proposed",
        "Plan change",
        "PMPM",
        "Members' change",
        "PMPM",
    ]
    rows = [
        [
            str(y.year),
            f"{y.members:,.0f}",
            f"{y.episodes:,.0f}",
            format_money(y.plan_current, c),
            format_money(y.plan_proposed, c),
            format_money(y.plan_difference, c),
            format_money(y.plan_pmpm_difference, c, cents=True),
            format_money(y.members_difference, c),
            format_money(y.members_pmpm_difference, c, cents=True),
        ]
        for y in result.years
    ]
    total = result.to_dict()["total"]
    rows.append(
        [
            "Total",
            "",
            f"{sum(y.episodes for y in result.years):,.0f}",
            format_money(sum(y.plan_current for y in result.years), c),
            format_money(sum(y.plan_proposed for y in result.years), c),
            format_money(total["plan_difference"], c),
            format_money(total["plan_pmpm_difference"], c, cents=True),
            format_money(total["members_difference"], c),
            format_money(total["members_pmpm_difference"], c, cents=True),
        ]
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "Budget impact: current mix "
        + ", ".join(f"{o} {s:.1%}" for o, s in result.inputs.current_mix)
        + "; proposed "
        + ", ".join(f"{o} {s:.1%}" for o, s in result.inputs.proposed_mix),
        "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.append("Assumptions:")
    lines += [f"- {a}" for a in result.assumptions]
    return "\n".join(lines)
