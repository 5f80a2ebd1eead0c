"""Hostile files, built at test time (nothing large is committed).

Each builder returns the file's bytes. The XLSX ones start from a real openpyxl workbook and
then break one thing, so each file tests exactly one defence. Run as a script to write them all
to a folder for manual attacks on a running app: ``python tests/hostile/generate.py OUT_DIR``.
"""

from __future__ import annotations

import io
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

PRICE_HEADER = ["code", "description", "category", "unit", "cash", "source", "as_of"]
PRICE_ROWS = [
    ["97161", "PT evaluation", "therapy", "per evaluation", 127.41, "test", "2025"],
    ["99213", "Office visit", "visit", "per visit", 120, "test", "2025"],
]
HOSTILE_LABELS = {
    "markdown image": "![x](http://evil.example/pixel.png)",
    "markdown link": "[click me](http://evil.example/)",
    "html": '<img src="http://evil.example/p.png" onerror="alert(1)"><a href="http://evil.example">PT</a>',
    "bidi override": "invoice\u202egnp.exe",
    "autolink": "see http://evil.example or www.evil.example or me@evil.example",
    "math and icon": "$x^2$ :material/home: :red[alert]",
}
FORMULA_SCHEDULE = '=HYPERLINK("http://x","y")'
COMMA_FORMULA_LABEL = "Clinic A, =cmd|' /C calc'!A0"


