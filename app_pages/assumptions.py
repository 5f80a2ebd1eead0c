"""Assumptions & sensitivity: every number with its source, and how conclusions move."""

import re

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import common
from app_pages.common import md
from calculator import charts
from calculator.costing import evaluate
from calculator.edit import validated, with_params
from calculator.errors import CostModelError, InputError
from calculator.models import DISTRIBUTIONS, EVIDENCE_TAGS, BudgetInputs
from calculator.serialize import input_hash

PAGE = "assumptions"
PERSPECTIVES = {
    "patient": "Patient out of pocket",
    "insurer": "Plan pays",
    "allowed": "Total billed",
    "societal": "Societal (billed + time + adverse events)",
}
ANALYSES = {
    "tornado": "One-way (tornado)",
    "psa": "Probabilistic (PSA)",
    "break_even": "Break-even",
    "budget": "Budget impact",
}
MARK = "⚠ assumed/unverified"

st.title("Assumptions & sensitivity")

try:
    scenario = common.current_scenario()
    comparison = common.run_compare(scenario)
    params = common.run_parameters(scenario)
except CostModelError as error:
    common.show_error(error)
    st.stop()

currency = scenario.currency
labels = {o.id: o.label for o in comparison}
st.caption(
    md(
        common.scenario_caption(scenario) + ". Change the plan and prices on My costs, the options on Compare, the "
        "price table on Price tables and the treatments below."
    )
)

# ------------------------------------------------------------------------------------------
# Every assumption


def _year(source: str) -> str:
    years = re.findall(r"\b(?:19|20)\d{2}\b", source)
    return max(years) if years else ""


st.subheader("Every assumption", anchor=False)
rows = []
for p in params:
    q = p.param
    rows.append(
        {
            "id": p.id,
            "group": p.group,
            "assumption": p.label,
            "value": q.value,
            "low": q.low,
            "high": q.high,
            "distribution": q.dist,
            "unit": p.unit,
            "evidence": q.evidence,
            "unverified": q.unverified or q.source == common.ENTERED,
            "year": _year(q.source),
            "source": q.source,
        }
    )
raw = pd.DataFrame(rows)

filters = st.columns([2, 2, 1.3], vertical_alignment="bottom")
text = filters[0].text_input("Search", placeholder="e.g. needling, deductible, 97110", key=f"{PAGE}_search")
groups = filters[1].multiselect(
    "Groups", ["price", "pathway", "insurance", "indirect"], placeholder="All groups", key=f"{PAGE}_groups"
)
only_flagged = filters[2].toggle("Only assumed/unverified", key=f"{PAGE}_only_flagged")
shown = raw
if text.strip():
    needle = text.strip().lower()
    shown = shown[shown["assumption"].str.lower().str.contains(needle, regex=False) | shown["id"].str.contains(needle)]
if groups:
    shown = shown[shown["group"].isin(groups)]
if only_flagged:
    shown = shown[shown["unverified"]]

display = pd.DataFrame(
    {
        "Flag": [MARK if f else "" for f in shown["unverified"]],
        "Assumption": shown["assumption"],
        "Value": [common.format_value(v, u, currency) for v, u in zip(shown["value"], shown["unit"], strict=True)],
        "Low": [
            common.format_value(v, u, currency) if pd.notna(v) else "–"
            for v, u in zip(shown["low"], shown["unit"], strict=True)
        ],
        "High": [
            common.format_value(v, u, currency) if pd.notna(v) else "–"
            for v, u in zip(shown["high"], shown["unit"], strict=True)
        ],
        "Distribution": shown["distribution"],
        "Evidence": [f"{e} · {EVIDENCE_TAGS[e]}" if e in EVIDENCE_TAGS else (e or "–") for e in shown["evidence"]],
        "Year": shown["year"],
        "Source": shown["source"],
        "Group": shown["group"],
    }
)
flagged = int(raw["unverified"].sum())
st.caption(
    md(
        f"{len(raw)} numbers; {flagged} are marked {MARK} (evidence U, A or M, or entered by you): treat them as "
        "assumptions, not sourced facts. Low and high are read as a 95% interval."
    )
)
st.dataframe(
    display,
    hide_index=True,
    key=f"{PAGE}_table",
    height=360,
    column_config={
        "Flag": st.column_config.TextColumn(width="medium"),
        "Assumption": st.column_config.TextColumn(width="large"),
        "Source": st.column_config.TextColumn(width="large"),
    },
)
st.download_button(
    "Download all assumptions (CSV)",
    common.frame_csv(raw),
    file_name=common.hashed("assumptions.csv"),
    mime="text/csv",
    key=f"{PAGE}_assumptions_csv",
    on_click="ignore",
    icon=":material/download:",
)

