"""Input validation (SPEC §3): every bad input is an InputError naming file, field, expected and found."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import PRICE_CSV, broken_scenario, minimal_scenario
from openpyxl import Workbook

from calculator.errors import InputError
from calculator.io import (
    DATA_DIR,
    MAX_FILE_BYTES,
    load_price_table,
    load_scenario,
    pathways_from_dict,
    scenario_from_dict,
)

SOURCE = "scenario.json"
NEEDLING = "pathways.pathways.needling"


def rejection(data: Any) -> str:
    """The message scenario_from_dict gives for ``data`` (which must be rejected)."""
    with pytest.raises(InputError) as caught:
        scenario_from_dict(data, SOURCE)
    return str(caught.value)


def file_rejection(loader: Any, path: Path) -> str:
    with pytest.raises(InputError) as caught:
        loader(path)
    return str(caught.value)


def assert_names(message: str, *parts: str) -> None:
    """One sentence that contains every part."""
    assert "\n" not in message
    assert message.endswith(".")
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def write_csv(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The minimal scenario itself


def test_minimal_scenario_is_valid() -> None:
    scenario = scenario_from_dict(minimal_scenario(), SOURCE)
    assert scenario.compare == ("needling", "medication")


def test_message_is_file_field_expected_found() -> None:
    message = rejection(broken_scenario("insurance.coinsurance", 1.3))
    assert message == "scenario.json: insurance.coinsurance: expected a probability from 0 to 1, found 1.3."


# --------------------------------------------------------------------------------------------
# One field broken at a time: (path in the scenario, bad value, where, a word expected, found)

UNKNOWN_KEYS = [
    pytest.param("shedule", "commercial", "shedule", "one of the fields", "'shedule'", id="top-level"),
    pytest.param(
        "insurance.deductable", 1, "insurance.deductable", "one of the fields", "'deductable'", id="insurance"
    ),
    pytest.param("indirect.hourly", 30, "indirect.hourly", "one of the fields", "'hourly'", id="indirect"),
    pytest.param(
        f"{NEEDLING}.respone", 0.5, "pathways.needling.respone", "one of the fields", "'respone'", id="pathway"
    ),
    pytest.param(
        f"{NEEDLING}.visits.0.cnt", 1, "pathways.needling.visits[0].cnt", "one of the fields", "'cnt'", id="visit"
    ),
    pytest.param(
        f"{NEEDLING}.visits.0.items.0.unit",
        1,
        "pathways.needling.visits[0].items[0].unit",
        "one of the fields",
        "'unit'",
        id="item",
    ),
    pytest.param(
        f"{NEEDLING}.response_probability",
        {"value": 0.6, "dist": "beta", "lo": 0.4, "high": 0.7},
        "pathways.needling.response_probability.lo",
        "one of the fields",
        "'lo'",
        id="uncertain-number",
    ),
]

UNKNOWN_NAMES = [
    pytest.param(
        f"{NEEDLING}.visits.0.items.0.code",
        "99999",
        "pathways.needling.visits[0].items[0].code",
        "a code in the price table",
        "'99999'",
        id="code-in-pathway-item",
    ),
    pytest.param(
        "price_overrides",
        {"99999": 10.0},
        "price_overrides.99999",
        "a code in the price table",
        "'99999'",
        id="override",
    ),
    pytest.param(
        "insurance.uncovered_codes",
        ["99999"],
        "insurance.uncovered_codes[0]",
        "a code in the price table",
        "'99999'",
        id="uncovered-code",
    ),
    pytest.param("schedule", "medicaid", "schedule", "one of the table's schedules", "'medicaid'", id="schedule"),
    pytest.param(
        "insurance.uncovered_schedule",
        "cash",
        "insurance.uncovered_schedule",
        "one of the table's schedules",
        "'cash'",
        id="uncovered-schedule",
    ),
    pytest.param(
        f"{NEEDLING}.visits.0.kind",
        "telehealth",
        "pathways.needling.visits[0].kind",
        "office",
        "'telehealth'",
        id="kind",
    ),
    pytest.param(
        "prices.rows.0.category", "misc", "prices.rows[0], column 'category'", "therapy", "'misc'", id="category"
    ),
    pytest.param("compare", ["needling", "surgery"], "compare[1]", "one of the pathways", "'surgery'", id="compare"),
    pytest.param(
        f"{NEEDLING}.on_failure",
        "surgery",
        "pathways.needling.on_failure",
        "the name of another pathway",
        "'surgery'",
        id="on-failure",
    ),
]

BAD_NUMBERS = [
    pytest.param(
        "prices.rows.0.prices.commercial",
        -5,
        "prices.rows[0], column 'commercial'",
        "a non-negative number",
        "-5",
        id="negative-price",
    ),
    pytest.param(
        "prices.rows.0.prices.commercial",
        "12",
        "prices.rows[0], column 'commercial'",
        "a number",
        "'12'",
        id="text-price",
    ),
    pytest.param("insurance.deductible", "500", "insurance.deductible", "a number", "'500'", id="text-deductible"),
    pytest.param(
        f"{NEEDLING}.response_probability",
        1.3,
        "pathways.needling.response_probability",
        "a probability from 0 to 1",
        "1.3",
        id="response-probability-1.3",
    ),
    pytest.param(
        "insurance.coinsurance", 1.3, "insurance.coinsurance", "a probability from 0 to 1", "1.3", id="coinsurance-1.3"
    ),
    pytest.param(
        f"{NEEDLING}.visits.1.count", 2.5, "pathways.needling.visits[1].count", "a whole number", "2.5", id="count-2.5"
    ),
    pytest.param(
        f"{NEEDLING}.visits.1.count", -1, "pathways.needling.visits[1].count", "non-negative", "-1", id="count-minus-1"
    ),
    pytest.param(
        f"{NEEDLING}.visits.1.count",
        {"value": 2, "low": 3, "high": 1},
        "pathways.needling.visits[1].count",
        "low ≤ high",
        "low 3 > high 1",
        id="low-above-high",
    ),
    pytest.param(
        f"{NEEDLING}.visits.1.count",
        {"value": 5, "low": 1, "high": 3},
        "pathways.needling.visits[1].count.value",
        "between low 1 and high 3",
        "found 5",
        id="value-outside-range",
    ),
    pytest.param(
        f"{NEEDLING}.response_probability",
        {"value": 0.6, "dist": "normal", "low": 0.5, "high": 0.7},
        "pathways.needling.response_probability.dist",
        "beta",
        "'normal'",
        id="unknown-distribution",
    ),
    pytest.param(
        f"{NEEDLING}.response_probability",
        {"value": 0.05, "dist": "beta", "low": 0.0, "high": 0.9},
        "pathways.needling.response_probability",
        "narrow enough for a beta",
        "low 0, high 0.9",
        id="beta-range-too-wide",
    ),
    pytest.param("schema_version", 3, "schema_version", "a supported schema version", "found 3", id="schema-3"),
    pytest.param("schema_version", "1", "schema_version", "a supported schema version", "'1'", id="schema-text-1"),
    pytest.param("psa", {"draws": 2_000_000}, "psa.draws", "at most", "2000000", id="draws-above-max"),
    pytest.param("psa", {"draws": 10.5}, "psa.draws", "a whole number", "10.5", id="draws-not-whole"),
    pytest.param("price_spread", 1, "price_spread", "below 1", "found 1", id="price-spread-1"),
]


@pytest.mark.parametrize(("path", "value", "where", "expected", "found"), UNKNOWN_KEYS)
def test_unknown_key_is_rejected(path: str, value: Any, where: str, expected: str, found: str) -> None:
    assert_names(rejection(broken_scenario(path, value)), SOURCE, f": {where}: ", expected, found)


@pytest.mark.parametrize(("path", "value", "where", "expected", "found"), UNKNOWN_NAMES)
def test_unknown_name_is_rejected(path: str, value: Any, where: str, expected: str, found: str) -> None:
    assert_names(rejection(broken_scenario(path, value)), SOURCE, f": {where}: ", expected, found)


@pytest.mark.parametrize(("path", "value", "where", "expected", "found"), BAD_NUMBERS)
def test_bad_number_is_rejected(path: str, value: Any, where: str, expected: str, found: str) -> None:
    assert_names(rejection(broken_scenario(path, value)), SOURCE, f": {where}: ", expected, found)


def test_unknown_code_message_names_code_and_pathway() -> None:
    message = rejection(broken_scenario(f"{NEEDLING}.visits.1.items.0.code", "20999"))
    assert_names(message, "needling", "'20999'", "visit 'Session'")


def test_cycle_in_on_failure_shows_the_cycle() -> None:
    message = rejection(broken_scenario("pathways.pathways.medication.on_failure", "needling"))
    assert_names(message, SOURCE, "on_failure", "no cycles", "needling → medication → needling")


def test_pathway_escalating_to_itself_is_a_cycle() -> None:
    message = rejection(broken_scenario(f"{NEEDLING}.on_failure", "needling"))
    assert_names(message, "needling → needling")


def test_duplicate_code_in_inline_prices_names_both_rows() -> None:
    data = minimal_scenario()
    data["prices"]["rows"].append(dict(data["prices"]["rows"][0]))
    assert_names(rejection(data), "prices.rows[3]", "prices.rows[0]", "'97161'")


# --------------------------------------------------------------------------------------------
# Scenario files


@pytest.mark.parametrize(("value", "literal"), [(float("nan"), "NaN"), (float("inf"), "Infinity")])
def test_non_finite_json_literal_is_rejected(write_scenario: Any, value: float, literal: str) -> None:
    path = write_scenario(broken_scenario("insurance.deductible", value))
    assert literal in path.read_text()
    message = file_rejection(load_scenario, path)
    assert_names(message, "scenario.json: insurance.deductible:", "a finite number", "found")


def test_duplicate_json_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"prices": "us-2025", "schedule": "commercial", "schedule": "self_pay"}', encoding="utf-8")
    assert_names(file_rejection(load_scenario, path), "dup.json", "schedule", "each field once", "twice")


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "prices": ,\n  "pathways": {}\n}', encoding="utf-8")
    assert_names(file_rejection(load_scenario, path), "broken.json", "line 2 column 13", "valid JSON")


def test_malformed_toml_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('prices = "us-2025"\nschedule = \n', encoding="utf-8")
    assert_names(file_rejection(load_scenario, path), "broken.toml", "valid TOML", "line 2")


def test_missing_scenario_file_is_rejected(tmp_path: Path) -> None:
    assert_names(file_rejection(load_scenario, tmp_path / "nope.json"), "nope.json", "an existing file", "no such file")


def test_binary_junk_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(b"\x00\x01\x02\xff\xfe binary")
    assert_names(file_rejection(load_scenario, path), "junk.json", "UTF-8 text", "binary data")


# --------------------------------------------------------------------------------------------
# Price table files


def test_duplicate_csv_code_names_both_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PRICE_CSV + "97161,Again,therapy,per evaluation,1,2,test,2025\n")
    message = file_rejection(load_price_table, path)
    assert_names(message, "prices.csv: row 5, column 'code'", "not already used (row 2)", "'97161'")


@pytest.mark.parametrize(
    ("cell", "expected", "found"),
    [
        ("nan", "a finite number", "found nan"),
        ("inf", "a finite number", "found inf"),
        ("abc", "a number", "found 'abc'"),
        ("-5", "a non-negative number", "found -5"),
    ],
)
def test_bad_csv_price_cell_is_rejected(tmp_path: Path, cell: str, expected: str, found: str) -> None:
    path = write_csv(tmp_path, PRICE_CSV.replace("127.41", cell))
    message = file_rejection(load_price_table, path)
    assert_names(message, "prices.csv: row 2, column 'commercial'", expected, found)


def test_non_utf8_csv_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(PRICE_CSV.replace("PT evaluation", "PT évaluation").encode("latin-1"))
    assert_names(file_rejection(load_price_table, path), "latin1.csv", "UTF-8", "0xe9")


def test_binary_price_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x00\x00\x01PK\x03\x04")
    assert_names(file_rejection(load_price_table, path), "junk.csv", "UTF-8 text", "binary data")


def test_file_above_size_limit_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no 10 MB written
    assert_names(file_rejection(load_price_table, path), "huge.csv", "at most 10 MB", "MB")


def test_missing_csv_column_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PRICE_CSV.replace(",source,", ",src,"))
    assert_names(file_rejection(load_price_table, path), "prices.csv: row 1", "the columns code", "'source'")


def test_empty_csv_is_rejected(tmp_path: Path) -> None:
    assert_names(file_rejection(load_price_table, write_csv(tmp_path, "")), "prices.csv", "a header row", "empty")


def test_csv_row_with_too_many_cells_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PRICE_CSV + "99214,Visit,visit,per visit,150,130,test,2025,extra\n")
    assert_names(file_rejection(load_price_table, path), "prices.csv: row 5", "8 cells", "found 9")


def test_xlsx_that_is_not_a_zip_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "prices.xlsx"
    path.write_bytes(b"code,description\n1,2\n")
    assert_names(file_rejection(load_price_table, path), "prices.xlsx", "an Excel .xlsx workbook", "not a zip")


def test_missing_price_file_is_rejected(tmp_path: Path) -> None:
    assert_names(file_rejection(load_price_table, tmp_path / "nope.csv"), "nope.csv", "an existing file")


# --------------------------------------------------------------------------------------------
# What loads


def test_csv_header_block_sets_currency(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "# currency: GBP\n# label: Clinic list\n" + PRICE_CSV)
    table = load_price_table(path)
    assert (table.currency, table.label) == ("GBP", "Clinic list")


def test_csv_row_numbers_count_the_header_block(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "# currency: GBP\n" + PRICE_CSV.replace("127.41", "abc"))
    assert_names(file_rejection(load_price_table, path), "row 3, column 'commercial'")


def test_free_comment_lines_above_the_header_are_ignored(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "# My clinic's prices, updated by Sam\n# currency: GBP\n" + PRICE_CSV)
    assert load_price_table(path).currency == "GBP"


def test_thousands_separators_are_read_but_a_decimal_comma_is_rejected(tmp_path: Path) -> None:
    good = write_csv(tmp_path, PRICE_CSV.replace("127.41", '"1,127.41"'))
    assert load_price_table(good).price("97161", "commercial") == 1127.41
    bad = write_csv(tmp_path, PRICE_CSV.replace("127.41", '"127,41"'))
    assert_names(file_rejection(load_price_table, bad), "row 2, column 'commercial'", "'127,41'")


def test_sidecar_toml_gives_table_metadata(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PRICE_CSV)
    (tmp_path / "prices.toml").write_text(
        'label = "Clinic"\ncurrency = "EUR"\nregion = "Berlin"\nyear = 2024\n', encoding="utf-8"
    )
    table = load_price_table(path)
    assert (table.label, table.currency, table.region, table.year) == ("Clinic", "EUR", "Berlin", "2024")


def test_sidecar_toml_with_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PRICE_CSV)
    (tmp_path / "prices.toml").write_text('lable = "Clinic"\n', encoding="utf-8")
    assert_names(file_rejection(load_price_table, path), "prices.toml: lable:", "one of the fields", "'lable'")


def write_xlsx(path: Path, text: str) -> None:
    """The CSV as a workbook, with numbers stored as Excel numbers (codes included)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "prices"
    for i, row in enumerate(csv.reader(io.StringIO(text))):
        sheet.append(row if i == 0 else [int(row[0]), *row[1:4], float(row[4]), float(row[5]), row[6], int(row[7])])
    workbook.save(path)


