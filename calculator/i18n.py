"""Languages: English and Spanish, with gettext catalogs managed by Babel (SPEC §6).

One process serves many people at once, so nothing here installs a process-wide ``_``: a page
asks :func:`translator` for the object of its session's language and calls its ``gettext``.
The catalogs are the ``.po`` files under ``locales/<lang>/LC_MESSAGES/messages.po``; they are
compiled in memory the first time a language is used, so a fresh clone needs no build step and
no binary ``.mo`` file is committed.

Money and numbers are formatted by Babel for the language: US Spanish (``es_US``) writes
``$1,234`` like US English, which is what a patient in the US reads on their bills.
"""

from __future__ import annotations

import gettext
import io
import math
from functools import lru_cache
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALES_DIR",
    "N_",
    "catalog_path",
    "choose_language",
    "format_money",
    "format_number",
    "format_share",
    "translator",
]

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# The language's own name, so a Spanish speaker finds "Español" in an English page.
LANGUAGES = {"en": "English", "es": "Español"}
# Babel locales for numbers and money: the app prices US care, so US conventions in both.
_NUMBER_LOCALES = {"en": "en_US", "es": "es_US"}


def N_(message: str) -> str:
    """Mark a constant for extraction into the catalogs; translate it where it is shown."""
    return message


def catalog_path(language: str) -> Path:
    """Where the ``.po`` catalog of ``language`` lives (it may not exist for English)."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def choose_language(requested: str | None = None, browser_locale: str | None = None) -> str:
    """The language to show: an explicit request (``?lang=es``) wins, then the browser's.

    Anything not offered falls back to English; a region (``es-MX``) counts as its language.

    >>> choose_language("es")
    'es'
    >>> choose_language(None, "es-MX")
    'es'
    >>> choose_language("fr", "de-DE")
    'en'
    >>> choose_language("EN", "es")
    'en'
    """
    for candidate in (requested, browser_locale):
        if not candidate:
            continue
        try:
            language = Locale.parse(str(candidate).strip().replace("-", "_")).language
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translator(language: str) -> gettext.NullTranslations:
    """The translation object of ``language`` (English, or an unknown language: identity).

    The object is read-only once built, so one per language is shared by every session.

    >>> translator("en").gettext("My costs")
    'My costs'
    """
    path = catalog_path(language)
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    # Fuzzy entries are guesses a translator has not confirmed: English is shown instead.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _number_locale(language: str) -> str:
    return _NUMBER_LOCALES.get(language, _NUMBER_LOCALES[DEFAULT_LANGUAGE])


def format_money(
    amount: float | None, currency: str = "USD", language: str = DEFAULT_LANGUAGE, *, cents: bool = False
) -> str:
    """Money for people, in the language's conventions; whole units unless ``cents``.

    >>> format_money(1234.6)
    '$1,235'
    >>> format_money(1234.6, language="es")
    '$1,235'
    >>> format_money(-20, "USD", cents=True)
    '-$20.00'
    >>> format_money(float("nan"))
    '–'
    """
    if amount is None or not math.isfinite(amount):
        return "–"
    pattern = "¤#,##0.00" if cents else "¤#,##0"
    return format_currency(
        round(amount, 2 if cents else 0),
        currency,
        format=pattern,
        locale=_number_locale(language),
        currency_digits=False,
    )


def format_number(value: float | None, language: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """A plain number with the language's grouping: ``format_number(12345.6) == '12,346'``.

    >>> format_number(0.5, "es", digits=1)
    '0.5'
    """
    if value is None or not math.isfinite(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_number_locale(language))


def format_share(probability: float | None, language: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """A probability as a percentage: ``format_share(0.456) == '46%'``.

    >>> format_share(0.456, "es")
    '46%'
    """
    if probability is None or not math.isfinite(probability):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(probability, format=pattern, locale=_number_locale(language))
