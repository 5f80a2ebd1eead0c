"""The analyst's results workbook (XLSX), a JSON of every result, and the PSA draws for re-analysis.

One workbook holds what a payer's analyst needs to review and challenge the model: the summary
(every option, every perspective, expected and first-line), the branches of each escalation
tree, every parameter with its value, range, distribution, source id and evidence tag, the
one-way results, the PSA summary and acceptability curve, and the budget impact when asked.

Every cell is inert: text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written as a string cell with a quote prefix, so
Excel and LibreOffice show it as text; sheet names are sanitised. Numbers stay numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .budget import BudgetResult
from .costing import COST_FIELDS, Comparison, parameters
from .exports import to_csv
from .uncertainty import PERSPECTIVES, OneWay, PsaResult

__all__ = [
    "SUMMARY_HEADER",
    "psa_draws_csv",
    "psa_draws_parquet",
    "results_json",
    "safe_sheet_name",
    "workbook_bytes",
]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_FIELDS = (*COST_FIELDS, "societal")
SUMMARY_HEADER = ("option", "label", "scope", *SUMMARY_FIELDS, "p_escalate", "p_response", "currency")


def safe_sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, not starting or ending with a quote, at most
    31 characters, unique among ``taken`` (case-insensitive).

    >>> safe_sheet_name("=Budget: 2025/26?")
    'Budget 2025 26'
    """
    cleaned = re.sub(r"[\[\]:*?/\\\x00-\x1f]+", " ", name)
    cleaned = " ".join(cleaned.split()).strip("'")
    cleaned = cleaned.lstrip("=+-@").strip() or "Sheet"
    cleaned = cleaned[:31]
    used = {t.lower() for t in taken}
    candidate, n = cleaned, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = cleaned[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    cell = WriteOnlyCell(sheet, value=text)
    if text.startswith(_FORMULA_STARTS):
        # a string cell, shown with a quote prefix: never evaluated, the text itself preserved
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


class _Book:
    def __init__(self) -> None:
        self.book = Workbook(write_only=True)
        self.names: list[str] = []

    def sheet(self, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        name = safe_sheet_name(title, self.names)
        self.names.append(name)
        sheet = self.book.create_sheet(name)
        sheet.append([_cell(sheet, h) for h in header])
        for row in rows:
            sheet.append([_cell(sheet, v) for v in row])

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def _summary_rows(comparison: Comparison) -> list[list[Any]]:
    currency = comparison.scenario.currency
    rows = []
    for o in comparison:
        for scope, costs in (("expected", o.expected), ("first_line", o.first_line)):
            values = costs.as_dict()
            rows.append(
                [o.id, o.label, scope, *(values[f] for f in SUMMARY_FIELDS), o.p_escalate, o.p_response, currency]
            )
    return rows


def workbook_bytes(
    comparison: Comparison,
    *,
    psa: PsaResult | None = None,
    one_way_result: OneWay | None = None,
    budget: BudgetResult | None = None,
) -> bytes:
    """The results workbook as XLSX bytes.

    Parameters
    ----------
    comparison : Comparison
        Base-case results (:func:`calculator.costing.compare`).
    psa : PsaResult, optional
        Adds "PSA summary" and, when pathways give QALYs, "Acceptability curve".
    one_way_result : OneWay, optional
        Adds "One-way": every uncertain number at its low and high, per option and perspective.
    budget : BudgetResult, optional
        Adds "Budget impact" with its assumptions.

    Returns
    -------
    bytes
        An .xlsx file; the Summary sheet holds the same numbers as ``compare --format json``.
    """
    scenario = comparison.scenario
    book = _Book()
    book.sheet("Summary", SUMMARY_HEADER, _summary_rows(comparison))
    book.sheet(
        "Branches",
        ("option", "path", "probability", *COST_FIELDS),
        (
            [o.id, " > ".join(b.path), b.probability, *(getattr(b.costs, f) for f in COST_FIELDS)]
            for o in comparison
            for b in o.branches
        ),
    )
    book.sheet(
        "Parameters",
        ("id", "label", "group", "unit", "value", "low", "high", "distribution", "source", "evidence"),
        (
            [p.id, p.label, p.group, p.unit, p.param.value, p.param.low, p.param.high, p.param.dist]
            + [p.param.source, p.param.evidence]
            for p in parameters(scenario)
        ),
    )
    if one_way_result is not None:
        rows = []
        for row in one_way_result.rows:
            for perspective in PERSPECTIVES:
                for option in one_way_result.options:
                    at_low, at_high = row["results"][perspective][option]
                    low_best, high_best = row["cheapest"][perspective]
                    rows.append(
                        [row["id"], row["label"], row["low"], row["high"], row["base_value"], perspective, option]
                        + [one_way_result.base[perspective][option], at_low, at_high, abs(at_high - at_low)]
                        + [low_best, high_best, row["source"], row["evidence"]]
                    )
        book.sheet(
            "One-way",
            ("id", "label", "low", "high", "base_value", "perspective", "option", "base_cost")
            + ("cost_at_low", "cost_at_high", "swing", "cheapest_at_low", "cheapest_at_high", "source", "evidence"),
            rows,
        )
    if psa is not None:
        rows = []
        for option, label in zip(psa.options, psa.labels, strict=True):
            for perspective in PERSPECTIVES:
                s = psa.summary[option][perspective]
                rows.append([option, label, perspective, s["mean"], s["p2_5"], s["p97_5"]])
                rows[-1].append(psa.p_cheapest[perspective][option])
            oop = psa.out_of_pocket[option]
            for name, value in oop["percentiles"].items():
                rows.append([option, label, f"out_of_pocket_{name}", value, None, None, None])
            if "p_over_budget" in oop:
                rows.append([option, label, "p_out_of_pocket_over_budget", oop["p_over_budget"], None, None, None])
        book.sheet(
            "PSA summary",
            ("option", "label", "measure", "mean_or_value", "p2_5", "p97_5", "p_cheapest"),
            [[f"draws {psa.draws}, seed {psa.seed}", None, None, None, None, None, None], *rows],
        )
        if psa.qaly is not None:
            curve = psa.ceac()
            book.sheet(
                "Acceptability curve",
                ("wtp_per_qaly", *psa.options),
                ([w, *(float(curve[o][i]) for o in psa.options)] for i, w in enumerate(psa.wtp)),
            )
    if budget is not None:
        years = [y.as_dict() for y in budget.years]
        rows = [list(y.values()) for y in years]
        rows.append([])
        rows += [
            ["mix", option, share, dict(budget.inputs.proposed_mix).get(option)]
            for option, share in budget.inputs.current_mix
        ]
        rows.append([])
        rows += [["assumption", text] for text in budget.assumptions]
        book.sheet("Budget impact", list(years[0]), rows)
    return book.save()


def results_json(
    comparison: Comparison,
    *,
    psa: PsaResult | None = None,
    one_way_result: OneWay | None = None,
    budget: BudgetResult | None = None,
) -> dict[str, Any]:
    """Every result as one JSON-ready document (the ``compare`` JSON plus the other analyses)."""
    document = comparison.to_dict()
    document["parameters"] = [
        {
            "id": p.id,
            "label": p.label,
            "value": p.param.value,
            "dist": p.param.dist,
            "low": p.param.low,
            "high": p.param.high,
            "source": p.param.source,
            "evidence": p.param.evidence,
        }
        for p in parameters(comparison.scenario)
    ]
    if psa is not None:
        document["psa"] = psa.to_dict()
    if one_way_result is not None:
        document["tornado"] = one_way_result.to_dict()
    if budget is not None:
        document["budget"] = budget.to_dict()
    return document


def _draw_columns(psa: PsaResult) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for perspective in PERSPECTIVES:
        for j, option in enumerate(psa.options):
            columns[f"{option}.{perspective}"] = psa.samples[perspective][:, j]
    if psa.qaly is not None:
        for j, option in enumerate(psa.options):
            columns[f"{option}.qaly"] = psa.qaly[:, j]
    return columns


def psa_draws_csv(psa: PsaResult) -> str:
    """Every PSA draw, one row per draw: each option's expected cost by perspective (and QALYs)."""
    columns = _draw_columns(psa)
    names = list(columns)
    rows = zip(*(columns[n].tolist() for n in names), strict=True)
    return to_csv(["draw", *names], ([i + 1, *row] for i, row in enumerate(rows)))


def psa_draws_parquet(psa: PsaResult) -> bytes | None:
    """The same draws as Parquet, or None when pyarrow is not installed."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return None
    table = pa.table(_draw_columns(psa))
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
