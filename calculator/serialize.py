"""The writers moved to :mod:`calculator.io.writers`; this name stays so existing imports work."""

from __future__ import annotations

from .io.writers import (
    input_hash,
    param_to_json,
    pathways_to_dict,
    price_table_rows,
    price_table_to_csv,
    price_table_to_xlsx,
    scenario_to_dict,
    scenario_to_json,
)

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
