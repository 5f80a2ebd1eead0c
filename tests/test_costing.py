"""Hand-worked examples of SPEC §4.1–§4.5, one rule each, arithmetic in the comments."""

from __future__ import annotations

import numpy as np
import pytest
from builders import p, pathway, plan, scenario, visit

from calculator.cost_sharing import Benefit, cost_share
from calculator.costing import compare
from calculator.models import Indirect, Param


def only(result):
    (option,) = result.options
    return option


class TestCopay:
    def test_copay_replaces_deductible_and_coinsurance(self):
        # Office visit allowed $100, copay $30 → patient 30, insurer 70 (deductible untouched).
        s = scenario(
            [pathway("med", [visit("office", "office", 1, {"OFF": 1})])], plan(deductible=500, copays={"office": 30})
        )
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer, costs.allowed) == (30, 70, 100)

    def test_copay_never_exceeds_the_visit(self):
        # Drug fill allowed 10 × $2 = $20 with a $30 copay → patient pays $20, insurer $0.
        s = scenario([pathway("rx", [visit("fill", "pharmacy", 1, {"DRUG": 10})])], plan(copays={"pharmacy": 30}))
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer) == (20, 0)

    def test_copay_does_not_use_up_the_deductible(self):
        # Office with copay ($30 of $100), then a therapy visit of $200 against a $500 deductible:
        # the whole $200 is still deductible → patient 30 + 200 = 230.
        s = scenario(
            [pathway("x", [visit("office", "office", 1, {"OFF": 1}), visit("pt", "therapy", 1, {"PT": 1})])],
            plan(deductible=500, copays={"office": 30}),
        )
        assert only(compare(s)).expected.patient == 230


class TestDeductibleAndCoinsurance:
    def test_deductible_is_met_across_visits(self):
        # 3 therapy visits × $200, deductible $500, no coinsurance:
        # visit 1: 200, visit 2: 200, visit 3: 100 left → patient 500, insurer 100.
        s = scenario([pathway("pt", [visit("pt", "therapy", 3, {"PT": 1})])], plan(deductible=500))
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer) == (500, 100)

    def test_deductible_already_met_counts(self):
        # Deductible $500 of which $450 met → $50 left; then 20% of the rest:
        # 50 + 0.2 × (600 − 50) = 160.
        s = scenario([pathway("pt", [visit("pt", "therapy", 3, {"PT": 1})])], plan(500, 450, 0.2))
        assert only(compare(s)).expected.patient == pytest.approx(160)

    def test_coinsurance_after_deductible(self):
        # No deductible, 20% coinsurance on 3 × $200 → patient 120, insurer 480.
        s = scenario([pathway("pt", [visit("pt", "therapy", 3, {"PT": 1})])], plan(coinsurance=0.2))
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer) == pytest.approx((120, 480))


class TestOutOfPocketMaximum:
    def test_cap_reached_in_the_middle_of_a_visit(self):
        # Deductible 100, coinsurance 50%, OOP max 300; 2 visits × $400.
        # Visit 1: 100 + 0.5 × 300 = 250 (room left 50). Visit 2: 0.5 × 400 = 200 → capped at 50.
        # Patient 300, insurer 800 − 300 = 500.
        s = scenario([pathway("x", [visit("v", "therapy", 2, {"PT": 2})])], plan(100, 0, 0.5, oop_max=300))
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer) == pytest.approx((300, 500))

    def test_oop_already_met_means_plan_pays_everything_covered(self):
        s = scenario(
            [pathway("x", [visit("v", "therapy", 2, {"PT": 1})])], plan(1000, 0, 0.2, oop_max=2000, oop_met=2000)
        )
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer) == (0, 400)

    def test_no_oop_maximum_means_no_cap(self):
        # Original Medicare style: 20% of $4,000 of PT with no cap = $800.
        s = scenario([pathway("x", [visit("v", "therapy", 20, {"PT": 1})])], plan(coinsurance=0.2, oop_max=None))
        assert only(compare(s)).expected.patient == pytest.approx(800)

    def test_copays_count_toward_the_cap(self):
        # 10 office copays of $30 with an OOP max of $100 → the patient pays $100.
        s = scenario([pathway("x", [visit("v", "office", 10, {"OFF": 1})])], plan(copays={"office": 30}, oop_max=100))
        assert only(compare(s)).expected.patient == 100


