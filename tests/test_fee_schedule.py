"""Price builder (SPEC §3.1b): CMS files in their published layouts and the shipped extracts."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from calculator.__main__ import main
from calculator.errors import InputError
from calculator.fee_schedule import (
    OUTPUT_COLUMNS,
    build_table,
    load_anesthesia,
    load_cms,
    load_gpci,
    load_opps,
    load_recipe,
    load_rvu,
    render_csv,
)
from calculator.io import load_price_table

FIXTURES = Path(__file__).parent / "fixtures" / "cms"
DATA = Path(__file__).resolve().parent.parent / "data"
RVU = FIXTURES / "PPRRVU2025_Oct.sample.csv"
GPCI = FIXTURES / "GPCI2025.sample.csv"
ANES = FIXTURES / "ANES2025.sample.csv"
OPPS = FIXTURES / "OPPS-2025-Addendum-B.sample.txt"


@pytest.fixture(scope="module")
def original():
    """The inputs cut from CMS's own files (title rows, multi-line headers, Latin-1 tabs)."""
    return load_cms(rvu=RVU, gpci=GPCI, anesthesia=ANES, opps=OPPS)


@pytest.fixture(scope="module")
def recipe():
    return load_recipe()


def only(recipe, *codes):
    """Some rows of the recipe; their cash rules (which refer to other rows) become fixed amounts."""
    return [
        replace(row, self_pay_rule="fixed", self_pay=Decimal(1), self_pay_bundle="")
        for row in recipe
        if row.code in codes
    ]


def amounts(table, column="medicare"):
    return {row["code"]: row[column] for row in table.rows}


# The CMS checks of the reference README, from the original layouts:
#   97110 national (0.45 + 0.43 + 0.01) x 32.3465 = 28.79
#   97110 NY-01 (0.45 x 1.065 + 0.43 x 1.166 + 0.01 x 1.656) x 32.3465 = 0.99719 x 32.3465 = 32.2557 -> 32.26
#   97110 AL-00 (0.45 x 1 + 0.43 x 0.869 + 0.01 x 0.575) x 32.3465 = 0.82942 x 32.3465 = 26.8290 -> 26.83
#   99213 national (1.30 + 1.35 + 0.10) x 32.3465 = 88.95 (non-facility)
#   99213 NY-01 (1.30 x 1.065 + 1.35 x 1.166 + 0.10 x 1.656) x 32.3465 = 3.12430 x 32.3465 = 101.06
#   99213 AL-00 (1.30 + 1.35 x 0.869 + 0.10 x 0.575) x 32.3465 = 2.53065 x 32.3465 = 81.86
#   63030 national facility 28.06 x 32.3465 = 907.64; NY-01 1080.13; AL-00 802.98
CHECKS = {
    "national": {"97110": "28.79", "99213": "88.95", "63030": "907.64"},
    "NY-01": {"97110": "32.26", "99213": "101.06", "63030": "1080.13"},
    "AL-00": {"97110": "26.83", "99213": "81.86", "63030": "802.98"},
}


@pytest.mark.parametrize("locality", CHECKS)
def test_cms_checks_to_the_cent_from_the_original_layouts(original, recipe, locality):
    table = build_table(original, only(recipe, "97110", "99213", "63030"), locality)
    assert amounts(table) == CHECKS[locality]


@pytest.mark.parametrize("locality", CHECKS)
def test_the_shipped_extracts_give_the_same_amounts(recipe, locality):
    table = build_table(load_cms(), only(recipe, "97110", "99213", "63030"), locality)
    assert amounts(table) == CHECKS[locality]


def test_payment_reduction_is_half_the_practice_expense_payment(original, recipe):
    # 97110 nationally 0.5 x 0.43 x 32.3465 = 6.954 -> 6.95; Manhattan 0.5 x 0.43 x 1.166 x 32.3465 = 8.11;
    # 99213 is not an always-therapy code: no reduction.
    national = amounts(build_table(original, only(recipe, "97110", "99213"), "national"), "mppr_medicare")
    assert national == {"97110": "6.95", "99213": ""}
    manhattan = amounts(build_table(original, only(recipe, "97110"), "NY-01"), "mppr_medicare")
    assert manhattan == {"97110": "8.11"}


def test_recipe_mppr_flags_agree_with_the_cms_multiple_procedure_indicator(recipe):
    rvus, _ = load_rvu(RVU)
    for row in recipe:
        if (row.cms_code, "") in rvus and row.method.startswith("pfs"):
            assert row.mppr == (rvus[(row.cms_code, "")].mult_proc == "5"), row.code


def test_anesthesia_is_base_plus_time_units_times_the_locality_factor(original, recipe):
    # 00630: (8 base + 8 time units) x 20.3178 = 325.08 nationally; x 22.76 = 364.16 in Manhattan;
    # x 19.31 = 308.96 in Alabama. Commercial 3.5 x 325.08 = 1137.78.
    rows = only(recipe, "00630")
    assert amounts(build_table(original, rows, "national")) == {"00630": "325.08"}
    assert amounts(build_table(original, rows, "national"), "commercial") == {"00630": "1137.78"}
    assert amounts(build_table(original, rows, "NY-01")) == {"00630": "364.16"}
    assert amounts(build_table(original, rows, "AL-00")) == {"00630": "308.96"}


