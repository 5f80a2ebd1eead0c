"""Load and validate scenarios, price tables and pathways (SPEC §3).

Every rule is checked here, at load time, so the costing code can trust its input. Each
rejection is an :class:`~calculator.errors.InputError` naming the file, the row or field, what
was expected and what was found. Nothing is half-loaded: a loader either returns a complete
frozen object or raises.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import InputError, describe_found
from .models import (
    CATEGORIES,
    DISTRIBUTIONS,
    EVIDENCE_TAGS,
    INDIRECT_FIELDS,
    VISIT_KINDS,
    AdverseEvent,
    Indirect,
    InsurancePlan,
    Item,
    Param,
    Pathway,
    PathwaySet,
    PriceRow,
    PriceTable,
    PsaSettings,
    Scenario,
    Visit,
)

__all__ = [
    "DATA_DIR",
    "MAX_DRAWS",
    "MAX_SEED",
    "MAX_FILE_BYTES",
    "detect_kind",
    "load_any",
    "load_pathways",
    "load_price_metadata",
    "load_price_table",
    "load_scenario",
    "pathways_from_dict",
    "price_metadata_from_bytes",
    "price_table_from_bytes",
    "price_table_from_frame",
    "scenario_from_bytes",
    "scenario_from_dict",
    "shipped_names",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SCHEMA_VERSIONS = (1,)
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_DRAWS = 1_000_000
MAX_SEED = 2**63 - 1  # numpy's generator takes any non-negative int; a signed 64-bit one keeps files portable
MAX_VISIT_COUNT = 1_000
MAX_PATHWAYS = 200
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

_PRICE_REQUIRED = ("code", "description", "category", "unit", "source", "as_of")
_PRICE_TEXT_OPTIONAL = ("evidence", "note")
_METADATA_KEYS = ("label", "currency", "region", "year", "description", "schedules")
_SCENARIO_KEYS = (
    "schema_version",
    "label",
    "description",
    "prices",
    "schedule",
    "price_overrides",
    "price_spread",
    "pathways",
    "compare",
    "insurance",
    "indirect",
    "psa",
    "budget",
)
_INSURANCE_KEYS = (
    "deductible",
    "deductible_met",
    "coinsurance",
    "oop_max",
    "oop_met",
    "copays",
    "uncovered_codes",
    "uncovered_schedule",
    "visit_limits",
)
_PATHWAY_FILE_KEYS = ("schema_version", "label", "description", "population", "pathways")
_PATHWAY_KEYS = (
    "label",
    "description",
    "visits",
    "response_probability",
    "escalation_probability",
    "on_failure",
    "work_days_lost",
    "adverse_events",
    "weeks",
    "qaly_gain",
    "sources",
    "notes",
)
_VISIT_KEYS = ("name", "kind", "count", "hours", "travel", "items", "notes")
_PARAM_KEYS = ("value", "dist", "low", "high", "source", "evidence", "note")


# --------------------------------------------------------------------------------------------
# Small checking helpers. ``where`` is always the field path or row/column, for the message.


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, found: object = None, **kw: Any) -> InputError:
        return InputError(self.source, where, expected, found, **kw)

    def mapping(self, where: str, raw: object) -> Mapping[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(where or "top level", "an object with named fields", raw)
        return raw

    def keys(
        self,
        where: str,
        raw: Mapping[str, Any],
        allowed: Iterable[str],
        required: Iterable[str] = (),
    ) -> None:
        allowed = tuple(allowed)
        for key in raw:
            if key not in allowed:
                raise self.fail(
                    _join(where, str(key)),
                    f"one of the fields {', '.join(allowed)}",
                    found_text=f"the unknown field {str(key)!r}",
                )
        for key in required:
            if key not in raw:
                raise self.fail(_join(where, key), "a value (the field is required)", None)

    def text(self, where: str, raw: object, *, allow_empty: bool = True) -> str:
        if raw is None and allow_empty:
            return ""
        if not isinstance(raw, str):
            raise self.fail(where, "text", raw)
        if not allow_empty and not raw.strip():
            raise self.fail(where, "a non-empty text", raw)
        return raw.strip()

    def identifier(self, where: str, raw: object) -> str:
        if not isinstance(raw, str) or not _ID.match(raw):
            raise self.fail(where, "a name of letters, digits, '_', '-' or '.'", raw)
        return raw

    def number(
        self,
        where: str,
        raw: object,
        *,
        probability: bool = False,
        whole: bool = False,
        maximum: float | None = None,
    ) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            expected = "a probability from 0 to 1" if probability else "a number"
            raise self.fail(where, expected, raw)
        try:
            value = float(raw)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.fail(where, "a finite number", found_text=describe_found(raw))
        if probability and not 0.0 <= value <= 1.0:
            raise self.fail(where, "a probability from 0 to 1", raw)
        if value < 0:
            raise self.fail(where, "a non-negative number", raw)
        if whole and value != int(value):
            raise self.fail(where, "a whole number", raw)
        if maximum is not None and value > maximum:
            raise self.fail(where, f"a number of at most {maximum:,.0f}", raw)
        return value

    def param(self, where: str, raw: object, *, probability: bool = False, whole: bool = False) -> Param:
        """A plain number or an uncertain number ``{"value", "dist", "low", "high"}``."""
        if not isinstance(raw, dict):
            maximum = MAX_VISIT_COUNT if whole else None
            return Param(self.number(where, raw, probability=probability, whole=whole, maximum=maximum))
        self.keys(where, raw, _PARAM_KEYS, required=("value",))
        value = self.number(
            _join(where, "value"),
            raw["value"],
            probability=probability,
            whole=whole,
            maximum=MAX_VISIT_COUNT if whole else None,
        )
        low = raw.get("low")
        high = raw.get("high")
        has_range = low is not None or high is not None
        default_dist = ("beta" if probability else "gamma") if has_range else "fixed"
        dist = raw.get("dist", default_dist)
        if dist not in DISTRIBUTIONS:
            raise self.fail(_join(where, "dist"), f"one of {', '.join(DISTRIBUTIONS)}", dist)
        evidence = self.text(_join(where, "evidence"), raw.get("evidence"))
        if evidence and evidence.upper() not in EVIDENCE_TAGS:
            raise self.fail(_join(where, "evidence"), f"one of the tags {', '.join(EVIDENCE_TAGS)}", evidence)
        source = self.text(_join(where, "source"), raw.get("source"))
        if dist != "fixed" and not has_range:
            raise self.fail(where, f"'low' and 'high' for a {dist} distribution", found_text="neither")
        if has_range:
            if low is None or high is None:
                missing = "low" if low is None else "high"
                raise self.fail(_join(where, missing), "a value when the other bound is given", None)
            low_v = self.number(_join(where, "low"), low, probability=probability)
            high_v = self.number(_join(where, "high"), high, probability=probability)
            if low_v > high_v:
                raise self.fail(where, "low ≤ high", found_text=f"low {low_v:g} > high {high_v:g}")
            if not low_v <= value <= high_v:
                raise self.fail(
                    _join(where, "value"),
                    f"a value between low {low_v:g} and high {high_v:g}",
                    value,
                )
            _check_fit(self, where, dist, value, low_v, high_v)
            return Param(value, dist, low_v, high_v, source, evidence.upper())
        return Param(value, "fixed", None, None, source, evidence.upper())


def _check_fit(checker: _Checker, where: str, dist: str, mean: float, low: float, high: float) -> None:
    """Reject ranges the method of moments cannot turn into the named distribution."""
    sd = (high - low) / 3.92
    if sd == 0:
        return
    if dist == "beta":
        if not 0 < mean < 1:
            raise checker.fail(_join(where, "value"), "a beta mean strictly between 0 and 1", mean)
        if sd * sd >= mean * (1 - mean):
            raise checker.fail(
                where,
                f"a range narrow enough for a beta distribution with mean {mean:g} "
                f"(high − low below {3.92 * math.sqrt(mean * (1 - mean)):.4g})",
                found_text=f"low {low:g}, high {high:g}",
            )
    elif dist in ("gamma", "lognormal") and mean <= 0:
        raise checker.fail(_join(where, "value"), f"a positive mean for a {dist} distribution", mean)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# --------------------------------------------------------------------------------------------
# Files


def _too_big(source: str, size: int) -> InputError:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    # Round up so a file just over the limit never reads as "10.0 MB".
    shown = math.ceil(size / (1024 * 1024) * 10) / 10
    return InputError(source, "", f"a file of at most {limit} MB", found_text=f"{shown:.1f} MB ({size:,} bytes)")


def read_file_bytes(path: str | Path) -> bytes:
    """Read a file, refusing missing files and absurd sizes before reading them."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "", "an existing file", found_text="no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _too_big(path.name, size)
    return path.read_bytes()


