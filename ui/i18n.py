"""The session's language: chosen once per rerun, never installed process-wide.

Many people share one server process, so there is no global ``_``. A page does::

    from ui.i18n import _, lang

    st.title(_("My costs"))
    st.metric(_("You pay"), money(cost))   # ui.i18n.money formats in the session's language

``_`` looks the session's translator up on every call (cheap: one dict read and a cached
catalog), so it is right even when two sessions in different languages run at once.

The language is, in order: ``?lang=es`` in the address (kept in share links), the switch on the
page (stored in the session), the browser's language (``st.context.locale``), English.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from calculator import i18n
from calculator.text import plain

__all__ = [
    "LANG_KEY",
    "LANG_PARAM",
    "_",
    "choose",
    "lang",
    "language_switch",
    "money",
    "ngettext",
    "number",
    "share",
    "translate_now",
]

LANG_KEY = "lang"  # session-state key of the chosen language
LANG_PARAM = "lang"  # the address's query parameter


def choose() -> str:
    """Settle the session's language for this rerun (call once, early, in ``app.py``)."""
    requested = st.query_params.get(LANG_PARAM)
    if requested:
        language = i18n.choose_language(requested)
    elif st.session_state.get(LANG_KEY) in i18n.LANGUAGES:
        language = st.session_state[LANG_KEY]
    else:
        language = i18n.choose_language(None, st.context.locale)
    st.session_state[LANG_KEY] = language
    return language


def lang() -> str:
    """The session's language code (``"en"`` or ``"es"``)."""
    language = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANGUAGE)
    return language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def _(message: str) -> str:
    """``message`` in the session's language (itself when there is no translation), without
    control or bidi-override characters.

    Every label, description and note from an upload, a scenario or a share link passes through
    here before it is shown, also where no Markdown is involved (widget options, table cells, column
    names), so this is the one place a right-to-left override is removed (``calculator.text.plain``).
    """
    translated = i18n.translator(lang()).gettext(message)
    if translated.isprintable():  # the common case, at C speed: nothing to remove
        return translated
    return plain(translated, limit=max(len(translated), 1))


def translate_now() -> Callable[[str], str]:
    """The session's ``gettext`` as a plain function, bound now: for a widget's ``format_func``,
    which AppTest may call after the run, outside the session (where ``_`` would fall back to
    English and the option would no longer match its label)."""
    return i18n.translator(lang()).gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the session's language."""
    return i18n.translator(lang()).ngettext(singular, plural, n)


def money(amount: float | None, currency: str = "USD", *, cents: bool = False) -> str:
    """Money in the session's language's conventions."""
    return i18n.format_money(amount, currency, lang(), cents=cents)


def number(value: float | None, digits: int = 0) -> str:
    """A number in the session's language's conventions."""
    return i18n.format_number(value, lang(), digits)


def share(probability: float | None, digits: int = 0) -> str:
    """A probability as a percentage in the session's language's conventions."""
    return i18n.format_share(probability, lang(), digits)


def _switched(key: str) -> None:
    chosen = st.session_state.get(key)
    if chosen not in i18n.LANGUAGES:
        return
    st.session_state[LANG_KEY] = chosen
    # The address wins over the stored choice (and is what a share link copies), so it follows.
    st.query_params[LANG_PARAM] = chosen


def language_switch(key: str = "lang_switch") -> None:
    """The visible English / Español switch; the choice goes into the address (``?lang=``).

    Call it once per page run per ``key`` (the sidebar uses the default key; an embedded page,
    which has no sidebar, passes its own)."""
    st.session_state[key] = lang()  # follows ?lang= and the other switch
    st.segmented_control(
        "Language / Idioma",
        list(i18n.LANGUAGES),
        format_func=lambda code: i18n.LANGUAGES[code],
        key=key,
        on_change=_switched,
        args=(key,),
        label_visibility="collapsed",
    )
