"""The analyses of the Assumptions page: one-way, probabilistic, break-even and budget impact.

Analyses run when asked (issue 13). Each keeps its last results in session state
(:data:`RESULTS_KEY`, one :class:`Snapshot` per analysis) with the inputs they were computed
for; everything it shows comes from that snapshot. When the page's inputs change (another input
hash), the old results stay, marked stale, with an "Update" button that recomputes them. The
first visit computes once by itself (the probabilistic one with at most
:data:`FIRST_LOOK_DRAWS` draws) so a newcomer sees something.

Each view is an ``st.fragment``: its own controls (an option, a willingness to pay, a number to
vary) rerun only that view, and a view's controls never recompute another view's results. The
numbers come from the engine (:mod:`calculator.uncertainty`, :mod:`calculator.budget`) and the
frames from :mod:`calculator.analysis`; this module lays them out. It is about 700 lines
because it holds the four views of one page section (each about 150 lines of layout, in two
languages) and the stale-results bookkeeping they share.

Widget bounds are the loader's (:data:`calculator.io.MAX_DRAWS`, :data:`calculator.io.MAX_SEED`,
:data:`calculator.budget.MAX_MEMBERS`, ...), so any scenario the loader accepts renders; the
one exception is a seed above what a browser's number box holds exactly (2^53 - 1), which
starts at that maximum with a one-sentence notice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from calculator import analysis, charts
from calculator.budget import MAX_EPISODES_PER_1000, MAX_GROWTH, MAX_MEMBERS, MAX_YEARS, MIN_GROWTH, BudgetResult
from calculator.costing import Comparison, Parameter
from calculator.errors import CostModelError
from calculator.formatting import format_money, format_value
from calculator.io import MAX_DRAWS, MAX_SEED
from calculator.models import BudgetInputs, Scenario
from calculator.presentation import PERSPECTIVE_PHRASES, PERSPECTIVES
from calculator.uncertainty import OneWay, PsaResult
from calculator.workbook import results_json, workbook_bytes
from ui import engine
from ui.i18n import _, lang
from ui.widgets import keep_valid, md, percent, show_chart, show_error

PAGE = "assumptions"
RESULTS_KEY = f"{PAGE}_results"  # analysis name → its Snapshot
UPDATE_KEY = f"{PAGE}_update_requested"  # analyses whose Update was pressed


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated where it is shown."""
    return message


ANALYSES = {
    "tornado": N_("One-way (tornado)"),
    "psa": N_("Probabilistic (PSA)"),
    "break_even": N_("Break-even"),
    "budget": N_("Budget impact"),
}
MIN_DRAWS = 1  # the engine's minimum (the loader's 0 means "not set": the default is used)
DEFAULT_DRAWS = 10_000
FIRST_LOOK_DRAWS = 2_000  # the automatic first run: a quick look, a few hundred milliseconds at most
BROWSER_MAX_INT = 2**53 - 1  # the largest whole number a browser's number box holds exactly
MAX_SEED_SHOWN = min(MAX_SEED, BROWSER_MAX_INT)


@dataclass(frozen=True)
class Inputs:
    """The page's inputs an analysis can be computed for (this rerun's, or a stored run's)."""

    input_hash: str
    scenario: Scenario
    comparison: Comparison
    params: tuple[Parameter, ...]

    @property
    def labels(self) -> dict[str, str]:
        """Option labels in the session's language (a shipped label has a translation)."""
        return {o.id: _(o.label) for o in self.comparison}


@dataclass(frozen=True)
class Snapshot:
    """An analysis's last results and the inputs they were computed for."""

    inputs: Inputs
    result: Any = None  # OneWay, PsaResult or BudgetResult (break-even computes per control)
    request: Any = None  # PSA: (draws, seed, "random" or "sobol"); budget: its BudgetInputs


