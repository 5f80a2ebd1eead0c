"""Share links: the scenario as ``?s=<token>`` in the page address (``st.query_params``).

A link holds the changes from a shipped preset (:mod:`calculator.share`); it is read once per
session and rewritten after every rerun, other query parameters untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from calculator.errors import CostModelError, InputError
from calculator.inputs import state_for
from calculator.models import Scenario
from calculator.share import changes_from, encode_link, link_query, scenario_from_link
from ui import engine
from ui.i18n import LANG_PARAM, _, lang
from ui.state import notice, now, set_state

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
        problem = _("share link: expected an intact link, found a damaged one.")
    else:
        set_state(state_for(scenario, presets, preset), _("a shared link"))
        return
    label = engine.preset_label(presets, st.session_state["preset"])
    notice(
        "warning",
        _("This link could not be opened, so the page shows the {preset} preset. {problem}").format(
            preset=_(label), problem=problem
        ),
    )


def share_token(scenario: Scenario, preset_name: str, preset: Scenario) -> str | None:
    """The share-link token for ``scenario``: None when it is the preset unchanged; raises
    InputError when the changes are too large for a link."""
    patch = changes_from(preset, scenario)
    return encode_link(preset_name, patch) if patch else None


def sync_share_link(scenario: Scenario, preset_name: str, preset: Scenario) -> bool:
    """Keep ``?s=`` and ``?lang=`` in the address up to date (other parameters untouched), so
    the address is a link to this view in this language.

    Returns False when the changes are too large for a link (``s`` is then removed)."""
    try:
        token = share_token(scenario, preset_name, preset)
    except InputError:
        token, fits = None, False
    else:
        fits = True
    wanted = link_query(token, lang())
    for param in (LINK_PARAM, LANG_PARAM):
        current = st.query_params.get(param)
        if param not in wanted:
            # English is the default: a lang=en from the switch may stay, anything else goes.
            if current is not None and not (param == LANG_PARAM and current == lang()):
                del st.query_params[param]
        elif current != wanted[param]:
            st.query_params[param] = wanted[param]
    return fits


#: Query parameters a copied link keeps (the view and the language); ``embed`` is dropped so
#: the link opens the full app in a tab.
KEPT_PARAMS = ("lang",)


def view_link(scenario: Scenario, preset_name: str, preset: Scenario, page_url: str) -> str:
    """The address of this view: ``page_url`` with the share token and the language.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> s = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    >>> view_link(s, "self-pay", s, "http://127.0.0.1:8501/")
    'http://127.0.0.1:8501/'
    """
    params: dict[str, str] = {}
    try:
        token = share_token(scenario, preset_name, preset)
    except InputError:
        token = None
    if token:
        params[LINK_PARAM] = token
    for name in KEPT_PARAMS:
        value = st.query_params.get(name) if st.runtime.exists() else None
        if value:
            params[name] = value
    return page_url + ("?" + urlencode(params) if params else "")


def copy_link_box(page: str) -> None:
    """The link to this view in a code box, whose copy button works inside an embed too
    (nobody sees the address bar of an iframe). Nothing is sent anywhere."""
    context = now()
    url = st.context.url
    if context.scenario is None or not url:
        return
    link = view_link(context.scenario, context.preset_name, context.preset, url)
    with st.container(border=True, key=f"{page}_copy_link"):
        st.header(_("Link to these figures"), anchor=False)
        st.caption(
            _(
                "Copy it with the copy button at the right of the box (point at or tap the box to see it), to open "
                "these figures again or share them."
            )
        )
        st.code(link, language=None, wrap_lines=True)
