"""A scenario in every Medicare payment locality (SPEC §3.1b, §4.8): the table behind the map.

:func:`with_region` re-prices a scenario at another locality; :func:`costs_by_region` costs it
in every locality (one row per locality and option); :func:`region_values` picks the number a map
shows (one option's cost, or the difference between two) and :func:`state_summary` folds the
localities of each state into the one value the state is coloured by, with the range behind it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from .costing import COST_FIELDS, evaluate, with_societal
from .errors import InputError
from .io.regional import NATIONAL, Region, canonical_region, has_regions, regional_price_table, regions
from .models import Scenario

__all__ = [
    "REGION_COLUMNS",
    "STATE_NAMES",
    "localities_by_state",
    "at_region",
    "costs_by_region",
    "region_values",
    "regional_ready",
    "state_summary",
    "with_region",
]

#: Names of the states and territories that have Medicare payment localities.
STATE_NAMES = {
    "AK": "Alaska", "AL": "Alabama", "AR": "Arkansas", "AZ": "Arizona", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DC": "District of Columbia", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii and Guam", "IA": "Iowa", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "MA": "Massachusetts", "MD": "Maryland", "ME": "Maine", "MI": "Michigan",
    "MN": "Minnesota", "MO": "Missouri", "MS": "Mississippi", "MT": "Montana", "NC": "North Carolina",
    "ND": "North Dakota", "NE": "Nebraska", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NV": "Nevada", "NY": "New York", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "PR": "Puerto Rico", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VA": "Virginia", "VI": "U.S. Virgin Islands", "VT": "Vermont",
    "WA": "Washington", "WI": "Wisconsin", "WV": "West Virginia", "WY": "Wyoming",
}  # fmt: skip

REGION_COLUMNS = ("region", "state", "locality", "option", "label", *COST_FIELDS, "societal")


def regional_ready(scenario: Scenario) -> bool:
    """Whether ``scenario`` is priced with a shipped table exactly as built for its region, so
    it can be moved to another region (an edited or a clinic's table cannot)."""
    name = scenario.prices.name
    if not has_regions(name):
        return False
    try:
        return scenario.prices == regional_price_table(name, scenario.region)
    except InputError:
        return False


def with_region(scenario: Scenario, region: str, source: str = "region") -> Scenario:
    """``scenario`` priced at ``region`` (``national`` or a locality id such as ``NY-01``).

    Everything else (plan, overrides, pathways) is unchanged (SPEC §4.8).

    Parameters
    ----------
    scenario : Scenario
        Priced with a shipped table built from CMS files (``us-2025``), at any region.
    region : str
        ``national`` or a locality id (``ny-1`` reads as ``NY-01``).
    source : str
        What to name in an error message (``--region`` on the command line).

    Returns
    -------
    Scenario
        The same scenario with the locality's price table and ``region`` set.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> moved = with_region(load_scenario(DATA_DIR / "scenarios" / "medicare.json"), "NY-01")
    >>> moved.region, moved.prices.price("97110", "medicare")
    ('NY-01', 32.26)
    """
    target = canonical_region(region, source, "")
    if target == scenario.region:
        return scenario
    if not regional_ready(scenario):
        raise InputError(
            source,
            "",
            "a scenario priced with a shipped table built from CMS files (us-2025), unedited",
            scenario.prices.label or scenario.prices.name or "an inline table",
        )
    return dataclasses.replace(scenario, prices=regional_price_table(scenario.prices.name, target), region=target)


def localities_by_state() -> dict[str, tuple[Region, ...]]:
    """The localities of each state, states in name order (for a state-then-locality picker)."""
    grouped: dict[str, list[Region]] = {}
    for place in regions():
        grouped.setdefault(place.state, []).append(place)
    order = sorted(grouped, key=lambda code: STATE_NAMES.get(code, code))
    return {code: tuple(grouped[code]) for code in order}


def at_region(scenario: Scenario, region: str | None) -> Scenario:
    """``scenario`` at ``region`` where it can move (see :func:`regional_ready`), else unchanged.

    For the app, where a user's own price table simply keeps its own prices. An unknown region
    is still an :class:`~calculator.errors.InputError`.
    """
    if not region or canonical_region(region) == scenario.region or not regional_ready(scenario):
        return scenario
    return with_region(scenario, region)


def costs_by_region(scenario: Scenario, options: Sequence[str] | None = None) -> pd.DataFrame:
    """Expected costs of ``options`` in the national table and every Medicare locality.

    Parameters
    ----------
    scenario : Scenario
        A scenario that :func:`with_region` can move (a shipped, unedited ``us-2025`` table).
    options : sequence of str, optional
        Option ids to keep (default: every compared option).

    Returns
    -------
    DataFrame
        Columns :data:`REGION_COLUMNS`: ``region`` (``national`` first, then ``AK-01`` ...),
        ``state`` (two letters; ``US`` for national), ``locality`` (name), ``option``, ``label``
        and the expected cost of starting with the option, money per episode in the table's
        currency: ``allowed``, ``insurer``, ``patient``, ``indirect``, ``adverse_events``,
        ``societal``. 110 × len(options) rows.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_scenario
    >>> frame = costs_by_region(load_scenario(DATA_DIR / "scenarios" / "medicare.json"), ["physical_therapy"])
    >>> len(frame), frame["region"].iloc[0]
    (110, 'national')
    """
    wanted = list(scenario.compare if options is None else options)
    for option in wanted:
        if option not in scenario.compare:
            raise InputError("options", "", f"one of the compared options ({', '.join(scenario.compare)})", option)
    places = [Region(NATIONAL, "US", "National amounts"), *regions()]
    records = []
    for place in places:
        costed = evaluate(with_region(scenario, place.id))
        for option in wanted:
            expected = with_societal(costed[option]["expected"])
            records.append(
                {
                    "region": place.id,
                    "state": place.state,
                    "locality": place.name,
                    "option": option,
                    "label": scenario.pathways.get(option).label,
                    **{field: float(expected[field]) for field in (*COST_FIELDS, "societal")},
                }
            )
    return pd.DataFrame.from_records(records, columns=list(REGION_COLUMNS))


def region_values(
    frame: pd.DataFrame, option: str, minus: str | None = None, perspective: str = "patient"
) -> pd.DataFrame:
    """One number per region: ``option``'s cost, or its cost minus ``minus``'s.

    Returns the columns ``region``, ``state``, ``locality`` and ``value`` (money per episode).
    """
    if perspective not in (*COST_FIELDS, "societal"):
        raise InputError("perspective", "", f"one of {', '.join((*COST_FIELDS, 'societal'))}", perspective)
    keys = ["region", "state", "locality"]
    for name in (option, minus):
        if name is not None and name not in set(frame["option"]):
            raise InputError("option", "", "an option of the table", name)
    value = frame[frame["option"] == option].set_index(keys)[perspective]
    if minus is not None:
        value = value - frame[frame["option"] == minus].set_index(keys)[perspective]
    return value.rename("value").reset_index()


def state_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Each state's value for the map: its median locality, with the range of all its localities.

    A state with several localities (California has 29) is coloured by the locality whose value
    is the median (the lower of the two middle ones when the count is even), so the colour is
    always a real locality's cost; ``low``/``high`` give the range and ``mapped`` names it.

    Parameters
    ----------
    values : DataFrame
        From :func:`region_values` (the ``national`` row is left out).

    Returns
    -------
    DataFrame
        Columns ``state``, ``value``, ``mapped`` (locality id and name), ``low``, ``high``,
        ``localities`` (count), sorted by state.

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["CA-01", "CA-02", "CA-03", "AL-00"], "state": ["CA", "CA", "CA", "AL"],
    ...                       "locality": ["a", "b", "c", "Alabama"], "value": [3.0, 1.0, 2.0, 5.0]})
    >>> state_summary(frame)[["state", "value", "mapped", "low", "high"]].values.tolist()
    [['AL', 5.0, 'AL-00 Alabama', 5.0, 5.0], ['CA', 2.0, 'CA-03 c', 1.0, 3.0]]
    """
    rows = []
    local = values[values["region"] != NATIONAL]
    for state, group in local.groupby("state", sort=True):
        ordered = group.sort_values(["value", "region"], kind="stable")
        middle = ordered.iloc[(len(ordered) - 1) // 2]
        rows.append(
            {
                "state": state,
                "value": float(middle["value"]),
                "mapped": f"{middle['region']} {middle['locality']}",
                "low": float(ordered["value"].min()),
                "high": float(ordered["value"].max()),
                "localities": len(ordered),
            }
        )
    return pd.DataFrame.from_records(rows, columns=["state", "value", "mapped", "low", "high", "localities"])
