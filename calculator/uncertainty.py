"""Uncertainty and decision analysis (SPEC §4.6): PSA, one-way sensitivity, break-even.

All three reuse :func:`calculator.costing.evaluate`, which takes every parameter either at its
base value or as an array of values. A probabilistic analysis is one array per uncertain number
that can change a cost (one entry per draw, processed in chunks sized to a memory budget; large
runs sample by inverse-CDF tables, and the out-of-pocket percentiles avoid a full sort); a
one-way analysis is one array of length 2P with each number at its low and its high in turn;
a break-even search is a grid. None of them loops over draws in Python.

It is long because the probabilistic, one-way and break-even analyses share the sampling and
the vectorised evaluation; splitting it into three modules is a clean next step once no branch
is editing it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from scipy.optimize import brentq
from scipy.stats import qmc

from .costing import Parameter, _reachable, evaluate, parameters
from .errors import AnalysisError, InputError
from .finite import check_finite
from .formatting import format_money, format_percent, format_value
from .io import MAX_DRAWS
from .models import Param, Scenario

__all__ = [
    "PERSPECTIVES",
    "BreakEven",
    "OneWay",
    "PsaResult",
    "break_even",
    "distribution_parameters",
    "icers",
    "one_way",
    "run_psa",
    "sample",
    "sample_from_table",
    "quantile",
]

PERSPECTIVES = ("patient", "insurer", "allowed", "societal")
PERSPECTIVE_WORDS = {
    "patient": "for you",
    "insurer": "for the plan",
    "allowed": "in total billed cost",
    "societal": "overall (care, time, travel and adverse events)",
}
CHUNK = 50_000
# Memory budget (bytes): the (draws × options) results, the out-of-pocket mixture kept for exact
# percentiles, and one chunk's evaluation. Together with numpy's temporaries, under about 1 GB.
OUTPUT_BUDGET = 400_000_000
MIXTURE_BUDGET = 250_000_000
EVALUATION_BUDGET = 150_000_000
TABLE_POINTS = 1025
TABLE_MIN_DRAWS = 50_000
SOBOL_MAX_DIMENSIONS = 21_201  # scipy's Sobol' direction numbers
SAMPLERS = ("auto", "direct", "table", "sobol")
OOP_PERCENTILES = (5, 25, 50, 75, 95)
DEFAULT_WTP = tuple(float(x) for x in np.linspace(0, 150_000, 31))


# --------------------------------------------------------------------------------------------
# Distributions fitted by the method of moments


def distribution_parameters(param: Param) -> tuple[str, tuple[float, ...]]:
    """The numpy distribution and its parameters for an uncertain number.

    ``value`` is the mean and ``(high − low) / 3.92`` the standard error (SPEC §4.6).

    >>> distribution_parameters(Param(0.5, "beta", 0.4, 0.6))
    ('beta', (47.5..., 47.5...))
    >>> distribution_parameters(Param(100.0, "gamma", 80.0, 120.0))
    ('gamma', (96.04..., 1.04...))
    """
    mean = param.value
    sd = ((param.high or 0.0) - (param.low or 0.0)) / 3.92
    if param.dist == "fixed" or sd <= 0:
        return "fixed", (mean,)
    if param.dist == "uniform":
        return "uniform", (float(param.low), float(param.high))  # type: ignore[arg-type]
    if param.dist == "beta":
        common = mean * (1 - mean) / (sd * sd) - 1
        return "beta", (mean * common, (1 - mean) * common)
    if param.dist == "gamma":
        return "gamma", (mean * mean / (sd * sd), sd * sd / mean)
    if param.dist == "lognormal":
        sigma2 = math.log1p((sd / mean) ** 2)
        return "lognormal", (math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
    raise AnalysisError(f"unknown distribution {param.dist!r}")


def sample(param: Param, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of one uncertain number."""
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


def _uncertain(scenario: Scenario) -> list[Parameter]:
    return [p for p in parameters(scenario) if p.param.uncertain]


def _check_draws(draws: int) -> None:
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        raise InputError("psa", "draws", f"a whole number from 1 to {MAX_DRAWS:,}", draws)


# --------------------------------------------------------------------------------------------
# Fast sampling: inverse-CDF tables for large runs


def _exact_quantile(name: str, args: tuple[float, ...], u: np.ndarray) -> np.ndarray:
    if name == "gamma":
        return np.asarray(special.gammaincinv(args[0], u) * args[1], dtype=float)
    if name == "beta":
        return np.asarray(special.betaincinv(args[0], args[1], u), dtype=float)
    return np.exp(args[0] + args[1] * special.ndtri(u))  # lognormal


