"""Frozen, typed scenario objects (SPEC §3).

Everything here is a value: immutable, compared by value, safe to pass to ``st.cache_data``.
Collections are tuples, never dicts, so a scenario can also be hashed. The loaders in
:mod:`calculator.io` are the only way input becomes these objects, and they check every rule
first; the costing code trusts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property

__all__ = [
    "CATEGORIES",
    "DISTRIBUTIONS",
    "EVIDENCE_TAGS",
    "INDIRECT_FIELDS",
    "VISIT_KINDS",
    "AdverseEvent",
    "BudgetInputs",
    "Indirect",
    "InsurancePlan",
    "Item",
    "KindBenefit",
    "Param",
    "Pathway",
    "PathwaySet",
    "PriceRow",
    "PriceTable",
    "PsaSettings",
    "Scenario",
    "TaxAdvantaged",
    "Visit",
]

CATEGORIES = ("visit", "therapy", "procedure", "drug", "imaging", "facility", "anesthesia", "other")
VISIT_KINDS = (
    "office",
    "specialist",
    "therapy",
    "pharmacy",
    "imaging",
    "outpatient_surgery",
    "inpatient",
)
DISTRIBUTIONS = ("fixed", "beta", "gamma", "lognormal", "uniform")
EVIDENCE_TAGS = {
    "V": "read in the cited primary document",
    "D": "derived by arithmetic from sourced figures",
    "S": "secondary source only",
    "U": "unverified",
    "A": "modelling assumption, no source",
    "M": "verify before use",
}


@dataclass(frozen=True)
class Param:
    """A number that may be uncertain.

    ``value`` is the base case and the mean of the distribution; ``low`` and ``high`` are read
    as a 95% interval (SPEC §4.6). ``dist == "fixed"`` means no uncertainty.
    """

    value: float
    dist: str = "fixed"
    low: float | None = None
    high: float | None = None
    source: str = ""
    evidence: str = ""

    @property
    def uncertain(self) -> bool:
        return self.dist != "fixed" and self.low is not None and self.high is not None

    @property
    def unverified(self) -> bool:
        """True where the evidence tag says the number is unverified or assumed."""
        return self.evidence.upper() in {"U", "A", "M"}


def fixed(value: float) -> Param:
    return Param(float(value))


@dataclass(frozen=True)
class PriceRow:
    code: str
    description: str
    category: str
    unit: str
    prices: tuple[float, ...]  # aligned with PriceTable.schedules
    source: str = ""
    as_of: str = ""
    evidence: str = ""
    note: str = ""
    # SPEC §4.1 payment reduction per schedule, aligned with PriceTable.schedules (None: no reduction);
    # empty when the table has no mppr_<schedule> columns.
    mppr: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class PriceTable:
    """One row per billable item, one price column per schedule (SPEC §3.1)."""

    schedules: tuple[str, ...]
    rows: tuple[PriceRow, ...]
    currency: str = "USD"
    label: str = ""
    region: str = ""
    year: str = ""
    description: str = ""
    schedule_notes: tuple[tuple[str, str], ...] = ()
    name: str = ""  # shipped name or file name, for messages and display

    @cached_property
    def _index(self) -> dict[str, PriceRow]:
        return {row.code: row for row in self.rows}

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def row(self, code: str) -> PriceRow:
        return self._index[code]

    def price(self, code: str, schedule: str) -> float:
        return self._index[code].prices[self.schedules.index(schedule)]


@dataclass(frozen=True)
class Item:
    code: str
    units: Param


@dataclass(frozen=True)
class Visit:
    name: str
    kind: str
    count: Param
    items: tuple[Item, ...]
    hours: Param = field(default_factory=lambda: fixed(0))
    travel: bool = True


@dataclass(frozen=True)
class AdverseEvent:
    name: str
    probability: Param
    cost: Param
    source: str = ""


@dataclass(frozen=True)
class Pathway:
    """One treatment option (SPEC §3.2).

    ``escalation_probability`` extends the SPEC: the share of non-responders who go on to
    ``on_failure`` (the rest stop). Its default of 1 gives exactly the SPEC §4.4 tree.
    """

    id: str
    label: str
    visits: tuple[Visit, ...]
    response_probability: Param
    on_failure: str | None = None
    escalation_probability: Param = field(default_factory=lambda: fixed(1))
    work_days_lost: Param = field(default_factory=lambda: fixed(0))
    adverse_events: tuple[AdverseEvent, ...] = ()
    weeks: Param = field(default_factory=lambda: fixed(0))
    qaly_gain: Param | None = None
    description: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathwaySet:
    pathways: tuple[Pathway, ...]
    label: str = ""
    description: str = ""
    population: str = ""
    name: str = ""

    @cached_property
    def _index(self) -> dict[str, Pathway]:
        return {p.id: p for p in self.pathways}

    def __contains__(self, pathway_id: object) -> bool:
        return pathway_id in self._index

    def get(self, pathway_id: str) -> Pathway:
        return self._index[pathway_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.pathways)

    def chain(self, start: str) -> tuple[Pathway, ...]:
        """The escalation chain that starts with ``start`` (validated acyclic at load)."""
        chain = []
        current: str | None = start
        while current is not None:
            pathway = self._index[current]
            chain.append(pathway)
            current = pathway.on_failure
        return tuple(chain)


@dataclass(frozen=True)
class KindBenefit:
    """How a plan shares the cost of one kind of visit, as its SBC lists it (SPEC §3.4).

    Absent fields fall back (SPEC §4.2 step 3): no ``coinsurance`` means 0 with a copay, else the
    plan's; ``deductible_applies`` None means "when there is no copay"; a ``deductible`` is this
    kind's own deductible instead of the plan's (Original Medicare Part A for a hospital stay).
    """

    copay: Param | None = None
    coinsurance: Param | None = None
    deductible_applies: bool | None = None
    deductible: Param | None = None
    deductible_met: Param | None = None


@dataclass(frozen=True)
class TaxAdvantaged:
    """Money in an HSA or FSA and the patient's marginal tax rate (SPEC §4.9)."""

    balance: Param
    tax_rate: Param


