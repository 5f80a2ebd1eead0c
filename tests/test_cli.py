"""Command line (SPEC §5): compare prints results and exits 0; invalid input exits 2 with one line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PRICE_CSV, REPO_ROOT, broken_scenario, minimal_scenario

from calculator.__main__ import main

COSTS = {"allowed", "insurer", "patient", "indirect", "adverse_events", "societal"}
BRANCH_KEYS = {"path", "probability", "allowed", "insurer", "patient", "indirect", "adverse_events"}


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calculator", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """``main`` in-process: (exit code, stdout, stderr); argparse errors exit through SystemExit."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def result(capsys: pytest.CaptureFixture[str], scenario_file: Path) -> dict[str, Any]:
    code, out, _ = run_main(capsys, "compare", scenario_file)
    assert code == 0
    return json.loads(out)


def costed_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """expected, first_line and every branch of every option."""
    rows = []
    for option in result["options"].values():
        rows += [option["expected"], option["first_line"], *option["branches"]]
    return rows


# --------------------------------------------------------------------------------------------
# compare: the JSON result


def test_compare_as_a_process_exits_0_with_json(scenario_file: Path) -> None:
    completed = run_cli("compare", scenario_file)
    assert (completed.returncode, completed.stderr) == (0, "")
    assert set(json.loads(completed.stdout)["options"]) == {"needling", "medication"}


def test_compare_json_has_the_spec_top_level_keys(result: dict[str, Any]) -> None:
    assert {"schema_version", "currency", "schedule", "options"} <= set(result)
    assert (result["schema_version"], result["currency"], result["schedule"]) == (2, "USD", "commercial")


def test_compare_json_options_follow_compare_order(result: dict[str, Any]) -> None:
    assert list(result["options"]) == ["needling", "medication"]


def test_compare_json_option_has_the_spec_keys(result: dict[str, Any]) -> None:
    option = result["options"]["needling"]
    assert {"label", "expected", "first_line", "p_escalate", "p_response", "branches"} <= set(option)
    assert option["label"] == "Dry needling"
    assert set(option["expected"]) >= COSTS
    assert set(option["first_line"]) >= COSTS


def test_compare_json_branches_have_the_spec_keys(result: dict[str, Any]) -> None:
    branches = result["options"]["needling"]["branches"]
    assert [b["path"] for b in branches] == [["needling"], ["needling", "medication"]]
    assert all(set(b) >= BRANCH_KEYS for b in branches)


def test_compare_json_escalation_probabilities(result: dict[str, Any]) -> None:
    needling = result["options"]["needling"]
    # response 0.6 then 0.5: escalate 1 − 0.6; respond somewhere 1 − 0.4 × 0.5
    assert needling["p_escalate"] == pytest.approx(0.4)
    assert needling["p_response"] == pytest.approx(0.8)
    assert [b["probability"] for b in needling["branches"]] == pytest.approx([0.6, 0.4])


def test_allowed_is_insurer_plus_patient_everywhere(result: dict[str, Any]) -> None:
    for costs in costed_rows(result):
        assert costs["allowed"] == pytest.approx(costs["insurer"] + costs["patient"])


def test_societal_is_allowed_plus_indirect_plus_adverse_events(result: dict[str, Any]) -> None:
    for option in result["options"].values():
        for costs in (option["expected"], option["first_line"]):
            assert costs["societal"] == pytest.approx(costs["allowed"] + costs["indirect"] + costs["adverse_events"])


def test_draws_0_gives_no_psa(capsys: pytest.CaptureFixture[str], scenario_file: Path) -> None:
    code, out, _ = run_main(capsys, "compare", scenario_file, "--draws", "0", "--seed", "3")
    assert code == 0
    assert "psa" not in json.loads(out)


def test_draws_flag_adds_the_psa(capsys: pytest.CaptureFixture[str], scenario_file: Path) -> None:
    code, out, _ = run_main(capsys, "compare", scenario_file, "--draws", "10", "--seed", "2")
    assert code == 0
    psa = json.loads(out)["psa"]
    assert (psa["draws"], psa["seed"]) == (10, 2)