# ------------------------------------------------------------------------------------------
# Editing the treatments: every change is checked like an uploaded file

st.subheader("Edit the treatments", anchor=False)
st.caption(
    "Visit counts, units per visit, response and escalation probabilities with their ranges, adverse events and "
    "the next line of care. Low and high are a 95% range; a 'fixed' number has none. Each change is checked like "
    "an uploaded file: an invalid one is listed here and not used."
)
pathways = scenario.pathways
names = {p.id: p.label for p in pathways.pathways}
rev = st.session_state["data_rev"]
pick_col, next_col, reset_col = st.columns([2, 2, 1.2], vertical_alignment="bottom")
common.keep_valid(f"{PAGE}_edit_pathway", list(names))
pick = pick_col.selectbox("Treatment", list(names), format_func=names.get, key=f"{PAGE}_edit_pathway")
pathway = pathways.get(pick)
next_key = f"{PAGE}_on_failure_{pick}_{rev}"
if next_key not in st.session_state:
    st.session_state[next_key] = pathway.on_failure or ""
next_col.selectbox(
    "If it does not help, next",
    ["", *(i for i in names if i != pick)],
    format_func=lambda o: names.get(o, "No further care"),
    key=next_key,
    on_change=common.change_on_failure,
    args=(next_key, pick),
    help="The next line of care for people this treatment does not help.",
)
if st.session_state["pathways"] is not None:
    reset_col.button(
        "Reset to shipped" if st.session_state["loaded"] is None else "Reset to the scenario's",
        key=f"{PAGE}_reset_pathways",
        on_click=common.reset_data,
        args=("pathways",),
        icon=":material/restart_alt:",
    )
problem = st.session_state.get("on_failure_problem")
if problem is not None and problem[0] == pick:
    common.show_problems(problem[1], "That next line of care was not used:")

prefix = f"pathway/{pick}/"
active = {p.id: p for p in common.run_parameters(common.every_option(scenario)) if p.id.startswith(prefix)}
editor = common.editor_key(PAGE, f"pathway_{pick}")
source = common.editor_source(
    editor,
    lambda: pd.DataFrame(
        [
            {
                "id": p.id,
                "number": p.label.removeprefix(f"{pathway.label}: "),
                "unit": p.unit,
                "value": float(p.param.value),
                "low": p.param.low,
                "high": p.param.high,
                "dist": p.param.dist,
            }
            for p in active.values()
        ],
        columns=["id", "number", "unit", "value", "low", "high", "dist"],
    ).astype({"value": float, "low": float, "high": float}),
)
edited = st.data_editor(
    source,
    key=editor,
    hide_index=True,
    placeholder="–",
    disabled=["id", "number", "unit"],
    column_order=["number", "unit", "value", "low", "high", "dist"],
    column_config={
        "number": st.column_config.TextColumn("Number", width="large"),
        "unit": st.column_config.TextColumn("Unit", width="small"),
        "value": st.column_config.NumberColumn("Value", format="%.6g"),
        "low": st.column_config.NumberColumn("Low", format="%.6g"),
        "high": st.column_config.NumberColumn("High", format="%.6g"),
        "dist": st.column_config.SelectboxColumn("Distribution", options=list(DISTRIBUTIONS), required=True),
    },
)
if common.has_edits(editor):
    start = common.start_scenario()
    original = (
        {p.id: p.param for p in common.run_parameters(common.every_option(start))}
        if start.pathways.ids == pathways.ids
        else {}
    )
    changes = common.edited_params(edited.to_dict("records"), {i: p.param for i, p in active.items()}, original)
    if changes:
        try:
            common.use_pathways(validated(with_params(scenario, changes)).pathways)
        except InputError as error:
            common.show_problems(error, "These changes are not used (the numbers use the last valid values):")
        else:
            st.rerun()  # every number on the page now uses the change
    else:
        st.caption("Your changes are in use on every page.")

