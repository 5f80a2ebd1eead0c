"""Low back pain treatment cost comparison: the Streamlit entry point (a thin router).

Run with ``streamlit run app.py``. Each rerun: the shipped presets are read (cached), the
session's state set up (once per session, with a share link from the address), and the current
scenario composed once (:func:`ui.state.begin_rerun`); each page lives in ``app_pages/``, reads
that scenario with :func:`ui.state.now` and shows what the engine computes.
"""

from pathlib import Path

import streamlit as st

from ui import engine, i18n, links, sidebar, state, widgets
from ui.i18n import _

# A local file: a ``:material/...:`` page icon makes the browser fetch the favicon from a Google
# host, and nothing may leave the machine (SPEC §6).
ICON = Path(__file__).parent / "static" / "icon.png"

i18n.choose()  # the session's language, before anything is written
presets = engine.shipped_presets()
state.init_state(presets)
links.restore_link_once(presets)
state.begin_rerun(presets)
# Embedded (``?embed=true`` in an iframe): the patient page alone, no navigation or sidebar.
embedded = bool(st.context.is_embedded)

st.set_page_config(
    page_title=_("Back pain treatment costs"),
    page_icon=str(ICON),
    layout="wide",
    # Presentation mode (Compare options page) hides the sidebar for a clean view across a desk.
    initial_sidebar_state="collapsed" if st.session_state["presentation"] or embedded else "auto",
)

pages = {
    _("Patients"): [
        st.Page("app_pages/my_costs.py", title=_("My costs"), icon=":material/person:", default=True),
        st.Page("app_pages/plans.py", title=_("Compare plans"), icon=":material/balance:"),
    ],
    _("Clinics"): [
        st.Page("app_pages/compare.py", title=_("Compare options"), icon=":material/compare_arrows:"),
    ],
    _("Payers and analysts"): [
        st.Page("app_pages/assumptions.py", title=_("Assumptions & sensitivity"), icon=":material/tune:"),
        st.Page("app_pages/price_tables.py", title=_("Price tables"), icon=":material/table:"),
    ],
    _("About"): [
        st.Page("app_pages/methods.py", title=_("Methods & sources"), icon=":material/menu_book:"),
    ],
}

pg = st.navigation(pages, position="hidden" if embedded else "sidebar")
if not (embedded or st.session_state["presentation"]):
    with st.sidebar:
        i18n.language_switch()  # English / Español, kept in the address
widgets.show_notices()  # messages from uploads, resets and share links
pg.run()
sidebar.after_page(embedded=embedded)  # the input hash, the share link, save/load in the sidebar
