"""calculator.safe_xlsx: the same rows as openpyxl for real workbooks; one sentence for every
broken or hostile one, before the work it would cause."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from calculator import input_limits
from calculator.errors import InputError
from calculator.io import MAX_FILE_BYTES, MAX_ROWS
from calculator.safe_xlsx import xlsx_rows

SHEET = "xl/worksheets/sheet1.xml"


def book_bytes(rows: list[list[object]], *, title: str = "prices", extra: dict[str, list[list[object]]] | None = None):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, more in (extra or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_part(data: bytes, part: str, content: bytes | None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == part:
                if content is not None:
                    target.writestr(part, content)
            else:
                target.writestr(info.filename, source.read(info))
    return out.getvalue()


def sheet_xml(body: str, dimension: str = "A1:B2") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def refusal(data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        xlsx_rows(data, "t.xlsx")
    message = str(caught.value)
    assert message.startswith("t.xlsx: ") and message.endswith(".") and "\n" not in message
    return message


def openpyxl_rows(data: bytes, sheet: str = "prices") -> list[tuple[int, list[object]]]:
    """What openpyxl's data_only reading gives, in xlsx_rows's shape (blank rows and trailing blanks dropped)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    for number, values in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        cells = ["" if v is None else v for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            out.append((number, cells))
    book.close()
    return out


def test_limits_agree_with_the_loader() -> None:
    assert input_limits.XLSX_MAX_ROWS == MAX_ROWS + 1  # the header row plus the price rows
    assert input_limits.MAX_UPLOAD_BYTES == MAX_FILE_BYTES
    assert all(limit.why and limit.value > 0 for limit in input_limits.LIMITS.values())


def test_mixed_types_read_like_openpyxl() -> None:
    data = book_bytes(
        [
            ["code", "description", "price", "as_of", "flag", None, "last"],
            [97110, "Thérapie — 日本", 12.5, datetime.datetime(2025, 1, 1), True, None, "=1+2"],
            [],
            ["x", None, -3, None, False],
        ],
        extra={"metadata": [["Label", "Clinic A"], ["currency", "EUR"], ["note", None]]},
    )
    meta, rows = xlsx_rows(data, "t.xlsx")
    assert rows == openpyxl_rows(data)
    assert rows[1] == (2, [97110, "Thérapie — 日本", 12.5, datetime.datetime(2025, 1, 1), True])
    assert meta == {"label": "Clinic A", "currency": "EUR"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.none(),
                st.integers(-(10**9), 10**9),
                st.floats(allow_nan=False, allow_infinity=False, width=32),
                st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12).filter(
                    lambda t: not t.startswith("=")
                ),
            ),
            max_size=6,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_table_reads_like_openpyxl(rows: list[list[object]]) -> None:
    data = book_bytes(rows)
    assert xlsx_rows(data, "t.xlsx")[1] == openpyxl_rows(data)


def test_prices_sheet_is_preferred_else_the_first_worksheet() -> None:
    assert xlsx_rows(book_bytes([["a"]], title="notes", extra={"prices": [["b"]]}), "t")[1] == [(1, ["b"])]
    assert xlsx_rows(book_bytes([["a"]], title="notes", extra={"other": [["b"]]}), "t")[1] == [(1, ["a"])]


def test_declared_dimension_is_refused_before_any_row() -> None:
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
    message = refusal(replace_part(book_bytes([["x"]]), SHEET, sheet_xml(body, "A1:BM2")))
    # BM is column 65: one past the cap of 64.
    assert "dimension: expected at most 20,001 rows and 64 columns, found 'A1:BM2' (2 rows × 65 columns)" in message


def test_a_row_beyond_the_cap_stops_the_stream_without_a_dimension() -> None:
    body = '<row r="1"><c r="A1"><v>1</v></c></row><row r="20002"><c r="A20002"><v>2</v></c></row>'
    assert "row 20,002: expected at most 20,001 rows" in refusal(
        replace_part(book_bytes([["x"]]), SHEET, sheet_xml(body, "A1"))
    )


def test_a_column_beyond_the_cap_is_refused() -> None:
    body = '<row r="1"><c r="BM1"><v>1</v></c></row>'
    assert "expected at most 64 columns, found a cell in column 65" in refusal(
        replace_part(book_bytes([["x"]]), SHEET, sheet_xml(body, "A1"))
    )


def test_cells_without_references_are_positional() -> None:
    body = '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row><row><c><v>3</v></c></row>'
    data = replace_part(book_bytes([["x"]]), SHEET, sheet_xml(body, "A1"))
    assert xlsx_rows(data, "t")[1] == [(1, ["a", 2]), (2, [3])]


def test_a_shared_string_index_out_of_range_is_refused() -> None:
    body = '<row r="1"><c r="A1" t="s"><v>99</v></c></row>'
    assert "row 1, column 1: expected a text from the shared strings, found '99'" in refusal(
        replace_part(book_bytes([["x"]]), SHEET, sheet_xml(body, "A1"))
    )


def test_a_utf16_part_is_refused() -> None:
    assert "found a UTF-16 or UTF-32 part" in refusal(
        replace_part(book_bytes([["x"]]), SHEET, sheet_xml("").decode().encode("utf-16"))
    )


def test_a_dtd_after_a_comment_is_still_refused() -> None:
    tricky = b'<?xml version="1.0"?><!-- <worksheet> --><!DOCTYPE x [<!ENTITY a "b">]>' + sheet_xml("")[38:]
    assert "found a document type declaration (DTD)" in refusal(replace_part(book_bytes([["x"]]), SHEET, tricky))


def test_too_many_parts_are_refused_from_the_directory() -> None:
    data = book_bytes([["x"]])
    with zipfile.ZipFile(buffer := io.BytesIO(data), "a") as book:
        for i in range(input_limits.XLSX_MAX_ENTRIES):
            book.writestr(f"junk/{i}", b"")
    assert "zip directory: expected at most 1,000 parts, found 1" in refusal(buffer.getvalue())


def test_not_a_zip_and_too_big() -> None:
    assert "expected an Excel .xlsx workbook, found a file that is not a zip workbook" in refusal(b"PK\x03\x04junk")
    assert "expected a file of at most 10 MB" in refusal(b"x" * (MAX_FILE_BYTES + 1))


def test_a_workbook_without_worksheets_says_which_sheets_it_has() -> None:
    book = Workbook()
    book.remove(book.worksheets[0])
    book.create_chartsheet("chart")
    buffer = io.BytesIO()
    book.save(buffer)
    message = refusal(buffer.getvalue())
    assert "workbook: expected a worksheet named 'prices' or at least one worksheet, found only 'chart'" in message


def test_metadata_chartsheet_is_refused() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "prices"
    sheet.append(["code"])
    book.create_chartsheet("metadata")
    buffer = io.BytesIO()
    book.save(buffer)
    assert "sheet 'metadata': expected a worksheet of key, value rows, found a chartsheet" in refusal(buffer.getvalue())


def test_a_dtd_in_a_small_part_is_refused_by_defusedxml() -> None:
    data = book_bytes([["x"]])
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        workbook = book.read("xl/workbook.xml")
    laughs = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaa">]>' + workbook.split(b"?>", 1)[-1]
    message = refusal(replace_part(data, "xl/workbook.xml", laughs))
    assert "part 'xl/workbook.xml': expected plain XML, found a forbidden construct" in message
