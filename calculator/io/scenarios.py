"""Scenarios and pathway sets (SPEC §3.2, §3.3): validated by the declarations in
:mod:`calculator.formats`, then cross-checked here against the other files they name.

The checks that need more than one document stay in code: every billed code is in the price
table, ``on_failure`` names another pathway and the chain ends, the schedules exist, ``compare``
and the budget mixes name compared pathways. Every problem is reported, not just the first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from ..formats import PathwayFileDoc, ScenarioDoc, input_error
from ..formats.convert import budget_model, pathway_set_model, scenario_model
from ..formats.documents import PathwayDoc, PlanFileDoc
from ..models import BudgetInputs, PathwaySet, PriceTable, Scenario
from ..text import plain
from .files import DATA_DIR, decode_text, load_document, parse_document, shipped_names
from .prices import _METADATA_KEYS, inline_price_table, load_price_metadata, load_price_table

__all__ = [
    "detect_kind",
    "load_any",
    "load_pathways",
    "load_plan",
    "load_scenario",
    "pathways_from_dict",
    "scenario_from_bytes",
    "scenario_from_dict",
]

_Doc = TypeVar("_Doc", bound=BaseModel)


def validate(model: type[_Doc], raw: object, source: str) -> _Doc:
    """``raw`` as a ``model`` document, or one InputError listing every problem."""
    if not isinstance(raw, dict):
        raise InputError(source, "top level", "an object with named fields", raw)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise input_error(exc, source, root=model) from None


# --------------------------------------------------------------------------------------------
# Pathways


def load_pathways(path: str | Path) -> PathwaySet:
    path = Path(path)
    return pathways_from_dict(load_document(path), path.name, name=path.stem)


def pathways_from_dict(raw: object, source: str, *, name: str = "") -> PathwaySet:
    """A pathway file (with ``pathways`` inside) or a bare mapping of id → pathway."""
    if isinstance(raw, dict) and not isinstance(raw.get("pathways"), dict):
        raw = {"pathways": raw}  # a bare mapping reads like the file's "pathways" block
    doc = validate(PathwayFileDoc, raw, source)
    pathways = pathway_set_model(doc, name=name)
    _raise_all(check_escalation(source, "pathways", pathways) + check_labels(source, "pathways", pathways))
    return pathways


def check_escalation(source: str, prefix: str, pathways: PathwaySet) -> list[InputError]:
    """``on_failure`` names another pathway, and every escalation chain ends (SPEC §3.2)."""
    problems = []
    ids = pathways.ids
    for pathway in pathways.pathways:
        if pathway.on_failure is not None and pathway.on_failure not in pathways:
            problems.append(
                InputError(
                    source,
                    f"{prefix}.{pathway.id}.on_failure",
                    f"the name of another pathway ({', '.join(ids)})",
                    pathway.on_failure,
                )
            )
    if problems:
        return problems
    cycles: set[frozenset[str]] = set()
    for pathway in pathways.pathways:
        seen = [pathway.id]
        current = pathway.on_failure
        while current is not None:
            if current in seen:
                members = frozenset(seen[seen.index(current) :])
                if members in cycles:  # one problem per cycle, however many pathways lead into it
                    break
                cycles.add(members)
                cycle = " → ".join([*seen[seen.index(current) :], current])
                problems.append(
                    InputError(
                        source,
                        f"{prefix}.{pathway.id}.on_failure",
                        "an escalation chain that ends (no cycles)",
                        found_text=f"the cycle {cycle}",
                    )
                )
                break
            seen.append(current)
            current = pathways.get(current).on_failure
    return problems


def check_labels(source: str, prefix: str, pathways: PathwaySet) -> list[InputError]:
    """Each pathway has a label of its own: options are told apart by their labels in every chart
    and table (two with one label would merge into one bar, or break the page).

    Parameters
    ----------
    source : str
        The file or link the pathways came from, for the messages.
    prefix : str
        The field path of the pathways in that document (``"pathways"``).
    pathways : PathwaySet
        The pathways to check.

    Returns
    -------
    list of InputError
        One per pathway whose label, as shown (without invisible characters, case or repeated
        spaces), is that of an earlier pathway; empty when all differ.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_pathways
    >>> check_labels("p.json", "pathways", load_pathways(DATA_DIR / "pathways" / "lbp-default.json"))
    []
    """
    problems = []
    seen: dict[str, str] = {}
    for pathway in pathways.pathways:
        # Compared as shown: without invisible characters, case or repeated spaces.
        shown = " ".join(plain(pathway.label).split()).casefold()
        if shown in seen:
            problems.append(
                InputError(
                    source,
                    f"{prefix}.{pathway.id}.label",
                    f"a label other than that of pathway {seen[shown]!r}",
                    pathway.label,
                )
            )
        else:
            seen[shown] = pathway.id
    return problems


def _raise_all(problems: list[InputError]) -> None:
    if problems:
        raise InputError.from_problems(problems)


# --------------------------------------------------------------------------------------------
# Scenarios


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    return scenario_from_dict(load_document(path), path.name, base_dir=path.parent, name=path.stem)


def scenario_from_bytes(data: bytes, filename: str) -> Scenario:
    """An uploaded scenario (JSON): only shipped names and inline data, never a server path."""
    suffix = Path(filename).suffix.lower()
    if suffix != ".json":
        raise InputError(filename, "", "a .json scenario file", found_text=repr(suffix or "no extension"))
    raw = parse_document(decode_text(data, filename), filename, "json")
    return scenario_from_dict(raw, filename, allow_paths=False, name=Path(filename).stem)


def scenario_from_dict(
    raw: object,
    source: str,
    *,
    base_dir: Path | None = None,
    name: str = "",
    allow_paths: bool = True,
) -> Scenario:
    """Validate a scenario document and resolve its price table and pathways.

    Parameters
    ----------
    raw
        The parsed scenario document (SPEC §3.3).
    source
        The file name used in messages.
    base_dir
        Folder that relative price-table and pathway paths are read from.
    name
        The scenario's name (shipped name or file stem), kept on the result.
    allow_paths
        False for the app's uploads: only shipped names and inline data, so an uploaded file can
        never make the server read another file.

    Returns
    -------
    Scenario
        The frozen scenario; raises :class:`~calculator.errors.InputError` listing every problem.

    Examples
    --------
    >>> from calculator.io import DATA_DIR, load_document
    >>> raw = load_document(DATA_DIR / "scenarios" / "self-pay.json")
    >>> scenario_from_dict(raw, "self-pay.json").prices.name
    'us-2025'
    """
    doc = validate(ScenarioDoc, raw, source)
    prices: PriceTable = _resolve(
        source, "prices", doc.prices, base_dir, allow_paths, load_price_table,
        lambda inline: inline_price_table(inline, source), "prices",
    )  # fmt: skip
    pathways: PathwaySet = _resolve(
        source, "pathways", doc.pathways, base_dir, allow_paths, load_pathways,
        lambda inline: _inline_pathways(inline, source), "pathways",
    )  # fmt: skip

    prices, region = _at_region(source, doc.prices, doc.region, prices)

    problems: list[InputError] = []

    def fail(where: str, expected: str, found: object = None, **kw: Any) -> None:
        problems.append(InputError(source, where, expected, found, **kw))

    schedules = ", ".join(prices.schedules)
    schedule = doc.schedule if doc.schedule is not None else prices.schedules[0]
    if schedule not in prices.schedules:
        fail("schedule", f"one of the table's schedules ({schedules})", schedule)
    for code in doc.price_overrides:
        if code not in prices:
            fail(f"price_overrides.{code}", f"a code in the price table {prices.label!r}", code)
    compare = tuple(doc.compare) if doc.compare is not None else pathways.ids
    for i, pathway_id in enumerate(compare):
        if pathway_id not in pathways:
            fail(f"compare[{i}]", f"one of the pathways ({', '.join(pathways.ids)})", pathway_id)
    if doc.insurance is not None:
        for i, code in enumerate(doc.insurance.uncovered_codes or ()):
            if code not in prices:
                fail(f"insurance.uncovered_codes[{i}]", "a code in the price table", code)
        uncovered = doc.insurance.uncovered_schedule
        if uncovered is not None and uncovered not in prices.schedules:
            fail("insurance.uncovered_schedule", f"one of the table's schedules ({schedules})", uncovered)
    problems.extend(_missing_codes(source, pathways, prices))
    budget: BudgetInputs | None = None
    if doc.budget is not None and not problems:
        from ..budget import check_mixes

        try:
            budget = check_mixes(budget_model(doc.budget), compare, source=source, prefix="budget")
        except InputError as exc:
            problems.append(exc)
    _raise_all(problems)

    scenario = scenario_model(
        doc, prices=prices, pathways=pathways, compare=compare, schedule=schedule, budget=budget, name=name,
        region=region,
    )  # fmt: skip
    if scenario.uncovered_schedule not in prices.schedules:
        raise InputError(
            source, "insurance.uncovered_schedule", f"one of the table's schedules ({schedules})",
            scenario.uncovered_schedule,
        )  # fmt: skip
    return scenario


def _at_region(source: str, raw_prices: object, raw_region: str, prices: PriceTable) -> tuple[PriceTable, str]:
    """SPEC §4.8: the shipped table built for the scenario's region (``national``: as shipped)."""
    from .regional import NATIONAL, canonical_region, has_regions, regional_price_table

    region = canonical_region(raw_region, source)
    if region == NATIONAL:
        return prices, region
    if not (isinstance(raw_prices, str) and has_regions(raw_prices)):
        raise InputError(
            source, "region", "'national' unless prices is a shipped table built from CMS files (us-2025)", raw_region
        )
    return regional_price_table(raw_prices, region), region