@functools.lru_cache(maxsize=1024)
def _quantile_table(name: str, args: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Knots of the quantile function on an even grid of probabilities, and their steps."""
    knots = _exact_quantile(name, args, np.linspace(0.0, 1.0, TABLE_POINTS))
    knots[0], knots[-1] = knots[1], knots[-2]  # the end bins are always recomputed exactly
    return knots, np.diff(knots)


def _table_key(name: str, args: tuple[float, ...]) -> tuple[str, tuple[float, ...], float]:
    # A gamma's scale multiplies its standard quantiles, so every price with the same relative
    # spread shares one table; other parameters are rounded far below any Monte Carlo error.
    if name == "gamma":
        return name, (float(f"{args[0]:.12g}"), 1.0), args[1]
    return name, tuple(float(f"{a:.12g}") for a in args), 1.0


def sample_from_table(param: Param, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of one uncertain number by inverse-CDF sampling from a cached table.

    One float32 uniform per draw mapped through the quantile function, linearly interpolated
    between ``TABLE_POINTS`` exact knots; the lowest and highest bins (where the quantile
    function is steepest) are computed exactly. The interpolation error is far below Monte
    Carlo error at any allowed draw count, and each draw costs a quarter of numpy's gamma and a
    tenth of its beta sampler. Returns float64, because costs are summed from it.
    """
    name, args = distribution_parameters(param)
    if name == "fixed":
        return np.full(n, args[0])
    if name == "uniform":
        return args[0] + (args[1] - args[0]) * rng.random(n)
    table_name, table_args, scale = _table_key(name, args)
    knots, steps = _quantile_table(table_name, table_args)
    position = rng.random(n, dtype=np.float32)
    position *= np.float32(TABLE_POINTS - 1)
    index = position.astype(np.int32)
    position -= index
    values = knots[index] + position * steps[index]
    # index 0 and TABLE_POINTS - 2 are the end bins: one unsigned comparison finds both
    tails = np.flatnonzero((index - 1).view(np.uint32) >= TABLE_POINTS - 3)
    if len(tails):
        u = (index[tails] + position[tails].astype(float)) / (TABLE_POINTS - 1)
        values[tails] = _exact_quantile(table_name, table_args, u)
    if scale != 1.0:
        values *= scale
    return values


def quantile(param: Param, u: np.ndarray) -> np.ndarray:
    """The values of one uncertain number at probabilities ``u`` (its inverse CDF).

    Used by the quasi-Monte Carlo sampler, which supplies the probabilities.

    Parameters
    ----------
    param : Param
    u : ndarray, shape (n,)
        Probabilities in [0, 1); exact zeros (which a scrambled Sobol' point almost never is)
        are moved to the smallest positive double so no quantile is infinite.

    Returns
    -------
    ndarray, shape (n,)
        float64 values in the parameter's unit.

    Examples
    --------
    >>> quantile(Param(0.5, "uniform", 0.4, 0.6), np.array([0.0, 0.5]))
    array([0.4, 0.5])
    """
    name, args = distribution_parameters(param)
    if name == "fixed":
        return np.full(len(u), args[0])
    if name == "uniform":
        return args[0] + (args[1] - args[0]) * u
    # Exact, not the sampling tables: their interpolation (about 1e-5 of a mean) is larger than
    # the error Sobol' points reach.
    return _exact_quantile(name, args, np.maximum(u, np.finfo(float).tiny))


class _SobolDraws:
    """Scrambled Sobol' points, one dimension per varying number, handed out chunk by chunk.

    Seeded from the run's generator, so a seed gives the same points. The first call asks scipy
    for a power of two of points (the sequence's balance needs it) and keeps the first ``n``;
    every later chunk is a power of two by construction (:func:`run_psa`), and only the last
    chunk of a run can be shorter.
    """

    def __init__(self, dimensions: int, rng: np.random.Generator) -> None:
        if dimensions > SOBOL_MAX_DIMENSIONS:
            raise InputError(
                "psa", "sampling", f"at most {SOBOL_MAX_DIMENSIONS:,} uncertain numbers for Sobol' sampling", dimensions
            )
        self.engine = qmc.Sobol(max(1, dimensions), scramble=True, seed=rng)

    def take(self, n: int) -> np.ndarray:
        wanted = n if self.engine.num_generated else 1 << max(0, (n - 1).bit_length())
        return self.engine.random(wanted)[:n]


def _varying(scenario: Scenario) -> list[Parameter]:
    """The uncertain numbers that can change a cost or a QALY in the PSA.

    A pathway's duration only places visits on the calendar (which matters only with an
    ``episode_start``, where a plan year can end inside the episode), and a covered code's uncovered
    price is only ever billed for visits of a kind with a visit limit: sampling those would
    spend time (and random numbers) on numbers multiplied by zero.
    """
    plan = scenario.insurance
    billed_out: set[str] = set()
    if plan is not None:
        limited = {kind for kind, _ in plan.visit_limits}
        for pathway in _reachable(scenario):
            for visit in pathway.visits:
                if visit.kind in limited:
                    billed_out.update(item.code for item in visit.items)
        billed_out.update(plan.uncovered_codes)
    out = []
    for p in _uncertain(scenario):
        if p.group == "pathway" and p.id.endswith("/weeks") and scenario.episode_start is None:
            continue
        if plan is not None and p.id.startswith(f"price/{scenario.uncovered_schedule}/"):
            code = p.id.split("/", 2)[2]
            if code not in billed_out and scenario.uncovered_schedule != scenario.schedule:
                continue
        out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# Probabilistic sensitivity analysis


def _p_cheapest(costs: np.ndarray) -> np.ndarray:
    """Number of draws (rows) in which each option (column) is cheapest; ties are shared equally.

    Works column by column (a few passes over contiguous arrays) rather than along rows of
    four, which numpy reduces slowly.
    """
    columns = [costs[:, j] for j in range(costs.shape[1])]
    lowest = columns[0].copy()
    for column in columns[1:]:
        np.minimum(lowest, column, out=lowest)
    threshold = lowest + 1e-9 * np.maximum(1.0, np.abs(lowest))
    is_lowest = [column <= threshold for column in columns]
    tied = np.zeros(len(lowest), dtype=np.int8)
    for flags in is_lowest:
        tied += flags
    if (tied == 1).all():
        return np.array([float(np.count_nonzero(flags)) for flags in is_lowest])
    return np.array([float((flags / tied).sum()) for flags in is_lowest])


def _strided(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of about ``count`` evenly spread elements (chunks are laid out branch by branch)."""
    return np.arange(0, len(values), max(1, len(values) // max(count, 1)))


class _MixturePercentiles:
    """Weighted percentiles of the out-of-pocket mixture (draws × branches) without a full sort.

    When the values fit the memory budget they are kept, and each percentile is found exactly:
    a subsample's weighted quantiles bracket it, one pass over the values adds up the weight
    below the bracket and picks the values inside it (a few percent of them), and only those are
    sorted. If the bracket missed (rare), it is widened and the pass repeated, so the answer is
    always the one a full weighted sort would give.

    Otherwise the values are not kept: the first chunk sets bin edges at the weighted quantiles
    of a subsample (and a bin of its own for each value many draws share, such as a copay or a
    cap); every chunk adds its weights to the bins, and the percentile is interpolated inside its
    bin of about 1/4096 of the mass, or read exactly where the bin holds one value.
    """

    SUBSAMPLE = 16_384
    MARGIN = 0.02  # bracket half-width in probability; 5 standard errors of the subsample's quantile

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.edges: np.ndarray | None = None
        self.mass: np.ndarray | None = None
        self.values: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []
        self.total = 0.0
        self.weighted_sum = 0.0
        self.low = math.inf
        self.high = -math.inf

    def add(self, values: np.ndarray, weights: np.ndarray, oop_budget: float | None) -> float:
        """Add one chunk (flat arrays); returns the chunk's weight above ``oop_budget``."""
        self.total += float(weights.sum())
        # not np.dot: a BLAS call wakes its thread pool, which costs more than the sum on a busy machine
        self.weighted_sum += float(np.multiply(values, weights).sum())
        if self.keep:
            self.values.append(values)
            self.weights.append(weights)
        else:
            self._bin(values, weights)
        return 0.0 if oop_budget is None else float(weights[values > oop_budget].sum())

    def _bin(self, values: np.ndarray, weights: np.ndarray) -> None:
        if len(values):
            self.low = min(self.low, float(values.min()))
            self.high = max(self.high, float(values.max()))
        if self.edges is None:
            count = 4096
            pick = _strided(values, 16 * count)
            sub_values, sub_weights = values[pick], weights[pick]
            order = np.argsort(sub_values)
            cumulative = np.cumsum(sub_weights[order])
            picked = np.empty(0)
            if len(cumulative) and cumulative[-1] > 0:
                targets = np.linspace(0, cumulative[-1], count + 1)[1:-1]
                at = np.minimum(np.searchsorted(cumulative, targets), len(order) - 1)
                picked = np.unique(sub_values[order][at])
            self.edges = np.unique(np.concatenate([picked, np.nextafter(picked, np.inf)]))
            self.mass = np.zeros(len(self.edges) + 1)
        assert self.mass is not None
        bins = np.searchsorted(self.edges, values, side="right")
        self.mass += np.bincount(bins, weights, minlength=len(self.mass))

    def percentiles(self, percents: Sequence[float]) -> list[float]:
        return self._exact(percents) if self.keep else self._binned(percents)

    def _exact(self, percents: Sequence[float]) -> list[float]:
        total = self.total
        if sum(len(v) for v in self.values) <= 4 * self.SUBSAMPLE:
            # small: one sort costs less than a subsample and its brackets (ties share a value,
            # so the sort need not be stable)
            values, weights = np.concatenate(self.values), np.concatenate(self.weights)
            order = np.argsort(values)
            running = np.cumsum(weights[order])
            found = np.searchsorted(running, np.asarray(percents) / 100.0 * total - 1e-12 * total, side="left")
            return [float(values[order][min(int(i), len(values) - 1)]) for i in found]
        share = self.SUBSAMPLE // max(1, len(self.values))
        picks = [_strided(v, share) for v in self.values]
        sub_values = np.concatenate([v[i] for v, i in zip(self.values, picks, strict=True)])
        sub_weights = np.concatenate([w[i] for w, i in zip(self.weights, picks, strict=True)])
        order = np.argsort(sub_values)
        sorted_sub = sub_values[order]
        cumulative = np.cumsum(sub_weights[order])
        cumulative /= cumulative[-1] if cumulative[-1] > 0 else 1.0
        out = []
        for q in percents:
            target = q / 100.0 * total - 1e-12 * total
            p = q / 100.0
            margin = self.MARGIN
            while True:
                # the bracket [lo, hi] is closed, so a value many draws share (a copay, a cap)
                # makes a bracket of that one value rather than an empty one
                lo = -math.inf if p - margin <= 0 else float(sorted_sub[np.searchsorted(cumulative, p - margin)])
                hi_at = np.searchsorted(cumulative, p + margin, side="left")
                hi = math.inf if p + margin >= 1 or hi_at >= len(sorted_sub) else float(sorted_sub[hi_at])
                below = 0.0
                inside_values, inside_weights = [], []
                for values, weights in zip(self.values, self.weights, strict=True):
                    if lo > -math.inf:
                        below += float(weights[values < lo].sum())
                    inside = np.flatnonzero((values >= lo) & (values <= hi))
                    inside_values.append(values[inside])
                    inside_weights.append(weights[inside])
                bracket_values = np.concatenate(inside_values)
                bracket_weights = np.concatenate(inside_weights)
                missed = below >= target > 0 or below + float(bracket_weights.sum()) < target
                if not missed or (lo == -math.inf and hi == math.inf):
                    break
                margin *= 4  # the subsample misplaced the bracket (rare): widen it and look again
            if len(bracket_values) and bracket_values.min() == bracket_values.max():
                out.append(float(bracket_values[0]))
                continue
            order_in = np.argsort(bracket_values)
            running = below + np.cumsum(bracket_weights[order_in])
            at = min(int(np.searchsorted(running, target, side="left")), len(order_in) - 1)
            out.append(float(bracket_values[order_in][at]))
        return out

    def _binned(self, percents: Sequence[float]) -> list[float]:
        assert self.mass is not None and self.edges is not None
        cumulative = np.cumsum(self.mass)
        total = cumulative[-1]
        out = []
        for q in percents:
            target = q / 100.0 * total
            b = min(int(np.searchsorted(cumulative, target, side="left")), len(self.mass) - 1)
            before = cumulative[b - 1] if b > 0 else 0.0
            lower = self.edges[b - 1] if b > 0 else self.low
            upper = self.edges[b] if b < len(self.edges) else self.high
            if 0 < b < len(self.edges) and upper == np.nextafter(lower, np.inf):
                out.append(float(lower))  # a bin holding one value only
                continue
            share = (target - before) / self.mass[b] if self.mass[b] > 0 else 0.0
            out.append(float(lower + min(max(share, 0.0), 1.0) * (upper - lower)))
        return out


@dataclass(frozen=True)
class PsaResult:
    """Draws of every option's expected costs, and what follows from them."""

    draws: int
    seed: int | None
    options: tuple[str, ...]
    labels: tuple[str, ...]
    currency: str
    samples: Mapping[str, np.ndarray]  # perspective → (draws, options)
    qaly: np.ndarray | None  # (draws, options) or None when no pathway gives a QALY gain
    out_of_pocket: Mapping[str, Mapping[str, Any]]
    oop_budget: float | None = None
    reference: str | None = None
    wtp: tuple[float, ...] = DEFAULT_WTP
    summary: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)
    p_cheapest: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sampling: str = "random"  # or "sobol": scrambled Sobol' points (quasi-Monte Carlo)

    def ceac(self, wtp: Sequence[float] | None = None, perspective: str = "allowed") -> dict[str, np.ndarray]:
        """Probability each option has the highest net monetary benefit at each willingness to
        pay per QALY (cost-effectiveness acceptability curve)."""
        if self.qaly is None:
            raise AnalysisError("no pathway gives a QALY gain, so there is no acceptability curve")
        wtp_values = np.asarray(self.wtp if wtp is None else wtp, dtype=float)
        costs = self.samples[perspective]
        out = np.empty((len(wtp_values), len(self.options)))
        for i, lam in enumerate(wtp_values):  # a loop over thresholds, vectorised over draws
            out[i] = _p_cheapest(costs - lam * self.qaly) / self.draws
        return {option: out[:, j] for j, option in enumerate(self.options)}

    def net_monetary_benefit(self, wtp: float, perspective: str = "allowed") -> dict[str, float]:
        if self.qaly is None:
            raise AnalysisError("no pathway gives a QALY gain, so there is no net monetary benefit")
        nmb = (wtp * self.qaly - self.samples[perspective]).mean(axis=0)
        return dict(zip(self.options, map(float, nmb), strict=True))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed,
            "sampling": self.sampling,
            "options": {o: dict(self.summary[o]) for o in self.options},
            "p_cheapest": {k: dict(v) for k, v in self.p_cheapest.items()},
            "out_of_pocket": {o: dict(v) for o, v in self.out_of_pocket.items()},
        }
        if self.oop_budget is not None:
            out["oop_budget"] = self.oop_budget
        if self.qaly is not None:
            means = self.qaly.mean(axis=0)
            for j, option in enumerate(self.options):
                out["options"][option]["qaly_gain"] = _stats(self.qaly[:, j])
            curve = self.ceac()
            out["ceac"] = {
                "perspective": "allowed",
                "wtp": list(self.wtp),
                "probability": {o: [float(x) for x in v] for o, v in curve.items()},
            }
            mean_costs = dict(zip(self.options, self.samples["allowed"].mean(axis=0), strict=True))
            reference = self.reference or self.options[0]
            out["icer"] = {
                "reference": reference,
                "perspective": "allowed",
                "options": icers(mean_costs, dict(zip(self.options, means, strict=True)), reference),
            }
        return out

    def table(self) -> str:
        """Plain-text summary for the terminal."""
        lines = [f"Probabilistic analysis: {self.draws:,} draws, seed {self.seed} (mean and 95% interval)"]
        width = max(len(label) for label in self.labels)
        for option, label in zip(self.options, self.labels, strict=True):
            cells = []
            for perspective, name in (("patient", "you pay"), ("insurer", "plan pays"), ("societal", "societal")):
                s = self.summary[option][perspective]
                cells.append(
                    f"{name} {format_money(s['mean'], self.currency)} "
                    f"({format_money(s['p2_5'], self.currency)}–{format_money(s['p97_5'], self.currency)})"
                )
            cheapest = format_percent(self.p_cheapest["patient"][option])
            lines.append(f"  {label.ljust(width)}  " + "; ".join(cells) + f"; cheapest for you in {cheapest}")
        return "\n".join(lines)


