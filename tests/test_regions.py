"""Regions in use (SPEC §3.1b, §4.8): scenarios, the CLI and the table behind the map."""

from __future__ import annotations

import dataclasses
import json

import pytest

from calculator.__main__ import main
from calculator.costing import compare, evaluate
from calculator.errors import InputError
from calculator.io import DATA_DIR, load_document, load_scenario, scenario_from_dict
from calculator.io.regional import regional_price_table, regions
from calculator.models import Param
from calculator.regions import costs_by_region, region_values, regional_ready, state_summary, with_region

SCENARIOS = ("commercial-ppo", "high-deductible", "medicare", "self-pay")
SAMPLE = ("national", "NY-01", "AL-00", "CA-18", "AK-01", "PR-20", "FL-99")


def shipped(name: str):
    return load_scenario(DATA_DIR / "scenarios" / f"{name}.json")


def every_option(scenario):
    return dataclasses.replace(scenario, compare=scenario.pathways.ids)


def test_109_localities_and_their_names():
    places = regions()
    assert len(places) == 109 and len({p.id for p in places}) == 109
    names = {p.id: p.name for p in places}
    assert names["NY-01"] == "Manhattan" and names["CA-75"] == "Rest of California"
    assert names["DC-01"] == "DC + MD/VA Suburbs"


def test_every_locality_runs_the_medicare_scenario():
    frame = costs_by_region(every_option(shipped("medicare")))
    assert len(frame) == 110 * len(shipped("medicare").pathways.ids)
    assert frame[["allowed", "insurer", "patient"]].notna().all().all()
    assert (frame["allowed"] > 0).all()
    # allowed = insurer + patient in every row
    assert ((frame["insurer"] + frame["patient"] - frame["allowed"]).abs() < 1e-6).all()


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("region", SAMPLE)
def test_every_shipped_scenario_runs_in_a_sample_of_regions(name, region):
    scenario = with_region(shipped(name), region)
    assert scenario.region == region
    result = compare(every_option(scenario)).to_dict()
    assert result["region"] == region and result["price_vintage"] == "2025"
    assert all(o["expected"]["allowed"] > 0 for o in result["options"].values())


def test_manhattan_costs_more_than_alabama_for_every_medicare_option():
    scenario = every_option(shipped("medicare"))
    manhattan = evaluate(with_region(scenario, "NY-01"))
    alabama = evaluate(with_region(scenario, "AL-00"))
    for option in scenario.compare:
        assert manhattan[option]["expected"]["allowed"] > alabama[option]["expected"]["allowed"], option
        assert manhattan[option]["expected"]["patient"] > alabama[option]["expected"]["patient"], option


@pytest.mark.parametrize("region", [p.id for p in regions()] + ["national"])
def test_medicare_surgery_episodes_stay_in_their_published_ranges(region):
    scenario = with_region(every_option(shipped("medicare")), region)
    lines = {(o.id, line.visit): line.allowed for o in compare(scenario) for line in o.branches[0].lines}
    # Discectomy surgery day (surgeon 63030 + ASC facility + anesthesia): Federico 2024 finds a
    # Medicare total of $4,183 in an ASC and $7,583.67 in a hospital outpatient department.
    day = lines[("surgery", "Surgery day (ambulatory surgery center)")]
    assert 0.9 * 4183 <= day <= 7583.67
    # Single-level fusion, professional + facility: Goz 2015 $25,858 (2012) x CPI-U 1.3663 = 35,330;
    # the hospital row is derived from that total, so only the professional fees move by region.
    # Medicare bills the stay (Part A) and the surgeon and anesthesia (Part B) apart: both together.
    fusion = (
        lines[("fusion", "Fusion hospital stay (Part A)")]
        + lines[("fusion", "Surgeon and anesthesia during the stay (Part B)")]
    )
    assert 0.9 * 35330 <= fusion <= 1.1 * 35330


def test_the_payment_reduction_follows_the_locality():
    # A visit of 2 x 97110 + 97140: Manhattan 2 x 32.26 + 30.44 - (8.11 + 7.54) = 79.31.
    table = regional_price_table("us-2025", "NY-01")
    full = 2 * table.price("97110", "medicare") + table.price("97140", "medicare")
    reductions = table.row("97110").mppr[0], table.row("97140").mppr[0]
    assert reductions[0] is not None and reductions[1] is not None
    cut = reductions[0] + reductions[1]
    scenario = with_region(shipped("medicare"), "NY-01")
    visit = next(
        line
        for o in compare(scenario)
        if o.id == "physical_therapy"
        for line in o.branches[0].lines
        if line.visit == "PT treatment visit"
    )
    assert visit.allowed / visit.count == pytest.approx(full - cut)


def test_region_in_the_scenario_file_is_read_and_named_in_its_spelling():
    raw = load_document(DATA_DIR / "scenarios" / "medicare.json")
    scenario = scenario_from_dict({**raw, "region": "ny-1"}, "m.json", base_dir=DATA_DIR / "scenarios")
    assert scenario.region == "NY-01"
    assert scenario.prices.price("97110", "medicare") == 32.26
    assert "Manhattan" in scenario.prices.label
    assert shipped("medicare").region == "national"


@pytest.mark.parametrize("bad", ["ZZ-01", "NY-77", "Manhattan", 7])
def test_unknown_region_is_one_sentence(bad):
    raw = load_document(DATA_DIR / "scenarios" / "medicare.json")
    with pytest.raises(InputError) as caught:
        scenario_from_dict({**raw, "region": bad}, "m.json", base_dir=DATA_DIR / "scenarios")
    assert "region" in str(caught.value) and "NY-01" in str(caught.value)


