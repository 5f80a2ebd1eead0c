"""PSA, one-way sensitivity, break-even and budget impact (SPEC §4.6–§4.7)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from builders import pathway, plan, scenario, visit
from scipy import special

from calculator.budget import budget_impact, budget_inputs_from_dict
from calculator.costing import compare
from calculator.errors import AnalysisError, InputError
from calculator.io import DATA_DIR, MAX_DRAWS, load_scenario
from calculator.models import Param, PsaSettings
from calculator.uncertainty import (
    CHUNK,
    PERSPECTIVES,
    _chunk_rows,
    _MixturePercentiles,
    _p_cheapest,
    _varying,
    break_even,
    distribution_parameters,
    icers,
    one_way,
    run_psa,
    sample,
    sample_from_table,
)


@pytest.fixture(scope="module")
def ppo():
    return load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")


FIVE_SESSIONS = Param(5.0)


def two_options(price_spread=0.0, dn_sessions=FIVE_SESSIONS, insurance=None):
    """Self-pay: 'dn' is n sessions of NEEDLE ($80 cash); 'pt' is 2 PT visits ($120 cash) = $240."""
    dn = pathway("dn", [dataclasses.replace(visit("s", "therapy", 1, {"NEEDLE": 1}), count=dn_sessions)])
    pt = pathway("pt", [visit("v", "therapy", 2, {"PT": 1})])
    return scenario([dn, pt], insurance, schedule="self_pay", price_spread=price_spread)


class TestDistributions:
    @pytest.mark.parametrize(
        "param",
        [
            Param(0.6, "beta", 0.45, 0.72),
            Param(0.03, "beta", 0.01, 0.06),
            Param(100.0, "gamma", 75.0, 125.0),
            Param(5.0, "gamma", 3.0, 8.0),
            Param(40.0, "lognormal", 25.0, 60.0),
            Param(10.0, "uniform", 5.0, 15.0),
        ],
        ids=lambda p: f"{p.dist}-{p.value}",
    )
    def test_fit_reproduces_mean_and_interval(self, param):
        draws = sample(param, 200_000, np.random.default_rng(7))
        width = param.high - param.low
        assert draws.mean() == pytest.approx(param.value, abs=0.01 * width)
        low, high = np.percentile(draws, [2.5, 97.5])
        # Method of moments matches the SE, not the exact quantiles of a skewed distribution:
        # the interval lands within 12% of the range of the stated one.
        assert low == pytest.approx(param.low, abs=0.12 * width)
        assert high == pytest.approx(param.high, abs=0.12 * width)
        assert draws.std() == pytest.approx(width / 3.92, rel=0.03 if param.dist != "uniform" else 0.5)

    def test_fixed_numbers_do_not_vary(self):
        assert (sample(Param(3.0), 5, np.random.default_rng(0)) == 3.0).all()


class TestPsa:
    def test_same_seed_same_result(self, ppo):
        first = run_psa(ppo, 2_000, seed=11)
        second = run_psa(ppo, 2_000, seed=11)
        assert first.to_dict() == second.to_dict()
        assert not np.array_equal(first.samples["patient"], run_psa(ppo, 2_000, seed=12).samples["patient"])

    def test_mean_of_a_linear_quantity_matches_the_base_case(self):
        # Self-pay with only price uncertainty: allowed is linear in the prices, so its PSA mean
        # converges to the deterministic cost (within 4 Monte Carlo standard errors).
        s = two_options(price_spread=0.25)
        result = run_psa(s, 40_000, seed=3)
        base = compare(s)
        for j, option in enumerate(result.options):
            draws = result.samples["allowed"][:, j]
            standard_error = draws.std() / np.sqrt(len(draws))
            assert abs(draws.mean() - base.option(option).expected.allowed) < 4 * standard_error

    def test_p_cheapest_sums_to_one(self, ppo):
        result = run_psa(ppo, 3_000, seed=1)
        for perspective in PERSPECTIVES:
            assert sum(result.p_cheapest[perspective].values()) == pytest.approx(1.0)

    def test_ties_are_shared(self):
        # Self-pay: the insurer pays nothing for either option → each is "cheapest" half the time.
        result = run_psa(two_options(price_spread=0.2), 1_000, seed=1)
        assert result.p_cheapest["insurer"] == pytest.approx({"dn": 0.5, "pt": 0.5})

    def test_summary_interval_brackets_the_mean(self, ppo):
        result = run_psa(ppo, 3_000, seed=2)
        for option in result.options:
            for perspective in PERSPECTIVES:
                s = result.summary[option][perspective]
                assert s["p2_5"] <= s["mean"] <= s["p97_5"]

    def test_out_of_pocket_distribution_and_budget(self, ppo):
        result = run_psa(ppo, 3_000, seed=2, oop_budget=400.0)
        for option in result.options:
            oop = result.out_of_pocket[option]
            percentiles = list(oop["percentiles"].values())
            assert percentiles == sorted(percentiles)
            assert 0 <= oop["p_over_budget"] <= 1
            # The mixture's mean is the mean expected out-of-pocket cost.
            assert oop["mean"] == pytest.approx(result.summary[option]["patient"]["mean"])
        assert result.out_of_pocket["surgery"]["p_over_budget"] == 1.0
        assert result.out_of_pocket["medication"]["p_over_budget"] < 0.5

    def test_ceac_is_a_probability_consistent_with_net_benefit(self, ppo):
        result = run_psa(ppo, 3_000, seed=4)
        wtp = [0.0, 50_000.0, 150_000.0]
        curve = result.ceac(wtp)
        stacked = np.stack([curve[o] for o in result.options], axis=1)
        assert ((stacked >= 0) & (stacked <= 1)).all()
        assert stacked.sum(axis=1) == pytest.approx(np.ones(len(wtp)))
        # Direct count: share of draws where the option has the highest net monetary benefit.
        assert result.qaly is not None
        nmb = 50_000.0 * result.qaly - result.samples["allowed"]
        assert list(result.net_monetary_benefit(50_000.0).values()) == pytest.approx(nmb.mean(axis=0))
        direct = np.bincount(nmb.argmax(axis=1), minlength=len(result.options)) / result.draws
        assert stacked[1] == pytest.approx(direct)
        # At a zero threshold, acceptability is just being cheapest.
        assert stacked[0] == pytest.approx([result.p_cheapest["allowed"][o] for o in result.options])

    def test_json_block_has_the_spec_keys(self, ppo):
        block = run_psa(ppo, 500, seed=1).to_dict()
        assert block["draws"] == 500 and block["seed"] == 1
        assert set(block["options"]["dry_needling"]) >= {"patient", "insurer", "allowed", "societal"}
        assert set(block["options"]["dry_needling"]["patient"]) == {"mean", "p2_5", "p97_5"}
        assert set(block["p_cheapest"]) >= {"patient", "societal"}
        assert "ceac" in block and "icer" in block

    @pytest.mark.parametrize("draws", [0, -1, MAX_DRAWS + 1, 2.5])
    def test_bad_draws_are_rejected(self, ppo, draws):
        with pytest.raises(InputError, match="draws"):
            run_psa(ppo, draws)

    def test_chunked_runs_are_reproducible(self):
        s = two_options(price_spread=0.25)
        a = run_psa(s, 2_500, seed=9, chunk=1_000)
        b = run_psa(s, 2_500, seed=9, chunk=1_000)
        assert np.array_equal(a.samples["allowed"], b.samples["allowed"])


class TestIcers:
    def test_dominance(self):
        out = icers(
            {"ref": 100.0, "cheap_better": 50.0, "dear_worse": 200.0},
            {"ref": 0.1, "cheap_better": 0.2, "dear_worse": 0.05},
            "ref",
        )
        assert out["cheap_better"]["status"] == "dominant"
        assert out["dear_worse"]["status"] == "dominated"
        assert out["dear_worse"]["icer"] is None


class TestOneWay:
    def test_base_reproduces_the_deterministic_result(self, ppo):
        result = one_way(ppo)
        base = compare(ppo)
        for option in base:
            assert result.base["patient"][option.id] == pytest.approx(option.expected.patient)
            assert result.base["societal"][option.id] == pytest.approx(option.expected.societal)

    def test_a_number_whose_low_is_its_value_gives_the_base_cost_at_low(self):
        s = two_options(dn_sessions=Param(5.0, "gamma", 5.0, 9.0))
        row = one_way(s).rows[0]
        at_low, at_high = row["results"]["patient"]["dn"]
        # 5 sessions × $80 = 400 at low; 9 × 80 = 720 at high.
        assert (at_low, at_high) == (400, 720)
        # PT costs $240 whatever the sessions: it is the cheapest at both ends.
        assert row["cheapest"]["patient"] == ("pt", "pt")

    def test_tornado_frame_is_sorted_by_swing(self, ppo):
        frame = one_way(ppo).to_frame("patient", "dry_needling")
        assert list(frame["swing"]) == sorted(frame["swing"], reverse=True)
        assert len(frame) > 10


class TestBreakEven:
    def test_whole_number_break_even(self):
        # dn = n × $80, pt = $240 → equal at n = 3. At the base case of 5 sessions dn already
        # costs 5 × $80 = $400 > $240, so it costs no more only with at most 3 sessions.
        s = two_options(dn_sessions=Param(5.0, "gamma", 1.0, 10.0))
        found = break_even(s, "pathway/dn/visit/0/count", "dn", "pt")
        assert found.value == 3
        assert found.a_cheaper_below is True
        assert found.kind == "already_dearer"
        assert (found.base_a, found.base_b) == (400.0, 240.0)
        assert "already costs more" in found.sentence and "at most 3 's' visits" in found.sentence
        assert "(5 visits: $400 vs $240)" in found.sentence

    def test_whole_number_stays_cheaper(self):
        # Base case 2 sessions: dn 2 × $80 = $160 < $240; it stays cheaper up to 3 sessions
        # ($240 = $240) and costs more from 4 ($320).
        s = two_options(dn_sessions=Param(2.0, "gamma", 1.0, 10.0))
        found = break_even(s, "pathway/dn/visit/0/count", "dn", "pt")
        assert (found.kind, found.value) == ("stays_cheaper", 3)
        assert found.sentence == "Dn stays cheaper for you than Pt unless Dn takes more than 3 's' visits."

    def test_cheaper_above_the_break_even(self):
        # The number moved is pt's visit count (base 2: pt $240 vs dn $400, dn dearer). pt costs
        # 120 × n, so dn ($400) costs no more once pt takes at least 4 visits ($480); 3 gives $360.
        s = two_options()
        s = dataclasses.replace(
            s,
            pathways=dataclasses.replace(
                s.pathways,
                pathways=(
                    s.pathways.get("dn"),
                    dataclasses.replace(
                        s.pathways.get("pt"),
                        visits=(dataclasses.replace(s.pathways.get("pt").visits[0], count=Param(2.0, "gamma", 1, 8)),),
                    ),
                ),
            ),
        )
        found = break_even(s, "pathway/pt/visit/0/count", "dn", "pt")
        assert (found.kind, found.value, found.a_cheaper_below) == ("already_dearer", 4, False)
        assert "it costs no more only if Pt takes at least 4 'v' visits" in found.sentence

    def test_price_break_even_by_root_finding(self):
        # dn = 5 × price, pt = $240 → break-even price $48.
        s = two_options()
        found = break_even(s, "price/self_pay/NEEDLE", "dn", "pt", "allowed", low=0, high=100)
        assert found.value == pytest.approx(48.0, abs=1e-6)
        # base price $80: dn already costs 5 × $80 = $400 against $240
        assert found.kind == "already_dearer"
        assert "already costs more in total billed cost than Pt at the base case ($80: $400 vs $240)" in found.sentence
        assert "only if the price of NEEDLE" in found.sentence and "is below $48" in found.sentence

    def test_price_break_even_while_cheaper(self):
        # Cheaper needle ($40 at the base case) via an override: dn 5 × $40 = $200 < $240; it
        # stays cheaper unless the price is above $48.
        s = dataclasses.replace(two_options(), price_overrides=(("NEEDLE", Param(40.0)),))
        found = break_even(s, "price/override/NEEDLE", "dn", "pt", "allowed", low=0, high=100)
        assert found.kind == "stays_cheaper"
        assert found.value == pytest.approx(48.0, abs=1e-6)
        assert found.sentence.endswith("is above $48.")

    def test_no_break_even_in_range(self):
        s = two_options()
        found = break_even(s, "price/self_pay/NEEDLE", "dn", "pt", "allowed", low=60, high=100)
        assert found.value is None
        assert "no break-even" in found.sentence
        assert found.kind == "never"
        assert found.sentence.startswith("Pt is cheaper")

    def test_number_without_range_needs_one(self):
        with pytest.raises(AnalysisError, match="no range"):
            break_even(two_options(), "price/self_pay/NEEDLE", "dn", "pt")

    def test_unknown_parameter_and_option(self):
        with pytest.raises(InputError, match="parameter"):
            break_even(two_options(), "price/nope", "dn", "pt", low=0, high=1)
        with pytest.raises(InputError, match="option_b"):
            break_even(two_options(), "price/self_pay/NEEDLE", "dn", "xx", low=0, high=1)


class TestBudget:
    def test_hand_worked_budget_impact(self):
        # Insured, no cost sharing but 20% coinsurance: dn costs $400 allowed (patient 80,
        # plan 320); pt $400 allowed at commercial (2 × 200: patient 80, plan 320)... use
        # different counts to make them differ: dn 5 × $50 = 250 → patient 50, plan 200.
        s = two_options(insurance=plan(coinsurance=0.2))
        s = dataclasses.replace(s, schedule="commercial")
        # 10,000 members, 50 episodes per 1,000 → 500 episodes. Current all pt (plan $320 each):
        # $160,000; proposed half dn: 250 × 200 + 250 × 320 = $130,000 → −$30,000 a year,
        # −$30,000 / 120,000 member-months = −$0.25 PMPM. Members: 500 × 80 = 40,000 vs
        # 250 × 50 + 250 × 80 = 32,500 → −$7,500.
        inputs = budget_inputs_from_dict(
            {
                "members": 10_000,
                "episodes_per_1000": 50,
                "current_mix": {"pt": 1.0},
                "proposed_mix": {"pt": 0.5, "dn": 0.5},
                "years": 2,
                "growth": 0.1,
            },
            s.compare,
        )
        result = budget_impact(s, inputs)
        first, second = result.years
        assert first.plan_current == pytest.approx(160_000)
        assert first.plan_proposed == pytest.approx(130_000)
        assert first.plan_pmpm_difference == pytest.approx(-0.25)
        assert first.members_difference == pytest.approx(-7_500)
        # Year 2: 11,000 members → 550 episodes; the PMPM difference stays the same.
        assert second.episodes == pytest.approx(550)
        assert second.plan_difference == pytest.approx(-33_000)
        assert second.plan_pmpm_difference == pytest.approx(-0.25)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"current_mix": {"pt": 0.7}}, "current_mix"),
            ({"proposed_mix": {"zz": 1.0}}, "proposed_mix.zz"),
            ({"years": 6}, "years"),
            ({"members": 0}, "members"),
            ({"members": 10.5}, "members"),
            ({"episodes_per_1000": "many"}, "episodes_per_1000"),
            ({"colour": 1}, "colour"),
        ],
    )
    def test_bad_budget_inputs(self, change, field):
        raw = {
            "members": 100,
            "episodes_per_1000": 10,
            "current_mix": {"pt": 1.0},
            "proposed_mix": {"dn": 1.0},
        } | change
        with pytest.raises(InputError, match=field.replace(".", r"\.")):
            budget_inputs_from_dict(raw, ("dn", "pt"))


def test_psa_settings_default_to_no_draws():
    assert PsaSettings().draws == 0


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ({"value": 0.6, "dist": "beta", "low": 0.4, "high": 1.2}, "a probability from 0 to 1"),
        ({"value": 0.6, "dist": "beta", "low": -0.1, "high": 0.7}, "a probability from 0 to 1"),
        ({"value": 0.6, "dist": "weibull", "low": 0.4, "high": 0.7}, "one of fixed, beta, gamma"),
        ({"value": 0.6, "dist": "beta", "low": 0.7, "high": 0.4}, "low ≤ high"),
    ],
)
def test_uncertain_probabilities_are_checked_at_load(number, expected):
    from calculator.io import pathways_from_dict

    raw = {"x": {"visits": [], "response_probability": number}}
    with pytest.raises(InputError, match=expected) as caught:
        pathways_from_dict(raw, "paths.json")
    assert "paths.json: pathways.x.response_probability" in str(caught.value)


# --------------------------------------------------------------------------------------------
# Issue 13: the faster PSA keeps the numbers


def _full_sort_percentiles(values, weights, percents):
    """The former implementation: a full weighted sort."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    positions = np.searchsorted(cumulative, np.asarray(percents) / 100.0, side="left")
    return [float(values[order][min(i, len(values) - 1)]) for i in positions]