def stored(name: str) -> Snapshot | None:
    """The last results of analysis ``name`` in this session (None before its first run)."""
    results: dict[str, Snapshot] = st.session_state.get(RESULTS_KEY, {})
    return results.get(name)


def _store(name: str, snapshot: Snapshot) -> Snapshot:
    # A new dict, the other analyses' snapshots unchanged (the same objects).
    st.session_state[RESULTS_KEY] = {**st.session_state.get(RESULTS_KEY, {}), name: snapshot}
    return snapshot


def _request_update(name: str) -> None:
    st.session_state[UPDATE_KEY] = {*st.session_state.get(UPDATE_KEY, set()), name}


def _take_update(name: str) -> bool:
    """Whether Update was pressed for ``name`` (the request is used up)."""
    wanted: set[str] = st.session_state.get(UPDATE_KEY, set())
    if name not in wanted:
        return False
    st.session_state[UPDATE_KEY] = wanted - {name}
    return True


def _stale_notice(name: str) -> None:
    """The old results stay on screen; this says so and offers the recomputation."""
    with st.container(border=True):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.warning(
            _("These results are for earlier inputs: the plan, prices, options or treatments have changed since."),
            icon=":material/history:",
        )
        button.button(
            _("Update"),
            key=f"{PAGE}_{name}_update",
            type="primary",
            on_click=_request_update,
            args=(name,),
            help=_("Recompute this analysis with the current inputs."),
        )


def _snapshot(
    name: str, current: Inputs, compute: Callable[[Inputs, Snapshot | None], Snapshot], *, asked: bool = False
) -> Snapshot | None:
    """The snapshot to show: computed on the first visit, on Update or when ``asked`` (a form
    submitted), else the stored one (marked stale when its inputs are not the current ones).
    None when a computation failed (the message is shown)."""
    last = stored(name)
    if last is None or _take_update(name) or asked:
        try:
            return _store(name, compute(current, last))
        except CostModelError as error:
            show_error(error)
            if last is None:
                return None
    if last.inputs.input_hash != current.input_hash:
        _stale_notice(name)
    return last


@st.fragment
def show(scenario: Scenario, comparison: Comparison, params: Sequence[Parameter]) -> None:
    """The analysis chooser and the chosen analysis (only that one is shown or computed)."""
    current = Inputs(engine.key_of(scenario), scenario, comparison, tuple(params))
    st.header(_("How the conclusions move"), anchor=False)
    left, right = st.columns([3, 2])
    chosen = left.segmented_control(
        _("Analysis"),
        list(ANALYSES),
        format_func=lambda o: _(ANALYSES[o]) if o in ANALYSES else o,
        default="tornado",
        key=f"{PAGE}_analysis",
    )
    perspective = "patient"
    if chosen != "budget":  # the budget impact shows the plan's and the members' costs together
        perspective = (
            right.selectbox(
                _("Whose cost"),
                list(PERSPECTIVES),
                format_func=lambda o: PERSPECTIVES.get(o, o),
                key=f"{PAGE}_perspective",
            )
            or "patient"
        )
    if chosen == "tornado":
        tornado(current, perspective)
    elif chosen == "psa":
        psa(current, perspective)
    elif chosen == "break_even":
        break_even(current, perspective)
    elif chosen == "budget":
        budget(current)
    results_workbook(current)


def current_results(current: Inputs) -> dict[str, Any]:
    """The stored analyses computed for exactly these inputs (stale ones are left out), by the
    keyword :func:`calculator.workbook.workbook_bytes` takes them under."""
    out: dict[str, Any] = {}
    for name, keyword in (("tornado", "one_way_result"), ("psa", "psa"), ("budget", "budget")):
        snapshot = stored(name)
        if snapshot is not None and snapshot.result is not None and snapshot.inputs.input_hash == current.input_hash:
            out[keyword] = snapshot.result
    return out


WORKBOOK_PARTS = {
    "one_way_result": N_("one-way sensitivity"),
    "psa": N_("probabilistic analysis and acceptability curve"),
    "budget": N_("budget impact"),
}


