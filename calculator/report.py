"""The printable handout: a comparison summary a patient can take home (HTML and PDF).

Both formats come from one pure summary (:func:`handout_summary`) so they say the same thing:
the options side by side (cost to the patient, what is included, the chance of needing more),
the main chart, the plan and assumptions used, the sources, the date, the input hash and the
disclaimer. The HTML is self-contained (plotly.js inlined, works offline). The PDF embeds the
chart as a PNG when kaleido can start Chromium, and is a table-only PDF otherwise.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .costing import Comparison, OptionResult
from .formatting import format_money, format_percent
from .models import Scenario
from .presentation import DISCLAIMER

__all__ = ["DISCLAIMER", "figure_png", "handout_html", "handout_pdf", "handout_summary"]

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class OptionSummary:
    label: str
    you_pay: str
    plan_pays: str
    time_and_travel: str
    total_to_you: str
    needs_more: str
    includes: str
    if_not_better: str


@dataclass(frozen=True)
class HandoutSummary:
    title: str
    clinic: str
    generated_on: str
    input_hash: str
    plan_lines: tuple[str, ...]
    options: tuple[OptionSummary, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...]


def _visits_text(result: OptionResult, scenario: Scenario) -> str:
    pathway = scenario.pathways.get(result.id)
    parts = [f"{int(v.count.value)} × {v.name}" for v in pathway.visits if v.count.value > 0]
    return "; ".join(parts) or "no visits"


def _plan_lines(scenario: Scenario) -> list[str]:
    money = scenario.currency
    lines = [f"Prices: {scenario.prices.label} ({scenario.schedule.replace('_', ' ')} schedule)"]
    plan = scenario.insurance
    if plan is None:
        lines.append("Self-pay: you pay the full price of every visit.")
    else:
        left = plan.deductible_left
        lines.append(
            f"Deductible {format_money(plan.deductible.value, money)} ({format_money(left, money)} left); "
            f"coinsurance {format_percent(plan.coinsurance.value)}"
        )
        if plan.oop_max is None:
            lines.append("No out-of-pocket maximum.")
        else:
            room = format_money(plan.oop_room, money)
            lines.append(f"Out-of-pocket maximum {format_money(plan.oop_max.value, money)} ({room} left)")
        if plan.copays:
            copays = ", ".join(f"{k.replace('_', ' ')} {format_money(p.value, money)}" for k, p in plan.copays)
            lines.append(f"Copays: {copays}")
        if plan.uncovered_codes:
            lines.append(
                f"Not covered, charged at the {scenario.uncovered_schedule.replace('_', ' ')} price: "
                + ", ".join(f"{c} ({scenario.prices.row(c).description})" for c in plan.uncovered_codes)
            )
    ind = scenario.indirect
    mileage = format_money(ind.mileage_rate.value, money, cents=True)
    lines.append(
        f"Your time valued at {format_money(ind.hourly_value.value, money, cents=True)}/hour; "
        f"{ind.miles_per_visit.value:g} miles per visit at {mileage}/mile; "
        f"a work day lost at {format_money(ind.daily_wage.value, money)}"
    )
    if scenario.price_overrides:
        lines.append(
            "Clinic prices used: "
            + ", ".join(f"{code} {format_money(p.value, money, cents=True)}" for code, p in scenario.price_overrides)
        )
    return lines


def _sources(scenario: Scenario) -> list[str]:
    seen: dict[str, None] = {}
    for option in scenario.compare:
        for pathway in scenario.pathways.chain(option):
            for source in pathway.sources:
                seen.setdefault(source)
            for visit in pathway.visits:
                for item in visit.items:
                    row = scenario.prices.row(item.code)
                    if row.source:
                        seen.setdefault(f"{row.code} prices: {row.source} ({row.as_of})")
    return list(seen)


def handout_summary(
    comparison: Comparison, *, input_hash: str, generated_on: date | None = None, clinic_name: str = ""
) -> HandoutSummary:
    """Everything the handout says, as text (money formatted in the table's currency)."""
    scenario = comparison.scenario
    money = scenario.currency
    options = []
    for result in comparison:
        pathway = scenario.pathways.get(result.id)
        if pathway.on_failure:
            onward = scenario.pathways.get(pathway.on_failure).label
            if_not = f"If it does not help ({format_percent(result.p_escalate)} chance), next: {onward}."
        else:
            if_not = "No further step is modelled after this option."
        options.append(
            OptionSummary(
                label=result.label,
                you_pay=format_money(result.expected.patient, money),
                plan_pays=format_money(result.expected.insurer, money),
                time_and_travel=format_money(result.expected.indirect, money),
                total_to_you=format_money(result.expected.patient_total, money),
                needs_more=format_percent(result.p_escalate),
                includes=_visits_text(result, scenario),
                if_not_better=if_not,
            )
        )
    return HandoutSummary(
        title=f"Treatment cost comparison: {scenario.label or scenario.name}",
        clinic=clinic_name.strip(),
        generated_on=(generated_on or date.today()).isoformat(),
        input_hash=input_hash,
        plan_lines=tuple(_plan_lines(scenario)),
        options=tuple(options),
        sources=tuple(_sources(scenario)),
        notes=(
            "Costs are expected values per episode of care, including further treatment when the first "
            "option does not help.",
            "Adverse-event costs are not passed through the plan and are not in 'you pay'.",
            "Time and travel value your hours, mileage and lost work days; they are not bills.",
        ),
    )


# --------------------------------------------------------------------------------------------
# HTML


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b;max-width:60rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:1.6rem}
.meta{color:#555;font-size:.9rem} table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid #ccc;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f5f8} td.num{text-align:right;white-space:nowrap}
.disclaimer{border:1px solid #d9a400;background:#fff8e1;padding:.6rem;margin-top:1.5rem}
@media print{body{margin:1cm} .chart{page-break-inside:avoid}}
"""


def handout_html(
    comparison: Comparison,
    *,
    input_hash: str,
    figure: Any = None,
    generated_on: date | None = None,
    clinic_name: str = "",
) -> str:
    """A self-contained HTML page; every piece of user text is escaped."""
    s = handout_summary(comparison, input_hash=input_hash, generated_on=generated_on, clinic_name=clinic_name)
    e = html.escape
    rows = "".join(
        "<tr>"
        f"<td><strong>{e(o.label)}</strong></td><td class='num'>{e(o.you_pay)}</td>"
        f"<td class='num'>{e(o.plan_pays)}</td><td class='num'>{e(o.time_and_travel)}</td>"
        f"<td class='num'>{e(o.needs_more)}</td><td>{e(o.includes)}<br><em>{e(o.if_not_better)}</em></td>"
        "</tr>"
        for o in s.options
    )
    chart = ""
    if figure is not None:
        chart = "<div class='chart'>" + figure.to_html(full_html=False, include_plotlyjs=True) + "</div>"
    clinic = f"<p class='meta'>Prepared by {e(s.clinic)}</p>" if s.clinic else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(s.title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{e(s.title)}</h1>{clinic}"
        f"<p class='meta'>Made on {e(s.generated_on)} · input hash <code>{e(s.input_hash)}</code></p>"
        "<h2>Your options side by side</h2>"
        "<table><thead><tr><th>Option</th><th>You pay (expected)</th><th>Plan pays</th>"
        "<th>Your time and travel</th><th>Chance of needing more care</th><th>What it includes</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"{chart}"
        "<h2>Plan and assumptions used</h2><ul>"
        + "".join(f"<li>{e(line)}</li>" for line in s.plan_lines)
        + "".join(f"<li>{e(note)}</li>" for note in s.notes)
        + "</ul><h2>Sources</h2><ol>"
        + "".join(f"<li>{e(source)}</li>" for source in s.sources)
        + f"</ol><p class='disclaimer'>{e(DISCLAIMER)}</p></body></html>"
    )


# --------------------------------------------------------------------------------------------
# PDF


def figure_png(figure: Any, width: int = 900, height: int = 450) -> bytes | None:
    """The chart as PNG via kaleido (needs Chromium); None when it cannot be made."""
    try:
        return figure.to_image(format="png", width=width, height=height)
    except Exception:  # kaleido or Chromium missing or failing: the PDF goes without the chart
        return None


def handout_pdf(
    comparison: Comparison,
    *,
    input_hash: str,
    chart_png: bytes | None = None,
    generated_on: date | None = None,
    clinic_name: str = "",
) -> bytes:
    """The same handout as a PDF (fpdf2); table-only when no chart image is given."""
    from fpdf import FPDF

    s = handout_summary(comparison, input_hash=input_hash, generated_on=generated_on, clinic_name=clinic_name)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
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
        for a, b in (("−", "-"), ("–", "-"), ("×", "x"), ("→", "->"), ("≤", "<="), ("·", "-"), ("’", "'")):
            value = value.replace(a, b)
        return value.encode("latin-1", "replace").decode("latin-1")

    def heading(value: str, size: int = 12) -> None:
        pdf.set_font(family, "B", size)
        pdf.multi_cell(0, 7, text(value), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)

    heading(s.title, 15)
    meta = f"Made on {s.generated_on} - input hash {s.input_hash}"
    if s.clinic:
        meta = f"Prepared by {s.clinic}. " + meta
    pdf.multi_cell(0, 5, text(meta), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heading("Your options side by side")
    with pdf.table(col_widths=(34, 20, 20, 22, 18, 66), text_align="LEFT", line_height=4.5) as table:
        table.row([text(h) for h in ("Option", "You pay", "Plan pays", "Time, travel", "Needs more", "Includes")])
        for o in s.options:
            table.row(
                [
                    text(o.label),
                    text(o.you_pay),
                    text(o.plan_pays),
                    text(o.time_and_travel),
                    text(o.needs_more),
                    text(f"{o.includes}. {o.if_not_better}"),
                ]
            )
    if chart_png:
        import io

        pdf.ln(3)
        pdf.image(io.BytesIO(chart_png), w=180)
    pdf.ln(2)
    heading("Plan and assumptions used")
    for line in (*s.plan_lines, *s.notes):
        pdf.multi_cell(0, 4.5, text(f"- {line}"), new_x="LMARGIN", new_y="NEXT")
    heading("Sources")
    pdf.set_font(family, "", 7)
    for i, source in enumerate(s.sources, 1):
        pdf.multi_cell(0, 3.6, text(f"{i}. {source}"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, "B", 9)
    pdf.multi_cell(0, 4.5, text(DISCLAIMER), border=1, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
