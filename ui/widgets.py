"""Widgets and display helpers shared by the pages: inputs bound to the shared state, the
preset choice, money and Markdown-safe text, charts with their table and CSV, error boxes and
the data editors' keys.

A widget is bound to a shared field with :func:`bound`: the widget gets a page-prefixed key
that is (re)filled from the shared value whenever Streamlit has dropped it (a page switch
deletes widget keys), and the widget's callback writes its value back before the next rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from calculator.errors import CostModelError, InputError
from calculator.inputs import effective_price
from calculator.models import Scenario
from calculator.presentation import DISCLAIMER, frame_csv
from calculator.text import literal_markdown
from ui import engine, i18n
from ui.i18n import _, translate_now
from ui.state import load_preset_inputs, now

# Long enough for any label or translated description; the per-field caps of the formats bound input.
_MD_LIMIT = 20_000


def md(text: str) -> str:
    """Text shown literally in a Markdown context: no markup, no LaTeX, no link, no image, no
    autolinked address (:func:`calculator.text.literal_markdown`); control characters removed.

    >>> md("$1,200 (a_b)")
    '\\\\$1\\\\,200 \\\\(a\\\\_b\\\\)'
    """
    return literal_markdown(text, limit=_MD_LIMIT)


def formula(*lines: str) -> None:
    """Equations as lines of plain text in a box. They wrap on a phone, where LaTeX ran past a
    390 px screen into a sideways-scrolling region a keyboard cannot reach, and a screen reader
    reads them as words."""
    with st.container(border=True):
        st.markdown("  \n".join(md(line) for line in lines))


def money(amount: float | None, currency: str, *, cents: bool = False) -> str:
    """Money in the session's language (Babel)."""
    return i18n.money(amount, currency, cents=cents)


def percent(p: float | None) -> str:
    """A probability as a whole percentage in the session's language (Babel)."""
    return i18n.share(p)


def hashed(file_name: str) -> str:
    """``name-<input hash>.ext``: an export names the inputs it came from."""
    hash_ = now().input_hash
    if not hash_:
        return file_name
    stem, dot, ext = file_name.rpartition(".")
    return f"{stem}-{hash_}.{ext}" if dot else f"{file_name}-{hash_}"


def disclaimer() -> None:
    st.caption(md(_(DISCLAIMER)))


def show_error(error: CostModelError) -> None:
    st.error(str(error), icon=":material/error:")


def show_notices() -> None:
    """Show, once, the messages left by callbacks and link restores."""
    icons = {"warning": ":material/warning:", "info": ":material/info:", "success": ":material/check_circle:"}
    for kind, text in st.session_state["notices"]:
        getattr(st, kind)(md(text), icon=icons.get(kind))
    st.session_state["notices"] = []


def _store(key: str, field: str) -> None:
    st.session_state[field] = st.session_state[key]


def bound(page: str, field: str) -> dict[str, Any]:
    """Keyword arguments that bind a widget on ``page`` to a shared field.

    The widget key (``<page>_<field>``) is refilled from the shared value when Streamlit has
    dropped it, and a change is copied back by the widget's callback, which runs before the
    next rerun (so ``app.py`` already sees it). Use as ``st.number_input(..., **bound(...))``.
    """
    key = f"{page}_{field}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state[field]
    return {"key": key, "on_change": _store, "args": (key, field)}


def _on_preset_change(widget_key: str) -> None:
    load_preset_inputs(st.session_state[widget_key])


def preset_selector(page: str) -> None:
    """The preset choice (coverage): loading one resets the plan and travel inputs."""
    presets = now().presets
    key = f"{page}_preset"
    tr = translate_now()  # bound now: AppTest may call format_func after the rerun
    if key not in st.session_state:
        st.session_state[key] = st.session_state["preset"]
    st.selectbox(
        _("Your coverage"),
        list(presets),
        format_func=lambda name: tr(engine.preset_label(presets, name)),
        key=key,
        on_change=_on_preset_change,
        args=(key,),
        help=_("A starting point: choosing one fills in a typical plan, which you can then change."),
    )


