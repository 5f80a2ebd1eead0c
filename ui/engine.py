"""Engine calls and shipped data, cached (``st.cache_data``) on their frozen inputs.

Shipped scenarios are cached on the data folder's modification times, so an edited data file is
picked up on the next rerun; the folder is walked once per rerun (:func:`shipped_presets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

import streamlit as st

from calculator import uncertainty
from calculator.budget import BudgetResult, budget_impact
from calculator.costing import Comparison, Parameter, compare, parameters
from calculator.inputs import DEFAULT_PRESET
from calculator.io import DATA_DIR, load_scenario
from calculator.models import BudgetInputs, Scenario
from calculator.review import Review, review_changes

DataVersion = tuple[tuple[str, int], ...]


def data_version() -> DataVersion:
    """The shipped data files with their modification times: the cache key of shipped data."""
    return tuple(
        (str(path.relative_to(DATA_DIR)), path.stat().st_mtime_ns)
        for path in sorted(DATA_DIR.rglob("*"))
        if path.is_file()
    )


@st.cache_data(max_entries=4, show_spinner=False)
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


@st.cache_data(max_entries=64, show_spinner=False)
def run_compare(scenario: Scenario) -> Comparison:
    return compare(scenario)


@st.cache_data(max_entries=16, show_spinner=False)
def run_parameters(scenario: Scenario) -> list[Parameter]:
    return parameters(scenario)


@st.cache_data(max_entries=8, show_spinner="Running the one-way sensitivity analysis…")
def run_one_way(scenario: Scenario) -> uncertainty.OneWay:
    return uncertainty.one_way(scenario)


@st.cache_data(max_entries=4, show_spinner="Drawing the probabilistic analysis…")
def run_psa(scenario: Scenario, draws: int, seed: int | None) -> uncertainty.PsaResult:
    return uncertainty.run_psa(scenario, draws, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def run_break_even(
    scenario: Scenario, parameter_id: str, option_a: str, option_b: str, perspective: str
) -> uncertainty.BreakEven:
    return uncertainty.break_even(scenario, parameter_id, option_a, option_b, perspective)


@st.cache_data(max_entries=16, show_spinner=False)
def run_budget(scenario: Scenario, inputs: BudgetInputs) -> BudgetResult:
    return budget_impact(scenario, inputs)


@st.cache_data(max_entries=8, show_spinner=False)
def run_review(reference: Scenario, scenario: Scenario) -> Review:
    return review_changes(reference, scenario)
