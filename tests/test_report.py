"""The printable handout (HTML and PDF) and the `report` command that writes it."""

from __future__ import annotations

import dataclasses
import datetime
import re
import shutil
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest
from conftest import REPO_ROOT

from calculator import content, explain
from calculator.__main__ import main
from calculator.costing import compare
from calculator.i18n import translator
from calculator.io import DATA_DIR, load_scenario
from calculator.models import PathwaySet
from calculator.report import (
    DISCLAIMER,
    chart_svg,
    handout_files,
    handout_html,
    handout_pdf,
    handout_sources,
    handout_summary,
)
from calculator.serialize import input_hash
from calculator.uncertainty import run_psa

SCENARIOS = ("medicare", "commercial-ppo", "high-deductible", "self-pay")
PDFTOTEXT = shutil.which("pdftotext")


def flat(text: str) -> str:
    """Whitespace collapsed: PDF table cells and HTML wrap labels across lines."""
    return " ".join(text.split())


def dollars(text: str) -> int:
    return int(text.replace("$", "").replace(",", ""))


@pytest.fixture(scope="module")
def medicare():
    scenario = load_scenario(DATA_DIR / "scenarios" / "medicare.json")
    return compare(scenario), input_hash(scenario)


def chart(comparison):
    return go.Figure(go.Bar(x=[o.label for o in comparison], y=[o.expected.patient for o in comparison]))


