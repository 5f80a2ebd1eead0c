"""The printable handout: built on request, kept for the inputs it was built from.

One call, :func:`calculator.report.handout_files`, the same the ``report`` command makes: both
files are drawn from the numbers (an SVG chart in the HTML, fpdf2 in the PDF), so nothing is
fetched and no browser is started.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from calculator import report
from calculator.costing import Comparison
from calculator.serialize import input_hash
from calculator.sources import load_sources
from calculator.uncertainty import PsaResult
from ui.i18n import _, lang


def build_handout(
    comparison: Comparison,
    hash_: str,
    clinic_name: str = "",
    *,
    psa: PsaResult | None = None,
    checklist: Sequence[str] = (),
) -> dict[str, Any]:
    """The handout as HTML and PDF, in the session's language, keyed by what it was built from."""
    language = lang()
    files = report.handout_files(
        comparison,
        input_hash=hash_,
        clinic_name=clinic_name,
        lang=language,
        psa=psa,
        checklist=checklist,
        # The bibliography, so the handout lists its sources by the ids the Methods page shows.
        sources=load_sources(),
    )
    return {"key": (hash_, clinic_name, language, tuple(checklist)), **files}


def handout_section(
    page: str, comparison: Comparison, *, psa: PsaResult | None = None, checklist: Sequence[str] = ()
) -> None:
    """Prepare the handout on request (kept for these inputs), then offer HTML and PDF.

    ``checklist`` holds the ticked checklist items (their texts): the handout carries them."""
    hash_ = input_hash(comparison.scenario)
    clinic = st.session_state["clinic_name"].strip()
    key = (hash_, clinic, lang(), tuple(checklist))
    with st.container(border=True):
        st.header(_("Printable handout"), anchor=False)
        st.caption(
            _(
                "A summary to take home or print: the options side by side, the bottom line, the plan and "
                "assumptions used, the sources, the date and the input hash."
            )
        )
        stored = st.session_state.get("handout")
        slot = st.empty()
        if stored is None or stored["key"] != key:
            if slot.button(_("Prepare the handout"), key=f"{page}_handout_prepare", icon=":material/print:"):
                with st.spinner(_("Preparing the handout…")):
                    stored = build_handout(comparison, hash_, clinic, psa=psa, checklist=checklist)
                st.session_state["handout"] = stored
                slot.empty()
            else:
                return
        left, right = st.columns(2)
        left.download_button(
            _("Download the handout (HTML)"),
            stored["html"],
            file_name=f"treatment-costs-{hash_}.html",
            mime="text/html",
            key=f"{page}_handout_html",
            on_click="ignore",
            icon=":material/download:",
        )
        right.download_button(
            _("Download the handout (PDF)"),
            stored["pdf"],
            file_name=f"treatment-costs-{hash_}.pdf",
            mime="application/pdf",
            key=f"{page}_handout_pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
        )
