"""CSV output that is safe to open in a spreadsheet.

A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is run as a
formula by Excel and LibreOffice; such cells get a leading apostrophe (OWASP's advice). Numbers
are written as numbers, so negative amounts are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .inert import inert_cell, inert_csv

__all__ = ["neutralise", "to_csv"]


def neutralise(cell: object) -> object:
    """Make one cell safe for spreadsheets (:func:`calculator.inert.inert_cell`).

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise(-5.0)
    -5.0
    """
    return inert_cell(cell)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with every header and cell inert (:func:`calculator.inert.inert_csv`)."""
    return inert_csv(header, rows)