def decode_text(data: bytes, source: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(source, len(data))
    if b"\x00" in data:
        raise InputError(source, "", "a UTF-8 text file", found_text="binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            source,
            f"byte {exc.start}",
            "UTF-8 text (save the file as UTF-8)",
            found_text=f"the byte 0x{data[exc.start]:02x}, which is not UTF-8",
        ) from None


def _parse_document(text: str, source: str, fmt: str) -> Any:
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(source, "", "valid TOML", found_text=f"a syntax error ({exc})") from None

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(source, key, "each field once", found_text="it twice")
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            source,
            f"line {exc.lineno} column {exc.colno}",
            "valid JSON",
            found_text=f"a syntax error ({exc.msg})",
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of thousands of digits
        raise InputError(source, "", "valid JSON with ordinary numbers", found_text=f"{exc}"[:80]) from None


def _load_document(path: Path) -> Any:
    fmt = "toml" if path.suffix.lower() == ".toml" else "json"
    if path.suffix.lower() not in (".json", ".toml"):
        raise InputError(path.name, "", "a .json or .toml file", found_text=repr(path.suffix or "no extension"))
    return _parse_document(decode_text(read_file_bytes(path), path.name), path.name, fmt)


def shipped_names(kind: str) -> list[str]:
    """Names of the shipped tables (``prices``), pathway sets (``pathways``) or scenarios."""
    pattern = {"prices": "*.csv", "pathways": "*.json", "scenarios": "*.json"}[kind]
    return sorted(p.stem for p in (DATA_DIR / kind).glob(pattern))


# --------------------------------------------------------------------------------------------
# Price tables


def load_price_table(path: str | Path) -> PriceTable:
    """Load a price table from CSV or XLSX, with its sidecar ``<table>.toml`` if present."""
    path = Path(path)
    metadata: Mapping[str, Any] = {}
    sidecar = path.with_suffix(".toml")
    if sidecar.is_file():
        metadata = load_price_metadata(sidecar)
    table = price_table_from_bytes(read_file_bytes(path), path.name, metadata)
    return table


def load_price_metadata(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    return price_metadata_from_bytes(read_file_bytes(path), path.name)


def price_metadata_from_bytes(data: bytes, filename: str) -> dict[str, Any]:
    """A price table's sidecar metadata (TOML: currency, region, label, year, ...) from bytes."""
    raw = _parse_document(decode_text(data, filename), filename, "toml")
    return _check_metadata(_Checker(filename), raw)


def _check_metadata(checker: _Checker, raw: Mapping[str, Any]) -> dict[str, Any]:
    checker.keys("", raw, _METADATA_KEYS)
    meta: dict[str, Any] = {}
    for key in ("label", "region", "description"):
        meta[key] = checker.text(key, raw.get(key))
    currency = raw.get("currency", "USD")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency.strip()):
        raise checker.fail("currency", "a three-letter currency code such as USD", currency)
    meta["currency"] = currency.strip()
    year = raw.get("year", "")
    if not isinstance(year, int | str) or isinstance(year, bool):
        raise checker.fail("year", "a year such as 2025", year)
    meta["year"] = str(year)
    schedules = raw.get("schedules", {})
    checker.mapping("schedules", schedules)
    meta["schedule_notes"] = tuple((str(k), checker.text(f"schedules.{k}", v)) for k, v in schedules.items())
    return meta


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
    meta = dict(_check_metadata(checker, header_meta)) if header_meta else {}
    if metadata:
        meta.update({k: v for k, v in metadata.items() if v not in ("", ())})
    return _price_table_from_rows(checker, rows, meta, Path(filename).stem)


def _csv_rows(text: str, source: str) -> tuple[dict[str, Any], list[tuple[int, list[str]]]]:
    """Rows with their line numbers; leading ``# key: value`` lines are a header block."""
    lines = text.splitlines()
    header_meta: dict[str, Any] = {}
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        body = lines[first].lstrip("#").strip()
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
    import zipfile

    from openpyxl import load_workbook

    if len(data) > MAX_FILE_BYTES:
        raise _too_big(source, len(data))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            source, "", "an Excel .xlsx workbook", found_text=f"a file Excel cannot read ({exc})"
        ) from None
    sheet = workbook["prices"] if "prices" in workbook.sheetnames else workbook.worksheets[0]
    rows: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            raise InputError(source, "", f"at most {MAX_ROWS:,} rows", found_text="more")
        rows.append((number, ["" if v is None else v for v in values]))
    header_meta: dict[str, Any] = {}
    if "metadata" in workbook.sheetnames:
        for values in workbook["metadata"].iter_rows(values_only=True):
            if values and values[0] is not None and len(values) > 1 and values[1] is not None:
                header_meta[str(values[0]).strip().lower()] = str(values[1]).strip()
    workbook.close()
    return header_meta, rows


