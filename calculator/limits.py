"""Every numeric limit of the file formats, in one table.

The declarations in :mod:`calculator.formats` read their bounds from here (and publish them in the
JSON Schemas), the loaders use the size limits, and app widgets or share-link decoding can reuse the
same numbers instead of writing their own.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LIMITS",
    "MAX_DEPTH",
    "MAX_MONEY",
    "MAX_WEEKS",
    "MAX_DRAWS",
    "MAX_FILE_BYTES",
    "MAX_PATHWAYS",
    "MAX_ROWS",
    "MAX_VISIT_COUNT",
    "Bound",
]


@dataclass(frozen=True)
class Bound:
    """The allowed range of one number: ``minimum ≤ x ≤ maximum`` (``< maximum`` when exclusive)."""

    minimum: float | None = 0.0
    maximum: float | None = None
    whole: bool = False
    maximum_exclusive: bool = False
    phrase: str = ""  # what a message says is expected when the number is out of range


MAX_FILE_BYTES = 10 * 1024 * 1024  # any file the calculator reads
MAX_ROWS = 20_000  # price rows in one table
MAX_DRAWS = 1_000_000  # probabilistic draws
MAX_VISIT_COUNT = 1_000  # visits of one kind in one pathway
MAX_PATHWAYS = 200  # pathways in one set
MAX_SEED = 2**63 - 1  # numpy's generator takes any non-negative int; a signed 64-bit one keeps files portable
MAX_MONEY = 10_000_000.0  # any one amount of money: far above any episode, far below overflow
MAX_WEEKS = 520  # a pathway of ten years is already far beyond an episode of back pain
MAX_DEPTH = 32  # nesting of objects and lists in a JSON or TOML file (a scenario needs about 8)

LIMITS: dict[str, Bound] = {
    # Numbers of the scenario and pathway formats (SPEC §3).
    # Every amount is bounded to what is meaningful, so no valid input can overflow a total or make
    # a chart or the plan-year calendar loop for ever (issue 12).
    "amount": Bound(0.0, MAX_MONEY, phrase=f"an amount from 0 to {MAX_MONEY:,.0f}"),  # money
    "weeks": Bound(0.0, MAX_WEEKS, phrase=f"a number of weeks from 0 to {MAX_WEEKS}"),
    "hours": Bound(0.0, 24.0, phrase="a number of hours from 0 to 24"),
    "units": Bound(0.0, 1_000.0, phrase="a number of units from 0 to 1,000"),
    "days": Bound(0.0, 366.0, phrase="a number of days from 0 to 366"),
    "qaly": Bound(0.0, 10.0, phrase="a QALY gain from 0 to 10"),
    "probability": Bound(0.0, 1.0, phrase="a probability from 0 to 1"),
    "visit_count": Bound(0.0, MAX_VISIT_COUNT, whole=True),
    "visit_limit": Bound(0.0, MAX_VISIT_COUNT * 10, whole=True),
    "price_spread": Bound(0.0, 1.0, maximum_exclusive=True, phrase="a fraction below 1 (0.25 means ±25%)"),
    "draws": Bound(0.0, MAX_DRAWS, whole=True),
    "seed": Bound(0.0, MAX_SEED, whole=True),
    "pathways": Bound(1, MAX_PATHWAYS, whole=True),
    # Budget inputs (SPEC §4.7).
    "members": Bound(1, 1e9, whole=True),
    "episodes_per_1000": Bound(0, 1000),
    "budget_years": Bound(1, 5, whole=True),
    "growth": Bound(-0.5, 1.0),
    "share": Bound(0, 1),
    # Files.
    "file_bytes": Bound(0, MAX_FILE_BYTES, whole=True),
    "price_rows": Bound(1, MAX_ROWS, whole=True),
}
