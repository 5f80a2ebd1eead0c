"""Every shipped number cites the shipped bibliography (SPEC §7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calculator.costing import parameters
from calculator.errors import InputError
from calculator.io import DATA_DIR, load_price_table, load_scenario, shipped_names
from calculator.models import EVIDENCE_TAGS
from calculator.sources import cited_ids, load_sources

SOURCES = load_sources()


def test_bibliography_entries_are_complete():
    assert len(SOURCES) > 50
    for source in SOURCES.values():
        assert source.citation and re.fullmatch(r"\d{4}", source.year) and source.link_or_identifier, source.id


@pytest.mark.parametrize("name", shipped_names("scenarios"))
def test_every_parameter_of_a_shipped_scenario_cites_a_source_and_an_evidence_tag(name):
    scenario = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
    for parameter in parameters(scenario):
        ids = cited_ids(parameter.param.source)
        assert ids, f"{name}: {parameter.id} has no source"
        unknown = [i for i in ids if i not in SOURCES]
        assert not unknown, f"{name}: {parameter.id} cites {unknown}"
        assert parameter.param.evidence in EVIDENCE_TAGS, f"{name}: {parameter.id} has no evidence tag"


@pytest.mark.parametrize("name", shipped_names("prices"))
def test_every_price_row_cites_a_source_and_an_evidence_tag(name):
    table = load_price_table(DATA_DIR / "prices" / f"{name}.csv")
    for row in table.rows:
        ids = cited_ids(row.source)
        assert ids and all(i in SOURCES for i in ids), f"{row.code}: {row.source}"
        assert row.evidence in EVIDENCE_TAGS, row.code


def test_nothing_shipped_cites_a_file_the_project_does_not_ship():
    for path in sorted(Path(DATA_DIR).rglob("*")):
        if path.suffix in {".json", ".csv", ".toml", ".md"}:
            text = path.read_text(encoding="utf-8")
            assert "clinical.md" not in text and "prices.md" not in text, path


def test_recipe_cites_only_known_sources():
    from calculator.fee_schedule import load_recipe

    for row in load_recipe():
        for field in (row.medicare_source, row.commercial_source, row.self_pay_source):
            assert all(i in SOURCES for i in cited_ids(field)), (row.code, field)


def test_cited_ids_drop_the_as_of_suffix():
    assert cited_ids("cms-pfs-rvu-2025; hcci-2017 (2025)") == ["cms-pfs-rvu-2025", "hcci-2017"]


def test_bad_bibliography_is_one_sentence(tmp_path):
    bad = tmp_path / "sources.csv"
    bad.write_text("id,citation,year,link_or_identifier,supports\nA B,x,2020,y,z\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'id': expected a lower-case id"):
        load_sources(bad)


def test_medicare_pathways_differ_from_the_default_only_in_adverse_event_costs():
    import json

    default = json.loads((DATA_DIR / "pathways" / "lbp-default.json").read_text(encoding="utf-8"))
    medicare = json.loads((DATA_DIR / "pathways" / "lbp-medicare.json").read_text(encoding="utf-8"))
    changed = []
    for pid, pathway in default["pathways"].items():
        other = medicare["pathways"][pid]
        for a, b in zip(pathway["adverse_events"], other["adverse_events"], strict=True):
            if a["cost"] != b["cost"]:
                changed.append((pid, a["name"][:20], a["cost"]["value"], b["cost"]["value"]))
                assert b["cost"]["value"] < a["cost"]["value"]  # Medicare pays less than commercial plans
        if pid == "fusion":  # Medicare bills the stay (Part A) apart from surgeon and anesthesia (Part B)
            stay, professional = other["visits"][2], other["visits"][3]
            assert (stay["kind"], professional["kind"]) == ("inpatient", "specialist")
            merged = sorted(i["code"] for i in stay["items"] + professional["items"])
            assert merged == sorted(i["code"] for i in pathway["visits"][2]["items"])
            other = {**other, "visits": [*other["visits"][:2], pathway["visits"][2], *other["visits"][4:]]}
            other.pop("notes", None)
        strip = {k: v for k, v in pathway.items() if k != "adverse_events"}
        assert strip == {k: v for k, v in other.items() if k != "adverse_events"}, pid
        names = [(e["name"], e["probability"]) for e in pathway["adverse_events"]]
        assert names == [(e["name"], e["probability"]) for e in other["adverse_events"]], pid
    # Reoperations re-derived at Medicare prices, e.g. discectomy 907.64 + 2998.00 + 325.08 = 4230.72.
    assert ("surgery", "Reoperation within 2", 7371.68, 4230.72) in changed
    assert ("fusion", "Reoperation within 2", 88008.12, 35877.77) in changed
