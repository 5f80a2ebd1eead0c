"""The printable handout: HTML always, PDF with or without the chart image."""

from __future__ import annotations

import datetime

import plotly.graph_objects as go
import pytest

from calculator.costing import compare
from calculator.io import DATA_DIR, load_scenario
from calculator.report import DISCLAIMER, handout_html, handout_pdf, handout_summary
from calculator.serialize import input_hash


@pytest.fixture(scope="module")
def medicare():
    scenario = load_scenario(DATA_DIR / "scenarios" / "medicare.json")
    return compare(scenario), input_hash(scenario)


def chart(comparison):
    return go.Figure(go.Bar(x=[o.label for o in comparison], y=[o.expected.patient for o in comparison]))


def test_html_has_every_option_the_hash_the_sources_and_the_disclaimer(medicare):
    comparison, digest = medicare
    page = handout_html(comparison, input_hash=digest, figure=chart(comparison), generated_on=datetime.date(2026, 1, 2))
    for option in comparison:
        assert option.label.replace("+", "+") in page
    assert digest in page and "2026-01-02" in page
    assert "Gattie" in page  # a pathway source
    assert "cms-pfs-rvu-2025" in page  # a price source (an id of data/sources.csv)
    assert "not quotes or medical advice" in page
    assert "Not covered, charged at the self pay price" in page  # Medicare does not pay for dry needling


def test_html_is_self_contained(medicare):
    comparison, digest = medicare
    page = handout_html(comparison, input_hash=digest, figure=chart(comparison))
    assert "<script src=" not in page and 'src="http' not in page
    assert "Plotly.newPlot" in page


def test_user_text_is_escaped(medicare):
    comparison, digest = medicare
    page = handout_html(comparison, input_hash=digest, clinic_name="<script>alert(1)</script>")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_summary_says_what_each_option_includes(medicare):
    comparison, digest = medicare
    summary = handout_summary(comparison, input_hash=digest)
    dry_needling = summary.options[0]
    assert "Needling" in dry_needling.includes
    assert "next: Medication" in dry_needling.if_not_better
    assert dry_needling.you_pay.startswith("$")


@pytest.mark.parametrize("with_chart", [False, True])
def test_pdf_builds(medicare, with_chart):
    comparison, digest = medicare
    png = None
    if with_chart:
        # A tiny valid PNG stands in for kaleido's output so this test needs no browser.
        png = bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000004000000040802000000269309290000001049444154"
            "789c63fccf80004c0c44710033d101073a843eb80000000049454e44ae426082"
        )
    pdf = handout_pdf(comparison, input_hash=digest, chart_png=png, clinic_name="Back & Spine Clinic")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2_000
    assert DISCLAIMER  # the same disclaimer text is used by both formats
