"""Plain-language text for patients (``calculator.explain``)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculator import content, explain
from calculator.costing import compare
from calculator.io import DATA_DIR, load_scenario
from calculator.models import Param

RAW_FLOAT = re.compile(r"\d\.\d{3,}")  # e.g. 116.32807: never shown to a patient


def scenario(name: str):
    return load_scenario(DATA_DIR / "scenarios" / f"{name}.json")


@pytest.fixture(scope="module")
def ppo():
    return compare(scenario("commercial-ppo"))


class TestSummary:
    def test_names_the_cheapest_option_for_the_patient(self, ppo):
        best = min(ppo, key=lambda o: o.expected.patient)
        first = explain.summary(ppo)[0]
        assert first.startswith("With your plan, ")
        assert best.label[1:] in first
        assert "likely cheapest for you" in first

    def test_says_what_the_plan_does_not_cover(self, ppo):
        text = " ".join(explain.summary(ppo))
        assert "does not cover part of dry needling" in text
        assert "cash price" in text

    def test_self_pay_and_medicare_wording(self):
        self_pay = explain.summary(compare(scenario("self-pay")))
        assert self_pay[0].startswith("Paying for care yourself")
        assert not any("deductible" in s for s in self_pay)
        medicare = " ".join(explain.summary(compare(scenario("medicare"))))
        assert "no out-of-pocket maximum" in medicare

    @pytest.mark.parametrize("name", ["commercial-ppo", "high-deductible", "medicare", "self-pay"])
    def test_money_is_formatted_never_raw(self, name):
        text = " ".join(explain.summary(compare(scenario(name))))
        assert "$" in text
        assert not RAW_FLOAT.search(text)

    def test_a_tie_names_both_options(self, ppo):
        base = ppo.scenario
        twin = replace(base, compare=("medication", "medication_copy"))
        medication = base.pathways.get("medication")
        pathways = replace(
            base.pathways,
            pathways=(*base.pathways.pathways, replace(medication, id="medication_copy", label="Medication again")),
        )
        first = explain.summary(compare(replace(twin, pathways=pathways)))[0]
        assert "medication again" in first and "are likely to cost you the least" in first

    def test_deductible_left_is_mentioned(self, ppo):
        assert any("$1,500 of your deductible left" in s for s in explain.summary(ppo))
        met = replace(ppo.scenario, insurance=replace(ppo.scenario.insurance, deductible_met=Param(1500.0)))
        assert not any("deductible left" in s for s in explain.summary(compare(met)))


class TestIncludes:
    def test_counts_the_first_line_visits_and_names_further_care(self, ppo):
        text = explain.includes(ppo.option("dry_needling"), ppo.scenario)
        visits = sum(v.count.value for v in ppo.scenario.pathways.get("dry_needling").visits)
        assert text.startswith(f"{int(visits)} visits over about 4 weeks")
        assert "If it does not help: medication" in text

    def test_an_option_with_no_further_care(self, ppo):
        assert "If it does not help" not in explain.includes(ppo.option("surgery"), ppo.scenario)


class TestOutOf100:
    def test_counts_add_up_to_100_and_match_the_response_probability(self, ppo):
        for option in ppo:
            outcomes = explain.outcome_counts(ppo.scenario, option.id)
            assert sum(o.count for o in outcomes) == 100
            better = sum(o.count for o in outcomes if o.pathway is not None)
            assert better == pytest.approx(100 * option.p_response, abs=len(outcomes))
            assert outcomes[-1].label == explain.NOT_BETTER

    def test_first_group_is_the_first_options_responders(self, ppo):
        outcomes = explain.outcome_counts(ppo.scenario, "dry_needling")
        p = ppo.scenario.pathways.get("dry_needling").response_probability.value
        assert outcomes[0].count == round(100 * p)
        assert outcomes[0].pathway == "dry_needling"

    def test_sentence_reads_naturally(self, ppo):
        outcomes = explain.outcome_counts(ppo.scenario, "dry_needling")
        text = explain.outcome_sentence(outcomes, "Dry needling + exercise")
        assert text.startswith("Out of 100 people like you who start with dry needling + exercise, ")
        assert f"{outcomes[0].count} get better with it" in text
        assert text.endswith("are not better after the treatments they took.")

    @given(st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), min_size=1, max_size=8))
    def test_round_to_total_keeps_the_total(self, shares):
        counts = explain.round_to_total(shares)
        total = sum(shares)
        if total == 0:
            assert counts == [0] * len(shares)
            return
        assert sum(counts) == 100
        for count, share in zip(counts, shares, strict=True):
            assert abs(count - 100 * share / total) < 1


class TestChecklist:
    def test_nothing_ticked_means_no_warning(self):
        assert explain.checklist_warning([]) is None
        assert explain.checklist_warning(["not-a-key"]) is None

    @pytest.mark.parametrize("item", content.checklist().items, ids=lambda i: i.key)
    def test_every_item_warns_and_sends_to_a_clinician(self, item):
        text = explain.checklist_warning([item.key])
        assert text is not None
        assert "talk to a clinician" in text
        assert item.question in text
        assert "not a diagnosis" in text

    def test_covers_the_contraindications_of_clinical_md_section_9(self):
        keys = {i.key for i in content.checklist().items}
        assert {"bleeding", "device", "seizures", "pregnancy", "phobia", "infection", "lymphoedema", "immune"} <= keys
