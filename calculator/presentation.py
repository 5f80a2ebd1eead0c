"""Engine results as tables and words for people (pure: no Streamlit).

The app shows these frames and texts as they are; the tests call them directly. Numbers go
through :func:`calculator.formatting.format_value` (one rule for cents and percentages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .content import evidence
from .exports import to_csv
from .formatting import format_money, format_value
from .i18n import DEFAULT_LANGUAGE, N_, translator
from .i18n import format_money as format_money_for
from .models import Param, PriceTable, Scenario
from .review import Review
from .serialize import price_table_rows
from .text import plain

__all__ = [
    "DISCLAIMER",
    "PERSPECTIVES",
    "PERSPECTIVE_PHRASES",
    "assumption_frame",
    "assumption_table",
    "describe_param",
    "frame_csv",
    "money_columns",
    "param_label",
    "price_table_changes",
    "review_csv",
    "review_frame",
    "scenario_caption",
    "signed_money",
    "table_frame",
    "table_metadata",
]

#: Shown on every page, in the handout (HTML and PDF) and nowhere else in other words.
DISCLAIMER = N_(
    "These are estimates, not quotes or medical advice. Real prices depend on your clinic, your plan and "
    "your region; ask your clinic and your plan before you decide. Which treatment suits you is a decision "
    "to make with a clinician."
)

#: Whose cost: the perspectives of every analysis (the ids of ``calculator.uncertainty.PERSPECTIVES``).
PERSPECTIVES: dict[str, str] = {
    "patient": N_("Patient out of pocket"),
    "insurer": N_("Plan pays"),
    "allowed": N_("Total billed"),
    "societal": N_("Societal (billed + time + adverse events)"),
}
#: The same perspectives inside a sentence or a chart title.
PERSPECTIVE_PHRASES: dict[str, str] = {
    "patient": N_("patient out of pocket"),
    "insurer": N_("plan pays"),
    "allowed": N_("total billed"),
    "societal": N_("societal cost"),
}
#: The mark of a number that is an assumption rather than a sourced fact.
FLAG = N_("⚠ assumed/unverified")
#: The groups of numbers on the Assumptions page, for the catalog.
GROUPS = (N_("price"), N_("pathway"), N_("insurance"), N_("indirect"))
#: The price schedules of the shipped tables (their names are shown in sentences).
SCHEDULES = (N_("medicare"), N_("commercial"), N_("self_pay"))
#: The kinds of visit as sentences name them (``calculator.models.VISIT_KINDS``, "_" read as a space).
VISIT_KIND_NAMES = (
    N_("office"),
    N_("specialist"),
    N_("therapy"),
    N_("pharmacy"),
    N_("imaging"),
    N_("outpatient surgery"),
    N_("inpatient"),
)
#: The kinds of change of a price row (:func:`price_table_changes`), for the catalog.
CHANGE_KINDS = (N_("added"), N_("changed"), N_("removed"))


# The labels :func:`calculator.costing.parameters` gives the numbers, as templates for the catalog:
# (pattern of the English label, its template). Names in them (treatments, visits, adverse
# events, price rows, schedules) are translated on their own.
_PARAM_LABELS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (
            r"^Price of (?P<code>\S+) \((?P<description>.*)\), override$",
            N_("Price of {code} ({description}), override"),
        ),
        (
            r"^Price of (?P<code>\S+) \((?P<description>.*)\), (?P<schedule>\w+) schedule$",
            N_("Price of {code} ({description}), {schedule} schedule"),
        ),
        (r"^(?P<name>[^:]+): response probability$", N_("{name}: response probability")),
        (
            r"^(?P<name>[^:]+): non-responders going on to further care$",
            N_("{name}: non-responders going on to further care"),
        ),
        (r"^(?P<name>[^:]+): work days lost$", N_("{name}: work days lost")),
        (r"^(?P<name>[^:]+): weeks$", N_("{name}: weeks")),
        (r"^(?P<name>[^:]+): expected QALY gain$", N_("{name}: expected QALY gain")),
        (r"^(?P<name>[^:]+): (?P<visit>.+), number of visits$", N_("{name}: {visit}, number of visits")),
        (r"^(?P<name>[^:]+): (?P<visit>.+), hours per visit$", N_("{name}: {visit}, hours per visit")),
        (r"^(?P<name>[^:]+): (?P<visit>.+), units of (?P<code>\S+)$", N_("{name}: {visit}, units of {code}")),
        (r"^(?P<name>[^:]+): (?P<event>.+), probability$", N_("{name}: {event}, probability")),
        (r"^(?P<name>[^:]+): (?P<event>.+), cost$", N_("{name}: {event}, cost")),
        (r"^Plan: copay, (?P<kind>.+) visit$", N_("Plan: copay, {kind} visit")),
        (
            r"^Plan: (?P<field>copay|coinsurance|deductible|deductible met), (?P<kind>.+) visits$",
            N_("Plan: {field}, {kind} visits"),
        ),
    )
)
# Whole labels of the plan and the patient's time (``Plan: <field>``, ``Time and travel: <field>``).
_FIXED_LABELS = (
    N_("Plan: deductible"),
    N_("Plan: deductible met"),
    N_("Plan: coinsurance"),
    N_("Plan: oop met"),
    N_("Plan: out-of-pocket maximum"),
    N_("HSA/FSA balance"),
    N_("Marginal tax rate"),
    N_("Time and travel: hourly value"),
    N_("Time and travel: travel hours per visit"),
    N_("Time and travel: miles per visit"),
    N_("Time and travel: mileage rate"),
    N_("Time and travel: parking per visit"),
    N_("Time and travel: daily wage"),
)
#: The fields of a kind's benefit (SPEC §3.4), named in "Plan: {field}, {kind} visits".
BENEFIT_FIELDS = (N_("copay"), N_("coinsurance"), N_("deductible"), N_("deductible met"))
#: The units of the numbers (``Parameter.unit``), for the catalog.
UNITS = (
    N_("money"),
    N_("probability"),
    N_("count"),
    N_("days"),
    N_("hours"),
    N_("miles"),
    N_("qaly"),
    N_("units"),
    N_("weeks"),
)


def param_label(label: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A number's label (:func:`calculator.costing.parameters`) in ``lang``; a label of another
    shape (a user's own treatment, say) keeps its English frame, its names translated if known.

    >>> param_label("Dry needling + exercise: response probability", "es")
    'Punción seca + ejercicio: probabilidad de respuesta'
    >>> param_label("Plan: deductible", "en")
    'Plan: deductible'
    """
    _ = translator(lang).gettext
    # Labels embed option names from links and uploads: shown without their bidi overrides.
    label = plain(label, limit=max(len(label), 1))
    if lang == DEFAULT_LANGUAGE:
        return label
    if label in _FIXED_LABELS:
        return _(label)
    for pattern, template in _PARAM_LABELS:
        match = pattern.match(label)
        if match:
            return _(template).format(**{key: _(value) for key, value in match.groupdict().items()})
    return _(label)


