"""Speed and memory of the engine, as ratios to a plain numpy reference and to the Python peers
(run by `make bench`).

Figures (issue 13):
- PSA at 300,000 draws of the four-option commercial PPO scenario (cost sharing), against the
  plain numpy implementation in `bench/reference.py`: best wall time and best CPU time of
  interleaved runs (the machine is shared, so CPU time is the steadier of the two).
- Peak memory at 1,000,000 draws: a fresh process's peak RSS over its start-up, and numpy's
  peak traced by tracemalloc; and 200 chained pathways at 10,000 draws.
- Quasi-Monte Carlo: how far the estimated means move between seeds with random draws and with
  scrambled Sobol' points, at the same and at more draws.
- The peers heormodel 0.7.4 and pyheor 0.4.1 on the same model without insurance (self-pay) at
  10,000 draws: whole-process time minus each tool's own interpreter+import time. The peers live
  in their own venv (`bench/.peers-venv`, or PEERS_PYTHON); a peer that cannot be installed is
  reported as such.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reference import reference_psa  # noqa: E402

from calculator.costing import compare, parameters, price_param_id  # noqa: E402
from calculator.io import DATA_DIR, load_scenario  # noqa: E402
from calculator.models import Scenario  # noqa: E402
from calculator.uncertainty import (  # noqa: E402
    _varying,
    break_even,
    distribution_parameters,
    one_way,
    run_psa,
    sample,
    sample_from_table,
)

PEERS = {"heormodel": "0.7.4", "pyheor": "0.4.1"}
PEER_VENV = ROOT / "bench" / ".peers-venv"


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def psa_against_reference(scenario: Scenario, draws: int, rounds: int) -> None:
    run_psa(scenario, draws, seed=1)  # build the sampling tables once, as any later run finds them
    wall = {"engine": float("inf"), "reference": float("inf")}
    cpu = dict(wall)
    for _ in range(rounds):
        for name, fn in (
            ("reference", lambda: reference_psa(scenario, draws, 1)),
            ("engine", lambda: run_psa(scenario, draws, seed=1)),
        ):
            w, c = time.perf_counter(), time.process_time()
            fn()
            wall[name] = min(wall[name], time.perf_counter() - w)
            cpu[name] = min(cpu[name], time.process_time() - c)
    print(
        f"PSA {draws:,} draws, 4 options with cost sharing: engine {wall['engine'] * 1e3:.0f} ms, "
        f"plain numpy reference {wall['reference'] * 1e3:.0f} ms -> ratio {wall['engine'] / wall['reference']:.2f} "
        f"(CPU time: {cpu['engine'] * 1e3:.0f} vs {cpu['reference'] * 1e3:.0f} ms -> "
        f"ratio {cpu['engine'] / cpu['reference']:.2f}; target <= 0.50)"
    )


_MEMORY_SCRIPT = """
import sys, tracemalloc
sys.path.insert(0, {root!r})
from calculator.io import load_scenario
from calculator.uncertainty import run_psa

def high_water():  # VmHWM: this process's peak resident memory (reset by exec, unlike ru_maxrss)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM"))

