"""Share links: the scenario as ``?s=<token>`` in the page address (``st.query_params``).

A link holds the changes from a shipped preset (:mod:`calculator.share`); it is read once per
session and rewritten after every rerun, other query parameters untouched.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from calculator.errors import CostModelError, InputError
from calculator.inputs import state_for
from calculator.models import Scenario
from calculator.share import changes_from, encode_link, scenario_from_link
from ui import engine
from ui.state import notice, set_state

LINK_PARAM = "s"  # the share link's query parameter


def restore_link_once(presets: Mapping[str, Scenario]) -> None:
    """On the session's first run, restore a share link in the address (``?s=``); a damaged
    one leaves a warning and the preset."""
    if st.session_state.get("link_read"):
        return
    st.session_state["link_read"] = True
    token = st.query_params.get(LINK_PARAM)
    if not token:
        return
    try:
        preset, scenario = scenario_from_link(token, presets)
    except CostModelError as error:
        problem = str(error)
    except Exception:  # an untrusted link must never break the page, whatever is wrong with it
        problem = "share link: expected an intact link, found a damaged one."
    else:
        set_state(state_for(scenario, presets, preset), "a shared link")
        return
    label = engine.preset_label(presets, st.session_state["preset"])
    notice("warning", f"This link could not be opened, so the page shows the {label} preset. {problem}")


def share_token(scenario: Scenario, preset_name: str, preset: Scenario) -> str | None:
    """The share-link token for ``scenario``: None when it is the preset unchanged; raises
    InputError when the changes are too large for a link."""
    patch = changes_from(preset, scenario)
    return encode_link(preset_name, patch) if patch else None


def sync_share_link(scenario: Scenario, preset_name: str, preset: Scenario) -> bool:
    """Keep ``?s=`` in the address up to date (other parameters untouched).

    Returns False when the changes are too large for a link (``s`` is then removed)."""
    current = st.query_params.get(LINK_PARAM)
    try:
        token = share_token(scenario, preset_name, preset)
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