def keep_valid(key: str, options: Sequence[Any]) -> None:
    """Forget a choice widget's value when it is no longer one of its options (e.g. an option
    removed on Compare), so the widget falls back to its first option instead of failing."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def show_chart(
    fig: go.Figure,
    data: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    alt: str,
    table: pd.DataFrame | None = None,
    caption: str | None = None,
    downloads: bool = True,
) -> None:
    """A chart with its text alternative (a table of its numbers) and a CSV of its data.

    ``data`` is what the chart draws (raw numbers, for the CSV); ``table`` is the same numbers
    formatted for people (defaults to ``data``)."""
    st.plotly_chart(fig, key=f"{key}_chart", alt=alt, config={"displaylogo": False})
    if caption:
        st.caption(md(caption))
    with st.expander(_("The numbers in this chart")):
        st.dataframe(table if table is not None else data, hide_index=True, key=f"{key}_table")
    if downloads:
        st.download_button(
            _("Download the chart data (CSV)"),
            frame_csv(data),
            file_name=hashed(file_name),
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
        )


def show_problems(error: InputError, intro: str) -> None:
    """An error box listing every problem (one line per bad row or field), as plain text."""
    problems = error.problems or [str(error)]
    lines = "\n".join(f"- {md(p)}" for p in problems[:50])
    more = "\n\n" + _("…and {count} more.").format(count=len(problems) - 50) if len(problems) > 50 else ""
    st.error(f"{md(intro)}\n\n{lines}{more}", icon=":material/error:")


def editor_key(page: str, name: str) -> str:
    """The key of a data editor: it carries ``data_rev`` (STYLE pitfall 9)."""
    return f"{page}_{name}_editor_{st.session_state['data_rev']}"


def editor_source(key: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The editor's input frame, kept unchanged while the editor lives (its edits are relative
    to it, and its output is never fed back as its input); rebuilt by ``build()`` when the
    editor is new (first shown, after a page switch or a data reset), so it starts from the
    active data."""
    sources = st.session_state.get("editor_sources", {})
    if key not in st.session_state or key not in sources:
        sources = {key: build()}  # only one editor is shown at a time
        st.session_state["editor_sources"] = sources
    return sources[key]


def has_edits(key: str) -> bool:
    """Whether the data editor ``key`` holds any edit (AppTest and the browser both set this)."""
    state = st.session_state.get(key) or {}
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def _apply_override(code_key: str, price_key: str) -> None:
    code = st.session_state[code_key]
    overrides = dict(st.session_state["price_overrides"])
    overrides[code] = float(st.session_state[price_key])
    st.session_state["price_overrides"] = overrides


def _reset_overrides() -> None:
    st.session_state["price_overrides"] = {}


def price_override_editor(page: str, scenario: Scenario) -> None:
    """Enter a clinic's own price for any item of the table (kept for the whole session)."""
    table = scenario.prices
    currency = scenario.currency
    used: dict[str, None] = {}
    for option in scenario.compare:
        for pathway in scenario.pathways.chain(option):
            for visit in pathway.visits:
                for item in visit.items:
                    used.setdefault(item.code)
    codes = list(used) + [row.code for row in table.rows if row.code not in used]
    code_key = f"{page}_override_code"
    tr = translate_now()
    code = st.selectbox(
        _("Item"),
        codes,
        format_func=lambda c: f"{c} · {tr(table.row(c).description)}",
        key=code_key,
    )
    current, origin = effective_price(scenario, code)
    price_key = f"{page}_override_price_{code}"
    st.number_input(
        _("Price ({currency})").format(currency=currency),
        min_value=0.0,
        max_value=1_000_000.0,
        value=float(current),
        step=5.0,
        key=price_key,
        help=_("Replaces the table's price for this item wherever it is billed (covered or not)."),
    )
    # ``origin`` is "your price" or "<schedule> price" (calculator.inputs.effective_price).
    schedule = origin.removesuffix(" price").replace(" ", "_")
    where = _("your price") if origin == "your price" else _("{schedule} price").format(schedule=_(schedule))
    st.caption(
        md(_("Now used: {amount} ({origin}).").format(amount=money(current, currency, cents=True), origin=where))
    )
    left, right = st.columns(2)
    left.button(_("Use this price"), key=f"{page}_override_apply", on_click=_apply_override, args=(code_key, price_key))
    if st.session_state["price_overrides"]:
        right.button(_("Reset all prices"), key=f"{page}_override_reset", on_click=_reset_overrides)
        entered = ", ".join(
            f"{c}: {money(v, currency, cents=True)}" for c, v in st.session_state["price_overrides"].items()
        )
        st.caption(md(_("Your prices: {entered}").format(entered=entered)))
