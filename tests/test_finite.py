"""calculator.finite: an overflowing result is an input error that names the input."""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.costing import compare
from calculator.errors import InputError
from calculator.finite import check_finite, check_money, first_non_finite
from calculator.io import scenario_from_bytes

sys.path.insert(0, str(Path(__file__).parent))
from hostile.generate import scenario  # noqa: E402


def test_a_normal_comparison_is_finite() -> None:
    loaded = scenario_from_bytes(scenario(), "s.json")
    check_finite(compare(loaded), loaded)


def test_an_override_of_1e308_is_named() -> None:
    loaded = scenario_from_bytes(scenario(override=1e308), "s.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow warning: the point of the test
        result = compare(loaded)
    with pytest.raises(InputError) as caught:
        check_finite(result, loaded)
    message = str(caught.value)
    assert message.startswith("Hostile: Price of 99213 (")
    assert "expected an amount from 0 to 10,000,000" in message and "found 1e+308" in message
    assert "\n" not in message


def test_first_non_finite_walks_every_container() -> None:
    assert first_non_finite({"a": (1.0, 2)}) is None
    assert first_non_finite({"a": np.array([1.0, np.inf])}) == ("a[1]", math.inf)
    found = first_non_finite([{"frame": pd.DataFrame({"x": [1.0], "y": [np.nan]})}])
    assert found is not None and found[0] == "[0].frame.y[0]" and math.isnan(found[1])


def test_check_money() -> None:
    assert check_money("t", "x", 10_000_000) == 10_000_000
    for bad in (10_000_000.01, -1.0, math.inf, math.nan):
        with pytest.raises(InputError, match="expected an amount from 0 to 10,000,000"):
            check_money("t", "x", bad)