def _inline_pathways(doc: PathwayFileDoc | dict[str, PathwayDoc], source: str) -> PathwaySet:
    pathways = pathway_set_model(doc)
    _raise_all(check_escalation(source, "pathways", pathways) + check_labels(source, "pathways", pathways))
    return pathways


def _resolve(
    source: str,
    field: str,
    raw: str | BaseModel | dict[str, Any],
    base_dir: Path | None,
    allow_paths: bool,
    load_path: Callable[[Path], Any],
    from_inline: Callable[[Any], Any],
    shipped_kind: str,
) -> Any:
    if not isinstance(raw, str):
        return from_inline(raw)
    names = shipped_names(shipped_kind)
    if raw in names:
        suffix = ".csv" if shipped_kind == "prices" else ".json"
        return load_path(DATA_DIR / shipped_kind / f"{raw}{suffix}")
    looks_like_path = "/" in raw or "\\" in raw or "." in Path(raw).name
    if not allow_paths or not looks_like_path:
        raise InputError(source, field, f"a shipped name ({', '.join(names)})", raw)
    path = Path(raw)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        return load_path(path)
    except InputError as exc:
        if exc.found == "no such file":
            raise InputError(source, field, "the path of an existing file", raw) from None
        raise


def _missing_codes(source: str, pathways: PathwaySet, prices: PriceTable) -> list[InputError]:
    """SPEC §4.1: an item whose code is not in the price table is an input error."""
    return [
        InputError(
            source,
            f"pathways.{pathway.id}.visits[{v}].items[{i}].code",
            f"a code in the price table {prices.label!r} (visit {visit.name!r})",
            item.code,
        )
        for pathway in pathways.pathways
        for v, visit in enumerate(pathway.visits)
        for i, item in enumerate(visit.items)
        if item.code not in prices
    ]