class TestUncovered:
    def test_uncovered_code_charged_at_cash_price(self):
        # Visit: PT $200 covered at 20% → 40; NEEDLE not covered, cash $80 → patient 120.
        # Allowed counts the needle at its cash price: 200 + 80 = 280; insurer 160.
        s = scenario(
            [pathway("dn", [visit("dn", "therapy", 1, {"PT": 1, "NEEDLE": 1})])],
            plan(coinsurance=0.2, uncovered=["NEEDLE"]),
        )
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer, costs.allowed) == pytest.approx((120, 160, 280))

    def test_uncovered_counts_toward_neither_deductible_nor_cap(self):
        # 2 visits of NEEDLE only (cash $80): patient pays $160 even with the OOP max at $50,
        # and the deductible of $100 is still whole for the PT visit that follows (patient 100).
        s = scenario(
            [pathway("x", [visit("dn", "therapy", 2, {"NEEDLE": 1}), visit("pt", "office", 1, {"PT": 1})])],
            plan(deductible=100, oop_max=1000, uncovered=["NEEDLE"]),
        )
        costs = only(compare(s)).expected
        assert costs.patient == pytest.approx(160 + 100)
        assert costs.insurer == pytest.approx(100)

    def test_visits_beyond_the_limit_are_uncovered(self):
        # Therapy limit 2; 3 PT visits: 2 covered at $200 (20% → 80), the third at cash $120.
        s = scenario(
            [pathway("x", [visit("v", "therapy", 3, {"PT": 1})])], plan(coinsurance=0.2, visit_limits={"therapy": 2})
        )
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer, costs.allowed) == pytest.approx((200, 320, 520))


class TestEscalation:
    def dn_then_medication(self, response=0.5):
        return [
            pathway("dn", [visit("pt", "therapy", 2, {"PT": 1})], response=response, on_failure="med"),
            pathway("med", [visit("office", "office", 1, {"OFF": 1})], response=0.4),
        ]

    def test_deductible_met_in_first_option_carries_into_second(self):
        # Deductible 300, coinsurance 20%. DN: 2 × $200 → 200 + 100 + 0.2 × 100 = 320.
        # Medication after DN: deductible met → 0.2 × 100 = 20. Branches: [dn] 320 and
        # [dn, med] 340, each with probability 0.5 → expected patient 330.
        # Medication alone (its own first line) pays its whole $100 into the deductible.
        s = scenario(self.dn_then_medication(), plan(deductible=300, coinsurance=0.2))
        result = compare(s)
        dn = result.option("dn")
        assert [b.costs.patient for b in dn.branches] == pytest.approx([320, 340])
        assert dn.expected.patient == pytest.approx(330)
        assert dn.first_line.patient == pytest.approx(320)
        assert result.option("med").expected.patient == pytest.approx(100)

    def test_branch_probabilities_follow_the_chain(self):
        # p_dn = 0.5 → branches 0.5 (respond to DN) and 0.5 (go on to medication, whatever
        # happens there). p_response = 1 − 0.5 × 0.6 = 0.7.
        dn = compare(scenario(self.dn_then_medication())).option("dn")
        assert [b.probability for b in dn.branches] == [0.5, 0.5]
        assert [b.path for b in dn.branches] == [("dn",), ("dn", "med")]
        assert dn.p_escalate == 0.5
        assert dn.p_response == pytest.approx(0.7)

    def test_escalation_probability_lets_non_responders_stop(self):
        # Response 0.6, of the 40% non-responders 35% go on: p_escalate = 0.4 × 0.35 = 0.14;
        # p_response = 0.6 + 0.14 × 0.4 = 0.656.
        pathways = self.dn_then_medication(response=0.6)
        pathways[0] = pathway("dn", pathways[0].visits, response=0.6, on_failure="med", escalation=0.35)
        dn = compare(scenario(pathways, compare=["dn"])).option("dn")
        assert dn.p_escalate == pytest.approx(0.14)
        assert [b.probability for b in dn.branches] == pytest.approx([0.86, 0.14])
        assert dn.p_response == pytest.approx(0.656)

    def test_option_without_on_failure_never_escalates(self):
        med = compare(scenario(self.dn_then_medication())).option("med")
        assert med.p_escalate == 0
        assert med.p_response == pytest.approx(0.4)
        assert [b.probability for b in med.branches] == [1.0]


