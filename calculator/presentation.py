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
from .i18n import N_
from .models import Param, PriceTable, Scenario
from .review import Review
from .serialize import price_table_rows

__all__ = [
    "DISCLAIMER",
    "PERSPECTIVES",
    "PERSPECTIVE_PHRASES",
    "assumption_frame",
    "assumption_table",
    "describe_param",
    "frame_csv",
    "money_columns",
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
    "patient": "Patient out of pocket",
    "insurer": "Plan pays",
    "allowed": "Total billed",
    "societal": "Societal (billed + time + adverse events)",
}
#: The same perspectives inside a sentence or a chart title.
PERSPECTIVE_PHRASES: dict[str, str] = {
    "patient": "patient out of pocket",
    "insurer": "plan pays",
    "allowed": "total billed",
    "societal": "societal cost",
}
#: The mark of a number that is an assumption rather than a sourced fact.
FLAG = "⚠ assumed/unverified"


def scenario_caption(scenario: Scenario) -> str:
    """One line naming the scenario, its coverage and its price table."""
    coverage = "self-pay (cash prices)" if scenario.insurance is None else f"{scenario.schedule} prices with your plan"
    return f"Scenario: {scenario.label or scenario.name} · {coverage} · price table: {scenario.prices.label}"


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A frame as spreadsheet-safe CSV bytes (formula cells neutralised)."""
    rows = frame.itertuples(index=False, name=None)
    return to_csv([str(c) for c in frame.columns], rows).encode("utf-8")


def money_columns(frame: pd.DataFrame, columns: Sequence[str], currency: str) -> pd.DataFrame:
    """A copy of ``frame`` with money columns formatted for display."""
    out = frame.copy()
    for column in columns:
        out[column] = [format_money(float(v), currency) for v in out[column]]
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


def assumption_table(raw: pd.DataFrame, currency: str) -> pd.DataFrame:
    """:func:`assumption_frame` rows for people: values by unit, evidence tags spelled out."""

    def shown(column: str) -> list[str]:
        return [
            format_value(v, u, currency) if pd.notna(v) else "–" for v, u in zip(raw[column], raw["unit"], strict=True)
        ]

    labels = evidence()
    return pd.DataFrame(
        {
            "Flag": [FLAG if f else "" for f in raw["unverified"]],
            "Assumption": raw["assumption"],
            "Value": shown("value"),
            "Low": shown("low"),
            "High": shown("high"),
            "Distribution": raw["distribution"],
            "Evidence": [labels.describe(e) for e in raw["evidence"]],
            "Year": raw["year"],
            "Source": raw["source"],
            "Group": raw["group"],
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


def signed_money(amount: float, currency: str) -> str:
    """A cost change: "+$120", "−$35", or "no change" below half a unit."""
    if abs(amount) < 0.5:
        return "no change"
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
    review: Review, units: Mapping[str, str], labels: Mapping[str, str], currency: str, perspective: str
) -> pd.DataFrame:
    """The reviewer diff for people: each change, old and new value, and its effect on each
    option's expected cost (``perspective``), then all changes together."""
    rows = []
    for change in review.changes:
        unit = units.get(change.id, "")
        row = {
            "Assumption": change.label,
            "Change": change.kind,
            "Shipped": describe_param(change.old, unit, currency),
            "Now": describe_param(change.new, unit, currency),
        }
        effect = (change.effect or {}).get(perspective, {})
        for option, label in labels.items():
            row[label] = signed_money(effect[option], currency) if option in effect else "–"
        rows.append(row)
    total = review.total_effect.get(perspective, {})
    rows.append(
        {
            "Assumption": "All changes together",
            "Change": "",
            "Shipped": "",
            "Now": "",
            **{label: signed_money(total[o], currency) if o in total else "–" for o, label in labels.items()},
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
