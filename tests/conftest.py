"""Shared fixtures: one small valid scenario that tests break one field at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

PRICE_CSV = """\
code,description,category,unit,commercial,self_pay,source,as_of
97161,PT evaluation,therapy,per evaluation,127.41,175,test,2025
20561,Needle insertion 3+ muscles,therapy,per session,46.67,40,test,2025
99213,Office visit,visit,per visit,120,100,test,2025
"""


def minimal_scenario() -> dict[str, Any]:
    """A fresh, valid scenario dict: three prices, two schedules, two escalating pathways."""
    return {
        "schema_version": 1,
        "prices": {
            "currency": "USD",
            "rows": [
                {"code": "97161", "category": "therapy", "prices": {"commercial": 127.41, "self_pay": 175.0}},
                {"code": "20561", "category": "therapy", "prices": {"commercial": 46.67, "self_pay": 40.0}},
                {"code": "99213", "category": "visit", "prices": {"commercial": 120.0, "self_pay": 100.0}},
            ],
        },
        "schedule": "commercial",
        "pathways": {
            "pathways": {
                "needling": {
                    "label": "Dry needling",
                    "visits": [
                        {"name": "Evaluation", "kind": "therapy", "count": 1, "items": [{"code": "97161"}]},
                        {"name": "Session", "kind": "therapy", "count": 4, "items": [{"code": "20561", "units": 1}]},
                    ],
                    "response_probability": 0.6,
                    "on_failure": "medication",
                },
                "medication": {
                    "label": "Medication",
                    "visits": [{"name": "Office visit", "kind": "office", "count": 2, "items": [{"code": "99213"}]}],
                    "response_probability": 0.5,
                },
            }
        },
        "insurance": {
            "deductible": 500,
            "coinsurance": 0.2,
            "oop_max": 3000,
            "copays": {"office": 30},
            "uncovered_codes": ["20561"],
            "uncovered_schedule": "self_pay",
        },
        "indirect": {"hourly_value": 30.0, "travel_hours_per_visit": 0.5},
    }


def broken_scenario(path: str, value: Any) -> dict[str, Any]:
    """The minimal scenario with one field set: ``broken_scenario("insurance.coinsurance", 1.3)``.

    ``path`` is dot-separated; a part made of digits indexes a list.
    """
    data = minimal_scenario()
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return data


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(data=None, name="scenario.json")`` writes a scenario file into tmp_path."""

    def write(data: dict[str, Any] | None = None, name: str = "scenario.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(minimal_scenario() if data is None else data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def scenario_file(write_scenario: Callable[..., Path]) -> Path:
    return write_scenario()


@pytest.fixture
def price_csv(tmp_path: Path) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(PRICE_CSV, encoding="utf-8")
    return path