def results_workbook(current: Inputs) -> None:
    """Every result in one workbook (and one JSON): the base case, every number with its source,
    and the analyses already run for these inputs. Built only when a button is pressed."""
    results = current_results(current)
    st.markdown("**" + md(_("Results workbook")) + "**")
    included = [_(text) for keyword, text in WORKBOOK_PARTS.items() if keyword in results]
    st.caption(
        _(
            "Summary for every option and perspective, branches, and every number with its range, distribution, "
            "source and evidence tag."
        )
        + " "
        + (
            _("Also included, computed for these inputs: {parts}.").format(parts="; ".join(included))
            if included
            else _("Run an analysis above to include its results too.")
        )
    )
    comparison = current.comparison
    fingerprint = current.input_hash.split(":", 1)[0]  # the key ends with the scenario's name: user text
    left, right = st.columns(2)
    left.download_button(
        _("Download the results workbook (XLSX)"),
        lambda: workbook_bytes(comparison, **results),
        file_name=f"results-{fingerprint}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{PAGE}_workbook_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        _("Download all results (JSON)"),
        lambda: json.dumps(results_json(comparison, **results), indent=2, allow_nan=False),
        file_name=f"results-{fingerprint}.json",
        mime="application/json",
        key=f"{PAGE}_workbook_json",
        on_click="ignore",
        icon=":material/download:",
    )


def _one_way(current: Inputs, last: Snapshot | None) -> Snapshot:
    return Snapshot(current, engine.run_one_way(current.scenario))


@st.fragment
def tornado(current: Inputs, perspective: str) -> None:
    snapshot = _snapshot("tornado", current, _one_way)
    if snapshot is None:
        return
    oneway: OneWay = snapshot.result
    scenario, labels, params = snapshot.inputs.scenario, snapshot.inputs.labels, snapshot.inputs.params
    currency = scenario.currency
    words = _(PERSPECTIVE_PHRASES[perspective])
    if not oneway.rows:
        st.info(_("No number in this scenario has a range, so there is nothing to vary."))
        return
    keep_valid(f"{PAGE}_tornado_option", list(scenario.compare))
    option = (
        st.selectbox(
            _("Option"), list(scenario.compare), format_func=lambda o: labels.get(o, o), key=f"{PAGE}_tornado_option"
        )
        or scenario.compare[0]
    )
    top = st.slider(_("Parameters shown"), 5, 30, 12, key=f"{PAGE}_tornado_top")
    frame = oneway.to_frame(perspective, option)
    units = {p.id: p.unit for p in params}
    base_best = min(oneway.base[perspective], key=oneway.base[perspective].__getitem__)

    def at(values: pd.Series) -> list[str]:
        return [format_value(v, units.get(i, ""), currency) for v, i in zip(values, head["id"], strict=True)]

    def cheapest_mark(column: pd.Series) -> list[str]:
        return [_("cheapest: {option}").format(option=labels.get(c, c)) if c != base_best else "" for c in column]

    def end_text(values: list[str], cheapest: pd.Series) -> list[str]:
        return [
            _("at {value}; cheapest: {option}").format(value=v, option=labels.get(c, c))
            for v, c in zip(values, cheapest, strict=True)
        ]

    head = frame.head(top).copy()
    head["cost_low"] = head["cost_at_low"]
    head["cost_high"] = head["cost_at_high"]
    head["low_text"] = end_text(at(head["low"]), head["cheapest_at_low"])
    head["high_text"] = end_text(at(head["high"]), head["cheapest_at_high"])
    head["low_mark"] = cheapest_mark(head["cheapest_at_low"])
    head["high_mark"] = cheapest_mark(head["cheapest_at_high"])
    base_cost = oneway.base[perspective][option]
    table = pd.DataFrame(
        {
            _("Assumption"): head["label"],
            _("Low value"): at(head["low"]),
            _("Cost at low"): [format_money(v, currency) for v in head["cost_at_low"]],
            _("Cheapest at low"): [labels.get(c, c) for c in head["cheapest_at_low"]],
            _("High value"): at(head["high"]),
            _("Cost at high"): [format_money(v, currency) for v in head["cost_at_high"]],
            _("Cheapest at high"): [labels.get(c, c) for c in head["cheapest_at_high"]],
        }
    )
    figure = engine.figure(
        ("tornado", snapshot.inputs.input_hash, perspective, option, top, lang()),
        lambda: charts.tornado(
            head,
            base_cost,
            currency,
            _("What moves the cost of {option} ({whose})").format(option=labels[option], whose=words),
        ),
    )
    show_chart(
        figure,
        frame,
        table=table,
        key=f"{PAGE}_tornado",
        file_name=f"tornado-{option}-{perspective}.csv",
        alt=_("Tornado chart of the {count} numbers that move the cost of {option} most.").format(
            count=top, option=labels[option]
        ),
        caption=_(
            "Base case: {cost}; cheapest option in the base case: {option}. Each bar runs from the cost with one "
            "number at its low to the cost with it at its high, the others at base; a label at the end of a bar "
            "names the option that becomes cheapest there."
        ).format(cost=format_money(base_cost, currency), option=labels[base_best]),
    )
    switches = oneway.switches(perspective)
    if switches:
        lines = [
            "- "
            + md(
                _("{number}: cheapest at low {low}, at high {high}").format(
                    number=r["label"],
                    low=labels.get(r["cheapest"][perspective][0], ""),
                    high=labels.get(r["cheapest"][perspective][1], ""),
                )
            )
            for r in switches
        ]
        st.markdown(
            md(
                _(
                    "The cheapest option ({whose}) is {option} in the base case; it changes at one end of "
                    "{count} number(s):"
                ).format(whose=words, option=labels[base_best], count=len(switches))
            )
            + "\n"
            + "\n".join(lines)
        )
    else:
        st.success(
            md(
                _("{option} stays the cheapest ({whose}) at both ends of every number's range.").format(
                    option=labels[base_best], whose=words
                )
            ),
            icon=":material/check_circle:",
        )