class TestSelfPay:
    def test_patient_pays_the_self_pay_schedule(self):
        # No insurance: 3 PT visits at the cash price $120 → $360, insurer 0.
        s = scenario([pathway("pt", [visit("pt", "therapy", 3, {"PT": 1})])], None, schedule="self_pay")
        costs = only(compare(s)).expected
        assert (costs.patient, costs.insurer, costs.allowed) == (360, 0, 360)


class TestIndirectAndAdverse:
    def test_time_travel_and_work(self):
        # 4 visits of 1 h at $30/h, travel 0.5 h + 10 miles × $0.21 + $5 parking = 15 + 2.10 + 5;
        # per visit 30 + 22.10 = 52.10 → 208.40; one mail-order fill adds nothing;
        # 2 work days × $240 = 480. Total 688.40.
        indirect = Indirect(p(30), p(0.5), p(10), p(0.21), p(5), p(240))
        s = scenario(
            [
                pathway(
                    "pt",
                    [
                        visit("pt", "therapy", 4, {"PT": 1}, hours=1),
                        visit("mail", "pharmacy", 1, {"DRUG": 1}, travel=False),
                    ],
                    work_days=2,
                )
            ],
            indirect=indirect,
        )
        assert only(compare(s)).expected.indirect == pytest.approx(688.40)

    def test_adverse_events_are_expected_costs_outside_the_plan(self):
        # 1% × $10,000 + 30% × $0 = $100 expected; patient and insurer are unchanged.
        s = scenario(
            [pathway("x", [visit("v", "office", 1, {"OFF": 1})], adverse=[("bleed", 0.01, 10_000), ("sore", 0.3, 0)])]
        )
        costs = only(compare(s)).expected
        assert costs.adverse_events == pytest.approx(100)
        assert costs.societal == pytest.approx(100 + 100)
        assert costs.patient + costs.insurer == costs.allowed == 100


class TestOverridesAndOutputs:
    def test_price_override_replaces_the_table_price(self):
        s = scenario([pathway("x", [visit("v", "therapy", 2, {"NEEDLE": 1})])], None, overrides={"NEEDLE": Param(95.0)})
        assert only(compare(s)).expected.allowed == 190

    def test_cost_per_responder(self):
        # Expected societal $100 with a 40% response → $250 per responder.
        s = scenario([pathway("x", [visit("v", "office", 1, {"OFF": 1})], response=0.4)])
        assert only(compare(s)).cost_per_responder("societal") == pytest.approx(250)

    def test_json_keys_follow_the_spec(self):
        s = scenario([pathway("x", [visit("v", "office", 1, {"OFF": 1})], response=0.4)])
        document = compare(s).to_dict()
        option = document["options"]["x"]
        assert set(option["expected"]) == {"allowed", "insurer", "patient", "indirect", "adverse_events", "societal"}
        assert {"label", "expected", "first_line", "p_escalate", "p_response", "branches"} <= set(option)
        assert set(option["branches"][0]) >= {"path", "probability", "allowed", "insurer", "patient", "indirect"}


