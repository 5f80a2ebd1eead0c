"""The file formats of SPEC §3, declared once: scenario, inline price table, pathway set, budget.

These declarations are the single source of three things: validation (the loaders in
:mod:`calculator.io` call ``model_validate``), the writers (``model_dump`` in
:mod:`calculator.io.writers`) and the JSON Schemas in ``data/schema/``
(:mod:`calculator.formats.schema`). Rules that need another file (a code present in the price
table, an ``on_failure`` chain that ends, a schedule the table has) stay in code in
:mod:`calculator.io.scenarios`.

All formats sit in this one module (about 400 lines) so a reader sees them side by side.
A new key (schema version 2: ``region``, ``episode_start``, the insurance ``benefits`` ...) is
added here, to the dataclass in :mod:`calculator.models` and to :mod:`calculator.formats.convert`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Strict,
    Tag,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from ..limits import LIMITS, MAX_ROWS
from ..models import CATEGORIES, INDIRECT_FIELDS, VISIT_KINDS
from .fields import (
    Amount,
    BillingCode,
    Choice,
    Count,
    Days,
    Document,
    Evidence,
    Hours,
    Identifier,
    NonEmptyText,
    Probability,
    Qaly,
    Text,
    Units,
    Weeks,
    bounded,
    problem,
)

__all__ = [
    "SCHEMA_VERSIONS",
    "AdverseEventDoc",
    "BenefitDoc",
    "BudgetDoc",
    "IndirectDoc",
    "InlinePriceTableDoc",
    "InsuranceDoc",
    "ItemDoc",
    "PathwayDoc",
    "PathwayFileDoc",
    "PlanFileDoc",
    "PriceMetadataDoc",
    "PriceRowDoc",
    "PsaDoc",
    "ScenarioDoc",
    "TaxAdvantagedDoc",
    "VisitDoc",
]

if TYPE_CHECKING:  # the checker sees plain numbers and texts; pydantic sees the bounded declarations
    NonNegative: TypeAlias = float
    Share: TypeAlias = float
    Draws: TypeAlias = float
    Seed: TypeAlias = float
    VisitLimit: TypeAlias = float
    Members: TypeAlias = float
    Episodes: TypeAlias = float
    Years: TypeAlias = float
    Growth: TypeAlias = float
    Spread: TypeAlias = float
    VisitKind: TypeAlias = str
else:
    NonNegative, Share, Draws, Seed = bounded("amount"), bounded("share"), bounded("draws"), bounded("seed")
    VisitLimit, Members, Spread = bounded("visit_limit"), bounded("members"), bounded("price_spread")
    Episodes, Years, Growth = bounded("episodes_per_1000"), bounded("budget_years"), bounded("growth")
    VisitKind = Choice(VISIT_KINDS, "a visit kind")

SCHEMA_VERSIONS = (1, 2)
CURRENT_SCHEMA_VERSION = 2
_CURRENCY = re.compile(r"[A-Z]{3}")


def _schema_version(raw: object) -> int:
    if isinstance(raw, bool) or raw not in SCHEMA_VERSIONS:
        raise problem(f"a supported schema version ({', '.join(map(str, SCHEMA_VERSIONS))})", raw)
    return int(raw)


SchemaVersion = Annotated[int, PlainValidator(_schema_version), WithJsonSchema({"enum": list(SCHEMA_VERSIONS)})]
SchemaLink = Annotated[str | None, Field(alias="$schema", description="The JSON Schema of this file (for editors).")]


def _code(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if not isinstance(raw, str):
        raise problem("a code in the price table", raw)
    return raw


Code = Annotated[str, PlainValidator(_code), WithJsonSchema({"type": ["string", "integer"]})]


def _as_text(raw: object) -> str:
    """A year or date written as a number (``2025``) or as text."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise problem("a year such as 2025", raw)
    return raw.strip()


YearText = Annotated[str, PlainValidator(_as_text), WithJsonSchema({"type": ["string", "integer"]})]


def _category(raw: object) -> str:
    text = raw.strip().lower() if isinstance(raw, str) else raw
    if text not in CATEGORIES:
        raise problem(f"one of {', '.join(CATEGORIES)}", text)
    return str(text)


