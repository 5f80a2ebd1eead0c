"""Display content read from ``data/content/``: option colours, evidence-tag labels and the
patient checklist.

The engine knows nothing about back pain (SPEC §1): these files hold the words and colours
that belong to the shipped treatments, so a clinic can change them without touching code.
Each loader reads its file once per process (the files ship with the app).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["CONTENT_DIR", "CheckItem", "Checklist", "EvidenceLabels", "checklist", "evidence", "option_palette"]

CONTENT_DIR = Path(__file__).resolve().parent.parent / "data" / "content"


def _read(name: str) -> dict[str, Any]:
    path = CONTENT_DIR / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(str(path), "", "a readable UTF-8 TOML file", found_text=type(error).__name__) from error


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, key, "a non-empty text", value)
    return value


@dataclass(frozen=True)
class OptionPalette:
    """Colours of the options: fixed ones by option id, then ``fallback`` for any other id."""

    colors: Mapping[str, str]
    fallback: tuple[str, ...]


@cache
def option_palette() -> OptionPalette:
    """The option colours of ``data/content/options.toml``.

    >>> option_palette().colors["medication"]
    '#e07b39'
    """
    data = _read("options.toml")
    colors = data.get("colors", {})
    fallback = data.get("palette", {}).get("fallback", [])
    where = str(CONTENT_DIR / "options.toml")
    if not isinstance(colors, dict) or not all(isinstance(v, str) for v in colors.values()):
        raise InputError(where, "colors", "a table of option id = colour", colors)
    if not fallback or not all(isinstance(v, str) for v in fallback):
        raise InputError(where, "palette.fallback", "a non-empty list of colours", fallback)
    return OptionPalette(dict(colors), tuple(fallback))


@dataclass(frozen=True)
class EvidenceLabels:
    """What each evidence tag means, and which tags mark an assumption rather than a sourced fact."""

    labels: Mapping[str, str]
    flagged: frozenset[str]

    def describe(self, tag: str | None) -> str:
        """``"A · modelling assumption, no source"``; an unknown tag is shown as it is, empty as "–"."""
        label = self.labels.get(tag or "")
        return f"{tag} · {label}" if label is not None else (tag or "–")


@cache
def evidence() -> EvidenceLabels:
    """The evidence-tag labels of ``data/content/evidence.toml``.

    >>> evidence().describe("A")
    'A · modelling assumption, no source'
    """
    data = _read("evidence.toml")
    where = str(CONTENT_DIR / "evidence.toml")
    labels = data.get("labels", {})
    if not isinstance(labels, dict) or not labels:
        raise InputError(where, "labels", "a table of tag = meaning", labels)
    flagged = frozenset(data.get("flagged", []))
    if not flagged <= set(labels):
        raise InputError(where, "flagged", f"tags among {', '.join(labels)}", sorted(flagged))
    return EvidenceLabels({tag: _text(labels, tag, where) for tag in labels}, flagged)


@dataclass(frozen=True)
class CheckItem:
    """One question of a checklist; ``kind`` is "contraindication" or "precaution"."""

    key: str
    question: str
    kind: str


@dataclass(frozen=True)
class Checklist:
    """A patient checklist: questions to tick and the warning shown when any is ticked."""

    title: str
    intro: str
    none_ticked: str
    warning: str  # with "{ticked}" where the ticked questions go
    items: tuple[CheckItem, ...]


@cache
def checklist() -> Checklist:
    """The checklist of ``data/content/checklist.toml``.

    >>> checklist().title
    'Is dry needling for me?'
    """
    data = _read("checklist.toml")
    where = str(CONTENT_DIR / "checklist.toml")
    items = []
    for n, item in enumerate(data.get("items", []), start=1):
        at = f"{where}, item {n}"
        kind = _text(item, "kind", at)
        if kind not in ("contraindication", "precaution"):
            raise InputError(at, "kind", "contraindication or precaution", kind)
        items.append(CheckItem(_text(item, "key", at), _text(item, "question", at), kind))
    if not items:
        raise InputError(where, "items", "at least one item", "none")
    warning = _text(data, "warning", where)
    if "{ticked}" not in warning:
        raise InputError(where, "warning", "a text containing {ticked}", warning)
    return Checklist(
        _text(data, "title", where),
        _text(data, "intro", where),
        _text(data, "none_ticked", where),
        warning,
        tuple(items),
    )
