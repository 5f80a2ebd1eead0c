"""The printable handout: a comparison summary a patient can take home (HTML and PDF).

Both formats come from one pure summary (:func:`handout_summary`) so they say the same thing,
in the same words as the app (the sentences come from :mod:`calculator.explain`): every option
with its cost to the patient, what it includes and the chance of needing more care, each outcome
figure with its evidence; the bottom line; the plan, the region, the date and the input hash; the
chart; the questions to ask; brief sources by bibliography id.

Nothing here reaches the network. The chart is drawn from the numbers: inline SVG in the HTML
(no script, no font, no image to fetch, so the file opens offline and stays small) and fpdf2
rectangles and text in the PDF (no browser). Every string goes through the language's
translator and money through Babel (:mod:`calculator.i18n`).

It is long because the handout is one document in two renderings (HTML with its SVG chart,
PDF with fpdf2 drawing) built from one summary; keeping them together keeps their words and
numbers the same.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import explain
from .costing import Comparison, OptionResult
from .i18n import N_, format_money, format_share, translator
from .models import Scenario
from .presentation import DISCLAIMER
from .text import wrap_lines
from .uncertainty import PsaResult

__all__ = [
    "DISCLAIMER",
    "ChartBar",
    "HandoutSummary",
    "OptionSummary",
    "chart_svg",
    "disclaimer",
    "figure_png",
    "handout_files",
    "handout_html",
    "handout_pdf",
    "cited_sources",
    "handout_sources",
    "handout_summary",
]

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Short citations: long enough to find the paper, short enough for one printed line.
_SHORT_CITATION = 95


# Schedule and visit-kind names shown on the plan line: marked here so the catalogs carry them.
_PLAN_WORDS = (
    N_("self pay"),
    N_("commercial"),
    N_("medicare"),
    N_("office"),
    N_("specialist"),
    N_("therapy"),
    N_("pharmacy"),
    N_("imaging"),
    N_("outpatient surgery"),
    N_("inpatient"),
)


def disclaimer(lang: str = "en") -> str:
    """The one disclaimer (:data:`calculator.presentation.DISCLAIMER`) in the handout's language."""
    return translator(lang).gettext(DISCLAIMER)


@dataclass(frozen=True)
class OptionSummary:
    """One option as the handout prints it (text already formatted for the language)."""

    id: str
    label: str
    you_pay: str
    total_to_you: str
    plan_pays: str
    needs_more: str
    needs_more_evidence: str
    includes: str
    if_not_better: str
    outcome: str
    spread: str | None
    caution: str | None


@dataclass(frozen=True)
class ChartBar:
    """One row of the chart: the option's short label and its two amounts (unrounded)."""

    label: str
    patient: float
    total: float
    patient_text: str
    total_text: str


@dataclass(frozen=True)
class HandoutSummary:
    lang: str
    title: str
    clinic: str
    generated_on: str
    input_hash: str
    region: str
    plan_name: str
    plan_terms: tuple[str, ...]
    plan_lines: tuple[str, ...]
    bottom_line: tuple[str, ...]
    options: tuple[OptionSummary, ...]
    caution: str | None
    assumed_equal: tuple[str, ...]
    questions: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    labels: Mapping[str, str]
    chart: tuple[ChartBar, ...]
    disclaimer: str


# --------------------------------------------------------------------------------------------
# What the handout says


def _is_dry_needling(scenario: Scenario, option_id: str) -> bool:
    pathway = scenario.pathways.get(option_id)
    return "needling" in option_id.lower() or "needling" in pathway.label.lower()


def _short_label(label: str) -> str:
    """The label before any bracketed detail: "Medication (NSAID, ...)" → "Medication"."""
    return label.split(" (", 1)[0].strip() or label


def _visits_text(result: OptionResult, scenario: Scenario, lang: str) -> str:
    _ = translator(lang).gettext
    pathway = scenario.pathways.get(result.id)
    parts = [f"{int(v.count.value)} × {_(v.name)}" for v in pathway.visits if v.count.value > 0]
    return "; ".join(parts) or _("no visits")


