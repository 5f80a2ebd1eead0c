"""Build SPEC §3.1 price tables from CMS's published fee-schedule files (SPEC §3.1b).

Reads either CMS's own file layouts (the PPRRVU relative value file with its title and
multi-line header, the GPCI Addendum E with its title and footnote rows, ANES with the national
conversion factor in its header, the tab-separated Latin-1 OPPS Addendum B) or the plain
extracts shipped under ``data/cms-2025/``, and a build recipe (``data/recipes/us-2025.csv``)
saying how each billable item is priced. A new year is a data update: new CMS files and, if
the multipliers or cash prices change, a new recipe.

All money arithmetic is :class:`decimal.Decimal` and every amount is rounded to the cent half up,
as CMS rounds its fee schedule amounts (97110 national: (0.45 + 0.43 + 0.01) × 32.3465 = 28.79).

It is over 400 lines because it reads four CMS file layouts (each in its published form and
as an extract) and prices each recipe row by its method; the readers and the formulas are
checked together against the CMS examples (tests/test_fee_schedule.py).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from .errors import InputError

__all__ = [
    "CMS_DIR",
    "OUTPUT_COLUMNS",
    "RECIPE_PATH",
    "Anesthesia",
    "BuiltTable",
    "CmsData",
    "Locality",
    "Opps",
    "RecipeRow",
    "Rvu",
    "build_table",
    "load_anesthesia",
    "load_cms",
    "load_gpci",
    "load_opps",
    "load_recipe",
    "load_rvu",
    "render_csv",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CMS_DIR = DATA_DIR / "cms-2025"
RECIPE_PATH = DATA_DIR / "recipes" / "us-2025.csv"  # not in prices/, which lists price tables
MAX_CMS_FILE_BYTES = 64 * 1024 * 1024  # the full PPRRVU file is about 3 MB; OPPS Addendum B about 2 MB
MAX_CMS_ROWS = 200_000
CENT = Decimal("0.01")
OUTPUT_COLUMNS = (
    "code",
    "description",
    "category",
    "unit",
    "medicare",
    "commercial",
    "self_pay",
    "mppr_medicare",
    "source",
    "as_of",
    "evidence",
    "note",
)
METHODS = ("pfs_nonfacility", "pfs_facility", "anesthesia", "opps", "fixed")
SELF_PAY_RULES = ("fixed", "commercial", "share", "remainder")
_LOCALITY = re.compile(r"^([A-Z]{2})-(\d{2})$")


def cents(value: Decimal) -> Decimal:
    """Round half up to the cent, as CMS rounds fee schedule amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Reading files