def scenario_caption(scenario: Scenario, lang: str = DEFAULT_LANGUAGE) -> str:
    """One line naming the scenario, its coverage and its price table (shipped labels translated)."""
    _ = translator(lang).gettext
    coverage = (
        _("self-pay (cash prices)")
        if scenario.insurance is None
        else _("{schedule} prices with your plan").format(schedule=_(scenario.schedule))
    )
    return _("Scenario: {scenario} · {coverage} · price table: {table}").format(
        scenario=_(scenario.label or scenario.name), coverage=coverage, table=_(scenario.prices.label)
    )


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A frame as spreadsheet-safe CSV bytes (formula cells neutralised)."""
    rows = frame.itertuples(index=False, name=None)
    return to_csv([str(c) for c in frame.columns], rows).encode("utf-8")


def money_columns(
    frame: pd.DataFrame, columns: Sequence[str], currency: str, lang: str = DEFAULT_LANGUAGE
) -> pd.DataFrame:
    """A copy of ``frame`` with money columns formatted for display in ``lang`` (Babel)."""
    out = frame.copy()
    for column in columns:
        out[column] = [format_money_for(float(v), currency, lang) for v in out[column]]
    return out


# --------------------------------------------------------------------------------------------
# Every assumption


def _year(source: str) -> str:
    years = re.findall(r"\b(?:19|20)\d{2}\b", source)
    return max(years) if years else ""


def assumption_frame(params: Iterable[Any], entered: str) -> pd.DataFrame:
    """Every number of a scenario (``calculator.costing.parameters``) as a raw table: one row
    per number with its range, unit, evidence tag, source, the latest year its source names, and
    ``unverified`` (an evidence tag that marks an assumption, or a number entered by the user,
    whose source is ``entered``)."""
    flagged = evidence().flagged
    rows = [
        {
            "id": p.id,
            "group": p.group,
            "assumption": p.label,
            "value": p.param.value,
            "low": p.param.low,
            "high": p.param.high,
            "distribution": p.param.dist,
            "unit": p.unit,
            "evidence": p.param.evidence,
            "unverified": p.param.evidence in flagged or p.param.unverified or p.param.source == entered,
            "year": _year(p.param.source),
            "source": p.param.source,
        }
        for p in params
    ]
    columns = ["id", "group", "assumption", "value", "low", "high", "distribution", "unit", "evidence"]
    return pd.DataFrame(rows, columns=[*columns, "unverified", "year", "source"])


def assumption_table(raw: pd.DataFrame, currency: str, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """:func:`assumption_frame` rows for people: values by unit, evidence tags spelled out
    (headers, the flag and the evidence labels in ``lang``)."""
    _ = translator(lang).gettext

    def shown(column: str) -> list[str]:
        return [
            format_value(v, u, currency) if pd.notna(v) else "–" for v, u in zip(raw[column], raw["unit"], strict=True)
        ]

    labels = evidence()
    return pd.DataFrame(
        {
            _("Flag"): [_(FLAG) if f else "" for f in raw["unverified"]],
            _("Assumption"): [param_label(a, lang) for a in raw["assumption"]],
            _("Value"): shown("value"),
            _("Low"): shown("low"),
            _("High"): shown("high"),
            _("Distribution"): raw["distribution"],  # the names of the file format (beta, gamma, ...)
            _("Evidence"): [
                f"{e} · {_(labels.labels[e])}" if e in labels.labels else (e or "–") for e in raw["evidence"]
            ],
            _("Year"): raw["year"],
            _("Source"): raw["source"],
            _("Group"): [_(g) for g in raw["group"]],
        }
    )


# --------------------------------------------------------------------------------------------
# Price tables


def table_frame(table: PriceTable) -> pd.DataFrame:
    """A price table as the editor's frame: the file's columns, one price column per schedule."""
    header, rows = price_table_rows(table)
    frame = pd.DataFrame(rows, columns=header)
    for schedule in table.schedules:
        frame[schedule] = frame[schedule].astype(float)
    # The editor shows text from an upload without its bidi overrides (and an edit saves it so).
    for column in header:
        if column not in table.schedules:
            frame[column] = [
                plain(v, limit=max(len(v), 1)) if isinstance(v, str) and not v.isprintable() else v
                for v in frame[column]
            ]
    return frame


def table_metadata(table: PriceTable) -> dict[str, Any]:
    keys = ("label", "currency", "region", "year", "description", "schedule_notes")
    return {key: getattr(table, key) for key in keys}


def price_table_changes(shipped: PriceTable, table: PriceTable) -> pd.DataFrame:
    """Rows of ``table`` that differ from ``shipped``, by code: added, removed or changed (pure)."""

    def money_(value: float) -> str:
        return format_money(value, table.currency, cents=True)

    both = [s for s in table.schedules if s in shipped.schedules]
    out = []
    for row in table.rows:
        if row.code not in shipped:
            parts = [f"{s}: {money_(p)}" for s, p in zip(table.schedules, row.prices, strict=True)]
            out.append((row.code, "added", row.description, ", ".join(parts)))
            continue
        old = shipped.row(row.code)
        parts = [
            f"{s}: {money_(shipped.price(row.code, s))} → {money_(table.price(row.code, s))}"
            for s in both
            if shipped.price(row.code, s) != table.price(row.code, s)
        ]
        parts += [
            f"{field.replace('_', ' ')} edited"
            for field in ("description", "category", "unit", "source", "as_of", "evidence", "note")
            if getattr(old, field) != getattr(row, field)
        ]
        if parts:
            out.append((row.code, "changed", row.description, "; ".join(parts)))
    out += [(row.code, "removed", row.description, "") for row in shipped.rows if row.code not in table]
    return pd.DataFrame(out, columns=["code", "change", "description", "what changed"])


# --------------------------------------------------------------------------------------------
# The reviewer diff


def signed_money(amount: float, currency: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A cost change: "+$120", "−$35", or "no change" below half a unit."""
    if abs(amount) < 0.5:
        return translator(lang).gettext("no change")
    return ("+" if amount > 0 else "") + format_money(amount, currency)


