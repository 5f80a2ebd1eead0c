"""Languages: one translator per language (never a process-wide ``_``), Babel number formats."""

from __future__ import annotations

import gettext

from calculator import i18n


def test_english_is_the_identity_and_unknown_languages_fall_back_to_it() -> None:
    assert i18n.translator("en").gettext("My costs") == "My costs"
    assert isinstance(i18n.translator("xx"), gettext.NullTranslations)
    assert i18n.choose_language("xx", None) == "en"


def test_an_explicit_request_beats_the_browser_language() -> None:
    assert i18n.choose_language("en", "es-US") == "en"
    assert i18n.choose_language(None, "es-US") == "es"
    assert i18n.choose_language("es-419", "en-GB") == "es"
    assert i18n.choose_language("", "") == "en"


def test_translating_never_installs_a_process_wide_underscore() -> None:
    import builtins

    i18n.translator("es").gettext("My costs")
    assert not hasattr(builtins, "_")


def test_money_follows_us_conventions_in_both_languages() -> None:
    # 1,234.567 rounds to whole dollars unless cents are asked for.
    assert i18n.format_money(1234.567) == "$1,235"
    assert i18n.format_money(1234.567, language="es") == "$1,235"
    assert i18n.format_money(1234.567, language="es", cents=True) == "$1,234.57"
    assert i18n.format_money(None) == "–"
    assert i18n.format_share(0.125, "es", digits=1) == "12.5%"
    assert i18n.format_number(1_000_000, "es") == "1,000,000"