def _plan_lines(scenario: Scenario, lang: str) -> tuple[str, list[str], list[str]]:
    """(plan name, the plan's terms for page 1, the other assumptions)."""
    _ = translator(lang).gettext
    money = scenario.currency

    def m(amount: float, cents: bool = False) -> str:
        return format_money(amount, money, lang, cents=cents)

    lines = []
    plan = scenario.insurance
    if plan is None:
        name = _("Self-pay")
        lines.append(_("You pay the clinic's cash price for everything."))
    else:
        name = _("Your plan")
        terms = [
            _("Deductible {amount} ({left} left)").format(
                amount=m(plan.deductible.value), left=m(plan.deductible_left)
            ),
            _("coinsurance {share}").format(share=format_share(plan.coinsurance.value, lang)),
        ]
        if plan.oop_max is None or plan.oop_room is None:
            terms.append(_("no out-of-pocket maximum"))
        else:
            terms.append(
                _("out-of-pocket maximum {amount} ({left} left)").format(
                    amount=m(plan.oop_max.value), left=m(plan.oop_room)
                )
            )
        if plan.copays:
            copays = ", ".join(
                _("{kind} {amount}").format(kind=_(k.replace("_", " ")), amount=m(p.value)) for k, p in plan.copays
            )
            terms.append(_("copays: {copays}").format(copays=copays))
        else:
            terms.append(_("no copays"))
        lines.append("; ".join(terms) + ".")
        if plan.uncovered_codes:
            items = ", ".join(
                f"{c} ({_(scenario.prices.row(c).description)})" for c in plan.uncovered_codes if c in scenario.prices
            )
            lines.append(
                _("Not covered, charged at the {schedule} price: {items}.").format(
                    schedule=_(scenario.uncovered_schedule.replace("_", " ")), items=items
                )
            )
    terms_lines = lines
    lines = []
    lines.append(
        _("Prices: {table} ({schedule} schedule).").format(
            table=_(scenario.prices.label) if scenario.prices.label else scenario.prices.name,
            schedule=_(scenario.schedule.replace("_", " ")),
        )
    )
    ind = scenario.indirect
    lines.append(
        _(
            "Your time valued at {hourly}/hour; {miles} miles per visit at {rate}/mile; a work day lost at {daily}."
        ).format(
            hourly=m(ind.hourly_value.value, cents=True),
            miles=f"{ind.miles_per_visit.value:g}",
            rate=m(ind.mileage_rate.value, cents=True),
            daily=m(ind.daily_wage.value),
        )
    )
    if scenario.price_overrides:
        lines.append(
            _("Clinic prices used: {prices}.").format(
                prices=", ".join(f"{code} {m(p.value, cents=True)}" for code, p in scenario.price_overrides)
            )
        )
    return name, terms_lines, lines


def _short(text: str, limit: int = _SHORT_CITATION) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _without_notes(text: str) -> str:
    """A source without references to the project's research notes (files it does not ship)."""
    text = re.sub(r"\s*\([^()]*\.md\b[^()]*\)", "", text)
    return re.split(r"[;,]?\s*\S*\.md\b", text, maxsplit=1)[0].strip()


def _short_citation(text: str) -> str:
    """ "Gattie E, Cleland JA, Snodgrass S. Title. JOSPT 2017;47(3):133-149" → "Gattie E et al. JOSPT 2017;…".

    The first author and where it was published are what a reader needs to find a paper;
    anything that does not look like "authors. title. journal" is shortened as it is.
    """
    text = " ".join(text.split())
    parts = text.split(". ")
    journal = parts[-1]
    looks_like_paper = (
        len(parts) >= 3
        and journal[:1].isalpha()
        and re.search(r"\b(19|20)\d\d\b", journal) is not None
        and re.match(r"^[A-Z][\w'’-]+ [A-Z]{1,3}\b", parts[0]) is not None
        and not any("et al" in part for part in parts[1:])  # two papers in one note: keep it whole
    )
    if looks_like_paper:
        authors = parts[0]
        first = authors.split(",")[0].removesuffix(" et al")
        many = "," in authors or authors.endswith("et al")
        return _short(f"{first}{' et al.' if many else '.'} {parts[-1]}")
    return _short(text)


def _citation_parts(entry: Any) -> tuple[str, str]:
    """(short citation, year) from a bibliography entry: a string, a mapping or an object."""
    if isinstance(entry, str):
        return _short(entry, 70), ""

    def get(name: str) -> str:
        value = entry.get(name, "") if isinstance(entry, Mapping) else getattr(entry, name, "")
        return "" if value is None else str(value)

    citation = get("short") or get("short_citation") or get("citation")
    # "Authors. Title. Journal year" → the authors and title are what a reader looks up.
    return _short(citation, 70), get("year")


