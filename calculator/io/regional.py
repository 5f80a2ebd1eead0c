"""Shipped price tables at a Medicare payment locality (SPEC §3.1b, §4.8).

A shipped table that has a build recipe (``data/recipes/<name>.csv``, today ``us-2025``) can be
asked for at any of the 109 Medicare localities: its Medicare and commercial amounts are built from
the CMS files with :func:`calculator.fee_schedule.build_table`, cash prices stay national. Without a
region (``national``) the shipped CSV is read as it is: it *is* the builder's national output (a
test checks they agree). Built tables are cached per (name, region): a build takes about a
millisecond, the cache keeps the app and the all-regions map from repeating it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from .. import fee_schedule
from ..errors import InputError
from ..models import PriceTable
from .files import DATA_DIR, shipped_names
from .prices import load_price_metadata, load_price_table, price_table_from_bytes

__all__ = [
    "NATIONAL",
    "Region",
    "canonical_region",
    "has_regions",
    "locality_label",
    "regional_price_table",
    "regions",
]

NATIONAL = "national"
RECIPES_DIR = DATA_DIR / "recipes"
_UPPER = {"DC", "MD", "VA", "NJ", "NYC"}


@dataclass(frozen=True)
class Region:
    """One Medicare payment locality as the app and the CLI show it."""

    id: str  # "NY-01"
    state: str  # "NY"
    name: str  # "Manhattan", tidied from CMS's upper-case name


def has_regions(name: str) -> bool:
    """Whether the shipped table ``name`` is built from a recipe, so it can be had per region."""
    return name in shipped_names("prices") and (RECIPES_DIR / f"{name}.csv").is_file()


@functools.lru_cache(maxsize=1)
def _cms() -> fee_schedule.CmsData:
    return fee_schedule.load_cms()


@functools.lru_cache(maxsize=4)
def _recipe(name: str) -> tuple[fee_schedule.RecipeRow, ...]:
    return tuple(fee_schedule.load_recipe(RECIPES_DIR / f"{name}.csv"))


def locality_label(name: str) -> str:
    """CMS's upper-case locality name for people: ``"REST OF CALIFORNIA"`` → ``"Rest of California"``.

    State codes and abbreviations (``DC + MD/VA Suburbs``, ``NYC``) stay upper case.
    """

    def word(match: re.Match[str]) -> str:
        text = match[0]
        if text in _UPPER:
            return text
        return text.lower() if text in {"OF", "AND"} else text.capitalize()

    return re.sub(r"[A-Za-z]+", word, name.replace("*", "").strip())


@functools.lru_cache(maxsize=1)
def regions() -> tuple[Region, ...]:
    """Every Medicare payment locality, ordered by state then locality number.

    Examples
    --------
    >>> len(regions()), next(r.name for r in regions() if r.id == "NY-01")
    (109, 'Manhattan')
    """
    return tuple(Region(loc.id, loc.state, locality_label(loc.name)) for loc in fee_schedule.localities(_cms()))


def canonical_region(region: str, source: str = "scenario", field: str = "region") -> str:
    """``national`` or the locality id in CMS spelling (``ny-1`` → ``NY-01``).

    Raises :class:`~calculator.errors.InputError` naming ``source`` and ``field`` for anything
    that is not a locality.
    """
    text = (region or NATIONAL).strip()
    if text.lower() == NATIONAL:
        return NATIONAL
    try:
        return fee_schedule.resolve_locality(_cms(), text).id
    except InputError:
        raise InputError(
            source, field, "'national' or a Medicare locality such as NY-01 (see `prices regions`)", region
        ) from None


@functools.lru_cache(maxsize=256)
def regional_price_table(name: str, region: str = NATIONAL) -> PriceTable:
    """The shipped table ``name`` at ``region`` (``national`` or a locality id such as ``NY-01``).

    Parameters
    ----------
    name : str
        A shipped table with a build recipe (``us-2025``).
    region : str
        ``national`` or a locality id (any spelling :func:`canonical_region` accepts).

    Returns
    -------
    PriceTable
        The national table is the shipped CSV; a locality's is built from the CMS files with the
        same recipe, labelled with the locality, with the same schedules, sources and notes.

    Examples
    --------
    >>> regional_price_table("us-2025", "NY-01").price("97110", "medicare")  # Manhattan's GPCIs
    32.26
    >>> regional_price_table("us-2025").price("97110", "medicare")
    28.79
    """
    if not has_regions(name):
        raise InputError("prices", "", "a shipped table built from CMS files (us-2025) for a region", name)
    region = canonical_region(region)
    shipped = DATA_DIR / "prices" / f"{name}.csv"
    if region == NATIONAL:
        return load_price_table(shipped)
    built = fee_schedule.build_table(_cms(), list(_recipe(name)), region)
    sidecar = shipped.with_suffix(".toml")
    metadata = load_price_metadata(sidecar) if sidecar.is_file() else {}
    place = locality_label(built.locality.name)
    base_label = str(metadata.get("label", name)).replace("(national defaults)", "").strip()
    metadata = {
        **metadata,
        "label": f"{base_label}, {region} {place}",
        "region": f"{region} {place}",
    }
    text = fee_schedule.render_csv(built, header=False)
    table = price_table_from_bytes(text.encode("utf-8"), f"{name}.csv", metadata)
    return replace(table, name=name)
