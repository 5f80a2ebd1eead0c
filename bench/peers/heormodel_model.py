"""The self-pay PSA in heormodel 0.7.4: ParameterSet sampling, a vectorised model function through
heormodel's run_psa, and its CEAC. Run with the peers' venv: python heormodel_model.py SPEC DRAWS."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from heormodel.cea import ceac
from heormodel.models import Outcomes
from heormodel.params import Beta, Fixed, Gamma, LogNormal, ParameterSet, Uniform
from heormodel.run import run_psa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tree import load_spec, option_costs  # noqa: E402


def distribution(entry):
    name, args = entry["dist"], entry["args"]
    if name == "fixed":
        return Fixed(args[0])
    if name == "beta":
        return Beta(args[0], args[1])
    if name == "gamma":
        return Gamma(shape=args[0], scale=args[1])
    if name == "lognormal":
        return LogNormal(mu=args[0], sigma=args[1])
    return Uniform(args[0], args[1])


def main(spec_path: str, draws: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()  # everything after the imports
    spec = load_spec(spec_path)
    parameters = ParameterSet({name: distribution(e) for name, e in spec["parameters"].items()})
    sample = parameters.sample(draws, seed=1)

    def model(d: pd.DataFrame) -> Outcomes:
        values = {name: d[name].to_numpy() for name in d.columns}
        results = option_costs(spec, values)
        n = len(d)
        costs = pd.DataFrame({o: np.broadcast_to(r["societal"], n) for o, r in results.items()}, index=d.index)
        effects = pd.DataFrame({o: np.broadcast_to(r["qaly"], n) for o, r in results.items()}, index=d.index)
        return Outcomes.from_wide(costs, effects)

    outcomes = run_psa(model, sample, seed=1, sequential=True).outcomes
    curve = ceac(outcomes, wtp=list(np.linspace(0, 150_000, 31)))
    assert len(curve) == 31

    print(f"elapsed {time.perf_counter() - wall} {time.process_time() - cpu}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
