"""Publish the declared formats as JSON Schemas (``data/schema/*.schema.json``).

``python -m calculator schema --out data/schema`` writes them; a test regenerates them and checks
they equal the committed files, so the schemas never drift from the loaders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .documents import BudgetDoc, InlinePriceTableDoc, PathwayFileDoc, PlanFileDoc, ScenarioDoc

__all__ = ["SCHEMAS", "schema_texts", "write_schemas"]

BASE_URI = "https://example.invalid/lbp-calculator/schema/"
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "scenario.schema.json": (ScenarioDoc, "A scenario: prices, pathways, insurance and analysis settings (SPEC §3.3)."),
    "pathways.schema.json": (PathwayFileDoc, "A set of treatment pathways (SPEC §3.2)."),
    "price-table.schema.json": (InlinePriceTableDoc, "A price table written inline in a scenario (SPEC §3.1)."),
    "budget.schema.json": (BudgetDoc, "Budget impact inputs for a member population (SPEC §4.7)."),
    "plan.schema.json": (PlanFileDoc, "A plan for `compare --plans`: an insurance block and a label (SPEC §3.4)."),
}


def schema_of(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_URI + title,
        "title": title.removesuffix(".schema.json"),
        "description": description,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_texts() -> dict[str, str]:
    """File name → JSON text of every published schema."""
    return {
        name: json.dumps(schema_of(model, name, description), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, (model, description) in SCHEMAS.items()
    }


def write_schemas(out: str | Path) -> list[Path]:
    """Write every schema into ``out``; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