def _price_table_from_rows(
    checker: _Checker, rows: list[tuple[int, list[Any]]], meta: Mapping[str, Any], name: str
) -> PriceTable:
    rows = [(n, r) for n, r in rows if any(_cell_text(c) for c in r)]
    if not rows:
        raise checker.fail("", "a header row and at least one price row", found_text="an empty table")
    header_line, header = rows[0]
    columns = [str(c).strip().lower() for c in header]
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
    schedules = tuple(c for c in columns if c not in _PRICE_REQUIRED + _PRICE_TEXT_OPTIONAL)
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
    text = "" if _is_blank(cell) else str(cell).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


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
    records: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
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
        raise _all_problems(problems)
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


def _all_problems(problems: list[InputError]) -> InputError:
    """The first problem as the message, all of them in ``.problems``."""
    first = problems[0]
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    error = InputError(first.source, first.where, first.expected, found_text=first.found + more)
    error.problems = [str(p) for p in problems]
    return error


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
    if code in codes:
        raise checker.fail(f"{where}, column 'code'", f"a code not already used ({codes[code]})", code)
    # Blank cells of an editor's new row arrive as NaN: read as empty, never as the text "nan".
    category = _cell_text(cells.get("category")).lower()
    if category not in CATEGORIES:
        raise checker.fail(f"{where}, column 'category'", f"one of {', '.join(CATEGORIES)}", category)
    values = tuple(checker.number(f"{where}, column {s!r}", prices.get(s)) for s in schedules)
    evidence = _cell_text(cells.get("evidence")).upper()
    if evidence and evidence not in EVIDENCE_TAGS:
        raise checker.fail(f"{where}, column 'evidence'", f"one of {', '.join(EVIDENCE_TAGS)}", evidence)
    as_of = cells.get("as_of", "")
    if isinstance(as_of, float) and as_of.is_integer():
        as_of = int(as_of)
    codes[code] = where
    return PriceRow(
        code=code,
        description=_cell_text(cells.get("description")),
        category=category,
        unit=_cell_text(cells.get("unit")),
        prices=values,
        source=_cell_text(cells.get("source")),
        as_of=_cell_text(as_of),
        evidence=evidence,
        note=_cell_text(cells.get("note")),
    )


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


