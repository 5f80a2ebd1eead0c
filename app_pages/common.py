"""Shared UI helpers: the session's scenario state, cached loaders and engine calls, uploads,
share links, the handout, money display, chart output with its table and CSV.

State that must survive moving between pages lives in plain (non-widget) session-state keys
set up once by :func:`init_state` (called from ``app.py``). A widget is bound to one of them
with :func:`bind`: the widget gets a page-prefixed key that is (re)filled from the shared
value whenever Streamlit has dropped it (a page switch deletes widget keys), and the page
writes the widget's value back. Pure helpers (``inputs_from_scenario``, ``apply_inputs``,
``compose``, ``state_for``, ``price_table_changes``, ``md``) take no Streamlit state, so the
tests can call them directly.

The scenario everyone sees is built from these keys (:func:`current_scenario`):

- ``preset``: the shipped scenario the user started from; ``loaded``: a scenario from an
  uploaded file or a share link that could not be expressed as a preset plus edits (it then
  replaces the preset as the starting point), or None;
- ``price_table`` and ``pathways``: the user's own price table and treatments (None: the
  starting point's), changed only through :func:`use_price_table` / :func:`use_pathways`,
  which validate the whole scenario first, so an invalid edit never replaces good data;
- the plan and travel fields, ``options`` (compared options) and ``price_overrides``.

``data_rev`` is part of every data editor's key and goes up whenever the data is replaced
(upload, reset, new preset), so an editor never applies old positional edits to new rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from calculator import charts, report, uncertainty
from calculator.budget import budget_impact
from calculator.costing import Comparison, compare, parameters
from calculator.edit import validated, with_on_failure
from calculator.errors import CostModelError, InputError
from calculator.exports import to_csv
from calculator.formatting import format_money, format_percent
from calculator.io import (
    DATA_DIR,
    load_scenario,
    price_metadata_from_bytes,
    price_table_from_bytes,
    scenario_from_bytes,
    shipped_names,
)
from calculator.models import VISIT_KINDS, BudgetInputs, Param, PathwaySet, PriceTable, Scenario
from calculator.review import Review, review_changes
from calculator.serialize import input_hash, price_table_rows, scenario_to_json
from calculator.share import changes_from, encode_link, scenario_from_link

DEFAULT_PRESET = "commercial-ppo"
ENTERED = "Entered in the app"
DISCLAIMER = (
    "These are estimates, not quotes and not medical advice. Real prices depend on your clinic, "
    "your plan and your region; ask your clinic and your plan before you decide. Which treatment "
    "suits you is a decision to make with a clinician."
)

# Shared inputs that a preset sets (the plan and the patient's time and travel).
PLAN_FIELDS = ("deductible", "deductible_met", "coinsurance_pct", "oop_max", "no_oop_max", "oop_met")
COPAY_FIELDS = tuple(f"copay_{kind}" for kind in VISIT_KINDS)
TRAVEL_FIELDS = ("miles_per_visit", "travel_hours_per_visit", "hourly_value", "daily_wage")
PRESET_FIELDS = PLAN_FIELDS + COPAY_FIELDS + TRAVEL_FIELDS
# Pages that bind widgets to shared fields (their widget keys are cleared when a preset loads).
PAGE_PREFIXES = ("my_costs", "compare", "assumptions", "price_tables")
# Uploads: the same limit as ``server.maxUploadSize`` in .streamlit/config.toml, checked again here.
MAX_UPLOAD_MB = 5
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
LINK_PARAM = "s"  # the share link's query parameter
# The session-state keys that make up the scenario (see ``compose``).
STATE_KEYS = ("preset", "loaded", "price_table", "pathways", "options", "price_overrides", *PRESET_FIELDS)


# --------------------------------------------------------------------------------------------
# Loading (cached on the files' modification times, so edited data is picked up)


def data_version() -> tuple[tuple[str, int], ...]:
    """The shipped data files with their modification times: part of every loader's cache key."""
    return tuple(
        (str(path.relative_to(DATA_DIR)), path.stat().st_mtime_ns)
        for path in sorted(DATA_DIR.rglob("*"))
        if path.is_file()
    )


@st.cache_data(max_entries=16, show_spinner=False)
def load_preset(name: str, version: tuple[tuple[str, int], ...]) -> Scenario:
    """One shipped scenario (``version`` only keys the cache)."""
    return load_scenario(DATA_DIR / "scenarios" / f"{name}.json")


def preset_names() -> list[str]:
    """Shipped scenarios, the default first."""
    names = shipped_names("scenarios")
    return sorted(names, key=lambda n: (n != DEFAULT_PRESET, n))


def preset_label(name: str) -> str:
    try:
        return load_preset(name, data_version()).label or name
    except CostModelError:
        return name


def preset_scenario(name: str | None = None) -> Scenario:
    """A shipped preset as shipped (default: the one the user chose)."""
    return load_preset(name or st.session_state["preset"], data_version())