# ------------------------------------------------------------------------------------------
# Reviewer diff: every change from the shipped preset and what it does

reference = common.preset_scenario()
st.subheader("Changes from the shipped preset", anchor=False)
review = common.run_review(reference, scenario)
if not review.changes and not review.settings:
    st.success(
        md(f"Nothing differs from the shipped {reference.label or reference.name} preset."),
        icon=":material/check_circle:",
    )
else:
    st.caption(
        md(
            f"Every number that differs from the shipped {reference.label or reference.name} preset, with its effect "
            "on each option's expected cost taken alone (everything else as shipped). The last row is all changes "
            "together: single effects need not add up to it, because deductibles and out-of-pocket maximums are "
            "not linear."
        )
    )
    diff_perspective = st.selectbox(
        "Effect on whose cost",
        ["patient", "insurer", "societal"],
        format_func=PERSPECTIVES.get,
        key=f"{PAGE}_diff_perspective",
    )
    units = {p.id: p.unit for p in common.run_parameters(reference)} | {p.id: p.unit for p in params}
    shown_options = {o: labels[o] for o in reference.compare if o in labels}
    st.dataframe(
        common.review_frame(review, units, shown_options, currency, diff_perspective),
        hide_index=True,
        key=f"{PAGE}_diff",
        column_config={"Assumption": st.column_config.TextColumn(width="large")},
    )
    if review.settings:
        st.markdown("**Other settings changed**")
        st.dataframe(
            pd.DataFrame(review.settings, columns=["Setting", "Shipped", "Now"]),
            hide_index=True,
            key=f"{PAGE}_diff_settings",
        )
    hash_ = input_hash(scenario)
    st.download_button(
        "Download the changes (CSV)",
        common.review_csv(review, hash_),
        file_name=f"assumption-changes-{hash_}.csv",
        mime="text/csv",
        key=f"{PAGE}_diff_csv",
        on_click="ignore",
        icon=":material/download:",
    )

# ------------------------------------------------------------------------------------------
# Analyses: only the chosen one is computed

st.subheader("How the conclusions move", anchor=False)
left, right = st.columns([3, 2])
analysis = left.segmented_control(
    "Analysis", list(ANALYSES), format_func=ANALYSES.get, default="tornado", key=f"{PAGE}_analysis"
)
perspective = "patient"
if analysis != "budget":  # the budget impact shows the plan's and the members' costs together
    perspective = right.selectbox(
        "Whose cost", list(PERSPECTIVES), format_func=PERSPECTIVES.get, key=f"{PAGE}_perspective"
    )
perspective_word = {
    "patient": "patient out of pocket",
    "insurer": "plan pays",
    "allowed": "total billed",
    "societal": "societal cost",
}[perspective]


def _money(v: float) -> str:
    return common.money(v, currency)


