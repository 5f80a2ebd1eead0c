"""CPU cost of one rerun of each page after a widget change (run by `make bench-rerun`).

Issue 12 (item 5): one app process serves every session, so the CPU of a rerun bounds how many
people one core can serve. Each page is driven through Streamlit's AppTest (the real ``app.py``,
no browser): the page is opened once, then one of its widgets is flipped between two values and
the CPU time (``time.process_time``: the script runs in this process) of ``at.run()`` is taken.
The figure is the median over ``--repeat`` reruns; ``--profile PAGE`` prints a cProfile of one.

Targets: My costs and Compare well under 100 ms, Assumptions under 200 ms.

Measured on the 2-core development machine (shared with other jobs, so +-10 ms), median ms:

    case                            before   after   (before: main at d8ec4b3)
    My costs (deductible)             52       36
    Compare (cost shown)             119       96    ~50 with its four figures via ui.engine.figure
    Compare (options)                109      101    ~49 likewise
    Assumptions (search)             136       39
    Assumptions (tornado option)     132       37

Where the time went before (cProfile of one rerun): ``st.cache_data`` hashing the whole
Scenario (price table included) on every engine call, a third of My costs and two thirds of
Assumptions; unpickling cached presets and comparisons; building plotly figures (validation),
8-25 ms each. After: engine calls key on the input hash, presets and comparisons are shared,
the analyses' figures are built once per result and control; Compare's time is its four figures.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit import logger as st_logger  # noqa: E402
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = ROOT / "app.py"


def _share_script_cache() -> None:
    """Compile each script once, as the server does: AppTest makes a new ScriptCache on every
    run, so every rerun would also pay 20-40 ms of compiling and AST "magic" the server does not."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


# page name → (page file, a widget change: called with the AppTest and the rerun's number)
Change = Callable[[AppTest, int], None]


def _deductible(at: AppTest, i: int) -> None:
    at.number_input(key="my_costs_deductible").set_value(1500.0 + 100 * (i % 2))


def _compare_view(at: AppTest, i: int) -> None:
    at.segmented_control(key="compare_cost_view").set_value(("patient", "insurer")[i % 2])


def _compare_options(at: AppTest, i: int) -> None:
    widget = at.multiselect(key="compare_options")
    options = list(widget.value)
    widget.set_value(options[:-1] if i % 2 == 0 else [*options, "fusion"])


def _search(at: AppTest, i: int) -> None:
    at.text_input(key="assumptions_search").set_value(("needling", "")[i % 2])


def _tornado_option(at: AppTest, i: int) -> None:
    widget = at.selectbox(key="assumptions_tornado_option")
    widget.set_value(widget.options[i % 2])  # a label: AppTest maps it back to the option


CASES: dict[str, tuple[str, Change]] = {
    "My costs (deductible)": ("app_pages/my_costs.py", _deductible),
    "Compare (cost shown)": ("app_pages/compare.py", _compare_view),
    "Compare (options)": ("app_pages/compare.py", _compare_options),
    "Assumptions (search)": ("app_pages/assumptions.py", _search),
    "Assumptions (tornado option)": ("app_pages/assumptions.py", _tornado_option),
}


def open_page(page: str) -> AppTest:
    # Widget values set from this thread warn "missing ScriptRunContext" (harmless) on every set.
    st_logger.set_log_level("error")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    return at


def rerun_ms(name: str, repeat: int) -> list[float]:
    page, change = CASES[name]
    at = open_page(page)
    for i in range(2):  # warm the caches with both values
        change(at, i)
        at.run()
    times = []
    for i in range(repeat):
        change(at, i)
        start = time.process_time()
        at.run()
        times.append((time.process_time() - start) * 1e3)
        if at.exception:
            raise SystemExit(f"{name}: {at.exception[0].value}")
    return times


def profile(name: str, lines: int, sort: str) -> None:
    page, change = CASES[name]
    at = open_page(page)
    for i in range(2):
        change(at, i)
        at.run()
    change(at, 0)
    # The script runs in AppTest's script thread: profile that thread's run only.
    profiler = cProfile.Profile()
    original = ScriptRunner._run_script

    def profiled(self: ScriptRunner, *args: Any, **kwargs: Any) -> None:
        profiler.enable()
        try:
            original(self, *args, **kwargs)
        finally:
            profiler.disable()

    ScriptRunner._run_script = profiled  # type: ignore[method-assign]
    try:
        at.run()
    finally:
        ScriptRunner._run_script = original  # type: ignore[method-assign]
    pstats.Stats(profiler).sort_stats(sort).print_stats(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", choices=list(CASES), help="print a cProfile of one rerun of this case")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    parser.add_argument(
        "--compile-each-run", action="store_true", help="keep AppTest's own behaviour (recompile every rerun)"
    )
    args = parser.parse_args()
    if not args.compile_each_run:
        _share_script_cache()
    if args.profile:
        profile(args.profile, args.lines, args.sort)
        return
    print(f"CPU per rerun after a widget change, median of {args.repeat} (min–max), ms")
    for name in CASES:
        times = rerun_ms(name, args.repeat)
        print(f"{name:<30} {statistics.median(times):7.1f}   ({min(times):.1f}–{max(times):.1f})")


if __name__ == "__main__":
    main()
