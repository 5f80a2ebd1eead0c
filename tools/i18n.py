"""Keep the translation catalogs in step with the code and the shipped data (Babel).

    python tools/i18n.py extract   # write locales/messages.pot from the code and data/
    python tools/i18n.py update    # merge the template into every locales/<lang>/.../messages.po
    python tools/i18n.py check     # exit 1 listing every message a catalog lacks

Messages come from two places: calls of ``_``/``gettext``/``ngettext``/``N_`` in the app, its
glue and the engine's patient-facing text, and the labels of the shipped data (treatments,
visits, adverse events, scenarios, the checklist), which a page passes through the same
translator when it shows them. A label a user typed or uploaded is not in the catalog and is
shown as typed.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
SOURCE_DIRS = ("app_pages", "ui", "calculator")
SOURCE_FILES = ("app.py",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
# Keys of the shipped data whose text a patient reads.
DATA_TEXT_KEYS = frozenset(
    {"label", "description", "name", "population", "text", "includes", "note_for_patient", "region"}
)
# Tables whose values are all text whatever their keys (evidence tags' meanings, price schedules' notes).
TEXT_TABLES = frozenset({"labels", "schedules"})
DATA_DIRS = ("pathways", "scenarios", "content", "prices")


def _python_messages() -> Iterator[tuple[str, str | tuple[str, ...], int]]:
    method_map = [("**.py", "python")]
    for folder in SOURCE_DIRS:
        path = ROOT / folder
        if not path.is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(path), method_map=method_map, keywords=KEYWORDS
        ):
            yield f"{folder}/{filename}", message, lineno
    for name in SOURCE_FILES:
        path = ROOT / name
        if path.is_file():
            from babel.messages.extract import extract

            with path.open("rb") as handle:
                for lineno, message, _comments, _context in extract("python", handle, keywords=KEYWORDS):
                    yield name, message, lineno


def _strings(value: object, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, "label" if key in TEXT_TABLES else str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str) and key in DATA_TEXT_KEYS and value.strip():
        yield value


def data_messages() -> Iterator[tuple[str, str]]:
    """(file, text) for every patient-facing label of the shipped data."""
    for folder in DATA_DIRS:
        path = ROOT / "data" / folder
        if not path.is_dir():
            continue
        for file in sorted(path.iterdir()):
            if file.suffix == ".json":
                document = json.loads(file.read_text(encoding="utf-8"))
            elif file.suffix == ".toml":
                document = tomllib.loads(file.read_text(encoding="utf-8"))
            else:
                continue
            for text in _strings(document):
                yield f"data/{folder}/{file.name}", text
    for table in sorted((ROOT / "data" / "prices").glob("*.csv")):
        lines = [line for line in table.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        for row in csv.DictReader(io.StringIO("\n".join(lines))):
            if row.get("description"):
                yield f"data/prices/{table.name}", row["description"]


def template() -> Catalog:
    """Every message of the code and the shipped data, as a Babel catalog template."""
    catalog = Catalog(project="lbp-cost-calculator", charset="utf-8", fuzzy=False)
    for filename, message, lineno in _python_messages():
        catalog.add(message, locations=[(filename, lineno)], flags=("python-format",) if "%" in str(message) else ())
    for filename, text in data_messages():
        catalog.add(text, locations=[(filename, 0)])
    return catalog


def languages() -> list[str]:
    return sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())


def read_catalog(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def problems(language: str, pot: Catalog | None = None) -> list[str]:
    """Messages of the template that ``language`` lacks, leaves empty or marks fuzzy."""
    pot = pot or template()
    catalog = read_catalog(language)
    found = []
    for message in pot:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None:
            found.append(f"missing: {message.id!r}")
        elif translated.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not translated.string or (isinstance(translated.string, tuple) and not all(translated.string)):
            found.append(f"untranslated: {message.id!r}")
    return found


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False, include_lineno=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    pot = template()
    if command == "extract":
        _write(pot, TEMPLATE)
        print(f"{len(pot)} messages in {TEMPLATE.relative_to(ROOT)}")
        return 0
    if command == "update":
        _write(pot, TEMPLATE)
        for language in languages():
            catalog = read_catalog(language)
            catalog.update(pot, update_header_comment=False)
            _write(catalog, LOCALES / language / "LC_MESSAGES" / "messages.po")
            print(f"{language}: {len(problems(language, pot))} messages to translate")
        return 0
    if command == "check":
        bad = [f"{language}: {p}" for language in languages() for p in problems(language, pot)]
        print("\n".join(bad) if bad else "every catalog is complete")
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
