"""Budget impact defaults and the proposal "dry needling takes X% of first-line care" (SPEC §4.7)."""

from __future__ import annotations

import dataclasses
import json
import tomllib

import pytest
from test_cli import run_main

from calculator.budget import DEFAULTS_FILE, budget_impact, default_budget_inputs, proposal_mix
from calculator.errors import InputError
from calculator.io import DATA_DIR, load_scenario
from calculator.models import EVIDENCE_TAGS

PPO = DATA_DIR / "scenarios" / "commercial-ppo.json"


class TestProposalMix:
    def test_hand_worked_shares(self):
        # 10% of all first-line care moves to dn: medication gives 10% × 0.75/1.0 = 7.5 points,
        # PT 10% × 0.25 = 2.5 points; surgery is not a source and keeps its 0.
        current = {"medication": 0.75, "physical_therapy": 0.25, "surgery": 0.0, "dry_needling": 0.0}
        mix = proposal_mix(current, 0.1, ["medication", "physical_therapy"])
        assert mix == pytest.approx(
            {"medication": 0.675, "physical_therapy": 0.225, "surgery": 0.0, "dry_needling": 0.1}
        )
        assert sum(mix.values()) == pytest.approx(1.0)

    def test_from_one_option_only(self):
        # 20% from medication alone: 0.6 → 0.4; PT untouched.
        mix = proposal_mix({"medication": 0.6, "physical_therapy": 0.4, "dry_needling": 0.0}, 0.2, ["medication"])
        assert mix == pytest.approx({"medication": 0.4, "physical_therapy": 0.4, "dry_needling": 0.2})

    @pytest.mark.parametrize(
        ("take", "sources", "field"),
        [
            (0.5, ["medication"], "take_share"),  # medication has only 40%
            (1.5, ["medication"], "take_share"),
            (0.1, [], "from_options"),
            (0.1, ["nope"], "from_options"),
            (0.1, ["dry_needling"], "from_options"),
        ],
    )
    def test_impossible_proposals_are_refused(self, take, sources, field):
        with pytest.raises(InputError, match=field):
            proposal_mix({"medication": 0.4, "physical_therapy": 0.6, "dry_needling": 0.0}, take, sources)


class TestDefaults:
    def test_every_default_has_a_source_and_an_evidence_tag(self):
        data = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
        for entry in [*data["current_mix"].values(), data["proposal"], data["population"]]:
            assert entry["evidence"] in EVIDENCE_TAGS
            for sid in entry["source"].split(";"):
                assert sid.strip() in data["sources"]
        assert sum(e["share"] for e in data["current_mix"].values()) == pytest.approx(1.0)

    def test_default_question_is_dry_needling_taking_first_line_care(self):
        scenario = load_scenario(PPO)
        inputs, assumptions = default_budget_inputs(scenario)
        current, proposed = dict(inputs.current_mix), dict(inputs.proposed_mix)
        # Claims-based mix: PT 11% / 44.3% ≈ 25%, medication the rest, no first-line surgery.
        assert current == pytest.approx(
            {"dry_needling": 0.0, "medication": 0.75, "physical_therapy": 0.25, "surgery": 0.0}
        )
        assert proposed == pytest.approx(
            {"dry_needling": 0.1, "medication": 0.675, "physical_therapy": 0.225, "surgery": 0.0}
        )
        assert any("kim2019" in a for a in assumptions)
        result = budget_impact(scenario, inputs, assumptions=assumptions)
        # The change comes only from moving 10% of episodes to dn from medication and PT:
        # per episode Δ = 0.1 × dn − 0.075 × medication − 0.025 × PT (insurer's share).
        per = result.per_episode
        delta = 0.1 * per["dry_needling"]["insurer"] - 0.075 * per["medication"]["insurer"]
        delta -= 0.025 * per["physical_therapy"]["insurer"]
        episodes = inputs.members * inputs.episodes_per_1000 / 1000
        assert result.years[0].plan_difference == pytest.approx(episodes * delta)
        assert result.years[0].plan_pmpm_difference == pytest.approx(episodes * delta / (inputs.members * 12))
        assert len(result.years) == 3
        assert result.assumptions[: len(assumptions)] == assumptions
        assert any("no discounting" in a for a in result.assumptions)

    def test_options_missing_from_the_scenario_are_rescaled(self):
        scenario = load_scenario(PPO)
        two = dataclasses.replace(scenario, compare=("dry_needling", "medication"))
        inputs, assumptions = default_budget_inputs(two)
        assert dict(inputs.current_mix) == pytest.approx({"dry_needling": 0.0, "medication": 1.0})
        assert dict(inputs.proposed_mix) == pytest.approx({"dry_needling": 0.1, "medication": 0.9})
        assert any("physical_therapy" in a and "rescaled" in a for a in assumptions)


class TestCli:
    def test_default_budget_json_lists_assumptions(self, capsys):
        code, out, _ = run_main(capsys, "budget", PPO)
        assert code == 0
        document = json.loads(out)
        assert document["proposed_mix"]["dry_needling"] == pytest.approx(0.1)
        assert any("kim2019" in a for a in document["assumptions"])
        assert "plan_pmpm_difference" in document["total"]

    def test_table_with_a_take_share(self, capsys):
        code, out, _ = run_main(
            capsys, "budget", PPO, "--format", "table", "--take-share", "0.2", "--from", "medication"
        )
        assert code == 0
        assert "medication 55.0%" in out and "dry_needling 20.0%" in out
        assert "Total" in out and "PMPM" in out and "Assumptions:" in out
        assert "takes 10%" not in out  # the default proposal is replaced, not listed beside it

    def test_impossible_take_share_exits_2(self, capsys):
        code, _, err = run_main(capsys, "budget", PPO, "--take-share", "0.9", "--from", "physical_therapy")
        assert code == 2 and err.count("\n") == 1 and "take_share" in err
