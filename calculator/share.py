"""Share links: a scenario's changes from its preset, compact and versioned, in one URL token.

The token is ``1.`` followed by base64url(zlib(JSON)) of ``{"p": preset, "c": changes}`` where
``changes`` is a JSON merge patch (RFC 7386) on the preset's scenario document. A link is
untrusted input: anything wrong with it (tampered, truncated, too large, an old version, changes
that break a rule) raises :class:`~calculator.errors.InputError`, and the scenario it yields is
validated like any uploaded file (shipped names and inline data only, never server paths).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .errors import InputError
from .i18n import DEFAULT_LANGUAGE, LANGUAGES
from .io import scenario_from_dict
from .io.regional import canonical_region
from .models import Scenario
from .nesting import check_nesting
from .regions import at_region
from .serialize import scenario_to_dict

__all__ = [
    "MAX_TOKEN_CHARS",
    "apply_patch",
    "changes_from",
    "decode_link",
    "encode_link",
    "link_query",
    "make_patch",
    "scenario_from_link",
]

VERSION = "1"
MAX_TOKEN_CHARS = 6_000  # keeps whole URLs well under common 8 KB limits
_SOURCE = "share link"
_ITEMS = "$items"


def make_patch(base: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch that turns ``base`` into ``new`` (keys absent from ``new`` become null).

    RFC 7386, with one extension so that one edited price row or visit does not carry its whole
    list: two lists of the same length become ``{"$items": {index: patch of that item}}``.
    """
    patch: dict[str, Any] = {}
    for key in base:
        if key not in new:
            patch[key] = None
    for key, value in new.items():
        old = base.get(key, _MISSING)
        if isinstance(value, dict) and isinstance(old, dict):
            inner = make_patch(old, value)
            if inner:
                patch[key] = inner
        elif isinstance(value, list) and isinstance(old, list) and len(value) == len(old) and value != old:
            patch[key] = {
                _ITEMS: {
                    str(i): make_patch(a, b) if isinstance(a, dict) and isinstance(b, dict) else b
                    for i, (a, b) in enumerate(zip(old, value, strict=True))
                    if a != b or type(a) is not type(b)
                }
            }
        elif old is _MISSING or old != value or type(old) is not type(value):
            patch[key] = value
    return patch


def apply_patch(base: Any, patch: Any) -> Any:
    """RFC 7386 (objects merge key by key, null deletes, anything else replaces), plus
    ``{"$items": ...}`` patches of single list items (see :func:`make_patch`)."""
    if isinstance(patch, dict) and set(patch) == {_ITEMS} and isinstance(base, list):
        items = list(base)
        for index, item_patch in patch[_ITEMS].items():
            position = int(index)
            if not 0 <= position < len(items):
                raise IndexError(index)
            items[position] = apply_patch(items[position], item_patch)
        return items
    if not isinstance(patch, dict):
        return patch
    result = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_patch(result.get(key), value)
    return result


class _Missing:
    pass


_MISSING = _Missing()


def encode_link(preset: str, changes: Mapping[str, Any]) -> str:
    payload = json.dumps({"p": preset, "c": changes}, separators=(",", ":"), sort_keys=True, allow_nan=False)
    packed = base64.urlsafe_b64encode(zlib.compress(payload.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    token = f"{VERSION}.{packed}"
    if len(token) > MAX_TOKEN_CHARS:
        raise InputError(
            _SOURCE,
            "",
            f"changes that fit in a link (at most {MAX_TOKEN_CHARS:,} characters)",
            found_text=f"{len(token):,} characters; save the scenario as a file instead",
        )
    return token


def link_query(token: str | None, language: str) -> dict[str, str]:
    """The query parameters of a share link: ``s`` (the scenario's token, when it differs from
    its preset) and ``lang`` (when not English), so the recipient sees the sender's language.

    >>> link_query("1.abc", "es")
    {'s': '1.abc', 'lang': 'es'}
    >>> link_query(None, "en")
    {}
    """
    query: dict[str, str] = {}
    if token:
        query["s"] = token
    if language in LANGUAGES and language != DEFAULT_LANGUAGE:
        query["lang"] = language
    return query


def decode_link(token: str) -> tuple[str, dict[str, Any]]:
    """``(preset, changes)`` from a token, or an InputError saying what is wrong with it."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InputError(
            _SOURCE, "", f"a link token of at most {MAX_TOKEN_CHARS:,} characters", found_text="a longer one"
        )
    version, sep, packed = token.partition(".")
    if not sep or version != VERSION:
        raise InputError(_SOURCE, "version", f"a version {VERSION} link", found_text=repr(version[:10]))
    try:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, 200_000)
        if not inflater.eof:  # cut short (even by its checksum alone), or inflating beyond the limit
            raise ValueError("incomplete")
        text = data.decode("utf-8")
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError):
        raise InputError(_SOURCE, "", "an intact link", found_text="a damaged or truncated one") from None
    check_nesting(text, _SOURCE, "json")  # before json.loads recurses into a 20,000-deep link
    try:
        payload = json.loads(text)
    except ValueError:
        raise InputError(_SOURCE, "", "an intact link", found_text="a damaged or truncated one") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), str) or not isinstance(payload.get("c"), dict):
        raise InputError(_SOURCE, "", "a preset name and changes", found_text="something else")
    return payload["p"], payload["c"]


def changes_from(preset: Scenario, scenario: Scenario) -> dict[str, Any]:
    """The merge patch from ``preset`` to ``scenario`` ({} when they are the same).

    Both documents are written inline, so an edited number of one pathway or one price row
    travels alone rather than as the whole pathway set or table.
    """
    # A region travels as its name, not as its whole price table (SPEC §4.8).
    base = at_region(preset, scenario.region)
    patch = make_patch(scenario_to_dict(base, inline=True), scenario_to_dict(scenario, inline=True))
    if base.region != "national":
        patch["region"] = base.region
    return patch


def scenario_from_link(token: str, presets: Mapping[str, Scenario]) -> tuple[str, Scenario]:
    """Rebuild the shared scenario from its preset and changes (validated like an upload)."""
    preset, changes = decode_link(token)
    if preset not in presets:
        raise InputError(_SOURCE, "preset", f"one of {', '.join(presets)}", preset)
    region = changes.get("region")
    if region is not None and not isinstance(region, str):
        raise InputError(_SOURCE, "region", "a region name such as NY-01", region)
    base = at_region(presets[preset], canonical_region(region, _SOURCE) if region else None)
    try:
        document = apply_patch(scenario_to_dict(base, inline=True), changes)
    except (IndexError, ValueError, TypeError, AttributeError):
        raise InputError(_SOURCE, "changes", "changes that fit the preset", found_text="ones that do not") from None
    if isinstance(document, dict):
        # The prices are inline here (the region's table plus any edits), so the region is a label.
        document.pop("region", None)
    scenario = scenario_from_dict(document, _SOURCE, allow_paths=False, name=base.name)
    # Inline documents load as unnamed tables; they derive from the preset's, so keep its names.
    return preset, replace(
        scenario,
        region=base.region,
        prices=replace(scenario.prices, name=base.prices.name),
        pathways=replace(scenario.pathways, name=base.pathways.name),
    )


def link_for(preset: str, presets: Mapping[str, Scenario], scenario: Scenario) -> str:
    """The token that reproduces ``scenario`` from ``presets[preset]``."""
    return encode_link(preset, changes_from(presets[preset], scenario))
