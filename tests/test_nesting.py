"""calculator.nesting: depth counted like the parsers count it, strings ignored, linear time."""

from __future__ import annotations

import json
import time
import tomllib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculator.errors import InputError
from calculator.io import DATA_DIR, price_metadata_from_bytes, scenario_from_bytes
from calculator.nesting import check_nesting

LIMIT = 8


def depth(value: Any) -> int:
    """Levels of lists and dicts (a scalar is 0)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


documents = st.recursive(
    st.one_of(st.integers(), st.text(alphabet="[]{}\"\\',.=ab#", max_size=6)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab[{.", max_size=3), inner, max_size=3),
    max_leaves=30,
)


@given(documents)
def test_json_depth_is_exactly_the_parsers(document: Any) -> None:
    text = json.dumps(document)
    if depth(document) <= LIMIT:
        check_nesting(text, "d.json", "json", limit=LIMIT)
    else:
        with pytest.raises(InputError, match="expected at most 8 levels of nesting"):
            check_nesting(text, "d.json", "json", limit=LIMIT)


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("a = 1", 1),
        ("a.b.c = 1", 3),
        ('"a.b".c = 1', 2),  # a dot inside a quoted key does not nest
        ("[x.y]\na = 1", 3),
        ("[[x]]\na = [[1, 2], [3]]", 4),  # an array of tables is a list of tables
        ("a = {b = {c = [1]}}", 3),
        ('a = "[[[[[[[[[[" # [[[[[[[[[[[[', 1),
        ("a = '''\n[[[[[[[[[[[\n'''", 1),
        ('a = """\n{{{{{{{{{{{{\\"""\n"""', 1),
        ("a = [\n  [1],\n  [[2]],\n]", 3),
    ],
)
def test_toml_levels(text: str, levels: int) -> None:
    tomllib.loads(text)  # each example is valid TOML
    check_nesting(text, "t.toml", "toml", limit=levels)
    with pytest.raises(InputError):
        check_nesting(text, "t.toml", "toml", limit=levels - 1) if levels > 1 else check_nesting(
            "a.b = 1", "t.toml", "toml", limit=1
        )


def test_the_line_is_named() -> None:
    with pytest.raises(InputError, match=r"^t\.toml: line 3: expected at most 2 levels of nesting, found more\.$"):
        check_nesting("a = 1\nb = 2\nc = [[[1]]]", "t.toml", "toml", limit=2)


def test_every_shipped_file_passes() -> None:
    for path in sorted(DATA_DIR.rglob("*.json")) + sorted(DATA_DIR.rglob("*.toml")):
        check_nesting(path.read_text(encoding="utf-8"), path.name, path.suffix[1:])


def test_nested_5000_deep_is_one_sentence_through_the_loaders() -> None:
    deep_toml = ("x = " + "[" * 5000 + "]" * 5000).encode()
    with pytest.raises(InputError, match="line 1: expected at most 32 levels of nesting"):
        price_metadata_from_bytes(deep_toml, "m.toml")
    deep_json = ('{"a": ' + "[" * 5000 + "]" * 5000 + "}").encode()
    with pytest.raises(InputError, match="line 1: expected at most 32 levels of nesting"):
        scenario_from_bytes(deep_json, "s.json")


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_ten_megabytes_take_well_under_the_time_limit(fmt: str) -> None:
    text = ("x = [" + "1.5, " * 2_000_000 + "]") if fmt == "toml" else json.dumps({"x": ["ab[c"] * 1_400_000})
    start = time.perf_counter()
    check_nesting(text, "big", fmt)
    assert time.perf_counter() - start < 5  # about 0.6 s on an idle core