def test_opps_rate_is_read_from_addendum_b(original, recipe):
    # "$7,143.73" in the tab-separated Latin-1 addendum; national, not wage-adjusted.
    assert load_opps(OPPS)["63030"].payment_rate == Decimal("7143.73")
    rows = only(recipe, "FAC-HOPD-DECOMP")
    assert amounts(build_table(original, rows, "NY-01")) == {"FAC-HOPD-DECOMP": "7143.73"}


def test_original_layout_parsers_skip_titles_and_footnotes():
    gpci = load_gpci(GPCI)
    assert set(gpci) == {"AL-00", "AK-01", "AZ-00", "AR-13", "CA-54", "NY-01", "NY-02", "NY-03"}
    assert gpci["NY-01"].name == "MANHATTAN" and gpci["NY-01"].pe == Decimal("1.166")
    anes = load_anesthesia(ANES)
    assert anes.national_cf == Decimal("20.3178") and anes.cf[("13202", "01")] == Decimal("22.76")
    rvus, release = load_rvu(RVU)
    assert release == "RELEASED 09/11/2025"
    assert rvus[("72148", "26")].work == Decimal("1.48") and rvus[("63030", "")].global_days == "090"


def test_every_locality_is_listed_and_manhattan_costs_more_than_alabama(recipe):
    cms = load_cms()
    assert len(cms.localities) == 109
    manhattan = build_table(cms, recipe, "NY-01")
    alabama = build_table(cms, recipe, "AL-00")
    for high, low in zip(manhattan.rows, alabama.rows, strict=True):
        if high["category"] in ("therapy", "visit", "procedure", "imaging", "anesthesia"):
            assert Decimal(high["medicare"]) > Decimal(low["medicare"]), high["code"]
        assert high["self_pay"] == low["self_pay"]  # cash prices are national


def test_shipped_national_table_is_the_builders_output(recipe):
    built = render_csv(build_table(load_cms(), recipe, "national"), header=False)
    assert (DATA / "prices" / "us-2025.csv").read_text(encoding="utf-8") == built


def test_shipped_table_loads_with_its_payment_reduction_column():
    table = load_price_table(DATA / "prices" / "us-2025.csv")
    assert table.schedules == ("medicare", "commercial", "self_pay")
    assert table.row("97110").mppr == (6.95, None, None)
    assert table.row("99213").mppr == ()


def test_commercial_is_medicare_times_the_category_multiplier(recipe):
    table = build_table(load_cms(), recipe, "national")
    rows = {row["code"]: row for row in table.rows}
    # 99213: 88.95 x 1.22 (HCCI) = 108.519 -> 108.52; 00670: (13 + 14) x 20.3178 = 548.58, x 3.5 = 1920.03.
    assert rows["99213"]["commercial"] == "108.52"
    assert rows["00670"]["medicare"] == "548.58" and rows["00670"]["commercial"] == "1920.03"
    # Cash bundles: 97110 share of a $100 visit = 100 x 28.79 / (2 x 28.79 + 27.17) = 33.97;
    # the ASC facility takes what the $12000 discectomy bundle leaves: 12000 - 1107.32 - 1137.78 = 9754.90.
    assert rows["97110"]["self_pay"] == "33.97"
    assert rows["FAC-ASC-DECOMP"]["self_pay"] == "9754.90"
    assert list(rows["97110"]) == list(OUTPUT_COLUMNS)


def test_cli_build_writes_a_table_the_loader_reads(tmp_path, capsys):
    out = tmp_path / "ny.csv"
    assert main(["prices", "build", "--locality", "ny-01", "--out", str(out)]) == 0
    table = load_price_table(out)
    assert table.region.startswith("NY-01") and table.year == "2025"
    assert table.price("97110", "medicare") == 32.26


def test_cli_regions_lists_national_and_109_localities(capsys):
    assert main(["prices", "regions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 110 and lines[0].startswith("national") and "NY-01\tMANHATTAN" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--locality", "ZZ-99"], "expected 'national' or a Medicare locality"),
        (["--rvu", str(GPCI)], "PPRRVU layout"),
        (["--gpci", str(RVU)], "PW GPCI"),
        (["--rvu", "/no/such/file.csv"], "a readable file"),
        (["--locality", "CA-54", "--rvu", str(RVU)], "an RVU row for"),
    ],
)
def test_cli_bad_input_exits_2_with_one_sentence(args, message, capsys):
    assert main(["prices", "build", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_recipe_method_is_one_sentence(tmp_path):
    text = (
        (DATA / "recipes" / "us-2025.csv").read_text(encoding="utf-8").replace(",pfs_nonfacility,", ",pfs_office,", 1)
    )
    bad = tmp_path / "recipe.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'method': expected one of pfs_nonfacility"):
        load_recipe(bad)


def test_rendered_header_block_names_the_region():
    text = render_csv(build_table(load_cms(), load_recipe(), "AL-00"))
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert "# region: AL-00 ALABAMA" in header
    body = list(csv.reader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert tuple(body[0]) == OUTPUT_COLUMNS