def test_xlsx_loads_to_the_same_table_as_the_csv(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "prices.xlsx", PRICE_CSV)
    assert load_price_table(tmp_path / "prices.xlsx") == load_price_table(write_csv(tmp_path, PRICE_CSV))


def test_xlsx_numeric_code_stays_text(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "prices.xlsx", PRICE_CSV)
    assert "97161" in load_price_table(tmp_path / "prices.xlsx")


def test_inline_pathways_may_be_a_bare_mapping() -> None:
    data = minimal_scenario()
    data["pathways"] = data["pathways"]["pathways"]
    assert scenario_from_dict(data, SOURCE).pathways.ids == ("needling", "medication")


def test_bare_pathway_mapping_is_checked_too() -> None:
    bare = minimal_scenario()["pathways"]["pathways"]
    bare["needling"]["on_failure"] = "surgery"
    with pytest.raises(InputError, match=r"pathways\.needling\.on_failure"):
        pathways_from_dict(bare, "pathways.json")


def test_price_path_loads_relative_to_the_scenario(tmp_path: Path) -> None:
    write_csv(tmp_path, PRICE_CSV)
    scenario = scenario_from_dict(broken_scenario("prices", "prices.csv"), SOURCE, base_dir=tmp_path)
    assert scenario.prices.name == "prices"


