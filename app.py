"""Low back pain treatment cost comparison: the Streamlit entry point (a thin router).

Run with ``streamlit run app.py``. Shared state is set up here, once per session; each page
lives in ``app_pages/`` and reads like a description of its screen.
"""

import streamlit as st

from app_pages import common

common.init_state()
# Embedded (``?embed=true`` in an iframe): the patient page alone, no navigation or sidebar.
embedded = bool(st.context.is_embedded)

st.set_page_config(
    page_title="Back pain treatment costs",
    page_icon=":material/healing:",
    layout="wide",
    # Presentation mode (Compare options page) hides the sidebar for a clean view across a desk.
    initial_sidebar_state="collapsed" if st.session_state["presentation"] or embedded else "auto",
)

pages = {
    "Patients": [
        st.Page("app_pages/my_costs.py", title="My costs", icon=":material/person:", default=True),
    ],
    "Clinics": [
        st.Page("app_pages/compare.py", title="Compare options", icon=":material/compare_arrows:"),
    ],
    "Payers and analysts": [
        st.Page("app_pages/assumptions.py", title="Assumptions & sensitivity", icon=":material/tune:"),
        st.Page("app_pages/price_tables.py", title="Price tables", icon=":material/table:"),
    ],
    "About": [
        st.Page("app_pages/methods.py", title="Methods & sources", icon=":material/menu_book:"),
    ],
}

pg = st.navigation(pages, position="hidden" if embedded else "sidebar")
common.show_notices()  # messages from uploads, resets and share links
pg.run()
common.after_page(embedded=embedded)  # the input hash, the share link, save/load in the sidebar
