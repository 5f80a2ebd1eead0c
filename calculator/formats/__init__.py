"""The file formats of SPEC §3, declared once with pydantic (see :mod:`.documents`).

From these declarations come the loaders' validation, the writers and the JSON Schemas published
in ``data/schema/``; :mod:`.problems` turns validation errors into the project's sentences and
:mod:`.convert` is the one place that turns documents into the engine's dataclasses and back.
"""

from __future__ import annotations

from .documents import (
    SCHEMA_VERSIONS,
    BudgetDoc,
    InlinePriceTableDoc,
    InsuranceDoc,
    PathwayDoc,
    PathwayFileDoc,
    PriceMetadataDoc,
    ScenarioDoc,
)
from .problems import input_error

__all__ = [
    "SCHEMA_VERSIONS",
    "BudgetDoc",
    "InlinePriceTableDoc",
    "InsuranceDoc",
    "PathwayDoc",
    "PathwayFileDoc",
    "PriceMetadataDoc",
    "ScenarioDoc",
    "input_error",
]