def page_one(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    assert PDFTOTEXT is not None
    done = subprocess.run([PDFTOTEXT, "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True)
    return flat(done.stdout)


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


EXTERNAL_LOAD = re.compile(
    r"""(?:\b(?:src|href|srcset|data|action|poster)\s*=\s*["']?\s*(?:https?:|//))|@import|url\(\s*["']?\s*(?:https?:|//)""",
    re.IGNORECASE,
)


@pytest.mark.parametrize("name", SCENARIOS)
def test_html_is_self_contained_small_and_loads_nothing(name):
    scenario = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
    comparison = compare(scenario)
    page = handout_html(comparison, input_hash=input_hash(scenario), figure=chart(comparison))
    assert len(page.encode("utf-8")) < 1_500_000
    assert not EXTERNAL_LOAD.search(page)
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed"):
        assert tag not in page.lower()
    assert "plotly" not in page.lower()  # the chart is SVG drawn from the numbers, not inlined plotly.js
    assert "<svg" in page and '<title id="chart-title">' in page  # with its text alternative


def test_the_pattern_would_catch_an_outside_load():
    for bad in ("<img src='https://x.test/a.png'>", '<a href="//x.test">', "@import 'x.css'", "url(http://x/y)"):
        assert EXTERNAL_LOAD.search(bad)


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
        # Older callers pass a PNG; the handout draws its own chart and ignores it.
        png = bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000004000000040802000000269309290000001049444154"
            "789c63fccf80004c0c44710033d101073a843eb80000000049454e44ae426082"
        )
    pdf = handout_pdf(comparison, input_hash=digest, chart_png=png, clinic_name="Back & Spine Clinic")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2_000
    assert DISCLAIMER  # the same disclaimer text is used by both formats


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("name", SCENARIOS)
def test_pdf_page_one_holds_every_option_the_bottom_line_and_the_plan(name, tmp_path):
    scenario = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
    comparison = compare(scenario)
    digest = input_hash(scenario)
    psa = run_psa(scenario, draws=200, seed=1)
    summary = handout_summary(comparison, input_hash=digest, psa=psa, checklist=["pacemaker"])
    text = page_one(
        handout_pdf(
            comparison, input_hash=digest, generated_on=datetime.date(2026, 3, 4), psa=psa, checklist=["pacemaker"]
        ),
        tmp_path,
    )
    for option in summary.options:
        assert flat(option.label) in text
        assert option.you_pay in text and option.total_to_you in text
        # Table cells interleave in the extracted text: the share and its evidence word, each present.
        assert option.needs_more in text and f"({option.needs_more_evidence})" in text
    assert "The bottom line" in text and flat(summary.bottom_line[0]) in text
    assert "2026-03-04" in text and digest in text and "Region: United States (national)" in text
    assert flat(summary.plan_terms[0]) in text
    assert "not quotes or medical advice" in text
    assert "pacemaker" in text and "clinician" in text  # the checklist's result, on page 1
    assert "Sources" not in text  # the citations follow on later pages


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_handout_numbers_are_compare_s_to_the_dollar(name):
    scenario = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
    comparison = compare(scenario)
    page = handout_html(comparison, input_hash=input_hash(scenario))
    cards = re.findall(r"<article class='card'><h3>(.*?)</h3><dl>(.*?)</dl>", page)
    assert len(cards) == len(comparison.options)
    for option, (_label, dl) in zip(comparison, cards, strict=True):
        amounts = [dollars(a) for a in re.findall(r"<dd>(\$[\d,]+)", dl)]
        assert amounts == [round(option.expected.patient), round(option.expected.patient_total)]
    svg = chart_svg(handout_summary(comparison, input_hash="x"))
    for option in comparison:
        assert f">{'$'}{round(option.expected.patient):,}<" in svg


def test_the_time_and_travel_figure_is_the_app_s_total_with_the_app_s_label():
    # High-deductible, dry needling: out of pocket $820.75 + time, travel and lost work $973.06 = $1,793.81,
    # the "Total cost to you, with your time & travel" the My costs card shows. The old handout printed
    # the time-and-travel part alone as "time, travel", so the two disagreed.
    scenario = load_scenario(DATA_DIR / "scenarios" / "high-deductible.json")
    option = compare(scenario).option("dry_needling")
    assert round(option.expected.patient) == 821 and round(option.expected.indirect) == 973
    summary = handout_summary(compare(scenario), input_hash="x")
    entry = next(o for o in summary.options if o.id == "dry_needling")
    assert entry.total_to_you == "$1,794"
    assert summary.labels["total"] == explain.cost_labels()["total"] == "Total cost to you, with your time & travel"


def test_outcome_figures_carry_their_evidence(medicare):
    comparison, digest = medicare
    summary = handout_summary(comparison, input_hash=digest)
    # Every response probability of the shipped pathways is tagged A (assumption).
    for option in summary.options:
        assert option.needs_more_evidence == "assumed"
        assert option.outcome.startswith("Out of 100 people like you") and "(figure assumed)" in option.outcome


def twin_scenario():
    """Self-pay with a copy of physical therapy under another id: equal cost and equal chances by assumption."""
    scenario = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    pt = scenario.pathways.get("physical_therapy")
    twin = dataclasses.replace(pt, id="pt_twin", label="Physical therapy at another clinic")
    pathways = PathwaySet(pathways=(*scenario.pathways.pathways, twin), label=scenario.pathways.label)
    return dataclasses.replace(scenario, pathways=pathways, compare=("physical_therapy", "pt_twin"))


def test_equal_costs_and_assumed_equal_chances_are_said():
    scenario = twin_scenario()
    summary = handout_summary(compare(scenario), input_hash="x")
    assert "likely to cost you the same" in summary.bottom_line[0]
    assert any("equal under these assumptions" in line for line in summary.bottom_line)
    assert summary.assumed_equal and "assumed equal (57%)" in summary.assumed_equal[0]
    page = handout_html(compare(scenario), input_hash="x")
    assert "Assumed equal" in page and "assumed equal (57%)" in page
    assert "assumed equal to that of Physical therapy at another clinic" in summary.options[0].outcome


def test_a_difference_inside_the_simulation_noise_is_too_close_to_call():
    # Twin PT pathways, the twin's chance of getting better 0.55 instead of 0.57: 2% more people go on to
    # medication, a base-case difference of a few dollars, while the two options' own uncertain numbers
    # are drawn independently, so 50 draws cannot separate them.
    scenario = twin_scenario()
    twin = scenario.pathways.get("pt_twin")
    worse = dataclasses.replace(twin.response_probability, value=0.55)
    pathways = PathwaySet(
        pathways=tuple(
            dataclasses.replace(p, response_probability=worse) if p.id == "pt_twin" else p
            for p in scenario.pathways.pathways
        )
    )
    scenario = dataclasses.replace(scenario, pathways=pathways)
    comparison = compare(scenario)
    gap = comparison.option("pt_twin").expected.patient - comparison.option("physical_therapy").expected.patient
    assert 1 <= gap < 20  # not a tie in the base case
    lines = explain.bottom_line(comparison, run_psa(scenario, draws=50, seed=3))
    assert any("too close to call" in line for line in lines)
    # With no PSA the bottom line states the base-case difference only.
    assert not any("simulation" in line for line in explain.bottom_line(comparison))


def test_a_clear_winner_says_how_often_it_was_cheapest():
    scenario = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    lines = explain.bottom_line(compare(scenario), run_psa(scenario, draws=200, seed=1))
    # Self-pay: medication $465 against physical therapy $845, the next cheapest: $380 less.
    assert "about $465 on average, about $380 less than physical therapy" in lines[0]
    assert any("came out cheapest for you in" in line for line in lines)
    assert "Talk them through with your clinician" in lines[-1]
    assert not any("dry needling" in line.lower() and "least" in line for line in lines)


def test_the_checklist_result_goes_on_the_dry_needling_entry_and_the_page(medicare):
    comparison, digest = medicare
    question = content.checklist().items[1].question
    summary = handout_summary(comparison, input_hash=digest, checklist=[question])
    notes = {o.id: o.caution for o in summary.options}
    assert notes["dry_needling"] and question in notes["dry_needling"] and "clinician" in notes["dry_needling"]
    assert all(note is None for option, note in notes.items() if option != "dry_needling")
    assert summary.caution == notes["dry_needling"]
    assert handout_summary(comparison, input_hash=digest).caution is None
    assert question in handout_html(comparison, input_hash=digest, checklist=[question])


def test_sources_print_by_bibliography_id_when_given(medicare):
    comparison, _digest = medicare
    bibliography = {
        "Gattie": {"citation": "Gattie E, Cleland JA, Snodgrass S. Trigger point dry needling. JOSPT", "year": 2017},
        "NeverCited": {"citation": "Nobody. Nothing.", "year": 1999},
    }
    listed = handout_sources(comparison.scenario, bibliography)
    assert listed == ["Gattie — Gattie E, Cleland JA, Snodgrass S. Trigger point dry needling. JOSPT (2017)"]
    plain = handout_sources(comparison.scenario)
    assert len(plain) == len(set(plain))
    assert not any(".md" in line for line in plain)  # notes on files the project does not ship stay out
    assert any(line.startswith("Gattie E et al. JOSPT 2017") for line in plain)


def test_the_app_gets_both_files_from_one_call(medicare):
    comparison, digest = medicare
    files = handout_files(comparison, input_hash=digest, generated_on=datetime.date(2026, 1, 2))
    assert files["pdf"].startswith(b"%PDF")
    assert files["html"] == handout_html(comparison, input_hash=digest, generated_on=datetime.date(2026, 1, 2)).encode()


def test_the_language_reaches_the_page(medicare):
    comparison, digest = medicare
    assert "<html lang='es'>" in handout_html(comparison, input_hash=digest, lang="es")
    assert handout_pdf(comparison, input_hash=digest, lang="es").startswith(b"%PDF")


# --------------------------------------------------------------------------------------------
# The `report` command


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_report_writes_the_handout(capsys, tmp_path, fmt):
    out = tmp_path / f"handout.{fmt}"
    scenario = DATA_DIR / "scenarios" / "commercial-ppo.json"
    code, stdout, _err = run(capsys, "report", scenario, "--format", fmt, "--out", out, "--draws", "100")
    assert code == 0 and str(out) in stdout
    data = out.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF")
    else:
        assert b"The bottom line" in data and input_hash(load_scenario(scenario)).encode() in data


@pytest.mark.parametrize(
    "args",
    [
        ("report", "missing.json", "--format", "html", "--out", "{tmp}/x.html"),
        ("report", "{scenario}", "--format", "docx", "--out", "{tmp}/x.docx"),
        ("report", "{scenario}", "--format", "pdf", "--out", "{tmp}/no/such/folder/x.pdf"),
        ("report", "{scenario}", "--format", "pdf", "--out", "{tmp}/x.pdf", "--lang", "fr"),
        ("report", "{scenario}", "--format", "pdf", "--out", "{tmp}/x.pdf", "--checklist", "pacemaker,nope"),
        ("report", "{scenario}", "--format", "pdf", "--out", "{tmp}/x.pdf", "--draws", "-1"),
        ("report", "{scenario}", "--format", "pdf"),
    ],
)
def test_report_bad_input_exits_2_with_one_line(capsys, tmp_path, args):
    scenario = DATA_DIR / "scenarios" / "self-pay.json"
    filled = [a.format(tmp=tmp_path, scenario=scenario) for a in args]
    code, _out, err = run(capsys, *filled)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_report_command_as_a_process(tmp_path):
    out = tmp_path / "handout.html"
    done = subprocess.run(
        [sys.executable, "-m", "calculator", "report", "data/scenarios/medicare.json", "--format", "html"]
        + ["--out", str(out), "--lang", "es", "--draws", "0", "--checklist", "pregnancy"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    pregnancy = next(item.question for item in content.checklist().items if item.key == "pregnancy")
    assert "<html lang='es'>" in page and translator("es").gettext(pregnancy) in page
    bad = subprocess.run(
        [sys.executable, "-m", "calculator", "report", "nope.json", "--format", "pdf", "--out", str(tmp_path / "x")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_eight_options_and_a_long_checklist_still_fit_on_page_one(tmp_path):
    scenario = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    pt = scenario.pathways.get("physical_therapy")
    extra = [
        dataclasses.replace(pt, id=f"pt{i}", label=f"Physical therapy variant number {i} (a long label, exercise)")
        for i in range(3)
    ]
    scenario = dataclasses.replace(
        scenario,
        pathways=PathwaySet((*scenario.pathways.pathways, *extra)),
        compare=(*scenario.compare, "fusion", *(p.id for p in extra)),
    )
    comparison = compare(scenario)
    text = page_one(handout_pdf(comparison, input_hash="x", checklist=["device", "pregnancy", "bleeding"]), tmp_path)
    assert "The bottom line" in text
    for option in comparison:
        assert flat(option.label) in text
    assert "Self-pay: You pay the clinic's cash price for everything." in text