def all_presets() -> dict[str, Scenario]:
    """Every shipped preset by name (share links are written relative to one of them)."""
    version = data_version()
    return {name: load_preset(name, version) for name in preset_names()}


def start_scenario() -> Scenario:
    """Where the user started: a loaded scenario, else the chosen preset (no edits)."""
    return st.session_state["loaded"] or preset_scenario()


def base_scenario() -> Scenario:
    """The starting point with the user's own price table and treatments, before the plan and
    travel inputs (pages use it for the pathway set and the plan's shape)."""
    return with_data(start_scenario(), st.session_state["price_table"], st.session_state["pathways"])


# --------------------------------------------------------------------------------------------
# Inputs ⇄ scenario (pure)


def inputs_from_scenario(scenario: Scenario) -> dict[str, Any]:
    """The editable inputs as a preset sets them (plan, copays, time and travel)."""
    plan = scenario.insurance
    ind = scenario.indirect
    inputs: dict[str, Any] = {
        "deductible": 0.0,
        "deductible_met": 0.0,
        "coinsurance_pct": 0.0,
        "oop_max": 0.0,
        "no_oop_max": True,
        "oop_met": 0.0,
        **dict.fromkeys(COPAY_FIELDS),
        "miles_per_visit": float(ind.miles_per_visit.value),
        "travel_hours_per_visit": float(ind.travel_hours_per_visit.value),
        "hourly_value": float(ind.hourly_value.value),
        "daily_wage": float(ind.daily_wage.value),
    }
    if plan is not None:
        inputs.update(
            deductible=float(plan.deductible.value),
            deductible_met=float(plan.deductible_met.value),
            coinsurance_pct=round(float(plan.coinsurance.value) * 100, 6),
            oop_max=float(plan.oop_max.value) if plan.oop_max is not None else 0.0,
            no_oop_max=plan.oop_max is None,
            oop_met=float(plan.oop_met.value),
        )
        for kind, copay in plan.copays:
            inputs[f"copay_{kind}"] = float(copay.value)
    return inputs


def _set(param: Param | None, value: float) -> Param:
    """Keep a number's source and range when the value is unchanged; else mark it as entered."""
    if param is not None and param.value == value:
        return param
    return Param(float(value), source=ENTERED)


def _override(value: float, spread: float) -> Param:
    if spread > 0 and value > 0:
        return Param(float(value), "gamma", value * (1 - spread), value * (1 + spread), ENTERED)
    return Param(float(value), source=ENTERED)


def apply_inputs(
    base: Scenario,
    inputs: Mapping[str, Any],
    *,
    options: Sequence[str] = (),
    price_overrides: Mapping[str, float] | None = None,
) -> Scenario:
    """The preset ``base`` with the user's inputs: a new frozen scenario (``base`` is unchanged).

    ``options`` replaces the compared options (ids not in the pathway set are ignored; empty
    keeps the preset's). ``price_overrides`` adds or replaces price overrides (code → price);
    an entered price gets the scenario's ``price_spread`` as its uncertainty, like every price.
    """
    plan = base.insurance
    if plan is not None:
        old_copays = dict(plan.copays)
        # The plan's own order first, so unchanged inputs give back an equal scenario.
        kinds = [*old_copays, *(k for k in VISIT_KINDS if k not in old_copays)]
        copays = tuple(
            (kind, _set(old_copays.get(kind), inputs[f"copay_{kind}"]))
            for kind in kinds
            if inputs.get(f"copay_{kind}") is not None
        )
        oop_max = None if inputs["no_oop_max"] else _set(plan.oop_max, inputs["oop_max"])
        coinsurance = plan.coinsurance
        if inputs["coinsurance_pct"] != round(coinsurance.value * 100, 6):  # the input is a rounded percentage
            coinsurance = _set(None, round(inputs["coinsurance_pct"] / 100, 8))
        plan = replace(
            plan,
            deductible=_set(plan.deductible, inputs["deductible"]),
            deductible_met=_set(plan.deductible_met, inputs["deductible_met"]),
            coinsurance=coinsurance,
            oop_max=oop_max,
            oop_met=_set(plan.oop_met, inputs["oop_met"]),
            copays=copays,
        )
    ind = base.indirect
    indirect = replace(
        ind,
        miles_per_visit=_set(ind.miles_per_visit, inputs["miles_per_visit"]),
        travel_hours_per_visit=_set(ind.travel_hours_per_visit, inputs["travel_hours_per_visit"]),
        hourly_value=_set(ind.hourly_value, inputs["hourly_value"]),
        daily_wage=_set(ind.daily_wage, inputs["daily_wage"]),
    )
    overrides = dict(base.price_overrides)
    for code, value in (price_overrides or {}).items():
        if code in base.prices:
            overrides[code] = _override(value, base.price_spread)
    chosen = tuple(o for o in dict.fromkeys(options) if o in base.pathways)
    return replace(
        base,
        insurance=plan,
        indirect=indirect,
        price_overrides=tuple(overrides.items()),
        compare=chosen or base.compare,
    )