def _psa_defaults(scenario: Scenario) -> tuple[int, int]:
    """The draws and seed the form starts from: the scenario's, within the widgets' bounds."""
    draws = scenario.psa.draws or DEFAULT_DRAWS  # 0: not set in the scenario
    seed = scenario.psa.seed if scenario.psa.seed is not None else 1
    return draws, min(seed, MAX_SEED_SHOWN)


@st.fragment
def psa(current: Inputs, perspective: str) -> None:
    scenario = current.scenario
    st.caption(
        _(
            "Draws every uncertain number at once (prices get the scenario's price spread) and recomputes every "
            "option; the spread shows parameter uncertainty, not the spread between individual patients."
        )
    )
    draws_default, seed_default = _psa_defaults(scenario)
    if scenario.psa.seed is not None and scenario.psa.seed > MAX_SEED_SHOWN:
        st.caption(
            md(
                _(
                    "The scenario's seed {seed} is larger than this page's box can hold, so the page starts from "
                    "{shown} (the command line uses the scenario's seed as is)."
                ).format(seed=scenario.psa.seed, shown=MAX_SEED_SHOWN)
            )
        )
    with st.form(f"{PAGE}_psa_form", border=False):
        a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
        draws = a.number_input(
            _("Draws"),
            min_value=MIN_DRAWS,
            max_value=MAX_DRAWS,
            value=draws_default,
            step=1_000,
            key=f"{PAGE}_psa_draws",
            help=_("From {low:,} to {high:,}; more draws take longer and give steadier numbers.").format(
                low=MIN_DRAWS, high=MAX_DRAWS
            ),
        )
        seed = b.number_input(
            _("Seed"),
            min_value=0,
            max_value=MAX_SEED_SHOWN,
            value=seed_default,
            key=f"{PAGE}_psa_seed",
            help=_("The same seed and draws give the same numbers."),
        )
        run = c.form_submit_button(_("Run the analysis"), type="primary")
        sobol = st.toggle(
            _("Quasi-random points (Sobol')"),
            value=False,
            key=f"{PAGE}_psa_sobol",
            help=_(
                "Scrambled Sobol' points instead of random draws: the averages settle with far fewer draws "
                "(best at a power of two, such as 1,024 or 8,192); the same seed gives the same points."
            ),
        )
    request = (int(draws), int(seed), "sobol" if sobol else "random")

    def compute(inputs: Inputs, last: Snapshot | None) -> Snapshot:
        if run:
            wanted = request
        elif last is not None:  # Update: the last run's draws and seed on the current inputs
            wanted = last.request
        else:  # the first visit: a quick look
            wanted = (min(request[0], FIRST_LOOK_DRAWS), *request[1:])
        return Snapshot(inputs, engine.run_psa(inputs.scenario, *wanted), wanted)

    snapshot = _snapshot("psa", current, compute, asked=run)
    if snapshot is None:
        return
    _psa_results(snapshot, perspective)


