"""A clinic's own price list laid over the active price table (SPEC §3.5).

A clinic has whatever it has: one ``cash`` column, a handful of codes. :func:`read_clinic_list`
reads such a file (only a ``code`` column is required; every column that is not a known text
column is a price column), and :func:`overlay_prices` lays it over a table: each column goes to
the schedule it is named after or mapped to, its codes replace those rows' prices at that
schedule, every other price stays. Messages speak of the upload in the user's words ("your file
clinic.csv: column 'cash' ..."), never of "your changes".
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import InputError
from .input_limits import MAX_MONEY, MAX_TEXT_CHARS
from .limits import MAX_ROWS
from .models import PriceRow, PriceTable
from .text import plain

__all__ = ["ClinicPrices", "PriceChange", "overlay_prices", "parse_mapping", "read_clinic_list", "unmapped_columns"]

# Columns a clinic's list may carry besides prices; they describe a code the table lacks.
TEXT_COLUMNS = ("code", "description", "category", "unit", "source", "as_of", "evidence", "note")


@dataclass(frozen=True)
class ClinicPrices:
    """A clinic's price list as uploaded: its price columns (the user's names) and, per code,
    a price per column (None where the cell is blank) and the row's descriptive text."""

    name: str  # the file name, for messages
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float | None, ...], tuple[tuple[str, str], ...]], ...]


@dataclass(frozen=True)
class PriceChange:
    """One price the clinic's list sets: ``old`` None for a code the table did not have."""

    code: str
    schedule: str
    column: str
    old: float | None
    new: float
    used: bool  # billed by the scenario's pathways

    @property
    def changed(self) -> bool:
        return self.old is None or self.old != self.new


def _fail(source: str, where: str, expected: str, found: object = None, **kw: Any) -> InputError:
    return InputError(f"your file {source}", where, expected, found, **kw)


def _text(filename: str, where: str, cell: Any) -> str:
    from .io.prices import _cell_text

    size = len(str(cell).strip()) if cell is not None else 0
    if size > MAX_TEXT_CHARS:
        raise _fail(
            filename, where, f"a text of at most {MAX_TEXT_CHARS:,} characters", found_text=f"{size:,} characters"
        )
    return _cell_text(cell).strip()


def read_clinic_list(data: bytes, filename: str) -> ClinicPrices:
    """Read a clinic's price list (CSV or XLSX): a ``code`` column and one or more price columns.

    Parameters
    ----------
    data : bytes
        The file's content (at most the calculator's file size limit).
    filename : str
        The file's name, used in messages and to tell CSV from XLSX.

    Returns
    -------
    ClinicPrices
        The price columns in file order and the rows; blank price cells are None.

    Raises
    ------
    InputError
        Naming the file, row and column: no ``code`` column, no price column, a repeated code, a
        price that is not a non-negative number.

    Examples
    --------
    >>> clinic = read_clinic_list(b"code,cash\\n20561,95\\n97110,40\\n", "clinic.csv")
    >>> clinic.columns, clinic.rows[0][:2]
    (('cash',), ('20561', (95.0,)))
    """
    from .io.files import decode_text
    from .io.prices import _cell_text, _csv_rows, _xlsx_rows

    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        _, raw_rows = _xlsx_rows(data, filename)
    elif suffix == ".csv":
        _, raw_rows = _csv_rows(decode_text(data, filename), filename)
    else:
        raise _fail(filename, "", "a .csv or .xlsx file", found_text=repr(suffix or "no extension"))
    raw_rows = [(n, r) for n, r in raw_rows if any(_cell_text(c) for c in r)]
    if not raw_rows:
        raise _fail(filename, "", "a header row and at least one code", found_text="an empty file")
    if len(raw_rows) > MAX_ROWS + 1:
        raise _fail(filename, "", f"at most {MAX_ROWS:,} rows", found_text=f"{len(raw_rows) - 1:,}")
    header = [_text(filename, "header", c).lower() for c in raw_rows[0][1]]
    if "code" not in header:
        raise _fail(filename, "header", "a column named code", found_text=", ".join(repr(h) for h in header))
    price_columns = [h for h in header if h and h not in TEXT_COLUMNS]
    if not price_columns:
        raise _fail(filename, "header", "at least one price column (e.g. cash)", found_text=", ".join(header))
    if len(set(header)) != len(header):
        repeated = next(h for h in header if header.count(h) > 1)
        raise _fail(filename, "header", "each column once", repr(repeated))
    rows = []
    seen: set[str] = set()
    for number, cells in raw_rows[1:]:
        cells = list(cells) + [""] * (len(header) - len(cells))
        cell = dict(zip(header, cells, strict=False))
        code = _text(filename, f"row {number}, column 'code'", cell["code"])
        if not code:
            raise _fail(filename, f"row {number}, column 'code'", "a code", found_text="a blank cell")
        if code in seen:
            raise _fail(filename, f"row {number}, column 'code'", "each code once", code)
        seen.add(code)
        prices: list[float | None] = []
        for column in price_columns:
            text = _cell_text(cell[column]).strip().lstrip("$").replace(",", "")
            if not text:
                prices.append(None)
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or not 0 <= value <= MAX_MONEY:  # the limits table's amount
                raise _fail(
                    filename, f"row {number}, column {column!r}", f"a price from 0 to {MAX_MONEY:,.0f}", cell[column]
                )
            prices.append(value)
        texts = tuple(
            (k, _text(filename, f"row {number}, column {k!r}", cell[k]))
            for k in TEXT_COLUMNS[1:]
            if k in cell and _cell_text(cell[k])
        )
        rows.append((code, tuple(prices), texts))
    return ClinicPrices(plain(filename), tuple(price_columns), tuple(rows))  # its name is shown and noted


