"""The region tile map: a pure plotly builder, tested on fig.data; it needs no geographic data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from calculator import charts
from calculator.io import DATA_DIR, load_scenario
from calculator.regions import STATE_NAMES, costs_by_region, region_values, state_summary


@pytest.fixture(scope="module")
def states() -> pd.DataFrame:
    frame = costs_by_region(load_scenario(DATA_DIR / "scenarios" / "medicare.json"), ["physical_therapy", "medication"])
    return state_summary(region_values(frame, "physical_therapy"))


def test_every_state_with_a_locality_has_a_tile_and_a_name(states):
    assert set(states["state"]) == set(charts.STATE_TILES) == set(STATE_NAMES)
    assert len(set(charts.STATE_TILES.values())) == len(charts.STATE_TILES)  # no two tiles overlap


def test_map_draws_one_square_per_state_coloured_by_its_value(states):
    fig = charts.region_map(states, "USD", "PT", names=STATE_NAMES)
    (trace,) = fig.data
    assert trace.type == "scatter" and trace.marker.symbol == "square"
    assert list(trace.text) == list(states["state"])
    assert list(trace.marker.color) == pytest.approx(list(states["value"]))
    ny = list(trace.text).index("NY")
    assert (trace.x[ny], trace.y[ny]) == charts.STATE_TILES["NY"]
    assert "New York" in trace.hovertext[ny] and "5 localities" in trace.hovertext[ny]
    assert "median locality" in trace.hovertext[ny]
    al = list(trace.text).index("AL")
    assert "AL-00 Alabama" in trace.hovertext[al]


def test_map_fetches_nothing(states):
    # No geo trace, so plotly.js never asks a CDN for topojson.
    fig = charts.region_map(states, "USD", "PT")
    document = json.loads(fig.to_json())
    assert all(t["type"] == "scatter" for t in document["data"])
    assert "geo" not in document["layout"] and "topojson" not in fig.to_json()


def test_difference_uses_a_scale_centred_on_zero():
    frame = pd.DataFrame(
        {
            "state": ["AL", "NY"],
            "value": [-10.0, 30.0],
            "mapped": ["AL-00 Alabama", "NY-01 Manhattan"],
            "low": [-10.0, 5.0],
            "high": [-10.0, 40.0],
            "localities": [1, 5],
        }
    )
    trace = charts.region_map(frame, "USD", "diff", difference=True).data[0]
    assert (trace.marker.cmin, trace.marker.cmax) == (-30.0, 30.0)


def test_tile_labels_contrast_with_their_fill():
    assert charts._readable_text("#08306b") == "#ffffff"  # dark blue: white text
    assert charts._readable_text("rgb(247, 251, 255)") == "#000000"  # near white: black text


def test_colour_bar_shows_cents_when_states_differ_by_little():
    frame = pd.DataFrame(
        {"state": ["AL", "NY"], "value": [498.1, 498.9], "mapped": ["a", "b"], "low": [498.1, 498.2],
         "high": [498.1, 498.9], "localities": [1, 5]}
    )  # fmt: skip
    assert charts.region_map(frame, "USD", "t").data[0].marker.colorbar.tickformat == ",.2f"