def test_region_needs_a_table_built_from_cms_files():
    raw = {
        "schema_version": 1,
        "region": "NY-01",
        "prices": {"rows": [{"code": "X", "category": "visit", "prices": {"cash": 10}}]},
        "pathways": {
            "a": {"response_probability": 0.5, "visits": [{"name": "v", "kind": "office", "items": [{"code": "X"}]}]}
        },
    }
    with pytest.raises(InputError, match="region"):
        scenario_from_dict(raw, "inline.json")
    edited = dataclasses.replace(shipped("medicare"), prices=dataclasses.replace(shipped("medicare").prices, rows=()))
    assert not regional_ready(edited)
    with pytest.raises(InputError, match="unedited"):
        with_region(edited, "NY-01")


def test_overrides_and_plan_survive_a_move():
    base = shipped("commercial-ppo")
    base = dataclasses.replace(base, price_overrides=(("20561", Param(95.0)),))
    moved = with_region(base, "AL-00")
    assert moved.price_overrides == base.price_overrides and moved.insurance == base.insurance


def test_state_summary_maps_the_median_locality_with_the_range():
    frame = costs_by_region(shipped("medicare"), ["physical_therapy"])
    values = region_values(frame, "physical_therapy")
    states = state_summary(values).set_index("state")
    assert states.loc["AL", "localities"] == 1 and states.loc["AL", "mapped"] == "AL-00 Alabama"
    ca = states.loc["CA"]
    assert ca["localities"] == 29 and ca["low"] <= ca["value"] <= ca["high"] and ca["low"] < ca["high"]
    assert "national" not in set(states.index)


def test_difference_between_two_options():
    frame = costs_by_region(shipped("medicare"), ["physical_therapy", "medication"])
    diff = region_values(frame, "physical_therapy", minus="medication").set_index("region")["value"]
    pt = frame[frame["option"] == "physical_therapy"].set_index("region")["patient"]
    med = frame[frame["option"] == "medication"].set_index("region")["patient"]
    assert diff["NY-01"] == pytest.approx(pt["NY-01"] - med["NY-01"])


def test_cli_region_overrides_the_file_and_names_it(capsys):
    assert main(["compare", str(DATA_DIR / "scenarios" / "medicare.json"), "--region", "AL-00", "--draws", "0"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["region"] == "AL-00" and document["price_vintage"] == "2025"
    assert main(["compare", str(DATA_DIR / "scenarios" / "medicare.json"), "--draws", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["region"] == "national"


def test_cli_all_regions_csv(capsys):
    assert main(["compare", str(DATA_DIR / "scenarios" / "self-pay.json"), "--all-regions", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("region,state,locality,option,label,allowed")
    assert len(lines) == 1 + 110 * 4


def test_cli_bad_region_exits_2(capsys):
    assert main(["compare", str(DATA_DIR / "scenarios" / "medicare.json"), "--region", "Mars"]) == 2
    err = capsys.readouterr().err
    assert "--region" in err and "Traceback" not in err


def test_handout_names_the_region_and_lists_sources_by_id(tmp_path):
    out = tmp_path / "h.html"
    code = main(
        ["report", str(DATA_DIR / "scenarios" / "medicare.json"), "--format", "html", "--out", str(out), "--draws", "0"]
    )
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "bls-earnings-2025 — " in page  # a time-value source, by its bibliography id
    from calculator.report import handout_summary

    summary = handout_summary(compare(with_region(shipped("medicare"), "NY-01")), input_hash="x")
    assert summary.region == "NY-01 Manhattan"


def test_share_link_carries_the_region_by_name_and_restores_it():
    from calculator.inputs import compose, state_for
    from calculator.share import decode_link, link_for, scenario_from_link

    base = shipped("medicare")
    presets = {"medicare": base}
    moved = with_region(base, "NY-01")
    token = link_for("medicare", presets, moved)
    assert decode_link(token)[1] == {"region": "NY-01"}  # the name, not the table
    _preset, back = scenario_from_link(token, presets)
    assert back == moved
    state = state_for(back, presets, "medicare")
    assert state["region"] == "NY-01" and state["price_table"] is None
    assert compose(state, base) == dataclasses.replace(moved, name=base.name)


def test_share_link_with_a_bad_region_is_one_sentence():
    from calculator.share import encode_link, scenario_from_link

    with pytest.raises(InputError, match="region"):
        scenario_from_link(encode_link("medicare", {"region": "Atlantis"}), {"medicare": shipped("medicare")})


def test_a_regional_scenario_saves_by_name_and_loads_back_equal(tmp_path):
    from calculator.serialize import scenario_to_dict, scenario_to_json

    moved = with_region(shipped("medicare"), "NY-01")
    document = scenario_to_dict(moved)
    assert document["prices"] == "us-2025" and document["region"] == "NY-01"
    path = tmp_path / "ny.json"
    path.write_text(scenario_to_json(moved), encoding="utf-8")
    assert dataclasses.replace(load_scenario(path), name=moved.name) == moved
    # An edited regional table is written inline, and then without a region.
    edited = dataclasses.replace(moved, prices=dataclasses.replace(moved.prices, rows=moved.prices.rows[1:]))
    assert "region" not in scenario_to_dict(edited) and not isinstance(scenario_to_dict(edited)["prices"], str)