class TestCostShare:
    """SPEC §4.2 steps 1–5 on their own, through ``cost_share`` (floats and arrays of draws)."""

    @staticmethod
    def floats(result):
        return tuple(float(x) for x in result)

    def test_copay_alone(self):
        # 3 visits of $100 with a $30 copay: 3 × min(30, 100) = 90; the deductible is untouched.
        result = cost_share(100.0, visits=3, ded_left=500.0, coinsurance=0.2, benefit=Benefit(copay=30.0))
        assert self.floats(result) == (90.0, 210.0, 500.0, np.inf)

    def test_copay_is_never_more_than_the_visit(self):
        # A $20 fill with a $30 copay: min(30, 20) = 20.
        assert float(cost_share(20.0, benefit=Benefit(copay=30.0)).patient) == 20.0

    def test_coinsurance_after_deductible(self):
        # 3 × $200 = 600 with $250 of deductible left and 20%: d = 250, rest = 350,
        # share = 250 + 0.2 × 350 = 320; insurer 600 − 320 = 280; deductible left 0.
        result = cost_share(200.0, visits=3, ded_left=250.0, oop_left=1000.0, coinsurance=0.2)
        assert self.floats(result) == pytest.approx((320.0, 280.0, 0.0, 680.0))

    def test_copay_after_deductible(self):
        # Schema version 2 "copay after deductible": 4 visits of $150, $200 of deductible left, $40 copay.
        # Visit 1: d = 150, rest 0 → 150. Visit 2: d = 50, rest 100 → 50 + min(40, 100) = 90.
        # Visits 3 and 4: 40 each. Patient 150 + 90 + 80 = 320, insurer 600 − 320 = 280.
        benefit = Benefit(copay=40.0, deductible_applies=True)
        result = cost_share(150.0, visits=4, ded_left=200.0, coinsurance=0.2, benefit=benefit)
        assert self.floats(result)[:3] == pytest.approx((320.0, 280.0, 0.0))

    def test_copay_and_coinsurance_after_deductible(self):
        # As above with 10% coinsurance on what the copay leaves: visit 1: 150;
        # visit 2: 50 + 40 + 0.1 × (100 − 40) = 96; visits 3, 4: 40 + 0.1 × 110 = 51 each.
        # Patient 150 + 96 + 102 = 348.
        benefit = Benefit(copay=40.0, coinsurance=0.1, deductible_applies=True)
        assert float(cost_share(150.0, visits=4, ded_left=200.0, benefit=benefit).patient) == pytest.approx(348.0)

    def test_cap_reached(self):
        # 2 visits of $400, deductible $100 left, 50%, $300 of room: 100 + 0.5 × 700 = 450 → capped at 300.
        # $80 of uncovered codes on top: outside the cap, so the patient pays 300 + 80 = 380;
        # the insurer 800 − 300 = 500.
        result = cost_share(400.0, visits=2, uncovered=80.0, ded_left=100.0, oop_left=300.0, coinsurance=0.5)
        assert self.floats(result) == pytest.approx((380.0, 500.0, 0.0, 0.0))

    def test_no_visits_change_nothing(self):
        result = cost_share(150.0, visits=0, ded_left=200.0, oop_left=300.0, benefit=Benefit(40.0, None, True))
        assert self.floats(result) == (0.0, 0.0, 200.0, 300.0)

    def test_arrays_of_draws_give_the_float_results(self):
        # Draw 1: $100 all to the deductible. Draw 2: 200 + 0.5 × (300 − 200) = 250.
        covered = np.array([100.0, 300.0])
        copay = np.array([10.0, 60.0])
        for benefit in (Benefit(), Benefit(copay=copay), Benefit(copay=copay, deductible_applies=True)):
            drawn = cost_share(covered, visits=3, ded_left=200.0, oop_left=700.0, coinsurance=0.5, benefit=benefit)
            for i in range(2):
                one = Benefit(None if benefit.copay is None else float(copay[i]), None, benefit.deductible_applies)
                single = cost_share(
                    float(covered[i]), visits=3, ded_left=200.0, oop_left=700.0, coinsurance=0.5, benefit=one
                )
                assert [float(np.broadcast_to(x, (2,))[i]) for x in drawn] == pytest.approx([float(x) for x in single])
        assert np.asarray(cost_share(covered, ded_left=200.0, coinsurance=0.5).patient).tolist() == [100.0, 250.0]
