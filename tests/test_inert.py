"""calculator.inert: no exported cell, header, comment or sheet name is live in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from calculator.inert import (
    csv_comment,
    inert_cell,
    inert_csv,
    read_csv_comment,
    sheet_name,
    undo_inert,
)

printable = st.text(st.characters(codec="utf-8"), max_size=40)  # utf-8: no lone surrogates


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("   =1", "'   =1"),
        ("PT evaluation", "PT evaluation"),
        ("a=b", "a=b"),
        (-5.0, -5.0),
        (None, None),
    ],
)
def test_inert_cell(cell: object, expected: object) -> None:
    assert inert_cell(cell) == expected


@given(printable)
def test_no_text_becomes_a_formula_and_the_loader_gets_it_back(text: str) -> None:
    safe = inert_cell(text)
    assert isinstance(safe, str)
    assert not safe.lstrip().startswith(("=", "+", "-", "@")) and not safe.startswith(("\t", "\r", "\n"))
    assert undo_inert(safe) == text


def test_an_openpyxl_workbook_of_inert_cells_has_no_formula() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name("=cmd|' /C calc'!A0")
    sheet.append([inert_cell('=HYPERLINK("http://x","y")'), inert_cell("@x"), -3])
    buffer = io.BytesIO()
    book.save(buffer)
    again = load_workbook(io.BytesIO(buffer.getvalue()))
    assert [c.data_type for c in again.worksheets[0][1]] == ["s", "s", "n"]


@given(st.text(max_size=60))
def test_sheet_names_are_always_legal(name: str) -> None:
    safe = sheet_name(name)
    assert 1 <= len(safe) <= 31
    assert not set(safe) & set("[]:*?/\\")
    assert not safe.startswith("'") and not safe.endswith("'")
    Workbook().create_sheet(title=safe)  # openpyxl raises on an illegal title


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@given(key=st.sampled_from(["label", "region", "year"]), value=printable)
def test_a_comment_line_is_one_cell_in_any_locale(delimiter: str, key: str, value: str) -> None:
    line = csv_comment(key, value)
    assert line.endswith("\n") and line.count("\n") == 1
    cells = next(csv.reader([line.rstrip("\n")], delimiter=delimiter))
    assert len(cells) == 1 and cells[0].startswith("#")
    assert read_csv_comment(line) == f"{key}: {' '.join(value.split())}".strip()


def test_inert_csv_reads_back() -> None:
    text = inert_csv(["code", '=HYPERLINK("http://x","y")'], [["-a", -1.5], ["b", 2]], {"label": "A, =cmd"})
    lines = text.splitlines()
    assert read_csv_comment(lines[0]) == "label: A, =cmd"
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    assert rows[0] == ["code", '\'=HYPERLINK("http://x","y")']
    assert [undo_inert(c) for c in rows[1]] == ["-a", "-1.5"]