@dataclass(frozen=True)
class InsurancePlan:
    """Plan-year cost sharing (SPEC §4.2, §3.4). ``oop_max`` of None means no out-of-pocket maximum.

    ``copays`` is the version-1 shorthand (a copay per kind), ``benefits`` the version-2 benefit
    per kind; a kind is in one or the other (the loader refuses both). :meth:`benefit` merges them.
    """

    deductible: Param = field(default_factory=lambda: fixed(0))
    deductible_met: Param = field(default_factory=lambda: fixed(0))
    coinsurance: Param = field(default_factory=lambda: fixed(0))
    oop_max: Param | None = None
    oop_met: Param = field(default_factory=lambda: fixed(0))
    copays: tuple[tuple[str, Param], ...] = ()
    uncovered_codes: tuple[str, ...] = ()
    uncovered_schedule: str | None = None
    visit_limits: tuple[tuple[str, int], ...] = ()
    benefits: tuple[tuple[str, KindBenefit], ...] = ()
    visits_used: tuple[tuple[str, int], ...] = ()
    plan_year_start: str = "01-01"  # MM-DD
    tax_advantaged: TaxAdvantaged | None = None

    def benefit(self, kind: str) -> KindBenefit | None:
        """The benefit of ``kind``: its ``benefits`` entry, or a copay from ``copays``, or None."""
        for k, b in self.benefits:
            if k == kind:
                return b
        for k, copay in self.copays:
            if k == kind:
                return KindBenefit(copay=copay)
        return None

    @property
    def deductible_left(self) -> float:
        """Base case: what is left of the deductible (never below 0)."""
        return max(self.deductible.value - self.deductible_met.value, 0.0)

    @property
    def oop_room(self) -> float | None:
        """Base case: what the patient can still pay before the maximum; None when there is none."""
        return None if self.oop_max is None else max(self.oop_max.value - self.oop_met.value, 0.0)


@dataclass(frozen=True)
class Indirect:
    """The patient's time and travel, and lost work (SPEC §4.3)."""

    hourly_value: Param = field(default_factory=lambda: fixed(0))
    travel_hours_per_visit: Param = field(default_factory=lambda: fixed(0))
    miles_per_visit: Param = field(default_factory=lambda: fixed(0))
    mileage_rate: Param = field(default_factory=lambda: fixed(0))
    parking_per_visit: Param = field(default_factory=lambda: fixed(0))
    daily_wage: Param = field(default_factory=lambda: fixed(0))


INDIRECT_FIELDS = tuple(f.name for f in fields(Indirect))


@dataclass(frozen=True)
class BudgetInputs:
    """A member population for the budget impact (SPEC §4.7); mixes are (option, share)."""

    members: int
    episodes_per_1000: float
    current_mix: tuple[tuple[str, float], ...]
    proposed_mix: tuple[tuple[str, float], ...]
    years: int = 1
    growth: float = 0.0  # yearly growth of the membership, e.g. 0.02

    def as_dict(self) -> dict[str, object]:
        """The scenario file's ``budget`` block."""
        return {
            "members": self.members,
            "episodes_per_1000": self.episodes_per_1000,
            "current_mix": dict(self.current_mix),
            "proposed_mix": dict(self.proposed_mix),
            "years": self.years,
            "growth": self.growth,
        }


@dataclass(frozen=True)
class PsaSettings:
    draws: int = 0
    seed: int | None = None


@dataclass(frozen=True)
class Scenario:
    """Everything one comparison needs (SPEC §3.3). ``insurance`` of None means self-pay."""

    prices: PriceTable
    schedule: str
    pathways: PathwaySet
    compare: tuple[str, ...]
    insurance: InsurancePlan | None = None
    indirect: Indirect = field(default_factory=Indirect)
    price_overrides: tuple[tuple[str, Param], ...] = ()
    price_spread: float = 0.0
    psa: PsaSettings = field(default_factory=PsaSettings)
    budget: BudgetInputs | None = None
    label: str = ""
    description: str = ""
    name: str = ""
    # SPEC §4.8: "national" or a Medicare locality id ("NY-01") whose built prices ``prices`` holds.
    region: str = "national"
    # Schema version 2 (SPEC §4.2b): the day the episode starts (visits get dates and the plan year
    # can end inside the episode).
    episode_start: date | None = None

    @property
    def currency(self) -> str:
        return self.prices.currency

    @property
    def uncovered_schedule(self) -> str:
        """Schedule that prices what the plan does not cover (SPEC §4.2 step 1)."""
        if self.insurance is not None and self.insurance.uncovered_schedule:
            return self.insurance.uncovered_schedule
        return "self_pay" if "self_pay" in self.prices.schedules else self.schedule