Category = Annotated[str, PlainValidator(_category), WithJsonSchema({"enum": list(CATEGORIES)})]


# --------------------------------------------------------------------------------------------
# Price tables (SPEC §3.1): the sidecar/header metadata and the inline form


class PriceMetadataDoc(Document):
    """A price table's metadata: sidecar ``<table>.toml``, CSV header block or inline fields."""

    label: Text = ""
    currency: str = "USD"
    region: Text = ""
    year: YearText = ""
    description: Text = ""
    schedules: dict[str, Text] = Field(default_factory=dict, description="A note on each price schedule.")

    @field_validator("currency", mode="plain")
    @classmethod
    def _currency(cls, raw: object) -> str:
        if not isinstance(raw, str) or not _CURRENCY.fullmatch(raw.strip()):
            raise problem("a three-letter currency code such as USD", raw)
        return raw.strip()


class PriceRowDoc(Document):
    """One billable item of an inline price table; ``prices`` and ``mppr`` are keyed by schedule."""

    code: BillingCode
    description: Text = ""
    category: Category
    unit: Text = ""
    prices: dict[str, NonNegative]
    mppr: dict[str, NonNegative] | None = None
    source: Text = ""
    as_of: YearText = ""
    evidence: Evidence = ""
    note: Text = ""

    @field_validator("prices")
    @classmethod
    def _some_price(cls, prices: dict[str, float]) -> dict[str, float]:
        if not prices:
            raise problem("at least one schedule with a price", found_text="none")
        return prices


class InlinePriceTableDoc(PriceMetadataDoc):
    """A price table written inside a scenario (SPEC §3.1, inline form)."""

    rows: Annotated[list[PriceRowDoc], Field(max_length=MAX_ROWS)]

    @field_validator("rows")
    @classmethod
    def _some_rows(cls, rows: list[PriceRowDoc]) -> list[PriceRowDoc]:
        if not rows:
            raise problem("a non-empty list of price rows", rows)
        return rows

    @property
    def schedule_names(self) -> tuple[str, ...]:
        """Every schedule the rows use, in order of first use."""
        return tuple(dict.fromkeys(s for row in self.rows for s in row.prices))

    @model_validator(mode="after")
    def _every_schedule_priced(self) -> InlinePriceTableDoc:
        schedules = self.schedule_names
        for i, row in enumerate(self.rows):
            for schedule in schedules:
                if schedule not in row.prices:
                    raise problem("a price for every schedule the table uses", at=f"rows[{i}].prices.{schedule}")
            for schedule in row.mppr or {}:
                if schedule not in schedules:
                    raise problem(
                        f"a schedule of the table ({', '.join(schedules)})", schedule, at=f"rows[{i}].mppr.{schedule}"
                    )
        return self


# --------------------------------------------------------------------------------------------
# Pathways (SPEC §3.2)


class ItemDoc(Document):
    code: BillingCode
    units: Units = 1.0


class VisitDoc(Document):
    name: NonEmptyText
    kind: VisitKind
    count: Count = 1.0
    hours: Hours = 0.0
    travel: Annotated[bool, Strict()] = True
    items: list[ItemDoc]
    notes: Text = ""


class AdverseEventDoc(Document):
    name: NonEmptyText
    probability: Probability
    cost: Amount = 0.0
    source: Text = ""


class PathwayDoc(Document):
    """One treatment option."""

    label: Text = ""
    description: Text = ""
    visits: list[VisitDoc]
    response_probability: Probability
    on_failure: Identifier | None = None
    escalation_probability: Probability = 1.0
    work_days_lost: Days = 0.0
    adverse_events: list[AdverseEventDoc] = Field(default_factory=list)
    weeks: Weeks = 0.0
    qaly_gain: Qaly | None = None
    sources: list[str] = Field(default_factory=list)
    notes: Text = ""


def _pathway_count(body: Any) -> Any:
    """Bound the work before validating: an empty set or thousands of pathways are refused first."""
    if not isinstance(body, dict):
        return body
    if not body:
        raise problem("at least one pathway", found_text="none")
    if len(body) > LIMITS["pathways"].maximum:  # type: ignore[operator]
        raise problem(f"at most {LIMITS['pathways'].maximum:g} pathways", found_text=str(len(body)))
    return body