if analysis == "tornado":
    try:
        oneway = common.run_one_way(scenario)
    except CostModelError as error:
        common.show_error(error)
        st.stop()
    if not oneway.rows:
        st.info("No number in this scenario has a range, so there is nothing to vary.")
    else:
        common.keep_valid(f"{PAGE}_tornado_option", list(scenario.compare))
        option = st.selectbox("Option", list(scenario.compare), format_func=labels.get, key=f"{PAGE}_tornado_option")
        top = st.slider("Parameters shown", 5, 30, 12, key=f"{PAGE}_tornado_top")
        frame = oneway.to_frame(perspective, option)
        units = {p.id: p.unit for p in params}
        head = frame.head(top).copy()
        head["cost_low"] = head["cost_at_low"]
        head["cost_high"] = head["cost_at_high"]
        head["low_text"] = [
            f"at {common.format_value(v, units.get(i, ''), currency)}; cheapest: {labels.get(c, c)}"
            for v, i, c in zip(head["low"], head["id"], head["cheapest_at_low"], strict=True)
        ]
        head["high_text"] = [
            f"at {common.format_value(v, units.get(i, ''), currency)}; cheapest: {labels.get(c, c)}"
            for v, i, c in zip(head["high"], head["id"], head["cheapest_at_high"], strict=True)
        ]
        base_best = min(oneway.base[perspective], key=oneway.base[perspective].__getitem__)
        head["low_mark"] = [f"cheapest: {labels.get(c, c)}" if c != base_best else "" for c in head["cheapest_at_low"]]
        head["high_mark"] = [
            f"cheapest: {labels.get(c, c)}" if c != base_best else "" for c in head["cheapest_at_high"]
        ]
        base_cost = oneway.base[perspective][option]
        fig = charts.tornado(head, base_cost, currency, f"What moves the cost of {labels[option]} ({perspective_word})")
        table = pd.DataFrame(
            {
                "Assumption": head["label"],
                "Low value": [
                    common.format_value(v, units.get(i, ""), currency)
                    for v, i in zip(head["low"], head["id"], strict=True)
                ],
                "Cost at low": [_money(v) for v in head["cost_at_low"]],
                "Cheapest at low": [labels.get(c, c) for c in head["cheapest_at_low"]],
                "High value": [
                    common.format_value(v, units.get(i, ""), currency)
                    for v, i in zip(head["high"], head["id"], strict=True)
                ],
                "Cost at high": [_money(v) for v in head["cost_at_high"]],
                "Cheapest at high": [labels.get(c, c) for c in head["cheapest_at_high"]],
            }
        )
        common.show_chart(
            fig,
            frame,
            table=table,
            key=f"{PAGE}_tornado",
            file_name=f"tornado-{option}-{perspective}.csv",
            alt=f"Tornado chart of the {top} numbers that move the cost of {labels[option]} most.",
            caption=f"Base case: {_money(base_cost)}; cheapest option in the base case: {labels[base_best]}. Each bar "
            "runs from the cost with one number at its low to the cost with it at its high, the others at base; a "
            "label at the end of a bar names the option that becomes cheapest there.",
        )
        switches = oneway.switches(perspective)
        if switches:
            lines = [
                f"- {md(r['label'])}: cheapest at low {md(labels.get(r['cheapest'][perspective][0], ''))}, "
                f"at high {md(labels.get(r['cheapest'][perspective][1], ''))}"
                for r in switches
            ]
            st.markdown(
                md(f"The cheapest option ({perspective_word}) is {labels[base_best]} in the base case; it changes at ")
                + md(f"one end of {len(switches)} number(s):")
                + "\n"
                + "\n".join(lines)
            )
        else:
            st.success(
                md(
                    f"{labels[base_best]} stays the cheapest ({perspective_word}) at both ends of every number's range."
                ),
                icon=":material/check_circle:",
            )

