"""What the analysis views show, computed from the engine's results (pure: no Streamlit).

The Assumptions page draws these frames and values; it computes nothing itself. Each function
takes a result of :mod:`calculator.uncertainty` or :mod:`calculator.budget` (or a scenario) and
returns a tidy :class:`pandas.DataFrame` keyed by option id; labels and formatting are left to
the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .budget import BudgetResult
from .costing import Comparison, Parameter, evaluate
from .errors import InputError
from .models import BudgetInputs, Scenario
from .uncertainty import PsaResult

__all__ = [
    "Incremental",
    "acceptability_frame",
    "break_even_grid",
    "break_even_costs",
    "budget_frame",
    "closest_options",
    "default_budget_inputs",
    "default_break_even_parameter",
    "incremental",
    "mix_from_percent",
    "psa_statistics",
]

#: Percentiles of the PSA box plot: the 95% interval, the quartiles and the median.
PSA_PERCENTILES = {"p2_5": 2.5, "q1": 25.0, "median": 50.0, "q3": 75.0, "p97_5": 97.5}
#: Tolerance of a mix that must add up to 100% (percentage points).
MIX_TOLERANCE = 0.05


def psa_statistics(psa: PsaResult, perspective: str) -> pd.DataFrame:
    """Each option's expected cost across the PSA draws: mean and box-plot percentiles.

    Parameters
    ----------
    psa : PsaResult
        From :func:`calculator.uncertainty.run_psa`.
    perspective : str
        ``"patient"``, ``"insurer"``, ``"allowed"`` or ``"societal"``.

    Returns
    -------
    pandas.DataFrame
        One row per option (``option``, ``mean``, ``p2_5``, ``q1``, ``median``, ``q3``,
        ``p97_5``), in ``psa.options`` order; money in the scenario's currency.

    Examples
    --------
    Draws 1, 2, 3, 4 and 5 have mean 3 and median 3; the 2.5th percentile interpolates
    between the first two draws: 1 + 0.1 × (2 − 1) = 1.1.
    """
    samples = psa.samples[perspective]
    rows = []
    for j, option in enumerate(psa.options):
        column = samples[:, j]
        percentiles = np.percentile(column, list(PSA_PERCENTILES.values()))
        rows.append(
            {"option": option, "mean": float(column.mean())}
            | {name: float(v) for name, v in zip(PSA_PERCENTILES, percentiles, strict=True)}
        )
    return pd.DataFrame(rows, columns=["option", "mean", *PSA_PERCENTILES])


@dataclass(frozen=True)
class Incremental:
    """Each option against a reference: the draws of its extra QALYs and extra cost, and
    their summary at one willingness to pay."""

    reference: str
    wtp: float
    points: Mapping[str, tuple[np.ndarray, np.ndarray]]  # option → (Δ QALY, Δ cost), each (draws,)
    frame: pd.DataFrame  # option, mean_delta_qaly, mean_delta_cost, p_cost_effective


def incremental(psa: PsaResult, perspective: str, reference: str, wtp: float) -> Incremental:
    """Incremental cost-effectiveness of every option against ``reference``.

    An option is cost-effective in a draw when its net monetary benefit over the reference is
    positive: ``wtp × ΔQALY − Δcost > 0``.

    Parameters
    ----------
    psa : PsaResult
        With QALY draws (``psa.qaly`` not None).
    perspective : str
        Whose cost.
    reference : str
        The option compared with (one of ``psa.options``).
    wtp : float
        Willingness to pay per QALY, in the scenario's currency.

    Returns
    -------
    Incremental

    Raises
    ------
    InputError
        When the PSA has no QALYs or ``reference`` is not one of its options.
    """
    if psa.qaly is None:
        raise InputError("cost-effectiveness", "qaly", "QALY gains in the pathway data", "none")
    if reference not in psa.options:
        raise InputError("cost-effectiveness", "reference", f"one of {', '.join(psa.options)}", reference)
    samples = psa.samples[perspective]
    r = psa.options.index(reference)
    points = {
        option: (psa.qaly[:, j] - psa.qaly[:, r], samples[:, j] - samples[:, r])
        for j, option in enumerate(psa.options)
        if option != reference
    }
    frame = pd.DataFrame(
        [
            {
                "option": option,
                "mean_delta_qaly": float(np.mean(dq)),
                "mean_delta_cost": float(np.mean(dc)),
                "p_cost_effective": float(np.mean(wtp * dq - dc > 0)),
            }
            for option, (dq, dc) in points.items()
        ],
        columns=["option", "mean_delta_qaly", "mean_delta_cost", "p_cost_effective"],
    )
    return Incremental(reference, float(wtp), points, frame)


def acceptability_frame(psa: PsaResult, perspective: str) -> pd.DataFrame:
    """The acceptability curve as a table: ``wtp`` and one column per option id holding the
    probability that it has the highest net monetary benefit at that willingness to pay."""
    curves = psa.ceac(perspective=perspective)
    return pd.DataFrame({"wtp": list(psa.wtp), **{option: values for option, values in curves.items()}})


# --------------------------------------------------------------------------------------------
# Break-even


def default_break_even_parameter(params: Sequence[Parameter], first_option: str) -> Parameter | None:
    """The number a break-even varies first: the first visit count with a range of the first
    compared option (the count a clinic asks about), else the first number with a range."""
    ranged = [p for p in params if p.param.low is not None and p.param.high is not None]
    prefix = f"pathway/{first_option}/"
    return next((p for p in ranged if p.id.startswith(prefix) and p.unit == "count"), ranged[0] if ranged else None)


def closest_options(comparison: Comparison, option: str, perspective: str) -> list[str]:
    """The other compared options, the one whose expected cost is closest to ``option``'s first
    (the likeliest to cross it within a range)."""
    cost = {o.id: getattr(o.expected, perspective) for o in comparison}
    return sorted((o for o in cost if o != option), key=lambda o: abs(cost[o] - cost[option]))


def break_even_grid(target: Parameter, points: int = 61) -> np.ndarray:
    """The values of ``target`` a break-even chart draws: every whole number of its range for
    a count, else ``points`` evenly spaced values from low to high.

    >>> from calculator.models import Param
    >>> break_even_grid(Parameter("n", "n", Param(5.0, "gamma", 2.5, 6.2), "pathway", whole=True)).tolist()
    [3.0, 4.0, 5.0, 6.0]
    """
    low, high = target.param.low, target.param.high
    if low is None or high is None:
        raise InputError("break-even", target.id, "a number with a low and a high", "no range")
    grid = np.arange(np.ceil(low), np.floor(high) + 1) if target.whole else np.linspace(low, high, points)
    return grid if len(grid) else np.array([low])


def break_even_costs(
    scenario: Scenario, target: Parameter, options: Sequence[str], perspective: str, points: int = 61
) -> pd.DataFrame:
    """The expected cost of each of ``options`` as ``target`` moves over its range.

    Returns
    -------
    pandas.DataFrame
        ``value`` (the grid of :func:`break_even_grid`) and one column per option id.
    """
    grid = break_even_grid(target, points)
    results = evaluate(scenario, {target.id: grid})
    costs = {
        option: np.broadcast_to(np.asarray(results[option]["expected"][perspective], dtype=float), grid.shape)
        for option in options
    }
    return pd.DataFrame({"value": grid, **costs})


# --------------------------------------------------------------------------------------------
# Budget impact


def default_budget_inputs(scenario: Scenario, comparison: Comparison) -> BudgetInputs:
    """The budget inputs a form starts from: the scenario's own, else illustrative ones.

    Illustrative: 10,000 members, 50 episodes per 1,000 a year over 3 years, an even mix now;
    the proposal moves a tenth of the episodes (at most the whole share) from the option that
    costs the plan most to the one that costs it least. E.g. four options: 0.25 each now;
    proposed 0.15 for the dearest and 0.35 for the cheapest.
    """
    if scenario.budget is not None:
        return scenario.budget
    ids = list(scenario.compare)
    current = dict.fromkeys(ids, round(1 / len(ids), 3))
    proposed = dict(current)
    if len(ids) > 1:
        by_cost = sorted(ids, key=lambda o: comparison.option(o).expected.insurer)
        shift = min(0.1, current[by_cost[-1]])
        proposed[by_cost[-1]] -= shift
        proposed[by_cost[0]] += shift
    return BudgetInputs(10_000, 50.0, tuple(current.items()), tuple(proposed.items()), years=3, growth=0.0)


def mix_from_percent(percent: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """A mix entered in percent as shares. A total within 0.05 points of 100 is rescaled to
    exactly 1 (rounded entries such as 33.3 × 3); any other total is passed on unscaled, so the
    engine reports it.

    >>> mix_from_percent({"a": 33.3, "b": 33.3, "c": 33.35})  # 99.95: within tolerance, rescaled
    (('a', 0.333166...), ('b', 0.333166...), ('c', 0.333666...))
    >>> mix_from_percent({"a": 50.0, "b": 40.0})
    (('a', 0.5), ('b', 0.4))
    """
    total = sum(percent.values())
    if abs(total - 100) > MIX_TOLERANCE + 1e-9:
        return tuple((o, v / 100) for o, v in percent.items())
    return tuple((o, v / total) for o, v in percent.items())


def budget_frame(budget: BudgetResult) -> pd.DataFrame:
    """The budget impact year by year: members, episodes, the plan's spending with each mix,
    the difference and its per-member-per-month value, and the members' out-of-pocket totals."""
    return pd.DataFrame(
        [
            {
                "year": y.year,
                "members": y.members,
                "episodes": y.episodes,
                "current": y.plan_current,
                "proposed": y.plan_proposed,
                "difference": y.plan_difference,
                "pmpm_difference": y.plan_pmpm_difference,
                "members_current": y.members_current,
                "members_proposed": y.members_proposed,
            }
            for y in budget.years
        ]
    )
