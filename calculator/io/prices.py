"""Price tables (SPEC §3.1): CSV and XLSX files, their sidecar metadata, the app's table editor
and the inline form of a scenario.

Spreadsheet cells arrive as text (or as Excel numbers), so cell parsing stays hand-written here;
the metadata and the inline form are declared in :mod:`calculator.formats`. Every row is checked
and every bad row reported (``InputError.problems``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..formats import InlinePriceTableDoc, PriceMetadataDoc, input_error
from ..formats.convert import metadata_model, price_rows_model
from ..formats.fields import check_number
from ..inert import read_csv_comment, undo_inert
from ..input_limits import MAX_TEXT_CHARS
from ..limits import LIMITS, MAX_ROWS
from ..models import CATEGORIES, EVIDENCE_TAGS, PriceRow, PriceTable
from ..text import plain
from .files import decode_text, parse_document, read_file_bytes

__all__ = [
    "inline_price_table",
    "load_price_metadata",
    "load_price_table",
    "price_metadata_from_bytes",
    "price_table_from_bytes",
    "price_table_from_frame",
]

_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_PRICE_REQUIRED = ("code", "description", "category", "unit", "source", "as_of")
_PRICE_TEXT_OPTIONAL = ("evidence", "note")
MPPR_PREFIX = "mppr_"  # optional payment-reduction amount per schedule (SPEC §3.1, §4.1)
_METADATA_KEYS = tuple(PriceMetadataDoc.model_fields)


class _Checker:
    """Checks of one file's cells; ``where`` is the row and column, for the message."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, found: object = None, **kw: Any) -> InputError:
        return InputError(self.source, where, expected, found, **kw)

    def text(self, where: str, cell: Any) -> str:
        """A text cell, at most ``MAX_TEXT_CHARS`` characters (a page of text is not a description)."""
        size = 0 if _is_blank(cell) else len(str(cell).strip())
        if size > MAX_TEXT_CHARS:
            raise self.fail(
                where, f"a text of at most {MAX_TEXT_CHARS:,} characters", found_text=f"{size:,} characters"
            )
        return _cell_text(cell)

    def price(self, where: str, raw: object) -> float:
        try:
            return check_number(raw, LIMITS["amount"])
        except Exception as exc:  # a pydantic domain problem: same words as everywhere else
            context = getattr(exc, "context", None) or {}
            raise self.fail(where, context.get("expected", "a number"), found_text=context.get("found")) from None


def load_price_table(path: str | Path) -> PriceTable:
    """Load a price table from CSV or XLSX, with its sidecar ``<table>.toml`` if present."""
    path = Path(path)
    metadata: Mapping[str, Any] = {}
    sidecar = path.with_suffix(".toml")
    if sidecar.is_file():
        metadata = load_price_metadata(sidecar)
    return price_table_from_bytes(read_file_bytes(path), path.name, metadata)


