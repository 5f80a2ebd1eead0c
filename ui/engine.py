"""Engine calls and shipped data, cached (``st.cache_data``) on cheap keys.

A scenario is keyed by its input hash (:func:`key_of`), not by the object: Streamlit would hash
a whole frozen scenario, price table included, on every call, which was a third to two thirds of
a rerun's CPU (``bench/rerun.py``). The hash of this rerun's scenario is known already
(:func:`remember`, called by :func:`ui.state.begin_rerun`); any other scenario is hashed once and
remembered by identity. The scenario itself is passed as an unhashed ``_scenario`` argument.

Shipped scenarios are cached on the data folder's modification times, so an edited data file is
picked up on the next rerun; the folder is walked once per rerun (:func:`shipped_presets`).

:data:`COMPUTED` counts the engine runs of each cached call (cache misses), so tests can check
that a control reran only its own analysis.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import PurePath

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from calculator import uncertainty
from calculator.budget import BudgetResult, budget_impact
from calculator.costing import Comparison, Parameter, compare, parameters
from calculator.inputs import DEFAULT_PRESET
from calculator.io import DATA_DIR, load_scenario
from calculator.models import BudgetInputs, Scenario
from calculator.regions import costs_by_region
from calculator.review import Review, review_changes
from calculator.serialize import input_hash

DataVersion = tuple[tuple[str, int], ...]

COMPUTED: Counter[str] = Counter()  # engine runs per cached call (cache misses), for tests
_KEYS: OrderedDict[int, tuple[Scenario, str]] = OrderedDict()  # id → (the scenario, kept alive; its key)
_KEYS_MAX = 64
_KEYS_LOCK = threading.Lock()  # sessions run in threads of one process
DATA_CHECK_SECONDS = 1.0
_data_checked: tuple[float, DataVersion] = (0.0, ())


def remember(scenario: Scenario, hash_: str) -> str:
    """Record the input hash of ``scenario`` (already computed) so :func:`key_of` need not;
    returns the scenario's key."""
    key = f"{hash_}:{scenario.name}"
    with _KEYS_LOCK:
        _KEYS[id(scenario)] = (scenario, key)
        _KEYS.move_to_end(id(scenario))
        while len(_KEYS) > _KEYS_MAX:
            _KEYS.popitem(last=False)
    return key


def key_of(scenario: Scenario) -> str:
    """The cache key of a scenario: its input hash (everything that affects the numbers) and its
    name; computed once per scenario object (an object is kept alive while remembered, so its
    id is not reused)."""
    with _KEYS_LOCK:
        hit = _KEYS.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    return remember(scenario, input_hash(scenario))


def data_version() -> DataVersion:
    """The shipped data files with their modification times: the cache key of shipped data.

    The folder is walked at most once every :data:`DATA_CHECK_SECONDS` per process (a walk is
    about 40 ``stat`` calls, a few milliseconds of every rerun otherwise), so an edited data file
    is picked up within that time."""
    global _data_checked
    now = time.monotonic()
    with _KEYS_LOCK:
        checked, version = _data_checked
        if version and now - checked < DATA_CHECK_SECONDS:
            return version
    version = tuple(
        (str(path.relative_to(DATA_DIR)), path.stat().st_mtime_ns)
        for path in sorted(DATA_DIR.rglob("*"))
        if path.is_file()
    )
    with _KEYS_LOCK:
        _data_checked = (now, version)
    return version


# Shared, not copied: scenarios are frozen, and unpickling four of them was ~15 ms of every rerun.
@st.cache_resource(max_entries=4, show_spinner=False)
def _presets(version: DataVersion) -> dict[str, Scenario]:
    shipped = [PurePath(path) for path, _ in version]
    names = [p.stem for p in shipped if p.parent == PurePath("scenarios") and p.suffix == ".json"]
    ordered = sorted(names, key=lambda n: (n != DEFAULT_PRESET, n))
    return {name: load_scenario(DATA_DIR / "scenarios" / f"{name}.json") for name in ordered}


def shipped_presets() -> Mapping[str, Scenario]:
    """Every shipped scenario by name, the default first (one walk of the data folder)."""
    return _presets(data_version())


def preset_label(presets: Mapping[str, Scenario], name: str) -> str:
    preset = presets.get(name)
    return (preset.label or name) if preset is not None else name


