"""Reading files: existence and size limits before reading, UTF-8 decoding, and JSON/TOML parsing
that refuses duplicate keys and absurd nesting (SPEC §3: nothing half-loaded, one clear sentence).
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..limits import MAX_DEPTH, MAX_FILE_BYTES
from ..nesting import check_nesting

__all__ = ["DATA_DIR", "decode_text", "load_document", "parse_document", "read_file_bytes", "shipped_names"]

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


def too_big(source: str, size: int) -> InputError:
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
        raise too_big(path.name, size)
    return path.read_bytes()


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is allowed), or an InputError naming the first bad byte."""
    if len(data) > MAX_FILE_BYTES:
        raise too_big(source, len(data))
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


def _check_depth(document: Any, source: str) -> None:
    """Refuse documents nested deeper than any real file (checked without recursion)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_DEPTH:
                    raise InputError(
                        source, "", f"objects and lists nested at most {MAX_DEPTH} deep", found_text="deeper nesting"
                    )
                stack.append((child, depth + 1))


def parse_document(text: str, source: str, fmt: str) -> Any:
    """Parse JSON (duplicate keys refused) or TOML text; syntax errors name the line.

    The nesting is checked on the text first, in linear time: the parsers recurse per level and a
    few thousand levels end in a RecursionError, not a message.
    """
    check_nesting(text, source, fmt)
    if fmt == "toml":
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(source, "", "valid TOML", found_text=f"a syntax error ({exc})") from None
        _check_depth(document, source)
        return document

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(source, key, "each field once", found_text="it twice")
            result[key] = value
        return result

    try:
        document = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            source,
            f"line {exc.lineno} column {exc.colno}",
            "valid JSON",
            found_text=f"a syntax error ({exc.msg})",
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of thousands of digits
        raise InputError(source, "", "valid JSON with ordinary numbers", found_text=f"{exc}"[:80]) from None
    _check_depth(document, source)
    return document


def load_document(path: Path) -> Any:
    """A ``.json`` or ``.toml`` file, read and parsed."""
    fmt = "toml" if path.suffix.lower() == ".toml" else "json"
    if path.suffix.lower() not in (".json", ".toml"):
        raise InputError(path.name, "", "a .json or .toml file", found_text=repr(path.suffix or "no extension"))
    return parse_document(decode_text(read_file_bytes(path), path.name), path.name, fmt)


def shipped_names(kind: str) -> list[str]:
    """Names of the shipped tables (``prices``), pathway sets (``pathways``) or scenarios."""
    pattern = {"prices": "*.csv", "pathways": "*.json", "scenarios": "*.json"}[kind]
    return sorted(p.stem for p in (DATA_DIR / kind).glob(pattern))
