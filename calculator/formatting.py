"""Presentation helpers shared by the command line and the app: money, percentages and model numbers.

Arithmetic stays in float64 (numpy); rounding happens only here, for display.
"""

from __future__ import annotations

import math

__all__ = ["CURRENCY_SYMBOLS", "format_money", "format_percent", "format_value"]

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


def format_value(value: float | None, unit: str, currency: str = "USD") -> str:
    """A model number for people, by its unit: the one rule for the app, the CLI and the reports.

    Money shows cents only for an amount under 100 that is not whole (a $12.50 copay, not
    "$1,200.00"); a probability under 10% keeps one decimal (0.4%, not 0%); any other unit
    (counts, hours, QALYs) shows four significant digits.

    Parameters
    ----------
    value : float or None
        The number (None or not finite shows "–").
    unit : str
        ``"money"``, ``"probability"`` or any other unit name.
    currency : str
        ISO currency code, for money.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(12.5, "money"), format_value(45.0, "money"), format_value(1200.4, "money")
    ('$12.50', '$45', '$1,200')
    >>> format_value(0.042, "probability"), format_value(0.3, "probability"), format_value(8.0, "visits")
    ('4.2%', '30%', '8')
    """
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "money":
        return format_money(value, currency, cents=abs(value) < 100 and value != int(value))
    if unit == "probability":
        return format_percent(value, 1 if 0 < value < 0.1 else 0)
    return f"{value:,.4g}"
