"""Budget impact for a member population (SPEC §4.7).

A plan with ``members`` sees ``episodes_per_1000`` low back pain episodes per 1,000 members a
year. Each episode starts with one of the compared options in the proportions of a mix; the
expected cost of starting with an option (escalation included) comes from
:func:`calculator.costing.compare`. Comparing the current mix with a proposed one gives the
yearly total, the difference and the per-member-per-month (PMPM) difference, for the plan and,
separately, for the members' own out-of-pocket share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .costing import Comparison, compare
from .errors import InputError
from .models import BudgetInputs, Scenario

__all__ = ["BudgetInputs", "BudgetResult", "budget_impact", "budget_inputs_from_dict"]

MAX_YEARS = 5


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

    def to_dict(self) -> dict[str, Any]:
        return {
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
            },
        }


def _number(
    source: str, where: str, raw: object, *, low: float, high: float | None = None, whole: bool = False
) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InputError(source, where, "a number", raw)
    if raw < low or (high is not None and raw > high):
        span = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
        raise InputError(source, where, f"a number {span}", raw)
    if whole and raw != int(raw):
        raise InputError(source, where, "a whole number", raw)
    return float(raw)


def _mix(source: str, where: str, raw: object, options: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise InputError(source, where, 'shares by option, e.g. {"medication": 0.6, ...}', raw)
    mix = []
    for option, share in raw.items():
        if option not in options:
            raise InputError(source, f"{where}.{option}", f"one of the compared options ({', '.join(options)})", option)
        mix.append((option, _number(source, f"{where}.{option}", share, low=0, high=1)))
    total = sum(s for _, s in mix)
    if abs(total - 1) > 1e-6:
        raise InputError(source, where, "shares that add up to 1", found_text=f"a total of {total:g}")
    return tuple(mix)


# The bounds of a budget block (the app's form uses the same ones).
MAX_MEMBERS = 1_000_000_000
MAX_EPISODES_PER_1000 = 1_000.0
MIN_GROWTH, MAX_GROWTH = -0.5, 1.0


def budget_inputs_from_dict(
    raw: Mapping[str, Any], options: tuple[str, ...], *, source: str = "budget", prefix: str = ""
) -> BudgetInputs:
    """Validate budget inputs (a scenario's ``budget`` block, or the app's and CLI's)."""

    def at(key: str) -> str:
        return f"{prefix}.{key}" if prefix else key

    allowed = ("members", "episodes_per_1000", "current_mix", "proposed_mix", "years", "growth")
    if not isinstance(raw, Mapping):
        raise InputError(source, prefix or "budget", "an object with named fields", raw)
    for key in raw:
        if key not in allowed:
            raise InputError(
                source, at(key), f"one of the fields {', '.join(allowed)}", found_text=f"the unknown field {key!r}"
            )
    for key in ("members", "episodes_per_1000", "current_mix", "proposed_mix"):
        if key not in raw:
            raise InputError(source, at(key), "a value (the field is required)", None)
    return BudgetInputs(
        members=int(_number(source, at("members"), raw["members"], low=1, high=MAX_MEMBERS, whole=True)),
        episodes_per_1000=_number(
            source, at("episodes_per_1000"), raw["episodes_per_1000"], low=0, high=MAX_EPISODES_PER_1000
        ),
        current_mix=_mix(source, at("current_mix"), raw["current_mix"], options),
        proposed_mix=_mix(source, at("proposed_mix"), raw["proposed_mix"], options),
        years=int(_number(source, at("years"), raw.get("years", 1), low=1, high=MAX_YEARS, whole=True)),
        growth=_number(source, at("growth"), raw.get("growth", 0.0), low=MIN_GROWTH, high=MAX_GROWTH),
    )


def budget_impact(scenario: Scenario, inputs: BudgetInputs, comparison: Comparison | None = None) -> BudgetResult:
    """Yearly plan and member spending under the current and the proposed mix (SPEC §4.7).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; the mixes name its compared options.
    inputs : BudgetInputs
        Members (a whole number), episodes per 1,000 members a year, the current and proposed
        mixes (shares from 0 to 1 that add up to 1 each), the horizon in years (1 to 5) and the
        yearly membership growth (a fraction, e.g. 0.02).
    comparison : Comparison, optional
        ``compare(scenario)`` when the caller has it already.

    Returns
    -------
    BudgetResult
        Per option the expected insurer and patient cost of an episode (money), and per year
        the members, episodes, plan and member spending under each mix, their differences and
        the per-member-per-month (PMPM) differences (money). ``to_dict()`` is the CLI's JSON.

    Raises
    ------
    InputError
        When ``inputs`` break a rule (the same checks as the scenario file's ``budget`` block).

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
    return BudgetResult(inputs, scenario.currency, per_episode, tuple(years))
