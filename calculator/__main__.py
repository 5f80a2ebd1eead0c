"""Command line (SPEC §5).

    python -m calculator compare SCENARIO [--format json|table|csv] [--draws N] [--seed S]
    python -m calculator validate FILE [FILE ...]

Invalid input exits 2 with one line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .costing import Comparison, compare
from .errors import CostModelError
from .exports import to_csv
from .formatting import format_money, format_percent
from .io import MAX_DRAWS, load_any, load_scenario

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other input error, instead of argparse's usage block.
        self.exit(EXIT_INPUT, f"{self.prog}: {message} (see --help)\n")


def _draws(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of draws, found {text!r}") from None
    if not 0 <= value <= MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"expected draws from 0 to {MAX_DRAWS:,}, found {value:,}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole-number seed, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative seed, found {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m calculator", description="Low back pain treatment cost comparison.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("compare", help="cost every option of a scenario")
    run.add_argument("scenario", type=Path, help="scenario file (.json or .toml)")
    run.add_argument("--format", choices=("json", "table", "csv"), default="json")
    run.add_argument(
        "--draws",
        type=_draws,
        default=None,
        help="probabilistic draws (default: the scenario's psa.draws, or 0 = no PSA)",
    )
    run.add_argument("--seed", type=_seed, default=None, help="random seed (default: the scenario's)")

    check = commands.add_parser("validate", help="check price tables, pathway files and scenarios")
    check.add_argument("files", type=Path, nargs="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "compare":
            return _compare(args)
        return _validate(args)
    except CostModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _compare(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    draws = scenario.psa.draws if args.draws is None else args.draws
    seed = scenario.psa.seed if args.seed is None else args.seed
    result = compare(scenario)
    psa = None
    if draws > 0:
        from .uncertainty import run_psa

        psa = run_psa(scenario, draws=draws, seed=seed)
    if args.format == "json":
        document = result.to_dict()
        if psa is not None:
            document["psa"] = psa.to_dict()
        print(json.dumps(document, indent=2, allow_nan=False))
    elif args.format == "csv":
        print(comparison_csv(result), end="")
    else:
        print(comparison_table(result, psa))
    return 0


def _validate(args: argparse.Namespace) -> int:
    for path in args.files:
        kind, loaded = load_any(path)
        print(f"{path}: valid {kind.replace('_', ' ')}{_summary(kind, loaded)}")
    return 0


def _summary(kind: str, loaded: Any) -> str:
    if kind == "prices":
        return f" ({len(loaded.rows)} rows; schedules {', '.join(loaded.schedules)}; {loaded.currency})"
    if kind == "pathways":
        return f" ({len(loaded.pathways)} pathways: {', '.join(loaded.ids)})"
    if kind == "scenario":
        return f" ({len(loaded.compare)} options; schedule {loaded.schedule}; prices {loaded.prices.label})"
    return ""


_CSV_FIELDS = ("allowed", "insurer", "patient", "indirect", "adverse_events", "societal")


def comparison_csv(result: Comparison) -> str:
    header = ["option", "label"]
    header += [f"expected_{f}" for f in _CSV_FIELDS]
    header += [f"first_line_{f}" for f in _CSV_FIELDS]
    header += ["p_escalate", "p_response", "currency"]
    rows = []
    for o in result:
        expected = o.expected.as_dict()
        first = o.first_line.as_dict()
        rows.append(
            [o.id, o.label]
            + [expected[f] for f in _CSV_FIELDS]
            + [first[f] for f in _CSV_FIELDS]
            + [o.p_escalate, o.p_response, result.scenario.currency]
        )
    return to_csv(header, rows)


def comparison_table(result: Comparison, psa: Any = None) -> str:
    """A plain-text table for the terminal."""
    scenario = result.scenario
    currency = scenario.currency
    columns = [
        ("Option", lambda o: o.label),
        ("You pay", lambda o: format_money(o.expected.patient, currency)),
        ("Plan pays", lambda o: format_money(o.expected.insurer, currency)),
        ("Allowed", lambda o: format_money(o.expected.allowed, currency)),
        ("Time+travel", lambda o: format_money(o.expected.indirect, currency)),
        ("Adverse ev.", lambda o: format_money(o.expected.adverse_events, currency)),
        ("Societal", lambda o: format_money(o.expected.societal, currency)),
        ("Needs more", lambda o: format_percent(o.p_escalate)),
        ("Responds", lambda o: format_percent(o.p_response)),
    ]
    rows = [[name for name, _ in columns]] + [[fn(o) for _, fn in columns] for o in result]
    widths = [max(len(r[i]) for r in rows) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    plan = "self-pay" if scenario.insurance is None else f"{scenario.schedule} prices with the plan's cost sharing"
    out = [f"{scenario.label or scenario.name} ({plan}; {currency}; expected per episode)", line(rows[0])]
    out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in rows[1:]]
    if psa is not None:
        out.append("")
        out.append(psa.table())
    out.append("Estimates, not quotes or medical advice. Adverse-event costs are not passed through the plan.")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
