"""The analyst's results workbook, results JSON and PSA draws (issue 13, SPEC §5)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from builders import pathway, scenario, visit
from test_cli import run_main

from calculator.costing import compare, parameters
from calculator.io import DATA_DIR, load_scenario
from calculator.models import Param
from calculator.uncertainty import one_way, run_psa
from calculator.workbook import (
    SUMMARY_HEADER,
    psa_draws_csv,
    psa_draws_parquet,
    results_json,
    safe_sheet_name,
    workbook_bytes,
)

PPO = DATA_DIR / "scenarios" / "commercial-ppo.json"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    paths = {"xlsx": folder / "r.xlsx", "json": folder / "r.json", "draws": folder / "d.csv"}
    from calculator.__main__ import main

    code = main(
        ["report", str(PPO), "--format", "xlsx", "--out", str(paths["xlsx"]), "--draws", "500", "--budget"]
        + ["--results-json", str(paths["json"]), "--psa-draws", str(paths["draws"])]
    )
    assert code == 0
    return paths


def rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_summary_sheet_equals_the_cli_json_to_the_cent(report, capsys):
    code, out, _ = run_main(capsys, "compare", PPO, "--draws", "0")
    assert code == 0
    expected = json.loads(out)["options"]
    book = openpyxl.load_workbook(report["xlsx"], read_only=True)
    table = rows(book["Summary"])
    assert tuple(table[0]) == SUMMARY_HEADER
    seen = set()
    for row in table[1:]:
        record = dict(zip(SUMMARY_HEADER, row, strict=True))
        option = expected[record["option"]]
        seen.add((record["option"], record["scope"]))
        assert record["label"] == option["label"]
        for field, value in option[record["scope"]].items():
            assert round(record[field], 2) == round(value, 2), (record["option"], record["scope"], field)
        assert record["p_escalate"] == pytest.approx(option["p_escalate"])
    assert seen == {(o, s) for o in expected for s in ("expected", "first_line")}


def test_workbook_has_every_sheet(report):
    book = openpyxl.load_workbook(report["xlsx"], read_only=True)
    assert book.sheetnames == [
        "Summary",
        "Branches",
        "Parameters",
        "One-way",
        "PSA summary",
        "Acceptability curve",
        "Budget impact",
    ]
    params = rows(book["Parameters"])
    assert params[0] == ["id", "label", "group", "unit", "value", "low", "high", "distribution", "source", "evidence"]
    assert len(params) - 1 == len(parameters(load_scenario(PPO)))
    budget = rows(book["Budget impact"])
    assert any(len(r) > 1 and r[0] == "assumption" and "kim2019" in str(r[1]) for r in budget)
    curve = rows(book["Acceptability curve"])
    for row in curve[1:]:
        assert sum(row[1:]) == pytest.approx(1.0)


def test_results_json_and_draws(report):
    document = json.loads(report["json"].read_text(encoding="utf-8"))
    assert {"options", "parameters", "psa", "tornado", "budget"} <= set(document)
    assert document["psa"]["draws"] == 500
    with report["draws"].open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert len(table) == 501
    assert "dry_needling.patient" in table[0] and table[0][0] == "draw"


def test_parquet_draws_match_the_psa():
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    psa = run_psa(load_scenario(PPO), 200, seed=3)
    parquet = psa_draws_parquet(psa)
    assert parquet is not None
    table = pyarrow_parquet.read_table(io.BytesIO(parquet))
    assert table.num_rows == 200
    assert table.column("surgery.insurer").to_pylist() == list(psa.samples["insurer"][:, 3])


def test_every_text_cell_is_inert():
    # A pathway label and a parameter source that a spreadsheet would run as formulas.
    evil = pathway("dn", [dataclasses.replace(visit("s", "therapy", 1, {"NEEDLE": 1}), name="@SUM(1+1)")])
    evil = dataclasses.replace(evil, label='=HYPERLINK("http://x","click")')
    evil = dataclasses.replace(
        evil, work_days_lost=Param(1.0, "gamma", 0.5, 2.0, source="+cmd|' /C calc'!A0", evidence="-1")
    )
    s = scenario([evil, pathway("pt", [visit("v", "therapy", 2, {"PT": 1})])], schedule="self_pay")
    data = workbook_bytes(compare(s), one_way_result=one_way(s), psa=run_psa(s, 50, seed=1))
    book = openpyxl.load_workbook(io.BytesIO(data))
    found = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    found += 1
    assert found >= 4  # the label (Summary, Branches...), the source and the evidence tag


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Summary", "Summary"), ("=a/b:c", "a b c"), ("x" * 40, "x" * 31), ("[]", "Sheet"), ("'quoted'", "quoted")],
)
def test_sheet_names_are_sanitised(name, expected):
    assert safe_sheet_name(name) == expected
    assert safe_sheet_name(name, [expected]) != expected


def test_report_html_uses_the_handout(tmp_path, capsys):
    out = tmp_path / "h.html"
    code, _, _ = run_main(capsys, "report", PPO, "--format", "html", "--out", out)
    assert code == 0 and out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_report_to_an_unwritable_place_exits_2(tmp_path, capsys):
    code, _, err = run_main(
        capsys, "report", PPO, "--format", "xlsx", "--out", tmp_path / "missing" / "r.xlsx", "--draws", "0"
    )
    assert code == 2 and err.count("\n") == 1 and "--out" in err


def test_psa_draws_csv_has_one_row_per_draw():
    psa = run_psa(load_scenario(PPO), 20, seed=1)
    table = list(csv.reader(io.StringIO(psa_draws_csv(psa))))
    assert len(table) == 21 and float(table[1][1]) == pytest.approx(psa.samples["patient"][0, 0])


def test_results_json_without_optional_parts():
    document = results_json(compare(load_scenario(PPO)))
    assert "psa" not in document and document["parameters"]


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None, reason="no LibreOffice")
def test_workbook_opens_in_libreoffice(report, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office is not None
    done = subprocess.run(
        [office, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(report["xlsx"])],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("option,label,scope")
