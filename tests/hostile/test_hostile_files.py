"""Every class of hostile file of issue 12: refused with one sentence (library: an InputError;
CLI: exit 2), no traceback, under 10 s and 500 MB of peak memory (each CLI run measured in its own
child process)."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from calculator.errors import InputError
from calculator.inert import read_csv_comment
from calculator.io import price_metadata_from_bytes, price_table_from_bytes, scenario_from_bytes

from .bounded import LOAD_SCRIPT, TIME_LIMIT_S, assert_refused_in_bounds, run_python
from .generate import (
    COMMA_FORMULA_LABEL,
    FORMULA_SCHEDULE,
    HOSTILE_FILES,
    nested_share_token,
    price_csv,
    scenario,
    valid_xlsx,
)

# What each refusal must name (besides the file): the defence that stopped it.
EXPECTED = {
    "xlsx-huge-dimension": "dimension: expected at most 20,001 rows and 64 columns, found 'A1:XFD20001'",
    "xlsx-zip-bomb": "part 'xl/sharedStrings.xml': expected at most",
    "xlsx-lying-zip-bomb": "part 'xl/sharedStrings.xml': expected at most",
    "xlsx-broken-xml": "expected well-formed XML, found broken XML",
    "xlsx-missing-sheet-part": "part 'xl/worksheets/sheet1.xml': expected the part the workbook names, found nothing",
    "xlsx-chartsheet-prices": "sheet 'prices': expected a worksheet of cells, found a chartsheet",
    "xlsx-entity-expansion": "expected plain UTF-8 XML, found a document type declaration (DTD)",
    "toml-nested-arrays": "expected at most 32 levels of nesting",
    "toml-nested-tables": "expected at most 32 levels of nesting",
    "json-nested": "expected at most 32 levels of nesting",
    "csv-price-1e308": "row 2, column 'cash': expected an amount from 0 to 10,000,000, found 1e+308",
    "scenario-price-1e308": "column 'cash': expected an amount from 0 to 10,000,000, found 1e+308",
    "scenario-long-label": "pathways.pt.label: expected a text of at most 10,000 characters, found 20,000 characters",
    "csv-long-description": "row 2, column 'description': expected a text of at most 10,000 characters, found 20,000",
    "scenario-million-weeks": "pathways.pt.weeks: expected a number of weeks from 0 to 520, found 1000000",
    "scenario-ten-million-draws": "psa.draws: expected a number of at most 1,000,000, found 10000000",
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (file_name, build) in HOSTILE_FILES.items():
        target = folder / name
        target.mkdir()
        (target / file_name).write_bytes(build())
    return folder


def hostile_path(folder: Path, name: str) -> Path:
    return folder / name / HOSTILE_FILES[name][0]


def test_every_class_has_an_expectation() -> None:
    assert set(EXPECTED) == set(HOSTILE_FILES)


def test_the_harness_loads_a_valid_workbook(tmp_path: Path) -> None:
    """Control: the bounded child loads a good file (exit 0), so exit 2 below means a refusal."""
    path = tmp_path / "prices.xlsx"
    path.write_bytes(valid_xlsx())
    run = run_python(["-c", LOAD_SCRIPT, str(path)])
    assert (run.code, run.stdout.strip()) == (0, "loaded"), run.stderr


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_library_raises_one_input_error(hostile_dir: Path, name: str) -> None:
    """In process, through today's public loaders (memory is measured by the CLI test below)."""
    path = hostile_path(hostile_dir, name)
    loader = {".toml": price_metadata_from_bytes, ".json": scenario_from_bytes}.get(path.suffix, price_table_from_bytes)
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        loader(path.read_bytes(), path.name)
    assert time.perf_counter() - start < TIME_LIMIT_S
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    assert message.startswith(f"{path.name}: ")
    assert EXPECTED[name] in message


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_cli_validate_exits_2_in_bounds(hostile_dir: Path, name: str) -> None:
    path = hostile_path(hostile_dir, name)
    run = run_python(["-m", "calculator", "validate", str(path)])
    message = assert_refused_in_bounds(run, "stderr")
    assert message.startswith(f"error: {path.name}: ")
    assert EXPECTED[name] in message
    assert run.stdout == ""


def test_cli_compare_refuses_a_price_of_1e308(hostile_dir: Path) -> None:
    path = hostile_path(hostile_dir, "scenario-price-1e308")
    run = run_python(["-m", "calculator", "compare", str(path), "--format", "csv"])
    assert "found 1e+308" in assert_refused_in_bounds(run, "stderr")
    assert "nan" not in run.stdout


