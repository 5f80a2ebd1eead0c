"""A plain, readable numpy implementation of the PSA model, the yardstick for `make bench`.

Same model as :func:`calculator.uncertainty.run_psa` (SPEC §4.2–§4.6): every uncertain number
drawn at once with numpy's own samplers (method of moments), each option's escalation chain
costed through the plan's deductible, coinsurance, copays, out-of-pocket maximum and visit
limits, then the summary statistics, the probability of being cheapest and the weighted
percentiles of the patient's out-of-pocket mixture by a full sort. No chunking, no tables, no
caches: what a careful analyst would write first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from calculator.costing import parameters
from calculator.models import Param, Scenario
from calculator.uncertainty import distribution_parameters


def draw(param: Param, n: int, rng: np.random.Generator) -> np.ndarray:
    name, args = distribution_parameters(param)
    if name == "fixed":
        return np.full(n, args[0])
    if name == "uniform":
        return rng.uniform(args[0], args[1], n)
    if name == "beta":
        return rng.beta(args[0], args[1], n)
    if name == "gamma":
        return rng.gamma(args[0], args[1], n)
    return rng.lognormal(args[0], args[1], n)


def reference_psa(scenario: Scenario, draws: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    values = {}
    for p in parameters(scenario):
        values[p.id] = draw(p.param, draws, rng) if p.param.uncertain else np.full(draws, p.param.value)

    def price(code: str, schedule: str) -> np.ndarray:
        if f"price/override/{code}" in values:
            return values[f"price/override/{code}"]
        return values.get(f"price/{schedule}/{code}", np.zeros(draws))

    plan = scenario.insurance
    uncovered_schedule = scenario.uncovered_schedule
    ind = "indirect/"
    travel = (
        values[ind + "travel_hours_per_visit"] * values[ind + "hourly_value"]
        + values[ind + "miles_per_visit"] * values[ind + "mileage_rate"]
        + values[ind + "parking_per_visit"]
    )
    results = {}
    for option in scenario.compare:
        if plan is None:
            deductible_left, oop_left, limits = np.zeros(draws), np.full(draws, np.inf), {}
        else:
            deductible_left = np.maximum(values["insurance/deductible"] - values["insurance/deductible_met"], 0)
            oop_left = np.full(draws, np.inf)
            if plan.oop_max is not None:
                oop_left = np.maximum(values["insurance/oop_max"] - values["insurance/oop_met"], 0)
            limits = {kind: np.full(draws, float(n)) for kind, n in plan.visit_limits}
        reach = np.ones(draws)
        cumulative = {f: np.zeros(draws) for f in ("allowed", "insurer", "patient", "indirect", "adverse_events")}
        branch_patient, branch_probability = [], []
        expected = {f: np.zeros(draws) for f in cumulative}
        qaly = np.zeros(draws)
        chain = scenario.pathways.chain(option)
        for k, pathway in enumerate(chain):
            prefix = f"pathway/{pathway.id}"
            for v, visit in enumerate(pathway.visits):
                count = np.maximum(np.rint(values[f"{prefix}/visit/{v}/count"]), 0)
                covered = np.zeros(draws)
                uncovered = np.zeros(draws)
                everything_uncovered = np.zeros(draws)
                for i, item in enumerate(visit.items):
                    units = values[f"{prefix}/visit/{v}/item/{i}/units"]
                    if plan is not None:
                        everything_uncovered += units * price(item.code, uncovered_schedule)
                    if plan is not None and item.code in plan.uncovered_codes:
                        uncovered += units * price(item.code, uncovered_schedule)
                    else:
                        covered += units * price(item.code, scenario.schedule)
                if plan is None:
                    allowed = count * covered
                    patient, insurer = allowed, np.zeros(draws)
                else:
                    if visit.kind in limits:
                        in_plan = np.minimum(count, limits[visit.kind])
                        limits[visit.kind] = limits[visit.kind] - in_plan
                    else:
                        in_plan = count
                    out_of_limit = count - in_plan
                    covered_total = in_plan * covered
                    copays = dict(plan.copays)
                    if visit.kind in copays:
                        share = in_plan * np.minimum(values[f"insurance/copay/{visit.kind}"], covered)
                    else:
                        to_deductible = np.minimum(deductible_left, covered_total)
                        deductible_left = deductible_left - to_deductible
                        share = to_deductible + values["insurance/coinsurance"] * (covered_total - to_deductible)
                    share = np.minimum(share, oop_left)
                    oop_left = oop_left - share
                    out_of_plan = in_plan * uncovered + out_of_limit * everything_uncovered
                    allowed = covered_total + out_of_plan
                    patient = share + out_of_plan
                    insurer = covered_total - share
                hours = values[f"{prefix}/visit/{v}/hours"]
                indirect = count * (hours * values[ind + "hourly_value"] + (travel if visit.travel else 0))
                cumulative["allowed"] = cumulative["allowed"] + allowed
                cumulative["insurer"] = cumulative["insurer"] + insurer
                cumulative["patient"] = cumulative["patient"] + patient
                cumulative["indirect"] = cumulative["indirect"] + indirect
            cumulative["indirect"] = (
                cumulative["indirect"] + values[f"{prefix}/work_days_lost"] * values[ind + "daily_wage"]
            )
            for e, _ in enumerate(pathway.adverse_events):
                cumulative["adverse_events"] = (
                    cumulative["adverse_events"]
                    + values[f"{prefix}/adverse/{e}/probability"] * values[f"{prefix}/adverse/{e}/cost"]
                )
            response = values[f"{prefix}/response_probability"]
            if pathway.qaly_gain is not None:
                qaly = qaly + reach * values[f"{prefix}/qaly_gain"]
            if k < len(chain) - 1:
                onward = (1 - response) * values[f"{prefix}/escalation_probability"]
                stop = reach * (1 - onward)
                reach = reach * onward
            else:
                stop = reach
            branch_patient.append(cumulative["patient"].copy())
            branch_probability.append(stop)
            for f in expected:
                expected[f] = expected[f] + stop * cumulative[f]
        expected["societal"] = expected["allowed"] + expected["indirect"] + expected["adverse_events"]
        results[option] = (expected, qaly, np.concatenate(branch_patient), np.concatenate(branch_probability))

    options = list(scenario.compare)
    out: dict[str, dict[str, Any]] = {"summary": {}, "p_cheapest": {}, "out_of_pocket": {}}
    for perspective in ("patient", "insurer", "allowed", "societal"):
        costs = np.stack([results[o][0][perspective] for o in options], axis=1)
        lowest = costs.min(axis=1, keepdims=True)
        is_lowest = costs <= lowest + 1e-9 * np.maximum(1.0, np.abs(lowest))
        out["p_cheapest"][perspective] = dict(
            zip(options, (is_lowest / is_lowest.sum(axis=1, keepdims=True)).mean(axis=0), strict=True)
        )
        for j, o in enumerate(options):
            column = costs[:, j]
            low, high = np.percentile(column, [2.5, 97.5])
            out["summary"].setdefault(o, {})[perspective] = {"mean": column.mean(), "p2_5": low, "p97_5": high}
    for o in options:
        cost, probability = results[o][2], results[o][3] / draws
        order = np.argsort(cost, kind="stable")
        cumulative = np.cumsum(probability[order]) / probability.sum()
        at = np.searchsorted(cumulative, np.array([5, 25, 50, 75, 95]) / 100)
        out["out_of_pocket"][o] = {
            "mean": float(np.dot(cost, probability)),
            "percentiles": [float(cost[order][min(i, len(cost) - 1)]) for i in at],
        }
    return out