def _psa_results(snapshot: Snapshot, perspective: str) -> None:
    result: PsaResult = snapshot.result
    labels = snapshot.inputs.labels
    currency = snapshot.inputs.scenario.currency
    words = _(PERSPECTIVE_PHRASES[perspective])
    draws, seed, sampling = snapshot.request
    if sampling == "sobol":
        st.caption(md(_("{draws:,} quasi-random (Sobol') draws, seed {seed}.").format(draws=draws, seed=seed)))
    else:
        st.caption(md(_("{draws:,} draws, seed {seed}.").format(draws=draws, seed=seed)))

    def money(values: Iterable[float]) -> list[str]:
        return [format_money(v, currency) for v in values]

    dist_col, cheap_col = st.columns(2, gap="large")
    with dist_col:
        frame = analysis.psa_statistics(result, perspective)
        frame.insert(1, "label", [labels[o] for o in frame["option"]])
        table = pd.DataFrame(
            {
                _("Option"): frame["label"],
                _("Mean"): money(frame["mean"]),
                "2.5%": money(frame["p2_5"]),
                _("Median"): money(frame["median"]),
                "97.5%": money(frame["p97_5"]),
            }
        )
        stats = {
            str(row["option"]): {name: float(row[name]) for name in ("mean", *analysis.PSA_PERCENTILES)}
            for row in frame.to_dict("records")
        }
        show_chart(
            engine.figure(
                ("psa_dist", snapshot.inputs.input_hash, snapshot.request, perspective, lang()),
                lambda: charts.cost_distribution(
                    stats, labels, currency, _("Uncertainty in the expected cost ({whose})").format(whose=words)
                ),
            ),
            frame,
            table=table,
            key=f"{PAGE}_psa_dist",
            file_name=f"psa-distribution-{perspective}.csv",
            alt=_("Box plots of each option's expected cost across the draws."),
            caption=_("Box: middle half of the draws; whiskers: 95% interval."),
        )
    with cheap_col:
        shares = result.p_cheapest[perspective]
        frame = pd.DataFrame(
            {"option": list(shares), "label": [labels[o] for o in shares], "p_cheapest": list(shares.values())}
        )
        table = pd.DataFrame({_("Option"): frame["label"], _("Cheapest in"): [percent(v) for v in frame["p_cheapest"]]})
        show_chart(
            engine.figure(
                ("psa_cheapest", snapshot.inputs.input_hash, snapshot.request, perspective, lang()),
                lambda: charts.p_cheapest_bars(
                    shares, labels, _("How often each option is cheapest ({whose})").format(whose=words)
                ),
            ),
            frame,
            table=table,
            key=f"{PAGE}_psa_cheapest",
            file_name=f"psa-p-cheapest-{perspective}.csv",
            alt=_("Bars of the share of draws in which each option is the cheapest."),
        )
    if result.qaly is None:
        st.info(_("No option has a QALY gain in its pathway data, so there is no cost-effectiveness analysis."))
        return
    _cost_effectiveness(snapshot, labels, currency, perspective)


