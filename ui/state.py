"""The session's scenario state, and the scenario it describes, computed once per rerun.

State that must survive moving between pages lives in plain (non-widget) session-state keys
(:data:`calculator.inputs.STATE_KEYS`, set up once by :func:`init_state`); the pure rules that
turn them into a scenario are in :mod:`calculator.inputs`. ``app.py`` calls :func:`begin_rerun`
once per rerun, before the page: it composes the scenario, its comparison inputs and its hash
and keeps them in a :class:`Rerun`; pages and the footer read it with :func:`now` instead of
composing it again. Callbacks run before ``app.py`` and compose afresh
(:func:`current_scenario`).

``price_table`` and ``pathways`` change only through :func:`use_price_table` and
:func:`use_pathways`, which validate the whole scenario first, so an invalid edit never replaces
good data. ``data_rev`` is part of every data editor's key and goes up whenever the data is
replaced (upload, reset, new preset), so an editor never applies old positional edits to new rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from calculator.edit import validated, with_on_failure
from calculator.errors import CostModelError, InputError
from calculator.inputs import (
    DEFAULT_PRESET,
    PRESET_FIELDS,
    STATE_KEYS,
    compose,
    inputs_from_scenario,
    state_for,
    with_data,
)
from calculator.models import PathwaySet, PriceTable, Scenario
from calculator.regions import at_region
from calculator.serialize import input_hash
from ui import engine
from ui.i18n import _

# Pages that bind widgets to shared fields (their widget keys are cleared when a preset loads).
PAGE_PREFIXES = ("my_costs", "compare", "assumptions", "price_tables")
RERUN_KEY = "rerun_context"


@dataclass(frozen=True)
class Rerun:
    """What every part of one rerun shows, computed once by :func:`begin_rerun`."""

    presets: Mapping[str, Scenario]  # every shipped preset, the default first
    preset_name: str
    preset: Scenario  # the chosen preset as shipped
    start: Scenario  # where the user started: a loaded scenario, else the preset
    base: Scenario  # the start with the user's own table and treatments, before plan and travel
    scenario: Scenario | None  # everything applied (None when the state does not compose)
    error: CostModelError | None
    input_hash: str  # "" when there is no valid scenario

    def scenario_or_stop(self) -> Scenario:
        """The scenario; when there is none, show why and stop the page."""
        if self.scenario is None:
            st.error(str(self.error), icon=":material/error:")
            st.stop()
        return self.scenario


def _build(presets: Mapping[str, Scenario]) -> Rerun:
    state = st.session_state
    preset = presets[state["preset"]]
    start = at_region(state["loaded"] or preset, state["region"])  # the editors show the region's table
    base = with_data(start, state["price_table"], state["pathways"])
    scenario: Scenario | None = None
    error: CostModelError | None = None
    hash_ = ""
    try:
        scenario = compose(state_snapshot(), preset)
        hash_ = input_hash(scenario)
        engine.remember(scenario, hash_)  # the cached engine calls key on it (no hashing of the object)
    except CostModelError as problem:
        error = problem
    return Rerun(presets, state["preset"], preset, start, base, scenario, error, hash_)


def begin_rerun(presets: Mapping[str, Scenario]) -> Rerun:
    """Compose this rerun's scenario once (called by ``app.py`` before the page)."""
    context = _build(presets)
    st.session_state[RERUN_KEY] = context
    return context


def now() -> Rerun:
    """This rerun's context (a fragment rerun keeps the one of the last full rerun)."""
    context = st.session_state.get(RERUN_KEY)
    return context if context is not None else begin_rerun(engine.shipped_presets())


def current_scenario() -> Scenario:
    """The scenario the state describes now, composed afresh (for callbacks, which run before
    ``app.py`` has composed this rerun's)."""
    presets = engine.shipped_presets()
    return compose(state_snapshot(), presets[st.session_state["preset"]])


