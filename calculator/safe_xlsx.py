"""Read the rows of a price workbook (.xlsx) without trusting anything the file claims.

openpyxl trusts a sheet's declared ``<dimension>`` (``A1:XFD20001`` made it build 327 million
cells: 38 s, 4.9 GB) and expands every shared string (a 2 MB zip bomb took 4.4 GB). So this module
reads the parts itself, with limits checked before each piece of work (``calculator.input_limits``):

1. the zip directory: entry count, each part's and the total uncompressed size, compression ratio;
2. ``xl/workbook.xml`` and its relationships (parsed with defusedxml): the sheet ``prices`` (else
   the first worksheet), refusing a chartsheet or a missing part;
3. the sheet's declared ``<dimension>``, before any row is read;
4. the rows, streamed with ``iterparse``, stopping at the row and column caps; shared strings are
   counted and bounded, and every decompressed byte is counted as it is read.

Every failure is an :class:`~calculator.errors.InputError` with one sentence. The module is
about 550 lines because it is a small, self-contained XLSX reader (zip checks, workbook and
relationship parsing, streamed rows, shared strings, Excel dates) whose parts only make sense
together; splitting it would spread one trust boundary over several files.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .errors import InputError
from .input_limits import (
    MAX_UPLOAD_BYTES,
    XLSX_MAX_CELL_CHARS,
    XLSX_MAX_COLUMNS,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_ENTRY_BYTES,
    XLSX_MAX_RATIO,
    XLSX_MAX_ROWS,
    XLSX_MAX_SHARED_CHARS,
    XLSX_MAX_SHARED_STRINGS,
    XLSX_MAX_TOTAL_BYTES,
    XLSX_RATIO_FLOOR_BYTES,
)

__all__ = ["PRICE_SHEET", "METADATA_SHEET", "xlsx_rows"]

PRICE_SHEET = "prices"
METADATA_SHEET = "metadata"

Row = tuple[int, list[Any]]

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_RELS_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RELS_ID_STRICT = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_CHUNK = 64 * 1024


def xlsx_rows(data: bytes, source: str) -> tuple[dict[str, Any], list[Row]]:
    """The rows of a price workbook, read within the limits of :mod:`calculator.input_limits`.

    Parameters
    ----------
    data
        The bytes of the ``.xlsx`` file (at most ``MAX_UPLOAD_BYTES``).
    source
        The file name, for messages.

    Returns
    -------
    (metadata, rows)
        ``metadata``: the sheet ``metadata``'s ``key → value`` pairs (key lower-cased), empty when
        there is no such sheet. ``rows``: ``(row number, cells)`` of the sheet ``prices`` (else the
        first worksheet), one per row that has a cell; cells in column order, ``""`` for an empty
        cell, trailing empty cells dropped. Numbers are ``int`` or ``float``, date-formatted numbers
        ``datetime``, booleans ``bool`` (what ``openpyxl``'s ``data_only`` reading gives).

    Raises
    ------
    InputError
        One sentence naming the file, the part or cell, what was expected and what was found.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> book = Workbook(); book.active.title = "prices"; book.active.append(["code", 12.5])
    >>> buffer = io.BytesIO(); book.save(buffer)
    >>> xlsx_rows(buffer.getvalue(), "t.xlsx")
    ({}, [(1, ['code', 12.5])])
    """
    if len(data) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise InputError(source, "", f"a file of at most {limit} MB", found_text=f"{len(data):,} bytes")
    book = _Workbook(data, source)
    try:
        sheets = book.sheets()
        kind, part = _choose(sheets, source)
        if kind != "worksheet":
            raise InputError(source, f"sheet {part!r}", "a worksheet of cells", found_text=f"a {kind}")
        shared = book.shared_strings()
        dates = book.date_styles()
        rows = list(book.rows(part, shared, dates))
        meta: dict[str, Any] = {}
        if METADATA_SHEET in sheets and METADATA_SHEET != _chosen_name(sheets):
            meta_kind, meta_part = sheets[METADATA_SHEET]
            if meta_kind != "worksheet":
                raise InputError(
                    source, f"sheet {METADATA_SHEET!r}", "a worksheet of key, value rows", found_text=f"a {meta_kind}"
                )
            for _number, cells in book.rows(meta_part, shared, dates):
                if len(cells) > 1 and cells[0] != "" and cells[1] != "":
                    meta[str(cells[0]).strip().lower()] = str(cells[1]).strip()
        return meta, rows
    finally:
        book.close()


def _chosen_name(sheets: dict[str, tuple[str, str]]) -> str:
    if PRICE_SHEET in sheets:
        return PRICE_SHEET
    return next((name for name, (kind, _) in sheets.items() if kind == "worksheet"), "")


def _choose(sheets: dict[str, tuple[str, str]], source: str) -> tuple[str, str]:
    """(kind, part) of the sheet ``prices``, else of the first worksheet (as openpyxl's reading did)."""
    if PRICE_SHEET in sheets:
        kind, part = sheets[PRICE_SHEET]
        return kind, part if kind == "worksheet" else PRICE_SHEET
    name = _chosen_name(sheets)
    if not name:
        found = f"only {', '.join(repr(n) for n in sheets)}" if sheets else "no sheets"
        raise InputError(source, "workbook", "a worksheet named 'prices' or at least one worksheet", found_text=found)
    return sheets[name]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """``"B12"`` → (row 12, column 2); None when it is not a cell reference."""
    match = _CELL_REF.match(ref.strip())
    if match is None:
        return None
    return int(match[2]), _column_number(match[1])


class _Budget:
    """Counts decompressed bytes across all parts, so a part that lies about its size stops too."""

    def __init__(self) -> None:
        self.total = 0


class _BoundedReader:
    """A part of the zip, read in chunks, refusing to give more than its cap (all iterparse needs)."""

    def __init__(self, raw: IO[bytes], cap: int, budget: _Budget, fail: Callable[[str], InputError]) -> None:
        self._raw = raw
        self._cap = cap
        self._read = 0
        self._budget = budget
        self._fail = fail

    def read(self, size: int = -1) -> bytes:
        size = _CHUNK if size is None or size < 0 or size > _CHUNK else size
        chunk = self._raw.read(size)
        self._read += len(chunk)
        self._budget.total += len(chunk)
        if self._read > self._cap:
            raise self._fail(f"at most {self._cap:,} bytes uncompressed")
        if self._budget.total > XLSX_MAX_TOTAL_BYTES:
            raise self._fail(f"a workbook of at most {XLSX_MAX_TOTAL_BYTES:,} bytes uncompressed")
        return chunk


class _Forbidden(Exception):
    """A bulk part with a DTD or an encoding other than UTF-8 (message: what was found)."""


_PROLOG_LIMIT = 64 * 1024
_XML_DECLARATION_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _prolog_verdict(head: bytes) -> bool | None:
    """True when the part's prolog (declaration, comments, processing instructions) ends in the
    root element without a DTD; None when more bytes are needed; raises :class:`_Forbidden`."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise _Forbidden("a UTF-16 or UTF-32 part")
    position = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while position < len(head) and head[position] in b" \t\r\n":
            position += 1
        rest = head[position:]
        if len(rest) < 9:
            return None
        if rest.startswith(b"<?"):
            end = rest.find(b"?>")
            if end < 0:
                return None
            if rest.startswith(b"<?xml"):
                declared = _XML_DECLARATION_ENCODING.search(rest[:end])
                if declared and declared[1].lower() not in (b"utf-8", b"utf8"):
                    raise _Forbidden(f"the encoding {declared[1].decode('ascii')!r}")
            position += end + 2
        elif rest.startswith(b"<!--"):
            end = rest.find(b"-->")
            if end < 0:
                return None
            position += end + 3
        elif rest.startswith(b"<!"):
            raise _Forbidden("a document type declaration (DTD)")
        else:
            return True  # the root element (or junk the parser will call broken)


def _pull_events(reader: _BoundedReader, events: tuple[str, ...]) -> Iterator[tuple[str, Element]]:
    parser: Any = XMLPullParser(events=cast(Any, events))  # typeshed wants literal event names
    head = b""
    checked = False
    while True:
        chunk = reader.read(_CHUNK)
        if not checked:
            head += chunk
            if _prolog_verdict(head) is None and chunk:
                if len(head) > _PROLOG_LIMIT:
                    raise _Forbidden(f"no element in the first {_PROLOG_LIMIT:,} bytes")
                continue
            checked, chunk = True, head
        if not chunk:
            break
        parser.feed(chunk)
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


class _Workbook:
    def __init__(self, data: bytes, source: str) -> None:
        self.source = source
        self.budget = _Budget()
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(
                source, "", "an Excel .xlsx workbook", found_text=f"a file that is not a zip workbook ({exc})"
            ) from None
        self._check_directory(infos)
        self.names = {info.filename for info in infos}

    def close(self) -> None:
        self.zip.close()

    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> None:
        source = self.source
        if len(infos) > XLSX_MAX_ENTRIES:
            raise InputError(source, "zip directory", f"at most {XLSX_MAX_ENTRIES:,} parts", len(infos))
        total = 0
        for info in infos:
            where = f"part {info.filename!r}"
            if info.file_size > XLSX_MAX_ENTRY_BYTES:
                raise InputError(
                    source,
                    where,
                    f"at most {XLSX_MAX_ENTRY_BYTES:,} bytes uncompressed",
                    found_text=f"{info.file_size:,} bytes",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > XLSX_RATIO_FLOOR_BYTES and ratio > XLSX_MAX_RATIO:
                raise InputError(
                    source,
                    where,
                    f"a compression ratio of at most {XLSX_MAX_RATIO}:1",
                    found_text=f"{ratio:,.0f}:1 (a zip bomb?)",
                )
            total += info.file_size
        if total > XLSX_MAX_TOTAL_BYTES:
            raise InputError(
                source,
                "zip directory",
                f"at most {XLSX_MAX_TOTAL_BYTES:,} bytes uncompressed in all",
                found_text=f"{total:,} bytes",
            )

    # -- parts ------------------------------------------------------------------------------

    def _events(
        self, part: str, events: tuple[str, ...] = ("end",), *, bulk: bool = False
    ) -> Iterator[tuple[str, Element]]:
        """Stream a part's XML (no DTDs, no entities), every byte counted against the caps.

        The small parts go through defusedxml. The bulk parts (sheets, shared strings) go through
        the C parser, 3-4 times faster than defusedxml's Python handlers (a 20,000-row sheet took
        8 s), after :func:`_prolog_verdict` has refused a DTD: without one, XML has no entities to
        expand and nothing external to fetch."""
        if part not in self.names:
            raise InputError(self.source, f"part {part!r}", "the part the workbook names", found_text="nothing")
        info = self.zip.getinfo(part)

        def fail(expected: str) -> InputError:
            return InputError(self.source, f"part {part!r}", expected, found_text="more")

        try:
            with self.zip.open(info) as raw:
                reader = _BoundedReader(raw, XLSX_MAX_ENTRY_BYTES, self.budget, fail)
                if bulk:
                    yield from _pull_events(reader, events)
                else:
                    yield from iterparse(reader, events=events, forbid_dtd=True)
        except InputError:
            raise
        except ParseError as exc:
            raise InputError(
                self.source, f"part {part!r}", "well-formed XML", found_text=f"broken XML ({exc})"
            ) from None
        except DefusedXmlException as exc:
            raise InputError(
                self.source, f"part {part!r}", "plain XML", found_text=f"a forbidden construct ({type(exc).__name__})"
            ) from None
        except _Forbidden as exc:
            raise InputError(self.source, f"part {part!r}", "plain UTF-8 XML", found_text=str(exc)) from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            # Bad CRC, bad compressed data, an encrypted part: the zip is damaged.
            raise InputError(self.source, f"part {part!r}", "a readable zip part", found_text=f"{exc}"[:80]) from None

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """id → (type, part path) for the relationships of ``part``."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        out: dict[str, tuple[str, str]] = {}
        if rels_part not in self.names:
            return out
        for _event, element in self._events(rels_part):
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                if element.get("TargetMode") == "External":
                    continue
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                out[element.get("Id", "")] = (element.get("Type", ""), posixpath.normpath(path))
        return out

    def sheets(self) -> dict[str, tuple[str, str]]:
        """Sheet name → (kind, part) in workbook order; kind is ``worksheet``, ``chartsheet``, ..."""
        workbook_part = "xl/workbook.xml"
        for _event, element in self._events("_rels/.rels") if "_rels/.rels" in self.names else ():
            if _local(element.tag) == "Relationship" and element.get("Type", "").endswith("/officeDocument"):
                workbook_part = posixpath.normpath(element.get("Target", workbook_part).lstrip("/"))
        self.workbook_part = workbook_part
        self.workbook_rels = self._relationships(workbook_part)
        sheets: dict[str, tuple[str, str]] = {}
        for _event, element in self._events(workbook_part):
            if _local(element.tag) != "sheet":
                continue
            name = element.get("name", "")
            rel_id = element.get(_RELS_ID) or element.get(_RELS_ID_STRICT) or ""
            rel_type, part = self.workbook_rels.get(rel_id, ("", ""))
            if not part:
                raise InputError(
                    self.source, f"sheet {name!r}", "a sheet the workbook links to a part", found_text="no link"
                )
            kind = rel_type.rsplit("/", 1)[-1] if rel_type else "worksheet"
            sheets[name] = (kind, part)
            if len(sheets) > XLSX_MAX_ENTRIES:
                raise InputError(self.source, workbook_part, f"at most {XLSX_MAX_ENTRIES:,} sheets", found_text="more")
        return sheets

    def shared_strings(self) -> list[str]:
        part = next((p for t, p in self.workbook_rels.values() if t.endswith("/sharedStrings")), "")
        if not part:
            part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in self.names else ""
        if not part:
            return []
        strings: list[str] = []
        chars = 0
        for _event, element in self._events(part, bulk=True):
            if not element.tag.endswith("}si") and element.tag != "si":
                continue
            # The text is the <t> child, or the <t> of each rich-text run <r>; <rPh> phonetic guides are not.
            pieces: list[str] = []
            for child in element:
                tag = _local(child.tag)
                if tag == "t":
                    pieces.append(child.text or "")
                elif tag == "r":
                    pieces.extend(t.text or "" for t in child if _local(t.tag) == "t")
            text = "".join(pieces)
            element.clear()
            chars += len(text)
            if len(strings) >= XLSX_MAX_SHARED_STRINGS:
                raise InputError(
                    self.source, f"part {part!r}", f"at most {XLSX_MAX_SHARED_STRINGS:,} texts", found_text="more"
                )
            if chars > XLSX_MAX_SHARED_CHARS:
                raise InputError(
                    self.source,
                    f"part {part!r}",
                    f"at most {XLSX_MAX_SHARED_CHARS:,} characters of text",
                    found_text="more",
                )
            strings.append(text)
        return strings

    def date_styles(self) -> set[int]:
        """Indexes of the cell styles whose number format is a date (their numbers are dates)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        part = next((p for t, p in self.workbook_rels.values() if t.endswith("/styles")), "")
        if not part or part not in self.names:
            return set()
        custom: dict[int, str] = {}
        dates: set[int] = set()
        in_cell_xfs = False
        index = 0
        for event, element in self._events(part, ("start", "end")):
            tag = _local(element.tag)
            if tag == "numFmt" and event == "end":
                try:
                    custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
                except ValueError:
                    pass
            elif tag == "cellXfs":
                in_cell_xfs = event == "start"
            elif tag == "xf" and in_cell_xfs and event == "end":
                try:
                    fmt_id = int(element.get("numFmtId", "0"))
                except ValueError:
                    fmt_id = 0
                code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General")
                if is_date_format(code):
                    dates.add(index)
                index += 1
                if index > XLSX_MAX_ENTRIES * 64:
                    break  # styles beyond this many are never used by a sane table
        return dates

    # -- rows ---------------------------------------------------------------------------------

    def rows(self, part: str, shared: list[str], dates: set[int]) -> Iterator[Row]:
        """Only "end" events (half the work of start+end): a cell's row and column come from its
        own reference, so the caps are checked at the first cell beyond them."""
        last_row = 0  # the row number of the last finished row
        cells: list[Any] = []
        column = 0
        locals_: dict[str, str] = {}
        for _event, element in self._events(part, bulk=True):
            tag = locals_.get(element.tag) or locals_.setdefault(element.tag, _local(element.tag))
            if tag == "c":
                ref = _parse_ref(element.get("r", ""))
                row, column = ref if ref is not None else (last_row + 1, column + 1)
                self._check_position(part, row, column)
                value = self._cell_value(part, element, shared, dates, row, column)
                element.clear()
                if value != "":
                    cells.extend([""] * (column - 1 - len(cells)))
                    if len(cells) >= column:  # a cell given twice: the later one wins
                        cells[column - 1] = value
                    else:
                        cells.append(value)
            elif tag == "row":
                declared = element.get("r", "")
                last_row = int(declared) if declared.isdigit() and len(declared) < 10 else last_row + 1
                self._check_position(part, last_row, 1)
                element.clear()
                if cells:
                    yield last_row, cells
                cells = []
                column = 0
            elif tag == "dimension":
                self._check_dimension(part, element.get("ref", ""))
            elif tag == "sheetData":
                element.clear()

    def _check_position(self, part: str, row: int, column: int) -> None:
        if row > XLSX_MAX_ROWS:
            raise InputError(
                self.source, f"sheet part {part!r}, row {row:,}", f"at most {XLSX_MAX_ROWS:,} rows", found_text="more"
            )
        if column > XLSX_MAX_COLUMNS:
            raise InputError(
                self.source,
                f"sheet part {part!r}, row {row:,}",
                f"at most {XLSX_MAX_COLUMNS} columns",
                found_text=f"a cell in column {column:,}",
            )

    def _check_dimension(self, part: str, ref: str) -> None:
        corners = [_parse_ref(corner) for corner in ref.split(":")] if ref else []
        if not corners or any(c is None for c in corners) or len(corners) > 2:
            return  # no usable claim: the streaming caps still hold
        (top, left), (bottom, right) = corners[0], corners[-1]  # type: ignore[misc]
        rows, columns = bottom - top + 1, right - left + 1
        if bottom > XLSX_MAX_ROWS or right > XLSX_MAX_COLUMNS:
            raise InputError(
                self.source,
                f"sheet part {part!r}, dimension",
                f"at most {XLSX_MAX_ROWS:,} rows and {XLSX_MAX_COLUMNS} columns",
                found_text=f"{ref!r} ({rows:,} rows × {columns:,} columns)",
            )

    def _cell_value(
        self, part: str, element: Element, shared: list[str], dates: set[int], row: int, column: int
    ) -> Any:
        kind = element.get("t", "n")
        value_text: str | None = None
        inline: list[str] = []
        for child in element:
            tag = _local(child.tag)
            if tag == "v":
                value_text = child.text
            elif tag == "is":
                inline.extend(t.text or "" for t in child.iter() if _local(t.tag) == "t")
        where = f"sheet part {part!r}, row {row:,}, column {column}"
        if kind == "inlineStr":
            text = "".join(inline)
        elif value_text is None:
            return ""
        elif kind == "s":
            try:
                text = shared[int(value_text)]
            except (ValueError, IndexError):
                raise InputError(
                    self.source, where, "a text from the shared strings", found_text=repr(value_text[:20])
                ) from None
        elif kind in ("str", "e", "d"):
            text = value_text
        elif kind == "b":
            return value_text.strip() in ("1", "true")
        else:
            return self._number(where, value_text, element.get("s"), dates)
        if len(text) > XLSX_MAX_CELL_CHARS:
            raise InputError(
                self.source, where, f"a cell of at most {XLSX_MAX_CELL_CHARS:,} characters", found_text=f"{len(text):,}"
            )
        return text

    def _number(self, where: str, text: str, style: str | None, dates: set[int]) -> Any:
        text = text.strip()
        try:
            number: int | float = int(text) if text.lstrip("-").isdigit() and len(text) < 20 else float(text)
        except ValueError:
            raise InputError(self.source, where, "a number", found_text=repr(text[:20])) from None
        if style is not None and style.isdigit() and int(style) in dates:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number)
            except (ValueError, OverflowError, TypeError):
                return number
        return number
