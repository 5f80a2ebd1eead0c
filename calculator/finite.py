"""Results are finite numbers, or the input that broke them is named (issue 12).

The money cap (:data:`calculator.input_limits.MAX_MONEY`) with the other caps of the format
keeps every total far from float overflow: :func:`check_money` is the loader's check. A price of
1e308 used to give NaN totals (JSON output failed with a traceback, CSV printed ``nan``, My costs
called NaN "likely cheapest"). :func:`check_finite` is the backstop after computing: it finds the
first non-finite number of a result and blames the largest amount of the scenario.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import InputError
from .input_limits import MAX_MONEY

__all__ = ["check_finite", "check_money", "first_non_finite"]

_MONEY_EXPECTED = f"an amount from 0 to {MAX_MONEY:,} (larger amounts make the totals overflow)"


def check_money(source: str, where: str, value: float) -> float:
    """The loaders' check of one amount of money (price, copay, deductible, cost).

    >>> check_money("t.csv", "row 2, column 'cash'", 125.0)
    125.0
    >>> check_money("t.csv", "row 2, column 'cash'", 1e308)
    Traceback (most recent call last):
    calculator.errors.InputError: t.csv: row 2, column 'cash': expected an amount from 0 to 10,000,000 ...
    """
    if not math.isfinite(value) or not 0 <= value <= MAX_MONEY:
        raise InputError(source, where, _MONEY_EXPECTED, value)
    return value


def _walk(value: Any, path: str, seen: set[int]) -> Iterator[tuple[str, float]]:
    """(path, number) for every float in a result; inputs (the scenario) are not results."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        yield path, value
        return
    type_name = type(value).__name__
    if type_name in ("Scenario", "PriceTable", "PathwaySet"):
        return
    if type_name == "ndarray" or hasattr(value, "dtype"):
        import numpy as np

        array = np.asarray(value)
        if array.dtype.kind in "fc":
            bad = np.flatnonzero(~np.isfinite(array))
            if bad.size:
                yield f"{path}[{int(bad[0])}]", float(array.ravel()[bad[0]])
        return
    if hasattr(value, "to_numpy") and hasattr(value, "columns"):  # a pandas DataFrame
        for column in value.columns:
            yield from _walk(value[column].to_numpy(), f"{path}.{column}", seen)
        return
    # Only containers that outlive the walk are remembered (a temporary array's id is reused).
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), f"{path}.{f.name}" if path else f.name, seen)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key), seen)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", seen)


def first_non_finite(results: Any) -> tuple[str, float] | None:
    """Where the first NaN or infinity in ``results`` is (a dotted path), or None.

    >>> first_non_finite({"a": [1.0, {"b": float("nan")}]})
    ('a[1].b', nan)
    """
    for path, number in _walk(results, "", set()):
        if not math.isfinite(number):
            return path, number
    return None


def _largest_input(scenario: Any) -> tuple[str, float] | None:
    """The largest amount among the numbers the results depend on (the likely culprit)."""
    from .costing import parameters

    try:
        found = parameters(scenario)
    except Exception:  # the backstop must still name something when the scenario is odd
        return None
    candidates = [(p.label or p.id, abs(p.param.value)) for p in found if isinstance(p.param.value, int | float)]
    candidates += [
        (f"{p.label or p.id} (high)", abs(p.param.high)) for p in found if isinstance(p.param.high, int | float)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda c: c[1] if math.isfinite(c[1]) else math.inf)


def check_finite(results: Any, scenario: Any) -> None:
    """Raise an :class:`InputError` naming the input when a result is not a finite number.

    Parameters
    ----------
    results
        Any result: a ``Comparison``, a PSA result, a dict, a frame, an array (walked recursively;
        the scenario inside a result is skipped).
    scenario
        The scenario the results came from (its parameters are searched for the culprit).

    Raises
    ------
    InputError
        ``"<scenario>: Price of 20561 (…): expected an amount from 0 to 10,000,000 (larger amounts
        make the totals overflow), found 1e+308; the result options.needling.expected.allowed is
        inf."``
    """
    bad = first_non_finite(results)
    if bad is None:
        return
    where_result, value = bad
    source = getattr(scenario, "label", "") or getattr(scenario, "name", "") or "scenario"
    culprit = _largest_input(scenario)
    if culprit is None:
        raise InputError(
            source, where_result, "a finite result (inputs within the limits)", found_text=f"{value} (overflow)"
        )
    label, amount = culprit
    raise InputError(
        source,
        label,
        _MONEY_EXPECTED,
        found_text=f"{amount:g}, which makes the result {where_result} {value}",
    )
