"""Deterministic and vectorised costing (SPEC §4.1–§4.5).

One evaluator serves every analysis. It walks the scenario once per starting option, with every
number held as either a Python float (the base case) or a numpy array with one entry per draw
(probabilistic analysis, one-way sensitivity, break-even grids). Loops run over the model's
structure (options, escalation steps, visit groups, items), never over draws.

Who pays what (SPEC §4.2) is :func:`calculator.cost_sharing.cost_share`, which costs a group
of ``count`` identical visits in closed form, equal to the SPEC's visit-by-visit rule, in one
step instead of ``count``. Parameter ids are built by :mod:`calculator.param_ids` only.

Over 400 lines because it holds three parts that change together when a number is added to the
model: the parameter list (ids, labels, units), the evaluator that reads those ids, and the
result types. They could become three modules; that move waits until the branches that edit
this file have merged.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from . import param_ids as ids
from .cost_sharing import NO_BENEFIT, Benefit, Number, cost_share
from .finite import check_finite
from .models import INDIRECT_FIELDS, Param, Pathway, Scenario

__all__ = [
    "COST_FIELDS",
    "Branch",
    "Comparison",
    "Costs",
    "OptionResult",
    "Parameter",
    "PlanYearReset",
    "VisitLine",
    "compare",
    "cost_share",
    "evaluate",
    "parameters",
]

COST_FIELDS = ("allowed", "insurer", "patient", "indirect", "adverse_events")


# --------------------------------------------------------------------------------------------
# The parameters of a scenario, each with a stable id. Uncertainty analyses replace values by id.


@dataclass(frozen=True)
class Parameter:
    """One number of the model with the id analyses use to vary it."""

    id: str
    label: str
    param: Param
    group: str  # "price", "pathway", "insurance", "indirect"
    probability: bool = False
    whole: bool = False
    unit: str = "money"  # money, probability, count, hours, days, weeks, units, qaly


def price_param_id(scenario: Scenario, code: str, schedule: str) -> str:
    """The id of ``code``'s price at ``schedule``: the override's id where the scenario has one."""
    overridden = any(c == code for c, _ in scenario.price_overrides)
    return ids.price(code, None if overridden else schedule)


def _price_param(scenario: Scenario, code: str, schedule: str) -> Param:
    overrides = dict(scenario.price_overrides)
    if code in overrides:
        return overrides[code]
    row = scenario.prices.row(code)
    value = scenario.prices.price(code, schedule)
    source = f"{row.source} ({row.as_of})" if row.as_of else row.source
    spread = scenario.price_spread
    if spread > 0 and value > 0:
        return Param(value, "gamma", value * (1 - spread), value * (1 + spread), source, row.evidence)
    return Param(value, "fixed", None, None, source, row.evidence)


def _used_codes(scenario: Scenario) -> list[str]:
    codes: dict[str, None] = {}
    for pathway in _reachable(scenario):
        for visit in pathway.visits:
            for item in visit.items:
                codes.setdefault(item.code)
    return list(codes)


def _reachable(scenario: Scenario) -> list[Pathway]:
    seen: dict[str, Pathway] = {}
    for start in scenario.compare:
        for pathway in scenario.pathways.chain(start):
            seen.setdefault(pathway.id, pathway)
    return list(seen.values())


def parameters(scenario: Scenario) -> list[Parameter]:
    """Every number the scenario's results depend on, with its id, label and uncertainty.

    Only numbers that can change a result are listed: prices of the codes the compared options
    (and their escalations) bill, at the schedules they are billed at; the numbers of those
    pathways; the plan's and the indirect costs'. The ids follow :mod:`calculator.param_ids`.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    list of Parameter
        In a stable order (prices, pathways, plan, indirect costs); each ``Parameter`` has the
        ``id``, a ``label`` for people, the ``param`` (value in ``unit``: money, probability,
        count, hours, days, weeks, units, miles or qaly, with its distribution) and its ``group``.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> by_id = {p.id: p for p in parameters(load_scenario(DATA_DIR / "scenarios" / "self-pay.json"))}
    >>> by_id["price/self_pay/97110"].param.value, by_id["pathway/physical_therapy/visit/1/count"].unit
    (33.97, 'count')
    >>> any(p.startswith("insurance/") for p in by_id)  # self-pay: no plan
    False
    """
    out: list[Parameter] = []
    plan = scenario.insurance
    uncovered = set(plan.uncovered_codes) if plan is not None else set()
    limited = plan is not None and bool(plan.visit_limits)
    overrides = dict(scenario.price_overrides)
    for code in _used_codes(scenario):
        row = scenario.prices.row(code)
        if code in overrides:
            out.append(
                Parameter(ids.price(code), f"Price of {code} ({row.description}), override", overrides[code], "price")
            )
            continue
        # The schedules this code is actually billed at: the uncovered one for uncovered codes,
        # and also for any code once a visit limit can push visits out of the plan.
        schedules = [] if code in uncovered else [scenario.schedule]
        if plan is not None and (code in uncovered or limited) and scenario.uncovered_schedule not in schedules:
            schedules.append(scenario.uncovered_schedule)
        for schedule in schedules:
            out.append(
                Parameter(
                    price_param_id(scenario, code, schedule),
                    f"Price of {code} ({row.description}), {schedule} schedule",
                    _price_param(scenario, code, schedule),
                    "price",
                )
            )
    for pathway in _reachable(scenario):
        pw = pathway.id
        name = pathway.label
        out.append(
            Parameter(
                ids.pathway(pw, "response_probability"),
                f"{name}: response probability",
                pathway.response_probability,
                "pathway",
                True,
                unit="probability",
            )
        )
        if pathway.on_failure is not None:
            out.append(
                Parameter(
                    ids.pathway(pw, "escalation_probability"),
                    f"{name}: non-responders going on to further care",
                    pathway.escalation_probability,
                    "pathway",
                    True,
                    unit="probability",
                )
            )
        out.append(
            Parameter(
                ids.pathway(pw, "work_days_lost"),
                f"{name}: work days lost",
                pathway.work_days_lost,
                "pathway",
                unit="days",
            )
        )
        out.append(Parameter(ids.pathway(pw, "weeks"), f"{name}: weeks", pathway.weeks, "pathway", unit="weeks"))
        if pathway.qaly_gain is not None:
            out.append(
                Parameter(
                    ids.pathway(pw, "qaly_gain"),
                    f"{name}: expected QALY gain",
                    pathway.qaly_gain,
                    "pathway",
                    unit="qaly",
                )
            )
        for v, visit in enumerate(pathway.visits):
            out.append(
                Parameter(
                    ids.visit(pw, v, "count"),
                    f"{name}: {visit.name}, number of visits",
                    visit.count,
                    "pathway",
                    whole=True,
                    unit="count",
                )
            )
            out.append(
                Parameter(
                    ids.visit(pw, v, "hours"),
                    f"{name}: {visit.name}, hours per visit",
                    visit.hours,
                    "pathway",
                    unit="hours",
                )
            )
            for i, item in enumerate(visit.items):
                out.append(
                    Parameter(
                        ids.item_units(pw, v, i),
                        f"{name}: {visit.name}, units of {item.code}",
                        item.units,
                        "pathway",
                        unit="units",
                    )
                )
        for e, event in enumerate(pathway.adverse_events):
            out.append(
                Parameter(
                    ids.adverse(pw, e, "probability"),
                    f"{name}: {event.name}, probability",
                    event.probability,
                    "pathway",
                    True,
                    unit="probability",
                )
            )
            out.append(Parameter(ids.adverse(pw, e, "cost"), f"{name}: {event.name}, cost", event.cost, "pathway"))
    if plan is not None:
        keys: tuple[ids.InsuranceField, ...] = ("deductible", "deductible_met", "coinsurance", "oop_met")
        for insurance_key in keys:
            out.append(
                Parameter(
                    ids.insurance(insurance_key),
                    f"Plan: {insurance_key.replace('_', ' ')}",
                    getattr(plan, insurance_key),
                    "insurance",
                    insurance_key == "coinsurance",
                    unit="probability" if insurance_key == "coinsurance" else "money",
                )
            )
        if plan.oop_max is not None:
            out.append(Parameter(ids.insurance("oop_max"), "Plan: out-of-pocket maximum", plan.oop_max, "insurance"))
        for kind, copay in plan.copays:
            out.append(Parameter(ids.copay(kind), f"Plan: copay, {kind.replace('_', ' ')} visit", copay, "insurance"))
        for kind, benefit in plan.benefits:
            benefit_fields: tuple[ids.BenefitField, ...] = ("copay", "coinsurance", "deductible", "deductible_met")
            for benefit_key in benefit_fields:
                param = getattr(benefit, benefit_key)
                if param is not None:
                    out.append(
                        Parameter(
                            ids.benefit(kind, benefit_key),
                            f"Plan: {benefit_key.replace('_', ' ')}, {kind.replace('_', ' ')} visits",
                            param,
                            "insurance",
                            benefit_key == "coinsurance",
                            unit="probability" if benefit_key == "coinsurance" else "money",
                        )
                    )
        if plan.tax_advantaged is not None:
            out.append(Parameter(ids.tax("balance"), "HSA/FSA balance", plan.tax_advantaged.balance, "insurance"))
            out.append(
                Parameter(
                    ids.tax("tax_rate"),
                    "Marginal tax rate",
                    plan.tax_advantaged.tax_rate,
                    "insurance",
                    True,
                    unit="probability",
                )
            )
    for field_name in INDIRECT_FIELDS:
        unit = {"travel_hours_per_visit": "hours", "miles_per_visit": "miles"}.get(field_name, "money")
        out.append(
            Parameter(
                ids.indirect(field_name),
                f"Time and travel: {field_name.replace('_', ' ')}",
                getattr(scenario.indirect, field_name),
                "indirect",
                unit=unit,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Vectorised evaluation


class _Values:
    """Base-case values, replaced by draws (arrays of length n) where given."""

    def __init__(self, draws: Mapping[str, np.ndarray] | None) -> None:
        self.draws = draws or {}

    def __call__(self, pid: str, param: Param) -> Number:
        drawn = self.draws.get(pid)
        return param.value if drawn is None else drawn


@dataclass
class _PlanState:
    """The plan-year accumulators (SPEC §4.2): what is left of each deductible, of the
    out-of-pocket maximum and of each visit limit, and the plan year (0 = the episode's first)
    they belong to (SPEC §4.2b)."""

    ded_left: Number
    oop_left: Number
    limits: dict[str, Number]
    kind_ded: dict[str, Number] = field(default_factory=dict)
    year: Number = 0.0

    def copy(self) -> _PlanState:
        return _PlanState(self.ded_left, self.oop_left, dict(self.limits), dict(self.kind_ded), self.year)

    def reset_where(self, mask: Number, fresh: _PlanState, year: int) -> None:
        """Every accumulator back to ``fresh`` where ``mask`` holds (per draw)."""
        self.ded_left = np.where(mask, fresh.ded_left, self.ded_left)
        self.oop_left = np.where(mask, fresh.oop_left, self.oop_left)
        self.limits = {k: np.where(mask, fresh.limits[k], n) for k, n in self.limits.items()}
        self.kind_ded = {k: np.where(mask, fresh.kind_ded[k], n) for k, n in self.kind_ded.items()}
        self.year = np.where(mask, float(year), self.year)
        # Keep what is not drawn in plain floats (the base case stays float arithmetic).
        self.ded_left, self.oop_left, self.year = _plain(self.ded_left), _plain(self.oop_left), _plain(self.year)
        self.limits = {k: _plain(n) for k, n in self.limits.items()}
        self.kind_ded = {k: _plain(n) for k, n in self.kind_ded.items()}


@dataclass(frozen=True)
class PlanYearReset:
    """A plan year that ended inside a branch (SPEC §4.2b): the new plan year's first day, the
    date of the first visit in it (where the accumulators reset) and what reset."""

    date: str
    first_visit: str
    reset: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date, "first_visit": self.first_visit, "reset": list(self.reset)}


@dataclass(frozen=True)
class VisitLine:
    """One group of identical visits as costed in a branch (base case only)."""

    pathway: str
    visit: str
    kind: str
    count: float
    allowed: float
    insurer: float
    patient: float
    indirect: float
    start_week: float
    weeks: float
    by_category: tuple[tuple[str, float], ...]


class _Evaluator:
    def __init__(self, scenario: Scenario, draws: Mapping[str, np.ndarray] | None, detail: bool) -> None:
        self.s = scenario
        self.v = _Values(draws)
        self.detail = detail
        self.plan = scenario.insurance
        self._visit_cache: dict[tuple[str, int], tuple[Number, Number, Number, dict[str, Number]]] = {}
        self._price_cache: dict[tuple[str, str], Number] = {}
        plan = self.plan
        self.uncovered = set(plan.uncovered_codes) if plan else set()
        self.benefits: dict[str, Benefit] = {}
        # A kind's own deductible (SPEC §3.4), as (deductible, deductible met).
        self.kind_deductibles: dict[str, tuple[Number, Number]] = {}
        if plan is not None:
            # The version-1 `copays` are shorthand for a benefit with only a copay.
            self.benefits = {k: Benefit(copay=self.v(ids.copay(k), p)) for k, p in plan.copays}
            for kind, b in plan.benefits:
                self.benefits[kind] = Benefit(
                    copay=None if b.copay is None else self.v(ids.benefit(kind, "copay"), b.copay),
                    coinsurance=None
                    if b.coinsurance is None
                    else self.v(ids.benefit(kind, "coinsurance"), b.coinsurance),
                    deductible_applies=b.deductible_applies,
                )
                if b.deductible is not None:
                    met = (
                        0.0
                        if b.deductible_met is None
                        else self.v(ids.benefit(kind, "deductible_met"), b.deductible_met)
                    )
                    self.kind_deductibles[kind] = (self.v(ids.benefit(kind, "deductible"), b.deductible), met)
        self.coinsurance: Number = self.v(ids.insurance("coinsurance"), plan.coinsurance) if plan else 1.0
        self.tax: tuple[Number, Number] | None = None
        if plan is not None and plan.tax_advantaged is not None:
            self.tax = (
                self.v(ids.tax("balance"), plan.tax_advantaged.balance),
                self.v(ids.tax("tax_rate"), plan.tax_advantaged.tax_rate),
            )
        self.resets: list[PlanYearReset] = []
        self.boundaries: list[tuple[int, date]] = []
        ind = scenario.indirect
        hourly = self.v(ids.indirect("hourly_value"), ind.hourly_value)
        self.hourly = hourly
        self.travel_cost = (
            self.v(ids.indirect("travel_hours_per_visit"), ind.travel_hours_per_visit) * hourly
            + self.v(ids.indirect("miles_per_visit"), ind.miles_per_visit)
            * self.v(ids.indirect("mileage_rate"), ind.mileage_rate)
            + self.v(ids.indirect("parking_per_visit"), ind.parking_per_visit)
        )
        self.daily_wage = self.v(ids.indirect("daily_wage"), ind.daily_wage)

    def initial_state(self) -> _PlanState:
        """The accumulators at the episode's start: what the plan's member has already used this
        plan year is subtracted, never below 0 (SPEC §3.4: an impossible combination is clamped)."""
        plan = self.plan
        if plan is None:
            return _PlanState(0.0, np.inf, {})
        ded = np.maximum(
            self.v(ids.insurance("deductible"), plan.deductible)
            - self.v(ids.insurance("deductible_met"), plan.deductible_met),
            0.0,
        )
        if plan.oop_max is None:
            oop: Number = np.inf
        else:
            oop = np.maximum(
                self.v(ids.insurance("oop_max"), plan.oop_max) - self.v(ids.insurance("oop_met"), plan.oop_met), 0.0
            )
        used = dict(plan.visits_used)
        limits: dict[str, Number] = {k: float(max(n - used.get(k, 0), 0)) for k, n in plan.visit_limits}
        kind_ded = {k: np.maximum(d - met, 0.0) for k, (d, met) in self.kind_deductibles.items()}
        return _PlanState(_plain(ded), _plain(oop), limits, {k: _plain(d) for k, d in kind_ded.items()})

    def fresh_state(self) -> _PlanState:
        """The accumulators on a plan year's first day: every deductible and the maximum whole,
        no visits used (SPEC §4.2b)."""
        plan = self.plan
        if plan is None:
            return _PlanState(0.0, np.inf, {})
        oop = np.inf if plan.oop_max is None else self.v(ids.insurance("oop_max"), plan.oop_max)
        return _PlanState(
            self.v(ids.insurance("deductible"), plan.deductible),
            oop,
            {k: float(n) for k, n in plan.visit_limits},
            {k: d for k, (d, _met) in self.kind_deductibles.items()},
        )

    def reset_names(self) -> tuple[str, ...]:
        """What a plan year's end resets, in words (for the results)."""
        plan = self.plan
        if plan is None:
            return ()
        names = ["deductible"]
        names += [f"{kind} deductible" for kind in self.kind_deductibles]
        if plan.oop_max is not None:
            names.append("out-of-pocket maximum")
        names += [f"{kind} visit limit" for kind, _ in plan.visit_limits]
        return tuple(names)

    def plan_years(self, chain: tuple[Pathway, ...]) -> None:
        """The plan-year starts after ``episode_start`` that the chain can reach, as (days after
        the start, date); none without an episode start (SPEC §4.2b)."""
        self.boundaries = []
        start = self.s.episode_start
        if start is None or self.plan is None:
            return
        total_weeks: Number = 0.0
        for pathway in chain:
            total_weeks = total_weeks + self.v(ids.pathway(pathway.id, "weeks"), pathway.weeks)
        horizon = int(np.ceil(7 * float(np.max(total_weeks)))) + 1
        month, day = (int(x) for x in self.plan.plan_year_start.split("-"))
        year = start.year
        while True:
            boundary = date(year, month, day)
            if boundary > start:
                days = (boundary - start).days
                if days > horizon:
                    return
                self.boundaries.append((days, boundary))
            year += 1

    def price(self, code: str, schedule: str) -> Number:
        key = (code, schedule)
        if key not in self._price_cache:
            pid = price_param_id(self.s, code, schedule)
            self._price_cache[key] = self.v(pid, _price_param(self.s, code, schedule))
        return self._price_cache[key]

    def mppr_share(self, code: str, schedule: str) -> float | None:
        """The payment-reduction amount of ``code`` at ``schedule`` as a share of the table's price
        (SPEC §4.1), or None when the row has no amount for that schedule. Holding the share, not
        the amount, makes the reduction follow a drawn or overridden price; it is capped at 1 so a
        reduced unit is never paid less than nothing."""
        row = self.s.prices.row(code)
        if not row.mppr:
            return None
        position = self.s.prices.schedules.index(schedule)
        amount = row.mppr[position]
        if amount is None:
            return None
        base = row.prices[position]
        return min(amount / base, 1.0) if base > 0 else 0.0

    def reductions(self, units: list[Number], prices: list[Number], shares: list[float | None]) -> list[Number]:
        """Payment reduction of each item of one visit, per visit (SPEC §4.1).

        Of the items with an amount (``shares`` not None) and units > 0, one unit of the item with
        the largest amount (the first when tied, per draw) is paid in full; every other unit is
        reduced by its amount. Item ``i``'s reduction is ``amount_i × (units_i − [i is that item])``.
        """
        out: list[Number] = [0.0] * len(units)
        taking = [i for i, share in enumerate(shares) if share is not None]
        if not taking:
            return out
        amounts: dict[int, Number] = {}
        for i in taking:
            share = shares[i]
            assert share is not None
            amounts[i] = np.where(np.asarray(units[i]) > 0, share * prices[i], -np.inf)
        largest = functools.reduce(np.maximum, (amounts[i] for i in taking))
        already_full = np.zeros(np.shape(largest), dtype=bool)
        for i in taking:
            full = (amounts[i] == largest) & np.isfinite(largest) & ~already_full
            already_full = already_full | full
            amount = np.maximum(amounts[i], 0.0)
            reduced_units = np.maximum(units[i] - np.where(full, 1.0, 0.0), 0.0)
            value = amount * reduced_units
            out[i] = float(value) if np.ndim(value) == 0 else value
        return out

    def visit_prices(self, pathway: Pathway, index: int) -> tuple[Number, Number, Number, dict[str, Number]]:
        """Per single visit: covered amount, uncovered amount, and everything at the uncovered
        price (for visits beyond a visit limit); plus the allowed amount by price category.
        Amounts are after the payment reduction (SPEC §4.1), which lowers the item it belongs to."""
        key = (pathway.id, index)
        if key not in self._visit_cache:
            visit = pathway.visits[index]
            unc_schedule = self.s.uncovered_schedule
            units = [self.v(ids.item_units(pathway.id, index, i), item.units) for i, item in enumerate(visit.items)]
            billed = [
                unc_schedule if item.code in self.uncovered and self.plan else self.s.schedule for item in visit.items
            ]
            prices = [self.price(item.code, s) for item, s in zip(visit.items, billed, strict=True)]
            cuts = self.reductions(
                units, prices, [self.mppr_share(it.code, s) for it, s in zip(visit.items, billed, strict=True)]
            )
            if self.plan:
                # Beyond a visit limit the whole visit is billed at the uncovered schedule, with
                # the reduction of that schedule.
                at_unc = [self.price(item.code, unc_schedule) for item in visit.items]
                unc_cuts = self.reductions(
                    units, at_unc, [self.mppr_share(it.code, unc_schedule) for it in visit.items]
                )
            covered: Number = 0.0
            uncovered: Number = 0.0
            all_uncovered: Number = 0.0
            by_category: dict[str, Number] = {}
            for i, item in enumerate(visit.items):
                amount = units[i] * prices[i] - cuts[i]
                if item.code in self.uncovered and self.plan:
                    uncovered = uncovered + amount
                else:
                    covered = covered + amount
                if self.plan:
                    all_uncovered = all_uncovered + units[i] * at_unc[i] - unc_cuts[i]
                if self.detail:
                    category = self.s.prices.row(item.code).category
                    by_category[category] = by_category.get(category, 0.0) + amount
            self._visit_cache[key] = (covered, uncovered, all_uncovered, by_category)
        return self._visit_cache[key]

    def covered_visits(self, kind: str, count: Number, state: _PlanState) -> tuple[Number, Number]:
        """Visit limits (SPEC §4.2 step 3): of ``count`` visits of ``kind``, those the plan still
        covers this plan year and those beyond the limit; uses up the limit in ``state``."""
        limit = state.limits.get(kind)
        if limit is None:
            return count, 0.0
        inside = np.minimum(count, limit)
        state.limits[kind] = limit - inside
        return inside, count - inside

    def shared(
        self, kind: str, count: Number, state: _PlanState, prices: tuple[Number, Number, Number]
    ) -> tuple[Number, Number, Number]:
        """Allowed amount, insurer's and patient's cost of ``count`` visits of one group; updates
        ``state`` (deductible, out-of-pocket room, visit limits)."""
        covered, uncovered, all_uncovered = prices
        if self.plan is None:
            allowed = count * covered
            return allowed, 0.0 * allowed, allowed
        inside, beyond = self.covered_visits(kind, count, state)
        out_of_plan = inside * uncovered + beyond * all_uncovered
        own = kind in state.kind_ded  # a kind with its own deductible (SPEC §3.4) uses it instead
        result = cost_share(
            covered,
            visits=inside,
            uncovered=out_of_plan,
            ded_left=state.kind_ded[kind] if own else state.ded_left,
            oop_left=state.oop_left,
            coinsurance=self.coinsurance,
            benefit=self.benefits.get(kind, NO_BENEFIT),
        )
        if own:
            state.kind_ded[kind] = result.ded_left
        else:
            state.ded_left = result.ded_left
        state.oop_left = result.oop_left
        return inside * covered + out_of_plan, result.insurer, result.patient

    def after_tax(self, patient: Number) -> Number:
        """SPEC §4.9: ``patient − t × min(patient, B)`` with the HSA/FSA balance B and tax rate t."""
        assert self.tax is not None
        balance, rate = self.tax
        return patient - rate * np.minimum(patient, balance)

    def visit_indirect(self, pathway: Pathway, index: int, count: Number) -> Number:
        """Time and travel of ``count`` visits of one group (SPEC §4.3)."""
        visit = pathway.visits[index]
        hours = self.v(ids.visit(pathway.id, index, "hours"), visit.hours)
        return count * (hours * self.hourly + (self.travel_cost if visit.travel else 0.0))

    def pathway_extras(self, pathway: Pathway) -> tuple[Number, Number]:
        """Lost work (indirect) and expected adverse-event cost, once per pathway taken."""
        work = self.v(ids.pathway(pathway.id, "work_days_lost"), pathway.work_days_lost) * self.daily_wage
        adverse: Number = 0.0
        for e, event in enumerate(pathway.adverse_events):
            adverse = adverse + self.v(ids.adverse(pathway.id, e, "probability"), event.probability) * self.v(
                ids.adverse(pathway.id, e, "cost"), event.cost
            )
        return work, adverse

    def segment(
        self, pathway: Pathway, state: _PlanState, start_week: Number
    ) -> tuple[dict[str, Number], list[VisitLine]]:
        """Cost of taking one pathway from ``state`` (which it updates), starting ``start_week``
        weeks after the episode's start (SPEC §4.2b: where a plan year ends, the accumulators reset)."""
        totals: dict[str, Number] = dict.fromkeys(COST_FIELDS, 0.0)
        lines: list[VisitLine] = []
        weeks = self.v(ids.pathway(pathway.id, "weeks"), pathway.weeks)
        counts = [
            np.maximum(np.rint(self.v(ids.visit(pathway.id, index, "count"), visit.count)), 0.0)
            for index, visit in enumerate(pathway.visits)
        ]
        # Index (within the pathway, from 0) of the first visit of each later plan year.
        total: Number = sum(counts, 0.0)
        firsts = self.first_visits(start_week, weeks, total)
        before: Number = 0.0
        for index, visit in enumerate(pathway.visits):
            count = counts[index]
            covered, uncovered, all_uncovered, by_category = self.visit_prices(pathway, index)
            allowed: Number = 0.0
            insurer: Number = 0.0
            patient: Number = 0.0
            # The group's visits in each plan year: those at or after the year's first visit,
            # minus those at or after the next year's.
            at_or_after = [count] + [count - np.clip(n - before, 0.0, count) for n in firsts] + [0.0]
            for year in range(len(firsts) + 1):
                in_year = at_or_after[year] - at_or_after[year + 1]
                if year:
                    self.reset(state, year, in_year, before, total, firsts, start_week, weeks)
                a, i, p = self.shared(visit.kind, in_year, state, (covered, uncovered, all_uncovered))
                allowed, insurer, patient = allowed + a, insurer + i, patient + p
            before = before + count
            indirect = self.visit_indirect(pathway, index, count)
            totals["allowed"] = totals["allowed"] + allowed
            totals["insurer"] = totals["insurer"] + insurer
            totals["patient"] = totals["patient"] + patient
            totals["indirect"] = totals["indirect"] + indirect
            if self.detail:
                # Visits beyond a visit limit are billed at the uncovered schedule; spread the
                # group's actual allowed amount over the categories in proportion.
                listed = _scalar(count * (covered + uncovered))
                billed = _scalar(allowed)
                lines.append(
                    VisitLine(
                        pathway=pathway.id,
                        visit=visit.name,
                        kind=visit.kind,
                        count=_scalar(count),
                        allowed=_scalar(allowed),
                        insurer=_scalar(insurer),
                        patient=_scalar(patient),
                        indirect=_scalar(indirect),
                        start_week=_scalar(start_week),
                        weeks=_scalar(weeks),
                        # Each category's share of the listed amount (≤ 1) times what was billed: the
                        # share first, so a tiny listed amount cannot overflow the ratio.
                        by_category=tuple(
                            (c, (_scalar(count * a) / listed) * billed if listed else 0.0)
                            for c, a in by_category.items()
                        ),
                    )
                )
        work, adverse = self.pathway_extras(pathway)
        totals["indirect"] = totals["indirect"] + work
        totals["adverse_events"] = totals["adverse_events"] + adverse
        return totals, lines

    def first_visits(self, start_week: Number, weeks: Number, visits: Number) -> list[Number]:
        """For each plan-year start, the index of the pathway's first visit dated on or after it.

        Visit n of N falls ``floor(7 × (W + weeks × n / N))`` days after the episode's start
        (SPEC §4.2b), which is on or after day D exactly when n ≥ (D − 7W) × N / (7 × weeks).
        """
        out = []
        for days, _ in self.boundaries:
            safe = np.where(weeks > 0, weeks, 1.0)
            # The tolerance absorbs rounding in the division, so a visit dated exactly on the
            # boundary is counted in the new plan year.
            # A duration of a few weeks' billionths overflows to ±inf, which the clip below turns
            # into "all visits before" or "all after", as for a duration of 0.
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                n = np.ceil((days - 7.0 * start_week) * visits / (7.0 * safe) - 1e-9)
            n = np.nan_to_num(n, nan=0.0)
            n = np.where(weeks > 0, n, np.where(7.0 * start_week >= days, 0.0, visits))
            out.append(_plain(np.clip(n, 0.0, visits)))
        return out

    def reset(
        self,
        state: _PlanState,
        year: int,
        in_year: Number,
        before: Number,
        total: Number,
        firsts: list[Number],
        start_week: Number,
        weeks: Number,
    ) -> None:
        """Reset the accumulators before this group's first visit of plan year ``year``, where it
        has one and they still belong to an earlier year (SPEC §4.2b)."""
        mask = (np.asarray(in_year) > 0) & (np.asarray(state.year) < year)
        if not np.any(mask):
            return
        state.reset_where(mask if np.ndim(mask) else bool(mask), self.fresh_state(), year)
        if self.detail and self.s.episode_start is not None:
            n = max(_scalar(firsts[year - 1]), _scalar(before))
            offset = _scalar(start_week) + (_scalar(weeks) * n / _scalar(total) if _scalar(total) else 0.0)
            first_visit = self.s.episode_start + timedelta(days=int(np.floor(7 * offset + 1e-9)))
            self.resets.append(
                PlanYearReset(self.boundaries[year - 1][1].isoformat(), first_visit.isoformat(), self.reset_names())
            )

    def option(self, start: str) -> dict[str, Any]:
        chain = self.s.pathways.chain(start)
        self.plan_years(chain)
        self.resets = []
        state = self.initial_state()
        reach: Number = 1.0
        week: Number = 0.0
        cumulative: dict[str, Number] = dict.fromkeys(COST_FIELDS, 0.0)
        all_lines: list[VisitLine] = []
        branches: list[dict[str, Any]] = []
        p_response: Number = 0.0
        qaly: Number = 0.0
        p_escalate: Number = 0.0
        first_line: dict[str, Number] = {}
        for k, pathway in enumerate(chain):
            segment, lines = self.segment(pathway, state, week)
            week = week + self.v(ids.pathway(pathway.id, "weeks"), pathway.weeks)
            all_lines.extend(lines)
            cumulative = {f: cumulative[f] + segment[f] for f in COST_FIELDS}
            if k == 0:
                first_line = dict(segment)
            response = self.v(ids.pathway(pathway.id, "response_probability"), pathway.response_probability)
            p_response = p_response + reach * response
            if pathway.qaly_gain is not None:
                # Like work days and adverse events, a pathway's expected QALY gain accrues to
                # everyone who takes it (its response probability is already inside the figure).
                qaly = qaly + reach * self.v(ids.pathway(pathway.id, "qaly_gain"), pathway.qaly_gain)
            if k < len(chain) - 1:
                escalation = self.v(ids.pathway(pathway.id, "escalation_probability"), pathway.escalation_probability)
                onward = (1.0 - response) * escalation
                probability = reach * (1.0 - onward)
                if k == 0:
                    p_escalate = onward
                reach = reach * onward
            else:
                probability = reach
            costs = dict(cumulative)
            if self.tax is not None:
                costs["patient_after_tax"] = self.after_tax(costs["patient"])
            branches.append(
                {
                    "path": tuple(p.id for p in chain[: k + 1]),
                    "probability": probability,
                    "costs": costs,
                    "lines": tuple(all_lines),
                    "plan_year_reset": self.resets[0] if self.resets else None,
                }
            )
        fields = COST_FIELDS if self.tax is None else (*COST_FIELDS, "patient_after_tax")
        # After-tax cost is per branch, then weighted (SPEC §4.9): the tax saving is capped by the
        # balance branch by branch, so it is never computed from the expected patient cost.
        expected = {f: sum((b["probability"] * b["costs"][f] for b in branches), 0.0) for f in fields}
        if self.tax is not None:
            first_line["patient_after_tax"] = self.after_tax(first_line["patient"])
        return {
            "expected": expected,
            "first_line": first_line,
            "branches": branches,
            "p_escalate": p_escalate,
            "p_response": p_response,
            "qaly": qaly if any(p.qaly_gain is not None for p in chain) else None,
        }


def _plain(x: Number) -> Number:
    """A 0-d array as a float, so the base case stays in plain floats."""
    return float(x) if not np.ndim(x) else x


def _scalar(x: Number) -> float:
    return float(np.asarray(x).reshape(-1)[0])


def with_societal(costs: Mapping[str, Number]) -> dict[str, Number]:
    """``costs`` with ``societal`` added: the allowed amount plus indirect and adverse-event costs."""
    out = dict(costs)
    out["societal"] = costs["allowed"] + costs["indirect"] + costs["adverse_events"]
    return out


def evaluate(scenario: Scenario, draws: Mapping[str, np.ndarray] | None = None) -> dict[str, dict[str, Any]]:
    """Costs of every compared option with parameters replaced by ``draws`` (arrays by id).

    The vectorised core of every analysis: one pass over the model's structure, with each
    number a float or an array of draws, never a loop over draws.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    draws : Mapping[str, ndarray of shape (n_draws,)], optional
        Values by parameter id (see :func:`parameters`), in each parameter's unit; every other
        number keeps its base-case value. All arrays must have the same length.

    Returns
    -------
    dict
        Per compared option id: ``expected`` and ``first_line`` cost mappings (``allowed``,
        ``insurer``, ``patient``, ``indirect``, ``adverse_events``, ``societal``; money per
        episode), ``p_escalate``, ``p_response`` (probabilities), ``qaly`` (or None) and
        ``branches``. Each value is a float, or an array of shape (n_draws,) where it depends on
        a drawn number.

    Examples
    --------
    Self-pay physical therapy at the self-pay price of therapeutic exercise 33.97, then 43.97:
    six treatment visits of two units each cost 6 × 2 × 10 = 120 more.

    >>> import numpy as np
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> scenario = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    >>> first = evaluate(scenario, {"price/self_pay/97110": np.array([33.97, 43.97])})["physical_therapy"]["first_line"]
    >>> [round(float(x), 2) for x in first["patient"]]
    [775.0, 895.0]
    """
    evaluator = _Evaluator(scenario, draws, detail=False)
    results = {}
    for start in scenario.compare:
        raw = evaluator.option(start)
        raw["expected"] = with_societal(raw["expected"])
        raw["first_line"] = with_societal(raw["first_line"])
        results[start] = raw
    return results


# --------------------------------------------------------------------------------------------
# Deterministic results


@dataclass(frozen=True)
class Costs:
    """Expected costs of one episode in money: the allowed amount (what the care costs), its
    split between insurer and patient, the patient's time, travel and lost work, and the
    expected cost of adverse events."""

    allowed: float = 0.0
    insurer: float = 0.0
    patient: float = 0.0
    indirect: float = 0.0
    adverse_events: float = 0.0
    # What the patient's share costs them after the tax saving of an HSA/FSA (SPEC §4.9); None
    # when the plan has no tax-advantaged account.
    patient_after_tax: float | None = None

    @property
    def societal(self) -> float:
        return self.allowed + self.indirect + self.adverse_events

    @property
    def patient_total(self) -> float:
        """What the episode costs the patient: out-of-pocket plus time, travel and lost work."""
        return self.patient + self.indirect

    def as_dict(self, *, societal: bool = True) -> dict[str, float]:
        out = {f: getattr(self, f) for f in COST_FIELDS}
        if societal:
            out["societal"] = self.societal
        if self.patient_after_tax is not None:
            out["patient_after_tax"] = self.patient_after_tax
        return out

    @classmethod
    def of(cls, values: Mapping[str, Number]) -> Costs:
        after_tax = values.get("patient_after_tax")
        return cls(
            **{f: _scalar(values[f]) for f in COST_FIELDS},
            patient_after_tax=None if after_tax is None else _scalar(after_tax),
        )


@dataclass(frozen=True)
class Branch:
    """One way through an escalation chain: the options taken, its probability and its costs."""

    path: tuple[str, ...]
    probability: float
    costs: Costs
    lines: tuple[VisitLine, ...] = ()
    plan_year_reset: PlanYearReset | None = None  # the first plan year that ends in the branch


@dataclass(frozen=True)
class OptionResult:
    """The result of starting with one option (SPEC §4.4)."""

    id: str
    label: str
    expected: Costs
    first_line: Costs
    p_escalate: float
    p_response: float
    branches: tuple[Branch, ...]
    qaly: float | None = None

    def cost_per_responder(self, perspective: str = "societal") -> float | None:
        """Expected cost divided by the probability of responding somewhere in the chain."""
        if self.p_response <= 0:
            return None
        return getattr(self.expected, perspective) / self.p_response


@dataclass(frozen=True)
class Comparison:
    """The results of every compared option, in the scenario's order."""

    scenario: Scenario
    options: tuple[OptionResult, ...] = field(default=())

    def __iter__(self) -> Iterator[OptionResult]:
        return iter(self.options)

    def option(self, option_id: str) -> OptionResult:
        return next(o for o in self.options if o.id == option_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON result of SPEC §5 (without ``psa``)."""
        options = {}
        for o in self.options:
            options[o.id] = {
                "label": o.label,
                "expected": o.expected.as_dict(),
                "first_line": o.first_line.as_dict(),
                "p_escalate": o.p_escalate,
                "p_response": o.p_response,
                "cost_per_responder": {
                    p: o.cost_per_responder(p) for p in ("allowed", "insurer", "patient", "societal")
                },
                "branches": [_branch_dict(b) for b in o.branches],
            }
            if o.qaly is not None:
                options[o.id]["qaly_gain"] = o.qaly
        from .plans import warnings

        scenario = self.scenario
        out: dict[str, Any] = {
            "schema_version": 2,
            "scenario": scenario.label or scenario.name,
            "currency": scenario.currency,
            "schedule": scenario.schedule,
            "region": scenario.region,
            # SPEC §4.8: which locality's prices and of which year the results use.
            "price_vintage": scenario.prices.year,
            "self_pay": scenario.insurance is None,
        }
        if scenario.episode_start is not None:
            out["episode_start"] = scenario.episode_start.isoformat()
        found = warnings(scenario)
        if found:
            out["warnings"] = found
        out["options"] = options
        return out


def _branch_dict(branch: Branch) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": list(branch.path),
        "probability": branch.probability,
        **branch.costs.as_dict(societal=False),
    }
    if branch.plan_year_reset is not None:
        out["plan_year_reset"] = branch.plan_year_reset.as_dict()
    return out


def compare(scenario: Scenario) -> Comparison:
    """Base-case costs of every option the scenario compares (SPEC §4.4).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (from :mod:`calculator.io` or :func:`calculator.edit.validated`).

    Returns
    -------
    Comparison
        One :class:`OptionResult` per compared option, in the scenario's order: expected and
        first-line :class:`Costs` (money per episode, in ``scenario.currency``), ``p_escalate``
        and ``p_response`` (probabilities), the branches with their visit lines, and the
        expected QALY gain where the pathways give one. ``to_dict()`` is the JSON of SPEC §5.

    Examples
    --------
    Self-pay physical therapy: an evaluation at 175 and six visits of 2 × 33.97 + 32.06 = 100,
    so the first line costs the patient 175 + 6 × 100 = 775 and the insurer nothing.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> result = compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json"))
    >>> round(result.option("physical_therapy").first_line.patient, 2)
    775.0
    >>> all(o.expected.insurer == 0 for o in result)
    True
    """
    evaluator = _Evaluator(scenario, None, detail=True)
    options = []
    for start in scenario.compare:
        raw = evaluator.option(start)
        branches = tuple(
            Branch(b["path"], _scalar(b["probability"]), Costs.of(b["costs"]), b["lines"], b["plan_year_reset"])
            for b in raw["branches"]
        )
        options.append(
            OptionResult(
                id=start,
                label=scenario.pathways.get(start).label,
                expected=Costs.of(raw["expected"]),
                first_line=Costs.of(raw["first_line"]),
                p_escalate=_scalar(raw["p_escalate"]),
                p_response=_scalar(raw["p_response"]),
                branches=branches,
                qaly=None if raw["qaly"] is None else _scalar(raw["qaly"]),
            )
        )
    result = Comparison(scenario, tuple(options))
    # A backstop behind the format's bounds: a total that overflowed is an input error naming the input.
    check_finite(result, scenario)
    return result