def parse_mapping(pairs: Collection[str]) -> dict[str, str]:
    """``["cash=self_pay", "a=b,c=d"]`` → ``{"cash": "self_pay", "a": "b", "c": "d"}``.

    >>> parse_mapping(["cash=self_pay"])
    {'cash': 'self_pay'}
    """
    out: dict[str, str] = {}
    for pair in (p for text in pairs for p in text.split(",") if p.strip()):
        column, sep, schedule = pair.partition("=")
        if not sep or not column.strip() or not schedule.strip():
            raise InputError("--map", "", "COLUMN=SCHEDULE, e.g. cash=self_pay", pair)
        out[column.strip().lower()] = schedule.strip()
    return out


def unmapped_columns(table: PriceTable, clinic: ClinicPrices, mapping: Mapping[str, str]) -> list[str]:
    """The clinic's columns named like no schedule of ``table`` and not mapped to one."""
    return [c for c in clinic.columns if c not in mapping and c not in table.schedules]


def overlay_prices(
    table: PriceTable,
    clinic: ClinicPrices,
    mapping: Mapping[str, str] | None = None,
    *,
    used: Collection[str] | None = None,
) -> tuple[PriceTable, list[PriceChange]]:
    """Lay a clinic's list over ``table`` (SPEC §3.5).

    Parameters
    ----------
    table : PriceTable
        The active table (e.g. the shipped ``us-2025``).
    clinic : ClinicPrices
        The clinic's list, from :func:`read_clinic_list`.
    mapping : Mapping[str, str], optional
        Clinic column → schedule of ``table``, for columns not named like a schedule
        (``{"cash": "self_pay"}``); a column named like a schedule maps to it by itself.
    used : collection of str, optional
        The codes the scenario's pathways bill, to mark each change as used or not.

    Returns
    -------
    (PriceTable, list of PriceChange)
        The new table (every other price as it was; a code the table lacks is added with the
        clinic's price at every schedule, category ``other`` unless the file gives one) and
        every price the list sets, in file order, with its old value.

    Raises
    ------
    InputError
        A column named like no schedule and not mapped, in one line that says how to map it;
        a mapping to a schedule the table does not have.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_price_table
    >>> shipped = load_price_table(DATA_DIR / "prices" / "us-2025.csv")
    >>> clinic = read_clinic_list(b"code,cash\\n20561,95\\n", "clinic.csv")
    >>> new, changes = overlay_prices(shipped, clinic, {"cash": "self_pay"})
    >>> new.price("20561", "self_pay"), changes[0].schedule
    (95.0, 'self_pay')
    """
    mapping = {k.lower(): v for k, v in (mapping or {}).items()}
    schedules = ", ".join(table.schedules)
    for column in clinic.columns:
        target = mapping.get(column, column)
        if column in mapping and target not in table.schedules:
            raise _fail(
                clinic.name, f"column {column!r}", f"to be mapped to one of the table's schedules ({schedules})", target
            )
        if target not in table.schedules:
            example = "self_pay" if "self_pay" in table.schedules else table.schedules[0]
            raise InputError(
                f"your file {clinic.name}",
                f"column {column!r}",
                f"the name of a schedule of the price table ({schedules}); map it, e.g. --map {column}={example}",
                found_text=f"{column!r}",
            )
    for column in mapping:
        if column not in clinic.columns:
            raise _fail(clinic.name, "--map", f"a column of the file ({', '.join(clinic.columns)})", column)
    used_codes = set(used) if used is not None else None
    rows = {row.code: row for row in table.rows}
    order = [row.code for row in table.rows]
    changes: list[PriceChange] = []
    for code, prices, texts in clinic.rows:
        text = dict(texts)
        for column, price in zip(clinic.columns, prices, strict=True):
            if price is None:
                continue
            schedule = mapping.get(column, column)
            index = table.schedules.index(schedule)
            row = rows.get(code)
            if row is None:
                row = PriceRow(
                    code=code,
                    description=text.get("description", ""),
                    category=text.get("category", "other") if text.get("category") in _categories() else "other",
                    unit=text.get("unit", ""),
                    prices=tuple(price for _ in table.schedules),
                    source=text.get("source", f"clinic list {clinic.name}"),
                    as_of=text.get("as_of", ""),
                    note=f"from {clinic.name}; only its {column!r} price is known, used for every schedule",
                )
                order.append(code)
                old = None
            else:
                old = row.prices[index]
                new_prices = list(row.prices)
                new_prices[index] = price
                row = replace(row, prices=tuple(new_prices), source=f"clinic list {clinic.name}")
            rows[code] = row
            changes.append(
                PriceChange(code, schedule, column, old, price, True if used_codes is None else code in used_codes)
            )
    label = f"{table.label or table.name} with {clinic.name}"
    new_table = replace(
        table,
        rows=tuple(rows[c] for c in order),
        label=label,
        name=f"{table.name or 'prices'}+{Path(clinic.name).stem}",
    )
    return new_table, changes


def _categories() -> tuple[str, ...]:
    from .models import CATEGORIES

    return CATEGORIES