elif analysis == "psa":
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
    else:
        try:
            psa = common.run_psa(scenario, *request)
        except CostModelError as error:
            common.show_error(error)
            st.stop()
        options = list(psa.options)
        samples = psa.samples[perspective]
        stats = {}
        for j, o in enumerate(options):
            p2, q1, med, q3, p97 = np.percentile(samples[:, j], [2.5, 25, 50, 75, 97.5])
            stats[o] = {
                "mean": float(samples[:, j].mean()),
                "p2_5": float(p2),
                "q1": float(q1),
                "median": float(med),
                "q3": float(q3),
                "p97_5": float(p97),
            }
        st.caption(md(f"{request[0]:,} draws, seed {request[1]}."))
        dist_col, cheap_col = st.columns(2, gap="large")
        with dist_col:
            frame = pd.DataFrame([{"option": o, "label": labels[o], **s} for o, s in stats.items()])
            table = pd.DataFrame(
                {
                    "Option": frame["label"],
                    "Mean": [_money(v) for v in frame["mean"]],
                    "2.5%": [_money(v) for v in frame["p2_5"]],
                    "Median": [_money(v) for v in frame["median"]],
                    "97.5%": [_money(v) for v in frame["p97_5"]],
                }
            )
            common.show_chart(
                charts.cost_distribution(
                    stats, labels, currency, f"Uncertainty in the expected cost ({perspective_word})"
                ),
                frame,
                table=table,
                key=f"{PAGE}_psa_dist",
                file_name=f"psa-distribution-{perspective}.csv",
                alt="Box plots of each option's expected cost across the draws.",
                caption="Box: middle half of the draws; whiskers: 95% interval.",
            )
        with cheap_col:
            shares = psa.p_cheapest[perspective]
            frame = pd.DataFrame(
                {"option": list(shares), "label": [labels[o] for o in shares], "p_cheapest": list(shares.values())}
            )
            table = pd.DataFrame(
                {"Option": frame["label"], "Cheapest in": [common.percent(v) for v in frame["p_cheapest"]]}
            )
            common.show_chart(
                charts.p_cheapest_bars(shares, labels, f"How often each option is cheapest ({perspective_word})"),
                frame,
                table=table,
                key=f"{PAGE}_psa_cheapest",
                file_name=f"psa-p-cheapest-{perspective}.csv",
                alt="Bars of the share of draws in which each option is the cheapest.",
            )
        if psa.qaly is None:
            st.info("No option has a QALY gain in its pathway data, so there is no cost-effectiveness analysis.")
        else:
            st.markdown("**Cost-effectiveness** (QALY gains from the pathway data; mostly modelling assumptions)")
            ce_left, ce_right = st.columns(2, gap="large")
            common.keep_valid(f"{PAGE}_ce_reference", options)
            reference = ce_left.selectbox("Compared with", options, format_func=labels.get, key=f"{PAGE}_ce_reference")
            wtp = ce_right.number_input(
                f"Willingness to pay per QALY ({currency})",
                min_value=0.0,
                max_value=1_000_000.0,
                value=100_000.0,
                step=10_000.0,
                format="%.0f",
                key=f"{PAGE}_ce_wtp",
            )
            r = options.index(reference)
            points = {
                o: (psa.qaly[:, j] - psa.qaly[:, r], samples[:, j] - samples[:, r])
                for j, o in enumerate(options)
                if o != reference
            }
            frame = pd.DataFrame(
                [
                    {
                        "option": o,
                        "label": labels[o],
                        "mean_delta_qaly": float(np.mean(dq)),
                        "mean_delta_cost": float(np.mean(dc)),
                        "p_cost_effective": float(np.mean(wtp * dq - dc > 0)),
                    }
                    for o, (dq, dc) in points.items()
                ]
            )
            table = pd.DataFrame(
                {
                    "Option": frame["label"],
                    "Mean extra QALYs": [f"{v:.3f}" for v in frame["mean_delta_qaly"]],
                    "Mean extra cost": [_money(v) for v in frame["mean_delta_cost"]],
                    f"Better value than {labels[reference]} at this WTP": [
                        common.percent(v) for v in frame["p_cost_effective"]
                    ],
                }
            )
            with ce_left:
                common.show_chart(
                    charts.ce_plane(points, labels, reference, currency, wtp=wtp),
                    frame,
                    table=table,
                    key=f"{PAGE}_ce_plane",
                    file_name=f"ce-plane-{perspective}.csv",
                    alt=f"Scatter of incremental QALYs and costs of each option against {labels[reference]}.",
                )
            with ce_right:
                curves = psa.ceac(perspective=perspective)
                frame = pd.DataFrame({"wtp": list(psa.wtp), **{labels[o]: v for o, v in curves.items()}})
                table = frame.copy()
                table["wtp"] = [_money(v) for v in frame["wtp"]]
                for o in curves:
                    table[labels[o]] = [common.percent(v) for v in frame[labels[o]]]
                common.show_chart(
                    charts.acceptability_curve(psa.wtp, curves, labels, currency),
                    frame,
                    table=table.rename(columns={"wtp": "Willingness to pay per QALY"}),
                    key=f"{PAGE}_ceac",
                    file_name=f"acceptability-{perspective}.csv",
                    alt="Lines of the probability that each option is the best value by willingness to pay.",
                )

