"""Write scenarios, pathways and price tables back out (JSON, CSV, XLSX).

Every writer is the exact inverse of a loader: what is written reads back to an equal object
(tests check the round trips). The JSON writers dump the declared documents of
:mod:`calculator.formats` (built by :mod:`calculator.formats.convert`), so a file is written in
exactly the shape the loader and the JSON Schema expect. CSV and XLSX text cells are neutralised
against spreadsheet formula injection; the loaders undo that one apostrophe.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from typing import Any

from ..formats.convert import param_doc, pathway_set_doc, price_table_doc, scenario_doc
from ..inert import inert_cell, inert_csv, inert_row
from ..models import Param, PathwaySet, PriceTable, Scenario
from .files import DATA_DIR, shipped_names
from .prices import load_price_table
from .scenarios import load_pathways

__all__ = [
    "input_hash",
    "param_to_json",
    "pathways_to_dict",
    "price_table_rows",
    "price_table_to_csv",
    "price_table_to_xlsx",
    "scenario_to_dict",
    "scenario_to_json",
]

_PRICE_TEXT = ("code", "description", "category", "unit")
_PRICE_TAIL = ("source", "as_of", "evidence", "note")


def param_to_json(param: Param) -> float | dict[str, Any]:
    """A plain number where nothing else is known, else the uncertain-number object."""
    return param_doc(param)


# --------------------------------------------------------------------------------------------
# Price tables


def price_table_rows(table: PriceTable) -> tuple[list[str], list[list[Any]]]:
    # Payment-reduction columns (SPEC §3.1) only when the table has them, so other tables read back unchanged.
    with_mppr = any(row.mppr for row in table.rows)
    header = [
        *_PRICE_TEXT,
        *table.schedules,
        *([f"mppr_{s}" for s in table.schedules] if with_mppr else []),
        *_PRICE_TAIL,
    ]
    blank: tuple[float | None, ...] = (None,) * len(table.schedules)
    rows = [
        [
            row.code,
            row.description,
            row.category,
            row.unit,
            *row.prices,
            *(("" if m is None else m for m in (row.mppr or blank)) if with_mppr else ()),
            row.source,
            row.as_of,
            row.evidence,
            row.note,
        ]
        for row in table.rows
    ]
    return header, rows


def price_table_to_csv(table: PriceTable) -> str:
    """CSV with a ``# key: value`` header block for the metadata the loader reads back."""
    header, rows = price_table_rows(table)
    comments = {key: getattr(table, key) for key in ("label", "currency", "region", "year")}
    return inert_csv(header, rows, comments)


def price_table_to_xlsx(table: PriceTable) -> bytes:
    """An XLSX workbook: sheet ``prices`` (the table) and sheet ``metadata`` (key, value)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "prices"
    header, rows = price_table_rows(table)
    sheet.append(inert_row(header))  # a schedule named =HYPERLINK(...) stays text
    for row in rows:
        # Codes stay text so 97110 does not turn into a number; formula-like text is neutralised.
        sheet.append(inert_row(row))
    meta = workbook.create_sheet("metadata")
    for key in ("label", "currency", "region", "year", "description"):
        meta.append([key, inert_cell(str(getattr(table, key)))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Pathways and scenarios


def pathways_to_dict(pathways: PathwaySet) -> dict[str, Any]:
    """The pathway-file form (``{"schema_version": 1, ..., "pathways": {...}}``)."""
    return pathway_set_doc(pathways).model_dump(by_alias=True, exclude_unset=True)


@functools.lru_cache(maxsize=16)
def _shipped_prices(name: str, mtime: float) -> PriceTable:
    return load_price_table(DATA_DIR / "prices" / f"{name}.csv")


@functools.lru_cache(maxsize=16)
def _shipped_pathways(name: str, mtime: float) -> PathwaySet:
    return load_pathways(DATA_DIR / "pathways" / f"{name}.json")


def _is_shipped_prices(table: PriceTable, region: str = "national") -> bool:
    if table.name not in shipped_names("prices"):
        return False
    if region != "national":
        from .regional import has_regions, regional_price_table

        return has_regions(table.name) and regional_price_table(table.name, region) == table
    path = DATA_DIR / "prices" / f"{table.name}.csv"
    return _shipped_prices(table.name, path.stat().st_mtime) == table


def _is_shipped_pathways(pathways: PathwaySet) -> bool:
    if pathways.name not in shipped_names("pathways"):
        return False
    path = DATA_DIR / "pathways" / f"{pathways.name}.json"
    return _shipped_pathways(pathways.name, path.stat().st_mtime) == pathways


def scenario_to_dict(scenario: Scenario, *, inline: bool = False) -> dict[str, Any]:
    """A scenario document that loads back to an equal scenario.

    Shipped tables and pathway sets that are unchanged are written by name; anything else (a
    clinic's table, edited pathways), or everything with ``inline=True``, is written inline so the
    file stands alone.
    """
    prices = scenario.prices.name if not inline and _is_shipped_prices(scenario.prices, scenario.region) else None
    pathways = scenario.pathways.name if not inline and _is_shipped_pathways(scenario.pathways) else None
    doc = scenario_doc(
        scenario,
        prices=prices if prices is not None else price_table_doc(scenario.prices),
        pathways=pathways if pathways is not None else pathway_set_doc(scenario.pathways),
    )
    document = doc.model_dump(by_alias=True, exclude_unset=True)
    if prices is None and not inline:
        # A region selects a shipped table's built prices (SPEC §4.8); a file with its own inline
        # table (e.g. a region's table edited in the app) stands alone without one.
        document.pop("region", None)
    return document


def scenario_to_json(scenario: Scenario, *, inline: bool = False) -> str:
    return json.dumps(scenario_to_dict(scenario, inline=inline), indent=2, ensure_ascii=False, allow_nan=False)


@functools.lru_cache(maxsize=32)
def input_hash(scenario: Scenario) -> str:
    """A short fingerprint of everything that affects the numbers, to match two printouts.

    Cached (scenarios are frozen values): the app asks for the same scenario's hash several times
    per rerun, and hashing the scenario costs far less than writing it out.
    """
    canonical = json.dumps(scenario_to_dict(scenario, inline=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]
