"""Write scenarios, pathways and price tables back out (JSON, CSV, XLSX).

Every writer is the exact inverse of a loader in :mod:`calculator.io`: what is written reads back
to an equal object (tests check the round trips). CSV and XLSX text cells are neutralised against
spreadsheet formula injection; the loaders undo that one apostrophe.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from typing import Any

from .exports import neutralise, to_csv
from .io import DATA_DIR, load_pathways, load_price_table, shipped_names
from .models import (
    INDIRECT_FIELDS,
    Indirect,
    InsurancePlan,
    Param,
    Pathway,
    PathwaySet,
    PriceTable,
    Scenario,
)

__all__ = [
    "input_hash",
    "param_to_json",
    "pathways_to_dict",
    "price_table_to_csv",
    "price_table_to_xlsx",
    "scenario_to_dict",
    "scenario_to_json",
]

_PRICE_TEXT = ("code", "description", "category", "unit")
_PRICE_TAIL = ("source", "as_of", "evidence", "note")


def param_to_json(param: Param) -> float | dict[str, Any]:
    """A plain number where nothing else is known, else the uncertain-number object."""
    if param.dist == "fixed" and not param.source and not param.evidence:
        return param.value
    out: dict[str, Any] = {"value": param.value}
    if param.dist != "fixed":
        out.update(dist=param.dist, low=param.low, high=param.high)
    if param.source:
        out["source"] = param.source
    if param.evidence:
        out["evidence"] = param.evidence
    return out


# --------------------------------------------------------------------------------------------
# Price tables


def price_table_rows(table: PriceTable) -> tuple[list[str], list[list[Any]]]:
    # Payment-reduction columns (SPEC §3.1) only when the table has them, so other tables read back unchanged.
    mppr = any(row.mppr for row in table.rows)
    header = [*_PRICE_TEXT, *table.schedules, *([f"mppr_{s}" for s in table.schedules] if mppr else []), *_PRICE_TAIL]
    rows = [
        [
            row.code,
            row.description,
            row.category,
            row.unit,
            *row.prices,
            *(("" if m is None else m for m in (row.mppr or (None,) * len(table.schedules))) if mppr else ()),
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
    lines = []
    for key in ("label", "currency", "region", "year"):
        value = " ".join(str(getattr(table, key)).split())
        if value:
            lines.append(f"# {key}: {value}\n")
    header, rows = price_table_rows(table)
    return "".join(lines) + to_csv(header, rows)


def price_table_to_xlsx(table: PriceTable) -> bytes:
    """An XLSX workbook: sheet ``prices`` (the table) and sheet ``metadata`` (key, value)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "prices"
    header, rows = price_table_rows(table)
    sheet.append(header)
    for row in rows:
        # Codes stay text so 97110 does not turn into a number; formula-like text is neutralised.
        sheet.append([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    meta = workbook.create_sheet("metadata")
    for key in ("label", "currency", "region", "year", "description"):
        meta.append([key, neutralise(str(getattr(table, key)))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _price_table_inline(table: PriceTable) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(table, k) for k in ("label", "currency", "region", "year", "description")}
    out = {k: v for k, v in out.items() if v}
    if table.schedule_notes:
        out["schedules"] = dict(table.schedule_notes)
    out["rows"] = [
        {
            "code": row.code,
            "description": row.description,
            "category": row.category,
            "unit": row.unit,
            "prices": dict(zip(table.schedules, row.prices, strict=True)),
            **({"mppr": dict(zip(table.schedules, row.mppr, strict=True))} if row.mppr else {}),
            "source": row.source,
            "as_of": row.as_of,
            "evidence": row.evidence,
            "note": row.note,
        }
        for row in table.rows
    ]
    return out


# --------------------------------------------------------------------------------------------
# Pathways


def _pathway_to_dict(pathway: Pathway) -> dict[str, Any]:
    out: dict[str, Any] = {"label": pathway.label}
    if pathway.description:
        out["description"] = pathway.description
    out["visits"] = [
        {
            "name": v.name,
            "kind": v.kind,
            "count": param_to_json(v.count),
            "hours": param_to_json(v.hours),
            "travel": v.travel,
            "items": [{"code": i.code, "units": param_to_json(i.units)} for i in v.items],
        }
        for v in pathway.visits
    ]
    out["response_probability"] = param_to_json(pathway.response_probability)
    if pathway.on_failure is not None:
        out["on_failure"] = pathway.on_failure
    out["escalation_probability"] = param_to_json(pathway.escalation_probability)
    out["work_days_lost"] = param_to_json(pathway.work_days_lost)
    out["adverse_events"] = [
        {"name": e.name, "probability": param_to_json(e.probability), "cost": param_to_json(e.cost), "source": e.source}
        for e in pathway.adverse_events
    ]
    out["weeks"] = param_to_json(pathway.weeks)
    if pathway.qaly_gain is not None:
        out["qaly_gain"] = param_to_json(pathway.qaly_gain)
    out["sources"] = list(pathway.sources)
    return out


def pathways_to_dict(pathways: PathwaySet) -> dict[str, Any]:
    """The pathway-file form (``{"schema_version": 1, ..., "pathways": {...}}``)."""
    out: dict[str, Any] = {"schema_version": 1}
    for key in ("label", "description", "population"):
        if getattr(pathways, key):
            out[key] = getattr(pathways, key)
    out["pathways"] = {p.id: _pathway_to_dict(p) for p in pathways.pathways}
    return out


# --------------------------------------------------------------------------------------------
# Scenarios


@functools.lru_cache(maxsize=16)
def _shipped_prices(name: str, mtime: float) -> PriceTable:
    return load_price_table(DATA_DIR / "prices" / f"{name}.csv")


@functools.lru_cache(maxsize=16)
def _shipped_pathways(name: str, mtime: float) -> PathwaySet:
    return load_pathways(DATA_DIR / "pathways" / f"{name}.json")


def _is_shipped_prices(table: PriceTable) -> bool:
    if table.name not in shipped_names("prices"):
        return False
    path = DATA_DIR / "prices" / f"{table.name}.csv"
    return _shipped_prices(table.name, path.stat().st_mtime) == table


def _is_shipped_pathways(pathways: PathwaySet) -> bool:
    if pathways.name not in shipped_names("pathways"):
        return False
    path = DATA_DIR / "pathways" / f"{pathways.name}.json"
    return _shipped_pathways(pathways.name, path.stat().st_mtime) == pathways


def _insurance_to_dict(plan: InsurancePlan) -> dict[str, Any]:
    out: dict[str, Any] = {
        "deductible": param_to_json(plan.deductible),
        "deductible_met": param_to_json(plan.deductible_met),
        "coinsurance": param_to_json(plan.coinsurance),
        "oop_max": None if plan.oop_max is None else param_to_json(plan.oop_max),
        "oop_met": param_to_json(plan.oop_met),
        "copays": {kind: param_to_json(p) for kind, p in plan.copays},
        "uncovered_codes": list(plan.uncovered_codes),
    }
    if plan.uncovered_schedule is not None:
        out["uncovered_schedule"] = plan.uncovered_schedule
    if plan.visit_limits:
        out["visit_limits"] = dict(plan.visit_limits)
    return out


def _indirect_to_dict(indirect: Indirect) -> dict[str, Any]:
    return {k: param_to_json(getattr(indirect, k)) for k in INDIRECT_FIELDS}


def scenario_to_dict(scenario: Scenario, *, inline: bool = False) -> dict[str, Any]:
    """A scenario document that loads back to an equal scenario.

    Shipped tables and pathway sets that are unchanged are written by name; anything else (a
    clinic's table, edited pathways), or everything with ``inline=True``, is written inline so the
    file stands alone.
    """
    out: dict[str, Any] = {"schema_version": 1}
    if scenario.label:
        out["label"] = scenario.label
    if scenario.description:
        out["description"] = scenario.description
    shipped = not inline and _is_shipped_prices(scenario.prices)
    out["prices"] = scenario.prices.name if shipped else _price_table_inline(scenario.prices)
    out["schedule"] = scenario.schedule
    if scenario.price_overrides:
        out["price_overrides"] = {code: param_to_json(p) for code, p in scenario.price_overrides}
    shipped = not inline and _is_shipped_pathways(scenario.pathways)
    out["pathways"] = scenario.pathways.name if shipped else pathways_to_dict(scenario.pathways)
    out["compare"] = list(scenario.compare)
    out["insurance"] = None if scenario.insurance is None else _insurance_to_dict(scenario.insurance)
    out["indirect"] = _indirect_to_dict(scenario.indirect)
    if scenario.price_spread:
        out["price_spread"] = scenario.price_spread
    if scenario.psa.draws or scenario.psa.seed is not None:
        out["psa"] = {"draws": scenario.psa.draws, "seed": scenario.psa.seed}
    if scenario.budget is not None:
        out["budget"] = scenario.budget.as_dict()
    return out


def scenario_to_json(scenario: Scenario, *, inline: bool = False) -> str:
    return json.dumps(scenario_to_dict(scenario, inline=inline), indent=2, ensure_ascii=False, allow_nan=False)


def input_hash(scenario: Scenario) -> str:
    """A short fingerprint of everything that affects the numbers, to match two printouts."""
    canonical = json.dumps(scenario_to_dict(scenario, inline=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]