# --------------------------------------------------------------------------------------------
# Any file (for ``python -m calculator validate``)


def load_plan(path: str | Path) -> PlanFileDoc:
    """A plan file (``{"label", "schedule", "insurance"}``), validated on its own; its codes and
    schedule are checked against a scenario's price table when it is used."""
    path = Path(path)
    return validate(PlanFileDoc, load_document(path), path.name)


def detect_kind(path: str | Path) -> str:
    """``prices``, ``price_metadata``, ``pathways``, ``scenario`` or ``plan``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        return "prices"
    if suffix not in (".json", ".toml"):
        raise InputError(path.name, "", "a .csv, .xlsx, .json or .toml file", found_text=repr(suffix or "no extension"))
    raw = load_document(path)
    if not isinstance(raw, dict):
        raise InputError(path.name, "top level", "an object with named fields", raw)
    if "insurance" in raw and not {"prices", "pathways"} & set(raw):
        return "plan"  # a plan file for `compare --plans` (SPEC §3.4)
    if "prices" in raw or "insurance" in raw or "schedule" in raw:
        return "scenario"
    if "pathways" in raw:
        return "pathways"
    if suffix == ".toml" and (set(raw) & {"currency", "schedules", "region"} or set(raw) <= set(_METADATA_KEYS)):
        return "price_metadata"
    return "pathways"


def load_any(path: str | Path) -> tuple[str, Any]:
    """Load and validate any file the project uses; returns its kind and the loaded object."""
    kind = detect_kind(path)
    loader: Callable[[Path], Any] = {
        "prices": load_price_table,
        "price_metadata": load_price_metadata,
        "pathways": load_pathways,
        "scenario": load_scenario,
        "plan": load_plan,
    }[kind]
    return kind, loader(Path(path))