def _workbook(header: list[object] | None = None, rows: list[list[object]] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "prices"
    sheet.append(header or PRICE_HEADER)
    for row in rows if rows is not None else PRICE_ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """Copy a zip, passing each part through ``change`` (None drops the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
    return out.getvalue()


def valid_xlsx() -> bytes:
    return _workbook()


def xlsx_huge_dimension() -> bytes:
    """5 KB whose sheet claims A1:XFD20001 (327 million cells): openpyxl took 38 s and 4.9 GB."""

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD20001"', content)
        return content

    return _rezip(_workbook(), change)


def xlsx_broken_xml() -> bytes:
    def change(name: str, content: bytes) -> bytes:
        return content.replace(b"</sheetData>", b"</sheetDta>") if name == "xl/worksheets/sheet1.xml" else content

    return _rezip(_workbook(), change)


def xlsx_missing_sheet_part() -> bytes:
    return _rezip(_workbook(), lambda name, content: None if name == "xl/worksheets/sheet1.xml" else content)


def xlsx_chartsheet_named_prices() -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    data = book.active
    assert data is not None
    data.title = "data"
    for row in [PRICE_HEADER, *PRICE_ROWS]:
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=5, min_row=1, max_row=3), titles_from_data=True)
    book.create_chartsheet("prices").add_chart(chart)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_entity_expansion() -> bytes:
    """A billion-laughs DTD in the sheet: defusedxml must refuse it."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return laughs + content.split(b"?>", 1)[-1].replace(b"<v>127.41</v>", b"<v>&lol2;</v>")
        return content

    return _rezip(_workbook(), change)


def _raw_deflate(head: bytes, body: bytes, repeats: int, tail: bytes) -> bytes:
    """``head + body * repeats + tail`` deflated without ever building it.

    Each piece is compressed by a fresh compressor and ends with a full flush (byte-aligned, no
    reference to earlier data), so the compressed body can simply be repeated."""

    def piece(data: bytes, final: bool) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    return piece(head, False) + piece(body, False) * repeats + piece(tail, True)


def _replace_part_deflated(data: bytes, part: str, deflated: bytes, declared_size: int) -> bytes:
    """Rebuild the zip with ``part`` holding ``deflated`` as its compressed data and
    ``declared_size`` as its uncompressed size (CRC left 0: it is never reached)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == part:
                stored = zipfile.ZipInfo(part, date_time=info.date_time)
                stored.compress_type = zipfile.ZIP_STORED
                target.writestr(stored, deflated)
            else:
                target.writestr(info.filename, source.read(info))
    raw = bytearray(out.getvalue())
    name = part.encode()
    # Local header: method at +8, crc +14, sizes +18/+22; central directory: method +10, crc +16, sizes +20/+24.
    for signature, method_at, crc_at, usize_at, name_len_at, name_at in (
        (b"PK\x03\x04", 8, 14, 22, 26, 30),
        (b"PK\x01\x02", 10, 16, 24, 28, 46),
    ):
        start = 0
        while (start := raw.find(signature, start)) >= 0:
            (name_len,) = struct.unpack_from("<H", raw, start + name_len_at)
            if bytes(raw[start + name_at : start + name_at + name_len]) == name:
                struct.pack_into("<H", raw, start + method_at, zipfile.ZIP_DEFLATED)
                struct.pack_into("<I", raw, start + crc_at, 0)
                struct.pack_into("<I", raw, start + usize_at, declared_size)
            start += 4
    return bytes(raw)


_SST_HEAD = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
_SST_BODY = b"<si><t>" + b"A" * 100 + b"</t></si>"


def _bomb_base() -> bytes:
    """A workbook whose sheet uses shared string 0, so the reader needs xl/sharedStrings.xml."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "prices"
    sheet.append(PRICE_HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in content:
            return content.replace(
                b"</Relationships>",
                b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'sharedStrings" Target="sharedStrings.xml" Id="rIdS" /></Relationships>',
            )
        return content

    return _with_sst(data, change)


def _with_sst(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    patched = _rezip(data, change)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(patched)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        if "xl/sharedStrings.xml" not in source.namelist():
            target.writestr("xl/sharedStrings.xml", _SST_HEAD + b"</sst>")
    return out.getvalue()


def xlsx_zip_bomb(compressed_mb: float = 2.0) -> bytes:
    """About 2 MB of shared strings that inflate about 1,000 times (2 GB), declared honestly:
    main took the server from 72 MB to 4.45 GB."""
    chunk = _SST_BODY * (1024 * 1024 // len(_SST_BODY))  # 1 MB of text
    one = len(_raw_deflate(b"", chunk, 1, b"")) or 1
    repeats = max(1, int(compressed_mb * 1024 * 1024 / one))
    deflated = _raw_deflate(_SST_HEAD, chunk, repeats, b"</sst>")
    declared = len(_SST_HEAD) + len(chunk) * repeats + len(b"</sst>")
    return _replace_part_deflated(_bomb_base(), "xl/sharedStrings.xml", deflated, min(declared, 0xFFFFFFFE))


def xlsx_lying_zip_bomb() -> bytes:
    """The same inflating text, but the zip directory claims 40 MB (under the part cap, ratio 20:1):
    only the streaming caps (shared-string characters, bytes read) can stop it."""
    chunk = _SST_BODY * (1024 * 1024 // len(_SST_BODY))
    deflated = _raw_deflate(_SST_HEAD, chunk, 400, b"</sst>")  # 400 MB of text in about 0.4 MB
    declared = 40 * 1024 * 1024
    return _replace_part_deflated(_bomb_base(), "xl/sharedStrings.xml", deflated, declared)


def nested_toml(depth: int = 5000) -> bytes:
    """A price-table sidecar nested ``depth`` deep: tomllib raised RecursionError."""
    return ('label = "deep"\nx = ' + "[" * depth + "]" * depth + "\n").encode()


def nested_toml_tables(depth: int = 5000) -> bytes:
    return ("label = 'deep'\nx = " + "{a = " * depth + "1" + "}" * depth + "\n").encode()


def nested_json(depth: int = 5000) -> bytes:
    return ('{"schema_version": 1, "label": ' + "[" * depth + "]" * depth + "}").encode()


def nested_share_token(depth: int = 20_000) -> str:
    """A share-link token (version 1) whose changes nest ``depth`` objects deep: 281 characters."""
    import base64

    from calculator.share import VERSION

    payload = '{"p":"x","c":' + '{"a":' * depth + "1" + "}" * depth + "}"
    packed = base64.urlsafe_b64encode(zlib.compress(payload.encode(), 9)).decode("ascii").rstrip("=")
    return f"{VERSION}.{packed}"


def price_csv(price: str = "127.41", *, schedule: str = "cash", comment: str = "") -> bytes:
    lines = [comment] if comment else []
    lines.append(f"code,description,category,unit,{_csv_cell(schedule)},source,as_of")
    lines.append(f"97161,PT evaluation,therapy,per evaluation,{price},test,2025")
    lines.append("99213,Office visit,visit,per visit,120,test,2025")
    return ("\n".join(lines) + "\n").encode()


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def scenario(
    *,
    price: float = 127.41,
    label: str = "Hostile",
    override: float | None = None,
    pathway_label: str = "PT",
    weeks: float | None = None,
    draws: int | None = None,
) -> bytes:
    """A small valid scenario with one inline price table; the knobs make it hostile."""
    document: dict[str, object] = {
        "schema_version": 1,
        "label": label,
        "prices": {
            "label": label,
            "currency": "USD",
            "rows": [
                {"code": "97161", "category": "therapy", "prices": {"cash": price}},
                {"code": "99213", "category": "visit", "prices": {"cash": 120.0}},
            ],
        },
        "schedule": "cash",
        "pathways": {
            "pathways": {
                "pt": {
                    "label": pathway_label,
                    "visits": [
                        {"name": "Evaluation", "kind": "therapy", "count": 1, "items": [{"code": "97161"}]},
                        {"name": "Visit", "kind": "office", "count": 6, "items": [{"code": "99213"}]},
                    ],
                    "response_probability": 0.6,
                }
            }
        },
        "compare": ["pt"],
        "insurance": None,
    }
    if override is not None:
        document["price_overrides"] = {"99213": override}  # 6 visits: 6e308 overflows
    if weeks is not None:  # main: the cumulative chart looped once per week (over a minute at 1e6)
        document["pathways"]["pathways"]["pt"]["weeks"] = weeks  # type: ignore[index]
    if draws is not None:  # main: accepted by the loader, then a MemoryError or a widget's traceback
        document["psa"] = {"draws": draws, "seed": 1}
    return json.dumps(document).encode()


# name → (file name, builder)
HOSTILE_FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "xlsx-huge-dimension": ("prices.xlsx", xlsx_huge_dimension),
    "xlsx-zip-bomb": ("prices.xlsx", xlsx_zip_bomb),
    "xlsx-lying-zip-bomb": ("prices.xlsx", xlsx_lying_zip_bomb),
    "xlsx-broken-xml": ("prices.xlsx", xlsx_broken_xml),
    "xlsx-missing-sheet-part": ("prices.xlsx", xlsx_missing_sheet_part),
    "xlsx-chartsheet-prices": ("prices.xlsx", xlsx_chartsheet_named_prices),
    "xlsx-entity-expansion": ("prices.xlsx", xlsx_entity_expansion),
    "toml-nested-arrays": ("prices.toml", nested_toml),
    "toml-nested-tables": ("prices.toml", nested_toml_tables),
    "json-nested": ("scenario.json", nested_json),
    "csv-price-1e308": ("prices.csv", lambda: price_csv("1e308")),
    "scenario-price-1e308": ("scenario.json", lambda: scenario(price=1e308)),
    "scenario-million-weeks": ("scenario.json", lambda: scenario(weeks=1_000_000)),
    "scenario-long-label": ("scenario.json", lambda: scenario(pathway_label="x" * 20_000)),
    "csv-long-description": ("prices.csv", lambda: price_csv().replace(b"PT evaluation", b"y" * 20_000)),
    "scenario-ten-million-draws": ("scenario.json", lambda: scenario(draws=10_000_000)),
}


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "hostile-files")
    out.mkdir(parents=True, exist_ok=True)
    for name, (file_name, build) in HOSTILE_FILES.items():
        path = out / f"{name}{Path(file_name).suffix}"
        path.write_bytes(build())
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
