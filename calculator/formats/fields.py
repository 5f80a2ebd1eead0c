"""The building blocks of every file format: numbers with their bounds, texts, names, choices and
uncertain numbers (SPEC §3.2, §4.6).

Each block validates with the project's own rule and wording (a problem is a ``domain`` error whose
context holds what was expected and what was found; :mod:`calculator.formats.problems` turns it into
a sentence), and publishes the same rule in the JSON Schema. Bounds come from
:data:`calculator.limits.LIMITS`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import describe_found
from ..input_limits import MAX_TEXT_CHARS
from ..limits import LIMITS, Bound
from ..models import DISTRIBUTIONS, EVIDENCE_TAGS
from ..text import plain

__all__ = [
    "Choice",
    "Document",
    "Identifier",
    "BillingCode",
    "NonEmptyText",
    "Text",
    "bounded",
    "problem",
    "uncertain",
]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
_ID = re.compile(ID_PATTERN)


def problem(expected: str, found: object = None, *, found_text: str | None = None, at: str = "") -> PydanticCustomError:
    """A validation problem in the project's words; ``at`` names a sub-field of the current place."""
    shown = found_text if found_text is not None else describe_found(found)
    return PydanticCustomError(
        "domain", "expected {expected}, found {found}", {"expected": expected, "found": shown, "at": at}
    )


class Document(BaseModel):
    """Base of every declared object: unknown keys are errors (their message lists the allowed
    fields: :func:`calculator.formats.problems.allowed_fields`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


# --------------------------------------------------------------------------------------------
# Numbers


def check_number(raw: object, bound: Bound, *, probability: bool = False) -> float:
    """``raw`` as a float inside ``bound``, or a domain problem in the words of SPEC §3."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise problem("a probability from 0 to 1" if probability else "a number", raw)
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise problem("a finite number", found_text=describe_found(raw))
    low, high = bound.minimum, bound.maximum
    # A whole number is compared exactly: float(2**63 - 1) rounds up past the seed's own maximum.
    exact: float = raw if isinstance(raw, int) else value
    below = low is not None and exact < low
    above = high is not None and (exact >= high if bound.maximum_exclusive else exact > high)
    if (probability and (below or above)) or (bound.phrase and above):
        raise problem(bound.phrase, raw)
    # Budget-style ranges read "from 1 to 5"; counts read "non-negative" and "at most 1,000".
    span = low is not None and high is not None and not bound.phrase and (not bound.whole or low != 0)
    if span and (below or above):
        raise problem(f"a number from {low:g} to {high:g}", raw)
    if below:
        raise problem("a non-negative number", raw)
    if bound.whole and value != int(value):
        raise problem("a whole number", raw)
    if above:
        raise problem(f"a number of at most {high:,.0f}", raw)
    return raw if bound.whole and isinstance(raw, int) else value


def number_schema(bound: Bound) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer" if bound.whole else "number"}
    if bound.minimum is not None:
        schema["minimum"] = bound.minimum
    if bound.maximum is not None:
        schema["exclusiveMaximum" if bound.maximum_exclusive else "maximum"] = bound.maximum
    return schema


def bounded(name: str) -> Any:
    """A plain number within ``LIMITS[name]`` (e.g. ``bounded("draws")``)."""
    bound = LIMITS[name]
    probability = name == "probability"
    return Annotated[
        float,
        PlainValidator(lambda raw: check_number(raw, bound, probability=probability)),
        WithJsonSchema(number_schema(bound)),
    ]


# --------------------------------------------------------------------------------------------
# Texts, names and choices


def _bounded_text(raw: str) -> str:
    # A label or note of pages would flood every page, chart and export it appears on.
    if len(raw) > MAX_TEXT_CHARS:
        raise problem(f"a text of at most {MAX_TEXT_CHARS:,} characters", found_text=f"{len(raw):,} characters")
    # Control and bidi-override characters go at the door, so no page, chart or export shows them.
    return plain(raw, MAX_TEXT_CHARS).strip()


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise problem("text", raw)
    return _bounded_text(raw)