def with_data(start: Scenario, price_table: PriceTable | None, pathways: PathwaySet | None) -> Scenario:
    """``start`` with the user's own price table and treatments (None keeps its own)."""
    if price_table is not None:
        start = replace(start, prices=price_table)
    if pathways is not None:
        start = replace(start, pathways=pathways)
    return start


def compose(state: Mapping[str, Any], preset: Scenario) -> Scenario:
    """The scenario a session state describes (pure): its start (``loaded``, else ``preset``)
    with its own table and treatments, plan and travel inputs, options and prices."""
    start = state["loaded"] or preset
    return apply_inputs(
        with_data(start, state["price_table"], state["pathways"]),
        {field: state[field] for field in PRESET_FIELDS},
        options=state["options"],
        price_overrides=state["price_overrides"],
    )


def state_for(scenario: Scenario, presets: Mapping[str, Scenario], preferred: str) -> dict[str, Any]:
    """The session state that gives back exactly ``scenario`` (pure).

    Preferably a shipped preset (``preferred`` first) plus the user's own table, treatments,
    inputs and prices, so that resets and the reviewer diff work as for edits made in the app;
    otherwise ``scenario`` itself becomes the starting point (``loaded``).
    """
    inputs = inputs_from_scenario(scenario)
    names = [preferred, *(n for n in presets if n != preferred)] if preferred in presets else list(presets)
    for name in names:
        preset = presets[name]
        state = {
            "preset": name,
            "loaded": None,
            "price_table": None if scenario.prices == preset.prices else scenario.prices,
            "pathways": None if scenario.pathways == preset.pathways else scenario.pathways,
            "options": list(scenario.compare),
            "price_overrides": {code: param.value for code, param in scenario.price_overrides},
            **inputs,
        }
        if compose(state, preset) == replace(scenario, name=preset.name):
            return state
    return {
        "preset": preferred if preferred in presets else DEFAULT_PRESET,
        "loaded": scenario,
        "price_table": None,
        "pathways": None,
        "options": list(scenario.compare),
        "price_overrides": {},
        **inputs,
    }


# --------------------------------------------------------------------------------------------
# Session state


def init_state() -> None:
    """Set up the shared (non-widget) state once per session; called by ``app.py``.

    On the session's first run a share link in the address (``?s=``) is restored; a damaged
    one leaves a warning and the preset."""
    st.session_state.setdefault("preset", DEFAULT_PRESET)
    if st.session_state["preset"] not in shipped_names("scenarios"):
        st.session_state["preset"] = DEFAULT_PRESET
    st.session_state.setdefault("loaded", None)
    st.session_state.setdefault("loaded_from", "")
    st.session_state.setdefault("price_table", None)
    st.session_state.setdefault("pathways", None)
    st.session_state.setdefault("data_rev", 0)
    st.session_state.setdefault("notices", [])
    defaults = inputs_from_scenario(base_scenario())
    for field, value in defaults.items():
        st.session_state.setdefault(field, value)
    st.session_state.setdefault("options", list(base_scenario().compare))
    st.session_state.setdefault("price_overrides", {})
    st.session_state.setdefault("presentation", False)
    st.session_state.setdefault("clinic_name", "")
    if not st.session_state.get("link_read"):
        st.session_state["link_read"] = True
        token = st.query_params.get(LINK_PARAM)
        if token:
            restore_link(token)


def notice(kind: str, text: str) -> None:
    """A message for the top of the next page shown (kinds: warning, info, success)."""
    st.session_state["notices"] = [*st.session_state["notices"], (kind, text)]


def show_notices() -> None:
    """Show, once, the messages left by callbacks and link restores."""
    icons = {"warning": ":material/warning:", "info": ":material/info:", "success": ":material/check_circle:"}
    for kind, text in st.session_state["notices"]:
        getattr(st, kind)(md(text), icon=icons.get(kind))
    st.session_state["notices"] = []


def _forget_widgets() -> None:
    """Drop the widget keys bound to shared fields so they refill from the new values."""
    for prefix in PAGE_PREFIXES:
        for field in (*PRESET_FIELDS, "options", "preset"):
            st.session_state.pop(f"{prefix}_{field}", None)


def set_state(state: Mapping[str, Any], source: str = "") -> None:
    """Replace the scenario state (a loaded file or link); safe in a widget callback."""
    for key, value in state.items():
        st.session_state[key] = value
    st.session_state["loaded_from"] = source if state.get("loaded") is not None else ""
    _forget_widgets()
    st.session_state["data_rev"] += 1


def restore_scenario(scenario: Scenario, source: str) -> None:
    """Make ``scenario`` the current one, exactly (an uploaded file or a share link)."""
    set_state(state_for(scenario, all_presets(), st.session_state["preset"]), source)


