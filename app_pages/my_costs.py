"""My costs: what each treatment is likely to cost the patient, in plain words."""

import pandas as pd
import streamlit as st

from calculator import charts, content, explain
from calculator.errors import CostModelError
from calculator.models import VISIT_KINDS
from ui import engine, handout, state, widgets
from ui.widgets import md

PAGE = "my_costs"
NOT_BETTER_COLOR = "#c7c7c7"

st.title("My costs")
st.write(
    "What each treatment for low back pain is likely to cost **you**: choose your coverage, adjust "
    "it to your plan, and compare. Figures are averages for people like you, including the chance "
    "of needing further care."
)

inputs, results = st.columns([1.15, 2.3], gap="large")

# ------------------------------------------------------------------------------------------
# Inputs

with inputs:
    widgets.preset_selector(PAGE)
    context = state.now()
    base = context.base
    if st.session_state["loaded"] is not None:
        st.caption(md(f"Starting from the scenario in {st.session_state['loaded_from']}: {base.label or base.name}."))
    if base.description:
        with st.expander("What this preset assumes"):
            st.caption(md(base.description))

    if base.insurance is not None:
        with st.container(border=True):
            st.subheader("Your plan", anchor=False)
            left, right = st.columns(2)
            left.number_input(
                "Deductible",
                min_value=0.0,
                max_value=100_000.0,
                step=100.0,
                format="%.0f",
                help="What you pay each year before the plan starts sharing costs.",
                **widgets.bound(PAGE, "deductible"),
            )
            right.number_input(
                "Deductible already met",
                min_value=0.0,
                max_value=100_000.0,
                step=100.0,
                format="%.0f",
                help="How much of this year's deductible you have already paid.",
                **widgets.bound(PAGE, "deductible_met"),
            )
            left.number_input(
                "Coinsurance (%)",
                min_value=0.0,
                max_value=100.0,
                step=5.0,
                format="%.0f",
                help="Your share of the price after the deductible, e.g. 20%.",
                **widgets.bound(PAGE, "coinsurance_pct"),
            )
            right.number_input(
                "Out-of-pocket already paid",
                min_value=0.0,
                max_value=100_000.0,
                step=100.0,
                format="%.0f",
                help="What you have paid toward this year's out-of-pocket maximum.",
                **widgets.bound(PAGE, "oop_met"),
            )
            no_max = st.checkbox("My plan has no out-of-pocket maximum", **widgets.bound(PAGE, "no_oop_max"))
            st.number_input(
                "Out-of-pocket maximum",
                min_value=0.0,
                max_value=100_000.0,
                step=100.0,
                format="%.0f",
                disabled=no_max,
                help="The most you pay in a year for covered care (copays, deductible and coinsurance).",
                **widgets.bound(PAGE, "oop_max"),
            )
            with st.expander("Copays (a fixed amount per visit)"):
                st.caption(
                    "Leave a box empty when that kind of visit goes through the deductible and coinsurance instead."
                )
                used = {v.kind for p in base.pathways.pathways for v in p.visits}
                cols = st.columns(2)
                for i, kind in enumerate(k for k in VISIT_KINDS if k in used):
                    cols[i % 2].number_input(
                        kind.replace("_", " ").capitalize(),
                        min_value=0.0,
                        max_value=10_000.0,
                        step=5.0,
                        format="%.0f",
                        placeholder="no copay",
                        **widgets.bound(PAGE, f"copay_{kind}"),
                    )
    else:
        st.info("Self-pay: you pay the clinic's cash price for everything.", icon=":material/payments:")

    with st.expander("Your time and travel"):
        left, right = st.columns(2)
        left.number_input(
            "Miles per visit (round trip)",
            min_value=0.0,
            max_value=1_000.0,
            step=1.0,
            format="%.0f",
            **widgets.bound(PAGE, "miles_per_visit"),
        )
        right.number_input(
            "Travel time per visit (hours)",
            min_value=0.0,
            max_value=24.0,
            step=0.25,
            format="%.2f",
            **widgets.bound(PAGE, "travel_hours_per_visit"),
        )
        left.number_input(
            "Value of an hour of your time",
            min_value=0.0,
            max_value=10_000.0,
            step=1.0,
            format="%.2f",
            help="Your hourly pay, or what an hour is worth to you.",
            **widgets.bound(PAGE, "hourly_value"),
        )
        right.number_input(
            "Value of a work day",
            min_value=0.0,
            max_value=100_000.0,
            step=10.0,
            format="%.2f",
            help="Pay lost for a day off work (0 if you would not lose pay).",
            **widgets.bound(PAGE, "daily_wage"),
        )

    with st.expander("Your clinic's prices"):
        st.caption("If you know what your clinic charges for an item, enter it here.")
        if context.scenario is not None:
            widgets.price_override_editor(PAGE, context.scenario)