def _stats(values: np.ndarray) -> dict[str, float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return {"mean": float(values.mean()), "p2_5": float(low), "p97_5": float(high)}


def _chunk_rows(scenario: Scenario, varying: int, chunk: int) -> int:
    """Draws per chunk so one chunk's evaluation stays within ``EVALUATION_BUDGET`` bytes."""
    per_draw = varying
    for option in scenario.compare:
        chain = scenario.pathways.chain(option)
        # Each step keeps its branch's cumulative costs, plus a few arrays per visit group and
        # adverse event (measured: 195 arrays for the default four options, estimated 243).
        per_draw += sum(10 + 3 * len(p.visits) + len(p.adverse_events) for p in chain)
    rows = EVALUATION_BUDGET // (8 * 3 // 2 * per_draw)  # ×1.5 for numpy temporaries
    return int(max(256, min(chunk, rows)))


def run_psa(
    scenario: Scenario,
    draws: int,
    seed: int | None = None,
    *,
    oop_budget: float | None = None,
    reference: str | None = None,
    wtp: Sequence[float] = DEFAULT_WTP,
    chunk: int = CHUNK,
    sampler: str = "auto",
) -> PsaResult:
    """Probabilistic sensitivity analysis through the plan's cost sharing.

    Every uncertain number that can change a cost is drawn ``draws`` times (seeded); each draw
    costs every option's escalation tree claim by claim. The patient's out-of-pocket
    distribution mixes parameter uncertainty (draws) with the spread between patients
    (branches). Work runs in chunks of draws sized so memory stays within a fixed budget
    whatever the scenario.

    Parameters
    ----------
    scenario : Scenario
    draws : int
        Number of draws, 1 to ``MAX_DRAWS``.
    seed : int or None
        Seed of numpy's default generator; the same seed and draws give the same result.
    oop_budget : float, optional
        Amount (currency) for the probability that a patient's out-of-pocket cost exceeds it.
    reference : str, optional
        Option the ICERs compare against (default: the first).
    wtp : sequence of float
        Willingness to pay per QALY for the acceptability curve (currency per QALY).
    chunk : int
        Upper bound on draws per chunk (results do not depend on it).
    sampler : {"auto", "direct", "table", "sobol"}
        ``direct`` uses numpy's samplers; ``table`` inverse-CDF tables (see
        :func:`sample_from_table`); ``auto`` picks tables from ``TABLE_MIN_DRAWS`` draws on.
        ``sobol`` is quasi-Monte Carlo: scrambled Sobol' points (seeded) through each number's
        exact inverse CDF (:func:`quantile`); the means it estimates settle with fewer draws
        (``make bench`` shows how many), best at a power of two.

    Returns
    -------
    PsaResult
        Draws of every option's expected costs (``samples[perspective]``, shape (draws, options)).

    Examples
    --------
    >>> from calculator.io import load_scenario, DATA_DIR
    >>> result = run_psa(load_scenario(DATA_DIR / "scenarios" / "self-pay.json"), 1_000, seed=1)
    >>> round(sum(result.p_cheapest["patient"].values()), 6)
    1.0
    """
    _check_draws(draws)
    if oop_budget is not None and (not math.isfinite(oop_budget) or oop_budget < 0):
        raise InputError("psa", "oop_budget", "a non-negative amount", oop_budget)
    if reference is not None and reference not in scenario.compare:
        raise InputError("psa", "reference", f"one of the compared options ({', '.join(scenario.compare)})", reference)
    if sampler not in SAMPLERS:
        raise InputError("psa", "sampler", ", ".join(SAMPLERS), sampler)
    options = scenario.compare
    k = len(options)
    max_draws = OUTPUT_BUDGET // (k * 5 * 8)
    if draws > max_draws:
        raise InputError("psa", "draws", f"at most {max_draws:,} draws for {k} options (to stay within memory)", draws)
    varying = _varying(scenario)
    use_table = sampler == "table" or (sampler == "auto" and draws >= TABLE_MIN_DRAWS)
    draw = sample_from_table if use_table else sample
    rng = np.random.default_rng(seed)
    sobol = _SobolDraws(len(varying), rng) if sampler == "sobol" else None
    # Column-major, so each option's draws are contiguous for the writes, statistics and counts.
    samples = {p: np.empty((draws, k), order="F") for p in PERSPECTIVES}
    has_qaly = any(pw.qaly_gain is not None for option in options for pw in scenario.pathways.chain(option))
    qaly = np.zeros((draws, k), order="F") if has_qaly else None
    branch_count = sum(len(scenario.pathways.chain(o)) for o in options)
    keep = draws * branch_count * 16 <= MIXTURE_BUDGET  # value and weight
    mixtures = {o: _MixturePercentiles(keep) for o in options}
    over_budget = dict.fromkeys(options, 0.0)
    rows = _chunk_rows(scenario, len(varying) * (2 if sobol else 1), chunk)  # Sobol': the points too
    if sobol is not None:
        rows = 1 << (rows.bit_length() - 1)  # whole powers of two of points, chunk after chunk
    for start in range(0, draws, rows):
        n = min(rows, draws - start)
        if sobol is not None:
            points = sobol.take(n)
            values = {p.id: quantile(p.param, points[:, i]) for i, p in enumerate(varying)}
        else:
            values = {p.id: draw(p.param, n, rng) for p in varying}
        results = evaluate(scenario, values)
        for j, option in enumerate(options):
            result = results[option]
            expected = result["expected"]
            for perspective in PERSPECTIVES:
                samples[perspective][start : start + n, j] = expected[perspective]
            if qaly is not None and result["qaly"] is not None:
                qaly[start : start + n, j] = result["qaly"]
            branches = result["branches"]
            costs = np.empty((len(branches), n))
            weights = np.empty((len(branches), n))
            for b, branch in enumerate(branches):
                costs[b] = branch["costs"]["patient"]
                weights[b] = branch["probability"]
            over_budget[option] += mixtures[option].add(costs.reshape(-1), weights.reshape(-1), oop_budget)

    summary = {o: {p: _stats(samples[p][:, j]) for p in PERSPECTIVES} for j, o in enumerate(options)}
    p_cheapest = {p: dict(zip(options, map(float, _p_cheapest(samples[p]) / draws), strict=True)) for p in PERSPECTIVES}
    out_of_pocket = {}
    for option in options:
        mixture = mixtures[option]
        percentiles = mixture.percentiles(OOP_PERCENTILES)
        entry: dict[str, Any] = {
            "mean": mixture.weighted_sum / draws,
            "percentiles": {f"p{q}": v for q, v in zip(OOP_PERCENTILES, percentiles, strict=True)},
        }
        if oop_budget is not None:
            entry["p_over_budget"] = min(1.0, over_budget[option] / mixture.total)
        out_of_pocket[option] = entry
    labels = tuple(scenario.pathways.get(o).label for o in options)
    check_finite({"summary": summary, "out_of_pocket": out_of_pocket}, scenario)
    return PsaResult(
        draws=draws,
        seed=seed,
        sampling="sobol" if sobol is not None else "random",
        options=tuple(options),
        labels=labels,
        currency=scenario.currency,
        samples=samples,
        qaly=qaly,
        out_of_pocket=out_of_pocket,
        oop_budget=oop_budget,
        reference=reference,
        wtp=tuple(float(w) for w in wtp),
        summary=summary,
        p_cheapest=p_cheapest,
    )


def icers(costs: Mapping[str, float], qalys: Mapping[str, float], reference: str) -> dict[str, dict[str, Any]]:
    """Incremental cost-effectiveness of each option against ``reference``.

    >>> icers({"a": 100.0, "b": 300.0, "c": 400.0}, {"a": 0.1, "b": 0.2, "c": 0.05}, "a")["b"]
    {'delta_cost': 200.0, 'delta_qaly': 0.1, 'icer': 2000.0, 'status': 'more costly, more effective'}
    """
    out = {}
    for option in costs:
        if option == reference:
            continue
        d_cost = float(costs[option] - costs[reference])
        d_qaly = float(qalys[option] - qalys[reference])
        if d_qaly <= 0 and d_cost >= 0:
            status, icer = "dominated", None
        elif d_qaly >= 0 and d_cost <= 0:
            status, icer = "dominant", None
        elif d_qaly > 0:
            status, icer = "more costly, more effective", d_cost / d_qaly
        else:
            status, icer = "less costly, less effective", d_cost / d_qaly
        out[option] = {"delta_cost": d_cost, "delta_qaly": round(d_qaly, 12), "icer": icer, "status": status}
    return out


# --------------------------------------------------------------------------------------------
# One-way sensitivity


def _costs_by_perspective(results: Mapping[str, Any], options: Sequence[str], n: int) -> dict[str, np.ndarray]:
    return {
        p: np.stack([np.broadcast_to(results[o]["expected"][p], (n,)) for o in options], axis=1) for p in PERSPECTIVES
    }


@dataclass(frozen=True)
class OneWay:
    """Each uncertain number at its low and high, the others at base (tornado data)."""

    options: tuple[str, ...]
    labels: tuple[str, ...]
    currency: str
    base: Mapping[str, Mapping[str, float]]  # perspective → option → cost
    rows: tuple[Mapping[str, Any], ...]

    def to_frame(self, perspective: str, option: str) -> pd.DataFrame:
        """Tornado data for one option and perspective, the widest swing first."""
        records = []
        for row in self.rows:
            at_low, at_high = row["results"][perspective][option]
            records.append(
                {
                    "id": row["id"],
                    "label": row["label"],
                    "low": row["low"],
                    "high": row["high"],
                    "base_value": row["base_value"],
                    "cost_at_low": at_low,
                    "cost_at_high": at_high,
                    "swing": abs(at_high - at_low),
                    "cheapest_at_low": row["cheapest"][perspective][0],
                    "cheapest_at_high": row["cheapest"][perspective][1],
                }
            )
        frame = pd.DataFrame.from_records(
            records,
            columns=[
                "id",
                "label",
                "low",
                "high",
                "base_value",
                "cost_at_low",
                "cost_at_high",
                "swing",
                "cheapest_at_low",
                "cheapest_at_high",
            ],
        )
        return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)

    def switches(self, perspective: str) -> list[Mapping[str, Any]]:
        """Rows where the cheapest option at an end differs from the base case's."""
        base_best = min(self.base[perspective], key=self.base[perspective].__getitem__)
        return [r for r in self.rows if any(best != base_best for best in r["cheapest"][perspective])]

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": {p: dict(v) for p, v in self.base.items()},
            "rows": [
                {
                    **{k: row[k] for k in ("id", "label", "low", "high", "base_value", "source", "evidence")},
                    "results": {p: {o: list(v) for o, v in row["results"][p].items()} for p in PERSPECTIVES},
                    "cheapest": {p: list(row["cheapest"][p]) for p in PERSPECTIVES},
                }
                for row in self.rows
            ],
        }


