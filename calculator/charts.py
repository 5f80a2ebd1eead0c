"""Plotly figures for the app, built from results (pure functions: data in, ``go.Figure`` out).

No Streamlit here, so every figure can be unit-tested on ``fig.data`` and reused in a report.
Each chart comes in two parts: a ``*_frame`` function that turns engine results into a tidy
:class:`pandas.DataFrame` (the same table is the chart's text alternative and its CSV download),
and a figure builder that draws that frame. Options keep one colour everywhere
(:data:`OPTION_COLORS`, read from ``data/content/options.toml`` in the same order as ``chartCategoricalColors`` in
``.streamlit/config.toml``); money axes name the currency.

It is long because every figure of the app lives here (about fifteen builders, each a data
frame and a figure, with their shared layout helpers); one module keeps colours, axes and
wrapping consistent across them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go

from . import content
from .costing import Comparison, OptionResult
from .formatting import CURRENCY_SYMBOLS, format_money, format_percent
from .i18n import DEFAULT_LANGUAGE, N_, translator
from .text import plotly_text

__all__ = [
    "CATEGORY_COLORS",
    "OPTION_COLORS",
    "PAYERS",
    "STATE_TILES",
    "acceptability_curve",
    "break_even_chart",
    "branch_table",
    "budget_chart",
    "category_bars",
    "category_frame",
    "ce_plane",
    "cost_distribution",
    "cumulative_frame",
    "cumulative_lines",
    "escalation_tree",
    "icon_array",
    "option_colors",
    "p_cheapest_bars",
    "payer_bars",
    "payer_frame",
    "region_map",
    "tornado",
]

#: Fixed colours by option id (``data/content/options.toml``, the order of
#: ``chartCategoricalColors`` in the theme); any other id gets the next fallback colour.
OPTION_COLORS: dict[str, str] = dict(content.option_palette().colors)
_EXTRA_COLORS = content.option_palette().fallback

#: Who pays, in stacking order: (field of Costs, label, colour).
PAYERS: tuple[tuple[str, str, str], ...] = (
    ("patient", N_("Patient out of pocket"), "#1f5f8b"),
    ("insurer", N_("Plan pays"), "#9ecae1"),
    ("indirect", N_("Patient's time & travel"), "#f2b447"),
    ("adverse_events", N_("Adverse events"), "#c44e52"),
)

#: Characters per line of an option name under a bar: four or five bars in half a 1,366 px page
#: leave about 110 px each (at 18 the names ran into each other).
TICK_WRAP = 12
#: Characters per line of a chart title: a bold 14 px title fits about 44 in a 390 px phone column.
TITLE_WRAP = 44

CATEGORY_COLORS: dict[str, str] = {
    "visit": "#4e79a7",
    "therapy": "#59a14f",
    "procedure": "#b07aa1",
    "drug": "#f28e2b",
    "imaging": "#76b7b2",
    "facility": "#9c755f",
    "anesthesia": "#edc948",
    "other": "#bab0ac",
}
#: The price categories as people read them (``calculator.models.CATEGORIES``), for the catalog.
CATEGORY_NAMES: dict[str, str] = {
    "visit": N_("Visit"),
    "therapy": N_("Therapy"),
    "procedure": N_("Procedure"),
    "drug": N_("Drug"),
    "imaging": N_("Imaging"),
    "facility": N_("Facility"),
    "anesthesia": N_("Anesthesia"),
    "other": N_("Other"),
}

_PERSPECTIVE_LABELS = {
    "patient": N_("patient out of pocket"),
    "insurer": N_("plan pays"),
    "allowed": N_("total billed (allowed amount)"),
    "societal": N_("societal cost"),
    "indirect": N_("patient's time & travel"),
}


def option_colors(ids: Sequence[str]) -> dict[str, str]:
    """A colour for every option id: the fixed palette first, then extras in order.

    >>> option_colors(["medication", "massage"])
    {'medication': '#e07b39', 'massage': '#17becf'}
    """
    colors: dict[str, str] = {}
    extra = 0
    for option in ids:
        if option in OPTION_COLORS:
            colors[option] = OPTION_COLORS[option]
        else:
            colors[option] = _EXTRA_COLORS[extra % len(_EXTRA_COLORS)]
            extra += 1
    return colors


def _money_axis(currency: str, title: str) -> dict[str, object]:
    symbol = CURRENCY_SYMBOLS.get(currency)
    # automargin: room for the tick labels and the axis title (with the 10 px margins of
    # _layout the title of a vertical money axis was cut off at the left edge).
    axis: dict[str, object] = {"title": {"text": f"{title} ({currency})"}, "tickformat": ",.0f", "automargin": True}
    if symbol:
        axis["tickprefix"] = symbol
    else:
        axis["ticksuffix"] = f" {currency}"
    return axis


def _layout(fig: go.Figure, title: str, *, legend: bool = True, height: int | None = None) -> go.Figure:
    # The legend sits at the bottom of the figure (container coordinates, so plotly reserves room
    # for it): never over the title, whatever the number of entries.
    # Plotly never wraps a title: a long one ran off the right edge in a phone-width column, so
    # titles are wrapped at TITLE_WRAP characters (already wrapped ones are kept) and the top
    # margin grows by a line for each extra line.
    if "<br>" not in title:
        title = wrap(title, TITLE_WRAP)
    extra_lines = title.count("<br>")
    fig.update_layout(
        title={"text": title},
        margin={"l": 10, "r": 10, "t": 60 + 22 * extra_lines, "b": 10},
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "xanchor": "left",
            "x": 0,
            "traceorder": "normal",
        },
        showlegend=legend,
        hoverlabel={"namelength": -1},
    )
    if height is not None:
        fig.update_layout(height=height + 22 * extra_lines)
    return fig


def wrap(text: str, width: int = 18, max_lines: int | None = None) -> str:
    """Break a label into lines of about ``width`` characters (``<br>``) for axis ticks.

    >>> wrap("Medication (NSAID, short muscle relaxant)", 18)
    'Medication (NSAID,<br>short muscle<br>relaxant)'
    >>> wrap("one two three four", 8, max_lines=2)
    'one two<br>three…'
    """
    lines: list[str] = []
    current = ""
    # Escaped first (a label from an upload or a link may hold <a href>): the <br>s below are ours.
    for word in plotly_text(text).split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(",;:") + "…"
    return "<br>".join(lines)


def _labels(comparison: Comparison) -> dict[str, str]:
    return {o.id: plotly_text(o.label) for o in comparison}


# --------------------------------------------------------------------------------------------
# Who pays


def payer_frame(comparison: Comparison) -> pd.DataFrame:
    """Expected cost per option split by who bears it (one row per option)."""
    rows = []
    for o in comparison:
        costs = o.expected
        rows.append(
            {
                "option": o.id,
                "label": o.label,
                **{field: float(getattr(costs, field)) for field, _, _ in PAYERS},
                "total": float(costs.patient + costs.insurer + costs.indirect + costs.adverse_events),
            }
        )
    return pd.DataFrame(rows, columns=["option", "label", *(f for f, _, _ in PAYERS), "total"])


def payer_bars(
    frame: pd.DataFrame, currency: str, *, include: Sequence[str] | None = None, lang: str = DEFAULT_LANGUAGE
) -> go.Figure:
    """Stacked bars: for each option, the expected cost by who pays it.

    ``include`` limits the stack to some of ``patient``, ``insurer``, ``indirect``,
    ``adverse_events`` (default all four).
    """
    _ = translator(lang).gettext
    fig = go.Figure()
    keep = set(include) if include is not None else None
    for field, english, color in PAYERS:
        if keep is not None and field not in keep:
            continue
        name = _(english)
        values = frame[field].astype(float).tolist()
        fig.add_trace(
            go.Bar(
                name=name,
                x=[wrap(label, TICK_WRAP) for label in frame["label"]],
                y=values,
                marker_color=color,
                customdata=[format_money(v, currency) for v in values],
                hovertemplate=f"%{{x}}<br>{name}: %{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", yaxis=_money_axis(currency, _("Expected cost per episode")))
    fig.update_xaxes(title={"text": _("Treatment started with")}, tickangle=0)
    return _layout(fig, _("Who pays: expected cost per episode"), height=460)


# --------------------------------------------------------------------------------------------
# By price category


def category_frame(comparison: Comparison) -> pd.DataFrame:
    """Expected allowed amount per option and price category (long format).

    Each branch's visit lines carry the allowed amount by category; weighting them by the
    branch probability gives the expected allowed amount, so the rows of an option add up to
    its ``expected.allowed``.
    """
    rows = []
    for o in comparison:
        totals: dict[str, float] = {}
        for branch in o.branches:
            for line in branch.lines:
                for category, amount in line.by_category:
                    totals[category] = totals.get(category, 0.0) + branch.probability * amount
        for category, amount in totals.items():
            rows.append({"option": o.id, "label": o.label, "category": category, "allowed": float(amount)})
    return pd.DataFrame(rows, columns=["option", "label", "category", "allowed"])


def category_bars(frame: pd.DataFrame, currency: str, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Stacked bars: for each option, the expected billed (allowed) amount by price category."""
    _ = translator(lang).gettext
    fig = go.Figure()
    labels = list(dict.fromkeys(frame["label"]))
    categories = [c for c in CATEGORY_COLORS if c in set(frame["category"])]
    categories += sorted(set(frame["category"]) - set(categories))
    for category in categories:
        part = frame[frame["category"] == category].set_index("label")["allowed"]
        values = [float(part.get(label, 0.0)) for label in labels]
        shown = _(CATEGORY_NAMES[category]) if category in CATEGORY_NAMES else category.capitalize()
        fig.add_trace(
            go.Bar(
                name=shown,
                x=[wrap(label, TICK_WRAP) for label in labels],
                y=values,
                marker_color=CATEGORY_COLORS.get(category, "#7f7f7f"),
                customdata=[format_money(v, currency) for v in values],
                hovertemplate=f"%{{x}}<br>{shown}: %{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", yaxis=_money_axis(currency, _("Expected billed amount")))
    fig.update_xaxes(title={"text": _("Treatment started with")}, tickangle=0)
    return _layout(fig, _("What is billed: expected allowed amount by kind of service"), height=460)


# --------------------------------------------------------------------------------------------
# Cumulative cost over the weeks of the episode


def _visit_times(start: float, weeks: float, count: int, before: int, total: int) -> np.ndarray:
    """Times of ``count`` visits that follow ``before`` earlier visits of the same pathway.

    A pathway's ``total`` visits are spaced evenly over its weeks, in the order listed: visit
    ``j`` (0-based) happens at ``start + weeks × j / total``.
    """
    j = np.arange(before, before + count, dtype=float)
    return start + weeks * j / max(total, 1)


def cumulative_frame(comparison: Comparison, perspective: str = "patient") -> pd.DataFrame:
    """Expected cumulative cost by week for each option (long format: week, option, label, cost).

    Placement rule: within a pathway the visits are spread evenly over the pathway's weeks in
    the order they are listed (the first visit at the pathway's start week). A group of visits
    is split into its single visits, each carrying an equal share of the group's cost. Week
    ``w`` shows everything paid for visits that happened before the end of week ``w``, weighted
    by the probability of the branch. ``perspective`` is ``patient``, ``insurer`` or ``allowed``
    (visit costs only: time off work and adverse events are not tied to a visit).
    """
    if perspective not in ("patient", "insurer", "allowed"):
        raise ValueError(f"perspective must be patient, insurer or allowed, not {perspective!r}")
    events: dict[str, list[tuple[float, float]]] = {}
    horizon = 0.0
    for o in comparison:
        points: list[tuple[float, float]] = []
        for branch in o.branches:
            totals: dict[str, int] = {}
            for line in branch.lines:
                totals[line.pathway] = totals.get(line.pathway, 0) + int(round(line.count))
            seen: dict[str, int] = {}
            for line in branch.lines:
                count = int(round(line.count))
                before = seen.get(line.pathway, 0)
                seen[line.pathway] = before + count
                horizon = max(horizon, line.start_week + line.weeks)
                if count <= 0:
                    continue
                amount = branch.probability * float(getattr(line, perspective)) / count
                for t in _visit_times(line.start_week, line.weeks, count, before, totals[line.pathway]):
                    points.append((float(t), amount))
        events[o.id] = points
    last = int(np.ceil(horizon)) if horizon > 0 else 1
    weeks = np.arange(0, last + 1)
    rows = []
    # Plain labels, like the other frames (a page shows them in its data table); the figure escapes them.
    labels = {o.id: o.label for o in comparison}
    for option, points in events.items():
        times = np.array([p[0] for p in points])
        amounts = np.array([p[1] for p in points])
        for w in weeks:
            # Week 0 is the start (nothing paid yet); week w counts visits before its end.
            cost = float(amounts[times < w].sum()) if len(points) else 0.0
            rows.append({"week": int(w), "option": option, "label": labels[option], "cost": cost})
    return pd.DataFrame(rows, columns=["week", "option", "label", "cost"])


def cumulative_lines(
    frame: pd.DataFrame, currency: str, perspective: str = "patient", lang: str = DEFAULT_LANGUAGE
) -> go.Figure:
    """One line per option: expected cumulative cost by the end of each week."""
    _ = translator(lang).gettext
    fig = go.Figure()
    colors = option_colors(list(dict.fromkeys(frame["option"])))
    for option, part in frame.groupby("option", sort=False):
        values = part["cost"].astype(float).tolist()
        fig.add_trace(
            go.Scatter(
                name=plotly_text(str(part["label"].iloc[0])),
                x=part["week"].tolist(),
                y=values,
                mode="lines+markers",
                line={"color": colors[str(option)], "width": 3},
                marker={"size": 5},
                customdata=[format_money(v, currency) for v in values],
                hovertemplate=_("Week %{x}") + ": %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    what = _(_PERSPECTIVE_LABELS[perspective]) if perspective in _PERSPECTIVE_LABELS else perspective
    fig.update_layout(yaxis=_money_axis(currency, _("Cumulative expected cost")))
    fig.update_xaxes(title={"text": _("Weeks since the start of treatment")}, rangemode="tozero")
    return _layout(fig, _("Cost over the episode ({what})").format(what=what), height=460)


# --------------------------------------------------------------------------------------------
# Escalation tree


def escalation_tree(
    option: OptionResult, labels: Mapping[str, str], currency: str, lang: str = DEFAULT_LANGUAGE
) -> go.Figure:
    """A tree of the escalation: at each step, the share who stop there and who go on.

    Drawn as a decision tree (markers, lines and labels) rather than a Sankey or icicle, whose
    tiny boxes make the rare late steps unreadable. Step k sits on the diagonal at ``(k, −k)``;
    "stop after step k" (the branch ending there: responders, and non-responders who do not go
    on) sits to its right at ``(k + 1, −k)``; the next step below that. Edge labels are branch
    probabilities; marker areas grow with the share of people.

    Traces: ``edges`` (lines), ``edge labels`` (text), ``steps`` (one marker per step), ``stops``
    (one marker per branch, including everyone who stops after the last step).
    """
    _ = translator(lang).gettext
    path = option.branches[-1].path if option.branches else (option.id,)
    palette = option_colors(list(path))
    # Hover texts are HTML to plotly too, so every label in them is escaped (wrap() escapes its own).
    start = plotly_text(labels.get(path[0], path[0]))
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    edge_text: list[tuple[float, float, str, str]] = []
    steps: dict[str, list] = {"x": [], "y": [], "text": [], "color": [], "size": [], "hover": []}
    stops: dict[str, list] = {"x": [], "y": [], "text": [], "size": [], "hover": []}

    def size(share: float) -> float:
        return 12 + 34 * float(np.sqrt(max(share, 0.0)))

    def edge(x0: float, y0: float, x1: float, y1: float, share: float) -> None:
        edge_x.extend([x0, x1, None])
        edge_y.extend([y0, y1, None])
        # Above a horizontal edge ("stop"), right of a diagonal one ("go on").
        edge_text.append(((x0 + x1) / 2, (y0 + y1) / 2, _share(share), "top center" if y0 == y1 else "middle right"))

    reach = 1.0
    for k, step in enumerate(path):
        shown = labels.get(step, step)
        name = plotly_text(shown)
        steps["x"].append(k)
        steps["y"].append(-k)
        steps["text"].append(f"<b>{wrap(shown, 22)}</b><br>" + _("{share} get here").format(share=_share(reach)))
        steps["color"].append(palette[step])
        steps["size"].append(size(reach))
        steps["hover"].append(
            _("{share} of people starting with {start} take {name}").format(
                share=format_percent(reach, 1), start=start, name=name
            )
        )
        if k > 0:
            edge(k - 1, -(k - 1), k, -k, reach)
        branch = next((b for b in option.branches if b.path == path[: k + 1]), None)
        if branch is None:
            continue
        last = k == len(path) - 1
        stops["x"].append(k + 1)
        stops["y"].append(-k)
        stops["text"].append(
            (_("Stop") if last else _("Stop here"))
            + f": {_share(branch.probability)}<br>"
            + _("patient pays {amount}").format(amount=format_money(branch.costs.patient, currency))
        )
        stops["size"].append(size(branch.probability))
        stops["hover"].append(
            _("{share} stop after {name}").format(share=format_percent(branch.probability, 1), name=name)
            + (_(" (the last option)") if last else "")
            + _("; on this path the patient pays {amount}").format(amount=format_money(branch.costs.patient, currency))
        )
        edge(k, -k, k + 1, -k, branch.probability)
        if not last:
            reach -= branch.probability

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name="edges", x=edge_x, y=edge_y, mode="lines", line={"color": "#9e9e9e", "width": 2}, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            name="edge labels",
            x=[e[0] for e in edge_text],
            y=[e[1] for e in edge_text],
            text=[e[2] for e in edge_text],
            mode="text",
            textfont={"size": 13, "color": "#333333"},
            textposition=[e[3] for e in edge_text],
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="steps",
            x=steps["x"],
            y=steps["y"],
            text=steps["text"],
            customdata=steps["hover"],
            mode="markers+text",
            # Below the first step; left of the later ones (the space the diagonal leaves free).
            textposition=["bottom center"] + ["middle left"] * (len(steps["x"]) - 1),
            marker={"size": steps["size"], "color": steps["color"], "line": {"width": 1, "color": "white"}},
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="stops",
            x=stops["x"],
            y=stops["y"],
            text=stops["text"],
            customdata=stops["hover"],
            mode="markers+text",
            textposition="middle right",
            marker={"size": stops["size"], "color": "#bdbdbd", "line": {"width": 1, "color": "white"}},
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    depth = len(path)
    fig.update_xaxes(visible=False, range=[-0.6, depth + 1.3], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-depth + 0.35, 0.45], fixedrange=True)
    fig.update_layout(plot_bgcolor="rgba(0,0,0,0)")
    return _layout(
        fig, _("Who needs more care, starting with {start}").format(start=start), legend=False, height=140 + 130 * depth
    )


def _share(p: float) -> str:
    """A share of people: one decimal below 10% (0.2%), whole percent above (86%)."""
    return format_percent(p, 1 if p < 0.1 else 0)


def branch_table(option: OptionResult, labels: Mapping[str, str]) -> pd.DataFrame:
    """The branches of one option: path, probability and expected costs of that path."""
    rows = []
    for b in option.branches:
        rows.append(
            {
                "path": " → ".join(labels.get(p, p) for p in b.path),
                "probability": b.probability,
                "patient": b.costs.patient,
                "insurer": b.costs.insurer,
                "allowed": b.costs.allowed,
                "indirect": b.costs.indirect,
                "adverse_events": b.costs.adverse_events,
            }
        )
    return pd.DataFrame(
        rows, columns=["path", "probability", "patient", "insurer", "allowed", "indirect", "adverse_events"]
    )


# --------------------------------------------------------------------------------------------
# Icon array


def icon_array(groups: Sequence[tuple[str, int, str]], title: str, *, per_row: int = 10) -> go.Figure:
    """100 (or any number of) people as markers in a grid, coloured by what happens to them.

    ``groups`` are ``(label, count, colour)`` in display order; markers fill row by row from
    the top left. One trace per group, so the legend names each outcome.
    """
    fig = go.Figure()
    position = 0
    for label, count, color in groups:
        if count <= 0:
            continue
        index = np.arange(position, position + count)
        position += count
        fig.add_trace(
            go.Scatter(
                name=wrap(f"{label} ({count})", 36),
                x=(index % per_row).tolist(),
                y=(-(index // per_row)).tolist(),
                mode="markers",
                marker={"symbol": "circle", "size": 20, "color": color, "line": {"width": 1, "color": "white"}},
                hovertemplate=f"{label}: {count}<extra></extra>",
            )
        )
    rows = max(1, int(np.ceil(position / per_row)))
    fig.update_xaxes(visible=False, range=[-0.6, per_row - 0.4], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-rows + 0.4, 0.6], scaleanchor="x", scaleratio=1, fixedrange=True)
    fig.update_layout(plot_bgcolor="rgba(0,0,0,0)")
    # The title names the option, often long: wrapped (a single line was cut off in a narrow
    # column and on a phone), with the top margin grown to hold its lines.
    _layout(fig, wrap(title, 34), height=500)
    fig.update_layout(legend={"orientation": "v", "entrywidthmode": "fraction", "entrywidth": 1})
    return fig


# --------------------------------------------------------------------------------------------
# Sensitivity and uncertainty


def tornado(frame: pd.DataFrame, base: float, currency: str, title: str, *, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Horizontal bars from the base case to the cost at each parameter's low and high value.

    ``frame`` has one row per parameter, largest swing first, with columns ``label``,
    ``cost_low`` and ``cost_high`` (the option's cost with the parameter at its low / high
    value) and optionally ``low_text``/``high_text`` (how the ends are shown in the hover) and
    ``low_mark``/``high_mark`` (text at the end of the bar, e.g. which option becomes cheapest).
    """
    _ = translator(lang).gettext
    frame = frame.iloc[::-1]  # plotly draws the first category at the bottom
    full = frame["label"].astype(str).tolist()
    # Two lines of 32 characters: at 48 the labels left the bars ~70 px on a phone (and three
    # lines overlap in a 44 px row).
    labels = [wrap(label, 32, max_lines=2) for label in full]
    low = frame["cost_low"].astype(float).to_numpy()
    high = frame["cost_high"].astype(float).to_numpy()
    low_text = frame["low_text"].tolist() if "low_text" in frame else [""] * len(frame)
    high_text = frame["high_text"].tolist() if "high_text" in frame else [""] * len(frame)
    low_mark = frame["low_mark"].tolist() if "low_mark" in frame else [""] * len(frame)
    high_mark = frame["high_mark"].tolist() if "high_mark" in frame else [""] * len(frame)
    fig = go.Figure()
    for name, ends, texts, marks, color in (
        (_("Parameter at its low value"), low, low_text, low_mark, "#4e79a7"),
        (_("Parameter at its high value"), high, high_text, high_mark, "#e15759"),
    ):
        fig.add_trace(
            go.Bar(
                name=name,
                y=labels,
                x=(ends - base).tolist(),
                base=[base] * len(labels),
                orientation="h",
                marker_color=color,
                text=[plotly_text(m) for m in marks],
                textposition="outside",
                cliponaxis=False,
                customdata=[
                    [format_money(float(e), currency), plotly_text(t), plotly_text(f)]
                    for e, t, f in zip(ends, texts, full, strict=True)
                ],
                hovertemplate="%{customdata[2]}<br>%{customdata[1]}<br>"
                + _("cost")
                + " %{customdata[0]}<extra>"
                + name
                + "</extra>",
            )
        )
    fig.add_vline(x=base, line_color="#333333", line_width=1)
    fig.update_layout(barmode="overlay", xaxis=_money_axis(currency, _("Expected cost")))
    fig.update_xaxes(range=_tornado_range(base, low, high, low_mark, high_mark))
    fig.update_yaxes(title={"text": ""}, automargin=True)
    return _layout(fig, title, height=max(360, 140 + 44 * len(labels)))


def _tornado_range(
    base: float, low: np.ndarray, high: np.ndarray, low_mark: Sequence[str], high_mark: Sequence[str]
) -> list[float]:
    """The tornado's x range with room for the text at the bar ends.

    Text drawn outside a bar is not clipped to the plot (``cliponaxis=False``), so without room
    a mark at a left end was drawn over the row labels. Each side gets 5% of the span, plus about
    2.2% of the span per character of its longest mark (a character is ~7 px, and the padded span
    gets ~450 px of a 600 px plot: 1.6%; measured on a rendered chart, 2.2% clears the labels).

    >>> _tornado_range(500.0, np.array([300.0]), np.array([700.0]), ["cheapest: PT"], [""])
    [174.4, 720.0]
    """
    ends = np.concatenate([low, high, [base]])
    lo, hi = float(ends.min()), float(ends.max())
    span = (hi - lo) or max(abs(base), 1.0)
    left = right = 0.0
    for value, mark in (*zip(low, low_mark, strict=True), *zip(high, high_mark, strict=True)):
        room = 0.022 * span * len(mark if isinstance(mark, str) else "")
        if value < base:
            left = max(left, room)
        else:
            right = max(right, room)
    return [lo - 0.05 * span - left, hi + 0.05 * span + right]


def cost_distribution(
    summary: Mapping[str, Mapping[str, float]],
    labels: Mapping[str, str],
    currency: str,
    title: str,
    *,
    lang: str = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Box per option from precomputed statistics (small payload whatever the number of draws).

    ``summary[option]`` has ``p2_5``, ``q1``, ``median``, ``q3``, ``p97_5`` and ``mean``: the
    whiskers are the 95% interval, the box the interquartile range.
    """
    fig = go.Figure()
    colors = option_colors(list(summary))
    # Horizontal boxes: the option names sit on the y axis, one per row, so long names never
    # collide (under each box, as x labels, they ran into each other at 1,366 px).
    for option, stats in summary.items():
        fig.add_trace(
            go.Box(
                name=plotly_text(labels.get(option, option)),
                y=[wrap(labels.get(option, option), 22)],
                orientation="h",
                q1=[stats["q1"]],
                median=[stats["median"]],
                q3=[stats["q3"]],
                lowerfence=[stats["p2_5"]],
                upperfence=[stats["p97_5"]],
                mean=[stats["mean"]],
                marker_color=colors[option],
                boxpoints=False,
                hoverinfo="x+name",
            )
        )
    _ = translator(lang).gettext
    fig.update_layout(xaxis=_money_axis(currency, _("Expected cost per episode")))
    fig.update_yaxes(title={"text": ""}, automargin=True, autorange="reversed")  # the first option on top
    return _layout(fig, title, legend=False, height=max(320, 140 + 60 * len(summary)))


def p_cheapest_bars(
    p_cheapest: Mapping[str, float], labels: Mapping[str, str], title: str, *, lang: str = DEFAULT_LANGUAGE
) -> go.Figure:
    """Bars: in what share of the draws each option is the cheapest."""
    options = list(p_cheapest)
    colors = option_colors(options)
    values = [float(p_cheapest[o]) for o in options]
    fig = go.Figure(
        go.Bar(
            x=[wrap(labels.get(o, o), TICK_WRAP) for o in options],
            y=values,
            marker_color=[colors[o] for o in options],
            text=[format_percent(v) for v in values],
            textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    _ = translator(lang).gettext
    fig.update_yaxes(title={"text": _("Probability of being the cheapest")}, tickformat=".0%", range=[0, 1.1])
    fig.update_xaxes(title={"text": _("Treatment started with")}, tickangle=0)
    return _layout(fig, title, legend=False)


def ce_plane(
    points: Mapping[str, tuple[np.ndarray, np.ndarray]],
    labels: Mapping[str, str],
    comparator: str,
    currency: str,
    *,
    wtp: float | None = None,
    max_points: int = 1000,
    lang: str = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Cost-effectiveness plane: each draw's incremental QALYs (x) and cost (y) against
    ``comparator``. ``points[option] = (d_qaly, d_cost)``; at most ``max_points`` per option
    are drawn (evenly thinned). A dashed line marks the willingness to pay ``wtp`` per QALY."""
    fig = go.Figure()
    colors = option_colors(list(points))
    for option, (d_qaly, d_cost) in points.items():
        d_qaly = np.asarray(d_qaly, dtype=float)
        d_cost = np.asarray(d_cost, dtype=float)
        step = max(1, int(np.ceil(len(d_qaly) / max_points)))
        fig.add_trace(
            go.Scatter(
                name=plotly_text(labels.get(option, option)),
                x=d_qaly[::step].tolist(),
                y=d_cost[::step].tolist(),
                mode="markers",
                marker={"color": colors[option], "size": 4, "opacity": 0.45},
                hovertemplate="ΔQALY %{x:.3f}<br>Δcost %{y:,.0f}<extra>%{fullData.name}</extra>",
            )
        )
    xs = np.concatenate([np.asarray(q, dtype=float) for q, _ in points.values()]) if points else np.zeros(1)
    ys = np.concatenate([np.asarray(c, dtype=float) for _, c in points.values()]) if points else np.zeros(1)
    low, high = min(float(ys.min()), 0.0), max(float(ys.max()), 0.0)
    pad = 0.08 * (high - low or 1.0)
    # The axes fit the draws (the threshold line is clipped to them, not the other way round).
    fig.update_yaxes(range=[low - pad, high + pad])
    if wtp is not None and points:
        span = float(np.max(np.abs(xs))) if xs.size else 1.0
        span = span or 1.0
        fig.add_trace(
            go.Scatter(
                name=translator(lang)
                .gettext("Willingness to pay {amount} per QALY")
                .format(amount=format_money(wtp, currency)),
                x=[-span, span],
                y=[-span * wtp, span * wtp],
                mode="lines",
                line={"color": "#555555", "dash": "dash"},
                hoverinfo="skip",
            )
        )
    fig.add_hline(y=0, line_color="#999999", line_width=1)
    fig.add_vline(x=0, line_color="#999999", line_width=1)
    _ = translator(lang).gettext
    fig.update_yaxes(**_money_axis(currency, _("Incremental cost")))
    fig.update_xaxes(title={"text": _("Incremental QALYs (one dot per draw)")})
    return _layout(fig, _("Cost-effectiveness plane vs {option}").format(option=labels.get(comparator, comparator)))


def acceptability_curve(
    wtp: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    labels: Mapping[str, str],
    currency: str,
    *,
    lang: str = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Cost-effectiveness acceptability curve: P(option has the highest net benefit) by WTP."""
    fig = go.Figure()
    colors = option_colors(list(curves))
    x = [float(v) for v in wtp]
    for option, ys in curves.items():
        fig.add_trace(
            go.Scatter(
                name=plotly_text(labels.get(option, option)),
                x=x,
                y=[float(v) for v in ys],
                mode="lines",
                line={"color": colors[option], "width": 3},
                hovertemplate=translator(lang).gettext("%{y:.0%} at %{x:,.0f} per QALY")
                + "<extra>%{fullData.name}</extra>",
            )
        )
    _ = translator(lang).gettext
    fig.update_layout(xaxis=_money_axis(currency, _("Willingness to pay per QALY")))
    fig.update_yaxes(title={"text": _("Probability of being cost-effective")}, tickformat=".0%", range=[0, 1.02])
    return _layout(fig, _("Cost-effectiveness acceptability curve"))


def break_even_chart(
    grid: Sequence[float],
    costs: Mapping[str, Sequence[float]],
    labels: Mapping[str, str],
    currency: str,
    parameter: str,
    *,
    value: float | None = None,
    base: float | None = None,
    x_is_money: bool = False,
    lang: str = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Cost of each option as one parameter moves over its range; the crossing is marked."""
    fig = go.Figure()
    colors = option_colors(list(costs))
    x = [float(v) for v in grid]
    for option, ys in costs.items():
        values = [float(v) for v in ys]
        fig.add_trace(
            go.Scatter(
                name=plotly_text(labels.get(option, option)),
                x=x,
                y=values,
                mode="lines",
                line={"color": colors[option], "width": 3},
                customdata=[format_money(v, currency) for v in values],
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    if base is not None:
        fig.add_vline(x=base, line_color="#999999", line_dash="dot", annotation_text="base case")
    if value is not None:
        fig.add_vline(x=value, line_color="#333333", line_dash="dash", annotation_text="break-even")
    _ = translator(lang).gettext
    fig.update_layout(yaxis=_money_axis(currency, _("Expected cost")))
    if x_is_money:
        fig.update_layout(xaxis=_money_axis(currency, parameter))
    else:
        fig.update_xaxes(title={"text": parameter})
    return _layout(fig, _("Break-even: cost as {parameter} changes").format(parameter=parameter))


def budget_chart(frame: pd.DataFrame, currency: str, title: str, *, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Grouped bars by year: total cost with the current and the proposed mix.

    ``frame`` has columns ``year``, ``current``, ``proposed`` (totals in ``currency``).
    """
    fig = go.Figure()
    _ = translator(lang).gettext
    years = [_("Year {number}").format(number=int(y)) for y in frame["year"]]
    for column, name, color in (("current", _("Current mix"), "#9ecae1"), ("proposed", _("Proposed mix"), "#1f5f8b")):
        values = frame[column].astype(float).tolist()
        fig.add_trace(
            go.Bar(
                name=name,
                x=years,
                y=values,
                marker_color=color,
                customdata=[format_money(v, currency) for v in values],
                hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(barmode="group", yaxis=_money_axis(currency, _("Total annual cost")))
    fig.update_xaxes(title={"text": _("Budget year")})
    return _layout(fig, title)


# --------------------------------------------------------------------------------------------
# Regions: a tile map of the states (no geographic data, nothing fetched)

#: (column, row) of each state's square in a "state tile grid"; rows run from the top. Drawn
#: with plain scatter squares, so the map needs no topojson and loads nothing from other hosts.
STATE_TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (10, 0),
    "WI": (5, 1), "VT": (9, 1), "NH": (10, 1),
    "WA": (0, 2), "ID": (1, 2), "MT": (2, 2), "ND": (3, 2), "MN": (4, 2), "IL": (5, 2), "MI": (6, 2),
    "NY": (8, 2), "MA": (9, 2),
    "OR": (0, 3), "NV": (1, 3), "WY": (2, 3), "SD": (3, 3), "IA": (4, 3), "IN": (5, 3), "OH": (6, 3),
    "PA": (7, 3), "NJ": (8, 3), "CT": (9, 3), "RI": (10, 3),
    "CA": (0, 4), "UT": (1, 4), "CO": (2, 4), "NE": (3, 4), "MO": (4, 4), "KY": (5, 4), "WV": (6, 4),
    "VA": (7, 4), "MD": (8, 4), "DE": (9, 4),
    "AZ": (1, 5), "NM": (2, 5), "KS": (3, 5), "AR": (4, 5), "TN": (5, 5), "NC": (6, 5), "SC": (7, 5),
    "DC": (8, 5),
    "OK": (3, 6), "LA": (4, 6), "MS": (5, 6), "AL": (6, 6), "GA": (7, 6),
    "HI": (0, 7), "TX": (3, 7), "FL": (8, 7), "PR": (9, 7), "VI": (10, 7),
}  # fmt: skip


def _readable_text(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (``rgb(r, g, b)`` or ``#rrggbb``)."""
    if fill.startswith("#"):
        channels = [int(fill[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(float(v)) for v in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def region_map(
    frame: pd.DataFrame,
    currency: str,
    title: str,
    *,
    names: Mapping[str, str] | None = None,
    difference: bool = False,
    value_label: str = "Expected cost",
) -> go.Figure:
    """A tile map of the states coloured by one number each (SPEC §3.1b map).

    Parameters
    ----------
    frame : DataFrame
        One row per state: ``state`` (two letters), ``value`` (money), ``mapped`` (the locality
        the colour is), ``low``, ``high`` (the range over the state's localities) and
        ``localities`` (count), as :func:`calculator.regions.state_summary` gives it.
    currency : str
        Currency code for the hover text and colour bar.
    title : str
        The figure title.
    names : mapping, optional
        State names by code for the hover text.
    difference : bool
        Values are differences (may be negative): a diverging scale centred on 0.
    value_label : str
        What the value is, for the colour bar and hover text.

    Returns
    -------
    go.Figure
        One scatter trace of square markers (one per state, labelled with its code), a colour
        bar, no axes; nothing geographic, so nothing is fetched.
    """
    names = names or {}
    rows = frame[frame["state"].isin(list(STATE_TILES))].reset_index(drop=True)
    values = rows["value"].astype(float).to_numpy()
    scale = "RdBu_r" if difference else "Blues"
    if len(values):
        low, high = float(values.min()), float(values.max())
    else:
        low, high = 0.0, 1.0
    if difference:
        bound = max(abs(low), abs(high)) or 1.0
        low, high = -bound, bound
    span = high - low or 1.0
    fills = pc.sample_colorscale(scale, [float(np.clip((v - low) / span, 0, 1)) for v in values]) if len(values) else []
    hover = []
    for i in range(len(rows)):
        state, mapped = str(rows["state"].iloc[i]), str(rows["mapped"].iloc[i])
        count = int(rows["localities"].iloc[i])
        value, lowest, highest = (float(rows[c].iloc[i]) for c in ("value", "low", "high"))
        text = f"<b>{names.get(state, state)}</b><br>{value_label}: {format_money(value, currency)}"
        if count > 1:
            text += (
                f"<br>{count} localities, {format_money(lowest, currency)} to "
                f"{format_money(highest, currency)}<br>Colour: the median locality, {mapped}"
            )
        else:
            text += f"<br>Locality {mapped}"
        hover.append(text)
    fig = go.Figure(
        go.Scatter(
            x=[STATE_TILES[s][0] for s in rows["state"]],
            y=[STATE_TILES[s][1] for s in rows["state"]],
            mode="markers+text",
            text=list(rows["state"]),
            textfont={"color": [_readable_text(f) for f in fills], "size": 12},
            marker={
                "symbol": "square",
                "size": 38,
                "color": values,
                "colorscale": scale,
                "cmin": low,
                "cmax": high,
                "line": {"width": 1, "color": "#ffffff"},
                # Cents when the states differ by little, so the ticks do not all read the same.
                "colorbar": {
                    "title": {"text": f"{value_label} ({currency})"},
                    "tickformat": ",.0f" if span >= 20 else ",.2f",
                },
            },
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name=value_label,
        )
    )
    _layout(fig, title, legend=False, height=480)
    fig.update_xaxes(visible=False, range=[-0.7, 10.7])
    fig.update_yaxes(visible=False, range=[7.7, -0.7], scaleanchor="x", scaleratio=1)
    return fig