def _inline_price_table(checker: _Checker, where: str, raw: Mapping[str, Any]) -> PriceTable:
    checker.keys(where, raw, (*_METADATA_KEYS, "rows"), required=("rows",))
    meta = _check_metadata(_Checker(checker.source), {k: v for k, v in raw.items() if k != "rows"})
    rows = raw["rows"]
    if not isinstance(rows, list) or not rows:
        raise checker.fail(_join(where, "rows"), "a non-empty list of price rows", rows)
    schedules: list[str] = []
    records = []
    row_keys = (*_PRICE_REQUIRED, *_PRICE_TEXT_OPTIONAL, "prices")
    for i, row in enumerate(rows):
        row_where = f"{where}.rows[{i}]"
        checker.mapping(row_where, row)
        checker.keys(row_where, row, row_keys, required=("code", "category", "prices"))
        prices = checker.mapping(f"{row_where}.prices", row["prices"])
        if not prices:
            raise checker.fail(f"{row_where}.prices", "at least one schedule with a price", found_text="none")
        for schedule in prices:
            if schedule not in schedules:
                schedules.append(str(schedule))
        records.append((row_where, {k: v for k, v in row.items() if k != "prices"}, prices))
    for row_where, _, prices in records:
        for schedule in schedules:
            if schedule not in prices:
                raise checker.fail(f"{row_where}.prices.{schedule}", "a price for every schedule the table uses", None)
    return _build_price_table(checker, records, tuple(schedules), meta, "inline")