def cited_sources(scenario: Scenario, sources: Mapping[str, Any]) -> list[str]:
    """The ids of the bibliography ``sources`` that the scenario's numbers cite, first-cited first.

    Looked for in every number the results depend on (prices of the billed codes, pathway
    numbers, the plan, time and travel: :func:`calculator.costing.parameters`) and in the compared
    pathways' own source lists. The Methods page and the handout list these same ids (SPEC §7).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    sources : mapping
        The bibliography by id (:func:`calculator.sources.load_sources`).

    Returns
    -------
    list of str
        Ids of ``sources``, each once.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> from calculator.sources import load_sources
    >>> ids = cited_sources(load_scenario(DATA_DIR / "scenarios" / "medicare.json"), load_sources())
    >>> "cms-pfs-rvu-2025" in ids and "bls-earnings-2025" in ids
    True
    """
    from .costing import parameters

    texts: list[str] = []
    seen_pathways: dict[str, None] = {}
    for option in scenario.compare:
        for pathway in scenario.pathways.chain(option):
            if pathway.id not in seen_pathways:
                seen_pathways.setdefault(pathway.id)
                texts.extend(pathway.sources)
    texts.extend(p.param.source for p in parameters(scenario) if p.param.source)
    found: dict[str, None] = {}
    for text in texts:
        for source_id in sources:
            if source_id not in found and re.search(rf"(?<![\w-]){re.escape(source_id)}(?![\w-])", text):
                found.setdefault(source_id)
    return list(found)


def handout_sources(scenario: Scenario, sources: Mapping[str, Any] | None = None, lang: str = "en") -> list[str]:
    """The handout's brief source list.

    With a bibliography (``sources``: id → entry with ``citation`` and ``year``), every id cited by
    a number the handout uses prints as "id — short citation (year)", in first-cited order.
    Without one, the options' citations and the price sources are listed once each, shortened;
    notes that point to the project's own research files are left out (the project does not ship
    them).
    """
    _ = translator(lang).gettext
    texts: list[str] = []
    price_sources: dict[str, list[str]] = {}
    seen_pathways: dict[str, None] = {}
    for option in scenario.compare:
        for pathway in scenario.pathways.chain(option):
            if pathway.id in seen_pathways:
                continue
            seen_pathways.setdefault(pathway.id)
            texts.extend(pathway.sources)
            texts.extend(p.source for p in (pathway.response_probability, pathway.escalation_probability) if p.source)
            for visit in pathway.visits:
                for item in visit.items:
                    if item.code not in scenario.prices:
                        continue
                    row = scenario.prices.row(item.code)
                    if row.source:
                        key = _short(_without_notes(row.source), 70) + (f" ({row.as_of})" if row.as_of else "")
                        codes = price_sources.setdefault(key, [])
                        if row.code not in codes:
                            codes.append(row.code)
    if sources:
        found = cited_sources(scenario, sources)
        if found:
            out = []
            for source_id in found:
                citation, year = _citation_parts(sources[source_id])
                out.append(f"{source_id} — {citation} ({year})" if year else f"{source_id} — {citation}")
            return out
    listed: dict[str, None] = {}
    for text in texts:
        if ".md" in text:  # a project research note, not something a reader can look up
            continue
        listed.setdefault(_short_citation(text))
    for source, codes in price_sources.items():
        listed.setdefault(_("Prices {codes}: {source}").format(codes=", ".join(codes), source=source))
    return list(listed)