def load_price_metadata(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    return price_metadata_from_bytes(read_file_bytes(path), path.name)


def price_metadata_from_bytes(data: bytes, filename: str) -> dict[str, Any]:
    """A price table's sidecar metadata (TOML: currency, region, label, year, ...) from bytes."""
    raw = parse_document(decode_text(data, filename), filename, "toml")
    return _check_metadata(filename, raw)


def _check_metadata(source: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return metadata_model(PriceMetadataDoc.model_validate(raw))
    except ValidationError as exc:
        raise input_error(exc, source, root=PriceMetadataDoc) from None


def price_table_from_bytes(data: bytes, filename: str, metadata: Mapping[str, Any] | None = None) -> PriceTable:
    """Parse an uploaded or on-disk price table (``.csv`` or ``.xlsx``)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        header_meta, rows = _xlsx_rows(data, filename)
    elif suffix == ".csv":
        header_meta, rows = _csv_rows(decode_text(data, filename), filename)
    else:
        raise InputError(filename, "", "a .csv or .xlsx price table", found_text=repr(suffix or "no extension"))
    checker = _Checker(filename)
    meta = dict(_check_metadata(filename, header_meta)) if header_meta else {}
    if metadata:
        meta.update({k: v for k, v in metadata.items() if v not in ("", ())})
    # The file's name becomes the table's: cleaned like every text that comes in.
    return _price_table_from_rows(checker, rows, meta, plain(Path(filename).stem))


def _csv_rows(text: str, source: str) -> tuple[dict[str, Any], list[tuple[int, list[str]]]]:
    """Rows with their line numbers; leading ``# key: value`` lines are a header block."""
    lines = text.splitlines()
    header_meta: dict[str, Any] = {}
    first = 0
    while first < len(lines) and (read_csv_comment(lines[first]) is not None or not lines[first].strip()):
        # A comment may be quoted ("# label: A, B") so a spreadsheet keeps it in one inert cell.
        body = (read_csv_comment(lines[first]) or "").strip()
        if body:
            # Known metadata keys are read; any other comment line is just a comment.
            match = re.match(r"([A-Za-z_]+)\s*[:=]\s*(.*)", body)
            if match is not None and match[1].lower() in _METADATA_KEYS:
                header_meta[match[1].lower()] = match[2].strip().strip('"')
        first += 1
    try:
        reader = csv.reader(io.StringIO("\n".join(lines[first:])), strict=True)
        rows = [(first + i + 1, row) for i, row in enumerate(reader)]
    except csv.Error as exc:
        raise InputError(source, "", "well-formed CSV", found_text=f"a CSV error ({exc})") from None
    if "schedules" in header_meta:
        del header_meta["schedules"]
    return header_meta, rows


def _xlsx_rows(data: bytes, source: str) -> tuple[dict[str, Any], list[tuple[int, list[Any]]]]:
    """The ``prices`` sheet (else the first) and the ``metadata`` sheet, read within the caps of
    :mod:`calculator.input_limits` before any row is kept (zip sizes, ratio, declared dimension)."""
    from ..safe_xlsx import xlsx_rows

    return xlsx_rows(data, source)


def _price_table_from_rows(
    checker: _Checker, rows: list[tuple[int, list[Any]]], meta: Mapping[str, Any], name: str
) -> PriceTable:
    rows = [(n, r) for n, r in rows if any(_cell_text(c) for c in r)]
    if not rows:
        raise checker.fail("", "a header row and at least one price row", found_text="an empty table")
    header_line, header = rows[0]
    columns = [checker.text(f"row {header_line}", c).lower() for c in header]
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise checker.fail(f"row {header_line}", "a name for every column", found_text="an empty column name")
        if column in seen:
            raise checker.fail(f"column {column!r}", "each column once", found_text="it twice")
        seen.add(column)
    missing = [c for c in _PRICE_REQUIRED if c not in columns]
    if missing:
        raise checker.fail(
            f"row {header_line}",
            f"the columns {', '.join(_PRICE_REQUIRED)} and at least one price schedule",
            found_text=f"no column {missing[0]!r}",
        )
    schedules = tuple(
        c for c in columns if c not in _PRICE_REQUIRED + _PRICE_TEXT_OPTIONAL and not c.startswith(MPPR_PREFIX)
    )
    if not schedules:
        raise checker.fail(f"row {header_line}", "at least one price schedule column", found_text="none")
    if len(rows) == 1:
        raise checker.fail("", "a header row and at least one price row", found_text="only the header row")
    if len(rows) - 1 > MAX_ROWS:
        raise checker.fail("", f"at most {MAX_ROWS:,} price rows", found_text=f"{len(rows) - 1:,}")
    records = []
    for line, values in rows[1:]:
        if len(values) > len(columns):
            raise checker.fail(f"row {line}", f"{len(columns)} cells", found_text=f"{len(values)}")
        cells = dict(zip(columns, [*values, *[""] * (len(columns) - len(values))], strict=True))
        prices = {s: _cell_number(cells[s]) for s in schedules}
        records.append((f"row {line}", cells, prices))
    return _build_price_table(checker, records, schedules, meta, name)


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell))


def _cell_text(cell: Any) -> str:
    """A text cell, with the apostrophe our own CSV export adds before formula-like text removed
    (so an exported table reads back exactly)."""
    # Without control or bidi-override characters; one character over the limit keeps a too-long
    # text too long for the length check.
    return undo_inert("" if _is_blank(cell) else plain(str(cell), MAX_TEXT_CHARS + 1).strip())


def _cell_number(cell: Any) -> Any:
    """Spreadsheet cells arrive as text; a price cell becomes a number where it reads as one."""
    if _is_blank(cell):
        return ""  # an empty cell in an editor: reported as "found an empty value"
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return cell
    text = str(cell).strip()
    if text.startswith("$"):
        text = text[1:]
    # Commas only as thousands separators ("1,250.00"); "1,5" is not silently read as 15.
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return str(cell).strip()


def _build_price_table(
    checker: _Checker,
    records: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
    schedules: tuple[str, ...],
    meta: Mapping[str, Any],
    name: str,
) -> PriceTable:
    price_rows: list[PriceRow] = []
    codes: dict[str, str] = {}
    problems: list[InputError] = []
    # Every row is checked, so an upload or an edit can list all its problems at once.
    for where, cells, prices in records:
        try:
            price_rows.append(_price_row(checker, where, cells, prices, schedules, codes))
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise InputError.from_problems(problems)
    return PriceTable(
        schedules=schedules,
        rows=tuple(price_rows),
        currency=meta.get("currency", "USD"),
        label=meta.get("label", "") or name,
        region=meta.get("region", ""),
        year=str(meta.get("year", "")),
        description=meta.get("description", ""),
        schedule_notes=tuple(meta.get("schedule_notes", ())),
        name=name,
    )


