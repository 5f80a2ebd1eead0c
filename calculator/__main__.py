"""Command line (SPEC §5).

    python -m calculator compare SCENARIO [--format json|table|csv] [--draws N] [--seed S] [--sampling sobol]
                         [--plans PLAN PLAN ...] [--prices-over FILE [--map COLUMN=SCHEDULE ...]]
    python -m calculator sensitivity SCENARIO [--format json|csv] [--perspective P]
                         [--break-even PARAMETER_ID --between OPTION_A OPTION_B [--low L --high H]]
    python -m calculator budget SCENARIO [--members N --episodes-per-1000 R --current MIX --proposed MIX
                                          --years Y --growth G]
    python -m calculator parameters SCENARIO [--format csv|json]
    python -m calculator validate FILE [FILE ...]
    python -m calculator report SCENARIO --format xlsx|html|pdf --out FILE [--draws N] [--seed S] [--sampling sobol]
                         xlsx: [--budget] [--results-json FILE] [--psa-draws FILE.csv|FILE.parquet]
                         html, pdf: [--lang es] [--checklist KEY,KEY] [--clinic NAME]
    python -m calculator schema [--out data/schema]
    python -m calculator prices build [--locality L] [--out FILE] [--rvu F --gpci F --anesthesia F --opps F]
    python -m calculator prices regions

Invalid input exits 2 with no traceback and at most three lines on stderr: the first problems of
the file and "and N more problems".

It is long because it is the whole command line in one place (eight subcommands, their
argument types and their table/CSV/JSON printers); each subcommand is a short function that
calls the engine, so splitting would only scatter the parser.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from .budget import budget_impact, budget_inputs_from_dict, budget_table, default_budget_inputs, proposal_mix
from .costing import Comparison, compare, parameters
from .errors import CostModelError, InputError
from .exports import to_csv
from .formats.schema import write_schemas
from .formatting import format_money, format_percent
from .io import DATA_DIR, MAX_DRAWS, load_any, load_scenario
from .models import InsurancePlan, Scenario
from .plans import PlanChoice, compare_plans, warnings
from .regions import costs_by_region, with_region
from .sources import load_sources
from .uncertainty import PERSPECTIVES, break_even, one_way, run_psa

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


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an amount, found {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative amount, found {text!r}")
    return value


def _mix_arg(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        option, sep, share = part.partition("=")
        try:
            mix[option.strip()] = float(share)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected option=share pairs, found {part!r}") from None
        if not sep:
            raise argparse.ArgumentTypeError(f"expected option=share pairs, found {part!r}")
    return mix


def _add_sampling(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--sampling",
        choices=("random", "sobol"),
        default="random",
        help="PSA draws: random (numpy, seeded; default) or sobol (scrambled Sobol' points, seeded: averages "
        "settle with far fewer draws, best at a power of two)",
    )


def _sampler(args: argparse.Namespace) -> str:
    return "sobol" if args.sampling == "sobol" else "auto"


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
    _add_sampling(run)
    run.add_argument(
        "--oop-budget", type=_amount, default=None, help="report P(out-of-pocket above this amount) per option"
    )
    run.add_argument("--reference", default=None, help="option the ICERs compare against (default: the first)")
    run.add_argument(
        "--plans",
        nargs="+",
        default=None,
        metavar="PLAN",
        help="compare plans instead: plan files ({insurance, label}), scenario files or preset names",
    )
    run.add_argument(
        "--prices-over", dest="prices_over", type=Path, default=None, help="a clinic's own price list (CSV or XLSX)"
    )
    run.add_argument(
        "--map",
        dest="mapping",
        action="append",
        default=[],
        metavar="COLUMN=SCHEDULE",
        help="the schedule a column of --prices-over prices, e.g. cash=self_pay",
    )
    run.add_argument(
        "--region", default=None, help="national or a Medicare locality such as NY-01 (overrides the scenario's)"
    )
    run.add_argument(
        "--all-regions",
        dest="all_regions",
        action="store_true",
        help="expected costs of every option in every locality (the table behind the app's map)",
    )

    sens = commands.add_parser("sensitivity", help="one-way sensitivity (tornado) and break-even")
    sens.add_argument("scenario", type=Path)
    sens.add_argument("--format", choices=("json", "csv"), default="json")
    sens.add_argument("--perspective", choices=PERSPECTIVES, default="patient", help="for the CSV and break-even")
    sens.add_argument("--break-even", dest="break_even", metavar="PARAMETER_ID", help="id from `parameters`")
    sens.add_argument("--between", nargs=2, metavar=("OPTION_A", "OPTION_B"), help="the two options to compare")
    sens.add_argument("--low", type=float, default=None, help="search range (default: the number's own low)")
    sens.add_argument("--high", type=float, default=None, help="search range (default: the number's own high)")
    sens.add_argument(
        "--with-tornado",
        dest="with_tornado",
        action="store_true",
        help="with --break-even, also print the one-way (tornado) results",
    )

    budget = commands.add_parser("budget", help="budget impact for a member population")
    budget.add_argument("scenario", type=Path, help="scenario with a `budget` block, or give the options below")
    budget.add_argument("--format", choices=("json", "table", "csv"), default="json")
    budget.add_argument("--members", type=float)
    budget.add_argument("--episodes-per-1000", dest="episodes_per_1000", type=float)
    budget.add_argument("--current", type=_mix_arg, help="e.g. medication=0.6,physical_therapy=0.4")
    budget.add_argument("--proposed", type=_mix_arg, help="e.g. medication=0.5,dry_needling=0.5")
    budget.add_argument("--years", type=float)
    budget.add_argument("--growth", type=float)
    budget.add_argument(
        "--take-share",
        dest="take_share",
        type=float,
        help="proposal: --to takes this share (0-1) of first-line care from the --from options",
    )
    budget.add_argument("--from", dest="from_options", help="options it takes the share from, e.g. medication,surgery")
    budget.add_argument(
        "--to", dest="to", default="dry_needling", help="option that takes the share (default dry_needling)"
    )

    report = commands.add_parser("report", help="the analyst workbook (xlsx) or the patient handout (html, pdf)")
    report.add_argument("scenario", type=Path)
    report.add_argument("--format", choices=("xlsx", "html", "pdf"), required=True)
    report.add_argument("--out", type=Path, required=True, help="file to write")
    report.add_argument(
        "--draws", type=_draws, default=None, help="PSA draws for the workbook (default: the scenario's; 0 = none)"
    )
    report.add_argument("--seed", type=_seed, default=None, help="random seed (default: the scenario's)")
    _add_sampling(report)
    report.add_argument("--budget", action="store_true", help="add the budget impact sheet (xlsx)")
    report.add_argument("--results-json", dest="results_json", type=Path, help="also write every result as JSON (xlsx)")
    report.add_argument(
        "--psa-draws", dest="psa_draws", type=Path, help="also write the PSA draws (.csv, or .parquet) (xlsx)"
    )
    _add_handout_options(report)

    params = commands.add_parser("parameters", help="every number of a scenario with its id, range and source")
    params.add_argument("scenario", type=Path)
    params.add_argument("--format", choices=("json", "csv"), default="csv")

    check = commands.add_parser("validate", help="check price tables, pathway files and scenarios")
    check.add_argument("files", type=Path, nargs="+")

    schema = commands.add_parser("schema", help="write the JSON Schemas of the file formats")
    schema.add_argument("--out", type=Path, default=DATA_DIR / "schema", help="folder (default: data/schema)")
    prices = commands.add_parser("prices", help="build price tables from CMS fee schedule files (SPEC §3.1b)")
    prices_commands = prices.add_subparsers(dest="prices_command", required=True, parser_class=_Parser)
    build = prices_commands.add_parser("build", help="write a §3.1 price table for a locality or national")
    build.add_argument("--locality", default="national", help="national (default) or <state>-<nn>, e.g. NY-01")
    build.add_argument("--out", type=Path, default=None, help="CSV file to write (default: standard output)")
    for name in ("rvu", "gpci", "anesthesia", "opps"):
        build.add_argument(
            f"--{name}", type=Path, default=None, help=f"CMS {name.upper()} file (default: shipped 2025)"
        )
    build.add_argument("--recipe", type=Path, default=None, help="build recipe (default: data/recipes/us-2025.csv)")
    regions = prices_commands.add_parser("regions", help="list the Medicare payment localities")
    regions.add_argument("--gpci", type=Path, default=None, help="CMS GPCI file (default: shipped 2025)")
    return parser


MAX_ERROR_LINES = 3


def error_lines(error: CostModelError) -> list[str]:
    """At most three lines for stderr: the first problems, then "and N more problems".

    >>> from calculator.errors import InputError
    >>> error = InputError.from_problems([InputError("f.json", f"x{i}", "a number", "a") for i in range(5)])
    >>> error_lines(error)[-1]
    'error: and 3 more problems.'
    """
    problems = error.problems if isinstance(error, InputError) and len(error.problems) > 1 else [str(error)]
    if len(problems) <= MAX_ERROR_LINES:
        return [f"error: {p}" for p in problems]
    shown = problems[: MAX_ERROR_LINES - 1]
    return [*(f"error: {p}" for p in shown), f"error: and {len(problems) - len(shown)} more problems."]


def _add_handout_options(report: argparse.ArgumentParser) -> None:
    """The handout's own options (HTML, PDF): the same handout the app downloads."""
    from .content import checklist
    from .i18n import LANGUAGES

    report.add_argument("--lang", choices=tuple(LANGUAGES), default="en")
    keys = ",".join(item.key for item in checklist().items)
    report.add_argument(
        "--checklist", type=_checklist_arg, default=(), help=f"ticked dry-needling checklist items, from: {keys}"
    )
    report.add_argument("--clinic", default="", help="clinic name printed under the title")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        command = {
            "compare": _compare,
            "validate": _validate,
            "sensitivity": _sensitivity,
            "budget": _budget,
            "parameters": _parameters,
            "report": _report,
            "schema": _schema,
            "prices": _prices,
        }[args.command]
        return command(args)
    except CostModelError as exc:
        print("\n".join(error_lines(exc)), file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


def _compare(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if args.region is not None:
        scenario = with_region(scenario, args.region, "--region")
    if args.all_regions:
        frame = costs_by_region(scenario)
        if args.format == "json":
            print(json.dumps({"currency": scenario.currency, "rows": frame.to_dict("records")}, indent=2))
        elif args.format == "csv":
            print(to_csv(list(frame.columns), frame.itertuples(index=False)), end="")
        else:
            print(frame.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
        return 0
    overlay: dict[str, Any] | None = None
    if args.prices_over is not None:
        scenario, overlay = _with_clinic_prices(scenario, args.prices_over, args.mapping)
    elif args.mapping:
        raise InputError("--map", "", "--prices-over FILE beside it", found_text="--map alone")
    found = warnings(scenario)
    if found:
        print("warning: " + " ".join(found), file=sys.stderr)
    if args.plans is not None:
        return _compare_plans(args, scenario)
    draws = scenario.psa.draws if args.draws is None else args.draws
    seed = scenario.psa.seed if args.seed is None else args.seed
    result = compare(scenario)
    psa = None
    if draws > 0:
        psa = run_psa(
            scenario,
            draws=draws,
            seed=seed,
            oop_budget=args.oop_budget,
            reference=args.reference,
            sampler=_sampler(args),
        )
    if args.format == "json":
        document = result.to_dict()
        if overlay is not None:
            document["price_overlay"] = overlay
        if psa is not None:
            document["psa"] = psa.to_dict()
        print(json.dumps(document, indent=2, allow_nan=False))
    elif args.format == "csv":
        print(comparison_csv(result), end="")
    else:
        if overlay is not None:
            print(overlay_summary(overlay))
        print(comparison_table(result, psa))
    return 0


def _with_clinic_prices(scenario: Scenario, path: Path, mapping: list[str]) -> tuple[Scenario, dict[str, Any]]:
    """The scenario priced with a clinic's list laid over its table (SPEC §3.5), and a report."""
    from .costing import _used_codes
    from .io.files import read_file_bytes
    from .overlay import overlay_prices, parse_mapping, read_clinic_list

    clinic = read_clinic_list(read_file_bytes(path), path.name)
    used = set(_used_codes(scenario))
    table, changes = overlay_prices(scenario.prices, clinic, parse_mapping(mapping), used=used)
    report = {
        "file": path.name,
        "changed": [
            {"code": c.code, "schedule": c.schedule, "column": c.column, "old": c.old, "new": c.new}
            for c in changes
            if c.changed
        ],
        "unchanged": sorted({c.code for c in changes if not c.changed}),
        "not_used_by_the_options": sorted({c.code for c in changes if not c.used}),
    }
    return replace(scenario, prices=table), report


def overlay_summary(report: dict[str, Any]) -> str:
    """The clinic list's effect in a few lines, in the words of the upload."""
    out = [f"Your file {report['file']}: {len(report['changed'])} prices changed."]
    for c in report["changed"]:
        old = "new code" if c["old"] is None else f"{c['old']:g}"
        out.append(f"  {c['code']} ({c['column']} -> {c['schedule']}): {old} -> {c['new']:g}")
    if report["not_used_by_the_options"]:
        out.append(f"  Kept, but not billed by the options: {', '.join(report['not_used_by_the_options'])}")
    return "\n".join(out)


def _load_plan(text: str, scenario: Scenario) -> PlanChoice:
    """A plan given to ``--plans``: a preset name, a scenario file or a plan file."""
    from .formats.convert import insurance_model
    from .formats.documents import PlanFileDoc
    from .io.files import load_document, shipped_names
    from .io.scenarios import validate

    if text in shipped_names("scenarios") and not Path(text).exists():
        preset = load_scenario(DATA_DIR / "scenarios" / f"{text}.json")
        return PlanChoice(preset.label or text, preset.insurance, preset.schedule)
    path = Path(text)
    raw = load_document(path)
    if isinstance(raw, dict) and ("prices" in raw or "pathways" in raw):
        full = load_scenario(path)
        return PlanChoice(full.label or path.stem, full.insurance, full.schedule)
    doc = validate(PlanFileDoc, raw, path.name)
    plan = insurance_model(doc.insurance)
    if plan is not None:
        check_plan_against(plan, scenario, path.name)
    if doc.schedule is not None and doc.schedule not in scenario.prices.schedules:
        raise InputError(
            path.name,
            "schedule",
            f"one of the table's schedules ({', '.join(scenario.prices.schedules)})",
            doc.schedule,
        )
    return PlanChoice(doc.label or path.stem, plan, doc.schedule)


def check_plan_against(plan: InsurancePlan, scenario: Scenario, source: str) -> None:
    """A plan file's codes and schedule must exist in the scenario's price table."""
    for i, code in enumerate(plan.uncovered_codes):
        if code not in scenario.prices:
            raise InputError(source, f"insurance.uncovered_codes[{i}]", "a code in the price table", code)
    if plan.uncovered_schedule is not None and plan.uncovered_schedule not in scenario.prices.schedules:
        raise InputError(
            source,
            "insurance.uncovered_schedule",
            f"one of the table's schedules ({', '.join(scenario.prices.schedules)})",
            plan.uncovered_schedule,
        )


def _compare_plans(args: argparse.Namespace, scenario: Scenario) -> int:
    plans = [_load_plan(text, scenario) for text in args.plans]
    labels = [p.label for p in plans]
    # Two files with the same label get their position added, so neither column is lost.
    plans = [replace(p, label=f"{p.label} ({i + 1})") if labels.count(p.label) > 1 else p for i, p in enumerate(plans)]
    result = compare_plans(scenario, plans)
    for label, found in result["warnings"].items():
        if found:
            print(f"warning: {label}: " + " ".join(found), file=sys.stderr)
    if args.format == "json":
        print(json.dumps(result, indent=2, allow_nan=False))
        return 0
    rows = [
        [option, entry["label"], plan, cell["patient"], cell["insurer"], cell["allowed"], cell.get("patient_after_tax")]
        for option, entry in result["options"].items()
        for plan, cell in entry["plans"].items()
    ]
    if args.format == "csv":
        header = ["option", "label", "plan", "patient", "insurer", "allowed", "patient_after_tax"]
        print(to_csv(header, [[("" if v is None else v) for v in r] for r in rows]), end="")
        return 0
    currency = result["currency"]
    letters = [chr(ord("A") + i) for i in range(len(result["plans"]))]
    table = [["Option", *(f"{x}: you pay / plan pays" for x in letters)]]
    for entry in result["options"].values():
        cells = [entry["label"]]
        for plan in result["plans"]:
            cell = entry["plans"][plan]
            cells.append(f"{format_money(cell['patient'], currency)} / {format_money(cell['insurer'], currency)}")
        table.append(cells)
    for letter, plan in zip(letters, result["plans"], strict=True):
        print(f"{letter}: {plan} ({result['schedules'][plan]} prices)")
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    print("Expected per episode. Estimates, not quotes or medical advice.")
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    found = None
    if args.break_even is not None:
        if args.between is None:
            raise InputError("command line", "--between", "two options to compare with --break-even", None)
        option_a, option_b = args.between
        found = break_even(
            scenario, args.break_even, option_a, option_b, perspective=args.perspective, low=args.low, high=args.high
        )
    # A break-even question gets its answer alone; the tornado only when asked for or when it is the question.
    result = one_way(scenario) if found is None or args.with_tornado else None
    if args.format == "csv":
        if result is not None:
            frames = [result.to_frame(args.perspective, option).assign(option=option) for option in scenario.compare]
            rows = [frame for frame in frames if not frame.empty]
            if rows:
                table = pd.concat(rows, ignore_index=True)
                print(to_csv(list(table.columns), table.itertuples(index=False)), end="")
        if found is not None:
            print(to_csv(["break_even_sentence"], [[found.sentence]]), end="")
        return 0
    document: dict[str, Any] = {"schema_version": 1, "currency": scenario.currency}
    if result is not None:
        document["tornado"] = result.to_dict()
    if found is not None:
        document["break_even"] = found.to_dict()
    print(json.dumps(document, indent=2, allow_nan=False))
    return 0


def _budget(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if scenario.budget is not None:
        raw: dict[str, Any] = scenario.budget.as_dict()
        assumptions: tuple[str, ...] = ("Members, episode rate and mixes from the scenario's budget block.",)
    else:
        defaults, assumptions = default_budget_inputs(scenario)
        raw = defaults.as_dict()
    flags = {
        "members": args.members,
        "episodes_per_1000": args.episodes_per_1000,
        "current_mix": args.current,
        "proposed_mix": args.proposed,
        "years": args.years,
        "growth": args.growth,
    }
    raw.update({k: v for k, v in flags.items() if v is not None})
    if args.take_share is not None or args.proposed is not None:
        assumptions = tuple(a for a in assumptions if not a.startswith("Proposal:"))
    if args.take_share is not None:
        if args.proposed is not None:
            raise InputError("command line", "--take-share", "either --take-share or --proposed, not both", None)
        current = budget_inputs_from_dict(raw, scenario.compare, source="command line").current_mix
        if args.from_options:
            takers = [o.strip() for o in args.from_options.split(",") if o.strip()]
        else:
            takers = [o for o, share in current if o != args.to and share > 0]
        raw["proposed_mix"] = proposal_mix(dict(current), args.take_share, takers, args.to)
        assumptions = (
            *assumptions,
            f"Proposal from the command line: {args.to} takes {args.take_share:.1%} of first-line care from "
            f"{', '.join(takers)} in proportion to their current shares.",
        )
    inputs = budget_inputs_from_dict(raw, scenario.compare, source="command line")
    result = budget_impact(scenario, inputs, assumptions=assumptions)
    if args.format == "csv":
        years = [y.as_dict() for y in result.years]
        print(to_csv(list(years[0]), [list(y.values()) for y in years]), end="")
    elif args.format == "table":
        print(budget_table(result))
    else:
        print(json.dumps({"schema_version": 1, **result.to_dict()}, indent=2, allow_nan=False))
    return 0


def _write(path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        raise InputError(
            "command line", "--out", "a file that can be written", found_text=f"{path} ({exc.strerror})"
        ) from None


def _report(args: argparse.Namespace) -> int:
    if args.format in ("html", "pdf"):
        return _report_handout(args)
    scenario = load_scenario(args.scenario)
    comparison = compare(scenario)
    from .workbook import psa_draws_csv, psa_draws_parquet, results_json, workbook_bytes

    draws = scenario.psa.draws if args.draws is None else args.draws
    seed = scenario.psa.seed if args.seed is None else args.seed
    psa = run_psa(scenario, draws=draws, seed=seed, sampler=_sampler(args)) if draws > 0 else None
    budget = None
    if args.budget:
        if scenario.budget is not None:
            budget = budget_impact(scenario, scenario.budget, comparison, ("Inputs from the scenario's budget block.",))
        else:
            inputs, assumptions = default_budget_inputs(scenario)
            budget = budget_impact(scenario, inputs, comparison, assumptions)
    tornado = one_way(scenario)
    _write(args.out, workbook_bytes(comparison, psa=psa, one_way_result=tornado, budget=budget))
    if args.results_json is not None:
        document = results_json(comparison, psa=psa, one_way_result=tornado, budget=budget)
        _write(args.results_json, json.dumps(document, indent=2, allow_nan=False))
    if args.psa_draws is not None:
        if psa is None:
            raise InputError("command line", "--psa-draws", "a PSA (--draws above 0)", draws)
        parquet = psa_draws_parquet(psa) if args.psa_draws.suffix.lower() == ".parquet" else None
        _write(args.psa_draws, parquet if parquet is not None else psa_draws_csv(psa))
    return 0


def _parameters(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    fields = ("id", "label", "value", "dist", "low", "high", "evidence", "source")
    rows = [
        [p.id, p.label, p.param.value, p.param.dist, p.param.low, p.param.high, p.param.evidence, p.param.source]
        for p in parameters(scenario)
    ]
    if args.format == "csv":
        print(to_csv(fields, rows), end="")
    else:
        print(json.dumps([dict(zip(fields, r, strict=True)) for r in rows], indent=2, allow_nan=False))
    return 0


def _checklist_arg(text: str) -> tuple[str, ...]:
    from .content import checklist

    known = {item.key: item.question for item in checklist().items}
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    for key in keys:
        if key not in known:
            raise argparse.ArgumentTypeError(f"expected checklist keys from {', '.join(known)}, found {key!r}")
    return tuple(known[k] for k in keys)


def _report_handout(args: argparse.Namespace) -> int:
    from .report import handout_html, handout_pdf
    from .serialize import input_hash

    out: Path = args.out
    if out.is_dir() or not out.parent.is_dir():
        raise InputError("command line", "--out", "a file in an existing folder", str(out))
    scenario = load_scenario(args.scenario)
    draws = scenario.psa.draws if args.draws is None else args.draws
    seed = scenario.psa.seed if args.seed is None else args.seed
    result = compare(scenario)
    psa = run_psa(scenario, draws=draws, seed=seed, sampler=_sampler(args)) if draws > 0 else None
    common = {
        "input_hash": input_hash(scenario),
        "clinic_name": args.clinic,
        "lang": args.lang,
        "psa": psa,
        "checklist": args.checklist,
        "sources": load_sources(),  # listed by the bibliography ids the Methods page shows
    }
    if args.format == "html":
        out.write_text(handout_html(result, **common), encoding="utf-8")
    else:
        out.write_bytes(handout_pdf(result, **common))
    print(f"wrote {out}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    for path in args.files:
        kind, loaded = load_any(path)
        print(f"{path}: valid {kind.replace('_', ' ')}{_summary(kind, loaded)}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    for path in write_schemas(args.out):
        print(path)
    return 0


def _prices(args: argparse.Namespace) -> int:
    from . import fee_schedule

    if args.prices_command == "regions":
        cms = fee_schedule.load_cms(gpci=args.gpci)
        print("national\tUnited States (national amounts)")
        for locality in fee_schedule.localities(cms):
            print(f"{locality.id}\t{locality.name}")
        return 0
    cms = fee_schedule.load_cms(rvu=args.rvu, gpci=args.gpci, anesthesia=args.anesthesia, opps=args.opps)
    recipe = fee_schedule.load_recipe(args.recipe or fee_schedule.RECIPE_PATH)
    text = fee_schedule.render_csv(fee_schedule.build_table(cms, recipe, args.locality))
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            str(args.out), "", "a file that can be written", found_text=exc.strerror or "an error"
        ) from None
    return 0


def _summary(kind: str, loaded: Any) -> str:
    if kind == "prices":
        return f" ({len(loaded.rows)} rows; schedules {', '.join(loaded.schedules)}; {loaded.currency})"
    if kind == "pathways":
        return f" ({len(loaded.pathways)} pathways: {', '.join(loaded.ids)})"
    if kind == "scenario":
        return f" ({len(loaded.compare)} options; schedule {loaded.schedule}; prices {loaded.prices.label})"
    if kind == "plan":
        return f" ({loaded.label or 'no label'}; {'self-pay' if loaded.insurance is None else 'insurance'})"
    return ""


_CSV_FIELDS = ("allowed", "insurer", "patient", "indirect", "adverse_events", "societal")


def comparison_csv(result: Comparison) -> str:
    header = ["option", "label"]
    header += [f"expected_{f}" for f in _CSV_FIELDS]
    header += [f"first_line_{f}" for f in _CSV_FIELDS]
    header += ["p_escalate", "p_response", "currency"]
    plan = result.scenario.insurance
    after_tax = plan is not None and plan.tax_advantaged is not None
    if after_tax:  # SPEC §4.9: only where the plan has an HSA or FSA
        header += ["expected_patient_after_tax", "first_line_patient_after_tax"]
    rows: list[list[float | str]] = []
    for o in result:
        expected = o.expected.as_dict()
        first = o.first_line.as_dict()
        rows.append(
            [o.id, o.label]
            + [expected[f] for f in _CSV_FIELDS]
            + [first[f] for f in _CSV_FIELDS]
            + [o.p_escalate, o.p_response, result.scenario.currency]
            + ([o.expected.patient_after_tax or 0.0, o.first_line.patient_after_tax or 0.0] if after_tax else [])
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
        *(
            [("After tax", lambda o: format_money(o.expected.patient_after_tax, currency))]
            if scenario.insurance is not None and scenario.insurance.tax_advantaged is not None
            else []
        ),
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
    where = f"; prices of {scenario.prices.region}" if scenario.region != "national" else ""
    out = [f"{scenario.label or scenario.name}: {plan}; {currency}{where}; expected per episode", line(rows[0])]
    out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in rows[1:]]
    if psa is not None:
        out.append("")
        out.append(psa.table())
    out.append("Estimates, not quotes or medical advice. Adverse-event costs are not passed through the plan.")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