def restore_link(token: str) -> None:
    """Restore a share link; anything wrong with it leaves a warning and the preset."""
    presets = all_presets()
    try:
        preset, scenario = scenario_from_link(token, presets)
    except CostModelError as error:
        problem = str(error)
    except Exception:  # an untrusted link must never break the page, whatever is wrong with it
        problem = "share link: expected an intact link, found a damaged one."
    else:
        set_state(state_for(scenario, presets, preset), "a shared link")
        return
    label = preset_label(st.session_state["preset"])
    notice("warning", f"This link could not be opened, so the page shows the {label} preset. {problem}")


def share_token(scenario: Scenario, preset_name: str, preset: Scenario) -> str | None:
    """The share-link token for ``scenario``: None when it is the preset unchanged; raises
    InputError when the changes are too large for a link."""
    patch = changes_from(preset, scenario)
    return encode_link(preset_name, patch) if patch else None


def sync_share_link(scenario: Scenario) -> bool:
    """Keep ``?s=`` in the address up to date (other parameters untouched).

    Returns False when the changes are too large for a link (``s`` is then removed)."""
    current = st.query_params.get(LINK_PARAM)
    try:
        token = share_token(scenario, st.session_state["preset"], preset_scenario())
    except InputError:
        token, fits = None, False
    else:
        fits = True
    if token is None:
        if current is not None:
            del st.query_params[LINK_PARAM]
    elif current != token:
        st.query_params[LINK_PARAM] = token
    return fits


def state_snapshot() -> dict[str, Any]:
    """The session's scenario state as a plain dict (see :func:`compose`)."""
    return {key: st.session_state[key] for key in STATE_KEYS}


def _fits(**changes: Any) -> bool:
    state = {**state_snapshot(), **changes}
    try:
        validated(compose(state, preset_scenario(state["preset"])))
    except CostModelError:
        return False
    return True


def keep_data_that_fits() -> None:
    """After a preset change: keep the user's own table and treatments where they still fit
    (e.g. the table has the preset's price schedule), else drop as little as possible."""
    own = [key for key in ("pathways", "price_table") if st.session_state[key] is not None]
    if not own or _fits():
        return
    trials = [[key] for key in own] if len(own) > 1 else []
    drop = next((keys for keys in trials if _fits(**dict.fromkeys(keys))), own)
    for key in drop:
        st.session_state[key] = None
    names = {"pathways": "your treatment changes", "price_table": "your price table"}
    notice(
        "warning",
        f"{' and '.join(names[k] for k in drop).capitalize()} did not fit the "
        f"{preset_label(st.session_state['preset'])} preset, so its shipped data is used instead.",
    )


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


def load_preset_inputs(name: str) -> None:
    """Make ``name`` the preset (replacing a loaded scenario) and reset the plan and travel
    inputs to its values; the user's own table and treatments stay where they fit.

    Safe in a widget callback (it runs before any widget is created)."""
    st.session_state["preset"] = name
    st.session_state["loaded"] = None
    st.session_state["loaded_from"] = ""
    for field, value in inputs_from_scenario(load_preset(name, data_version())).items():
        st.session_state[field] = value
        for prefix in PAGE_PREFIXES:
            st.session_state.pop(f"{prefix}_{field}", None)
    keep_data_that_fits()
    st.session_state["data_rev"] += 1


def on_preset_change(widget_key: str) -> None:
    load_preset_inputs(st.session_state[widget_key])


def preset_selector(page: str) -> None:
    """The preset choice (coverage): loading one resets the plan and travel inputs."""
    key = f"{page}_preset"
    if key not in st.session_state:
        st.session_state[key] = st.session_state["preset"]
    st.selectbox(
        "Your coverage",
        preset_names(),
        format_func=preset_label,
        key=key,
        on_change=on_preset_change,
        args=(key,),
        help="A starting point: choosing one fills in a typical plan, which you can then change.",
    )


def keep_valid(key: str, options: Sequence[Any]) -> None:
    """Forget a choice widget's value when it is no longer one of its options (e.g. an option
    removed on Compare), so the widget falls back to its first option instead of failing."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def current_scenario() -> Scenario:
    """The scenario everyone sees: the preset (or loaded scenario) with all the user's edits."""
    return compose(st.session_state, preset_scenario())


# --------------------------------------------------------------------------------------------
# Engine calls, cached on the frozen scenario


@st.cache_data(max_entries=64, show_spinner=False)
def run_compare(scenario: Scenario) -> Comparison:
    return compare(scenario)


@st.cache_data(max_entries=16, show_spinner=False)
def run_parameters(scenario: Scenario) -> list:
    return parameters(scenario)


@st.cache_data(max_entries=8, show_spinner="Running the one-way sensitivity analysis…")
def run_one_way(scenario: Scenario) -> uncertainty.OneWay:
    return uncertainty.one_way(scenario)


