"""Plans as people have them (issue 10, SPEC §3.3–§3.5, §4.2, §4.2b, §4.9): benefits by kind of
service, separate deductibles, visit limits with visits used, plan-year resets, after-tax cost,
plans side by side and a clinic's own price list. Every example is worked by hand in a comment."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from builders import pathway, plan, price_table, scenario, visit

from calculator.costing import compare
from calculator.errors import InputError
from calculator.io import DATA_DIR, load_document, load_scenario, scenario_from_dict
from calculator.models import KindBenefit, Param, TaxAdvantaged
from calculator.overlay import overlay_prices, read_clinic_list
from calculator.plans import compare_plans, field_warnings, warnings
from calculator.serialize import scenario_to_dict

PRICES = {
    # code: (category, commercial, self_pay)
    "OFF": ("visit", 100.0, 150.0),
    "PT": ("therapy", 200.0, 120.0),
    "HOSP": ("facility", 30000.0, 30000.0),
}


def p(value: float) -> Param:
    return Param(float(value))


def benefits(**kinds: KindBenefit) -> tuple[tuple[str, KindBenefit], ...]:
    return tuple(kinds.items())


def only(result: Any, option: str | None = None) -> Any:
    return result.option(option or result.options[0].id)


# --------------------------------------------------------------------------------------------
# SPEC §4.2 step 3: a kind's benefit


def test_copay_after_the_deductible() -> None:
    # Deductible 250, therapy: copay 40 after the deductible (no coinsurance: it has a copay).
    # PT visit 1 (200): d = 200, rest 0 → 200 + min(40, 0) = 200; 50 of the deductible left.
    # PT visit 2 (200): d = 50, rest 150 → 50 + 40 = 90.   PT visit 3: d = 0 → 40.
    # Patient 200 + 90 + 40 = 330; insurer 600 − 330 = 270.
    insurance = replace(
        plan(deductible=250, coinsurance=0.2),
        benefits=benefits(therapy=KindBenefit(copay=p(40), deductible_applies=True)),
    )
    result = only(compare(scenario([pathway("pt", [visit("PT", "therapy", 3, {"PT": 1})])], insurance)))
    assert result.expected.patient == pytest.approx(330.0)
    assert result.expected.insurer == pytest.approx(270.0)


def test_copay_plus_coinsurance() -> None:
    # Therapy: copay 40 and 10% of the rest; with a copay the deductible does not apply.
    # Each PT visit (200): 40 + 0.1 × (200 − 40) = 56; two visits 112; insurer 400 − 112 = 288.
    insurance = replace(
        plan(deductible=1000, coinsurance=0.2),
        benefits=benefits(therapy=KindBenefit(copay=p(40), coinsurance=p(0.1))),
    )
    result = only(compare(scenario([pathway("pt", [visit("PT", "therapy", 2, {"PT": 1})])], insurance)))
    assert result.expected.patient == pytest.approx(112.0)
    assert result.expected.insurer == pytest.approx(288.0)


def test_coinsurance_without_the_deductible() -> None:
    # Office: 30% with no deductible; the plan's deductible (500, then 20%) stays whole for therapy.
    # Two office visits: 0.3 × 100 × 2 = 60. Then one PT visit (200): all deductible → 200.
    # Patient 260; insurer (200 − 60) + 0 = 140.
    insurance = replace(
        plan(deductible=500, coinsurance=0.2),
        benefits=benefits(office=KindBenefit(coinsurance=p(0.3), deductible_applies=False)),
    )
    visits = [visit("Office", "office", 2, {"OFF": 1}), visit("PT", "therapy", 1, {"PT": 1})]
    result = only(compare(scenario([pathway("care", visits)], insurance, prices=price_table(PRICES))))
    assert result.expected.patient == pytest.approx(260.0)
    assert result.expected.insurer == pytest.approx(140.0)


def test_a_separate_deductible_for_a_kind() -> None:
    # Inpatient: its own deductible 300 (150 already met), then 0%; the plan's deductible is 100.
    # Stay of 2 × PT = 400: own deductible left 150 → 150 + 0 × 250 = 150 (the plan's untouched).
    # Office visit 100: the plan's deductible 100 → 100. Patient 250, insurer 400 − 150 = 250.
    insurance = replace(
        plan(deductible=100, coinsurance=0.2),
        benefits=benefits(inpatient=KindBenefit(coinsurance=p(0), deductible=p(300), deductible_met=p(150))),
    )
    visits = [visit("Stay", "inpatient", 1, {"PT": 2}), visit("Office", "office", 1, {"OFF": 1})]
    result = only(compare(scenario([pathway("care", visits)], insurance, prices=price_table(PRICES))))
    assert result.expected.patient == pytest.approx(250.0)
    assert result.expected.insurer == pytest.approx(250.0)


def test_part_a_versus_part_b_for_a_hospital_stay() -> None:
    # Original Medicare: Part B 257 then 20%; Part A: the stay under its own 1,676, no coinsurance.
    # Specialist visit 100: Part B deductible → 100 (157 left).
    # Stay 30,000: Part A → 1,676.   PT 200: 157 + 0.2 × 43 = 165.60.   PT 200: 0.2 × 200 = 40.
    # Patient 100 + 1,676 + 165.60 + 40 = 1,981.60.
    # All through Part B (version 1): 100 + (157 + 0.2 × 29,843 = 6,125.60) + 40 + 40 = 6,305.60.
    part_b = plan(deductible=257, coinsurance=0.2)
    part_a = replace(part_b, benefits=benefits(inpatient=KindBenefit(coinsurance=p(0), deductible=p(1676))))
    visits = [
        visit("Specialist", "specialist", 1, {"OFF": 1}),
        visit("Stay", "inpatient", 1, {"HOSP": 1}),
        visit("PT", "therapy", 2, {"PT": 1}),
    ]
    episode = [pathway("fusion", visits)]
    with_a = only(compare(scenario(episode, part_a, prices=price_table(PRICES))))
    only_b = only(compare(scenario(episode, part_b, prices=price_table(PRICES))))
    assert with_a.expected.patient == pytest.approx(1981.60)
    assert only_b.expected.patient == pytest.approx(6305.60)


def test_the_medicare_preset_puts_a_hospital_stay_under_part_a() -> None:
    # The fusion stay is the preset's only inpatient visit: the patient pays exactly Part A's 1,676.
    medicare = load_scenario(DATA_DIR / "scenarios" / "medicare.json")
    result = compare(replace(medicare, compare=("fusion",)))
    [branch] = result.option("fusion").branches
    stay = [line for line in branch.lines if line.kind == "inpatient"]
    assert [line.patient for line in stay] == [pytest.approx(1676.0)]
    assert medicare.insurance is not None
    part_b_only = replace(medicare, compare=("fusion",), insurance=replace(medicare.insurance, benefits=()))
    assert compare(part_b_only).option("fusion").expected.patient > result.option("fusion").expected.patient + 4000


def test_visit_limit_with_visits_used() -> None:
    # Therapy: 10 covered visits a year, 8 used → 2 left; copay 40 (version-1 shorthand).
    # Four PT visits: 2 covered at 40 = 80; 2 beyond the limit at the self-pay price 120 = 240.
    # Patient 320; insurer 2 × (200 − 40) = 320; allowed 2 × 200 + 2 × 120 = 640.
    insurance = replace(plan(copays={"therapy": 40}, visit_limits={"therapy": 10}), visits_used=(("therapy", 8),))
    result = only(compare(scenario([pathway("pt", [visit("PT", "therapy", 4, {"PT": 1})])], insurance)))
    assert result.expected.patient == pytest.approx(320.0)
    assert result.expected.insurer == pytest.approx(320.0)
    assert result.expected.allowed == pytest.approx(640.0)


# --------------------------------------------------------------------------------------------
# SPEC §4.2b: plan years


def test_a_reset_in_the_middle_of_a_pathway() -> None:
    # Four PT visits over 4 weeks from 18 December: offsets 0, 1, 2, 3 weeks = days 0, 7, 14, 21,
    # dated 12-18, 12-25, 01-01, 01-08. The plan year starts 01-01 (14 days in): visits 3 and 4
    # are in the new plan year. Deductible 300, then 20%:
    #   12-18: 200 (100 left)   12-25: 100 + 0.2 × 100 = 120   reset
    #   01-01: 200 (100 left)   01-08: 100 + 0.2 × 100 = 120   → 640 (without a reset: 400).
    insurance = plan(deductible=300, coinsurance=0.2)
    episode = [pathway("pt", [visit("PT", "therapy", 4, {"PT": 1})], weeks=4)]
    dated = replace(scenario(episode, insurance), episode_start=date(2026, 12, 18))
    result = compare(dated)
    assert only(result).expected.patient == pytest.approx(640.0)
    assert only(compare(scenario(episode, insurance))).expected.patient == pytest.approx(400.0)
    [branch] = result.to_dict()["options"]["pt"]["branches"]
    assert branch["plan_year_reset"] == {
        "date": "2027-01-01",
        "first_visit": "2027-01-01",
        "reset": ["deductible"],
    }


def test_a_plan_year_starting_in_july() -> None:
    # Start 17 June; the plan year starts 1 July. Pathway A (2 weeks, 2 office visits: days 0, 7 →
    # 06-17, 06-24) fails and B follows (2 weeks from week 2, 2 PT visits: days 14, 21 → 07-01,
    # 07-08). Deductible 150, then 50%:
    #   A: 100 (50 left), 50 + 0.5 × 50 = 75          → 175
    #   reset on 07-01; B: 150 + 0.5 × 50 = 175, 0.5 × 200 = 100 → 275; branch A→B: 450.
    # Without a start date the deductible is met in A: 175 + 100 + 100 = 375. A January plan year
    # does not end inside this June–July episode: 375 too.
    insurance = replace(plan(deductible=150, coinsurance=0.5), plan_year_start="07-01")
    episode = [
        pathway("a", [visit("Office", "office", 2, {"OFF": 1})], response=0.0, on_failure="b", weeks=2),
        pathway("b", [visit("PT", "therapy", 2, {"PT": 1})], weeks=2),
    ]
    base = scenario(episode, insurance, compare=["a"], prices=price_table(PRICES))
    dated = replace(base, episode_start=date(2026, 6, 17))
    branches = compare(dated).to_dict()["options"]["a"]["branches"]
    assert [b["patient"] for b in branches] == [pytest.approx(175.0), pytest.approx(450.0)]
    assert "plan_year_reset" not in branches[0]
    assert branches[1]["plan_year_reset"]["date"] == "2026-07-01"
    assert compare(base).option("a").branches[1].costs.patient == pytest.approx(375.0)
    january = replace(dated, insurance=replace(insurance, plan_year_start="01-01"))
    assert compare(january).option("a").branches[1].costs.patient == pytest.approx(375.0)


# --------------------------------------------------------------------------------------------
# SPEC §4.9: after tax


def test_after_tax_with_a_balance_smaller_than_the_cost() -> None:
    # Self-pay-like plan (everything to the deductible): 2 PT visits = 400 to the patient.
    # HSA balance 300, tax rate 25%: 400 − 0.25 × min(400, 300) = 325.
    insurance = replace(plan(deductible=10_000), tax_advantaged=TaxAdvantaged(p(300), p(0.25)))
    result = only(compare(scenario([pathway("pt", [visit("PT", "therapy", 2, {"PT": 1})])], insurance)))
    assert result.expected.patient == pytest.approx(400.0)
    assert result.expected.patient_after_tax == pytest.approx(325.0)


def test_after_tax_is_weighted_over_branches_not_taken_from_the_expected_cost() -> None:
    # Branch A (p 0.5): one office visit, 100 → 100 − 0.2 × 100 = 80.
    # Branch A→B (p 0.5): 100 + 5 PT visits 1,000 = 1,100 → 1,100 − 0.2 × 300 = 1,040.
    # Expected after tax 0.5 × 80 + 0.5 × 1,040 = 560; from the expected patient cost (600) it
    # would be 600 − 0.2 × 300 = 540.
    insurance = replace(plan(deductible=10_000), tax_advantaged=TaxAdvantaged(p(300), p(0.2)))
    episode = [
        pathway("a", [visit("Office", "office", 1, {"OFF": 1})], response=0.5, on_failure="b"),
        pathway("b", [visit("PT", "therapy", 5, {"PT": 1})]),
    ]
    result = compare(scenario(episode, insurance, compare=["a"], prices=price_table(PRICES))).option("a")
    assert [b.costs.patient_after_tax for b in result.branches] == [pytest.approx(80.0), pytest.approx(1040.0)]
    assert result.expected.patient == pytest.approx(600.0)
    assert result.expected.patient_after_tax == pytest.approx(560.0)
    json_branch = compare(scenario(episode, insurance, compare=["a"], prices=price_table(PRICES))).to_dict()
    assert json_branch["options"]["a"]["expected"]["patient_after_tax"] == pytest.approx(560.0)


# --------------------------------------------------------------------------------------------
# SPEC §3.3/§3.4: the file format


def _ppo_doc() -> dict[str, Any]:
    raw = load_document(DATA_DIR / "scenarios" / "commercial-ppo.json")
    assert isinstance(raw, dict)
    return raw


def test_copays_and_benefits_for_the_same_kind_is_an_error() -> None:
    raw = _ppo_doc()
    raw["insurance"]["benefits"] = {"therapy": {"coinsurance": 0.1}}
    with pytest.raises(InputError, match=r"insurance\.copays\.therapy: expected the therapy benefit in `copays` or"):
        scenario_from_dict(raw, "ppo.json")


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("benefits", {"physio": {"copay": 10}}, "insurance.benefits"),
        ("plan_year_start", "13-01", 'a month and day as "MM-DD"'),
        ("plan_year_start", "02-29", 'a month and day as "MM-DD"'),
        ("tax_advantaged", {"balance": 100, "tax_rate": 1.5}, "a probability from 0 to 1"),
        ("benefits", {"inpatient": {"deductible_met": 10}}, "a `deductible` for this kind"),
    ],
)
def test_bad_version_2_plans_are_refused(where: str, value: Any, message: str) -> None:
    raw = _ppo_doc()
    raw["insurance"][where] = value
    with pytest.raises(InputError, match=message.replace(".", r"\.").replace("(", r"\(")):
        scenario_from_dict(raw, "ppo.json")


@pytest.mark.parametrize(("value", "ok"), [("2026-10-15", True), ("2026-02-30", False), ("15/10/2026", False)])
def test_episode_start_is_an_iso_date(value: str, ok: bool) -> None:
    raw = _ppo_doc()
    raw["episode_start"] = value
    if ok:
        assert scenario_from_dict(raw, "ppo.json").episode_start == date(2026, 10, 15)
    else:
        with pytest.raises(InputError, match="episode_start: expected a date"):
            scenario_from_dict(raw, "ppo.json")


def test_region_is_declared_stored_and_written() -> None:
    raw = _ppo_doc()
    raw["region"] = "NY-01"
    loaded = scenario_from_dict(raw, "ppo.json")
    assert loaded.region == "NY-01"
    assert scenario_to_dict(loaded)["region"] == "NY-01"
    assert compare(loaded).to_dict()["region"] == "NY-01"
    raw["region"] = "Manhattan"
    with pytest.raises(InputError, match="region: expected"):
        scenario_from_dict(raw, "ppo.json")


@pytest.mark.parametrize("name", sorted(p.stem for p in (DATA_DIR / "scenarios").glob("*.json")))
def test_writers_emit_version_2_and_read_back_the_same_scenario(name: str) -> None:
    shipped = load_scenario(DATA_DIR / "scenarios" / f"{name}.json")
    dated = replace(shipped, episode_start=date(2026, 11, 2))
    written = scenario_to_dict(dated)
    assert written["schema_version"] == 2
    again = scenario_from_dict(json.loads(json.dumps(written)), "written.json", name=dated.name)
    assert again == dated


def test_result_json_has_region_and_price_vintage() -> None:
    out = compare(load_scenario(DATA_DIR / "scenarios" / "high-deductible.json")).to_dict()
    assert (out["schema_version"], out["region"], out["price_vintage"]) == (2, "national", "2025")
    expected = out["options"]["dry_needling"]["expected"]
    assert expected["patient_after_tax"] < expected["patient"]
    assert all("patient_after_tax" in b for b in out["options"]["dry_needling"]["branches"])


# --------------------------------------------------------------------------------------------
# Impossible combinations: clamped, and said


def test_impossible_combinations_are_clamped_and_said() -> None:
    # Met 4,000 of a 1,500 deductible counts as met; 9 of 5 therapy visits used leaves none.
    ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    assert ppo.insurance is not None
    odd = replace(
        ppo,
        insurance=replace(
            ppo.insurance,
            deductible_met=p(4000),
            oop_met=p(6000),
            visit_limits=(("therapy", 5),),
            visits_used=(("therapy", 9),),
        ),
    )
    found = field_warnings(odd)
    assert set(found) == {"deductible_met", "oop_met", "visits_used.therapy"}
    assert all(sentence.count(".") == 1 and sentence.endswith(".") for sentence in found.values())
    assert compare(odd).to_dict()["warnings"] == warnings(odd)
    assert odd.insurance is not None
    met = replace(
        odd, insurance=replace(odd.insurance, deductible_met=p(1500), oop_met=p(5000), visits_used=(("therapy", 5),))
    )
    assert warnings(met) == []
    assert compare(odd).to_dict()["options"] == compare(met).to_dict()["options"]


# --------------------------------------------------------------------------------------------
# Plans side by side


def test_compare_plans_keeps_the_options_and_changes_only_the_plan() -> None:
    ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    hdhp = load_scenario(DATA_DIR / "scenarios" / "high-deductible.json")
    out = compare_plans(ppo, [("PPO", ppo.insurance), ("HDHP", hdhp.insurance), ("None", None)])
    assert out["plans"] == ["PPO", "HDHP", "None"]
    for option in ppo.compare:
        cells = out["options"][option]["plans"]
        assert cells["PPO"]["patient"] == pytest.approx(compare(ppo).option(option).expected.patient)
        assert cells["HDHP"]["patient"] == pytest.approx(compare(hdhp).option(option).expected.patient)
        assert cells["None"]["insurer"] == 0.0
        assert "patient_after_tax" in cells["HDHP"] and "patient_after_tax" not in cells["PPO"]


def test_an_insurer_what_if_covering_dry_needling_with_a_copay() -> None:
    # Covering 20560/20561 with a $40 therapy copay: the member pays less, the plan more.
    ppo = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    assert ppo.insurance is not None
    covered = replace(ppo.insurance, uncovered_codes=())
    out = compare_plans(ppo, [("today", ppo.insurance), ("cover DN", covered)])
    dn = out["options"]["dry_needling"]["plans"]
    assert dn["cover DN"]["patient"] < dn["today"]["patient"]
    assert dn["cover DN"]["insurer"] > dn["today"]["insurer"]


# --------------------------------------------------------------------------------------------
# SPEC §3.5: a clinic's own price list


CLINIC = b"code,cash\n20561,95\n97110,40\n97161,150\n"


def test_a_cash_list_over_the_shipped_table_equals_the_same_prices_as_overrides() -> None:
    self_pay = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    table, changes = overlay_prices(self_pay.prices, read_clinic_list(CLINIC, "clinic.csv"), {"cash": "self_pay"})
    assert [(c.code, c.schedule, c.new) for c in changes] == [
        ("20561", "self_pay", 95.0),
        ("97110", "self_pay", 40.0),
        ("97161", "self_pay", 150.0),
    ]
    overlaid = compare(replace(self_pay, prices=table)).to_dict()["options"]
    overrides = (("20561", p(95)), ("97110", p(40)), ("97161", p(150)))
    overridden = compare(replace(self_pay, price_overrides=overrides)).to_dict()["options"]
    assert overlaid == overridden


def test_an_unmapped_column_is_refused_in_one_line_that_says_how_to_map_it() -> None:
    shipped = load_scenario(DATA_DIR / "scenarios" / "self-pay.json").prices
    with pytest.raises(InputError) as caught:
        overlay_prices(shipped, read_clinic_list(CLINIC, "clinic.csv"), {})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("your file clinic.csv: column 'cash': ")
    assert "--map cash=self_pay" in message


def test_a_code_the_pathways_do_not_use_is_kept_and_reported() -> None:
    self_pay = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    clinic = read_clinic_list(b"code,self_pay,description\n20561,95,needling\nCLINIC-1,12,towel\n", "c.csv")
    used = {i.code for pw in self_pay.pathways.pathways for v in pw.visits for i in v.items}
    table, changes = overlay_prices(self_pay.prices, clinic, used=used)
    assert [(c.code, c.used, c.old) for c in changes] == [("20561", True, 40.0), ("CLINIC-1", False, None)]
    assert table.price("CLINIC-1", "self_pay") == 12.0 and "CLINIC-1" in table


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"item,cash\nA,1\n", "a column named code"),
        (b"code,cash\n20561,-4\n", "row 2, column 'cash': expected a price from 0 to 10,000,000"),
        (b"code,cash\n20561,4\n20561,5\n", "row 3, column 'code': expected each code once"),
        (b"code,description\n20561,x\n", "at least one price column"),
    ],
)
def test_a_bad_clinic_list_is_refused_in_the_words_of_the_upload(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match="^your file c.csv: ") as caught:
        read_clinic_list(data, "c.csv")
    assert message in str(caught.value)


# --------------------------------------------------------------------------------------------
# The command line


def _main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    from calculator.__main__ import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prices_over_with_a_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clinic = tmp_path / "clinic.csv"
    clinic.write_bytes(CLINIC + b"99999,12\n")
    scenario_file = DATA_DIR / "scenarios" / "self-pay.json"
    code, out, err = _main(
        capsys, "compare", scenario_file, "--draws", "0", "--prices-over", clinic, "--map", "cash=self_pay"
    )
    assert code == 0, err
    document = json.loads(out)
    assert [c["code"] for c in document["price_overlay"]["changed"]] == ["20561", "97110", "97161", "99999"]
    assert document["price_overlay"]["not_used_by_the_options"] == ["99999"]
    code, out, err = _main(capsys, "compare", scenario_file, "--prices-over", clinic)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--map cash=self_pay" in err


def test_cli_compare_plans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = tmp_path / "dn-copay.json"
    raw = _ppo_doc()
    insurance = raw["insurance"]
    insurance["uncovered_codes"] = []
    plan_file.write_text(json.dumps({"schema_version": 2, "label": "PPO covering DN", "insurance": insurance}))
    scenario_file = DATA_DIR / "scenarios" / "commercial-ppo.json"
    code, out, err = _main(capsys, "compare", scenario_file, "--plans", "commercial-ppo", plan_file, "medicare")
    assert code == 0, err
    document = json.loads(out)
    assert document["plans"] == [
        "Commercial PPO with copays",
        "PPO covering DN",
        "Original Medicare (Parts A and B), 2025",
    ]
    assert document["schedules"]["Original Medicare (Parts A and B), 2025"] == "medicare"
    medicare = compare(load_scenario(DATA_DIR / "scenarios" / "medicare.json")).option("surgery").expected.patient
    assert document["options"]["surgery"]["plans"]["Original Medicare (Parts A and B), 2025"][
        "patient"
    ] == pytest.approx(medicare)
    code, out, _ = _main(capsys, "compare", scenario_file, "--plans", "commercial-ppo", plan_file, "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "option,label,plan,patient,insurer,allowed,patient_after_tax"
    plan_file.write_text(json.dumps({"label": "bad", "insurance": {"deductible": -1}}))
    code, _, err = _main(capsys, "compare", scenario_file, "--plans", plan_file, "medicare")
    assert code == 2 and "dn-copay.json: insurance.deductible" in err


def test_cli_warns_on_an_impossible_plan_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = _ppo_doc()
    raw["insurance"]["deductible_met"] = 4000
    raw["pathways"] = str(DATA_DIR / "pathways" / "lbp-default.json")
    raw.pop("$schema", None)
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(raw))
    code, out, err = _main(capsys, "compare", odd, "--draws", "0")
    assert code == 0
    assert err.count("\n") == 1 and err.startswith("warning: insurance.deductible_met: 4,000 already met")
    assert json.loads(out)["warnings"] == [err.removeprefix("warning: ").strip()]


def test_an_uncertain_benefit_number_reaches_one_way_and_the_psa() -> None:
    # The PPO's therapy copay 40 drawn between 20 and 60. Every therapy visit costs more than 60,
    # so each one moves by 60 − 20 = 40 between the ends: physical therapy has 7 (evaluation and
    # 6 visits), the surgery after it 6 (evaluation and 5 post-op visits), medication none. The
    # expected swing is Σ over branches of probability × 40 × therapy visits.
    from calculator.uncertainty import one_way, run_psa

    ppo = load_scenario(DATA_DIR / "scenarios" / "employer-ppo.json")
    assert ppo.insurance is not None
    benefits_ = dict(ppo.insurance.benefits)
    benefits_["therapy"] = KindBenefit(copay=Param(40.0, "gamma", 20.0, 60.0))
    uncertain = replace(ppo, price_spread=0.0, insurance=replace(ppo.insurance, benefits=tuple(benefits_.items())))
    frame = one_way(uncertain).to_frame("patient", "physical_therapy").set_index("id")
    row = frame.loc["insurance/benefits/therapy/copay"]
    therapy_visits = {"physical_therapy": 7, "medication": 0, "surgery": 6}
    branches = compare(uncertain).option("physical_therapy").branches
    swing = sum(b.probability * 40 * sum(therapy_visits[p] for p in b.path) for b in branches)
    assert (row["low"], row["high"]) == (20.0, 60.0)
    assert row["cost_at_high"] - row["cost_at_low"] == pytest.approx(swing)
    spread = run_psa(uncertain, draws=200, seed=1).to_dict()["options"]["physical_therapy"]["patient"]
    assert spread["p2_5"] < spread["mean"] < spread["p97_5"]


def test_cli_csv_and_table_show_the_after_tax_cost_with_an_hsa(capsys: pytest.CaptureFixture[str]) -> None:
    hdhp = DATA_DIR / "scenarios" / "high-deductible.json"
    code, out, _ = _main(capsys, "compare", hdhp, "--draws", "0", "--format", "csv")
    header, first = out.splitlines()[:2]
    assert code == 0 and header.endswith(",expected_patient_after_tax,first_line_patient_after_tax")
    expected = compare(load_scenario(hdhp)).options[0].expected.patient_after_tax
    assert float(first.split(",")[-2]) == pytest.approx(expected)
    code, out, _ = _main(capsys, "compare", hdhp, "--draws", "0", "--format", "table")
    assert "After tax" in out.splitlines()[1]


def test_validate_knows_a_plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "plan.json"
    good.write_text(json.dumps({"label": "PPO", "insurance": {"benefits": {"therapy": {"copay": 20}}}}))
    code, out, _ = _main(capsys, "validate", good)
    assert code == 0 and out.strip() == f"{good}: valid plan (PPO; insurance)"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"insurance": {"benefits": {"therapy": {"copay": 20}}, "copays": {"therapy": 5}}}))
    code, _, err = _main(capsys, "validate", bad)
    assert code == 2 and "bad.json: insurance.copays.therapy" in err