def one_way(scenario: Scenario) -> OneWay:
    """Tornado data for every uncertain number, all options and perspectives in one evaluation."""
    uncertain = _uncertain(scenario)
    options = scenario.compare
    n = 2 * len(uncertain)
    values = {}
    for i, p in enumerate(uncertain):
        column = np.full(max(n, 1), p.param.value)
        column[2 * i] = p.param.low
        column[2 * i + 1] = p.param.high
        values[p.id] = column
    base_results = evaluate(scenario)
    base = {
        p: {o: float(np.asarray(base_results[o]["expected"][p]).reshape(-1)[0]) for o in options} for p in PERSPECTIVES
    }
    rows = []
    if uncertain:
        costs = _costs_by_perspective(evaluate(scenario, values), options, n)
        cheapest = {p: np.asarray(options)[costs[p].argmin(axis=1)] for p in PERSPECTIVES}
        for i, p in enumerate(uncertain):
            rows.append(
                {
                    "id": p.id,
                    "label": p.label,
                    "low": p.param.low,
                    "high": p.param.high,
                    "base_value": p.param.value,
                    "unit": p.unit,
                    "source": p.param.source,
                    "evidence": p.param.evidence,
                    "results": {
                        persp: {
                            o: (float(costs[persp][2 * i, j]), float(costs[persp][2 * i + 1, j]))
                            for j, o in enumerate(options)
                        }
                        for persp in PERSPECTIVES
                    },
                    "cheapest": {
                        persp: (str(cheapest[persp][2 * i]), str(cheapest[persp][2 * i + 1])) for persp in PERSPECTIVES
                    },
                }
            )
    labels = tuple(scenario.pathways.get(o).label for o in options)
    return OneWay(tuple(options), labels, scenario.currency, base, tuple(rows))


