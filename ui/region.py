"""The price region (SPEC §4.8): the patient picks their state, then their locality.

One shared value, ``st.session_state["region"]`` (``national`` or a Medicare locality id such as
``NY-01``), read by :func:`calculator.inputs.compose`. Every page that shows the picker binds its
own widgets (keys ``<page>_region_state`` and ``<page>_region_locality``) and refills them from the
shared value before drawing, so a change on one page shows on every other.
"""

from __future__ import annotations

import streamlit as st

from calculator.io.regional import NATIONAL
from calculator.regions import STATE_NAMES, localities_by_state, regional_ready
from ui import state
from ui.i18n import _
from ui.widgets import md

__all__ = ["region_label", "region_picker"]

_US = "US"  # the state choice that means the national amounts


def _state_of(region: str) -> str:
    return _US if region == NATIONAL else region.split("-")[0]


def _default_locality(code: str) -> str:
    """A state's locality when only the state is chosen: its "rest of state" if it has one."""
    places = localities_by_state()[code]
    rest = [p for p in places if p.name.lower().startswith("rest of")]
    return (rest or list(places))[0].id


def region_label(region: str) -> str:
    """``NY-01`` → ``"New York: Manhattan (NY-01)"``; ``national`` → the national amounts."""
    if region == NATIONAL:
        return _("United States (national amounts)")
    code = _state_of(region)
    place = next((p for p in localities_by_state().get(code, ()) if p.id == region), None)
    name = STATE_NAMES.get(code, code)
    return f"{name}: {place.name} ({region})" if place is not None else region


def _choose_state(page: str) -> None:
    code = st.session_state[f"{page}_region_state"] or _US
    _set_region(NATIONAL if code == _US else _default_locality(code))


def _choose_locality(page: str) -> None:
    chosen = st.session_state[f"{page}_region_locality"]
    if chosen:
        _set_region(chosen)


def _set_region(region: str) -> None:
    if st.session_state.get("region") != region:
        st.session_state["region"] = region
        st.session_state["data_rev"] = st.session_state.get("data_rev", 0) + 1  # editors show the new table


def region_picker(page: str, *, compact: bool = False) -> str:
    """Draw the state (and, when the state has several, locality) choice; return the region.

    Parameters
    ----------
    page : str
        The page's widget-key prefix (``"compare"``, ``"sidebar"`` ...).
    compact : bool
        One column (the sidebar) instead of two side by side.
    """
    region = st.session_state.get("region", NATIONAL)
    by_state = localities_by_state()
    ready = regional_ready(state.now().base)
    code = _state_of(region)
    state_key, locality_key = f"{page}_region_state", f"{page}_region_locality"
    # Refill from the shared value (another page may have changed it).
    if st.session_state.get(state_key) != code:
        st.session_state[state_key] = code
    if code != _US and st.session_state.get(locality_key) != region:
        st.session_state[locality_key] = region
    columns = [st.container()] * 2 if compact else st.columns(2)
    # Labels translated now: a format function runs again later, outside this session's language.
    state_names = {_US: _("United States (national amounts)"), **{c: STATE_NAMES.get(c, c) for c in by_state}}
    columns[0].selectbox(
        _("Your state (for prices)"),
        list(state_names),
        format_func=state_names.__getitem__,
        key=state_key,
        on_change=_choose_state,
        args=(page,),
        disabled=not ready,
        help=_(
            "Medicare pays different amounts in its 109 payment localities; commercial amounts follow them. "
            "Cash prices are the same everywhere."
        ),
    )
    places = by_state.get(code, ())
    if len(places) > 1:
        columns[1].selectbox(
            _("Your area in {state}").format(state=STATE_NAMES.get(code, code)),
            [p.id for p in places],
            format_func=lambda i: next(p.name for p in places if p.id == i),
            key=locality_key,
            on_change=_choose_locality,
            args=(page,),
            disabled=not ready,
        )
    if not ready:
        st.caption(md(_("Your own price table is in use, so its prices apply wherever you are.")))
    return region
