"""Presentation helpers shared by the command line and the app: money and percentages.

Arithmetic stays in float64 (numpy); rounding happens only here, for display.
"""

from __future__ import annotations

import math

__all__ = ["CURRENCY_SYMBOLS", "format_money", "format_percent"]

CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "CAD": "CA$", "AUD": "A$"}


def format_money(amount: float | None, currency: str = "USD", *, cents: bool = False) -> str:
    """Money for people: ``format_money(1234.6, "USD") == "$1,235"``.

    >>> format_money(1234.6)
    '$1,235'
    >>> format_money(-20.0, "GBP", cents=True)
    '−£20.00'
    >>> format_money(12, "CHF")
    '12 CHF'
    """
    if amount is None or not math.isfinite(amount):
        return "–"
    digits = 2 if cents else 0
    text = f"{abs(amount):,.{digits}f}"
    sign = "−" if round(amount, digits) < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def format_percent(probability: float | None, digits: int = 0) -> str:
    """``format_percent(0.456) == "46%"``."""
    if probability is None or not math.isfinite(probability):
        return "–"
    return f"{probability * 100:.{digits}f}%"