scenario = load_scenario({path!r})
before = high_water()
tracemalloc.start()
run_psa(scenario, {draws}, seed=1)
traced = tracemalloc.get_traced_memory()[1]
print(before, high_water(), traced)
"""


def memory_at(draws: int) -> None:
    script = _MEMORY_SCRIPT.format(
        root=str(ROOT), path=str(DATA_DIR / "scenarios" / "commercial-ppo.json"), draws=draws
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after, traced = (int(x) for x in done.stdout.split())
    print(
        f"PSA {draws:,} draws: peak resident memory {after / 1e6:.0f} MB ({(after - before) / 1e6:.0f} MB over "
        f"start-up), numpy peak traced {traced / 1e6:.0f} MB (budget about 1 GB)"
    )


def chained(scenario: Scenario, length: int) -> Scenario:
    """``length`` copies of the PT pathway, each escalating to the next; four starting points."""
    base = scenario.pathways.get("physical_therapy")
    pathways = tuple(
        dataclasses.replace(
            base, id=f"step{i}", label=f"Step {i}", on_failure=f"step{i + 1}" if i + 1 < length else None
        )
        for i in range(length)
    )
    return dataclasses.replace(
        scenario,
        pathways=dataclasses.replace(scenario.pathways, pathways=pathways),
        compare=("step0", "step1", "step2", "step3"),
    )


def peer_spec(scenario: Scenario) -> dict[str, Any]:
    """The self-pay model for the peers: every number's distribution and every option's chain."""
    spec: dict[str, Any] = {"parameters": {}, "options": {}}
    for p in parameters(scenario):
        name, args = distribution_parameters(p.param)
        spec["parameters"][p.id] = {"dist": name, "args": list(args)}
    for option in scenario.compare:
        chain = []
        for pathway in scenario.pathways.chain(option):
            prefix = f"pathway/{pathway.id}"
            visits = []
            for v, visit in enumerate(pathway.visits):
                items = [
                    [f"{prefix}/visit/{v}/item/{i}/units", price_param_id(scenario, item.code, scenario.schedule)]
                    for i, item in enumerate(visit.items)
                ]
                visits.append(
                    {
                        "count": f"{prefix}/visit/{v}/count",
                        "hours": f"{prefix}/visit/{v}/hours",
                        "travel": visit.travel,
                        "items": items,
                    }
                )
            chain.append(
                {
                    "visits": visits,
                    "work_days": f"{prefix}/work_days_lost",
                    "adverse": [
                        [f"{prefix}/adverse/{e}/probability", f"{prefix}/adverse/{e}/cost"]
                        for e in range(len(pathway.adverse_events))
                    ],
                    "qaly": f"{prefix}/qaly_gain" if pathway.qaly_gain is not None else None,
                    "response": f"{prefix}/response_probability",
                    "escalation": f"{prefix}/escalation_probability" if pathway.on_failure else None,
                }
            )
        spec["options"][option] = chain
    return spec


def after_start_up(command: list[str], repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds a process spends after its imports (it prints "elapsed WALL CPU").

    The same as the whole process's time minus its interpreter+import baseline, measured inside
    the process, so that other load on a shared machine does not swamp the difference.
    """
    wall = cpu = float("inf")
    for _ in range(repeat):
        done = subprocess.run(command, capture_output=True, check=True, cwd=ROOT, text=True)
        line = next(x for x in done.stdout.splitlines() if x.startswith("elapsed "))
        w, c = (float(x) for x in line.split()[1:])
        wall, cpu = min(wall, w), min(cpu, c)
    return wall, cpu


def peer_python() -> Path | None:
    for candidate in (os.environ.get("PEERS_PYTHON"), PEER_VENV / "bin" / "python", "/tmp/peers-venv/bin/python"):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    try:  # a separate venv, never the project's
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, capture_output=True)
        pins = [f"{name}=={version}" for name, version in PEERS.items()]
        subprocess.run(
            [str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *pins],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"peers: could not install {', '.join(PEERS)} into {PEER_VENV}: {exc}")
        return None
    return PEER_VENV / "bin" / "python"


def sampling_floor(scenario: Scenario, draws: int) -> dict[str, float]:
    """How many random numbers the PSA needs and the best time to draw them, with numpy's own
    samplers and with the engine's inverse-CDF tables already built (the fastest way here; no
    costing at all), and the plain numpy reference's whole PSA."""
    varying = _varying(scenario)
    rng = np.random.default_rng(1)
    [sample_from_table(p.param, draws, rng) for p in varying]  # build the tables first
    return {
        "count": len(varying) * draws,
        "numpy": best_of(lambda: [sample(p.param, draws, rng) for p in varying], 20),
        "tables": best_of(lambda: [sample_from_table(p.param, draws, rng) for p in varying], 20),
        "reference": best_of(lambda: reference_psa(scenario, draws, 1), 5),
    }


def peers(draws: int, repeat: int) -> None:
    self_pay = DATA_DIR / "scenarios" / "self-pay.json"
    run = (
        f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from calculator.io import load_scenario; "
        "from calculator.uncertainty import run_psa; wall, cpu = time.perf_counter(), time.process_time(); "
        f"run_psa(load_scenario({str(self_pay)!r}), {draws}, seed=1); "
        "print('elapsed', time.perf_counter() - wall, time.process_time() - cpu)"
    )
    engine_wall, engine_cpu = after_start_up([sys.executable, "-c", run], repeat)
    print(
        f"self-pay PSA {draws:,} draws (load + run, over start-up): engine {engine_wall * 1e3:.1f} ms wall, "
        f"{engine_cpu * 1e3:.1f} ms CPU"
    )
    python = peer_python()
    if python is None:
        for name in PEERS:
            print(f"  {name} {PEERS[name]}: not installed, no ratio")
        return
    with tempfile.TemporaryDirectory() as folder:
        spec_path = Path(folder) / "self-pay-model.json"
        spec_path.write_text(json.dumps(peer_spec(load_scenario(self_pay))), encoding="utf-8")
        fastest = None
        for name, version in PEERS.items():
            script = ROOT / "bench" / "peers" / f"{name}_model.py"
            check = subprocess.run([str(python), "-c", f"import {name}"], capture_output=True)
            if check.returncode != 0:
                print(f"  {name} {version}: not importable in {python}, no ratio")
                continue
            try:
                wall, cpu = after_start_up(
                    [str(python), str(script), str(spec_path), str(draws)], repeat if name == "heormodel" else 1
                )
            except subprocess.CalledProcessError as exc:
                print(f"  {name} {version}: failed ({exc.stderr[-300:]!r}), no ratio")
                continue
            fastest = cpu if fastest is None else min(fastest, cpu)
            print(
                f"  {name} {version}: {wall * 1e3:,.0f} ms wall, {cpu * 1e3:,.0f} ms CPU -> engine is "
                f"{wall / engine_wall:,.0f}x faster (wall), {cpu / engine_cpu:,.0f}x (CPU)"
            )
        if fastest is not None:
            print(f"  against the faster peer (CPU): {fastest / engine_cpu:,.0f}x (target >= 300x)")
            floor = sampling_floor(load_scenario(self_pay), draws)
            print(
                f"  floor: drawing this model's {floor['count']:,.0f} random numbers alone takes "
                f"{floor['numpy'] * 1e3:.1f} ms with numpy's samplers, {floor['tables'] * 1e3:.1f} ms with built "
                f"inverse-CDF tables; 300x the faster peer leaves {fastest / 300 * 1e3:.1f} ms for loading, drawing "
                f"and costing. The plain numpy reference's PSA alone: {floor['reference'] * 1e3:.1f} ms "
                f"({fastest / floor['reference']:,.0f}x the peer)"
            )