def test_scenario_psa_block_sets_the_default_draws(capsys: pytest.CaptureFixture[str], write_scenario: Any) -> None:
    code, out, _ = run_main(capsys, "compare", write_scenario(broken_scenario("psa", {"draws": 10, "seed": 1})))
    assert code == 0
    assert json.loads(out)["psa"]["draws"] == 10


# --------------------------------------------------------------------------------------------
# compare: table and CSV


def test_table_lists_every_option_label(capsys: pytest.CaptureFixture[str], scenario_file: Path) -> None:
    code, out, _ = run_main(capsys, "compare", scenario_file, "--format", "table")
    assert code == 0
    assert "Dry needling" in out
    assert "Medication" in out


def test_csv_has_a_header_and_one_row_per_option(capsys: pytest.CaptureFixture[str], scenario_file: Path) -> None:
    code, out, _ = run_main(capsys, "compare", scenario_file, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["option"] for r in rows] == ["needling", "medication"]
    assert {"label", "expected_allowed", "expected_patient", "p_escalate", "currency"} <= set(rows[0])


# --------------------------------------------------------------------------------------------
# Invalid input: exit 2, one line on stderr, no traceback


def scenario_with(tmp_path: Path, path: str, value: Any) -> Path:
    target = tmp_path / "scenario.json"
    target.write_text(json.dumps(broken_scenario(path, value)), encoding="utf-8")
    return target


def bad_json(tmp_path: Path) -> Path:
    target = tmp_path / "bad.json"
    target.write_text('{"prices": }', encoding="utf-8")
    return target


INVALID = [
    pytest.param(lambda tmp: ["compare", tmp / "nope.json"], ["nope.json", "no such file"], id="missing-file"),
    pytest.param(lambda tmp: ["compare", bad_json(tmp)], ["bad.json", "line 1 column", "valid JSON"], id="bad-json"),
    pytest.param(
        lambda tmp: ["compare", scenario_with(tmp, "insurance.deductable", 1)],
        ["scenario.json", "insurance.deductable", "'deductable'"],
        id="unknown-key",
    ),
    pytest.param(
        lambda tmp: ["compare", scenario_with(tmp, "insurance.coinsurance", 1.3)],
        ["scenario.json", "insurance.coinsurance", "from 0 to 1", "1.3"],
        id="probability-1.3",
    ),
    pytest.param(
        lambda tmp: ["compare", scenario_with(tmp, "pathways.pathways.medication.on_failure", "needling")],
        ["scenario.json", "on_failure", "needling → medication → needling"],
        id="cycle",
    ),
    pytest.param(
        lambda tmp: ["compare", scenario_with(tmp, "schema_version", 1), "--draws", "-5"],
        ["--draws", "-5"],
        id="draws-negative",
    ),
    pytest.param(
        lambda tmp: ["compare", scenario_with(tmp, "schema_version", 1), "--draws", "abc"],
        ["--draws", "'abc'"],
        id="draws-text",
    ),
    pytest.param(
        lambda tmp: ["compare", scenario_with(tmp, "schema_version", 1), "--format", "xml"],
        ["--format", "'xml'"],
        id="format-xml",
    ),
    pytest.param(lambda tmp: [], ["command"], id="no-arguments"),
]


@pytest.mark.parametrize(("make_args", "mentions"), INVALID)
def test_invalid_input_exits_2_with_one_line(tmp_path: Path, make_args: Any, mentions: list[str]) -> None:
    completed = run_cli(*make_args(tmp_path))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert len(completed.stderr.splitlines()) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    for part in mentions:
        assert part in completed.stderr


def test_invalid_input_in_process_returns_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_main(capsys, "compare", scenario_with(tmp_path, "schedule", "medicaid"))
    assert (code, out) == (2, "")
    assert err.startswith("error: scenario.json: schedule: expected one of the table's schedules")


def test_non_text_compare_entry_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "compare", scenario_with(tmp_path, "compare", [["needling"]]))
    assert code == 2
    assert "compare[0]" in err