@pytest.mark.parametrize("relative", [True, False], ids=["relative", "absolute"])
def test_uploads_cannot_name_a_path(tmp_path: Path, relative: bool) -> None:
    path = write_csv(tmp_path, PRICE_CSV)
    named = path.name if relative else str(path)
    with pytest.raises(InputError) as caught:
        scenario_from_dict(broken_scenario("prices", named), SOURCE, base_dir=tmp_path, allow_paths=False)
    assert_names(str(caught.value), "scenario.json: prices:", "a shipped name", f"found '{named[:20]}")


def test_shipped_price_table_is_found_by_name() -> None:
    if not (DATA_DIR / "prices" / "us-2025.csv").is_file():
        pytest.skip("shipped table data/prices/us-2025.csv not there yet")
    scenario = scenario_from_dict(broken_scenario("prices", "us-2025"), SOURCE, allow_paths=False)
    assert scenario.prices.name == "us-2025"


def test_scenario_file_round_trips_through_json(write_scenario: Any) -> None:
    assert load_scenario(write_scenario()) == scenario_from_dict(minimal_scenario(), SOURCE, name="scenario")


# --------------------------------------------------------------------------------------------
# Regressions: bugs found while writing these tests


@pytest.mark.parametrize("entry", [["needling"], {"id": "needling"}])
def test_non_text_compare_entry_is_an_input_error(entry: Any) -> None:
    assert_names(rejection(broken_scenario("compare", [entry])), "compare[0]")


def test_integer_too_large_for_a_float_is_an_input_error() -> None:
    assert_names(rejection(broken_scenario("insurance.deductible", 10**400)), "insurance.deductible")


def test_integer_with_thousands_of_digits_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "digits.json"
    path.write_text(
        json.dumps(minimal_scenario()).replace('"deductible": 500', '"deductible": ' + "9" * 5000), encoding="utf-8"
    )
    assert_names(file_rejection(load_scenario, path), "digits.json")


def test_draws_maximum_is_written_in_full() -> None:
    assert_names(rejection(broken_scenario("psa", {"draws": 2_000_000})), "at most 1,000,000")


def test_size_message_shows_a_size_above_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    found = re.search(r"found ([\d.]+) MB", file_rejection(load_price_table, path))
    assert found is not None
    assert float(found[1]) > MAX_FILE_BYTES / (1024 * 1024)


def test_csv_with_header_only_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PRICE_CSV.splitlines()[0] + "\n")
    assert_names(file_rejection(load_price_table, path), "prices.csv", "at least one price row")