# --------------------------------------------------------------------------------------------
# Pathways


def load_pathways(path: str | Path) -> PathwaySet:
    path = Path(path)
    return pathways_from_dict(_load_document(path), path.name, name=path.stem)


def pathways_from_dict(raw: object, source: str, *, name: str = "") -> PathwaySet:
    """A pathway file (with ``pathways`` inside) or a bare mapping of id → pathway."""
    checker = _Checker(source)
    raw = checker.mapping("", raw)
    if isinstance(raw.get("pathways"), dict):
        checker.keys("", raw, _PATHWAY_FILE_KEYS, required=("pathways",))
        _check_schema_version(checker, raw)
        body = raw["pathways"]
        prefix = "pathways"
        header = {k: checker.text(k, raw.get(k)) for k in ("label", "description", "population")}
    else:
        body, prefix, header = raw, "pathways", {}
    if not body:
        raise checker.fail(prefix, "at least one pathway", found_text="none")
    if len(body) > MAX_PATHWAYS:
        raise checker.fail(prefix, f"at most {MAX_PATHWAYS} pathways", found_text=str(len(body)))
    pathways = tuple(
        _pathway(checker, f"{prefix}.{checker.identifier(prefix, pid)}", pid, spec) for pid, spec in body.items()
    )
    _check_escalation(checker, prefix, pathways)
    return PathwaySet(pathways=pathways, name=name, **header)


def _pathway(checker: _Checker, where: str, pathway_id: str, raw: object) -> Pathway:
    raw = checker.mapping(where, raw)
    checker.keys(where, raw, _PATHWAY_KEYS, required=("visits", "response_probability"))
    visits_raw = raw["visits"]
    if not isinstance(visits_raw, list):
        raise checker.fail(_join(where, "visits"), "a list of visits", visits_raw)
    visits = tuple(_visit(checker, f"{where}.visits[{i}]", v) for i, v in enumerate(visits_raw))
    events_raw = raw.get("adverse_events", [])
    if not isinstance(events_raw, list):
        raise checker.fail(_join(where, "adverse_events"), "a list of adverse events", events_raw)
    events = []
    for i, event in enumerate(events_raw):
        event_where = f"{where}.adverse_events[{i}]"
        checker.mapping(event_where, event)
        checker.keys(event_where, event, ("name", "probability", "cost", "source"), required=("name", "probability"))
        events.append(
            AdverseEvent(
                name=checker.text(_join(event_where, "name"), event["name"], allow_empty=False),
                probability=checker.param(_join(event_where, "probability"), event["probability"], probability=True),
                cost=checker.param(_join(event_where, "cost"), event.get("cost", 0)),
                source=checker.text(_join(event_where, "source"), event.get("source")),
            )
        )
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise checker.fail(_join(where, "sources"), "a list of citation texts", sources)
    on_failure = raw.get("on_failure")
    if on_failure is not None:
        on_failure = checker.identifier(_join(where, "on_failure"), on_failure)
    qaly = raw.get("qaly_gain")
    return Pathway(
        id=pathway_id,
        label=checker.text(_join(where, "label"), raw.get("label")) or pathway_id,
        description=checker.text(_join(where, "description"), raw.get("description")),
        visits=visits,
        response_probability=checker.param(
            _join(where, "response_probability"), raw["response_probability"], probability=True
        ),
        escalation_probability=checker.param(
            _join(where, "escalation_probability"), raw.get("escalation_probability", 1), probability=True
        ),
        on_failure=on_failure,
        work_days_lost=checker.param(_join(where, "work_days_lost"), raw.get("work_days_lost", 0)),
        adverse_events=tuple(events),
        weeks=checker.param(_join(where, "weeks"), raw.get("weeks", 0)),
        qaly_gain=None if qaly is None else checker.param(_join(where, "qaly_gain"), qaly),
        sources=tuple(sources),
    )