def handout_summary(
    comparison: Comparison,
    *,
    input_hash: str,
    generated_on: date | None = None,
    clinic_name: str = "",
    lang: str = "en",
    psa: PsaResult | None = None,
    checklist: Sequence[str] = (),
    sources: Mapping[str, Any] | None = None,
) -> HandoutSummary:
    """Everything the handout says, as text in ``lang`` (money formatted with Babel).

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`calculator.costing.compare`; its expected costs are printed as is.
    input_hash : str
        :func:`calculator.serialize.input_hash` of the scenario, printed so the handout can be
        traced back to its inputs.
    generated_on : datetime.date, optional
        The date printed (default: today).
    clinic_name : str
        Printed as text under the title when given.
    lang : str
        "en" or "es" (an unknown language prints English).
    psa : PsaResult, optional
        When given, the bottom line says how sure the cheapest option is, and each option gets
        the spread of what one patient pays.
    checklist : sequence of str
        The texts (or keys) of the ticked dry-needling checklist items: carried onto the
        dry-needling entry and the page, pointing to a clinician.
    sources : mapping, optional
        The bibliography (id → entry with ``citation`` and ``year``); see :func:`handout_sources`.

    Returns
    -------
    HandoutSummary

    Examples
    --------
    >>> from calculator.io import load_scenario, DATA_DIR
    >>> from calculator.costing import compare
    >>> s = handout_summary(compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json")), input_hash="abc")
    >>> s.plan_name, s.options[0].you_pay
    ('Self-pay', '$885')
    """
    _ = translator(lang).gettext
    scenario = comparison.scenario
    currency = scenario.currency

    def m(amount: float) -> str:
        return format_money(amount, currency, lang)

    caution = explain.checklist_note(checklist, lang)
    equal_to: dict[str, list[str]] = {}
    for a, b in explain.assumed_equal(scenario):
        equal_to.setdefault(a, []).append(_(scenario.pathways.get(b).label))
        equal_to.setdefault(b, []).append(_(scenario.pathways.get(a).label))
    options = []
    chart = []
    for result in comparison:
        pathway = scenario.pathways.get(result.id)
        if pathway.on_failure:
            onward = _(scenario.pathways.get(pathway.on_failure).label)
            if_not = _("If it does not help ({share} chance), next: {option}.").format(
                share=format_share(result.p_escalate, lang), option=onward
            )
        else:
            if_not = _("No further step is modelled after this option.")
        tag = explain.outcome_evidence(scenario, result.id)
        options.append(
            OptionSummary(
                id=result.id,
                label=_(result.label),
                you_pay=m(result.expected.patient),
                total_to_you=m(result.expected.patient_total),
                plan_pays=m(result.expected.insurer),
                needs_more=format_share(result.p_escalate, lang),
                needs_more_evidence=explain.evidence_word(tag, lang),
                includes=_visits_text(result, scenario, lang),
                if_not_better=if_not,
                outcome=explain.outcome_sentence_for(scenario, result.id, lang)
                + (
                    " "
                    + _("Its chance of getting better is assumed equal to that of {options}.").format(
                        options=", ".join(equal_to[result.id])
                    )
                    if result.id in equal_to
                    else ""
                ),
                spread=explain.cost_spread_sentence(result, psa, lang) if psa is not None else None,
                caution=caution if _is_dry_needling(scenario, result.id) else None,
            )
        )
        chart.append(
            ChartBar(
                label=_short_label(_(result.label)),
                patient=result.expected.patient,
                total=result.expected.patient_total,
                patient_text=m(result.expected.patient),
                total_text=m(result.expected.patient_total),
            )
        )
    # The built table names its locality ("NY-01 Manhattan"); a clinic's table its own region.
    region = scenario.prices.region or getattr(scenario, "region", "national")
    plan_name, plan_terms, other_lines = _plan_lines(scenario, lang)
    labels = explain.cost_labels(lang)
    notes = [
        _(
            "Costs are averages per episode of care for people like you, including further treatment for "
            "those the first option does not help."
        ),
        _(
            "“{total}” adds the value of your time, travel and any lost work to what you pay; those are not bills."
        ).format(total=labels["total"]),
        _("Adverse-event costs are not passed through the plan and are not in what you pay."),
        _(
            "Each outcome figure says where it comes from: “assumed” and “unverified” figures are the model's "
            "assumptions, not results of a study."
        ),
    ]
    return HandoutSummary(
        lang=lang,
        title=_("Treatment cost comparison: {name}").format(
            name=_(scenario.label) if scenario.label else scenario.name
        ),
        clinic=clinic_name.strip(),
        generated_on=(generated_on or date.today()).isoformat(),
        input_hash=input_hash,
        region=_(region),
        plan_name=plan_name,
        plan_terms=tuple(plan_terms),
        plan_lines=(*plan_terms, *other_lines),
        bottom_line=tuple(explain.bottom_line(comparison, psa, lang)),
        options=tuple(options),
        caution=caution,
        assumed_equal=tuple(explain.assumed_equal_sentences(scenario, lang)),
        questions=tuple(explain.clinician_questions(lang)),
        notes=tuple(notes),
        sources=tuple(handout_sources(scenario, sources, lang)),
        labels=labels,
        chart=tuple(chart),
        disclaimer=disclaimer(lang),
    )


def _meta_line(s: HandoutSummary) -> str:
    _ = translator(s.lang).gettext
    return _("Made on {date} · Region: {region} · Input hash {hash}").format(
        date=s.generated_on, region=s.region, hash=s.input_hash
    )


# --------------------------------------------------------------------------------------------
# The chart: horizontal bars drawn from the numbers (SVG for the page, fpdf2 for paper)

_PATIENT_COLOUR = "#1f4e79"
_TOTAL_COLOUR = "#8fb3d9"
_INK = "#1b1b1b"
# Geometry in SVG user units; the viewBox is phone-sized so 12-unit text reads at 12 px on a
# 390 px screen, and the page caps the chart's width so it does not grow huge on a desktop.
_VIEW_W = 360
_LABEL_W = 112
_VALUE_W = 58
_ROW_H = 46
_LEGEND_H = 42