class TestFasterPsa:
    @pytest.mark.parametrize(
        "param",
        [
            Param(0.6, "beta", 0.45, 0.72),
            Param(0.0001, "beta", 0.00001, 0.0005),
            Param(100.0, "gamma", 75.0, 125.0),
            Param(1.0, "gamma", 0.1, 4.0),
            Param(40.0, "lognormal", 25.0, 60.0),
            Param(10.0, "uniform", 5.0, 15.0),
        ],
        ids=lambda p: f"{p.dist}-{p.value}",
    )
    def test_table_sampling_matches_numpy_sampling(self, param):
        # 400,000 draws each way: means agree within 4 standard errors of their difference, and
        # the 1st, 50th and 99th percentiles within 2% of the interval's width.
        n = 400_000
        table = sample_from_table(param, n, np.random.default_rng(1))
        direct = sample(param, n, np.random.default_rng(2))
        assert table.dtype == np.float64
        error = np.sqrt(table.var() / n + direct.var() / n)
        assert abs(table.mean() - direct.mean()) < 4 * error
        width = param.high - param.low
        for q in (1, 50, 99):
            assert np.percentile(table, q) == pytest.approx(np.percentile(direct, q), abs=0.02 * width)
        if param.dist == "beta":
            assert ((table >= 0) & (table <= 1)).all()
        else:
            assert (table >= 0).all()

    def test_end_bins_are_exact_quantiles(self):
        # The same uniform stream through the exact quantile function: the end bins (where a
        # gamma of shape ≈ 1 is steepest) agree exactly; inside, the linear interpolation moves
        # no draw by more than 10% of the standard deviation (the worst is the bin next to the
        # exact tail, 1/1024 of the draws) and the mean by under 1e-4 of it, far below the Monte
        # Carlo error of even 1,000,000 draws (1e-3).
        param = Param(1.0, "gamma", 0.05, 3.9)
        _, (shape, scale) = distribution_parameters(param)
        values = sample_from_table(param, 200_000, np.random.default_rng(5))
        u = np.random.default_rng(5).random(200_000, dtype=np.float32).astype(float)
        exact = special.gammaincinv(shape, u) * scale
        ends = (u < 1 / 1024) | (u >= 1023 / 1024)
        assert ends.any()
        assert values[ends] == pytest.approx(exact[ends], rel=1e-9)
        sd = exact.std()
        assert np.abs(values - exact).max() < 0.1 * sd
        assert abs((values - exact).mean()) < 1e-4 * sd

    @pytest.mark.parametrize("keep", [True, False])
    def test_mixture_percentiles_equal_a_full_sort(self, keep):
        rng = np.random.default_rng(3)
        # values with heavy ties (copays, caps) and a continuous part, weights like branch probabilities
        values = np.concatenate([np.full(30_000, 40.0), np.full(20_000, 5000.0), rng.gamma(3.0, 200.0, 70_000)])
        values = rng.permutation(values)  # chunks of independent draws, as in the PSA
        weights = rng.random(len(values))
        mixture = _MixturePercentiles(keep)
        for chunk in np.array_split(np.arange(len(values)), 4):
            mixture.add(values[chunk], weights[chunk], None)
        got = mixture.percentiles([5, 25, 50, 75, 95])
        want = _full_sort_percentiles(values, weights, [5, 25, 50, 75, 95])
        if keep:
            assert got == want
        else:  # interpolated inside a bin of 1/4096 of the mass
            assert got == pytest.approx(want, rel=0.01)

    def test_table_and_direct_sampling_agree_on_the_ppo(self, ppo):
        table = run_psa(ppo, 60_000, seed=1, sampler="table")
        direct = run_psa(ppo, 60_000, seed=1, sampler="direct")
        for j, option in enumerate(table.options):
            for perspective in PERSPECTIVES:
                a, b = table.samples[perspective][:, j], direct.samples[perspective][:, j]
                error = np.sqrt(a.var() / len(a) + b.var() / len(b))
                assert abs(a.mean() - b.mean()) < 4 * error + 1e-9, (option, perspective)

    def test_only_numbers_that_change_a_cost_are_sampled(self, ppo):
        ids = {p.id for p in _varying(ppo)}
        assert not any(i.endswith("/weeks") for i in ids)
        # dry needling is uncovered (billed at self-pay); PT codes can pass the therapy visit limit
        assert "price/self_pay/20561" in ids and "price/self_pay/97110" in ids
        # an office visit code has no visit limit, so its self-pay price is never billed
        assert "price/self_pay/99213" not in ids
        assert "price/commercial/99213" in ids

    def test_memory_is_bounded_for_long_chains(self, ppo):
        base = ppo.pathways.get("physical_therapy")
        chain = tuple(
            dataclasses.replace(base, id=f"s{i}", label=f"S{i}", on_failure=f"s{i + 1}" if i < 199 else None)
            for i in range(200)
        )
        long = dataclasses.replace(
            ppo, pathways=dataclasses.replace(ppo.pathways, pathways=chain), compare=("s0", "s1")
        )
        rows = _chunk_rows(long, len(_varying(long)), CHUNK)
        assert rows < CHUNK
        import tracemalloc

        tracemalloc.start()
        run_psa(long, 3 * rows, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 1_000_000_000

    def test_too_many_draws_for_many_options_is_refused_before_work(self, ppo):
        many = dataclasses.replace(ppo, compare=ppo.compare * 60)  # 240 options
        with pytest.raises(InputError, match="memory"):
            run_psa(many, MAX_DRAWS)

    def test_p_cheapest_counts_and_shares_ties(self):
        costs = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 5.0], [4.0, 1.0, 1.0]], order="F")
        # row 1: option 0; row 2: options 0 and 1 tie (½ each); row 3: options 1 and 2 tie
        assert list(_p_cheapest(costs)) == [1.5, 1.0, 0.5]
        assert list(_p_cheapest(costs[[0]])) == [1.0, 0.0, 0.0]
