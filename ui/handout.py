"""The printable handout: built on request, kept for the inputs it was built from."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from calculator import charts, report
from calculator.costing import Comparison
from calculator.serialize import input_hash
from calculator.sources import load_sources


def build_handout(comparison: Comparison, hash_: str, clinic_name: str = "") -> dict[str, Any]:
    """The handout as HTML (with the who-pays chart) and PDF (the chart as an image when
    kaleido can start Chromium, else table-only)."""
    figure = charts.payer_bars(charts.payer_frame(comparison), comparison.scenario.currency)
    # The bibliography, so the handout lists its sources by the ids the Methods page shows.
    sources = load_sources()
    html = report.handout_html(comparison, input_hash=hash_, figure=figure, clinic_name=clinic_name, sources=sources)
    # On paper: a white background and fixed margins (the static export clips automatic ones).
    printed = go.Figure(figure).update_layout(template="plotly_white", margin={"l": 95, "r": 20, "t": 60, "b": 130})
    png = report.figure_png(printed)
    pdf = report.handout_pdf(comparison, input_hash=hash_, chart_png=png, clinic_name=clinic_name, sources=sources)
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