def _visit(checker: _Checker, where: str, raw: object) -> Visit:
    raw = checker.mapping(where, raw)
    checker.keys(where, raw, _VISIT_KEYS, required=("name", "kind", "items"))
    kind = raw["kind"]
    if kind not in VISIT_KINDS:
        raise checker.fail(_join(where, "kind"), f"one of {', '.join(VISIT_KINDS)}", kind)
    items_raw = raw["items"]
    if not isinstance(items_raw, list):
        raise checker.fail(_join(where, "items"), "a list of billed items", items_raw)
    items = []
    for i, item in enumerate(items_raw):
        item_where = f"{where}.items[{i}]"
        checker.mapping(item_where, item)
        checker.keys(item_where, item, ("code", "units"), required=("code",))
        code = item["code"]
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        items.append(
            Item(
                code=checker.text(_join(item_where, "code"), code, allow_empty=False),
                units=checker.param(_join(item_where, "units"), item.get("units", 1)),
            )
        )
    travel = raw.get("travel", True)
    if not isinstance(travel, bool):
        raise checker.fail(_join(where, "travel"), "true or false", travel)
    return Visit(
        name=checker.text(_join(where, "name"), raw["name"], allow_empty=False),
        kind=kind,
        count=checker.param(_join(where, "count"), raw.get("count", 1), whole=True),
        items=tuple(items),
        hours=checker.param(_join(where, "hours"), raw.get("hours", 0)),
        travel=travel,
    )


def _check_escalation(checker: _Checker, prefix: str, pathways: tuple[Pathway, ...]) -> None:
    by_id = {p.id: p for p in pathways}
    for pathway in pathways:
        if pathway.on_failure is not None and pathway.on_failure not in by_id:
            raise checker.fail(
                f"{prefix}.{pathway.id}.on_failure",
                f"the name of another pathway ({', '.join(by_id)})",
                pathway.on_failure,
            )
    for pathway in pathways:
        seen = [pathway.id]
        current = pathway.on_failure
        while current is not None:
            if current in seen:
                cycle = " → ".join([*seen[seen.index(current) :], current])
                raise checker.fail(
                    f"{prefix}.{pathway.id}.on_failure",
                    "an escalation chain that ends (no cycles)",
                    found_text=f"the cycle {cycle}",
                )
            seen.append(current)
            current = by_id[current].on_failure


# --------------------------------------------------------------------------------------------
# Scenarios


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    return scenario_from_dict(_load_document(path), path.name, base_dir=path.parent, name=path.stem)


def scenario_from_bytes(data: bytes, filename: str) -> Scenario:
    """An uploaded scenario (JSON): only shipped names and inline data, never a server path."""
    suffix = Path(filename).suffix.lower()
    if suffix != ".json":
        raise InputError(filename, "", "a .json scenario file", found_text=repr(suffix or "no extension"))
    raw = _parse_document(decode_text(data, filename), filename, "json")
    return scenario_from_dict(raw, filename, allow_paths=False, name=Path(filename).stem)


