"""Figure builders (``calculator.charts``) tested on ``fig.data``: right traces, right values."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from calculator import charts
from calculator.costing import compare, parameters
from calculator.formatting import format_percent
from calculator.io import DATA_DIR, load_scenario
from calculator.text import plotly_text


@pytest.fixture(scope="module")
def comparison():
    return compare(load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json"))


@pytest.fixture(scope="module")
def labels(comparison):
    return {p.id: p.label for p in comparison.scenario.pathways.pathways}


class TestColors:
    def test_default_options_keep_their_colour_in_any_order(self):
        one = charts.option_colors(["surgery", "dry_needling"])
        two = charts.option_colors(["dry_needling", "medication", "physical_therapy", "surgery", "fusion"])
        assert one["surgery"] == two["surgery"] == charts.OPTION_COLORS["surgery"]
        assert one["dry_needling"] == two["dry_needling"]
        assert len(set(two.values())) == 5

    def test_new_options_get_distinct_colours(self):
        colors = charts.option_colors(["a", "b", "medication"])
        assert len(set(colors.values())) == 3
        assert colors["medication"] == charts.OPTION_COLORS["medication"]

    def test_default_palette_matches_the_theme_order(self):
        import tomllib
        from pathlib import Path

        config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
        assert config["theme"]["chartCategoricalColors"] == list(charts.OPTION_COLORS.values())


class TestWhoPays:
    def test_frame_splits_the_expected_cost(self, comparison):
        frame = charts.payer_frame(comparison)
        assert list(frame["option"]) == list(comparison.scenario.compare)
        for o in comparison:
            row = frame.set_index("option").loc[o.id]
            assert row["patient"] + row["insurer"] == pytest.approx(o.expected.allowed)
            assert row["total"] == pytest.approx(o.expected.societal)

    def test_bars_stack_one_trace_per_payer(self, comparison):
        frame = charts.payer_frame(comparison)
        fig = charts.payer_bars(frame, "USD")
        assert [t.name for t in fig.data] == [name for _, name, _ in charts.PAYERS]
        assert fig.layout.barmode == "stack"
        for trace, (field, _, color) in zip(fig.data, charts.PAYERS, strict=True):
            assert list(trace.y) == pytest.approx(list(frame[field]))
            assert trace.marker.color == color
            assert trace.customdata[0].startswith("$")
        assert "USD" in fig.layout.yaxis.title.text
        assert fig.layout.yaxis.tickprefix == "$"
        assert fig.layout.title.text

    def test_include_keeps_only_some_payers(self, comparison):
        fig = charts.payer_bars(charts.payer_frame(comparison), "USD", include=["patient", "insurer"])
        assert [t.name for t in fig.data] == ["Patient out of pocket", "Plan pays"]

    def test_a_currency_without_symbol_is_a_suffix(self, comparison):
        fig = charts.payer_bars(charts.payer_frame(comparison), "CHF")
        assert fig.layout.yaxis.ticksuffix == " CHF"
        assert "CHF" in fig.layout.yaxis.title.text


class TestByCategory:
    def test_categories_add_up_to_the_expected_allowed_amount(self, comparison):
        frame = charts.category_frame(comparison)
        totals = frame.groupby("option")["allowed"].sum()
        for o in comparison:
            assert totals[o.id] == pytest.approx(o.expected.allowed)

    def test_bars_have_a_trace_per_category(self, comparison):
        frame = charts.category_frame(comparison)
        fig = charts.category_bars(frame, "USD")
        assert {t.name.lower() for t in fig.data} == set(frame["category"])
        stacked = np.sum([np.asarray(t.y, dtype=float) for t in fig.data], axis=0)
        expected = [o.expected.allowed for o in comparison]
        assert stacked == pytest.approx(expected)


class TestCumulative:
    @pytest.mark.parametrize("perspective", ["patient", "insurer", "allowed"])
    def test_ends_at_the_expected_cost_and_never_falls(self, comparison, perspective):
        frame = charts.cumulative_frame(comparison, perspective)
        for o in comparison:
            series = frame[frame["option"] == o.id].sort_values("week")["cost"].to_numpy()
            assert series[0] == 0
            assert np.all(np.diff(series) >= -1e-9)
            assert series[-1] == pytest.approx(getattr(o.expected, perspective))

    def test_visits_are_spread_over_the_pathway_weeks(self, comparison):
        frame = charts.cumulative_frame(comparison, "allowed")
        needling = frame[frame["option"] == "dry_needling"].set_index("week")["cost"]
        # Four weeks of dry needling: part of its cost by week 1, all of it by week 4; then
        # the further care of those who go on.
        first = comparison.option("dry_needling").first_line.allowed
        assert 0 < needling[1] < needling[4] == pytest.approx(first)
        assert needling[4] < needling.iloc[-1]

    def test_rejects_a_perspective_without_visit_costs(self, comparison):
        with pytest.raises(ValueError, match="perspective"):
            charts.cumulative_frame(comparison, "societal")

    def test_one_line_per_option_in_its_colour(self, comparison):
        frame = charts.cumulative_frame(comparison)
        fig = charts.cumulative_lines(frame, "USD")
        assert [t.name for t in fig.data] == [o.label for o in comparison]
        colors = charts.option_colors(list(comparison.scenario.compare))
        assert [t.line.color for t in fig.data] == [colors[o] for o in comparison.scenario.compare]
        assert fig.layout.xaxis.title.text.startswith("Weeks")


class TestEscalationTree:
    def test_steps_and_stops_follow_the_branches(self, comparison, labels):
        option = comparison.option("dry_needling")
        fig = charts.escalation_tree(option, labels, "USD")
        traces = {t.name: t for t in fig.data}
        assert set(traces) == {"edges", "edge labels", "steps", "stops"}
        chain = option.branches[-1].path
        assert len(traces["steps"].x) == len(chain)
        assert len(traces["stops"].x) == len(option.branches)
        assert labels["dry_needling"].split()[0] in traces["steps"].text[0]
        assert "100%" in traces["steps"].text[0]
        assert traces["steps"].marker.color[1] == charts.OPTION_COLORS[chain[1]]
        first_stop = format_percent(option.branches[0].probability)
        assert first_stop in traces["stops"].text[0]

    def test_an_option_without_escalation_is_one_step(self, comparison, labels):
        fig = charts.escalation_tree(comparison.option("surgery"), labels, "USD")
        traces = {t.name: t for t in fig.data}
        assert len(traces["steps"].x) == 1
        assert "100%" in traces["stops"].text[0]

    def test_branch_table_has_every_branch(self, comparison, labels):
        option = comparison.option("physical_therapy")
        table = charts.branch_table(option, labels)
        assert len(table) == len(option.branches)
        assert table["probability"].sum() == pytest.approx(1.0)
        assert table["path"].iloc[-1].count("→") == len(option.branches) - 1


class TestIconArray:
    def test_one_marker_per_person_coloured_by_group(self):
        groups = [("Better", 60, "#1f77b4"), ("Went on", 7, "#e07b39"), ("Nobody", 0, "#000000"), ("Not", 33, "#ccc")]
        fig = charts.icon_array(groups, "100 people")
        assert len(fig.data) == 3  # empty groups are left out
        assert sum(len(t.x) for t in fig.data) == 100
        assert [t.marker.color for t in fig.data] == ["#1f77b4", "#e07b39", "#ccc"]
        positions = {(x, y) for t in fig.data for x, y in zip(t.x, t.y, strict=True)}
        assert len(positions) == 100
        assert "Better" in fig.data[0].name and "(60)" in fig.data[0].name

    def test_a_long_title_is_wrapped_and_given_room(self):
        title = "100 people starting with Medication (NSAID, short muscle relaxant)"
        fig = charts.icon_array([("Better", 100, "#1f77b4")], title)
        lines = fig.layout.title.text.split("<br>")
        assert len(lines) >= 2 and all(len(line) <= 34 for line in lines)
        assert fig.layout.margin.t == 60 + 22 * (len(lines) - 1)


class TestSensitivityCharts:
    def test_tornado_bars_run_from_the_base(self):
        frame = pd.DataFrame(
            {
                "label": ["Sessions", "Price"],
                "cost_low": [300.0, 450.0],
                "cost_high": [700.0, 550.0],
                "high_mark": ["cheapest: PT", ""],
            }
        )
        fig = charts.tornado(frame, 500.0, "USD", "What moves the cost")
        low, high = fig.data
        assert list(low.y) == ["Price", "Sessions"]  # widest swing drawn on top
        assert list(np.asarray(low.base) + np.asarray(low.x)) == [450.0, 300.0]
        assert list(np.asarray(high.base) + np.asarray(high.x)) == [550.0, 700.0]
        assert list(high.text) == ["", "cheapest: PT"]
        assert "USD" in fig.layout.xaxis.title.text
        # Room on the right for the end label (it was drawn over the row labels on the left):
        # span 700 - 300 = 400; 5% = 20; 12 characters x 2.2% x 400 = 105.6 → up to 825.6.
        assert tuple(fig.layout.xaxis.range) == pytest.approx((280.0, 825.6))

    def test_a_long_chart_title_is_wrapped_for_a_phone(self):
        frame = pd.DataFrame({"label": ["Sessions"], "cost_low": [300.0], "cost_high": [700.0]})
        title = "What moves the cost of Dry needling + exercise (patient out of pocket)"  # 70 characters
        fig = charts.tornado(frame, 500.0, "USD", title)
        lines = fig.layout.title.text.split("<br>")
        assert len(lines) == 2 and all(len(line) <= charts.TITLE_WRAP for line in lines)
        assert " ".join(lines) == title
        assert fig.layout.margin.t == 60 + 22

    def test_cost_distribution_is_one_box_per_option(self):
        stats = {
            "a": {"mean": 10.0, "p2_5": 1.0, "q1": 5.0, "median": 9.0, "q3": 14.0, "p97_5": 20.0},
            "b": {"mean": 30.0, "p2_5": 21.0, "q1": 25.0, "median": 29.0, "q3": 34.0, "p97_5": 40.0},
        }
        fig = charts.cost_distribution(stats, {"a": "A", "b": "B"}, "USD", "Spread")
        assert [t.type for t in fig.data] == ["box", "box"]
        assert fig.data[1].q1 == (25.0,) and fig.data[1].upperfence == (40.0,) and fig.data[1].lowerfence == (21.0,)
        assert fig.data[0].name == "A"
        assert fig.layout.yaxis.autorange == "reversed"  # the first option on top
        # Horizontal: the names are on the y axis, one row each, so they cannot collide.
        assert all(t.orientation == "h" for t in fig.data) and "USD" in fig.layout.xaxis.title.text

    def test_p_cheapest_bars(self):
        fig = charts.p_cheapest_bars({"medication": 0.9, "surgery": 0.1}, {"medication": "Med"}, "Cheapest")
        assert list(fig.data[0].y) == [0.9, 0.1]
        assert list(fig.data[0].text) == ["90%", "10%"]
        assert list(fig.data[0].marker.color) == [charts.OPTION_COLORS["medication"], charts.OPTION_COLORS["surgery"]]

    def test_ce_plane_thins_the_draws_and_draws_the_threshold(self):
        rng = np.random.default_rng(0)
        points = {"b": (rng.normal(0.01, 0.01, 5000), rng.normal(100, 50, 5000))}
        fig = charts.ce_plane(points, {"a": "A", "b": "B"}, "a", "USD", wtp=50_000, max_points=500)
        assert len(fig.data[0].x) == 500
        assert fig.data[1].y[1] / fig.data[1].x[1] == pytest.approx(50_000)
        assert "vs A" in fig.layout.title.text

    def test_acceptability_curve(self):
        fig = charts.acceptability_curve([0, 1000], {"a": [1.0, 0.2], "b": [0.0, 0.8]}, {"a": "A", "b": "B"}, "USD")
        assert [t.name for t in fig.data] == ["A", "B"]
        assert list(fig.data[1].y) == [0.0, 0.8]

    def test_break_even_chart_marks_the_crossing(self):
        fig = charts.break_even_chart(
            [1, 2, 3], {"a": [1, 2, 3], "b": [2, 2, 2]}, {"a": "A", "b": "B"}, "USD", "Sessions", value=2.0, base=1.0
        )
        assert [t.name for t in fig.data] == ["A", "B"]
        assert sorted(shape.x0 for shape in fig.layout.shapes) == [1.0, 2.0]

    def test_budget_chart_groups_current_and_proposed(self):
        frame = pd.DataFrame({"year": [1, 2], "current": [100.0, 110.0], "proposed": [90.0, 99.0]})
        fig = charts.budget_chart(frame, "USD", "Budget")
        assert [t.name for t in fig.data] == ["Current mix", "Proposed mix"]
        assert list(fig.data[1].y) == [90.0, 99.0]
        assert list(fig.data[0].x) == ["Year 1", "Year 2"]


# --------------------------------------------------------------------------------------------
# Text is text (issue 12 item 3): a label from an upload, a scenario or a share link is shown
# literally in every figure: never a link, an image, markup, LaTeX or a hover-template variable.
# Checked in the bundled plotly.min.js: hover templates match /%{([^\s%{}:]*)...}/ on the raw string,
# so "&#37;{y}" is no variable; text is split on tags first and entities (named and numeric) are
# decoded in the text between them, so "&lt;a&gt;" and "&#37;{y}" are shown as "<a>" and "%{y}".

HOSTILE = '<a href="http://evil.example">PT</a> & <img src=x> %{y} $x$'
#: The tags the builders themselves write (line breaks, bold step names, the hover's side box).
OUR_TAGS = re.compile(r"</?(?:br|b|extra)>")
ENTITY = re.compile(r"&(?:[a-z]+|#[0-9]+|#x[0-9a-f]+);", re.IGNORECASE)
DOUBLE_ESCAPED = re.compile(r"&amp;(?:[a-z]+|#[0-9]+|#x[0-9a-f]+);", re.IGNORECASE)


def _hostile(tag: str) -> str:
    # Distinct per use: category bars group by label, so equal labels would merge.
    return f"{HOSTILE} {tag}"


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, np.ndarray):
        yield from _strings(node.tolist())
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _strings(value)


@pytest.fixture(scope="module")
def hostile_comparison():
    scenario = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    pathways = tuple(replace(p, label=_hostile(p.id)) for p in scenario.pathways.pathways)
    scenario = replace(
        scenario,
        label=_hostile("scenario"),
        pathways=replace(scenario.pathways, pathways=pathways, label=HOSTILE),
        # A currency without a symbol is shown as its code: user text too.
        prices=replace(scenario.prices, currency="<img src=x> %{y}", label=_hostile("table")),
    )
    return compare(scenario)


def _build_payer_bars(c, labels):
    return charts.payer_bars(charts.payer_frame(c), c.scenario.currency)


def _build_category_bars(c, labels):
    return charts.category_bars(charts.category_frame(c), c.scenario.currency)


def _build_cumulative_lines(c, labels):
    frame = charts.cumulative_frame(c, "allowed")
    frame["label"] = [labels[o] for o in frame["option"]]  # as the Compare page does (translated labels)
    return charts.cumulative_lines(frame, c.scenario.currency, "allowed")


def _build_escalation_tree(c, labels):
    return charts.escalation_tree(c.option("dry_needling"), labels, c.scenario.currency)


def _build_icon_array(c, labels):
    groups = [(labels["dry_needling"], 60, "#1f77b4"), (f"Went on to {labels['surgery']}", 40, "#e07b39")]
    return charts.icon_array(groups, f"100 people starting with {labels['dry_needling']}")


def _build_tornado(c, labels):
    sessions = next(p for p in parameters(c.scenario) if "dry_needling" in p.id)
    frame = pd.DataFrame(
        {
            "label": [sessions.label, _hostile("price")],
            "cost_low": [300.0, 450.0],
            "cost_high": [700.0, 550.0],
            "low_text": [f"at 1; cheapest: {labels['surgery']}", "at 2"],
            "high_text": ["at 9", f"at 8; cheapest: {labels['medication']}"],
            "low_mark": [f"cheapest: {labels['surgery']}", ""],
            "high_mark": ["", f"cheapest: {labels['medication']}"],
        }
    )
    return charts.tornado(frame, 500.0, c.scenario.currency, f"What moves the cost of {labels['dry_needling']}")


def _build_cost_distribution(c, labels):
    stats = {"mean": 10.0, "p2_5": 1.0, "q1": 5.0, "median": 9.0, "q3": 14.0, "p97_5": 20.0}
    # "unknown" has no label: the id itself is shown (the fallback is escaped too).
    summary = {o: stats for o in (*c.scenario.compare, "<img src=x>unknown")}
    return charts.cost_distribution(summary, labels, c.scenario.currency, f"Spread of {labels['surgery']}")


def _build_p_cheapest_bars(c, labels):
    shares = {o: 1 / len(c.scenario.compare) for o in (*c.scenario.compare, "<img src=x>unknown")}
    return charts.p_cheapest_bars(shares, labels, f"Cheapest: {labels['surgery']}")


def _build_ce_plane(c, labels):
    points = {o: (np.array([0.01, 0.02]), np.array([100.0, -50.0])) for o in c.scenario.compare[1:]}
    return charts.ce_plane(points, labels, c.scenario.compare[0], c.scenario.currency, wtp=50_000)


def _build_acceptability_curve(c, labels):
    curves = {o: [0.5, 0.5] for o in c.scenario.compare}
    return charts.acceptability_curve([0, 1000], curves, labels, c.scenario.currency)


def _build_break_even_chart(c, labels):
    a, b = c.scenario.compare[:2]
    sessions = next(p for p in parameters(c.scenario) if "dry_needling" in p.id)
    costs = {a: [1.0, 2.0, 3.0], b: [2.0, 2.0, 2.0]}
    return charts.break_even_chart([1, 2, 3], costs, labels, c.scenario.currency, sessions.label, value=2.0, base=1.0)


def _build_break_even_money(c, labels):
    a, b = c.scenario.compare[:2]
    costs = {a: [1.0, 2.0, 3.0], b: [2.0, 2.0, 2.0]}
    return charts.break_even_chart([1, 2, 3], costs, labels, c.scenario.currency, _hostile("price"), x_is_money=True)


def _build_budget_chart(c, labels):
    frame = pd.DataFrame({"year": [1, 2], "current": [100.0, 110.0], "proposed": [90.0, 99.0]})
    return charts.budget_chart(frame, c.scenario.currency, f"Plan spending, {c.scenario.label}")


def _build_region_map(c, labels):
    frame = pd.DataFrame(
        {
            "state": ["CA", "TX"],
            "value": [100.0, 120.0],
            "mapped": [_hostile("locality"), _hostile("other locality")],
            "low": [90.0, 120.0],
            "high": [110.0, 120.0],
            "localities": [3, 1],
        }
    )
    return charts.region_map(
        frame,
        c.scenario.currency,
        f"Patient pays: {labels['surgery']}",
        names={"CA": _hostile("state")},
        value_label=HOSTILE,
    )


#: Every public figure builder with hostile inputs; a builder missing here fails the test below.
HOSTILE_BUILDS = {
    "payer_bars": _build_payer_bars,
    "category_bars": _build_category_bars,
    "cumulative_lines": _build_cumulative_lines,
    "escalation_tree": _build_escalation_tree,
    "icon_array": _build_icon_array,
    "tornado": _build_tornado,
    "cost_distribution": _build_cost_distribution,
    "p_cheapest_bars": _build_p_cheapest_bars,
    "ce_plane": _build_ce_plane,
    "acceptability_curve": _build_acceptability_curve,
    "break_even_chart": _build_break_even_chart,
    "break_even_chart (money axis)": _build_break_even_money,
    "budget_chart": _build_budget_chart,
    "region_map": _build_region_map,
}


def test_every_public_figure_builder_is_checked_with_hostile_labels():
    builders = {
        name
        for name in charts.__all__
        if callable(getattr(charts, name))
        and "Figure" in str(inspect.signature(getattr(charts, name)).return_annotation)
    }
    assert builders, "no figure builders found"
    assert builders <= {name.split()[0] for name in HOSTILE_BUILDS}, builders - set(HOSTILE_BUILDS)


@pytest.mark.parametrize("name", list(HOSTILE_BUILDS))
def test_labels_are_text_in_every_figure(name, hostile_comparison):
    labels = {p.id: p.label for p in hostile_comparison.scenario.pathways.pathways}
    fig = HOSTILE_BUILDS[name](hostile_comparison, labels)
    strings = list(_strings(fig.to_plotly_json()))
    shown = [s for s in strings if "evil.example" in s or "src=x" in s]
    assert shown, "the hostile label is not in the figure at all"
    for s in strings:
        assert "<a" not in s and "<img" not in s, s
        assert "<" not in OUR_TAGS.sub("", s), s
        assert "&amp;amp;" not in s and not DOUBLE_ESCAPED.search(s), s
        # Plotly's maths ($…$) and hover-template variables (%{…}) from a label are entities.
        assert "$x$" not in s and "%{y}" not in s, s
    for s in shown:
        assert "&" not in ENTITY.sub("", s), s
    # Once escaped: the label's "&" and "%{y}" are there as entities (wrapping may break lines).
    assert any("&amp;" in s for s in shown)
    assert any("&#37;{y}" in s for s in shown) or name == "tornado"  # two tornado lines end before "%{y}"


@pytest.mark.parametrize(
    "title", ["Tom & Jerry", '<b>Sessions</b><br><a href="http://evil.example">PT</a>', "x" * 60 + " & <br>"]
)
def test_a_title_is_escaped_exactly_once(title):
    figures = [
        charts.icon_array([("Better", 100, "#1f77b4")], title),
        charts.budget_chart(pd.DataFrame({"year": [1], "current": [1.0], "proposed": [1.0]}), "USD", title),
    ]
    for fig in figures:
        text = fig.layout.title.text
        # the same characters once escaped; line breaks (and cuts of a word longer than a line) aside
        assert "".join(text.replace("<br>", "").split()) == "".join(plotly_text(title).split())
        assert "<" not in OUR_TAGS.sub("", text) and "&amp;amp;" not in text


def test_a_word_longer_than_a_line_is_cut_into_lines():
    assert charts.wrap("x" * 20, 8) == "xxxxxxxx<br>xxxxxxxx<br>xxxx"
    assert charts.wrap("y" * 5_000, 10, max_lines=2) == "yyyyyyyyyy<br>yyyyyyyyyy…"


def test_a_cut_label_keeps_its_entities_whole():
    # "one two <b> three" escapes to the words one, two, &lt;b&gt;, three: three lines of 8, cut to
    # two; the ";" ending "&gt;" is part of the entity, not trailing punctuation (cut, "&gt" showed).
    assert charts.wrap("one two <b> three", 8, max_lines=2) == "one two<br>&lt;b&gt;…"
    assert charts.wrap("one two, three four", 8, max_lines=1) == "one two…"