@pytest.mark.parametrize("output", ["json", "csv"])
def test_cli_compare_names_the_override_that_overflows(tmp_path: Path, output: str) -> None:
    """A price override of 1e308 (6 visits of it overflow to inf; before: a JSON traceback, or CSV
    ``nan`` with exit 0) is refused at load by the format's money bound, naming the code."""
    path = tmp_path / "scenario.json"
    path.write_bytes(scenario(override=1e308))
    run = run_python(["-m", "calculator", "compare", str(path), "--format", output])
    assert "99213" in assert_refused_in_bounds(run, "stderr")


def test_xlsx_export_of_a_formula_schedule_name_is_inert() -> None:
    from openpyxl import load_workbook

    from calculator.io import price_table_from_bytes
    from calculator.serialize import price_table_to_xlsx

    table = price_table_from_bytes(price_csv(schedule=FORMULA_SCHEDULE), "prices.csv")
    book = load_workbook(io.BytesIO(price_table_to_xlsx(table)))
    formulas = [
        c.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []


def test_csv_export_of_a_comma_formula_label_keeps_one_cell() -> None:
    from calculator.io import price_table_from_bytes
    from calculator.serialize import price_table_to_csv

    table = price_table_from_bytes(price_csv(comment=f'# label: "{COMMA_FORMULA_LABEL}"'), "prices.csv")
    assert table.label == COMMA_FORMULA_LABEL
    text = price_table_to_csv(table)
    first = next(csv.reader(io.StringIO(text)))
    assert len(first) == 1 and first[0].startswith("#")
    assert read_csv_comment(text.splitlines()[0]) == f"label: {COMMA_FORMULA_LABEL}"


def test_a_share_link_nested_20000_deep_is_one_sentence() -> None:
    """281 characters of link; main: RecursionError (a traceback) from json.loads."""
    from calculator.share import decode_link

    with pytest.raises(InputError, match="expected at most 32 levels of nesting"):
        decode_link(nested_share_token(20_000))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"pathways": {"pathways": {"physical_therapy": {"weeks": {"value": 1_000_000}}}}}, "weeks from 0 to 520"),
        ({"psa": {"draws": 10_000_000}}, "at most 1,000,000"),
        ({"psa": {"seed": 2**80}}, "psa.seed"),
        ({"label": "x" * 20_000}, "label: expected a text of at most 10,000 characters"),
    ],
)
def test_a_share_link_with_out_of_bounds_numbers_is_one_sentence(change: dict, expected: str) -> None:
    """A 100-character link once kept the Compare page busy for over a minute (a million weeks);
    each number a link can carry is held to the loader's bounds before any work."""
    from calculator.io import DATA_DIR, load_scenario
    from calculator.share import encode_link, scenario_from_link

    presets = {"commercial-ppo": load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")}
    token = encode_link("commercial-ppo", change)
    assert len(token) < 200
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        scenario_from_link(token, presets)
    assert time.perf_counter() - start < TIME_LIMIT_S
    message = str(caught.value)
    assert "\n" not in message and expected in message, message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"code,cash\n20561,1e308\n", "row 2, column 'cash': expected a price from 0 to 10,000,000, found '1e308'"),
        (b"code,cash,note\n20561,95," + b"n" * 20_000 + b"\n", "column 'note': expected a text of at most 10,000"),
        (b"code," + b"c" * 20_000 + b"\n20561,95\n", "header: expected a text of at most 10,000 characters"),
    ],
)
def test_a_clinic_list_is_held_to_the_same_limits(data: bytes, expected: str) -> None:
    from calculator.overlay import read_clinic_list

    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_clinic_list(data, "clinic.csv")


def test_control_and_bidi_characters_are_removed_where_text_comes_in() -> None:
    """Removed by the loaders, so no page, chart, handout or export shows them (a right-to-left
    override makes "invoice\u202egnp.exe" read as "invoiceexe.png")."""
    loaded = scenario_from_bytes(scenario(pathway_label="invoice\u202egnp.exe\x1b[31m"), "s.json")
    assert loaded.pathways.get("pt").label == "invoicegnp.exe[31m"
    table = price_table_from_bytes(price_csv().replace(b"PT evaluation", "PT\u202eeval\x1b".encode()), "p.csv")
    assert table.rows[0].description == "PTeval"
    assert price_table_from_bytes(price_csv(), "clinic\u202evsc.csv").name == "clinicvsc"  # a name from a file name