# ------------------------------------------------------------------------------------------
# Results

with results:
    scenario = context.scenario_or_stop()
    try:
        comparison = engine.run_compare(scenario)
    except CostModelError as error:
        widgets.show_error(error)
        st.stop()
    currency = scenario.currency
    labels = {o.id: o.label for o in comparison}
    colors = charts.option_colors(list(scenario.compare))

    st.subheader("What each option is likely to cost you", anchor=False)
    per_row = 2 if len(comparison.options) > 1 else 1
    options = list(comparison)
    for row in range(0, len(options), per_row):
        cards = st.columns(per_row)
        for card, option in zip(cards, options[row : row + per_row], strict=False):
            with card.container(border=True, height="stretch"):
                st.markdown(f"**{md(option.label)}**")
                st.metric(
                    "You pay, on average",
                    widgets.money(option.expected.patient, currency),
                    help="Expected out-of-pocket cost of starting with this option, further care included.",
                )
                details = (
                    ("Chance of needing more care", widgets.percent(option.p_escalate)),
                    (
                        "Total cost to you, with your time & travel",
                        widgets.money(option.expected.patient_total, currency),
                    ),
                )
                st.markdown("  \n".join(f"{md(name)}: **{md(value)}**" for name, value in details))
                st.caption(
                    md(
                        "If the first treatment is all you need: "
                        f"{widgets.money(option.first_line.patient, currency)}. "
                        f"Includes {explain.includes(option, scenario)}"
                    )
                )

    sentences = explain.summary(comparison)
    st.info(md(sentences[0]), icon=":material/lightbulb:")
    st.markdown("\n".join(f"- {md(s)}" for s in sentences[1:]))

    st.subheader("Out of 100 people like you", anchor=False)
    chart_col, check_col = st.columns([3, 2], gap="large")
    with chart_col:
        widgets.keep_valid(f"{PAGE}_icon_option", list(scenario.compare))
        chosen = st.selectbox(
            "Starting with", list(scenario.compare), format_func=lambda o: labels.get(o, o), key=f"{PAGE}_icon_option"
        )
        chosen = chosen if chosen is not None and chosen in labels else scenario.compare[0]
        outcomes = explain.outcome_counts(scenario, chosen)
        groups = [
            (o.label, o.count, colors.get(o.pathway, NOT_BETTER_COLOR) if o.pathway else NOT_BETTER_COLOR)
            for o in outcomes
        ]
        sentence = explain.outcome_sentence(outcomes, labels[chosen])
        frame = pd.DataFrame({"outcome": [o.label for o in outcomes], "people": [o.count for o in outcomes]})
        widgets.show_chart(
            charts.icon_array(groups, f"100 people starting with {labels[chosen]}"),
            frame,
            key=f"{PAGE}_icons",
            file_name="out-of-100-people.csv",
            alt=sentence,
            caption=sentence + " 'Better' means the response the pathway data describe (by default at least "
            "30% less pain at 3 months); everyone else stops, or goes on to the next treatment.",
        )

    with check_col:
        with st.container(border=True):
            checklist = content.checklist()
            st.subheader(checklist.title, anchor=False)
            st.caption(md(checklist.intro))
            ticked = [
                item.key for item in checklist.items if st.checkbox(item.question, key=f"{PAGE}_check_{item.key}")
            ]
            warning = explain.checklist_warning(ticked, checklist)
            if warning:
                st.warning(md(warning), icon=":material/medical_information:")
            else:
                st.caption(md(checklist.none_ticked))

    handout.handout_section(PAGE, comparison)

    st.divider()
    widgets.disclaimer()