def _price_row(
    checker: _Checker,
    where: str,
    cells: Mapping[str, Any],
    prices: Mapping[str, Any],
    schedules: tuple[str, ...],
    codes: dict[str, str],
) -> PriceRow:
    code = _cell_text(cells.get("code"))
    if isinstance(cells.get("code"), float) and float(cells["code"]).is_integer():
        code = str(int(cells["code"]))  # Excel turns 97110 into 97110.0
    if not code:
        raise checker.fail(f"{where}, column 'code'", "a non-empty code", cells.get("code", ""))
    checker.text(f"{where}, column 'code'", cells.get("code"))  # only its length: a code is no essay
    if code in codes:
        raise checker.fail(f"{where}, column 'code'", f"a code not already used ({codes[code]})", code)
    # Blank cells of an editor's new row arrive as NaN: read as empty, never as the text "nan".
    category = _cell_text(cells.get("category")).lower()
    if category not in CATEGORIES:
        raise checker.fail(f"{where}, column 'category'", f"one of {', '.join(CATEGORIES)}", category)
    values = tuple(checker.price(f"{where}, column {s!r}", prices.get(s)) for s in schedules)
    evidence = _cell_text(cells.get("evidence")).upper()
    if evidence and evidence not in EVIDENCE_TAGS:
        raise checker.fail(f"{where}, column 'evidence'", f"one of {', '.join(EVIDENCE_TAGS)}", evidence)
    as_of = cells.get("as_of", "")
    if isinstance(as_of, float) and as_of.is_integer():
        as_of = int(as_of)
    mppr: tuple[float | None, ...] = ()
    if any(f"{MPPR_PREFIX}{s}" in cells for s in schedules):
        mppr = tuple(_mppr_cell(checker, where, cells.get(f"{MPPR_PREFIX}{s}"), s) for s in schedules)
        if all(m is None for m in mppr):
            mppr = ()  # a row with no reduction reads the same with or without the columns
    codes[code] = where
    return PriceRow(
        code=code,
        description=checker.text(f"{where}, column 'description'", cells.get("description")),
        category=category,
        unit=checker.text(f"{where}, column 'unit'", cells.get("unit")),
        prices=values,
        source=checker.text(f"{where}, column 'source'", cells.get("source")),
        as_of=checker.text(f"{where}, column 'as_of'", as_of),
        evidence=evidence,
        note=checker.text(f"{where}, column 'note'", cells.get("note")),
        mppr=mppr,
    )


def _mppr_cell(checker: _Checker, where: str, cell: Any, schedule: str) -> float | None:
    """A payment-reduction amount; blank (or an editor's pandas.NA) means no reduction."""
    if type(cell).__name__ == "NAType" or _cell_text(cell) == "":
        return None
    return checker.price(f"{where}, column {MPPR_PREFIX + schedule!r}", _cell_number(cell))


def price_table_from_frame(frame: Any, *, name: str, metadata: Mapping[str, Any] | None = None) -> PriceTable:
    """A price table from a DataFrame (e.g. the app's table editor), checked like a file.

    Rows are numbered from 1 in messages, as the editor shows them. Raises an InputError whose
    ``problems`` lists every bad row.
    """
    header = [str(c) for c in frame.columns]
    rows = [(0, header)] + [(i + 1, list(values)) for i, values in enumerate(frame.itertuples(index=False, name=None))]
    checker = _Checker(name)
    meta = dict(metadata or {})
    table = _price_table_from_rows(checker, rows, meta, Path(name).stem)
    return table


def inline_price_table(doc: InlinePriceTableDoc, source: str, where: str = "prices") -> PriceTable:
    """The price table of a validated inline document; codes must be unique."""
    schedules, rows = price_rows_model(doc)
    first_use: dict[str, int] = {}
    problems = []
    for i, row in enumerate(rows):
        if row.code in first_use:
            problems.append(
                InputError(
                    source,
                    f"{where}.rows[{i}], column 'code'",
                    f"a code not already used ({where}.rows[{first_use[row.code]}])",
                    row.code,
                )
            )
        first_use.setdefault(row.code, i)
    if problems:
        raise InputError.from_problems(problems)
    meta = metadata_model(doc)
    return PriceTable(schedules=schedules, rows=rows, name="inline", **{**meta, "label": meta["label"] or "inline"})