def scenario_from_dict(
    raw: object,
    source: str,
    *,
    base_dir: Path | None = None,
    name: str = "",
    allow_paths: bool = True,
) -> Scenario:
    """Validate a scenario document and resolve its price table and pathways.

    ``allow_paths=False`` (the app's uploads) accepts only shipped names and inline data, so
    an uploaded file can never make the server read another file.
    """
    checker = _Checker(source)
    raw = checker.mapping("", raw)
    checker.keys("", raw, _SCENARIO_KEYS, required=("prices", "pathways"))
    _check_schema_version(checker, raw)

    prices = _resolve(
        checker,
        "prices",
        raw["prices"],
        base_dir,
        allow_paths,
        load_price_table,
        lambda data: _inline_price_table(checker, "prices", data),
        "prices",
    )
    pathways = _resolve(
        checker,
        "pathways",
        raw["pathways"],
        base_dir,
        allow_paths,
        load_pathways,
        lambda data: pathways_from_dict(data, source),
        "pathways",
    )

    schedule = raw.get("schedule", prices.schedules[0])
    if schedule not in prices.schedules:
        raise checker.fail("schedule", f"one of the table's schedules ({', '.join(prices.schedules)})", schedule)

    overrides_raw = checker.mapping("price_overrides", raw.get("price_overrides", {}))
    overrides = []
    for code, value in overrides_raw.items():
        if code not in prices:
            raise checker.fail(f"price_overrides.{code}", f"a code in the price table {prices.label!r}", code)
        overrides.append((code, checker.param(f"price_overrides.{code}", value)))

    spread = checker.number("price_spread", raw.get("price_spread", 0))
    if spread >= 1:
        raise checker.fail("price_spread", "a fraction below 1 (0.25 means ±25%)", spread)

    compare_raw = raw.get("compare", list(pathways.ids))
    if not isinstance(compare_raw, list) or not compare_raw:
        raise checker.fail("compare", "a non-empty list of pathway names", compare_raw)
    for i, pid in enumerate(compare_raw):
        if not isinstance(pid, str):
            raise checker.fail(f"compare[{i}]", "a pathway name", pid)
        if pid not in pathways:
            raise checker.fail(f"compare[{i}]", f"one of the pathways ({', '.join(pathways.ids)})", pid)
        if compare_raw.index(pid) != i:
            raise checker.fail(f"compare[{i}]", "each pathway once", pid)

    insurance = _insurance(checker, raw.get("insurance"), prices)
    indirect = _indirect(checker, raw.get("indirect", {}))
    psa = _psa(checker, raw.get("psa"))
    _check_codes(checker, pathways, prices)
    budget = None
    if raw.get("budget") is not None:
        from .budget import budget_inputs_from_dict

        budget = budget_inputs_from_dict(raw["budget"], tuple(compare_raw), source=source, prefix="budget")

    scenario = Scenario(
        prices=prices,
        schedule=schedule,
        pathways=pathways,
        compare=tuple(compare_raw),
        insurance=insurance,
        indirect=indirect,
        price_overrides=tuple(overrides),
        price_spread=spread,
        psa=psa,
        budget=budget,
        label=checker.text("label", raw.get("label")),
        description=checker.text("description", raw.get("description")),
        name=name,
    )
    if scenario.uncovered_schedule not in prices.schedules:
        raise checker.fail(
            "insurance.uncovered_schedule",
            f"one of the table's schedules ({', '.join(prices.schedules)})",
            scenario.uncovered_schedule,
        )
    return scenario


def _check_schema_version(checker: _Checker, raw: Mapping[str, Any]) -> None:
    version = raw.get("schema_version", 1)
    if isinstance(version, bool) or version not in SCHEMA_VERSIONS:
        raise checker.fail(
            "schema_version",
            f"a supported schema version ({', '.join(map(str, SCHEMA_VERSIONS))})",
            version,
        )


