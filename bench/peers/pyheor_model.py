"""The self-pay PSA as pyheor 0.4.1 runs a PSA: pyheor distributions, one sample of every number
per iteration and one model evaluation per iteration (pyheor has no decision-tree engine; this is
its own PSA loop, `MarkovModel.run_psa`, applied to the tree). Run with the peers' venv:
python pyheor_model.py SPEC DRAWS."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from pyheor import Beta, Fixed, Gamma, LogNormal, Uniform
from pyheor.distributions import sample_distribution

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tree import load_spec, option_costs  # noqa: E402


def distribution(entry):
    name, args = entry["dist"], entry["args"]
    if name == "fixed":
        return Fixed(args[0])
    if name == "beta":
        return Beta(alpha=args[0], beta=args[1])
    if name == "gamma":
        return Gamma(shape=args[0], rate=1.0 / args[1])
    if name == "lognormal":
        return LogNormal(meanlog=args[0], sdlog=args[1])
    return Uniform(args[0], args[1])


def main(spec_path: str, draws: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()  # everything after the imports
    spec = load_spec(spec_path)
    dists = {name: distribution(e) for name, e in spec["parameters"].items()}
    rng = np.random.default_rng(1)
    options = list(spec["options"])
    costs = np.empty((draws, len(options)))
    qalys = np.empty((draws, len(options)))
    for i in range(draws):
        values = {name: float(sample_distribution(d, 1, rng)[0]) for name, d in dists.items()}
        results = option_costs(spec, values)
        for j, option in enumerate(options):
            costs[i, j] = results[option]["societal"]
            qalys[i, j] = results[option]["qaly"]
    curve = [
        (np.argmax(w * qalys - costs, axis=1)[:, None] == np.arange(len(options))).mean(axis=0)
        for w in np.linspace(0, 150_000, 31)
    ]
    assert len(curve) == 31 and costs.shape == (draws, len(options))

    print(f"elapsed {time.perf_counter() - wall} {time.process_time() - cpu}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