elif analysis == "break_even":
    ranged = [p for p in params if p.param.low is not None and p.param.high is not None]
    if len(scenario.compare) < 2 or not ranged:
        st.info("A break-even needs two options and a number with a range.")
    else:
        by_id = {p.id: p for p in ranged}
        default = next((p.id for p in ranged if "needl" in p.label.lower() and p.unit == "count"), ranged[0].id)
        key = f"{PAGE}_be_parameter"
        if st.session_state.get(key) not in by_id:
            st.session_state[key] = default
        pid = st.selectbox("Number to vary", list(by_id), format_func=lambda i: by_id[i].label, key=key)
        a_col, b_col = st.columns(2)
        ids = list(scenario.compare)
        common.keep_valid(f"{PAGE}_be_a", ids)
        option_a = a_col.selectbox("Option A", ids, format_func=labels.get, index=0, key=f"{PAGE}_be_a")
        # Default B: the option whose cost is closest to A's, the likeliest to cross within range.
        cost_of = {o: getattr(comparison.option(o).expected, perspective) for o in ids}
        rest = sorted((o for o in ids if o != option_a), key=lambda o: abs(cost_of[o] - cost_of[option_a]))
        common.keep_valid(f"{PAGE}_be_b", rest)
        option_b = b_col.selectbox("Option B", rest, format_func=labels.get, key=f"{PAGE}_be_b")
        try:
            result = common.run_break_even(scenario, pid, option_a, option_b, perspective)
            target = by_id[pid]
            grid = (
                np.arange(np.ceil(target.param.low), np.floor(target.param.high) + 1)
                if target.whole
                else np.linspace(target.param.low, target.param.high, 61)
            )
            if len(grid) == 0:
                grid = np.array([target.param.low])
            values = evaluate(scenario, {pid: grid})
        except CostModelError as error:
            common.show_error(error)
            st.stop()
        st.info(md(result.sentence), icon=":material/balance:")
        costs = {
            o: np.broadcast_to(np.asarray(values[o]["expected"][perspective], dtype=float), grid.shape)
            for o in (option_a, option_b)
        }
        frame = pd.DataFrame({"value": grid, **{o: costs[o] for o in costs}})
        unit = target.unit
        table = pd.DataFrame(
            {
                target.label: [common.format_value(v, unit, currency) for v in grid],
                **{labels[o]: [_money(v) for v in costs[o]] for o in costs},
            }
        )
        common.show_chart(
            charts.break_even_chart(
                grid,
                costs,
                labels,
                currency,
                target.label,
                value=result.value,
                base=target.param.value,
                x_is_money=unit == "money",
            ),
            frame,
            table=table,
            key=f"{PAGE}_break_even",
            file_name="break-even.csv",
            alt=f"Lines of the cost of two options as {target.label} moves over its range.",
        )

