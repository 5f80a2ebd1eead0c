"""The escalation tree of the self-pay model, for the peer benchmarks (no `calculator` import).

`spec` is the JSON that `bench/run.py` writes from the project's self-pay scenario: every
number with its fitted distribution, and per option its chain of pathways (visits with their
items, hours and travel, work days lost, adverse events, response and escalation). `values`
maps each number's name to a float (one draw) or a numpy array (many draws); the same code
serves both, as it would in a peer's own model function.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def load_spec(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def option_costs(spec: dict[str, Any], values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Expected allowed (= patient, self-pay) and societal cost, and QALYs, per option."""
    v = values
    travel = v["indirect/travel_hours_per_visit"] * v["indirect/hourly_value"]
    travel = travel + v["indirect/miles_per_visit"] * v["indirect/mileage_rate"] + v["indirect/parking_per_visit"]
    out = {}
    for option, chain in spec["options"].items():
        reach = 1.0
        allowed = indirect = adverse = 0.0
        expected_allowed = expected_societal = qaly = 0.0
        for k, step in enumerate(chain):
            for visit in step["visits"]:
                count = np.maximum(np.rint(v[visit["count"]]), 0.0)
                per_visit = 0.0
                for units, price in visit["items"]:
                    per_visit = per_visit + v[units] * v[price]
                allowed = allowed + count * per_visit
                indirect = indirect + count * (
                    v[visit["hours"]] * v["indirect/hourly_value"] + (travel if visit["travel"] else 0.0)
                )
            indirect = indirect + v[step["work_days"]] * v["indirect/daily_wage"]
            for probability, cost in step["adverse"]:
                adverse = adverse + v[probability] * v[cost]
            if step["qaly"] is not None:
                qaly = qaly + reach * v[step["qaly"]]
            if k < len(chain) - 1:
                onward = (1.0 - v[step["response"]]) * v[step["escalation"]]
                stop = reach * (1.0 - onward)
                reach = reach * onward
            else:
                stop = reach
            expected_allowed = expected_allowed + stop * allowed
            expected_societal = expected_societal + stop * (allowed + indirect + adverse)
        out[option] = {"allowed": expected_allowed, "societal": expected_societal, "qaly": qaly}
    return out
