"""Speed and memory of the engine on the default scenario (run by `make bench`).

Targets (issue 3): 10k PSA draws of the four default options with cost sharing well under
100 ms; 1M draws within about 1 GB; the one-way analysis under 250 ms. Timings are the best of
several runs; memory is the peak traced by tracemalloc (numpy reports its buffers to it).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.costing import compare  # noqa: E402
from calculator.io import DATA_DIR, load_scenario  # noqa: E402
from calculator.uncertainty import break_even, one_way, run_psa  # noqa: E402


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 1M-draw run")
    args = parser.parse_args()
    scenario = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    options = len(scenario.compare)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores; scenario commercial-ppo, {options} options")
    print(f"deterministic compare: {best_of(lambda: compare(scenario), 20) * 1e3:8.2f} ms")
    sizes = [10_000, 100_000] + ([] if args.quick else [1_000_000])
    for draws in sizes:
        repeat = 7 if draws <= 10_000 else 3 if draws <= 100_000 else 1
        seconds = best_of(lambda d=draws: run_psa(scenario, d, seed=1), repeat)
        memory = peak_mb(lambda d=draws: run_psa(scenario, d, seed=1))
        print(f"PSA {draws:>9,} draws: {seconds * 1e3:9.1f} ms   peak {memory:8.1f} MB")
    result = one_way(scenario)
    seconds = best_of(lambda: one_way(scenario), 20)
    print(f"one-way sensitivity ({len(result.rows)} uncertain numbers): {seconds * 1e3:.2f} ms")
    seconds = best_of(
        lambda: break_even(scenario, "price/self_pay/20561", "dry_needling", "physical_therapy", low=0, high=300), 20
    )
    print(f"break-even (grid of 401 + Brent): {seconds * 1e3:.2f} ms")
    print(f"app: AppTest rerun of My costs after a widget change: median {app_rerun_ms():.0f} ms")


def app_rerun_ms() -> float:
    """Median AppTest rerun of the default page (My costs) after a deductible change."""
    import logging
    import statistics

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    app.run()
    times = []
    for value in (1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0):
        start = time.perf_counter()
        app.number_input(key="my_costs_deductible").set_value(value).run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


if __name__ == "__main__":
    main()
