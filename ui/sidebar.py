"""Below every page: the input hash and the share link; in the sidebar, saving and loading the
scenario as a file."""

from __future__ import annotations

import streamlit as st

from calculator.models import Scenario
from calculator.serialize import scenario_to_json
from ui.i18n import _
from ui.links import sync_share_link
from ui.region import region_picker
from ui.state import back_to_preset, now
from ui.uploads import MAX_UPLOAD_MB, load_uploaded_scenario
from ui.widgets import md, show_problems


def after_page(*, embedded: bool = False) -> None:
    """Called by ``app.py`` after the page: the input hash, the share link and the sidebar's
    save/load (not when embedded, nor in presentation mode, which hide the sidebar)."""
    context = now()
    scenario, hash_ = context.scenario, context.input_hash
    if scenario is not None and hash_:
        fits = sync_share_link(scenario, context.preset_name, context.preset)
        text = _("Input hash {hash} (the same inputs give the same hash on every printout and export).").format(
            hash=hash_
        )
        if not embedded:
            text += " " + (
                _("The page address is a link to this view.")
                if fits
                else _("Too many changes for a link: save the scenario as a file (sidebar) to share it.")
            )
        st.caption(md(text))
    if not (embedded or st.session_state["presentation"]):
        scenario_sidebar(scenario, hash_)


def scenario_sidebar(scenario: Scenario | None, hash_: str) -> None:
    with st.sidebar:
        region_picker("sidebar", compact=True)
        st.markdown("##### " + md(_("Save / load scenario")))
        if st.session_state["loaded"] is not None:
            st.caption(md(_("Using the scenario from {where}.").format(where=st.session_state["loaded_from"])))
            st.button(_("Start again from a preset"), key="sidebar_back_to_preset", on_click=back_to_preset)
        if scenario is not None and hash_:
            st.download_button(
                _("Save this scenario (JSON)"),
                scenario_to_json(scenario),
                file_name=f"scenario-{hash_}.json",
                mime="application/json",
                key="sidebar_save_scenario",
                on_click="ignore",
                icon=":material/download:",
                help=_(
                    "Everything needed to reproduce these numbers; load it here again, or run it with "
                    "`python -m calculator compare`."
                ),
            )
        upload = st.file_uploader(
            _("Load a scenario (JSON)"),
            type=["json"],
            key="sidebar_scenario_file",
            max_upload_size=MAX_UPLOAD_MB,
        )
        st.button(
            _("Load this scenario"),
            key="sidebar_load_scenario",
            on_click=load_uploaded_scenario,
            args=("sidebar_scenario_file",),
            disabled=upload is None,
        )
        if upload is None:
            st.session_state["scenario_problems"] = None
        problem = st.session_state.get("scenario_problems")
        if problem is not None:
            show_problems(problem, _("This file was not loaded; nothing changed:"))