def describe_param(param: Param | None, unit: str, currency: str) -> str:
    if param is None:
        return "–"
    text = format_value(param.value, unit, currency)
    if param.uncertain:
        low, high = format_value(param.low, unit, currency), format_value(param.high, unit, currency)
        text += f" ({low}–{high}, {param.dist})"
    return text


def review_frame(
    review: Review,
    units: Mapping[str, str],
    labels: Mapping[str, str],
    currency: str,
    perspective: str,
    lang: str = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """The reviewer diff for people: each change, old and new value, and its effect on each
    option's expected cost (``perspective``), then all changes together (headers in ``lang``)."""
    _ = translator(lang).gettext
    rows = []
    for change in review.changes:
        unit = units.get(change.id, "")
        row = {
            _("Assumption"): param_label(change.label, lang),
            _("Change"): _(change.kind),
            _("Shipped"): describe_param(change.old, unit, currency),
            _("Now"): describe_param(change.new, unit, currency),
        }
        effect = (change.effect or {}).get(perspective, {})
        for option, label in labels.items():
            row[label] = signed_money(effect[option], currency, lang) if option in effect else "–"
        rows.append(row)
    total = review.total_effect.get(perspective, {})
    rows.append(
        {
            _("Assumption"): _("All changes together"),
            _("Change"): "",
            _("Shipped"): "",
            _("Now"): "",
            **{label: signed_money(total[o], currency, lang) if o in total else "–" for o, label in labels.items()},
        }
    )
    return pd.DataFrame(rows)


def review_csv(review: Review, hash_: str) -> bytes:
    """Every change with its effect for every perspective and option, and the combined effect."""
    rows = review.to_rows()
    total: dict[str, Any] = {"id": "", "assumption": "All changes together", "change": "", "old": "", "new": ""}
    for perspective, effects in review.total_effect.items():
        for option, delta in effects.items():
            total[f"{perspective}:{option}"] = delta
    rows.append(total)
    for what, old, new in review.settings:
        rows.append({"id": "", "assumption": what, "change": "setting", "old": old, "new": new})
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = [[row.get(c, "") for c in columns] for row in rows]
    return (f"# input hash: {hash_}\n" + to_csv(columns, lines)).encode("utf-8")