def chart_svg(s: HandoutSummary) -> str:
    """The chart as inline SVG: per option, what you pay and the total with your time & travel.

    Labels sit left of the bars and the amounts right of them; the SVG has a title and a
    description (its text alternative), and the option cards above carry the same numbers.
    """
    _ = translator(s.lang).gettext
    e = html.escape
    top = max((bar.total for bar in s.chart), default=0.0) or 1.0
    bar_x = _LABEL_W + 6
    bar_w = _VIEW_W - bar_x - _VALUE_W
    height = _LEGEND_H + _ROW_H * len(s.chart) + 4
    title = _("What each option is likely to cost you")
    desc = "; ".join(
        f"{bar.label}: {s.labels['patient'].lower()} {bar.patient_text}, {s.labels['total'].lower()} {bar.total_text}"
        for bar in s.chart
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_VIEW_W} {height}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart" font-family="system-ui, sans-serif">',
        f'<title id="chart-title">{e(title)}</title><desc id="chart-desc">{e(desc)}</desc>',
        f'<rect x="0" y="4" width="14" height="12" fill="{_PATIENT_COLOUR}"/>'
        f'<text x="20" y="14.5" font-size="12" fill="{_INK}">{e(s.labels["patient"])}</text>',
        f'<rect x="0" y="23" width="14" height="9" fill="{_TOTAL_COLOUR}"/>'
        f'<text x="20" y="32" font-size="12" fill="{_INK}">{e(s.labels["total"])}</text>',
    ]
    for i, bar in enumerate(s.chart):
        y = _LEGEND_H + i * _ROW_H + 6
        label_lines = wrap_lines(bar.label, 17, 2)
        first_baseline = y + 14 if len(label_lines) > 1 else y + 20
        for k, line in enumerate(label_lines):
            parts.append(
                f'<text x="{_LABEL_W}" y="{first_baseline + k * 14}" font-size="12" font-weight="600" '
                f'text-anchor="end" fill="{_INK}">{e(line)}</text>'
            )
        w_patient = max(bar.patient / top * bar_w, 1.0 if bar.patient > 0 else 0.0)
        w_total = max(bar.total / top * bar_w, 1.0 if bar.total > 0 else 0.0)
        parts.append(f'<rect x="{bar_x}" y="{y}" width="{w_patient:.1f}" height="16" fill="{_PATIENT_COLOUR}"/>')
        parts.append(
            f'<text x="{bar_x + w_patient + 4:.1f}" y="{y + 12.5}" font-size="12" font-weight="600" '
            f'fill="{_INK}">{e(bar.patient_text)}</text>'
        )
        parts.append(f'<rect x="{bar_x}" y="{y + 19}" width="{w_total:.1f}" height="11" fill="{_TOTAL_COLOUR}"/>')
        parts.append(
            f'<text x="{bar_x + w_total + 4:.1f}" y="{y + 28.5}" font-size="11" fill="{_INK}">'
            f"{e(bar.total_text)}</text>"
        )
    parts.append(f'<line x1="{bar_x}" y1="{_LEGEND_H}" x2="{bar_x}" y2="{height - 4}" stroke="#767676"/>')
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# HTML


_STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;color:#1b1b1b;
max-width:62rem;line-height:1.45;font-size:1rem}
h1{font-size:1.4rem;margin:.2rem 0 .3rem;line-height:1.25} h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .4rem}
.meta{color:#444;font-size:.9rem;margin:.2rem 0;overflow-wrap:anywhere}
.bottom{border-left:.35rem solid #1f4e79;background:#eef4fa;padding:.1rem .9rem .5rem;margin:1rem 0}
.bottom h2{margin-top:.6rem}
.bottom p{margin:.35rem 0} .bottom p:first-of-type{font-weight:600}
.caution{border:2px solid #9a6700;background:#fff8e1;padding:.6rem .9rem;margin:1rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(22rem,100%),1fr));gap:.8rem}
.card{border:1px solid #b8c2cc;border-radius:.4rem;padding:.7rem .8rem}
.card dl{display:grid;grid-template-columns:1fr auto;gap:.15rem .6rem;margin:0 0 .5rem}
.card dt{color:#333} .card dd{margin:0;text-align:right;font-weight:700;white-space:nowrap}
.card p{margin:.35rem 0;font-size:.95rem}
.tag{font-weight:400;font-size:.85rem;color:#333;white-space:normal}
figure{margin:.5rem 0 1.2rem} .chart{width:100%;max-width:34rem;height:auto;display:block}
figcaption{font-size:.9rem;color:#333;margin-top:.3rem}
ul,ol{padding-left:1.3rem} li{margin:.2rem 0}
.sources{font-size:.85rem;color:#333}
.disclaimer{border:1px solid #9a6700;background:#fff8e1;padding:.6rem;margin-top:1.5rem}
@media print{body{padding:0;max-width:none} .card,figure{break-inside:avoid}}
"""


def handout_html(
    comparison: Comparison,
    *,
    input_hash: str,
    figure: Any = None,
    generated_on: date | None = None,
    clinic_name: str = "",
    lang: str = "en",
    psa: PsaResult | None = None,
    checklist: Sequence[str] = (),
    sources: Mapping[str, Any] | None = None,
) -> str:
    """A self-contained HTML page that needs no network; every piece of text is escaped.

    ``figure`` is accepted for callers written for the plotly handout and ignored: the chart is
    drawn as SVG from the numbers, so no plotly.js is inlined. The other parameters are those of
    :func:`handout_summary`.
    """
    del figure
    s = handout_summary(
        comparison,
        input_hash=input_hash,
        generated_on=generated_on,
        clinic_name=clinic_name,
        lang=lang,
        psa=psa,
        checklist=checklist,
        sources=sources,
    )
    return _html_page(s, lang)


def _html_page(s: HandoutSummary, lang: str) -> str:
    """The HTML handout of a summary (see :func:`handout_html`)."""
    _ = translator(lang).gettext
    e = html.escape
    cards = []
    for o in s.options:
        rows = (
            (s.labels["patient"], o.you_pay, ""),
            (s.labels["total"], o.total_to_you, ""),
            (s.labels["needs_more"], o.needs_more, o.needs_more_evidence),
        )
        dl = "".join(
            f"<dt>{e(name)}</dt><dd>{e(value)}" + (f"<br><span class='tag'>({e(tag)})</span>" if tag else "") + "</dd>"
            for name, value, tag in rows
        )
        extra = f"<p>{e(o.spread)}</p>" if o.spread else ""
        caution = f"<p class='caution'>{e(o.caution)}</p>" if o.caution else ""
        cards.append(
            f"<article class='card'><h3>{e(o.label)}</h3><dl>{dl}</dl>{extra}"
            f"<p><strong>{e(s.labels['includes'])}:</strong> {e(o.includes)}. {e(o.if_not_better)}</p>"
            f"<p>{e(o.outcome)}</p>{caution}</article>"
        )
    clinic = f"<p class='meta'>{e(_('Prepared by {clinic}').format(clinic=s.clinic))}</p>" if s.clinic else ""
    bottom = "".join(f"<p>{e(line)}</p>" for line in s.bottom_line)
    caution = f"<div class='caution' role='note'>{e(s.caution)}</div>" if s.caution else ""

    def items(lines: Iterable[str]) -> str:
        return "".join(f"<li>{e(line)}</li>" for line in lines)

    return (
        f"<!DOCTYPE html><html lang='{e(s.lang)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(s.title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{e(s.title)}</h1>{clinic}<p class='meta'>{e(_meta_line(s))}</p>"
        f"<p class='meta'>{e(s.plan_name)}: {e(' '.join(s.plan_terms))}</p>"
        f"<section class='bottom' aria-labelledby='bottom-line'><h2 id='bottom-line'>{e(_('The bottom line'))}</h2>"
        f"{bottom}</section>{caution}"
        f"<h2>{e(_('What each option is likely to cost you'))}</h2>"
        f"<figure>{chart_svg(s)}<figcaption>{e(_('The same amounts as the options below.'))}</figcaption></figure>"
        f"<h2>{e(_('Your options side by side'))}</h2><div class='cards'>{''.join(cards)}</div>"
        + (f"<h2>{e(_('Assumed equal'))}</h2><ul>{items(s.assumed_equal)}</ul>" if s.assumed_equal else "")
        + f"<h2>{e(_('Questions to ask your clinician'))}</h2><ul>{items(s.questions)}</ul>"
        f"<h2>{e(_('Your plan and the assumptions used'))}</h2><ul>{items(s.plan_lines)}{items(s.notes)}</ul>"
        f"<h2>{e(_('Sources'))}</h2><ol class='sources'>{items(s.sources)}</ol>"
        f"<p class='disclaimer'>{e(s.disclaimer)}</p></main></body></html>"
    )


def handout_files(
    comparison: Comparison,
    *,
    input_hash: str,
    clinic_name: str = "",
    lang: str = "en",
    psa: PsaResult | None = None,
    checklist: Sequence[str] = (),
    sources: Mapping[str, Any] | None = None,
    generated_on: date | None = None,
) -> dict[str, bytes]:
    """Both downloads at once, for the app: ``{"html": ..., "pdf": ...}`` (UTF-8 HTML, PDF bytes).

    The same call the ``report`` command makes, so the app and a clinic's batch print the same
    handout. Nothing is fetched and no browser is started.
    """
    options: dict[str, Any] = {
        "input_hash": input_hash,
        "clinic_name": clinic_name,
        "lang": lang,
        "psa": psa,
        "checklist": checklist,
        "sources": sources,
        "generated_on": generated_on,
    }
    # One summary for both files: they show the same words and numbers, computed once.
    summary = handout_summary(comparison, **options)
    return {"html": _html_page(summary, lang).encode("utf-8"), "pdf": _pdf_document(summary, lang)}


# --------------------------------------------------------------------------------------------
# PDF


def figure_png(figure: Any, width: int = 900, height: int = 450) -> bytes | None:
    """Kept for callers of the plotly handout; always None.

    The PDF draws its own chart from the numbers, so no browser is started (kaleido's Chromium
    looked up outside hosts). A caller may drop this call and the ``chart_png`` argument.
    """
    del figure, width, height
    return None


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def handout_pdf(
    comparison: Comparison,
    *,
    input_hash: str,
    chart_png: bytes | None = None,
    generated_on: date | None = None,
    clinic_name: str = "",
    lang: str = "en",
    psa: PsaResult | None = None,
    checklist: Sequence[str] = (),
    sources: Mapping[str, Any] | None = None,
) -> bytes:
    """The same handout as an A4 PDF (fpdf2), the chart drawn with rectangles and text.

    Page 1 holds the title, the date, the region, the input hash and the plan; the bottom line;
    every option with its cost to the patient, the chance of needing more care (with its
    evidence) and what it includes; the chart when it fits; the disclaimer. The outcome
    figures, questions, assumptions and sources follow. ``chart_png`` is accepted for older
    callers and ignored.
    """

    del chart_png
    s = handout_summary(
        comparison,
        input_hash=input_hash,
        generated_on=generated_on,
        clinic_name=clinic_name,
        lang=lang,
        psa=psa,
        checklist=checklist,
        sources=sources,
    )
    return _pdf_document(s, lang)


def _pdf_document(s: HandoutSummary, lang: str) -> bytes:
    """The PDF handout of a summary (see :func:`handout_pdf`)."""
    from fpdf import FPDF

    _ = translator(lang).gettext
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(s.title)
    pdf.set_creator(_("Low back pain treatment cost comparison"))
    pdf.add_page()
    unicode_font = (_FONT_DIR / "DejaVuSans.ttf").is_file() and (_FONT_DIR / "DejaVuSans-Bold.ttf").is_file()
    if unicode_font:
        pdf.add_font("DejaVu", "", str(_FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
        family = "DejaVu"
    else:
        family = "Helvetica"

    def text(value: str) -> str:
        # The core PDF fonts only know Latin-1: without DejaVu, spell out what they cannot show.
        if unicode_font:
            return value
        for a, b in (("−", "-"), ("–", "-"), ("—", "-"), ("×", "x"), ("→", "->"), ("≤", "<="), ("·", "-")):
            value = value.replace(a, b)
        for a, b in (("’", "'"), ("“", '"'), ("”", '"'), ("…", "...")):
            value = value.replace(a, b)
        return value.encode("latin-1", "replace").decode("latin-1")

    width = pdf.epw

    def para(value: str, size: float = 9, style: str = "", height: float = 4.4, **kwargs: Any) -> None:
        pdf.set_font(family, style, size)
        kwargs.setdefault("align", "L")  # justified text opens wide gaps in short lines
        pdf.multi_cell(0, height, text(value), new_x="LMARGIN", new_y="NEXT", **kwargs)

    def heading(value: str, size: float = 11.5) -> None:
        pdf.ln(1.5)
        para(value, size, "B", 6)

    para(s.title, 15, "B", 7)
    if s.clinic:
        para(_("Prepared by {clinic}").format(clinic=s.clinic), 9)
    para(_meta_line(s), 8.5, height=4.2)
    para(f"{s.plan_name}: " + " ".join(s.plan_terms), 8.5, height=4.2)
    pdf.ln(1.5)

    # The bottom line, shaded, first.
    pdf.set_fill_color(238, 244, 250)
    pdf.set_draw_color(*_hex(_PATIENT_COLOUR))
    para(_("The bottom line"), 11, "B", 6, fill=True)
    para(s.bottom_line[0] if s.bottom_line else "", 10, "B", 4.8, fill=True)
    for line in s.bottom_line[1:]:
        para(line, 9, "", 4.4, fill=True)
    if s.caution:
        pdf.ln(1.5)
        pdf.set_fill_color(255, 248, 225)
        para(s.caution, 9, "B", 4.4, fill=True, border=1)

    heading(_("Your options side by side"))
    pdf.set_font(family, "", 8)
    pdf.set_fill_color(255, 255, 255)
    short_caution = _("You ticked a checklist item: talk to a clinician first (see above).")
    pdf.set_draw_color(184, 194, 204)
    header = (
        s.labels["option"],
        s.labels["patient"],
        s.labels["total"],
        s.labels["needs_more"],
        s.labels["includes"],
    )
    with pdf.table(
        col_widths=(32, 20, 25, 26, 79),  # the fourth wide enough for 'Probabilidad' unbroken
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
        line_height=3.8,
        headings_style=_heading_style(family),
        padding=1.2,
    ) as table:
        table.row([text(h) for h in header])
        for o in s.options:
            table.row(
                [
                    text(o.label),
                    text(o.you_pay),
                    text(o.total_to_you),
                    text(f"{o.needs_more} ({o.needs_more_evidence})"),
                    text(f"{o.includes}. {o.if_not_better}" + (f" {short_caution}" if o.caution else "")),
                ]
            )

    # The chart on page 1 when it fits above the disclaimer, else first on page 2.
    chart_on_page_1 = not pdf.will_page_break(_pdf_chart_height(s) + 16)
    if chart_on_page_1:
        pdf.ln(3)
        _pdf_chart(pdf, s, family, text, width)
    pdf.ln(2)
    para(s.disclaimer, 8.5, "B", 4.2, border=1)

    # Page 2 onward: the detail behind page 1.
    pdf.add_page()
    if not chart_on_page_1:
        _pdf_chart(pdf, s, family, text, width)
    heading(_("Out of 100 people like you"))
    for o in s.options:
        para(f"• {o.outcome}" + (f" {o.spread}" if o.spread else ""), 9)
    for line in s.assumed_equal:
        para(f"• {line}", 9)
    heading(_("Questions to ask your clinician"))
    for line in s.questions:
        para(f"• {line}", 9)
    heading(_("Your plan and the assumptions used"))
    for line in (*s.plan_lines, *s.notes):
        para(f"• {line}", 8.5, height=4.1)
    heading(_("Sources"))
    for i, source in enumerate(s.sources, 1):
        para(f"{i}. {source}", 7, height=3.3)
    return bytes(pdf.output())


def _heading_style(family: str) -> Any:
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD", fill_color=(242, 245, 248), size_pt=8)


_PDF_ROW_H = 11.5


def _pdf_chart_height(s: HandoutSummary) -> float:
    return 5 + 7 + _PDF_ROW_H * len(s.chart) + 2


def _pdf_chart(pdf: Any, s: HandoutSummary, family: str, text: Any, width: float) -> None:
    """The SVG chart's twin: the same rows, bars, labels and amounts, in millimetres."""
    label_w, value_w, row_h = 40.0, 22.0, _PDF_ROW_H
    x0 = pdf.l_margin
    bar_x = x0 + label_w + 2
    bar_w = min(width, 150) - label_w - 2 - value_w
    top = max((bar.total for bar in s.chart), default=0.0) or 1.0
    y = pdf.get_y()
    pdf.set_font(family, "B", 10)
    pdf.cell(
        0, 5, text(translator(s.lang).gettext("What each option is likely to cost you")), new_x="LMARGIN", new_y="NEXT"
    )
    y = pdf.get_y() + 1
    pdf.set_font(family, "", 8)
    for k, (colour, label, h) in enumerate(
        ((_PATIENT_COLOUR, s.labels["patient"], 3.2), (_TOTAL_COLOUR, s.labels["total"], 2.2))
    ):
        lx = x0 + k * 62
        pdf.set_fill_color(*_hex(colour))
        pdf.rect(lx, y + (3.2 - h) / 2, 3.2, h, style="F")
        pdf.set_xy(lx + 4.5, y - 0.4)
        pdf.cell(56, 4, text(label))
    y += 6
    pdf.set_draw_color(118, 118, 118)
    pdf.line(bar_x, y, bar_x, y + row_h * len(s.chart))
    for i, bar in enumerate(s.chart):
        ry = y + i * row_h + 1
        pdf.set_font(family, "B", 8.5)
        lines = wrap_lines(bar.label, 24, 2)
        ty = ry + (4.0 if len(lines) == 1 else 1.6)
        for k, line in enumerate(lines):
            pdf.set_xy(x0, ty + k * 3.8)
            pdf.cell(label_w, 3.8, text(line), align="R")
        w_patient = max(bar.patient / top * bar_w, 0.3 if bar.patient > 0 else 0.0)
        w_total = max(bar.total / top * bar_w, 0.3 if bar.total > 0 else 0.0)
        pdf.set_fill_color(*_hex(_PATIENT_COLOUR))
        if w_patient:
            pdf.rect(bar_x, ry, w_patient, 4.6, style="F")
        pdf.set_xy(bar_x + w_patient + 1.2, ry + 0.3)
        pdf.cell(value_w, 4, text(bar.patient_text))
        pdf.set_fill_color(*_hex(_TOTAL_COLOUR))
        if w_total:
            pdf.rect(bar_x, ry + 5.4, w_total, 3.2, style="F")
        pdf.set_font(family, "", 8)
        pdf.set_xy(bar_x + w_total + 1.2, ry + 5.0)
        pdf.cell(value_w, 4, text(bar.total_text))
    pdf.set_xy(x0, y + row_h * len(s.chart) + 2)