PathwayMap = Annotated[
    dict[Identifier, PathwayDoc],
    BeforeValidator(_pathway_count),
    Field(json_schema_extra={"minProperties": 1, "maxProperties": int(LIMITS["pathways"].maximum or 0)}),
]


class PathwayFileDoc(Document):
    """A pathway set file (``data/pathways/*.json``)."""

    schema_: SchemaLink = None
    schema_version: SchemaVersion = 1
    label: Text = ""
    description: Text = ""
    population: Text = ""
    pathways: PathwayMap


# --------------------------------------------------------------------------------------------
# Scenario (SPEC §3.3)


def _month_day(raw: object) -> str:
    """A plan year's first day as ``MM-DD`` (any year: 02-29 is refused, a plan year cannot start on it)."""
    if isinstance(raw, str) and re.fullmatch(r"[0-9]{2}-[0-9]{2}", raw.strip()):
        try:
            date.fromisoformat(f"2001-{raw.strip()}")
            return raw.strip()
        except ValueError:
            pass
    raise problem('a month and day as "MM-DD", e.g. "01-01"', raw)


MonthDay = Annotated[
    str, PlainValidator(_month_day), WithJsonSchema({"type": "string", "pattern": r"^[0-9]{2}-[0-9]{2}$"})
]


def _iso_date(raw: object) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise problem('a date as "YYYY-MM-DD", e.g. "2026-10-15"', raw)