def _non_empty_text(raw: object) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise problem("a non-empty text", raw)
    if not isinstance(raw, str):
        raise problem("text", raw)
    return _bounded_text(raw)


def _identifier(raw: object) -> str:
    if not isinstance(raw, str) or not _ID.match(raw):
        raise problem("a name of letters, digits, '_', '-' or '.'", raw)
    return raw


Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": ["string", "null"], "maxLength": MAX_TEXT_CHARS})]
NonEmptyText = Annotated[
    str,
    PlainValidator(_non_empty_text),
    WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": MAX_TEXT_CHARS}),
]


def _billing_code(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # a code written as a JSON number, e.g. 97110
    return _non_empty_text(raw)


BillingCode = Annotated[str, PlainValidator(_billing_code), WithJsonSchema({"type": ["string", "integer"]})]
Identifier = Annotated[str, PlainValidator(_identifier), WithJsonSchema({"type": "string", "pattern": ID_PATTERN})]


def Choice(choices: tuple[str, ...], phrase: str = "one of") -> Any:  # noqa: N802 - reads as a type
    """One of ``choices``: ``Choice(VISIT_KINDS)``."""

    expected = f"one of {', '.join(choices)}" if phrase == "one of" else f"{phrase} ({', '.join(choices)})"

    def check(raw: object) -> str:
        if not isinstance(raw, str) or raw not in choices:
            raise problem(expected, raw)
        return raw

    return Annotated[str, PlainValidator(check), WithJsonSchema({"enum": list(choices)})]


def _evidence(raw: object) -> str:
    tag = _text(raw).upper()
    if tag and tag not in EVIDENCE_TAGS:
        raise problem(f"one of the tags {', '.join(EVIDENCE_TAGS)}", tag)
    return tag


Evidence = Annotated[
    str, PlainValidator(_evidence), WithJsonSchema({"type": ["string", "null"], "enum": [*EVIDENCE_TAGS, "", None]})
]


# --------------------------------------------------------------------------------------------
# Uncertain numbers: a plain number or {"value", "dist", "low", "high", "source", "evidence", "note"}


if TYPE_CHECKING:
    NonNegative: TypeAlias = float
    ProbabilityValue: TypeAlias = float
    CountValue: TypeAlias = float
    Distribution: TypeAlias = str
else:
    NonNegative, ProbabilityValue = bounded("amount"), bounded("probability")
    CountValue = bounded("visit_count")
    Distribution = Choice(DISTRIBUTIONS)


class _Uncertain(Document):
    """A number with an optional 95% range, distribution and source (SPEC §4.6)."""

    KIND: ClassVar[str] = "amount"
    value: float
    dist: Distribution | None = None
    low: float | None = None
    high: float | None = None
    source: Text = ""
    evidence: Evidence = ""
    note: Text = ""

    @property
    def distribution(self) -> str:
        """The named distribution, or the default for a range (beta for probabilities, else gamma)."""
        if self.dist is not None:
            return self.dist
        if self.low is None and self.high is None:
            return "fixed"
        return "beta" if self.KIND == "probability" else "gamma"

    @model_validator(mode="after")
    def _check_range(self) -> _Uncertain:
        dist, low, high, value = self.distribution, self.low, self.high, self.value
        if low is None and high is None:
            if dist != "fixed":
                raise problem(f"'low' and 'high' for a {dist} distribution", found_text="neither")
            return self
        if low is None or high is None:
            raise problem("a value when the other bound is given", None, at="low" if low is None else "high")
        if low > high:
            raise problem("low ≤ high", found_text=f"low {low:g} > high {high:g}")
        if not low <= value <= high:
            raise problem(f"a value between low {low:g} and high {high:g}", value, at="value")
        _check_fit(dist, value, low, high)
        return self


def _check_fit(dist: str, mean: float, low: float, high: float) -> None:
    """Reject ranges the method of moments cannot turn into the named distribution."""
    sd = (high - low) / 3.92
    if sd == 0:
        return
    if dist == "beta":
        if not 0 < mean < 1:
            raise problem("a beta mean strictly between 0 and 1", mean, at="value")
        if sd * sd >= mean * (1 - mean):
            raise problem(
                f"a range narrow enough for a beta distribution with mean {mean:g} "
                f"(high − low below {3.92 * math.sqrt(mean * (1 - mean)):.4g})",
                found_text=f"low {low:g}, high {high:g}",
            )
    elif dist in ("gamma", "lognormal") and mean <= 0:
        raise problem(f"a positive mean for a {dist} distribution", mean, at="value")


class UncertainAmount(_Uncertain):
    """A non-negative amount (money, hours, units, days) with its uncertainty."""

    KIND: ClassVar[str] = "amount"
    value: NonNegative
    low: NonNegative | None = None
    high: NonNegative | None = None


class UncertainProbability(_Uncertain):
    """A probability from 0 to 1 with its uncertainty."""

    KIND: ClassVar[str] = "probability"
    value: ProbabilityValue
    low: ProbabilityValue | None = None
    high: ProbabilityValue | None = None


class UncertainCount(_Uncertain):
    """A whole number of visits with its uncertainty (the range itself need not be whole)."""

    KIND: ClassVar[str] = "visit_count"
    value: CountValue
    low: NonNegative | None = None
    high: NonNegative | None = None


def _bounded_uncertain(kind: str, doc: str) -> type[_Uncertain]:
    """An uncertain number whose value, low and high are bounded by ``LIMITS[kind]``."""
    value = bounded(kind)
    model = create_model(
        f"Uncertain{kind.title().replace('_', '')}",
        __base__=_Uncertain,
        __doc__=doc,
        value=(value, ...),
        low=(value | None, None),
        high=(value | None, None),
    )
    model.KIND = kind
    return model


_UNCERTAIN: dict[str, type[_Uncertain]] = {
    "amount": UncertainAmount,
    "probability": UncertainProbability,
    "visit_count": UncertainCount,
    "weeks": _bounded_uncertain("weeks", "A duration in weeks with its uncertainty."),
    "hours": _bounded_uncertain("hours", "A number of hours with its uncertainty."),
    "units": _bounded_uncertain("units", "A number of billed units with its uncertainty."),
    "days": _bounded_uncertain("days", "A number of days with its uncertainty."),
    "qaly": _bounded_uncertain("qaly", "A QALY gain with its uncertainty."),
}


def _dump_number(value: object) -> Any:
    return value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value


def uncertain(kind: str = "amount") -> Any:
    """A plain number or an uncertain number, checked against ``LIMITS[kind]``."""
    bound = LIMITS[kind]
    probability = kind == "probability"
    model = _UNCERTAIN[kind]

    def check(raw: object) -> float | _Uncertain:
        if isinstance(raw, dict):
            return model.model_validate(raw)
        return check_number(raw, bound, probability=probability)

    plain = Annotated[float, WithJsonSchema(number_schema(bound))]
    return Annotated[
        float | model,
        PlainValidator(check, json_schema_input_type=plain | model),
        PlainSerializer(_dump_number),
    ]


if TYPE_CHECKING:  # the checker sees the values; pydantic sees the declarations
    Amount: TypeAlias = float | _Uncertain
    Probability: TypeAlias = float | _Uncertain
    Count: TypeAlias = float | _Uncertain
    Weeks: TypeAlias = float | _Uncertain
    Hours: TypeAlias = float | _Uncertain
    Units: TypeAlias = float | _Uncertain
    Days: TypeAlias = float | _Uncertain
    Qaly: TypeAlias = float | _Uncertain
else:
    Amount = uncertain("amount")
    Probability = uncertain("probability")
    Count = uncertain("visit_count")
    Weeks = uncertain("weeks")
    Hours = uncertain("hours")
    Units = uncertain("units")
    Days = uncertain("days")
    Qaly = uncertain("qaly")
