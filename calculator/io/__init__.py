"""Load, validate and write scenarios, price tables and pathways (SPEC §3).

Every rule is checked at load time, so the costing code can trust its input. Each rejection is
an :class:`~calculator.errors.InputError` naming the file, the row or field, what was expected and
what was found, with every problem of the file in ``.problems``. Nothing is half-loaded: a loader
either returns a complete frozen object or raises.

- :mod:`.files`: reading bytes, size limits, decoding, JSON/TOML parsing.
- :mod:`.prices`: price tables (CSV/XLSX cells, sidecar metadata, the inline form).
- :mod:`.scenarios`: scenarios and pathway sets, and the cross-file checks.
- :mod:`.writers`: JSON, CSV and XLSX writers (the inverse of the loaders).

The formats themselves are declared in :mod:`calculator.formats`.
"""

from __future__ import annotations

from ..formats import SCHEMA_VERSIONS
from ..limits import MAX_DRAWS, MAX_FILE_BYTES, MAX_PATHWAYS, MAX_ROWS, MAX_SEED, MAX_VISIT_COUNT
from .files import DATA_DIR, decode_text, load_document, parse_document, read_file_bytes, shipped_names
from .prices import (
    load_price_metadata,
    load_price_table,
    price_metadata_from_bytes,
    price_table_from_bytes,
    price_table_from_frame,
)
from .scenarios import (
    detect_kind,
    load_any,
    load_pathways,
    load_scenario,
    pathways_from_dict,
    scenario_from_bytes,
    scenario_from_dict,
)

__all__ = [
    "DATA_DIR",
    "MAX_DRAWS",
    "MAX_SEED",
    "MAX_FILE_BYTES",
    "MAX_PATHWAYS",
    "MAX_ROWS",
    "MAX_VISIT_COUNT",
    "SCHEMA_VERSIONS",
    "decode_text",
    "detect_kind",
    "load_any",
    "load_document",
    "load_pathways",
    "load_price_metadata",
    "load_price_table",
    "load_scenario",
    "parse_document",
    "pathways_from_dict",
    "price_metadata_from_bytes",
    "price_table_from_bytes",
    "price_table_from_frame",
    "read_file_bytes",
    "scenario_from_bytes",
    "scenario_from_dict",
    "shipped_names",
]