def init_state(presets: Mapping[str, Scenario]) -> None:
    """Set up the shared (non-widget) state once per session; called by ``app.py``."""
    if st.session_state.get("preset") not in presets:
        st.session_state["preset"] = DEFAULT_PRESET if DEFAULT_PRESET in presets else next(iter(presets))
    st.session_state.setdefault("region", "national")  # SPEC §4.8; kept when the preset changes
    if "data_rev" in st.session_state:
        return
    st.session_state.setdefault("loaded", None)
    st.session_state.setdefault("loaded_from", "")
    st.session_state.setdefault("price_table", None)
    st.session_state.setdefault("pathways", None)
    st.session_state.setdefault("notices", [])
    base = presets[st.session_state["preset"]]
    for field, value in inputs_from_scenario(base).items():
        st.session_state.setdefault(field, value)
    st.session_state.setdefault("options", list(base.compare))
    st.session_state.setdefault("price_overrides", {})
    st.session_state.setdefault("presentation", False)
    st.session_state.setdefault("clinic_name", "")
    st.session_state["data_rev"] = 0


def notice(kind: str, text: str) -> None:
    """A message for the top of the next page shown (kinds: warning, info, success)."""
    st.session_state["notices"] = [*st.session_state["notices"], (kind, text)]


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
    set_state(state_for(scenario, engine.shipped_presets(), st.session_state["preset"]), source)


def state_snapshot() -> dict[str, Any]:
    """The session's scenario state as a plain dict (see :func:`calculator.inputs.compose`)."""
    return {key: st.session_state[key] for key in STATE_KEYS}


def _fits(**changes: Any) -> bool:
    state = {**state_snapshot(), **changes}
    try:
        validated(compose(state, engine.shipped_presets()[state["preset"]]))
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
    label = _(engine.preset_label(engine.shipped_presets(), st.session_state["preset"]))
    if len(drop) > 1:
        text = _(
            "Your treatment changes and your price table did not fit the {preset} preset, so its shipped data "
            "is used instead."
        )
    elif drop[0] == "pathways":
        text = _("Your treatment changes did not fit the {preset} preset, so its shipped data is used instead.")
    else:
        text = _("Your price table did not fit the {preset} preset, so its shipped data is used instead.")
    notice("warning", text.format(preset=label))


def load_preset_inputs(name: str) -> None:
    """Make ``name`` the preset (replacing a loaded scenario) and reset the plan and travel
    inputs to its values; the user's own table and treatments stay where they fit.

    Safe in a widget callback (it runs before any widget is created)."""
    st.session_state["preset"] = name
    st.session_state["loaded"] = None
    st.session_state["loaded_from"] = ""
    for field, value in inputs_from_scenario(engine.shipped_presets()[name]).items():
        st.session_state[field] = value
        for prefix in PAGE_PREFIXES:
            st.session_state.pop(f"{prefix}_{field}", None)
    keep_data_that_fits()
    st.session_state["data_rev"] += 1


def back_to_preset() -> None:
    load_preset_inputs(st.session_state["preset"])


def _start() -> Scenario:
    start = st.session_state["loaded"] or engine.shipped_presets()[st.session_state["preset"]]
    return at_region(start, st.session_state["region"])


def use_price_table(table: PriceTable) -> None:
    """Make ``table`` the active price table if the whole scenario stays valid.

    Raises InputError (with every problem) and changes nothing otherwise."""
    preset = engine.shipped_presets()[st.session_state["preset"]]
    validated(compose({**state_snapshot(), "price_table": table}, preset))
    st.session_state["price_table"] = None if table == _start().prices else table


def use_pathways(pathways: PathwaySet) -> None:
    """Make ``pathways`` the active treatments if the whole scenario stays valid (else raise)."""
    preset = engine.shipped_presets()[st.session_state["preset"]]
    validated(compose({**state_snapshot(), "pathways": pathways}, preset))
    st.session_state["pathways"] = None if pathways == _start().pathways else pathways


def reset_data(key: str) -> None:
    """Back to the starting point's price table (``price_table``) or treatments (``pathways``);
    safe in a callback. Refused, with a notice, when the rest no longer fits (e.g. a price
    entered for a code the shipped table lacks)."""
    if not _fits(**{key: None}):
        notice("warning", _("Nothing was reset: the rest of the scenario does not fit the shipped data."))
        return
    st.session_state[key] = None
    st.session_state["data_rev"] += 1


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
