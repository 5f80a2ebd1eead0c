"""Every exported cell is inert: no spreadsheet formula, no split comment, no bad sheet name.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab, CR or LF,
which they skip) as a formula, also after leading spaces; ``=HYPERLINK("http://x","y")`` is a live
link and ``=cmd|...`` was a command on old Excel. Such text gets a leading apostrophe (OWASP's
advice; Excel hides it and shows the text). Numbers stay numbers, so a negative amount is left
alone. :func:`undo_inert` is the inverse the loaders apply, so an exported table reads back equal.

This module is the one place for it: ``calculator.exports.neutralise``, the XLSX writers (cells,
headers, metadata, sheet names) and the app's CSV downloads call it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "csv_comment",
    "inert_cell",
    "inert_csv",
    "inert_row",
    "read_csv_comment",
    "sheet_name",
    "undo_inert",
]

_FORMULA_STARTS = ("=", "+", "-", "@")
_SKIPPED_BY_SPREADSHEETS = ("\t", "\r", "\n")
# What csv.writer would not quote but a spreadsheet (or a locale using ';') would split on.
_SPLITTERS = re.compile(r"[,;\t\"|\r\n]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
SHEET_NAME_CHARS = 31


def _looks_like_formula(text: str) -> bool:
    return text.startswith(_SKIPPED_BY_SPREADSHEETS) or text.lstrip().startswith(_FORMULA_STARTS)


def inert_cell(value: object) -> object:
    """One cell, header or metadata value made safe to open in a spreadsheet.

    Examples
    --------
    >>> inert_cell('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> inert_cell("  +1")
    "'  +1"
    >>> inert_cell(-5.0), inert_cell("PT evaluation")
    (-5.0, 'PT evaluation')
    """
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def inert_row(values: Iterable[object]) -> list[object]:
    return [inert_cell(v) for v in values]


def undo_inert(text: str) -> str:
    """The loaders' inverse of :func:`inert_cell`: drop the apostrophe it added, nothing else.

    >>> undo_inert(str(inert_cell("=1+2"))), undo_inert("'quoted'")
    ('=1+2', "'quoted'")
    """
    if text.startswith("'") and _looks_like_formula(text[1:]):
        return text[1:]
    return text


def sheet_name(name: str, *, fallback: str = "Sheet") -> str:
    """A legal, inert worksheet name: no ``[]:*?/\\`` or control characters, no apostrophe at
    either end, at most 31 characters, not Excel's reserved ``History``.

    >>> sheet_name("=cmd|' /C calc'!A0 [prices] 2025/26")
    "=cmd|' _C calc'!A0 _prices_ 202"
    """
    cleaned = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'").strip()
    cleaned = cleaned[:SHEET_NAME_CHARS].rstrip("'").strip()
    if not cleaned:
        return fallback
    if cleaned.lower() == "history":
        return cleaned + "_"
    return cleaned


def csv_comment(key: str, value: object) -> str:
    """A ``# key: value`` metadata line that a spreadsheet reads as one inert text cell.

    Whitespace becomes single spaces (one line); a value with a comma, semicolon, tab, quote or
    bar is quoted, so ``label: A, =cmd`` cannot split off a formula cell (a spreadsheet splits
    ``,`` or, in some locales, ``;``). :func:`read_csv_comment` reads it back.

    >>> csv_comment("label", "Clinic A, =cmd")
    '"# label: Clinic A, =cmd"\\n'
    >>> csv_comment("currency", "USD")
    '# currency: USD\\n'
    """
    line = f"# {key}: {' '.join(str(value).split())}"
    if not _SPLITTERS.search(line):
        return line + "\n"
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow([line])
    return buffer.getvalue()


def read_csv_comment(line: str) -> str | None:
    """The text of a comment line after ``#`` (quoted or not), or None for a non-comment line.

    >>> read_csv_comment(csv_comment("label", "A, =cmd").strip())
    'label: A, =cmd'
    >>> read_csv_comment("code,price") is None
    True
    """
    stripped = line.strip()
    if stripped.startswith('"#'):
        try:
            cells = next(csv.reader([stripped], strict=True))
        except (csv.Error, StopIteration):
            return None
        if len(cells) != 1:
            return None
        stripped = cells[0]
    if not stripped.startswith("#"):
        return None
    return stripped.lstrip("#").strip()


def inert_csv(
    header: Sequence[object], rows: Iterable[Sequence[object]], comments: Mapping[str, Any] | None = None
) -> str:
    """CSV text with optional ``# key: value`` lines first; every header and cell inert.

    >>> print(inert_csv(["=x", "n"], [["-a", -1]], {"label": "L, =y"}), end="")
    "# label: L, =y"
    '=x,n
    '-a,-1
    """
    buffer = io.StringIO()
    for key, value in (comments or {}).items():
        text = " ".join(str(value).split())
        if text:
            buffer.write(csv_comment(key, text))
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(inert_row(header))
    for row in rows:
        writer.writerow(inert_row(row))
    return buffer.getvalue()
