"""Turn pydantic's list of validation errors into the sentences of SPEC §3.

Every problem becomes one :class:`~calculator.errors.InputError` sentence naming the file, the
field path in the project's style (``insurance.coinsurance``, ``pathways.needling.visits[1].count``,
``prices.rows[0], column 'commercial'``), what was expected in domain words ("a probability from 0
to 1", "a whole number") and what was found. All the problems of a file are kept.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..errors import InputError, describe_found

__all__ = ["allowed_fields", "field_path", "input_error"]

_LISTS = {
    "visits": "a list of visits",
    "items": "a list of billed items",
    "adverse_events": "a list of adverse events",
    "uncovered_codes": "a list of codes",
    "sources": "a list of citation texts",
    "rows": "a non-empty list of price rows",
    "compare": "a non-empty list of pathway names",
}
_EXPECTED = {
    "model_type": "an object with named fields",
    "model_attributes_type": "an object with named fields",
    "dict_type": "an object with named fields",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "missing": "a value (the field is required)",
}


def field_path(loc: tuple[int | str, ...], at: str = "") -> str:
    """``("pathways", "needling", "visits", 1, "count")`` → ``pathways.needling.visits[1].count``.

    Union tags (``~file``) and pydantic's ``[key]`` marker are dropped; a pathway file inside a
    scenario reads ``pathways.<id>`` as in a pathway file; a price row's field reads as its column.
    """
    parts: list[int | str] = []
    skip_next_pathways = False
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, str) and part.startswith("~"):
            skip_next_pathways = part == "~file"
            continue
        if skip_next_pathways and part == "pathways":
            skip_next_pathways = False
            continue
        parts.append(part)
    if at:
        parts.extend(_split(at))
    text = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            text += f"[{part}]"
            column_named = i + 2 < len(parts) or (i + 1 < len(parts) and parts[i + 1] not in ("prices", "mppr"))
            if i >= 1 and parts[i - 1] == "rows" and column_named:
                return text_with_column(text, parts[i + 1 :])
        else:
            text += f".{part}" if text else str(part)
    return text


def text_with_column(prefix: str, rest: list[int | str]) -> str:
    """``prices.rows[0]`` + ``["prices", "commercial"]`` → ``prices.rows[0], column 'commercial'``."""
    field = str(rest[0])
    if field in ("prices", "mppr") and len(rest) > 1:
        column = str(rest[1]) if field == "prices" else f"mppr_{rest[1]}"
    else:
        column = field
    return f"{prefix}, column {column!r}"


def _split(at: str) -> list[int | str]:
    out: list[int | str] = []
    for piece in at.replace("[", ".[").split("."):
        if not piece:
            continue
        out.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return out


def _expand(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (through Annotated, unions and Optional)."""
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        return _expand(inner) + [
            t for m in metadata for t in _expand(getattr(m, "json_schema_input_type", None)) if t is not Any
        ]
    if get_origin(annotation) in (Union, UnionType):
        return [t for arg in get_args(annotation) for t in _expand(arg)]
    return [] if annotation is None else [annotation]


def _step(annotation: Any, part: int | str) -> list[Any]:
    out: list[Any] = []
    for kind in _expand(annotation):
        if isinstance(part, str) and part.startswith("~"):
            out.append(kind)  # a union tag: stay on the union's members
        elif isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(part, str):
            fields = {f.alias or name: f for name, f in kind.model_fields.items()}
            if part in fields:
                field = fields[part]
                out.append(Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation)
        elif get_origin(kind) is dict and isinstance(part, str):
            out.append(get_args(kind)[1])
        elif get_origin(kind) is list and isinstance(part, int):
            out.append(get_args(kind)[0])
    return out


def allowed_fields(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The fields of the declared object at ``loc`` (for an unknown-key message)."""
    candidates: list[Any] = [root]
    for part in loc:
        candidates = [t for c in candidates for t in _step(c, part)]
    for kind in (t for c in candidates for t in _expand(c)):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return [f.alias or name for name, f in kind.model_fields.items() if not (f.alias or "").startswith("$")]
    return []


def _sentence(source: str, error: Any, prefix: str, root: type[BaseModel] | None) -> InputError:
    kind = error["type"]
    context = error.get("ctx") or {}
    loc = (*([prefix] if prefix else []), *error["loc"])
    if kind == "extra_forbidden" and root is not None:
        allowed = allowed_fields(root, tuple(error["loc"][:-1]))
        if allowed:
            unknown = f"the unknown field {str(error['loc'][-1])!r}"
            return InputError(source, field_path(loc), f"one of the fields {', '.join(allowed)}", found_text=unknown)
    if kind == "domain":
        found = context["found"] if "found" in context else describe_found(error.get("input"))
        return InputError(source, field_path(loc, context.get("at", "")), context["expected"], found_text=found)
    found = None if kind == "missing" else error.get("input")
    if kind == "list_type":
        expected = _LISTS.get(str(loc[-1]) if loc else "", "a list")
    elif kind == "too_long":
        expected = f"at most {context.get('max_length', 0):,} entries"
    elif kind == "too_short":
        expected = f"at least {context.get('min_length', 0):,} entries"
    else:
        expected = _EXPECTED.get(kind) or (error["msg"][0].lower() + error["msg"][1:])
    if not loc:
        return InputError(source, "top level", expected, found)
    return InputError(source, field_path(loc), expected, found)


def input_error(exc: ValidationError, source: str, prefix: str = "", root: type[BaseModel] | None = None) -> InputError:
    """Every problem of ``exc`` as one InputError (message: the first; ``.problems``: all).

    ``prefix`` is the path of the validated block inside its file (e.g. ``budget``); ``root`` the
    declaration that was validated, so an unknown key's message can list the allowed fields.
    """
    errors = exc.errors(include_url=False)
    return InputError.from_problems([_sentence(source, error, prefix, root) for error in errors])
