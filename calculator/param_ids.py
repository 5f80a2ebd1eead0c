"""The grammar of parameter ids: one place that builds them and one parser.

Every number a scenario's results depend on has a stable, readable id (SPEC §5 ``parameters``).
Analyses (PSA draws, one-way sensitivity, break-even), the editors and the reviewer diff all key
on these ids, so they are built and read here only::

    price/<schedule>/<code>                 a price as the table gives it for one schedule
    price/override/<code>                   a price the scenario overrides (every schedule)
    pathway/<pathway>/<field>               response_probability, escalation_probability,
                                            work_days_lost, weeks, qaly_gain
    pathway/<pathway>/visit/<v>/<field>     count, hours (v: the visit group's index from 0)
    pathway/<pathway>/visit/<v>/item/<i>/units
    pathway/<pathway>/adverse/<e>/<field>   probability, cost
    insurance/<field>                       deductible, deductible_met, coinsurance, oop_max, oop_met
    insurance/copay/<kind>                  a visit kind's copay (version-1 ``copays``)
    insurance/benefits/<kind>/<field>       copay, coinsurance, deductible, deductible_met of a kind's
                                            benefit (version-2 ``benefits``, SPEC §3.4)
    insurance/tax_advantaged/<field>        balance, tax_rate (SPEC §4.9)
    indirect/<field>                        one of the indirect-cost fields (SPEC §4.3)

A code may contain ``/`` (it is the rest of a price id); pathway ids, schedules and kinds may not.
A schedule named ``override`` cannot be told apart from an override and is read as one.
:func:`parse` turns an id into one of the small frozen records below, whose ``str`` is the id
again; anything else is an :class:`~calculator.errors.InputError`, never a ``KeyError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from .errors import InputError
from .models import INDIRECT_FIELDS, VISIT_KINDS

__all__ = [
    "AdverseId",
    "BenefitId",
    "CopayId",
    "IndirectId",
    "InsuranceId",
    "ItemId",
    "ParamId",
    "PathwayId",
    "PriceId",
    "TaxId",
    "VisitId",
    "invalid",
    "parse",
]

PathwayField = Literal["response_probability", "escalation_probability", "work_days_lost", "weeks", "qaly_gain"]
VisitField = Literal["count", "hours"]
AdverseField = Literal["probability", "cost"]
InsuranceField = Literal["deductible", "deductible_met", "coinsurance", "oop_max", "oop_met"]
BenefitField = Literal["copay", "coinsurance", "deductible", "deductible_met"]
TaxField = Literal["balance", "tax_rate"]

PATHWAY_FIELDS: tuple[str, ...] = get_args(PathwayField)
VISIT_FIELDS: tuple[str, ...] = get_args(VisitField)
ADVERSE_FIELDS: tuple[str, ...] = get_args(AdverseField)
INSURANCE_FIELDS: tuple[str, ...] = get_args(InsuranceField)
BENEFIT_FIELDS: tuple[str, ...] = get_args(BenefitField)
TAX_FIELDS: tuple[str, ...] = get_args(TaxField)
_OVERRIDE = "override"


def invalid(pid: object) -> InputError:
    """The one error for an id that names no number of the scenario."""
    return InputError("parameter id", "", "one of the ids listed by `python -m calculator parameters`", pid)


@dataclass(frozen=True)
class PriceId:
    """A price: ``schedule`` None means the scenario's own override of the code's price."""

    code: str
    schedule: str | None = None

    def __str__(self) -> str:
        return f"price/{_OVERRIDE if self.schedule is None else self.schedule}/{self.code}"


@dataclass(frozen=True)
class PathwayId:
    pathway: str
    field: PathwayField

    def __str__(self) -> str:
        return f"pathway/{self.pathway}/{self.field}"


@dataclass(frozen=True)
class VisitId:
    pathway: str
    visit: int
    field: VisitField

    def __str__(self) -> str:
        return f"pathway/{self.pathway}/visit/{self.visit}/{self.field}"


@dataclass(frozen=True)
class ItemId:
    """The units of one item of a visit group (the only number an item has)."""

    pathway: str
    visit: int
    item: int

    def __str__(self) -> str:
        return f"pathway/{self.pathway}/visit/{self.visit}/item/{self.item}/units"


@dataclass(frozen=True)
class AdverseId:
    pathway: str
    event: int
    field: AdverseField

    def __str__(self) -> str:
        return f"pathway/{self.pathway}/adverse/{self.event}/{self.field}"


@dataclass(frozen=True)
class InsuranceId:
    field: InsuranceField

    def __str__(self) -> str:
        return f"insurance/{self.field}"


@dataclass(frozen=True)
class CopayId:
    kind: str

    def __str__(self) -> str:
        return f"insurance/copay/{self.kind}"


@dataclass(frozen=True)
class BenefitId:
    kind: str
    field: BenefitField

    def __str__(self) -> str:
        return f"insurance/benefits/{self.kind}/{self.field}"


@dataclass(frozen=True)
class TaxId:
    field: TaxField

    def __str__(self) -> str:
        return f"insurance/tax_advantaged/{self.field}"


@dataclass(frozen=True)
class IndirectId:
    field: str

    def __str__(self) -> str:
        return f"indirect/{self.field}"


ParamId = PriceId | PathwayId | VisitId | ItemId | AdverseId | InsuranceId | CopayId | BenefitId | TaxId | IndirectId
PATHWAY_SCOPED = (PathwayId, VisitId, ItemId, AdverseId)


# Builders return the id text directly: the evaluator asks for ids in its inner loops over the
# model's structure, and every analysis keys its draws by text.


def price(code: str, schedule: str | None = None) -> str:
    return str(PriceId(code, schedule))


def pathway(pathway_id: str, field: PathwayField) -> str:
    return str(PathwayId(pathway_id, field))


def visit(pathway_id: str, index: int, field: VisitField) -> str:
    return str(VisitId(pathway_id, index, field))


def item_units(pathway_id: str, visit_index: int, item_index: int) -> str:
    return str(ItemId(pathway_id, visit_index, item_index))


def adverse(pathway_id: str, index: int, field: AdverseField) -> str:
    return str(AdverseId(pathway_id, index, field))


def insurance(field: InsuranceField) -> str:
    return str(InsuranceId(field))


def copay(kind: str) -> str:
    return str(CopayId(kind))


def benefit(kind: str, field: BenefitField) -> str:
    return str(BenefitId(kind, field))


def tax(field: TaxField) -> str:
    return str(TaxId(field))


def indirect(field: str) -> str:
    return str(IndirectId(field))


def _index(text: str) -> int:
    # Only plain decimal digits: int() would also take " 1", "+1" and "١", none of which we write.
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        raise ValueError(text)
    return int(text)


def _name(text: str) -> str:
    if not text or "/" in text:
        raise ValueError(text)
    return text


def parse(pid: object) -> ParamId:
    """The record an id stands for; ``str`` of the record gives the id back.

    Checks the grammar only (known fields and kinds, whole indices); whether the scenario has
    that pathway, visit or code is for the caller, which raises :func:`invalid` as well.

    Parameters
    ----------
    pid : str
        A parameter id as listed by :func:`calculator.costing.parameters`.

    Returns
    -------
    ParamId
        One of :class:`PriceId`, :class:`PathwayId`, :class:`VisitId`, :class:`ItemId`,
        :class:`AdverseId`, :class:`InsuranceId`, :class:`CopayId`, :class:`BenefitId`,
        :class:`TaxId`, :class:`IndirectId`.

    Raises
    ------
    InputError
        For anything that is not such an id.

    Examples
    --------
    >>> parse("pathway/dry_needling/visit/1/count")
    VisitId(pathway='dry_needling', visit=1, field='count')
    >>> str(parse("price/override/97110"))
    'price/override/97110'
    >>> parse("pathway/dry_needling/visit/one/count")
    Traceback (most recent call last):
    ...
    calculator.errors.InputError: parameter id: expected one of the ids listed by `python -m calculator parameters`, found 'pathway/dry_needling/visit/one/count'.
    """  # noqa: E501
    if not isinstance(pid, str):
        raise invalid(pid)
    try:
        return _parse(pid)
    except (ValueError, IndexError):
        raise invalid(pid) from None


def _parse(pid: str) -> ParamId:
    group, _, rest = pid.partition("/")
    if group == "price":
        schedule, _, code = rest.partition("/")
        _name(schedule)
        if not code:
            raise ValueError(pid)
        return PriceId(code, None if schedule == _OVERRIDE else schedule)
    if group == "insurance":
        if rest.startswith("copay/"):
            kind = rest.removeprefix("copay/")
            if kind not in VISIT_KINDS:
                raise ValueError(kind)
            return CopayId(kind)
        if rest.startswith("benefits/"):
            kind, _, field = rest.removeprefix("benefits/").partition("/")
            if kind not in VISIT_KINDS or field not in BENEFIT_FIELDS:
                raise ValueError(rest)
            return BenefitId(kind, cast(BenefitField, field))
        if rest.startswith("tax_advantaged/"):
            field = rest.removeprefix("tax_advantaged/")
            if field not in TAX_FIELDS:
                raise ValueError(rest)
            return TaxId(cast(TaxField, field))
        if rest not in INSURANCE_FIELDS:
            raise ValueError(rest)
        return InsuranceId(cast(InsuranceField, rest))
    if group == "indirect":
        if rest not in INDIRECT_FIELDS:
            raise ValueError(rest)
        return IndirectId(rest)
    if group != "pathway":
        raise ValueError(group)
    parts = rest.split("/")
    pathway_id = _name(parts[0])
    inner = parts[1:]
    if len(inner) == 1 and inner[0] in PATHWAY_FIELDS:
        return PathwayId(pathway_id, cast(PathwayField, inner[0]))
    if len(inner) == 3 and inner[0] == "visit" and inner[2] in VISIT_FIELDS:
        return VisitId(pathway_id, _index(inner[1]), cast(VisitField, inner[2]))
    if len(inner) == 5 and inner[0] == "visit" and inner[2] == "item" and inner[4] == "units":
        return ItemId(pathway_id, _index(inner[1]), _index(inner[3]))
    if len(inner) == 3 and inner[0] == "adverse" and inner[2] in ADVERSE_FIELDS:
        return AdverseId(pathway_id, _index(inner[1]), cast(AdverseField, inner[2]))
    raise ValueError(pid)