elif analysis == "budget":
    ids = list(scenario.compare)
    saved = scenario.budget
    if saved is not None:
        current_default = dict(saved.current_mix)
        proposed_default = dict(saved.proposed_mix)
        members_default, rate_default, years_default = saved.members, saved.episodes_per_1000, saved.years
        growth_default = saved.growth
    else:
        # Illustrative: an even mix now; the proposal moves a tenth of the episodes from the
        # option that costs the plan most to the one that costs it least.
        current_default = dict.fromkeys(ids, round(1 / len(ids), 3))
        proposed_default = dict(current_default)
        if len(ids) > 1:
            by_cost = sorted(ids, key=lambda o: comparison.option(o).expected.insurer)
            shift = min(0.1, current_default[by_cost[-1]])
            proposed_default[by_cost[-1]] -= shift
            proposed_default[by_cost[0]] += shift
        members_default, rate_default, years_default, growth_default = 10_000, 50.0, 3, 0.0
    st.caption(
        "Illustrative inputs: replace them with your member population. Mixes are the share of new episodes "
        "that start with each option and must add up to 100%."
    )
    with st.form(f"{PAGE}_budget_form"):
        a, b, c, d = st.columns(4)
        members = a.number_input("Members", 1, 100_000_000, int(members_default), step=1_000, key=f"{PAGE}_members")
        rate = b.number_input(
            "Episodes per 1,000 members a year", 0.0, 1_000.0, float(rate_default), step=5.0, key=f"{PAGE}_rate"
        )
        years = c.number_input("Years", 1, 5, int(years_default), key=f"{PAGE}_years")
        growth = d.number_input(
            "Membership growth a year (%)", -50.0, 100.0, float(growth_default) * 100, step=1.0, key=f"{PAGE}_growth"
        )
        mix_cols = st.columns(len(ids))
        current, proposed = {}, {}
        for col, o in zip(mix_cols, ids, strict=True):
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

    def _normalised(mix: dict[str, float]) -> tuple[tuple[str, float], ...]:
        total = sum(mix.values())
        if abs(total - 100) > 0.05 + 1e-9:
            return tuple((o, v / 100) for o, v in mix.items())  # the engine reports the bad total
        return tuple((o, v / total) for o, v in mix.items())

    try:
        inputs = BudgetInputs(
            members=int(members),
            episodes_per_1000=float(rate),
            current_mix=_normalised(current),
            proposed_mix=_normalised(proposed),
            years=int(years),
            growth=float(growth) / 100,
        )
        budget = common.run_budget(scenario, inputs)
    except CostModelError as error:
        common.show_error(error)
        st.stop()
    totals = budget.to_dict()["total"]
    first = budget.years[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(
        f"Plan spending change over {len(budget.years)} year(s)",
        _money(totals["plan_difference"]),
        help="Proposed minus current mix; negative means savings.",
    )
    m2.metric("Per member per month, year 1", common.format_money(first.plan_pmpm_difference, currency, cents=True))
    m3.metric(f"Members' out-of-pocket change over {len(budget.years)} year(s)", _money(totals["members_difference"]))
    frame = pd.DataFrame(
        [
            {
                "year": y.year,
                "members": y.members,
                "episodes": y.episodes,
                "current": y.plan_current,
                "proposed": y.plan_proposed,
                "difference": y.plan_difference,
                "pmpm_difference": y.plan_pmpm_difference,
                "members_current": y.members_current,
                "members_proposed": y.members_proposed,
            }
            for y in budget.years
        ]
    )
    table = pd.DataFrame(
        {
            "Year": frame["year"],
            "Members": [f"{v:,.0f}" for v in frame["members"]],
            "Episodes": [f"{v:,.0f}" for v in frame["episodes"]],
            "Plan, current mix": [_money(v) for v in frame["current"]],
            "Plan, proposed mix": [_money(v) for v in frame["proposed"]],
            "Difference": [_money(v) for v in frame["difference"]],
            "PMPM difference": [common.format_money(v, currency, cents=True) for v in frame["pmpm_difference"]],
        }
    )
    common.show_chart(
        charts.budget_chart(frame, currency, "Plan spending on low back pain episodes"),
        frame,
        table=table,
        key=f"{PAGE}_budget",
        file_name="budget-impact.csv",
        alt="Grouped bars of the plan's yearly spending with the current and the proposed mix.",
        caption="Per-episode costs are the expected plan costs of starting with each option (further care "
        "included), under this scenario's plan.",
    )

st.divider()
common.disclaimer()
