"""Caps on untrusted input, checked before the work they bound (issue 12, SPEC §3).

One table: each limit has its value, its unit and the reason for that value. The readers import
the module-level constants; ``LIMITS`` is the same table for documentation and tests. Numeric
bounds of the scenario format (weeks, draws, members, ...) live with the format; the caps here
protect the server from the shape of a file (its size, its nesting, its spreadsheet layout) and
the results from overflow (the money cap).

Where a cap is also a bound of the declared formats (file size, rows, nesting, money) its value is
read from :mod:`calculator.limits`, so the two tables cannot drift apart.

>>> LIMITS["xlsx_columns"].value
64
>>> XLSX_MAX_ROWS
20001
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from . import limits as format_limits

__all__ = [
    "LIMITS",
    "MAX_MONEY",
    "MAX_NESTING",
    "MAX_SHOWN_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_UPLOAD_BYTES",
    "XLSX_MAX_CELL_CHARS",
    "XLSX_MAX_COLUMNS",
    "XLSX_MAX_ENTRIES",
    "XLSX_MAX_ENTRY_BYTES",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_ROWS",
    "XLSX_MAX_SHARED_CHARS",
    "XLSX_MAX_SHARED_STRINGS",
    "XLSX_MAX_TOTAL_BYTES",
    "XLSX_RATIO_FLOOR_BYTES",
    "Limit",
]


@dataclass(frozen=True)
class Limit:
    """One cap: its value, what it counts, and why it is that large and no larger."""

    name: str
    value: int
    unit: str
    why: str


_TABLE = (
    Limit(
        "upload_bytes",
        format_limits.MAX_FILE_BYTES,
        "bytes",
        "Any file read or uploaded (same as calculator.io.MAX_FILE_BYTES). A 20,000-row price table is about "
        "2 MB of CSV; 10 MB leaves room and is refused before it is read.",
    ),
    Limit(
        "xlsx_entries",
        1_000,
        "zip entries",
        "A price workbook has about 10-20 parts; a thousand tiny entries is a way to make the zip directory "
        "itself the work.",
    ),
    Limit(
        "xlsx_entry_bytes",
        48 * 1024 * 1024,
        "bytes uncompressed, per part",
        "The largest legitimate part is the sheet: 20,001 rows x 64 columns of short cells (about 40 bytes "
        "of XML each) is about 50 MB in the worst case, about 10 MB for a real 20,000-row table.",
    ),
    Limit(
        "xlsx_total_bytes",
        96 * 1024 * 1024,
        "bytes uncompressed, all parts",
        "Two sheets plus shared strings at their caps; a 2 MB zip bomb claims gigabytes and stops here.",
    ),
    Limit(
        "xlsx_ratio",
        200,
        "uncompressed / compressed",
        "Sheet XML compresses 5-30x, a sheet of one repeated number about 100x; a zip bomb compresses "
        "1,000x or more. Checked only for parts above xlsx_ratio_floor_bytes.",
    ),
    Limit(
        "xlsx_ratio_floor_bytes",
        1024 * 1024,
        "bytes uncompressed",
        "Small parts (styles, an empty sheet) can compress very well and can do no harm.",
    ),
    Limit(
        "xlsx_rows",
        format_limits.MAX_ROWS + 1,
        "rows per sheet",
        "The header row plus calculator.io.MAX_ROWS (20,000) price rows; a row beyond it, or a declared "
        "<dimension> beyond it, is refused before any row is kept.",
    ),
    Limit(
        "xlsx_columns",
        64,
        "columns per sheet",
        "Ten fixed columns plus the price schedules; 54 schedules is far more than any clinic has. "
        "The declared <dimension> A1:XFD20001 (16,384 columns) made openpyxl build 327 million cells.",
    ),
    Limit(
        "xlsx_cell_chars",
        32_767,
        "characters per cell",
        "Excel's own limit for a cell; a longer one is not from Excel.",
    ),
    Limit(
        "xlsx_shared_strings",
        500_000,
        "shared strings",
        "A 20,000-row table has at most about 6 distinct texts per row (code, description, unit, source, "
        "note, as-of); 500,000 keeps the list under about 50 MB of Python objects.",
    ),
    Limit(
        "xlsx_shared_chars",
        16_000_000,
        "characters, all shared strings",
        "Shared strings are kept in memory while the sheet is read; 16 million characters is about 16 MB.",
    ),
    Limit(
        "nesting",
        format_limits.MAX_DEPTH,
        "levels of [ ] / { } / tables",
        "The deepest legitimate document (scenario > pathways > pathways > id > visits > [i] > items > "
        "[j] > units) is 9 deep; tomllib recurses per level and failed with RecursionError at a few thousand.",
    ),
    Limit(
        "text_chars",
        10_000,
        "characters per text field",
        "A description or note longer than a few pages is not a label; keeps every page and export small.",
    ),
    Limit(
        "shown_chars",
        2_000,
        "characters shown of one text",
        "calculator.text.plain() shortens longer text with an ellipsis so one field cannot flood a page.",
    ),
    Limit(  # the same number as calculator.limits.MAX_MONEY, which the declared formats use
        "money",
        int(format_limits.MAX_MONEY),
        "currency units per amount",
        "Any price, copay, deductible or cost: ten million is far above any treatment price, and with the "
        "other caps (1,000 visits, draws, weeks) keeps every total far from float overflow (1e308 gave NaN).",
    ),
)

LIMITS: MappingProxyType[str, Limit] = MappingProxyType({limit.name: limit for limit in _TABLE})

MAX_UPLOAD_BYTES = LIMITS["upload_bytes"].value
XLSX_MAX_ENTRIES = LIMITS["xlsx_entries"].value
XLSX_MAX_ENTRY_BYTES = LIMITS["xlsx_entry_bytes"].value
XLSX_MAX_TOTAL_BYTES = LIMITS["xlsx_total_bytes"].value
XLSX_MAX_RATIO = LIMITS["xlsx_ratio"].value
XLSX_RATIO_FLOOR_BYTES = LIMITS["xlsx_ratio_floor_bytes"].value
XLSX_MAX_ROWS = LIMITS["xlsx_rows"].value
XLSX_MAX_COLUMNS = LIMITS["xlsx_columns"].value
XLSX_MAX_CELL_CHARS = LIMITS["xlsx_cell_chars"].value
XLSX_MAX_SHARED_STRINGS = LIMITS["xlsx_shared_strings"].value
XLSX_MAX_SHARED_CHARS = LIMITS["xlsx_shared_chars"].value
MAX_NESTING = LIMITS["nesting"].value
MAX_TEXT_CHARS = LIMITS["text_chars"].value
MAX_SHOWN_CHARS = LIMITS["shown_chars"].value
MAX_MONEY = LIMITS["money"].value


def limits_markdown() -> str:
    """The table as Markdown, for the developers' guide and the report.

    >>> limits_markdown().splitlines()[0]
    '| limit | value | unit | why |'
    """
    lines = ["| limit | value | unit | why |", "|---|---|---|---|"]
    lines += [f"| {lim.name} | {lim.value:,} | {lim.unit} | {lim.why} |" for lim in _TABLE]
    return "\n".join(lines)
