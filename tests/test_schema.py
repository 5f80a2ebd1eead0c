"""The declared formats: published JSON Schemas, every-problem reports and the shared limits."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO_ROOT, broken_scenario, minimal_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.__main__ import error_lines, main
from calculator.errors import InputError
from calculator.formats.schema import schema_texts
from calculator.io import DATA_DIR, load_pathways, load_scenario, pathways_from_dict, scenario_from_dict, shipped_names
from calculator.limits import LIMITS, MAX_DEPTH, MAX_DRAWS, MAX_ROWS

SCHEMA_DIR = REPO_ROOT / "data" / "schema"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def shipped(kind: str) -> list[Path]:
    return [DATA_DIR / kind / f"{name}.json" for name in shipped_names(kind)]


# --------------------------------------------------------------------------------------------
# The committed schemas are what the declarations generate


def test_committed_schemas_equal_the_generated_ones() -> None:
    texts = schema_texts()
    assert sorted(texts) == sorted(p.name for p in SCHEMA_DIR.glob("*.schema.json"))
    for name, text in texts.items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text, f"run: python -m calculator schema ({name})"


def test_schema_command_writes_the_same_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    for path in SCHEMA_DIR.glob("*.schema.json"):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_schema_bounds_come_from_the_limits_table() -> None:
    schema = json.loads((SCHEMA_DIR / "scenario.schema.json").read_text(encoding="utf-8"))
    draws = schema["$defs"]["PsaDoc"]["properties"]["draws"]
    assert (draws["type"], draws["maximum"]) == ("integer", MAX_DRAWS)
    count = schema["$defs"]["UncertainCount"]["properties"]["value"]
    assert count["maximum"] == LIMITS["visit_count"].maximum


# --------------------------------------------------------------------------------------------
# The schema accepts every shipped file and rejects malformed ones


@pytest.mark.parametrize("path", shipped("scenarios"), ids=lambda p: p.stem)
def test_scenario_schema_validates_every_shipped_scenario(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["$schema"] == "../schema/scenario.schema.json"
    validator("scenario.schema.json").validate(document)


@pytest.mark.parametrize("path", shipped("pathways"), ids=lambda p: p.stem)
def test_pathway_schema_validates_every_shipped_pathway_file(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["$schema"] == "../schema/pathways.schema.json"
    validator("pathways.schema.json").validate(document)


def test_scenario_schema_validates_the_inline_scenario() -> None:
    validator("scenario.schema.json").validate(minimal_scenario())


MALFORMED_SCENARIOS = [
    pytest.param("shedule", "commercial", id="unknown-key"),
    pytest.param("insurance.coinsurance", 1.3, id="coinsurance-1.3"),
    pytest.param("pathways.pathways.needling.visits.1.count", -1, id="negative-count"),
    pytest.param("insurance.deductible", "500", id="wrong-type"),
    pytest.param("insurance.deductable", 1, id="unknown-insurance-key"),
    pytest.param("psa", {"draws": MAX_DRAWS + 1}, id="draws-above-max"),
    pytest.param("pathways.pathways.needling.visits.0.kind", "telehealth", id="unknown-kind"),
    pytest.param("pathways.pathways.needling.response_probability", {"value": 0.5, "lo": 0.1}, id="uncertain-key"),
]


@pytest.mark.parametrize(("path", "value"), MALFORMED_SCENARIOS)
def test_scenario_schema_and_loader_both_reject(path: str, value: Any) -> None:
    document = broken_scenario(path, value)
    assert not validator("scenario.schema.json").is_valid(document)
    with pytest.raises(InputError):
        scenario_from_dict(document, "scenario.json")


MALFORMED_PATHWAYS = [
    pytest.param(("needling", "respone"), 0.5, id="unknown-key"),
    pytest.param(("needling", "response_probability"), 1.3, id="probability-1.3"),
    pytest.param(("needling", "visits", 1, "count"), -1, id="negative-count"),
    pytest.param(("needling", "visits", 1, "count"), 2.5, id="fractional-count"),
    pytest.param(("needling", "visits"), "six visits", id="wrong-type"),
]


@pytest.mark.parametrize(("path", "value"), MALFORMED_PATHWAYS)
def test_pathway_schema_and_loader_both_reject(path: tuple[Any, ...], value: Any) -> None:
    document = copy.deepcopy(minimal_scenario()["pathways"])
    target = document["pathways"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert not validator("pathways.schema.json").is_valid(document)
    with pytest.raises(InputError):
        pathways_from_dict(document, "pathways.json")


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.floats(-2, 3), st.integers(-3, 3), st.booleans(), st.text(max_size=3), st.none()))
def test_schema_and_loader_agree_on_coinsurance(value: Any) -> None:
    """Property: the published schema accepts exactly the coinsurance values the loader accepts."""
    document = broken_scenario("insurance.coinsurance", value)
    try:
        scenario_from_dict(document, "scenario.json")
        loaded = True
    except InputError:
        loaded = False
    assert validator("scenario.schema.json").is_valid(document) == loaded


# --------------------------------------------------------------------------------------------
# "$schema", every problem reported, the CLI's three lines


def test_a_schema_link_is_allowed_in_scenarios_and_pathway_files(tmp_path: Path) -> None:
    document = {"$schema": "../schema/scenario.schema.json", **minimal_scenario()}
    assert scenario_from_dict(document, "scenario.json").compare == ("needling", "medication")
    path = tmp_path / "pathways.json"
    path.write_text(json.dumps({"$schema": "x", **minimal_scenario()["pathways"]}), encoding="utf-8")
    assert load_pathways(path).ids == ("needling", "medication")


def every_problem(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as caught:
        scenario_from_dict(document, "scenario.json")
    return caught.value.problems


def test_every_problem_of_a_file_is_reported() -> None:
    document = minimal_scenario()
    document["insurance"]["coinsurance"] = 1.3
    document["insurance"]["deductable"] = 1
    document["pathways"]["pathways"]["needling"]["visits"][1]["count"] = 2.5
    document["psa"] = {"draws": -1}
    problems = every_problem(document)
    assert problems == [
        "scenario.json: pathways.needling.visits[1].count: expected a whole number, found 2.5.",
        "scenario.json: insurance.coinsurance: expected a probability from 0 to 1, found 1.3.",
        "scenario.json: insurance.deductable: expected one of the fields deductible, deductible_met, coinsurance, "
        "oop_max, oop_met, copays, uncovered_codes, uncovered_schedule, visit_limits, found the unknown field "
        "'deductable'.",
        "scenario.json: psa.draws: expected a non-negative number, found -1.",
    ]


def test_every_cross_reference_problem_is_reported() -> None:
    document = broken_scenario("schedule", "medicaid")
    document["compare"] = ["needling", "surgery"]
    document["insurance"]["uncovered_codes"] = ["99999"]
    problems = every_problem(document)
    assert [p.split(":")[1].strip() for p in problems] == ["schedule", "compare[1]", "insurance.uncovered_codes[0]"]


def test_the_message_is_the_first_problem_and_counts_the_rest() -> None:
    document = broken_scenario("insurance.coinsurance", 1.3)
    document["insurance"]["deductible"] = -5
    with pytest.raises(InputError) as caught:
        scenario_from_dict(document, "scenario.json")
    assert str(caught.value) == (
        "scenario.json: insurance.deductible: expected a non-negative number, found -5 (and 1 more problem)."
    )


def test_cli_prints_at_most_three_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = minimal_scenario()
    for key in ("deductible", "deductible_met", "oop_met", "oop_max"):
        document["insurance"][key] = -1
    document["insurance"]["coinsurance"] = 2
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["compare", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("error: scenario.json: insurance.deductible: expected a non-negative number")
    assert lines[2] == "error: and 3 more problems."  # five problems: two shown, three counted


def test_error_lines_show_all_of_three_problems() -> None:
    error = InputError.from_problems([InputError("f.json", f"x{i}", "a number", "a") for i in range(3)])
    assert [line.split(": ")[2] for line in error_lines(error)] == ["x0", "x1", "x2"]


# --------------------------------------------------------------------------------------------
# The inline price table's optional payment reductions, nesting depth


def test_inline_mppr_is_accepted_and_an_unknown_schedule_named() -> None:
    document = broken_scenario("prices.rows.1.mppr", {"commercial": 6.95})
    assert scenario_from_dict(document, "scenario.json").prices.price("20561", "commercial") == 46.67
    bad = broken_scenario("prices.rows.1.mppr", {"medicaid": 6.95})
    message = every_problem(bad)[0]
    assert "prices.rows[1], column 'mppr_medicaid'" in message and "'medicaid'" in message
    negative = broken_scenario("prices.rows.1.mppr", {"commercial": -1})
    assert "prices.rows[1], column 'mppr_commercial': expected a non-negative number" in every_problem(negative)[0]


def test_deeply_nested_json_is_refused_before_validation(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"label": ' + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "}", encoding="utf-8")
    with pytest.raises(InputError, match="at most 32 levels of nesting"):
        load_scenario(path)


def test_a_cycle_is_one_problem_and_two_cycles_are_two() -> None:
    one = broken_scenario("pathways.pathways.medication.on_failure", "needling")
    assert len(every_problem(one)) == 1
    two = minimal_scenario()
    for pathway_id in ("needling", "medication"):
        two["pathways"]["pathways"][pathway_id]["on_failure"] = pathway_id
    assert [p.split("found ")[1] for p in every_problem(two)] == [
        "the cycle needling → needling.",
        "the cycle medication → medication.",
    ]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        # A regression the declarations could bring: pydantic's lax mode reads "yes" as true.
        ("pathways.pathways.needling.visits.0.travel", "yes", "visits[0].travel: expected true or false, found 'yes'"),
        ("prices", 5, "prices: expected a shipped name, a file path or an inline object, found 5"),
        ("pathways", "", "pathways: expected a shipped name, a file path or an inline object, found an empty value"),
        ("prices.rows.0.code", None, "prices.rows[0], column 'code': expected a non-empty text"),
        ("prices.currency", "usd", "prices.currency: expected a three-letter currency code such as USD"),
    ],
)
def test_declared_rules_keep_the_loaders_words(path: str, value: Any, message: str) -> None:
    assert message in every_problem(broken_scenario(path, value))[0]


def test_an_inline_table_is_bounded_like_a_file() -> None:
    document = minimal_scenario()
    row = document["prices"]["rows"][0]
    document["prices"]["rows"] = [dict(row, code=str(i)) for i in range(MAX_ROWS + 1)]
    assert every_problem(document) == [
        "scenario.json: prices.rows: expected at most 20,000 entries, found a list of 20001."
    ]


@pytest.mark.parametrize("name", shipped_names("scenarios"))
def test_what_the_writers_write_follows_the_published_schemas(name: str) -> None:
    from calculator.serialize import pathways_to_dict, scenario_to_dict

    scenario = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
    document = json.loads(json.dumps(scenario_to_dict(scenario, inline=True)))
    validator("scenario.schema.json").validate(document)
    validator("price-table.schema.json").validate(document["prices"])
    validator("pathways.schema.json").validate(pathways_to_dict(scenario.pathways))
    if "budget" in document:
        validator("budget.schema.json").validate(document["budget"])


BUDGET = {"members": 10_000, "episodes_per_1000": 50, "current_mix": {"medication": 1}, "proposed_mix": {"needling": 1}}


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"years": 3, "growth": 0.02}, True),
        ({"members": 0}, False),
        ({"members": 10.5}, False),
        ({"years": 6}, False),
        ({"growth": -0.6}, False),
        ({"current_mix": {}}, False),
        ({"proposed_mix": {"needling": 1.5}}, False),
        ({"member": 3}, False),
    ],
)
def test_budget_schema_and_loader_agree(change: dict[str, Any], valid: bool) -> None:
    from calculator.budget import budget_inputs_from_dict

    block = {**BUDGET, **change}
    assert validator("budget.schema.json").is_valid(block) == valid
    if valid:
        budget_inputs_from_dict(block, ("needling", "medication"))
    else:
        with pytest.raises(InputError):
            budget_inputs_from_dict(block, ("needling", "medication"))