def _cost_effectiveness(snapshot: Snapshot, labels: dict[str, str], currency: str, perspective: str) -> None:
    result: PsaResult = snapshot.result
    run = (snapshot.inputs.input_hash, snapshot.request, perspective, lang())

    def money(values: Iterable[float]) -> list[str]:
        return [format_money(v, currency) for v in values]

    st.markdown(_("**Cost-effectiveness** (QALY gains from the pathway data; mostly modelling assumptions)"))
    ce_left, ce_right = st.columns(2, gap="large")
    options = list(result.options)
    keep_valid(f"{PAGE}_ce_reference", options)
    reference = (
        ce_left.selectbox(
            _("Compared with"), options, format_func=lambda o: labels.get(o, o), key=f"{PAGE}_ce_reference"
        )
        or options[0]
    )
    wtp = ce_right.number_input(
        _("Willingness to pay per QALY ({currency})").format(currency=currency),
        min_value=0.0,
        max_value=1_000_000.0,
        value=100_000.0,
        step=10_000.0,
        format="%.0f",
        key=f"{PAGE}_ce_wtp",
    )
    ce = analysis.incremental(result, perspective, reference, wtp)
    frame = ce.frame.copy()
    frame.insert(1, "label", [labels[o] for o in frame["option"]])
    table = pd.DataFrame(
        {
            _("Option"): frame["label"],
            _("Mean extra QALYs"): [f"{v:.3f}" for v in frame["mean_delta_qaly"]],
            _("Mean extra cost"): money(frame["mean_delta_cost"]),
            _("Better value than {option} at this WTP").format(option=labels[reference]): [
                percent(v) for v in frame["p_cost_effective"]
            ],
        }
    )
    with ce_left:
        show_chart(
            engine.figure(
                ("ce_plane", *run, reference, wtp),
                lambda: charts.ce_plane(dict(ce.points), labels, reference, currency, wtp=wtp),
            ),
            frame,
            table=table,
            key=f"{PAGE}_ce_plane",
            file_name=f"ce-plane-{perspective}.csv",
            alt=_("Scatter of incremental QALYs and costs of each option against {option}.").format(
                option=labels[reference]
            ),
        )
    with ce_right:
        curves = analysis.acceptability_frame(result, perspective)
        frame = curves.rename(columns=labels)
        table = frame.copy()
        table["wtp"] = money(frame["wtp"])
        for option in options:
            table[labels[option]] = [percent(v) for v in frame[labels[option]]]
        show_chart(
            engine.figure(
                ("ceac", *run),
                lambda: charts.acceptability_curve(
                    result.wtp, {o: curves[o].tolist() for o in options}, labels, currency
                ),
            ),
            frame,
            table=table.rename(columns={"wtp": _("Willingness to pay per QALY")}),
            key=f"{PAGE}_ceac",
            file_name=f"acceptability-{perspective}.csv",
            alt=_("Lines of the probability that each option is the best value by willingness to pay."),
        )


