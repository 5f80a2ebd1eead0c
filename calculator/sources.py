"""The shipped bibliography (``data/sources.csv``, SPEC §7) and the ids that rows cite from it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["SOURCES_PATH", "Source", "cited_ids", "load_sources"]

SOURCES_PATH = Path(__file__).resolve().parent.parent / "data" / "sources.csv"
_COLUMNS = ("id", "citation", "year", "link_or_identifier", "supports")
_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    year: str
    link_or_identifier: str
    supports: str


def load_sources(path: str | Path = SOURCES_PATH) -> dict[str, Source]:
    """Every entry of the bibliography by id.

    Parameters
    ----------
    path : str or Path
        A CSV with the columns id, citation, year, link_or_identifier, supports.

    Returns
    -------
    dict of str to Source
        In file order.

    Examples
    --------
    >>> load_sources()["cms-pfs-rvu-2025"].year
    '2025'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), "", "a readable bibliography file", found_text=exc.strerror or "an error") from None
    if len(data) > _MAX_BYTES:
        raise InputError(path.name, "", "a bibliography of at most 2 MB", found_text=f"{len(data):,} bytes")
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), strict=True))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(path.name, "", "a UTF-8 CSV file", found_text=type(exc).__name__) from None
    if not rows or tuple(c.strip().lower() for c in rows[0]) != _COLUMNS:
        raise InputError(path.name, "row 1", f"the columns {', '.join(_COLUMNS)}", rows[0] if rows else None)
    out: dict[str, Source] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_COLUMNS):
            raise InputError(path.name, f"row {number}", f"{len(_COLUMNS)} cells", found_text=str(len(row)))
        source = Source(*(cell.strip() for cell in row))
        if not _ID.fullmatch(source.id):
            raise InputError(
                path.name, f"row {number}, column 'id'", "a lower-case id such as cms-pfs-rvu-2025", source.id
            )
        if source.id in out:
            raise InputError(path.name, f"row {number}, column 'id'", "an id not already used", source.id)
        if not source.citation:
            raise InputError(path.name, f"row {number}, column 'citation'", "a citation", "")
        out[source.id] = source
    return out


def cited_ids(text: str) -> list[str]:
    """The ids a ``source`` field cites: ``"cms-pfs-rvu-2025; hcci-2017"`` → both ids.

    A trailing ``(as_of)`` that price parameters carry (``"... (2025)"``) is not part of an id.
    """
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text.strip())
    return [part.strip() for part in text.split(";") if part.strip()]