IsoDate = Annotated[
    date,
    PlainValidator(_iso_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date"}),
]


class BenefitDoc(Document):
    """One kind of visit's cost sharing as a Summary of Benefits and Coverage lists it (SPEC §3.4)."""

    copay: Amount | None = None
    coinsurance: Probability | None = None
    deductible_applies: Annotated[bool, Strict()] | None = None
    deductible: Amount | None = None
    deductible_met: Amount | None = None

    @model_validator(mode="after")
    def _met_needs_deductible(self) -> BenefitDoc:
        if self.deductible_met is not None and self.deductible is None:
            raise problem("a `deductible` for this kind beside its `deductible_met`", at="deductible")
        return self


class TaxAdvantagedDoc(Document):
    """Money in an HSA or FSA and the patient's marginal tax rate (SPEC §4.9)."""

    balance: Amount
    tax_rate: Probability


class InsuranceDoc(Document):
    """Plan-year cost sharing (SPEC §4.2, §3.4). Absent amounts mean 0; absent ``oop_max`` means none."""

    deductible: Amount = 0.0
    deductible_met: Amount = 0.0
    coinsurance: Probability = 0.0
    oop_max: Amount | None = None
    oop_met: Amount = 0.0
    copays: dict[VisitKind, Amount] | None = None
    benefits: dict[VisitKind, BenefitDoc] | None = None
    uncovered_codes: list[Code] | None = None
    uncovered_schedule: str | None = None
    visit_limits: dict[VisitKind, VisitLimit] | None = None
    visits_used: dict[VisitKind, VisitLimit] | None = None
    plan_year_start: MonthDay | None = None
    tax_advantaged: TaxAdvantagedDoc | None = None

    @model_validator(mode="after")
    def _copay_once(self) -> InsuranceDoc:
        for kind in self.copays or {}:
            if kind in (self.benefits or {}):
                raise problem(
                    f"the {kind} benefit in `copays` or in `benefits`, not both", found_text="both", at=f"copays.{kind}"
                )
        return self


class _IndirectBase(Document):
    """The patient's time and travel, and lost work (SPEC §4.3); every field defaults to 0."""


# One field per field of models.Indirect, so a new indirect cost is declared in one place.
if TYPE_CHECKING:
    IndirectDoc: TypeAlias = _IndirectBase
else:
    IndirectDoc = create_model("IndirectDoc", __base__=_IndirectBase, **{key: (Amount, 0.0) for key in INDIRECT_FIELDS})


class PsaDoc(Document):
    draws: Draws = 0
    seed: Seed | None = None


def _mix(raw: object) -> Any:
    if not isinstance(raw, dict) or not raw:
        raise problem('shares by option, e.g. {"medication": 0.6, ...}', raw)
    return raw


Mix = Annotated[
    dict[str, Share],
    BeforeValidator(_mix),
    Field(json_schema_extra={"minProperties": 1}),
]


class BudgetDoc(Document):
    """A member population for the budget impact (SPEC §4.7); mixes are shares by option."""

    members: Members
    episodes_per_1000: Episodes
    current_mix: Mix
    proposed_mix: Mix
    years: Years = 1
    growth: Growth = 0.0


def _prices_tag(raw: object) -> str | None:
    if isinstance(raw, dict | InlinePriceTableDoc):
        return "~inline"
    return "~name" if isinstance(raw, str) and raw.strip() else None


def _pathways_tag(raw: object) -> str | None:
    if isinstance(raw, PathwayFileDoc):
        return "~file"
    if isinstance(raw, dict):
        return "~file" if isinstance(raw.get("pathways"), dict) else "~bare"
    return "~name" if isinstance(raw, str) and raw.strip() else None


_NAME_OR_INLINE = {
    "custom_error_type": "domain",
    "custom_error_message": "expected a shipped name, a file path or an inline object",
    "custom_error_context": {"expected": "a shipped name, a file path or an inline object"},
}
PricesRef = Annotated[
    Annotated[str, Tag("~name")] | Annotated[InlinePriceTableDoc, Tag("~inline")],
    Discriminator(_prices_tag, **_NAME_OR_INLINE),
]
PathwaysRef = Annotated[
    Annotated[str, Tag("~name")] | Annotated[PathwayFileDoc, Tag("~file")] | Annotated[PathwayMap, Tag("~bare")],
    Discriminator(_pathways_tag, **_NAME_OR_INLINE),
]


def _compare(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise problem("a non-empty list of pathway names", raw)
    for i, pathway_id in enumerate(raw):
        if not isinstance(pathway_id, str):
            raise problem("a pathway name", pathway_id, at=f"[{i}]")
        if raw.index(pathway_id) != i:
            raise problem("each pathway once", pathway_id, at=f"[{i}]")
    return list(raw)


CompareList = Annotated[
    list[str],
    PlainValidator(_compare),
    WithJsonSchema({"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}),
]


def _schedule(raw: object) -> str:
    if not isinstance(raw, str):
        raise problem("the name of a price schedule", raw)
    return raw


ScheduleName = Annotated[str, PlainValidator(_schedule), WithJsonSchema({"type": "string"})]

REGION_PATTERN = r"^(?:[Nn][Aa][Tt][Ii][Oo][Nn][Aa][Ll]|[A-Za-z]{2}-?[0-9]{1,2})$"


def _region(raw: object) -> str:
    # The spelling only: whether the locality exists is checked against the CMS files on load.
    if raw is None:
        return "national"
    if not isinstance(raw, str) or not re.match(REGION_PATTERN, raw.strip()):
        raise problem("'national' or a Medicare locality such as NY-01", raw)
    return raw.strip()


RegionName = Annotated[
    str, PlainValidator(_region), WithJsonSchema({"type": ["string", "null"], "pattern": REGION_PATTERN})
]


class ScenarioDoc(Document):
    """A scenario file (``data/scenarios/*.json``): everything one comparison needs."""

    schema_: SchemaLink = None
    schema_version: SchemaVersion = 1
    label: Text = ""
    description: Text = ""
    prices: PricesRef
    schedule: ScheduleName | None = None
    price_overrides: dict[str, Amount] = Field(default_factory=dict)
    price_spread: Spread = 0.0
    pathways: PathwaysRef
    compare: CompareList | None = None
    insurance: InsuranceDoc | None = None
    indirect: IndirectDoc | None = None
    psa: PsaDoc | None = None
    budget: BudgetDoc | None = None
    region: RegionName = "national"
    episode_start: IsoDate | None = None


class PlanFileDoc(Document):
    """A plan file for ``compare --plans`` and the app's plan comparison: one ``insurance`` block
    (null: self-pay) and an optional ``label``; the options and prices come from the scenario."""

    schema_: SchemaLink = None
    schema_version: SchemaVersion = CURRENT_SCHEMA_VERSION
    label: Text = ""
    description: Text = ""
    schedule: ScheduleName | None = Field(
        default=None, description="The price schedule the plan pays at (default: the scenario's)."
    )
    insurance: InsuranceDoc | None
