"""calculator.finite: an overflowing result is an input error that names the input."""

from __future__ import annotations

import math
import sys
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


def test_an_override_of_1e308_is_refused_at_load_naming_it() -> None:
    # The format bounds every amount (calculator.limits.MAX_MONEY), so the overflow never happens.
    with pytest.raises(InputError) as caught:
        scenario_from_bytes(scenario(override=1e308), "s.json")
    message = str(caught.value)
    assert "price_overrides.99213" in message
    assert "expected an amount from 0 to 10,000,000" in message and "found 1e+308" in message
    assert "\n" not in message


def test_a_result_that_overflows_names_the_largest_input() -> None:
    # Behind the bound, a backstop: an overflowing result (built here by hand) names the culprit.
    loaded = scenario_from_bytes(scenario(override=9e6), "s.json")
    result = compare(loaded)
    broken = {"options": {"x": {"allowed": math.inf}}}
    with pytest.raises(InputError) as caught:
        check_finite(broken, loaded)
    assert "\n" not in str(caught.value) and "inf" in str(caught.value)
    check_finite(result, loaded)  # the real result is finite


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