def run_compare(scenario: Scenario) -> Comparison:
    return _compare(key_of(scenario), scenario)


# Shared, not copied (a frozen Comparison holds its scenario: a copy unpickled the price table).
@st.cache_resource(max_entries=64, show_spinner=False)
def _compare(key: str, _scenario: Scenario) -> Comparison:
    COMPUTED["compare"] += 1
    return compare(_scenario)


def run_parameters(scenario: Scenario) -> list[Parameter]:
    return _parameters(key_of(scenario), scenario)


@st.cache_data(max_entries=16, show_spinner=False)
def _parameters(key: str, _scenario: Scenario) -> list[Parameter]:
    COMPUTED["parameters"] += 1
    return parameters(_scenario)


def run_one_way(scenario: Scenario) -> uncertainty.OneWay:
    return _one_way(key_of(scenario), scenario)


@st.cache_data(max_entries=8, show_spinner="Running the one-way sensitivity analysis…")
def _one_way(key: str, _scenario: Scenario) -> uncertainty.OneWay:
    COMPUTED["one_way"] += 1
    return uncertainty.one_way(_scenario)


def run_psa(scenario: Scenario, draws: int, seed: int | None, sampling: str = "random") -> uncertainty.PsaResult:
    """``sampling`` is "random" (numpy's generator) or "sobol" (scrambled Sobol' points)."""
    return _psa(key_of(scenario), scenario, draws, seed, sampling)


@st.cache_data(max_entries=4, show_spinner="Drawing the probabilistic analysis…")
def _psa(key: str, _scenario: Scenario, draws: int, seed: int | None, sampling: str) -> uncertainty.PsaResult:
    COMPUTED["psa"] += 1
    return uncertainty.run_psa(_scenario, draws, seed, sampler="sobol" if sampling == "sobol" else "auto")


def run_break_even(
    scenario: Scenario, parameter_id: str, option_a: str, option_b: str, perspective: str
) -> uncertainty.BreakEven:
    return _break_even(key_of(scenario), scenario, parameter_id, option_a, option_b, perspective)


@st.cache_data(max_entries=32, show_spinner=False)
def _break_even(
    key: str, _scenario: Scenario, parameter_id: str, option_a: str, option_b: str, perspective: str
) -> uncertainty.BreakEven:
    COMPUTED["break_even"] += 1
    return uncertainty.break_even(_scenario, parameter_id, option_a, option_b, perspective)


def run_budget(scenario: Scenario, inputs: BudgetInputs) -> BudgetResult:
    return _budget(key_of(scenario), scenario, inputs)


@st.cache_data(max_entries=16, show_spinner=False)
def _budget(key: str, _scenario: Scenario, inputs: BudgetInputs) -> BudgetResult:
    COMPUTED["budget"] += 1
    return budget_impact(_scenario, inputs)


def run_review(reference: Scenario, scenario: Scenario) -> Review:
    return _review(key_of(reference), key_of(scenario), reference, scenario)


@st.cache_data(max_entries=8, show_spinner=False)
def _review(reference_key: str, key: str, _reference: Scenario, _scenario: Scenario) -> Review:
    COMPUTED["review"] += 1
    return review_changes(_reference, _scenario)


def run_costs_by_region(scenario: Scenario) -> pd.DataFrame:
    """Every option's costs in the national table and each of the 109 localities (the map's data)."""
    return _costs_by_region(key_of(scenario), scenario)


@st.cache_data(max_entries=8, show_spinner=False)
def _costs_by_region(key: str, _scenario: Scenario) -> pd.DataFrame:
    COMPUTED["costs_by_region"] += 1
    return costs_by_region(_scenario)


def figure(key: tuple[Hashable, ...], build: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``build()`` makes, built once per ``key`` and shared (not copied).

    Building a plotly figure (its validation above all) was the largest part of a rerun after
    the hashing; a rerun that changes nothing a chart shows should not rebuild it. ``key`` must
    name everything the figure shows: the scenario's :func:`key_of`, the chart, its options and
    the language of its text. ``st.plotly_chart`` only reads the figure, so sharing it is safe.
    """
    return _figure(key, build)


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: tuple[Hashable, ...], _build: Callable[[], go.Figure]) -> go.Figure:
    COMPUTED["figure"] += 1
    return _build()