def qmc_precision(scenario: Scenario, seeds: int = 16) -> None:
    """How far the estimated mean costs move between seeds, random draws against Sobol' points."""

    def spread(draws: int, sampler: str) -> tuple[float, float]:
        estimates, start = [], time.perf_counter()
        for seed in range(seeds):
            result = run_psa(scenario, draws, seed=seed, sampler=sampler)
            estimates.append([result.summary[o][p]["mean"] for o in result.options for p in ("patient", "insurer")])
        sds = np.array(estimates).std(axis=0, ddof=1)
        return float(np.sqrt((sds**2).mean())), (time.perf_counter() - start) / seeds

    print(
        f"quasi-Monte Carlo: spread over {seeds} seeds of the options' mean patient and plan costs "
        "(root mean square of their standard deviations)"
    )
    for sampler, counts in (("auto", (1_024, 8_192, 65_536)), ("sobol", (1_024, 8_192))):
        for draws in counts:
            sd, seconds = spread(draws, sampler)
            name = "Sobol'" if sampler == "sobol" else "random"
            print(f"  {name:<6} {draws:>7,} draws: ${sd:.3f} ({seconds * 1e3:.0f} ms a run)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 1M-draw, peer and app runs")
    args = parser.parse_args()
    scenario = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    print(f"python {platform.python_version()}, {os.cpu_count()} cores; scenario commercial-ppo, 4 options")
    print(f"deterministic compare: {best_of(lambda: compare(scenario), 20) * 1e3:8.2f} ms")
    psa_against_reference(scenario, 300_000, 2 if args.quick else 5)
    for draws in (10_000, 100_000):
        seconds = best_of(lambda d=draws: run_psa(scenario, d, seed=1), 5)  # type: ignore[misc]
        print(f"PSA {draws:>9,} draws: {seconds * 1e3:9.1f} ms")
    if not args.quick:
        memory_at(1_000_000)
    long_chain = chained(scenario, 200)
    memory = peak_mb(lambda: run_psa(long_chain, 10_000, seed=1))
    print(f"PSA 10,000 draws of 200 chained pathways (4 options): numpy peak traced {memory:.0f} MB")
    qmc_precision(scenario)
    result = one_way(scenario)
    seconds = best_of(lambda: one_way(scenario), 20)
    print(f"one-way sensitivity ({len(result.rows)} uncertain numbers): {seconds * 1e3:.2f} ms")
    seconds = best_of(
        lambda: break_even(scenario, "price/self_pay/20561", "dry_needling", "physical_therapy", low=0, high=300), 20
    )
    print(f"break-even (grid of 401 + Brent): {seconds * 1e3:.2f} ms")
    if not args.quick:
        peers(10_000, 5)
        try:
            print(f"app: AppTest rerun of My costs after a widget change: median {app_rerun_ms():.0f} ms")
        except Exception as exc:  # the app is restructured elsewhere; the engine figures stand
            print(f"app: rerun not measured ({type(exc).__name__}: {exc})")


def app_rerun_ms() -> float:
    """Median AppTest rerun of the default page (My costs) after a deductible change."""
    import logging
    import statistics

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    times = []
    for value in (1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0):
        start = time.perf_counter()
        app.number_input(key="my_costs_deductible").set_value(value).run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


if __name__ == "__main__":
    main()