def _resolve(
    checker: _Checker,
    field: str,
    raw: object,
    base_dir: Path | None,
    allow_paths: bool,
    load_path: Callable[[Path], Any],
    from_inline: Callable[[Mapping[str, Any]], Any],
    shipped_kind: str,
) -> Any:
    if isinstance(raw, dict):
        return from_inline(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise checker.fail(field, "a shipped name, a file path or an inline object", raw)
    names = shipped_names(shipped_kind)
    if raw in names:
        suffix = ".csv" if shipped_kind == "prices" else ".json"
        return load_path(DATA_DIR / shipped_kind / f"{raw}{suffix}")
    looks_like_path = "/" in raw or "\\" in raw or "." in Path(raw).name
    if not allow_paths or not looks_like_path:
        raise checker.fail(field, f"a shipped name ({', '.join(names)})", raw)
    path = Path(raw)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        return load_path(path)
    except InputError as exc:
        if exc.found == "no such file":
            raise checker.fail(field, "the path of an existing file", raw) from None
        raise


def _insurance(checker: _Checker, raw: object, prices: PriceTable) -> InsurancePlan | None:
    if raw is None:
        return None
    raw = checker.mapping("insurance", raw)
    checker.keys("insurance", raw, _INSURANCE_KEYS)

    def money(key: str) -> Param:
        return checker.param(f"insurance.{key}", raw.get(key, 0))

    copays_raw = checker.mapping("insurance.copays", raw.get("copays") or {})
    copays = []
    for kind, value in copays_raw.items():
        if kind not in VISIT_KINDS:
            raise checker.fail(f"insurance.copays.{kind}", f"a visit kind ({', '.join(VISIT_KINDS)})", kind)
        copays.append((kind, checker.param(f"insurance.copays.{kind}", value)))
    limits_raw = checker.mapping("insurance.visit_limits", raw.get("visit_limits") or {})
    limits = []
    for kind, value in limits_raw.items():
        if kind not in VISIT_KINDS:
            raise checker.fail(f"insurance.visit_limits.{kind}", f"a visit kind ({', '.join(VISIT_KINDS)})", kind)
        count = checker.number(f"insurance.visit_limits.{kind}", value, whole=True, maximum=MAX_VISIT_COUNT * 10)
        limits.append((kind, int(count)))
    codes_raw = raw.get("uncovered_codes") or []
    if not isinstance(codes_raw, list):
        raise checker.fail("insurance.uncovered_codes", "a list of codes", codes_raw)
    codes = []
    for i, code in enumerate(codes_raw):
        code = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
        if not isinstance(code, str) or code not in prices:
            raise checker.fail(f"insurance.uncovered_codes[{i}]", "a code in the price table", code)
        codes.append(code)
    uncovered_schedule = raw.get("uncovered_schedule")
    if uncovered_schedule is not None and uncovered_schedule not in prices.schedules:
        raise checker.fail(
            "insurance.uncovered_schedule",
            f"one of the table's schedules ({', '.join(prices.schedules)})",
            uncovered_schedule,
        )
    oop_max = raw.get("oop_max")
    return InsurancePlan(
        deductible=money("deductible"),
        deductible_met=money("deductible_met"),
        coinsurance=checker.param("insurance.coinsurance", raw.get("coinsurance", 0), probability=True),
        oop_max=None if oop_max is None else checker.param("insurance.oop_max", oop_max),
        oop_met=money("oop_met"),
        copays=tuple(copays),
        uncovered_codes=tuple(codes),
        uncovered_schedule=uncovered_schedule,
        visit_limits=tuple(limits),
    )


def _indirect(checker: _Checker, raw: object) -> Indirect:
    raw = checker.mapping("indirect", raw if raw is not None else {})
    checker.keys("indirect", raw, INDIRECT_FIELDS)
    return Indirect(**{key: checker.param(f"indirect.{key}", raw.get(key, 0)) for key in INDIRECT_FIELDS})


def _psa(checker: _Checker, raw: object) -> PsaSettings:
    if raw is None:
        return PsaSettings()
    raw = checker.mapping("psa", raw)
    checker.keys("psa", raw, ("draws", "seed"))
    draws = checker.number("psa.draws", raw.get("draws", 0), whole=True, maximum=MAX_DRAWS)
    seed = raw.get("seed")
    exact = isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= MAX_SEED
    if seed is not None and not exact:  # an int is compared exactly (float(2**63 - 1) rounds up past the cap)
        seed = int(checker.number("psa.seed", seed, whole=True, maximum=MAX_SEED))
    return PsaSettings(draws=int(draws), seed=seed)


def _check_codes(checker: _Checker, pathways: PathwaySet, prices: PriceTable) -> None:
    """SPEC §4.1: an item whose code is not in the price table is an input error."""
    for pathway in pathways.pathways:
        for v, visit in enumerate(pathway.visits):
            for i, item in enumerate(visit.items):
                if item.code not in prices:
                    raise checker.fail(
                        f"pathways.{pathway.id}.visits[{v}].items[{i}].code",
                        f"a code in the price table {prices.label!r} (visit {visit.name!r})",
                        item.code,
                    )


# --------------------------------------------------------------------------------------------
# Any file (for ``python -m calculator validate``)


def detect_kind(path: str | Path) -> str:
    """``prices``, ``price_metadata``, ``pathways`` or ``scenario``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        return "prices"
    if suffix not in (".json", ".toml"):
        raise InputError(path.name, "", "a .csv, .xlsx, .json or .toml file", found_text=repr(suffix or "no extension"))
    raw = _load_document(path)
    if not isinstance(raw, dict):
        raise InputError(path.name, "top level", "an object with named fields", raw)
    if "prices" in raw or "insurance" in raw or "schedule" in raw:
        return "scenario"
    if "pathways" in raw:
        return "pathways"
    if suffix == ".toml" and (set(raw) & {"currency", "schedules", "region"} or set(raw) <= set(_METADATA_KEYS)):
        return "price_metadata"
    return "pathways"


def load_any(path: str | Path) -> tuple[str, Any]:
    """Load and validate any file the project uses; returns its kind and the loaded object."""
    kind = detect_kind(path)
    loader: Callable[[Path], Any] = {
        "prices": load_price_table,
        "price_metadata": load_price_metadata,
        "pathways": load_pathways,
        "scenario": load_scenario,
    }[kind]
    return kind, loader(Path(path))