def test_unknown_key_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    completed = run_cli("compare", scenario_with(tmp_path, "label\nx", "a"))
    assert completed.returncode == 2
    assert len(completed.stderr.splitlines()) == 1, completed.stderr


# --------------------------------------------------------------------------------------------
# validate


def write_pathways(tmp_path: Path, pathways: dict[str, Any]) -> Path:
    target = tmp_path / "pathways.json"
    target.write_text(json.dumps(pathways), encoding="utf-8")
    return target


def test_validate_accepts_a_price_table(capsys: pytest.CaptureFixture[str], price_csv: Path) -> None:
    code, out, _ = run_main(capsys, "validate", price_csv)
    assert code == 0
    assert "valid prices" in out


def test_validate_accepts_a_scenario(capsys: pytest.CaptureFixture[str], scenario_file: Path) -> None:
    code, out, _ = run_main(capsys, "validate", scenario_file)
    assert code == 0
    assert "valid scenario" in out


def test_validate_accepts_a_pathway_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_main(capsys, "validate", write_pathways(tmp_path, minimal_scenario()["pathways"]))
    assert code == 0
    assert "valid pathways" in out


def test_validate_rejects_a_bad_price_table(tmp_path: Path) -> None:
    target = tmp_path / "prices.csv"
    target.write_text(PRICE_CSV.replace("127.41", "abc"), encoding="utf-8")
    completed = run_cli("validate", target)
    assert completed.returncode == 2
    assert "prices.csv: row 2, column 'commercial'" in completed.stderr


def test_validate_rejects_a_bad_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "validate", scenario_with(tmp_path, "insurance.coinsurance", 1.3))
    assert code == 2
    assert "insurance.coinsurance" in err


def test_validate_rejects_a_bad_pathway_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pathways = minimal_scenario()["pathways"]
    pathways["pathways"]["needling"]["response_probability"] = 1.3
    code, _, err = run_main(capsys, "validate", write_pathways(tmp_path, pathways))
    assert code == 2
    assert "pathways.json: pathways.needling.response_probability" in err


# Issue 13: break-even answers alone; the tornado only when asked for.

PPO_SCENARIO = REPO_ROOT / "data" / "scenarios" / "commercial-ppo.json"


def test_break_even_prints_only_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        capsys,
        "sensitivity",
        PPO_SCENARIO,
        "--break-even",
        "pathway/dry_needling/visit/1/count",
        "--between",
        "dry_needling",
        "physical_therapy",
        "--low",
        "0",
        "--high",
        "10",
    )
    assert code == 0
    document = json.loads(out)
    assert "tornado" not in document
    assert len(out) < 5_000
    # At the base case of 5 sessions dry needling already costs more for the patient.
    assert document["break_even"]["kind"] == "already_dearer"
    assert "already costs more" in document["break_even"]["sentence"]


def test_break_even_with_tornado(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        capsys,
        "sensitivity",
        PPO_SCENARIO,
        "--break-even",
        "price/self_pay/20561",
        "--between",
        "dry_needling",
        "physical_therapy",
        "--with-tornado",
    )
    assert code == 0
    document = json.loads(out)
    assert document["tornado"]["rows"] and document["break_even"]["sentence"]


def test_break_even_csv_is_the_sentence_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        capsys,
        "sensitivity",
        PPO_SCENARIO,
        "--format",
        "csv",
        "--break-even",
        "price/self_pay/20561",
        "--between",
        "dry_needling",
        "physical_therapy",
    )
    assert code == 0
    assert out.splitlines()[0] == "break_even_sentence" and len(out.splitlines()) == 2


def test_the_readme_example_table_is_what_the_cli_prints(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("Commercial PPO with copays: commercial prices")
    shown = readme[start : readme.index("```", start)]
    code, out, _err = run_main(
        capsys, "compare", REPO_ROOT / "data" / "scenarios" / "commercial-ppo.json", "--format", "table", "--draws", "0"
    )
    assert code == 0 and out == shown