@st.fragment
def break_even(current: Inputs, perspective: str) -> None:
    # The numbers computed are the snapshot's: its controls rerun the (cached) break-even on the
    # inputs it was last updated with, so stale results never mix with current ones.
    snapshot = _snapshot("break_even", current, lambda inputs, last: Snapshot(inputs))
    if snapshot is None:
        return
    scenario, comparison, params = snapshot.inputs.scenario, snapshot.inputs.comparison, snapshot.inputs.params
    currency = scenario.currency
    labels = snapshot.inputs.labels
    ranged = {p.id: p for p in params if p.param.low is not None and p.param.high is not None}
    default = analysis.default_break_even_parameter(params, scenario.compare[0])
    if len(scenario.compare) < 2 or default is None:
        st.info(_("A break-even needs two options and a number with a range."))
        return
    key = f"{PAGE}_be_parameter"
    if st.session_state.get(key) not in ranged:
        st.session_state[key] = default.id
    pid = st.selectbox(_("Number to vary"), list(ranged), format_func=lambda i: ranged[i].label, key=key) or default.id
    a_col, b_col = st.columns(2)
    ids = list(scenario.compare)
    keep_valid(f"{PAGE}_be_a", ids)
    option_a = (
        a_col.selectbox(_("Option A"), ids, format_func=lambda o: labels.get(o, o), index=0, key=f"{PAGE}_be_a")
        or ids[0]
    )
    # Default B: the option whose cost is closest to A's, the likeliest to cross within range.
    rest = analysis.closest_options(comparison, option_a, perspective)
    keep_valid(f"{PAGE}_be_b", rest)
    option_b = (
        b_col.selectbox(_("Option B"), rest, format_func=lambda o: labels.get(o, o), key=f"{PAGE}_be_b") or rest[0]
    )
    target = ranged[pid]
    try:
        result = engine.run_break_even(scenario, pid, option_a, option_b, perspective)
        frame = analysis.break_even_costs(scenario, target, (option_a, option_b), perspective)
    except CostModelError as error:
        show_error(error)
        return
    st.info(md(result.sentence), icon=":material/balance:")
    grid = frame["value"].tolist()
    costs = {o: frame[o].tolist() for o in (option_a, option_b)}
    table = pd.DataFrame(
        {
            target.label: [format_value(v, target.unit, currency) for v in grid],
            **{labels[o]: [format_money(v, currency) for v in costs[o]] for o in costs},
        }
    )
    figure = engine.figure(
        ("break_even", snapshot.inputs.input_hash, pid, option_a, option_b, perspective, lang()),
        lambda: charts.break_even_chart(
            grid,
            costs,
            labels,
            currency,
            target.label,
            value=result.value,
            base=target.param.value,
            x_is_money=target.unit == "money",
        ),
    )
    show_chart(
        figure,
        frame,
        table=table,
        key=f"{PAGE}_break_even",
        file_name="break-even.csv",
        alt=_("Lines of the cost of two options as {number} moves over its range.").format(number=target.label),
    )


def _budget_form(scenario: Scenario, labels: dict[str, str], start: BudgetInputs) -> tuple[dict[str, Any], bool]:
    """The budget form (bounds: the loader's); returns its values and whether it was submitted."""
    ids = list(scenario.compare)
    current_default, proposed_default = dict(start.current_mix), dict(start.proposed_mix)
    with st.form(f"{PAGE}_budget_form"):
        a, b, c, d = st.columns(4)
        values: dict[str, Any] = {
            "members": a.number_input(
                _("Members"), 1, MAX_MEMBERS, min(int(start.members), MAX_MEMBERS), step=1_000, key=f"{PAGE}_members"
            ),
            "rate": b.number_input(
                _("Episodes per 1,000 members a year"),
                0.0,
                float(MAX_EPISODES_PER_1000),
                float(start.episodes_per_1000),
                step=5.0,
                key=f"{PAGE}_rate",
            ),
            "years": c.number_input(_("Years"), 1, MAX_YEARS, int(start.years), key=f"{PAGE}_years"),
            "growth": d.number_input(
                _("Membership growth a year (%)"),
                MIN_GROWTH * 100,
                MAX_GROWTH * 100,
                float(start.growth) * 100,
                step=1.0,
                key=f"{PAGE}_growth",
            ),
        }
        current, proposed = {}, {}
        for col, o in zip(st.columns(len(ids)), ids, strict=True):
            col.markdown(f"**{md(labels[o])}**")
            current[o] = col.number_input(
                _("Current mix (%)"),
                0.0,
                100.0,
                round(current_default.get(o, 0.0) * 100, 1),
                step=5.0,
                key=f"{PAGE}_current_{o}",
            )
            proposed[o] = col.number_input(
                _("Proposed mix (%)"),
                0.0,
                100.0,
                round(proposed_default.get(o, 0.0) * 100, 1),
                step=5.0,
                key=f"{PAGE}_proposed_{o}",
            )
        submitted = st.form_submit_button(_("Calculate the budget impact"), type="primary")
    return {**values, "current": current, "proposed": proposed}, submitted