@st.cache_data(max_entries=4, show_spinner="Drawing the probabilistic analysis…")
def run_psa(scenario: Scenario, draws: int, seed: int | None) -> uncertainty.PsaResult:
    return uncertainty.run_psa(scenario, draws, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def run_break_even(
    scenario: Scenario, parameter_id: str, option_a: str, option_b: str, perspective: str
) -> uncertainty.BreakEven:
    return uncertainty.break_even(scenario, parameter_id, option_a, option_b, perspective)


@st.cache_data(max_entries=16, show_spinner=False)
def run_budget(scenario: Scenario, inputs: BudgetInputs):
    return budget_impact(scenario, inputs)


# --------------------------------------------------------------------------------------------
# Display


_MARKDOWN_SPECIALS = set("\\`*_{}[]<>()#+-.!|~$=:")


def md(text: str) -> str:
    """Escape text so Markdown shows it literally ("$" would otherwise start LaTeX).

    >>> md("$1,200 (a_b)")
    '\\\\$1,200 \\\\(a\\\\_b\\\\)'
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)


def money(amount: float | None, currency: str) -> str:
    return format_money(amount, currency)


def percent(p: float | None) -> str:
    return format_percent(p)


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A frame as spreadsheet-safe CSV bytes (formula cells neutralised)."""
    rows = frame.itertuples(index=False, name=None)
    return to_csv([str(c) for c in frame.columns], rows).encode("utf-8")


def hashed(file_name: str) -> str:
    """``name-<input hash>.ext``: an export names the inputs it came from."""
    try:
        hash_ = input_hash(current_scenario())
    except CostModelError:
        return file_name
    stem, dot, ext = file_name.rpartition(".")
    return f"{stem}-{hash_}.{ext}" if dot else f"{file_name}-{hash_}"


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
    with st.expander("The numbers in this chart"):
        st.dataframe(table if table is not None else data, hide_index=True, key=f"{key}_table")
    if downloads:
        st.download_button(
            "Download the chart data (CSV)",
            frame_csv(data),
            file_name=hashed(file_name),
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
        )


def money_columns(frame: pd.DataFrame, columns: Sequence[str], currency: str) -> pd.DataFrame:
    """A copy of ``frame`` with money columns formatted for display."""
    out = frame.copy()
    for column in columns:
        out[column] = [format_money(float(v), currency) for v in out[column]]
    return out


def disclaimer() -> None:
    st.caption(md(DISCLAIMER))


def scenario_caption(scenario: Scenario) -> str:
    coverage = "self-pay (cash prices)" if scenario.insurance is None else f"{scenario.schedule} prices with your plan"
    return f"Scenario: {scenario.label or scenario.name} · {coverage} · price table: {scenario.prices.label}"


def show_error(error: CostModelError) -> None:
    st.error(str(error), icon=":material/error:")


def format_value(value: float | None, unit: str, currency: str) -> str:
    """A model number for display, by its unit (money, probability, count, ...)."""
    if value is None:
        return "–"
    if unit == "money":
        return format_money(value, currency, cents=abs(value) < 100 and value != int(value))
    if unit == "probability":
        return format_percent(value, 1 if 0 < value < 0.1 else 0)
    return f"{value:,.4g}"


# --------------------------------------------------------------------------------------------
# Prices the user enters


def effective_price(scenario: Scenario, code: str) -> tuple[float, str]:
    """The price the model uses for ``code`` and where it comes from."""
    overrides = dict(scenario.price_overrides)
    if code in overrides:
        return overrides[code].value, "your price"
    plan = scenario.insurance
    schedule = scenario.uncovered_schedule if plan is not None and code in plan.uncovered_codes else scenario.schedule
    return scenario.prices.price(code, schedule), f"{schedule.replace('_', ' ')} price"


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
    code = st.selectbox(
        "Item",
        codes,
        format_func=lambda c: f"{c} · {table.row(c).description}",
        key=code_key,
    )
    current, origin = effective_price(scenario, code)
    price_key = f"{page}_override_price_{code}"
    st.number_input(
        f"Price ({currency})",
        min_value=0.0,
        max_value=1_000_000.0,
        value=float(current),
        step=5.0,
        key=price_key,
        help="Replaces the table's price for this item wherever it is billed (covered or not).",
    )
    st.caption(md(f"Now used: {format_money(current, currency, cents=True)} ({origin})."))
    left, right = st.columns(2)
    left.button("Use this price", key=f"{page}_override_apply", on_click=_apply_override, args=(code_key, price_key))
    if st.session_state["price_overrides"]:
        right.button("Reset all prices", key=f"{page}_override_reset", on_click=_reset_overrides)
        entered = ", ".join(
            f"{c}: {format_money(v, currency, cents=True)}" for c, v in st.session_state["price_overrides"].items()
        )
        st.caption(md(f"Your prices: {entered}"))


# --------------------------------------------------------------------------------------------
# Editing the data: every change is checked like a file before it replaces anything


def show_problems(error: InputError, intro: str) -> None:
    """An error box listing every problem (one line per bad row or field), as plain text."""
    problems = error.problems or [str(error)]
    lines = "\n".join(f"- {md(p)}" for p in problems[:50])
    more = f"\n\n…and {len(problems) - 50} more." if len(problems) > 50 else ""
    st.error(f"{md(intro)}\n\n{lines}{more}", icon=":material/error:")


def use_price_table(table: PriceTable) -> None:
    """Make ``table`` the active price table if the whole scenario stays valid.

    Raises InputError (with every problem) and changes nothing otherwise."""
    validated(compose({**state_snapshot(), "price_table": table}, preset_scenario()))
    st.session_state["price_table"] = None if table == start_scenario().prices else table


def use_pathways(pathways: PathwaySet) -> None:
    """Make ``pathways`` the active treatments if the whole scenario stays valid (else raise)."""
    validated(compose({**state_snapshot(), "pathways": pathways}, preset_scenario()))
    st.session_state["pathways"] = None if pathways == start_scenario().pathways else pathways


def reset_data(key: str) -> None:
    """Back to the starting point's price table (``price_table``) or treatments (``pathways``);
    safe in a callback. Refused, with a notice, when the rest no longer fits (e.g. a price
    entered for a code the shipped table lacks)."""
    if not _fits(**{key: None}):
        notice("warning", "Nothing was reset: the rest of the scenario does not fit the shipped data.")
        return
    st.session_state[key] = None
    st.session_state["data_rev"] += 1


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


def table_frame(table: PriceTable) -> pd.DataFrame:
    """A price table as the editor's frame: the file's columns, one price column per schedule."""
    header, rows = price_table_rows(table)
    frame = pd.DataFrame(rows, columns=header)
    for schedule in table.schedules:
        frame[schedule] = frame[schedule].astype(float)
    return frame


def table_metadata(table: PriceTable) -> dict[str, Any]:
    keys = ("label", "currency", "region", "year", "description", "schedule_notes")
    return {key: getattr(table, key) for key in keys}


def price_table_changes(shipped: PriceTable, table: PriceTable) -> pd.DataFrame:
    """Rows of ``table`` that differ from ``shipped``, by code: added, removed or changed (pure)."""

    def money_(value: float) -> str:
        return format_money(value, table.currency, cents=True)

    both = [s for s in table.schedules if s in shipped.schedules]
    out = []
    for row in table.rows:
        if row.code not in shipped:
            parts = [f"{s}: {money_(p)}" for s, p in zip(table.schedules, row.prices, strict=True)]
            out.append((row.code, "added", row.description, ", ".join(parts)))
            continue
        old = shipped.row(row.code)
        parts = [
            f"{s}: {money_(shipped.price(row.code, s))} → {money_(table.price(row.code, s))}"
            for s in both
            if shipped.price(row.code, s) != table.price(row.code, s)
        ]
        parts += [
            f"{field.replace('_', ' ')} edited"
            for field in ("description", "category", "unit", "source", "as_of", "evidence", "note")
            if getattr(old, field) != getattr(row, field)
        ]
        if parts:
            out.append((row.code, "changed", row.description, "; ".join(parts)))
    out += [(row.code, "removed", row.description, "") for row in shipped.rows if row.code not in table]
    return pd.DataFrame(out, columns=["code", "change", "description", "what changed"])


# --------------------------------------------------------------------------------------------
# Uploads: parsed in memory only, never written to disk or logged


def check_upload_size(size: int, filename: str) -> None:
    """Refuse a file over the upload limit with the loaders' kind of message."""
    if size > MAX_UPLOAD_BYTES:
        shown = math.ceil(size / (1024 * 1024) * 10) / 10
        raise InputError(filename, "", f"a file of at most {MAX_UPLOAD_MB} MB", found_text=f"{shown:.1f} MB")


def price_table_from_upload(data: bytes, filename: str, metadata: tuple[bytes, str] | None = None) -> PriceTable:
    """An uploaded CSV/XLSX price table with its optional TOML metadata, checked (pure)."""
    check_upload_size(len(data), filename)
    meta = None
    if metadata is not None:
        check_upload_size(len(metadata[0]), metadata[1])
        meta = price_metadata_from_bytes(*metadata)
    return price_table_from_bytes(data, filename, meta)


def scenario_from_upload(data: bytes, filename: str) -> Scenario:
    """An uploaded scenario JSON, checked; shipped names and inline data only (pure)."""
    check_upload_size(len(data), filename)
    return scenario_from_bytes(data, filename)


def _uploaded(key: str) -> tuple[bytes, str] | None:
    upload = st.session_state.get(key)
    if upload is None:
        return None
    check_upload_size(upload.size, upload.name)  # before reading it
    return upload.getvalue(), upload.name


def use_uploaded_table(table_key: str, metadata_key: str) -> None:
    """Callback of "Use this table": the upload replaces the table only if all of it is valid."""
    st.session_state["upload_problems"] = None
    try:
        upload = _uploaded(table_key)
        if upload is None:
            return
        table = price_table_from_upload(*upload, metadata=_uploaded(metadata_key))
        use_price_table(table)
    except InputError as error:
        st.session_state["upload_problems"] = error
        return
    st.session_state["data_rev"] += 1
    notice("success", f"Now using the price table {table.label or table.name} ({len(table.rows)} items).")


def load_uploaded_scenario(key: str) -> None:
    """Callback of "Load this scenario": a bad file shows its message and changes nothing."""
    st.session_state["scenario_problems"] = None
    try:
        upload = _uploaded(key)
        if upload is None:
            return
        scenario = scenario_from_upload(*upload)
    except InputError as error:
        st.session_state["scenario_problems"] = error
        return
    restore_scenario(scenario, f"the file {upload[1]}")
    notice("success", f"Loaded the scenario from {upload[1]}.")


def back_to_preset() -> None:
    load_preset_inputs(st.session_state["preset"])


# --------------------------------------------------------------------------------------------
# Reviewer diff


@st.cache_data(max_entries=8, show_spinner=False)
def run_review(reference: Scenario, scenario: Scenario) -> Review:
    return review_changes(reference, scenario)


def signed_money(amount: float, currency: str) -> str:
    """A cost change: "+$120", "−$35", or "no change" below half a unit."""
    if abs(amount) < 0.5:
        return "no change"
    return ("+" if amount > 0 else "") + format_money(amount, currency)


def describe_param(param: Param | None, unit: str, currency: str) -> str:
    if param is None:
        return "–"
    text = format_value(param.value, unit, currency)
    if param.uncertain:
        low, high = format_value(param.low, unit, currency), format_value(param.high, unit, currency)
        text += f" ({low}–{high}, {param.dist})"
    return text


def review_frame(
    review: Review, units: Mapping[str, str], labels: Mapping[str, str], currency: str, perspective: str
) -> pd.DataFrame:
    """The reviewer diff for people: each change, old and new value, and its effect on each
    option's expected cost (``perspective``), then all changes together."""
    rows = []
    for change in review.changes:
        unit = units.get(change.id, "")
        row = {
            "Assumption": change.label,
            "Change": change.kind,
            "Shipped": describe_param(change.old, unit, currency),
            "Now": describe_param(change.new, unit, currency),
        }
        effect = (change.effect or {}).get(perspective, {})
        for option, label in labels.items():
            row[label] = signed_money(effect[option], currency) if option in effect else "–"
        rows.append(row)
    total = review.total_effect.get(perspective, {})
    rows.append(
        {
            "Assumption": "All changes together",
            "Change": "",
            "Shipped": "",
            "Now": "",
            **{label: signed_money(total[o], currency) if o in total else "–" for o, label in labels.items()},
        }
    )
    return pd.DataFrame(rows)


def review_csv(review: Review, hash_: str) -> bytes:
    """Every change with its effect for every perspective and option, and the combined effect."""
    rows = review.to_rows()
    total: dict[str, Any] = {"id": "", "assumption": "All changes together", "change": "", "old": "", "new": ""}
    for perspective, effects in review.total_effect.items():
        for option, delta in effects.items():
            total[f"{perspective}:{option}"] = delta
    rows.append(total)
    for what, old, new in review.settings:
        rows.append({"id": "", "assumption": what, "change": "setting", "old": old, "new": new})
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = [[row.get(c, "") for c in columns] for row in rows]
    return (f"# input hash: {hash_}\n" + to_csv(columns, lines)).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Printable handout


def build_handout(comparison: Comparison, hash_: str, clinic_name: str = "") -> dict[str, Any]:
    """The handout as HTML (with the who-pays chart) and PDF (the chart as an image when
    kaleido can start Chromium, else table-only)."""
    figure = charts.payer_bars(charts.payer_frame(comparison), comparison.scenario.currency)
    html = report.handout_html(comparison, input_hash=hash_, figure=figure, clinic_name=clinic_name)
    # On paper: a white background and fixed margins (the static export clips automatic ones).
    printed = go.Figure(figure).update_layout(template="plotly_white", margin={"l": 95, "r": 20, "t": 60, "b": 130})
    png = report.figure_png(printed)
    pdf = report.handout_pdf(comparison, input_hash=hash_, chart_png=png, clinic_name=clinic_name)
    return {"key": (hash_, clinic_name), "html": html.encode("utf-8"), "pdf": pdf, "chart_in_pdf": png is not None}


def handout_section(page: str, comparison: Comparison) -> None:
    """Prepare the handout on request (kept for these inputs), then offer HTML and PDF."""
    hash_ = input_hash(comparison.scenario)
    clinic = st.session_state["clinic_name"].strip()
    with st.container(border=True):
        st.subheader("Printable handout", anchor=False)
        st.caption(
            "A summary to take home or print: the options side by side, the who-pays chart, the plan and "
            "assumptions used, the sources, the date and the input hash."
        )
        stored = st.session_state.get("handout")
        slot = st.empty()
        if stored is None or stored["key"] != (hash_, clinic):
            if slot.button("Prepare the handout", key=f"{page}_handout_prepare", icon=":material/print:"):
                with st.spinner("Preparing the handout…"):
                    stored = build_handout(comparison, hash_, clinic)
                st.session_state["handout"] = stored
                slot.empty()
            else:
                return
        left, right = st.columns(2)
        left.download_button(
            "Download the handout (HTML)",
            stored["html"],
            file_name=f"treatment-costs-{hash_}.html",
            mime="text/html",
            key=f"{page}_handout_html",
            on_click="ignore",
            icon=":material/download:",
        )
        right.download_button(
            "Download the handout (PDF)",
            stored["pdf"],
            file_name=f"treatment-costs-{hash_}.pdf",
            mime="application/pdf",
            key=f"{page}_handout_pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
        )
        if not stored["chart_in_pdf"]:
            st.caption("The PDF has no chart on this server (no Chromium for images); the HTML has it.")


# --------------------------------------------------------------------------------------------
# Below every page: the input hash, the share link, saving and loading the scenario


def after_page(*, embedded: bool = False) -> None:
    """Called by ``app.py`` after the page: the input hash, the share link and the sidebar's
    save/load (not when embedded, nor in presentation mode, which hide the sidebar)."""
    try:
        scenario = current_scenario()
        hash_ = input_hash(scenario)
    except CostModelError:
        scenario, hash_ = None, ""
    if scenario is not None:
        fits = sync_share_link(scenario)
        text = f"Input hash {hash_} (the same inputs give the same hash on every printout and export)."
        if not embedded:
            text += (
                " The page address is a link to this view."
                if fits
                else " Too many changes for a link: save the scenario as a file (sidebar) to share it."
            )
        st.caption(md(text))
    if not (embedded or st.session_state["presentation"]):
        scenario_sidebar(scenario, hash_)


def scenario_sidebar(scenario: Scenario | None, hash_: str) -> None:
    with st.sidebar:
        st.markdown("##### Save / load scenario")
        if st.session_state["loaded"] is not None:
            st.caption(md(f"Using the scenario from {st.session_state['loaded_from']}."))
            st.button("Start again from a preset", key="sidebar_back_to_preset", on_click=back_to_preset)
        if scenario is not None:
            st.download_button(
                "Save this scenario (JSON)",
                scenario_to_json(scenario),
                file_name=f"scenario-{hash_}.json",
                mime="application/json",
                key="sidebar_save_scenario",
                on_click="ignore",
                icon=":material/download:",
                help="Everything needed to reproduce these numbers; load it here again, or run it with "
                "`python -m calculator compare`.",
            )
        upload = st.file_uploader(
            "Load a scenario (JSON)",
            type=["json"],
            key="sidebar_scenario_file",
            max_upload_size=MAX_UPLOAD_MB,
        )
        st.button(
            "Load this scenario",
            key="sidebar_load_scenario",
            on_click=load_uploaded_scenario,
            args=("sidebar_scenario_file",),
            disabled=upload is None,
        )
        if upload is None:
            st.session_state["scenario_problems"] = None
        problem = st.session_state.get("scenario_problems")
        if problem is not None:
            show_problems(problem, "This file was not loaded; nothing changed:")


# --------------------------------------------------------------------------------------------
# Editing the treatments (Assumptions page)


def every_option(scenario: Scenario) -> Scenario:
    """``scenario`` comparing every pathway, so that ``parameters`` lists all of their numbers."""
    return replace(scenario, compare=scenario.pathways.ids)


def edited_params(
    rows: Sequence[Mapping[str, Any]], active: Mapping[str, Param], original: Mapping[str, Param]
) -> dict[str, Param]:
    """The numbers an editor's rows change (``id``, ``value``, ``low``, ``high``, ``dist``), pure.

    A number set back to its original value gets its original source back; any other new
    value is marked as entered in the app."""

    def number(value: Any) -> float | None:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    changes = {}
    for row in rows:
        old = active[row["id"]]
        dist = row.get("dist") or "fixed"
        dist = dist if isinstance(dist, str) else "fixed"
        value, low, high = number(row.get("value")), number(row.get("low")), number(row.get("high"))
        if dist == "fixed":
            low = high = None
        new = (value, dist, low, high)
        if new == (old.value, old.dist, old.low, old.high):
            continue
        first = original.get(row["id"])
        if first is not None and new == (first.value, first.dist, first.low, first.high):
            changes[row["id"]] = first
        else:
            changes[row["id"]] = Param(math.nan if value is None else value, dist, low, high, ENTERED)
    return changes


def change_on_failure(widget_key: str, pathway_id: str) -> None:
    """Callback of the "next line of care" choice: used if valid, else undone with the message."""
    st.session_state["on_failure_problem"] = None
    scenario = current_scenario()
    try:
        changed = with_on_failure(scenario, pathway_id, st.session_state[widget_key] or None)
        use_pathways(changed.pathways)
    except InputError as error:
        st.session_state["on_failure_problem"] = (pathway_id, error)
        st.session_state[widget_key] = scenario.pathways.get(pathway_id).on_failure or ""