def _read_text(path: str | Path) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CMS_FILE_BYTES:
            raise InputError(path.name, "", f"a file of at most {MAX_CMS_FILE_BYTES // 2**20} MB", f"{size:,} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), "", "a readable file", found_text=exc.strerror or type(exc).__name__) from None
    if b"\0" in data[:4096]:
        raise InputError(path.name, "", "a CSV or tab-separated text file", found_text="binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # CMS publishes Addendum B in Latin-1 (Windows-1252); every byte decodes there.
        return data.decode("cp1252", errors="replace")


def _rows(text: str, source: str, delimiter: str = ",") -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputError(source, "", "well-formed CSV", found_text=f"a CSV error ({exc})") from None
    if len(rows) > MAX_CMS_ROWS:
        raise InputError(source, "", f"at most {MAX_CMS_ROWS:,} rows", found_text=f"{len(rows):,}")
    return [[cell.strip() for cell in row] for row in rows]


def _decimal(source: str, where: str, text: str, *, blank: Decimal | None = None) -> Decimal:
    cleaned = text.replace("$", "").replace(",", "").strip()
    if not cleaned and blank is not None:
        return blank
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InputError(source, where, "a number", text) from None
    if not value.is_finite() or value < 0:
        raise InputError(source, where, "a non-negative number", text)
    return value


def _header_index(rows: list[list[str]], source: str, wanted: Iterable[str], what: str) -> tuple[int, list[str]]:
    """The first row whose lower-cased cells include every name in ``wanted``."""
    wanted = list(wanted)
    for number, row in enumerate(rows):
        names = [c.lower() for c in row]
        if all(w in names for w in wanted):
            return number, names
    raise InputError(source, "", what, found_text="no such header row")


@dataclass(frozen=True)
class Rvu:
    """One line of the PFS relative value file (global, ``26`` or ``TC``)."""

    hcpcs: str
    modifier: str
    status: str
    work: Decimal
    pe_nonfacility: Decimal
    pe_facility: Decimal
    mp: Decimal
    global_days: str
    conversion_factor: Decimal
    mult_proc: str = ""  # "5": therapy multiple procedure payment reduction (only in CMS's layout)


def load_rvu(path: str | Path) -> tuple[dict[tuple[str, str], Rvu], str]:
    """RVUs by (HCPCS, modifier) from PPRRVU (CMS layout) or the extract, and the release note.

    Parameters
    ----------
    path : str or Path
        ``PPRRVU2025_Oct.csv`` as CMS publishes it, or ``rvu-2025-october.csv``.

    Returns
    -------
    (dict, str)
        ``{("97110", ""): Rvu(...)}`` and e.g. ``"RELEASED 09/11/2025"`` ("" for the extract).
    """
    source = Path(path).name
    rows = _rows(_read_text(path), source)
    release = next((c for row in rows[:12] for c in row if c.upper().startswith("RELEASED")), "")
    first = [c.lower() for c in rows[0]] if rows else []
    out: dict[tuple[str, str], Rvu] = {}
    if "work_rvu" in first:
        start, names = 0, first
        col = {n: names.index(n) for n in names}
        keys = {
            "hcpcs": "hcpcs",
            "modifier": "modifier",
            "status": "status",
            "work": "work_rvu",
            "pe_nf": "pe_rvu_nonfacility",
            "pe_f": "pe_rvu_facility",
            "mp": "mp_rvu",
            "glob": "global_days",
            "cf": "conversion_factor",
        }
    else:
        start, names = _header_index(rows, source, ("hcpcs", "mod"), "a header row with HCPCS and MOD (PPRRVU layout)")
        # CMS spreads each column name over the rows above: join them ("NON-FAC" + "PE RVU").
        first_header = next(
            (i + 1 for i in range(start - 1, -1, -1) if any(c.upper().startswith("RELEASED") for c in rows[i])),
            max(0, start - 4),
        )
        width = len(rows[start])
        joined = [
            " ".join(rows[r][c] for r in range(first_header, start + 1) if c < len(rows[r]) and rows[r][c]).upper()
            for c in range(width)
        ]
        col = {name: i for i, name in enumerate(joined)}
        keys = {
            "hcpcs": "HCPCS",
            "modifier": "MOD",
            "status": "STATUS CODE",
            "work": "WORK RVU",
            "pe_nf": "NON-FAC PE RVU",
            "pe_f": "FACILITY PE RVU",
            "mp": "MP RVU",
            "glob": "GLOB DAYS",
            "cf": "CONV FACTOR",
            "mult": "MULT PROC",
        }
    missing = [k for k, name in keys.items() if name not in col]
    if missing:
        raise InputError(source, f"header row {start + 1}", f"a column {keys[missing[0]]!r}", found_text="none")
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not row or not row[0] or len(row) <= max(col[name] for name in keys.values()):
            continue
        where = f"row {number}"

        def num(key: str, row: list[str] = row, where: str = where) -> Decimal:
            return _decimal(source, f"{where}, column {keys[key]!r}", row[col[keys[key]]], blank=Decimal(0))

        rvu = Rvu(
            hcpcs=row[col[keys["hcpcs"]]].upper(),
            modifier=row[col[keys["modifier"]]].upper(),
            status=row[col[keys["status"]]].upper(),
            work=num("work"),
            pe_nonfacility=num("pe_nf"),
            pe_facility=num("pe_f"),
            mp=num("mp"),
            global_days=row[col[keys["glob"]]].upper(),
            conversion_factor=num("cf"),
            mult_proc=row[col[keys["mult"]]] if "mult" in keys else "",
        )
        out[(rvu.hcpcs, rvu.modifier)] = rvu
    if not out:
        raise InputError(source, "", "at least one RVU row", found_text="none")
    return out, release


@dataclass(frozen=True)
class Locality:
    """A Medicare payment locality with its GPCIs; ``id`` is ``<state>-<nn>`` (SPEC §3.1b)."""

    mac: str
    state: str
    number: str
    name: str
    pw: Decimal
    pe: Decimal
    mp: Decimal

    @property
    def id(self) -> str:
        return f"{self.state}-{self.number}"


NATIONAL = Locality("", "US", "", "national", Decimal(1), Decimal(1), Decimal(1))


def load_gpci(path: str | Path) -> dict[str, Locality]:
    """Localities by id from GPCI2025 (Addendum E layout, title and footnote rows) or the extract."""
    source = Path(path).name
    rows = _rows(_read_text(path), source)
    first = [c.lower() for c in rows[0]] if rows else []
    if "pw_gpci" in first:
        start, names = 0, first
        cols = [names.index(n) for n in ("mac", "state", "locality", "locality_name", "pw_gpci", "pe_gpci", "mp_gpci")]
    else:
        start, names = next(
            ((i, [c.lower() for c in r]) for i, r in enumerate(rows) if any("pw gpci" in c.lower() for c in r)),
            (-1, []),
        )
        if start < 0:
            raise InputError(source, "", "a header row with a PW GPCI column (GPCI file)", found_text="none")

        def find(word: str) -> int:
            return next(i for i, n in enumerate(names) if word in n)

        try:
            cols = [find(w) for w in ("contractor", "state", "locality number", "locality name", "pw", "pe", "mp")]
        except StopIteration:
            raise InputError(source, f"row {start + 1}", "the GPCI file's column headings", rows[start]) from None
    out: dict[str, Locality] = {}
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if len(row) <= max(cols) or not re.fullmatch(r"\d{5}", row[cols[0]]) or not row[cols[2]].isdigit():
            continue  # footnotes ("MAC Assignments as of ...", "*Work GPCI reflects ...") and blank rows
        where = f"row {number}"
        locality = Locality(
            mac=row[cols[0]],
            state=row[cols[1]].upper(),
            number=row[cols[2]].zfill(2),
            name=row[cols[3]],
            pw=_decimal(source, f"{where}, PW GPCI", row[cols[4]]),
            pe=_decimal(source, f"{where}, PE GPCI", row[cols[5]]),
            mp=_decimal(source, f"{where}, MP GPCI", row[cols[6]]),
        )
        if locality.id in out and out[locality.id] != locality:
            raise InputError(source, where, f"one set of GPCIs for locality {locality.id}", found_text="two")
        out[locality.id] = locality
    if not out:
        raise InputError(source, "", "at least one locality row", found_text="none")
    return out


@dataclass(frozen=True)
class Anesthesia:
    """Anesthesia conversion factors by (MAC, locality number), the national one, and base units."""

    cf: Mapping[tuple[str, str], Decimal]
    national_cf: Decimal | None
    base_units: Mapping[str, Decimal] = field(default_factory=dict)


def load_anesthesia(path: str | Path, base_units_path: str | Path | None = None) -> Anesthesia:
    """Conversion factors from ANES2025 (national CF in its header) or the extract, plus base units."""
    source = Path(path).name
    rows = _rows(_read_text(path), source)
    if not rows:
        raise InputError(source, "", "an anesthesia conversion factor file", found_text="an empty file")
    header = " ".join(rows[0])
    match = re.search(r"national anes\w* cf of\s*([0-9.]+)", header, re.IGNORECASE)
    national = Decimal(match[1]) if match else None
    lowered = [c.lower() for c in rows[0]]
    if "anesthesia_cf" in lowered:
        mac_col, loc_col, cf_col = lowered.index("mac"), lowered.index("locality"), lowered.index("anesthesia_cf")
    elif any(c.startswith("contractor") for c in lowered):
        mac_col, loc_col, cf_col = 0, 1, 3
    else:
        raise InputError(source, "row 1", "an ANES header (Contractor, Locality, ...) or anesthesia_cf", rows[0])
    cf: dict[tuple[str, str], Decimal] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= cf_col or not re.fullmatch(r"\d{5}", row[mac_col]):
            continue
        cf[(row[mac_col], row[loc_col].zfill(2))] = _decimal(source, f"row {number}, conversion factor", row[cf_col])
    base: dict[str, Decimal] = {}
    if base_units_path is not None:
        base_source = Path(base_units_path).name
        base_rows = _rows(_read_text(base_units_path), base_source)
        _, names = _header_index(base_rows, base_source, ("anesthesia_code", "base_units"), "the base-unit columns")
        code_col, unit_col = names.index("anesthesia_code"), names.index("base_units")
        for number, row in enumerate(base_rows[1:], start=2):
            if len(row) > unit_col and row[code_col]:
                base[row[code_col]] = _decimal(base_source, f"row {number}, base_units", row[unit_col])
    return Anesthesia(cf, national, base)


@dataclass(frozen=True)
class Opps:
    hcpcs: str
    status_indicator: str
    apc: str
    payment_rate: Decimal | None


def load_opps(path: str | Path) -> dict[str, Opps]:
    """OPPS national payment rates from Addendum B (tab-separated, Latin-1, title rows) or the extract."""
    source = Path(path).name
    text = _read_text(path)
    first_line = text.splitlines()[0] if text else ""
    delimiter = "\t" if "\t" in first_line else ","
    rows = _rows(text, source, delimiter)
    lowered = [c.lower() for c in rows[0]] if rows else []
    if "payment_rate" in lowered:
        start, names = 0, lowered
        cols = [names.index(n) for n in ("hcpcs", "status_indicator", "apc", "payment_rate")]
    else:
        start, names = _header_index(rows, source, ("hcpcs code", "si", "apc", "payment rate"), "Addendum B headings")
        cols = [names.index(n) for n in ("hcpcs code", "si", "apc", "payment rate")]
    out: dict[str, Opps] = {}
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if len(row) <= cols[1] or not row[cols[0]]:
            continue
        rate_text = row[cols[3]] if len(row) > cols[3] else ""
        rate = None if not rate_text.strip() else _decimal(source, f"row {number}, payment rate", rate_text)
        out[row[cols[0]].upper()] = Opps(row[cols[0]].upper(), row[cols[1]].strip(), row[cols[2]], rate)
    if not out:
        raise InputError(source, "", "at least one HCPCS row", found_text="none")
    return out


@dataclass(frozen=True)
class CmsData:
    rvu: Mapping[tuple[str, str], Rvu]
    localities: Mapping[str, Locality]
    anesthesia: Anesthesia
    opps: Mapping[str, Opps]
    release: str = ""
    files: Mapping[str, str] = field(default_factory=dict)


def load_cms(
    rvu: str | Path | None = None,
    gpci: str | Path | None = None,
    anesthesia: str | Path | None = None,
    opps: str | Path | None = None,
    base_units: str | Path | None = None,
) -> CmsData:
    """The CMS inputs of a build; any file not given is the shipped 2025 extract (``data/cms-2025``)."""
    manifest = tomllib.loads((CMS_DIR / "files.toml").read_text(encoding="utf-8"))
    paths = {
        "rvu": Path(rvu) if rvu else CMS_DIR / manifest["rvu"]["file"],
        "gpci": Path(gpci) if gpci else CMS_DIR / manifest["gpci"]["file"],
        "anesthesia": Path(anesthesia) if anesthesia else CMS_DIR / manifest["anesthesia"]["file"],
        "opps": Path(opps) if opps else CMS_DIR / manifest["opps"]["file"],
        "base_units": Path(base_units) if base_units else CMS_DIR / manifest["base_units"]["file"],
    }
    rvus, release = load_rvu(paths["rvu"])
    anes = load_anesthesia(paths["anesthesia"], paths["base_units"])
    if anes.national_cf is None and not anesthesia:
        # The extract has no national row; the manifest carries the factor from ANES2025's header.
        anes = Anesthesia(anes.cf, Decimal(str(manifest["anesthesia"]["national_cf"])), anes.base_units)
    files = {k: p.name for k, p in paths.items()}
    return CmsData(rvus, load_gpci(paths["gpci"]), anes, load_opps(paths["opps"]), release, files)


# --------------------------------------------------------------------------------------------
# The recipe


@dataclass(frozen=True)
class RecipeRow:
    code: str
    description: str
    category: str
    unit: str
    method: str
    cms_code: str
    time_units: Decimal
    medicare_fixed: Decimal | None
    medicare_source: str
    commercial_multiplier: Decimal | None
    commercial_low: Decimal | None
    commercial_high: Decimal | None
    commercial_fixed: Decimal | None
    commercial_source: str
    self_pay_rule: str
    self_pay: Decimal | None
    self_pay_bundle: str
    self_pay_source: str
    mppr: bool
    as_of: str
    evidence: str
    note: str


RECIPE_COLUMNS = tuple(f for f in RecipeRow.__dataclass_fields__)


def load_recipe(path: str | Path = RECIPE_PATH) -> list[RecipeRow]:
    """The build recipe: one row per billable item, how it is priced (see ``data/README.md``)."""
    source = Path(path).name
    rows = _rows(_read_text(path), source)
    rows = [r for r in rows if r and any(r) and not r[0].startswith("#")]
    if not rows:
        raise InputError(source, "", "a header row and recipe rows", found_text="an empty file")
    names = [c.lower() for c in rows[0]]
    missing = [c for c in RECIPE_COLUMNS if c not in names]
    if missing:
        raise InputError(source, "header row", f"a column {missing[0]!r}", found_text="none")
    out: list[RecipeRow] = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = dict(zip(names, [*raw, *[""] * (len(names) - len(raw))], strict=False))
        where = f"row {number}"

        def opt(key: str, cells: dict[str, str] = cells, where: str = where) -> Decimal | None:
            text = cells[key]
            return None if not text else _decimal(source, f"{where}, column {key!r}", text)

        method = cells["method"]
        if method not in METHODS:
            raise InputError(source, f"{where}, column 'method'", f"one of {', '.join(METHODS)}", method)
        rule = cells["self_pay_rule"]
        if rule not in SELF_PAY_RULES:
            raise InputError(source, f"{where}, column 'self_pay_rule'", f"one of {', '.join(SELF_PAY_RULES)}", rule)
        row = RecipeRow(
            code=cells["code"],
            description=cells["description"],
            category=cells["category"],
            unit=cells["unit"],
            method=method,
            cms_code=cells["cms_code"] or cells["code"],
            time_units=opt("time_units") or Decimal(0),
            medicare_fixed=opt("medicare_fixed"),
            medicare_source=cells["medicare_source"],
            commercial_multiplier=opt("commercial_multiplier"),
            commercial_low=opt("commercial_low"),
            commercial_high=opt("commercial_high"),
            commercial_fixed=opt("commercial_fixed"),
            commercial_source=cells["commercial_source"],
            self_pay_rule=rule,
            self_pay=opt("self_pay"),
            self_pay_bundle=cells["self_pay_bundle"],
            self_pay_source=cells["self_pay_source"],
            mppr=cells["mppr"].lower() in {"yes", "true", "1"},
            as_of=cells["as_of"],
            evidence=cells["evidence"].upper(),
            note=cells["note"],
        )
        if (row.commercial_multiplier is None) == (row.commercial_fixed is None):
            raise InputError(
                source, where, "exactly one of commercial_multiplier and commercial_fixed", found_text="both or neither"
            )
        if method == "fixed" and row.medicare_fixed is None:
            raise InputError(source, f"{where}, column 'medicare_fixed'", "an amount for method fixed", "")
        if rule != "commercial" and row.self_pay is None:
            raise InputError(source, f"{where}, column 'self_pay'", f"an amount for rule {rule}", "")
        out.append(row)
    return out


# --------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class BuiltTable:
    locality: Locality
    rows: tuple[dict[str, str], ...]
    year: str
    files: Mapping[str, str]


def resolve_locality(cms: CmsData, name: str) -> Locality:
    """``national`` or a ``<state>-<nn>`` id (case-insensitive; ``ny-1`` reads as ``NY-01``)."""
    text = name.strip().upper()
    if text == "NATIONAL":
        return NATIONAL
    match = re.fullmatch(r"([A-Z]{2})-?(\d{1,2})", text)
    locality_id = f"{match[1]}-{match[2].zfill(2)}" if match else text
    if locality_id not in cms.localities:
        raise InputError(
            "locality",
            "",
            "'national' or a Medicare locality such as NY-01 (see `prices regions`)",
            name,
        )
    return cms.localities[locality_id]


def _pfs(row: RecipeRow, cms: CmsData, place: Locality) -> tuple[Decimal, Decimal, str]:
    """Fee, 50% of its practice-expense payment, and the arithmetic as text."""
    key = (row.cms_code, "")
    if key not in cms.rvu:
        raise InputError(
            cms.files.get("rvu", "RVU file"),
            "",
            f"an RVU row for {row.cms_code} (recipe {row.code})",
            found_text="none",
        )
    rvu = cms.rvu[key]
    pe = rvu.pe_facility if row.method == "pfs_facility" else rvu.pe_nonfacility
    cf = rvu.conversion_factor
    fee = cents((rvu.work * place.pw + pe * place.pe + rvu.mp * place.mp) * cf)
    reduction = cents(Decimal("0.5") * pe * place.pe * cf)
    kind = "facility" if row.method == "pfs_facility" else "non-facility"
    if place is NATIONAL:
        text = f"({rvu.work} + {pe} + {rvu.mp}) x {cf} = {fee} ({kind})"
    else:
        text = f"({rvu.work} x {place.pw} + {pe} x {place.pe} + {rvu.mp} x {place.mp}) x {cf} = {fee} ({kind})"
    return fee, reduction, text


def _anesthesia(row: RecipeRow, cms: CmsData, place: Locality) -> tuple[Decimal, str]:
    anes = cms.anesthesia
    if row.cms_code not in anes.base_units:
        raise InputError(
            cms.files.get("base_units", "base units"), "", f"base units for {row.cms_code}", found_text="none"
        )
    if place is NATIONAL:
        if anes.national_cf is None:
            raise InputError(
                cms.files.get("anesthesia", "anesthesia file"), "", "a national conversion factor", found_text="none"
            )
        cf = anes.national_cf
    else:
        if (place.mac, place.number) not in anes.cf:
            raise InputError(
                cms.files.get("anesthesia", "anesthesia file"),
                "",
                f"a conversion factor for {place.id}",
                found_text="none",
            )
        cf = anes.cf[(place.mac, place.number)]
    base = anes.base_units[row.cms_code]
    fee = cents((base + row.time_units) * cf)
    return fee, f"({base} base + {row.time_units} time units) x {cf} = {fee}"


def _medicare(row: RecipeRow, cms: CmsData, place: Locality) -> tuple[Decimal, Decimal | None, str]:
    if row.method in ("pfs_nonfacility", "pfs_facility"):
        fee, reduction, text = _pfs(row, cms, place)
        return fee, (reduction if row.mppr else None), text
    if row.method == "anesthesia":
        fee, text = _anesthesia(row, cms, place)
        return fee, None, text
    if row.method == "opps":
        entry = cms.opps.get(row.cms_code)
        if entry is None or entry.payment_rate is None:
            raise InputError(
                cms.files.get("opps", "OPPS file"), "", f"a payment rate for {row.cms_code}", found_text="none"
            )
        return (
            entry.payment_rate,
            None,
            f"OPPS national rate APC {entry.apc} = {entry.payment_rate} (not wage-adjusted)",
        )
    assert row.medicare_fixed is not None
    return row.medicare_fixed, None, f"{row.medicare_fixed} (national, not built from the fee schedule)"


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{cents(value):.2f}"


def _bundle(text: str) -> list[tuple[str, Decimal]]:
    parts = []
    for token in text.split():
        code, _, units = token.partition("*")
        if not re.fullmatch(r"\d+(\.\d+)?", units or "1"):
            raise InputError("recipe", "self_pay_bundle", "codes with optional *units, e.g. 97110*2 97140", token)
        parts.append((code, Decimal(units or "1")))
    return parts


def build_table(cms: CmsData, recipe: list[RecipeRow], locality: str = "national") -> BuiltTable:
    """A SPEC §3.1 price table for ``locality`` (``national`` or e.g. ``NY-01``).

    Parameters
    ----------
    cms : CmsData
        From :func:`load_cms`.
    recipe : list of RecipeRow
        From :func:`load_recipe`.
    locality : str
        ``national`` or ``<state>-<nn>``.

    Returns
    -------
    BuiltTable
        Rows as text cells keyed by :data:`OUTPUT_COLUMNS` (amounts to the cent). Medicare and
        commercial follow the locality; cash (``self_pay``) prices are national everywhere.

    Examples
    --------
    >>> table = build_table(load_cms(), load_recipe(), "national")
    >>> next(r["medicare"] for r in table.rows if r["code"] == "97110")  # (0.45 + 0.43 + 0.01) x 32.3465
    '28.79'
    """
    place = resolve_locality(cms, locality)
    codes = {row.code for row in recipe}
    for row in recipe:
        for code, _ in _bundle(row.self_pay_bundle):
            if code not in codes:
                raise InputError("recipe", f"{row.code}, column 'self_pay_bundle'", "codes of the recipe", code)
    national: dict[str, tuple[Decimal, Decimal]] = {}
    for row in recipe:
        medicare, _, _ = _medicare(row, cms, NATIONAL)
        national[row.code] = (medicare, _commercial(row, medicare))
    self_pay: dict[str, Decimal] = {}
    for row in recipe:  # rules refer to other rows' national amounts; remainders come after the parts
        if row.self_pay_rule == "fixed":
            assert row.self_pay is not None
            self_pay[row.code] = row.self_pay
        elif row.self_pay_rule == "commercial":
            self_pay[row.code] = national[row.code][1]
        elif row.self_pay_rule == "share":
            assert row.self_pay is not None
            total = sum((units * national[code][0] for code, units in _bundle(row.self_pay_bundle)), Decimal(0))
            self_pay[row.code] = cents(row.self_pay * national[row.code][0] / total)
    for row in recipe:
        if row.self_pay_rule == "remainder":
            assert row.self_pay is not None
            parts = sum((units * self_pay[code] for code, units in _bundle(row.self_pay_bundle)), Decimal(0))
            self_pay[row.code] = cents(row.self_pay - parts)
    out = []
    for row in recipe:
        medicare, reduction, arithmetic = _medicare(row, cms, place)
        commercial = _commercial(row, medicare)
        sources = [row.medicare_source, row.commercial_source, row.self_pay_source]
        ids = list(dict.fromkeys(i.strip() for s in sources for i in s.split(";") if i.strip()))
        where = "national amounts" if place is NATIONAL else f"locality {place.id} {place.name}"
        multiplier = (
            f"commercial = Medicare x {row.commercial_multiplier} (range {row.commercial_low}-{row.commercial_high})"
            if row.commercial_multiplier is not None
            else f"commercial {row.commercial_fixed} (national)"
        )
        note = f"Medicare ({where}): {arithmetic}; {multiplier}; self_pay national ({row.self_pay_rule}). {row.note}"
        out.append(
            {
                "code": row.code,
                "description": row.description,
                "category": row.category,
                "unit": row.unit,
                "medicare": _money(medicare),
                "commercial": _money(commercial),
                "self_pay": _money(self_pay[row.code]),
                "mppr_medicare": _money(reduction),
                "source": "; ".join(ids),
                "as_of": row.as_of,
                "evidence": row.evidence,
                "note": note.strip(),
            }
        )
    return BuiltTable(place, tuple(out), "2025", dict(cms.files))


def _commercial(row: RecipeRow, medicare: Decimal) -> Decimal:
    if row.commercial_multiplier is not None:
        return cents(medicare * row.commercial_multiplier)
    assert row.commercial_fixed is not None
    return row.commercial_fixed


def render_csv(table: BuiltTable, *, header: bool = True) -> str:
    """The table as CSV text; with ``header`` a ``# key: value`` block (label, region, year)."""
    buffer = io.StringIO()
    if header:
        place = table.locality
        region = "United States (national)" if place is NATIONAL else f"{place.id} {place.name}"
        label = f"Medicare-based US prices {table.year}, {region}"
        files = ", ".join(f"{v}" for v in table.files.values())
        buffer.write(f"# label: {label}\n# currency: USD\n# region: {region}\n# year: {table.year}\n")
        buffer.write(f"# built from: {files}; cash (self_pay) prices are national\n")
    writer = csv.DictWriter(buffer, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table.rows)
    return buffer.getvalue()


def localities(cms: CmsData) -> list[Locality]:
    """Every locality, ordered by state then number."""
    return sorted(cms.localities.values(), key=lambda loc: (loc.state, loc.number))