def _budget_inputs(values: dict[str, Any]) -> BudgetInputs:
    return BudgetInputs(
        members=int(values["members"]),
        episodes_per_1000=float(values["rate"]),
        current_mix=analysis.mix_from_percent(values["current"]),
        proposed_mix=analysis.mix_from_percent(values["proposed"]),
        years=int(values["years"]),
        growth=float(values["growth"]) / 100,
    )


@st.fragment
def budget(current: Inputs) -> None:
    scenario = current.scenario
    st.caption(
        _(
            "Illustrative inputs: replace them with your member population. Mixes are the share of new episodes "
            "that start with each option and must add up to 100%."
        )
    )
    start = analysis.default_budget_inputs(scenario, current.comparison)
    values, submitted = _budget_form(scenario, current.labels, start)

    def compute(inputs: Inputs, last: Snapshot | None) -> Snapshot:
        wanted = _budget_inputs(values) if submitted or last is None else last.request
        if {o for o, _share in wanted.current_mix} != set(inputs.scenario.compare):
            wanted = analysis.default_budget_inputs(inputs.scenario, inputs.comparison)  # other options now
        return Snapshot(inputs, engine.run_budget(inputs.scenario, wanted), wanted)

    snapshot = _snapshot("budget", current, compute, asked=submitted)
    if snapshot is None:
        return
    _budget_results(snapshot)


def _budget_results(snapshot: Snapshot) -> None:
    result: BudgetResult = snapshot.result
    currency = snapshot.inputs.scenario.currency
    totals = result.to_dict()["total"]
    first = result.years[0]
    years = len(result.years)
    m1, m2, m3 = st.columns(3)
    m1.metric(
        _("Plan spending change over {years} year(s)").format(years=years),
        format_money(totals["plan_difference"], currency),
        help=_("Proposed minus current mix; negative means savings."),
    )
    m2.metric(_("Per member per month, year 1"), format_money(first.plan_pmpm_difference, currency, cents=True))
    m3.metric(
        _("Members' out-of-pocket change over {years} year(s)").format(years=years),
        format_money(totals["members_difference"], currency),
    )
    frame = analysis.budget_frame(result)
    table = pd.DataFrame(
        {
            _("Year"): frame["year"],
            _("Members"): [f"{v:,.0f}" for v in frame["members"]],
            _("Episodes"): [f"{v:,.0f}" for v in frame["episodes"]],
            _("Plan, current mix"): [format_money(v, currency) for v in frame["current"]],
            _("Plan, proposed mix"): [format_money(v, currency) for v in frame["proposed"]],
            _("Difference"): [format_money(v, currency) for v in frame["difference"]],
            _("PMPM difference"): [format_money(v, currency, cents=True) for v in frame["pmpm_difference"]],
        }
    )
    show_chart(
        engine.figure(
            ("budget", snapshot.inputs.input_hash, snapshot.request, lang()),
            lambda: charts.budget_chart(frame, currency, _("Plan spending on low back pain episodes")),
        ),
        frame,
        table=table,
        key=f"{PAGE}_budget",
        file_name="budget-impact.csv",
        alt=_("Grouped bars of the plan's yearly spending with the current and the proposed mix."),
        caption=_(
            "Per-episode costs are the expected plan costs of starting with each option (further care included), "
            "under this scenario's plan."
        ),
    )
