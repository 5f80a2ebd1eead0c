"""Shared UI helpers: cached loaders and engine calls, the scenario built from the inputs,
money display, chart output with its table and CSV.

State that must survive moving between pages lives in plain (non-widget) session-state keys
set up once by :func:`init_state` (called from ``app.py``). A widget is bound to one of them
with :func:`bind`: the widget gets a page-prefixed key that is (re)filled from the shared
value whenever Streamlit has dropped it (a page switch deletes widget keys), and the page
writes the widget's value back. Pure helpers (``inputs_from_scenario``, ``apply_inputs``,
``md``) take no Streamlit state, so the tests can call them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from calculator import uncertainty
from calculator.budget import budget_impact
from calculator.costing import Comparison, compare, parameters
from calculator.errors import CostModelError
from calculator.exports import to_csv
from calculator.formatting import format_money, format_percent
from calculator.io import DATA_DIR, load_scenario, shipped_names
from calculator.models import VISIT_KINDS, BudgetInputs, Param, Scenario

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


def base_scenario() -> Scenario:
    """The preset chosen by the user, as shipped."""
    return load_preset(st.session_state["preset"], data_version())


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
        copays = tuple(
            (kind, _set(old_copays.get(kind), inputs[f"copay_{kind}"]))
            for kind in VISIT_KINDS
            if inputs.get(f"copay_{kind}") is not None
        )
        oop_max = None if inputs["no_oop_max"] else _set(plan.oop_max, inputs["oop_max"])
        plan = replace(
            plan,
            deductible=_set(plan.deductible, inputs["deductible"]),
            deductible_met=_set(plan.deductible_met, inputs["deductible_met"]),
            coinsurance=_set(plan.coinsurance, round(inputs["coinsurance_pct"] / 100, 8)),
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


# --------------------------------------------------------------------------------------------
# Session state


def init_state() -> None:
    """Set up the shared (non-widget) state once per session; called by ``app.py``."""
    st.session_state.setdefault("preset", DEFAULT_PRESET)
    if st.session_state["preset"] not in shipped_names("scenarios"):
        st.session_state["preset"] = DEFAULT_PRESET
    defaults = inputs_from_scenario(base_scenario())
    for field, value in defaults.items():
        st.session_state.setdefault(field, value)
    st.session_state.setdefault("options", list(base_scenario().compare))
    st.session_state.setdefault("price_overrides", {})
    st.session_state.setdefault("presentation", False)
    st.session_state.setdefault("clinic_name", "")


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
    """Make ``name`` the preset and reset the plan and travel inputs to its values.

    Safe in a widget callback (it runs before any widget is created)."""
    st.session_state["preset"] = name
    for field, value in inputs_from_scenario(load_preset(name, data_version())).items():
        st.session_state[field] = value
        for prefix in PAGE_PREFIXES:
            st.session_state.pop(f"{prefix}_{field}", None)


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


def current_inputs() -> dict[str, Any]:
    return {field: st.session_state[field] for field in PRESET_FIELDS}


def current_scenario() -> Scenario:
    """The scenario everyone sees: the chosen preset with the user's inputs."""
    return apply_inputs(
        base_scenario(),
        current_inputs(),
        options=st.session_state["options"],
        price_overrides=st.session_state["price_overrides"],
    )


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
            file_name=file_name,
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