# --------------------------------------------------------------------------------------------
# Break-even


@dataclass(frozen=True)
class BreakEven:
    parameter: str
    label: str
    unit: str
    option_a: str
    option_b: str
    label_a: str
    label_b: str
    perspective: str
    low: float
    high: float
    value: float | None  # where the two costs are equal, or None when they never are in range
    a_cheaper_below: bool | None  # is A the cheaper option below the break-even (or throughout)?
    whole: bool
    currency: str
    sentence: str = ""
    base_value: float | None = None  # the number's base case
    base_a: float | None = None  # A's and B's cost at the base case
    base_b: float | None = None
    kind: str = ""  # "stays_cheaper", "already_dearer", "equal_at_base", "never", "always_equal"

    def to_dict(self) -> dict[str, Any]:
        keys = (
            "parameter",
            "label",
            "option_a",
            "option_b",
            "perspective",
            "low",
            "high",
            "value",
            "base_value",
            "base_a",
            "base_b",
            "kind",
            "sentence",
        )
        return {k: getattr(self, k) for k in keys}


def break_even(
    scenario: Scenario,
    parameter_id: str,
    option_a: str,
    option_b: str,
    perspective: str = "patient",
    *,
    low: float | None = None,
    high: float | None = None,
    grid: int = 401,
) -> BreakEven:
    """Where ``option_a`` and ``option_b`` cost the same as one number moves over its range.

    The range defaults to the number's own low..high. Whole numbers (visit counts) are searched
    over whole values; others on a grid, then refined by Brent's method. When the costs cross
    more than once, the crossing nearest the number's base case is reported, and the sentence
    says whether A is cheaper at the base case ("stays cheaper unless …"), already costs more
    ("cheaper only below …") or whether the order never changes within the range.

    Parameters
    ----------
    scenario : Scenario
    parameter_id : str
        Id of the number to move (see :func:`calculator.costing.parameters`).
    option_a, option_b : str
        The two compared options.
    perspective : str
        One of ``PERSPECTIVES``.
    low, high : float, optional
        Search range (the number's unit); default its own low and high.
    grid : int
        Grid points for numbers that are not whole.

    Returns
    -------
    BreakEven
        ``value`` (or None), the costs at the base case and a plain-language ``sentence``.
    """
    by_id = {p.id: p for p in parameters(scenario)}
    if parameter_id not in by_id:
        raise InputError("break-even", "parameter", "the id of a scenario number (see `parameters`)", parameter_id)
    for name, option in (("option_a", option_a), ("option_b", option_b)):
        if option not in scenario.compare:
            raise InputError("break-even", name, f"one of the compared options ({', '.join(scenario.compare)})", option)
    if option_a == option_b:
        raise InputError("break-even", "option_b", "an option different from option_a", option_b)
    if perspective not in PERSPECTIVES:
        raise InputError("break-even", "perspective", f"one of {', '.join(PERSPECTIVES)}", perspective)
    target = by_id[parameter_id]
    lo = target.param.low if low is None else low
    hi = target.param.high if high is None else high
    if lo is None or hi is None:
        raise AnalysisError(f"{target.label} has no range: give low and high to search for a break-even")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi or lo < 0:
        raise InputError("break-even", "range", "0 ≤ low ≤ high", found_text=f"{lo:g}..{hi:g}")
    if target.probability and hi > 1:
        raise InputError("break-even", "high", "a probability from 0 to 1", hi)

    def costs(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        results = evaluate(scenario, {parameter_id: xs})
        a = np.broadcast_to(results[option_a]["expected"][perspective], xs.shape)
        b = np.broadcast_to(results[option_b]["expected"][perspective], xs.shape)
        return np.asarray(a, dtype=float), np.asarray(b, dtype=float)

    def difference(xs: np.ndarray) -> np.ndarray:
        a, b = costs(xs)
        return a - b

    if target.whole:
        xs = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
        if len(xs) == 0:
            xs = np.array([lo])
    else:
        xs = np.linspace(lo, hi, grid)
    base_value = float(target.param.value)
    base_a, base_b = (float(c[0]) for c in costs(np.array([base_value])))
    diff = difference(xs)
    scale = max(1.0, float(np.abs(diff).max()), abs(base_a), abs(base_b))
    tolerance = 1e-9 * scale
    sign = np.where(np.abs(diff) <= tolerance, 0, np.sign(diff))
    base_sign = 0 if abs(base_a - base_b) <= tolerance else (1 if base_a > base_b else -1)
    value: float | None = None
    nonzero = np.flatnonzero(sign)
    a_cheaper_below: bool | None = None
    if len(nonzero):
        flips = np.flatnonzero(sign[nonzero][1:] != sign[nonzero][:-1])
        if len(flips) == 0:
            a_cheaper_below = bool(sign[nonzero[0]] < 0)
        else:
            # each flip lies between grid points i (one order) and j (the other); take the nearest
            # to the base case
            pairs = [(int(nonzero[f]), int(nonzero[f + 1])) for f in flips]
            i, j = min(pairs, key=lambda p: min(abs(xs[p[0]] - base_value), abs(xs[p[1]] - base_value)))
            a_cheaper_below = bool(sign[i] < 0)
            if target.whole:
                # the last whole value, counting up, at which A is not dearer (if A is cheaper
                # below) or, counting down, at which A is not dearer (if A is cheaper above)
                value = float(xs[j - 1]) if a_cheaper_below else float(xs[i + 1])
            elif sign[j - 1] == 0 and j - 1 > i:
                value = float(xs[i + 1])  # equal over an interval: where equality starts
            else:
                value = float(brentq(lambda x: float(difference(np.array([x]))[0]), xs[i], xs[j], xtol=1e-9))
    labels = {o: scenario.pathways.get(o).label for o in (option_a, option_b)}
    if a_cheaper_below is None:
        kind = "always_equal"
    elif value is None:
        kind = "never"
    elif base_sign < 0:
        kind = "stays_cheaper"
    elif base_sign > 0:
        kind = "already_dearer"
    else:
        kind = "equal_at_base"
    result = BreakEven(
        parameter=parameter_id,
        label=target.label,
        unit=target.unit,
        option_a=option_a,
        option_b=option_b,
        label_a=labels[option_a],
        label_b=labels[option_b],
        perspective=perspective,
        low=float(lo),
        high=float(hi),
        value=value,
        a_cheaper_below=a_cheaper_below,
        whole=target.whole,
        currency=scenario.currency,
        base_value=base_value,
        base_a=base_a,
        base_b=base_b,
        kind=kind,
    )
    return _with_sentence(result)


def _with_sentence(be: BreakEven) -> BreakEven:
    """Attach the plain-language sentence. Three answers are told apart:

    - A is cheaper at the base case: "Dry needling stays cheaper for you than physical therapy
      unless it takes more than 9 'Dry needling session' visits";
    - A already costs more at the base case: "Dry needling already costs more for you than
      physical therapy at the base case (5 visits: $496 vs $298); it costs no more only with
      at most 2 visits";
    - the order never changes within the range: "… across the whole range …: no break-even".
    """
    words = PERSPECTIVE_WORDS[be.perspective]
    name = be.label.split(": ", 1)[-1]
    name = name[0].lower() + name[1:]
    span = f"{format_value(be.low, be.unit, be.currency)} to {format_value(be.high, be.unit, be.currency)}"
    a, b = be.label_a, be.label_b
    if be.kind == "always_equal":
        text = f"{a} and {b} cost the same {words} whatever the {name} (from {span})."
    elif be.kind == "never" or be.value is None:
        cheaper, dearer = (a, b) if be.a_cheaper_below else (b, a)
        text = f"{cheaper} is cheaper {words} than {dearer} across the whole range of {name} ({span}): no break-even."
    else:
        shown = format_value(be.value, be.unit, be.currency)
        # the side of the break-even on which A is cheaper
        a_side = "below" if be.a_cheaper_below else "above"
        if be.whole:
            pathway, _, rest = be.label.partition(": ")
            visit = rest.replace(", number of visits", "").strip()
            at_most = f"{pathway} takes at most {shown} {visit!r} visits"
            at_least = f"{pathway} takes at least {shown} {visit!r} visits"
            a_condition = at_most if be.a_cheaper_below else at_least
            more_or_fewer = "more" if be.a_cheaper_below else "fewer"
            unless = f"{pathway} takes {more_or_fewer} than {shown} {visit!r} visits"
        else:
            a_condition = f"the {name} is {a_side} {shown}"
            unless = f"the {name} is {'above' if be.a_cheaper_below else 'below'} {shown}"
        base = ""
        if be.base_value is not None and be.base_a is not None and be.base_b is not None:
            at = format_value(be.base_value, be.unit, be.currency) + (" visits" if be.whole else "")
            base = f" ({at}: {format_money(be.base_a, be.currency)} vs {format_money(be.base_b, be.currency)})"
        if be.kind == "stays_cheaper":
            text = f"{a} stays cheaper {words} than {b} unless {unless}."
        elif be.kind == "already_dearer":
            text = (
                f"{a} already costs more {words} than {b} at the base case{base}; "
                f"it costs no more only if {a_condition}."
            )
        else:
            text = f"{a} and {b} cost the same {words} at the base case{base}; {a} costs no more only if {a_condition}."
    return BreakEven(**{**be.__dict__, "sentence": text})
