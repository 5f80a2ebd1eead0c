"""The analyses of the Assumptions page: one-way, probabilistic, break-even and budget impact.

Each view is an ``st.fragment``: its own controls (an option, a willingness to pay, a number to
vary) rerun only that view, not the whole page. The numbers come from the engine
(:mod:`calculator.uncertainty`, :mod:`calculator.budget`) and the frames from
:mod:`calculator.analysis`; this module only lays them out. It is a little over 400 lines
because it holds the four views of one page section, each about 100 lines of layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import streamlit as st

from calculator import analysis, charts
from calculator.costing import Comparison, Parameter
from calculator.errors import CostModelError
from calculator.formatting import format_money, format_value
from calculator.models import BudgetInputs, Scenario
from calculator.presentation import PERSPECTIVE_PHRASES, PERSPECTIVES
from ui import engine
from ui.widgets import keep_valid, md, percent, show_chart, show_error

PAGE = "assumptions"
ANALYSES = {
    "tornado": "One-way (tornado)",
    "psa": "Probabilistic (PSA)",
    "break_even": "Break-even",
    "budget": "Budget impact",
}


@st.fragment
def show(scenario: Scenario, comparison: Comparison, params: Sequence[Parameter]) -> None:
    """The analysis chooser and the chosen analysis (only that one is computed)."""
    st.subheader("How the conclusions move", anchor=False)
    left, right = st.columns([3, 2])
    chosen = left.segmented_control(
        "Analysis", list(ANALYSES), format_func=lambda o: ANALYSES.get(o, o), default="tornado", key=f"{PAGE}_analysis"
    )
    perspective = "patient"
    if chosen != "budget":  # the budget impact shows the plan's and the members' costs together
        perspective = (
            right.selectbox(
                "Whose cost",
                list(PERSPECTIVES),
                format_func=lambda o: PERSPECTIVES.get(o, o),
                key=f"{PAGE}_perspective",
            )
            or "patient"
        )
    labels = {o.id: o.label for o in comparison}
    if chosen == "tornado":
        tornado(scenario, labels, params, perspective)
    elif chosen == "psa":
        psa(scenario, labels, perspective)
    elif chosen == "break_even":
        break_even(scenario, comparison, params, perspective)
    elif chosen == "budget":
        budget(scenario, comparison)


@st.fragment
def tornado(scenario: Scenario, labels: dict[str, str], params: Sequence[Parameter], perspective: str) -> None:
    currency = scenario.currency
    words = PERSPECTIVE_PHRASES[perspective]
    try:
        oneway = engine.run_one_way(scenario)
    except CostModelError as error:
        show_error(error)
        return
    if not oneway.rows:
        st.info("No number in this scenario has a range, so there is nothing to vary.")
        return
    keep_valid(f"{PAGE}_tornado_option", list(scenario.compare))
    option = (
        st.selectbox(
            "Option", list(scenario.compare), format_func=lambda o: labels.get(o, o), key=f"{PAGE}_tornado_option"
        )
        or scenario.compare[0]
    )
    top = st.slider("Parameters shown", 5, 30, 12, key=f"{PAGE}_tornado_top")
    frame = oneway.to_frame(perspective, option)
    units = {p.id: p.unit for p in params}
    base_best = min(oneway.base[perspective], key=oneway.base[perspective].__getitem__)

    def at(values: pd.Series) -> list[str]:
        return [format_value(v, units.get(i, ""), currency) for v, i in zip(values, head["id"], strict=True)]

    def cheapest_mark(column: pd.Series) -> list[str]:
        return [f"cheapest: {labels.get(c, c)}" if c != base_best else "" for c in column]

    head = frame.head(top).copy()
    head["cost_low"] = head["cost_at_low"]
    head["cost_high"] = head["cost_at_high"]
    head["low_text"] = [
        f"at {v}; cheapest: {labels.get(c, c)}" for v, c in zip(at(head["low"]), head["cheapest_at_low"], strict=True)
    ]
    head["high_text"] = [
        f"at {v}; cheapest: {labels.get(c, c)}" for v, c in zip(at(head["high"]), head["cheapest_at_high"], strict=True)
    ]
    head["low_mark"] = cheapest_mark(head["cheapest_at_low"])
    head["high_mark"] = cheapest_mark(head["cheapest_at_high"])
    base_cost = oneway.base[perspective][option]
    table = pd.DataFrame(
        {
            "Assumption": head["label"],
            "Low value": at(head["low"]),
            "Cost at low": [format_money(v, currency) for v in head["cost_at_low"]],
            "Cheapest at low": [labels.get(c, c) for c in head["cheapest_at_low"]],
            "High value": at(head["high"]),
            "Cost at high": [format_money(v, currency) for v in head["cost_at_high"]],
            "Cheapest at high": [labels.get(c, c) for c in head["cheapest_at_high"]],
        }
    )
    show_chart(
        charts.tornado(head, base_cost, currency, f"What moves the cost of {labels[option]} ({words})"),
        frame,
        table=table,
        key=f"{PAGE}_tornado",
        file_name=f"tornado-{option}-{perspective}.csv",
        alt=f"Tornado chart of the {top} numbers that move the cost of {labels[option]} most.",
        caption=f"Base case: {format_money(base_cost, currency)}; cheapest option in the base case: "
        f"{labels[base_best]}. Each bar runs from the cost with one number at its low to the cost with it at its "
        "high, the others at base; a label at the end of a bar names the option that becomes cheapest there.",
    )
    switches = oneway.switches(perspective)
    if switches:
        lines = [
            f"- {md(r['label'])}: cheapest at low {md(labels.get(r['cheapest'][perspective][0], ''))}, "
            f"at high {md(labels.get(r['cheapest'][perspective][1], ''))}"
            for r in switches
        ]
        st.markdown(
            md(f"The cheapest option ({words}) is {labels[base_best]} in the base case; it changes at ")
            + md(f"one end of {len(switches)} number(s):")
            + "\n"
            + "\n".join(lines)
        )
    else:
        st.success(
            md(f"{labels[base_best]} stays the cheapest ({words}) at both ends of every number's range."),
            icon=":material/check_circle:",
        )


@st.fragment
def psa(scenario: Scenario, labels: dict[str, str], perspective: str) -> None:
    currency = scenario.currency
    words = PERSPECTIVE_PHRASES[perspective]
    st.caption(
        "Draws every uncertain number at once (prices get the scenario's price spread) and recomputes every "
        "option; the spread shows parameter uncertainty, not the spread between individual patients."
    )
    with st.form(f"{PAGE}_psa_form", border=False):
        a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
        draws = a.number_input(
            "Draws",
            min_value=100,
            max_value=200_000,
            value=int(scenario.psa.draws or 10_000),
            step=1_000,
            key=f"{PAGE}_psa_draws",
        )
        seed = b.number_input(
            "Seed", min_value=0, max_value=2**31 - 1, value=int(scenario.psa.seed or 1), key=f"{PAGE}_psa_seed"
        )
        run = c.form_submit_button("Run the analysis", type="primary")
    if run:
        st.session_state[f"{PAGE}_psa_request"] = (int(draws), int(seed))
    request = st.session_state.get(f"{PAGE}_psa_request")
    if request is None:
        st.info("Choose the number of draws and run the analysis.", icon=":material/play_circle:")
        return
    try:
        result = engine.run_psa(scenario, *request)
    except CostModelError as error:
        show_error(error)
        return
    st.caption(md(f"{request[0]:,} draws, seed {request[1]}."))

    def money(values: Iterable[float]) -> list[str]:
        return [format_money(v, currency) for v in values]

    dist_col, cheap_col = st.columns(2, gap="large")
    with dist_col:
        frame = analysis.psa_statistics(result, perspective)
        frame.insert(1, "label", [labels[o] for o in frame["option"]])
        table = pd.DataFrame(
            {
                "Option": frame["label"],
                "Mean": money(frame["mean"]),
                "2.5%": money(frame["p2_5"]),
                "Median": money(frame["median"]),
                "97.5%": money(frame["p97_5"]),
            }
        )
        stats = {
            str(row["option"]): {name: float(row[name]) for name in ("mean", *analysis.PSA_PERCENTILES)}
            for row in frame.to_dict("records")
        }
        show_chart(
            charts.cost_distribution(stats, labels, currency, f"Uncertainty in the expected cost ({words})"),
            frame,
            table=table,
            key=f"{PAGE}_psa_dist",
            file_name=f"psa-distribution-{perspective}.csv",
            alt="Box plots of each option's expected cost across the draws.",
            caption="Box: middle half of the draws; whiskers: 95% interval.",
        )
    with cheap_col:
        shares = result.p_cheapest[perspective]
        frame = pd.DataFrame(
            {"option": list(shares), "label": [labels[o] for o in shares], "p_cheapest": list(shares.values())}
        )
        table = pd.DataFrame({"Option": frame["label"], "Cheapest in": [percent(v) for v in frame["p_cheapest"]]})
        show_chart(
            charts.p_cheapest_bars(shares, labels, f"How often each option is cheapest ({words})"),
            frame,
            table=table,
            key=f"{PAGE}_psa_cheapest",
            file_name=f"psa-p-cheapest-{perspective}.csv",
            alt="Bars of the share of draws in which each option is the cheapest.",
        )
    if result.qaly is None:
        st.info("No option has a QALY gain in its pathway data, so there is no cost-effectiveness analysis.")
        return
    st.markdown("**Cost-effectiveness** (QALY gains from the pathway data; mostly modelling assumptions)")
    ce_left, ce_right = st.columns(2, gap="large")
    options = list(result.options)
    keep_valid(f"{PAGE}_ce_reference", options)
    reference = (
        ce_left.selectbox("Compared with", options, format_func=lambda o: labels.get(o, o), key=f"{PAGE}_ce_reference")
        or options[0]
    )
    wtp = ce_right.number_input(
        f"Willingness to pay per QALY ({currency})",
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
            "Option": frame["label"],
            "Mean extra QALYs": [f"{v:.3f}" for v in frame["mean_delta_qaly"]],
            "Mean extra cost": money(frame["mean_delta_cost"]),
            f"Better value than {labels[reference]} at this WTP": [percent(v) for v in frame["p_cost_effective"]],
        }
    )
    with ce_left:
        show_chart(
            charts.ce_plane(dict(ce.points), labels, reference, currency, wtp=wtp),
            frame,
            table=table,
            key=f"{PAGE}_ce_plane",
            file_name=f"ce-plane-{perspective}.csv",
            alt=f"Scatter of incremental QALYs and costs of each option against {labels[reference]}.",
        )
    with ce_right:
        curves = analysis.acceptability_frame(result, perspective)
        frame = curves.rename(columns=labels)
        table = frame.copy()
        table["wtp"] = money(frame["wtp"])
        for option in options:
            table[labels[option]] = [percent(v) for v in frame[labels[option]]]
        show_chart(
            charts.acceptability_curve(result.wtp, {o: curves[o].tolist() for o in options}, labels, currency),
            frame,
            table=table.rename(columns={"wtp": "Willingness to pay per QALY"}),
            key=f"{PAGE}_ceac",
            file_name=f"acceptability-{perspective}.csv",
            alt="Lines of the probability that each option is the best value by willingness to pay.",
        )


@st.fragment
def break_even(scenario: Scenario, comparison: Comparison, params: Sequence[Parameter], perspective: str) -> None:
    currency = scenario.currency
    labels = {o.id: o.label for o in comparison}
    ranged = {p.id: p for p in params if p.param.low is not None and p.param.high is not None}
    default = analysis.default_break_even_parameter(params, scenario.compare[0])
    if len(scenario.compare) < 2 or default is None:
        st.info("A break-even needs two options and a number with a range.")
        return
    key = f"{PAGE}_be_parameter"
    if st.session_state.get(key) not in ranged:
        st.session_state[key] = default.id
    pid = st.selectbox("Number to vary", list(ranged), format_func=lambda i: ranged[i].label, key=key) or default.id
    a_col, b_col = st.columns(2)
    ids = list(scenario.compare)
    keep_valid(f"{PAGE}_be_a", ids)
    option_a = (
        a_col.selectbox("Option A", ids, format_func=lambda o: labels.get(o, o), index=0, key=f"{PAGE}_be_a") or ids[0]
    )
    # Default B: the option whose cost is closest to A's, the likeliest to cross within range.
    rest = analysis.closest_options(comparison, option_a, perspective)
    keep_valid(f"{PAGE}_be_b", rest)
    option_b = b_col.selectbox("Option B", rest, format_func=lambda o: labels.get(o, o), key=f"{PAGE}_be_b") or rest[0]
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
    show_chart(
        charts.break_even_chart(
            grid,
            costs,
            labels,
            currency,
            target.label,
            value=result.value,
            base=target.param.value,
            x_is_money=target.unit == "money",
        ),
        frame,
        table=table,
        key=f"{PAGE}_break_even",
        file_name="break-even.csv",
        alt=f"Lines of the cost of two options as {target.label} moves over its range.",
    )


@st.fragment
def budget(scenario: Scenario, comparison: Comparison) -> None:
    currency = scenario.currency
    labels = {o.id: o.label for o in comparison}
    ids = list(scenario.compare)
    start = analysis.default_budget_inputs(scenario, comparison)
    current_default, proposed_default = dict(start.current_mix), dict(start.proposed_mix)
    st.caption(
        "Illustrative inputs: replace them with your member population. Mixes are the share of new episodes "
        "that start with each option and must add up to 100%."
    )
    with st.form(f"{PAGE}_budget_form"):
        a, b, c, d = st.columns(4)
        members = a.number_input("Members", 1, 100_000_000, int(start.members), step=1_000, key=f"{PAGE}_members")
        rate = b.number_input(
            "Episodes per 1,000 members a year",
            0.0,
            1_000.0,
            float(start.episodes_per_1000),
            step=5.0,
            key=f"{PAGE}_rate",
        )
        years = c.number_input("Years", 1, 5, int(start.years), key=f"{PAGE}_years")
        growth = d.number_input(
            "Membership growth a year (%)", -50.0, 100.0, float(start.growth) * 100, step=1.0, key=f"{PAGE}_growth"
        )
        current, proposed = {}, {}
        for col, o in zip(st.columns(len(ids)), ids, strict=True):
            col.markdown(f"**{md(labels[o])}**")
            current[o] = col.number_input(
                "Current mix (%)",
                0.0,
                100.0,
                round(current_default.get(o, 0.0) * 100, 1),
                step=5.0,
                key=f"{PAGE}_current_{o}",
            )
            proposed[o] = col.number_input(
                "Proposed mix (%)",
                0.0,
                100.0,
                round(proposed_default.get(o, 0.0) * 100, 1),
                step=5.0,
                key=f"{PAGE}_proposed_{o}",
            )
        st.form_submit_button("Calculate the budget impact", type="primary")
    try:
        inputs = BudgetInputs(
            members=int(members),
            episodes_per_1000=float(rate),
            current_mix=analysis.mix_from_percent(current),
            proposed_mix=analysis.mix_from_percent(proposed),
            years=int(years),
            growth=float(growth) / 100,
        )
        result = engine.run_budget(scenario, inputs)
    except CostModelError as error:
        show_error(error)
        return
    totals = result.to_dict()["total"]
    first = result.years[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(
        f"Plan spending change over {len(result.years)} year(s)",
        format_money(totals["plan_difference"], currency),
        help="Proposed minus current mix; negative means savings.",
    )
    m2.metric("Per member per month, year 1", format_money(first.plan_pmpm_difference, currency, cents=True))
    m3.metric(
        f"Members' out-of-pocket change over {len(result.years)} year(s)",
        format_money(totals["members_difference"], currency),
    )
    frame = analysis.budget_frame(result)
    table = pd.DataFrame(
        {
            "Year": frame["year"],
            "Members": [f"{v:,.0f}" for v in frame["members"]],
            "Episodes": [f"{v:,.0f}" for v in frame["episodes"]],
            "Plan, current mix": [format_money(v, currency) for v in frame["current"]],
            "Plan, proposed mix": [format_money(v, currency) for v in frame["proposed"]],
            "Difference": [format_money(v, currency) for v in frame["difference"]],
            "PMPM difference": [format_money(v, currency, cents=True) for v in frame["pmpm_difference"]],
        }
    )
    show_chart(
        charts.budget_chart(frame, currency, "Plan spending on low back pain episodes"),
        frame,
        table=table,
        key=f"{PAGE}_budget",
        file_name="budget-impact.csv",
        alt="Grouped bars of the plan's yearly spending with the current and the proposed mix.",
        caption="Per-episode costs are the expected plan costs of starting with each option (further care "
        "included), under this scenario's plan.",
    )
