"""Hostile option and price-row labels (issue 12, item 3) below the browser: what the end-to-end
test in ``tests/browser/test_hostile_e2e.py`` found, pinned where it was fixed.

- two options with one label (a share link can set any label) broke the Compare page with a
  traceback (a chart looked bars up by label): the loader now refuses it in one sentence;
- option labels reached plotly unescaped in the cumulative legend, the PSA and break-even
  legends, the tornado's bar-end marks and the escalation tree's hovers (a live ``<a href>``);
- a right-to-left override survived in widget options, table cells and the price-table editor.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from calculator import charts
from calculator.costing import Comparison, compare
from calculator.errors import InputError
from calculator.io import DATA_DIR, load_scenario, price_table_from_bytes
from calculator.models import Scenario
from calculator.presentation import param_label, table_frame
from calculator.share import encode_link, scenario_from_link

from .generate import price_csv

HOSTILE = (
    "![x](http://evil.example/p.png) <img src=http://evil.example/i.png> [click](http://evil.example/) "
    '<a href="http://evil.example">PT</a> \u202e'
)


@pytest.fixture(scope="module")
def presets() -> dict[str, Scenario]:
    return {p.stem: load_scenario(p) for p in sorted((DATA_DIR / "scenarios").glob("*.json"))}


def _relabelled(presets: dict[str, Scenario], **labels: str) -> Scenario:
    changes = {"pathways": {"pathways": {pid: {"label": label} for pid, label in labels.items()}}}
    return scenario_from_link(encode_link("commercial-ppo", changes), presets)[1]


@pytest.fixture(scope="module")
def hostile(presets: dict[str, Scenario]) -> Comparison:
    return compare(_relabelled(presets, dry_needling=HOSTILE, physical_therapy="2 " + HOSTILE))


@pytest.mark.parametrize(
    "second",
    [HOSTILE, HOSTILE.upper(), HOSTILE.replace("\u202e", ""), "  " + HOSTILE.replace(" ", "   ")],
    ids=["same", "case", "override", "spaces"],
)
def test_two_options_with_one_label_are_one_sentence(presets: dict[str, Scenario], second: str) -> None:
    with pytest.raises(InputError) as caught:
        _relabelled(presets, dry_needling=HOSTILE, physical_therapy=second)
    message = str(caught.value)
    assert message.startswith("share link: pathways.physical_therapy.label: expected a label other than that of ")
    assert "'dry_needling'" in message and "\n" not in message


def _markup(fig: go.Figure) -> list[str]:
    spec = json.dumps(fig.to_plotly_json())
    return [tag for tag in ("<a ", "<img") if tag in spec]


def test_no_chart_turns_an_option_label_into_markup(hostile: Comparison) -> None:
    labels = {o.id: o.label for o in hostile}  # raw, as every page passes them
    ids = list(labels)
    rng = np.random.default_rng(1)
    figures = {
        "payer": charts.payer_bars(charts.payer_frame(hostile), "USD"),
        "category": charts.category_bars(charts.category_frame(hostile), "USD"),
        "cumulative": charts.cumulative_lines(charts.cumulative_frame(hostile), "USD"),
        "tree": charts.escalation_tree(hostile.option("dry_needling"), labels, "USD"),
        "distribution": charts.cost_distribution(
            {o: {"p2_5": 1.0, "q1": 2.0, "median": 3.0, "q3": 4.0, "p97_5": 5.0, "mean": 3.0} for o in ids},
            labels,
            "USD",
            "t",
        ),
        "p_cheapest": charts.p_cheapest_bars(dict.fromkeys(ids, 1 / len(ids)), labels, "t"),
        "ce_plane": charts.ce_plane(
            {o: (rng.normal(size=20), rng.normal(size=20)) for o in ids[1:]}, labels, ids[0], "USD"
        ),
        "acceptability": charts.acceptability_curve([0.0, 1.0], {o: [0.5, 0.5] for o in ids}, labels, "USD"),
        "break_even": charts.break_even_chart([0.0, 1.0], {o: [1.0, 2.0] for o in ids}, labels, "USD", "p"),
        "tornado": charts.tornado(
            pd.DataFrame(
                {
                    "label": [HOSTILE + ": visits"],
                    "cost_low": [1.0],
                    "cost_high": [2.0],
                    "low_text": ["cheapest: " + HOSTILE],
                    "high_text": [""],
                    "low_mark": ["cheapest: " + HOSTILE],
                    "high_mark": [""],
                }
            ),
            1.5,
            "USD",
            "What moves the cost of " + HOSTILE,
        ),
    }
    found = {name: _markup(fig) for name, fig in figures.items()}
    assert found == {name: [] for name in figures}


def test_the_cumulative_frame_keeps_plain_labels_like_the_other_frames(hostile: Comparison) -> None:
    # The page shows the frame in its data table: "&lt;" there would be wrong; the figure escapes.
    frame = charts.cumulative_frame(hostile)
    assert set(frame["label"]) == {o.label for o in hostile}
    names = [t.name for t in charts.cumulative_lines(frame, "USD").data]
    assert names[0].startswith("![x](http://evil.example/p.png) &lt;img")


def test_labels_shown_in_tables_lose_their_override() -> None:
    assert param_label("invoice\u202egnp.exe: visits") == "invoicegnp.exe: visits"
    assert param_label("invoice\u202egnp.exe: visits", "es").startswith("invoicegnp.exe")
    table = price_table_from_bytes(price_csv().replace(b"PT evaluation", "PT \u202eevaluation".encode()), "p.csv")
    assert table.rows[0].description == "PT evaluation"  # removed by the loader, so no export keeps it
    assert table_frame(table)["description"].tolist()[0] == "PT evaluation"
