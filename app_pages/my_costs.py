"""My costs: what each treatment is likely to cost the patient, in plain words.

The answer comes first (a widget on a clinic's site is mostly read on a phone): the bottom line
and one card per option, each with the same detail, then the plan and travel inputs, already
filled in from the chosen coverage, then the "out of 100", the checklist and the handout.
"""

import pandas as pd
import streamlit as st

from calculator import charts, content, explain
from calculator.errors import CostModelError
from ui import engine, handout, links, state, widgets
from ui.i18n import _, lang, money, share
from ui.plan_inputs import has_problems, plan_inputs
from ui.region import region_picker
from ui.widgets import md

PAGE = "my_costs"
NOT_BETTER_COLOR = "#c7c7c7"
# The cost spread in words comes from a modest, seeded simulation (cached per scenario):
# 2,000 draws take about 0.03 s and pin the 5th/95th percentiles to within a few dollars.
SPREAD_DRAWS = 2_000
SPREAD_SEED = 20_261_129


def is_dry_needling(option_id: str, label: str) -> bool:
    """Whether an option is dry needling (the checklist is about it)."""
    return "needling" in option_id.lower() or "needling" in label.lower()


context = state.now()
base = context.base
language = lang()

st.title(_("My costs"))
st.caption(
    md(
        _("Figures for: {coverage}. Change your plan below the costs.").format(
            coverage=_(engine.preset_label(context.presets, context.preset_name))
        )
    )
)

scenario = context.scenario_or_stop()
try:
    comparison = engine.run_compare(scenario)
    psa = engine.run_psa(scenario, SPREAD_DRAWS, SPREAD_SEED)
except CostModelError as error:
    widgets.show_error(error)
    st.stop()
currency = scenario.currency
labels = {o.id: _(o.label) for o in comparison}
colors = charts.option_colors(list(scenario.compare))
checklist = content.checklist()
# The checklist sits further down; its ticks of the last interaction are already in the session
# state, so the dry-needling card can carry them.
ticked = [item for item in checklist.items if st.session_state.get(f"{PAGE}_check_{item.key}")]
note = explain.checklist_note([item.question for item in ticked], language)

# ------------------------------------------------------------------------------------------
# The answer: the bottom line, then every option with the same detail

# The first sentence of the bottom line above the cards, the rest (how sure, and that cost is only
# one part of the choice) right after them: on a phone the first cost stays on the first screen.
line = explain.bottom_line(comparison, psa, language)
if line:
    st.info(md(line[0]), icon=":material/lightbulb:")

cost_words = explain.cost_labels(language)
st.header(_("What each option is likely to cost you"), anchor=False)
per_row = 2 if len(comparison.options) > 1 else 1
options = list(comparison)
for row in range(0, len(options), per_row):
    cards = st.columns(per_row)
    for card, option in zip(cards, options[row : row + per_row], strict=False):
        with card.container(border=True, height="stretch"):
            st.markdown(f"**{md(labels[option.id])}**")
            st.metric(
                cost_words["patient"],
                money(option.expected.patient, currency),
                help=_("Expected out-of-pocket cost of starting with this option, further care included."),
            )
            spread = explain.cost_spread_sentence(option, psa, language)
            evidence = explain.evidence_word(explain.outcome_evidence(scenario, option.id), language)
            details = (
                (
                    cost_words["needs_more"],
                    _("{share} ({evidence})").format(share=share(option.p_escalate), evidence=evidence),
                ),
                (cost_words["total"], money(option.expected.patient_total, currency)),
            )
            lines = [f"{md(name)}: **{md(value)}**" for name, value in details]
            if spread:
                lines.insert(0, md(spread))
            st.markdown("  \n".join(lines))
            st.markdown(md(explain.outcome_sentence_for(scenario, option.id, language)))
            st.caption(
                md(
                    _("If the first treatment is all you need: {amount}. Includes {what}").format(
                        amount=money(option.first_line.patient, currency), what=explain.includes(option, scenario)
                    )
                )
            )
            if note and is_dry_needling(option.id, option.label):
                st.warning(md(note), icon=":material/medical_information:")

st.markdown("\n".join(f"- {md(s)}" for s in [*line[1:], *explain.assumed_equal_sentences(scenario, language)]))

# ------------------------------------------------------------------------------------------
# The inputs, already filled in from the coverage

st.header(_("Your plan and your situation"), anchor=False)
widgets.preset_selector(PAGE)
region_picker(PAGE)  # SPEC §4.8: the patient's state, then their locality (also in the embedded widget)
if st.session_state["loaded"] is not None:
    st.caption(
        md(
            _("Starting from the scenario in {file}: {name}.").format(
                file=st.session_state["loaded_from"], name=base.label or base.name
            )
        )
    )
if base.description:
    with st.expander(_("What this coverage assumes")):
        st.caption(md(_(base.description)))

if base.insurance is not None:
    # The plan as its Summary of Benefits and Coverage shows it (ui.plan_inputs); opened by
    # itself when a figure is impossible, so the sentence next to the field is seen.
    with st.expander(_("Your plan"), icon=":material/health_and_safety:", expanded=has_problems()):
        plan_inputs(PAGE)
else:
    st.info(_("Self-pay: you pay the clinic's cash price for everything."), icon=":material/payments:")

with st.expander(_("Your time and travel"), icon=":material/directions_car:"):
    left, right = st.columns(2)
    left.number_input(
        _("Miles per visit (round trip)"),
        min_value=0.0,
        max_value=1_000.0,
        step=1.0,
        format="%.0f",
        **widgets.bound(PAGE, "miles_per_visit"),
    )
    right.number_input(
        _("Travel time per visit (hours)"),
        min_value=0.0,
        max_value=24.0,
        step=0.25,
        format="%.2f",
        **widgets.bound(PAGE, "travel_hours_per_visit"),
    )
    left.number_input(
        _("Value of an hour of your time"),
        min_value=0.0,
        max_value=10_000.0,
        step=1.0,
        format="%.2f",
        help=_("Your hourly pay, or what an hour is worth to you."),
        **widgets.bound(PAGE, "hourly_value"),
    )
    right.number_input(
        _("Value of a work day"),
        min_value=0.0,
        max_value=100_000.0,
        step=10.0,
        format="%.2f",
        help=_("Pay lost for a day off work (0 if you would not lose pay)."),
        **widgets.bound(PAGE, "daily_wage"),
    )

with st.expander(_("Your clinic's prices"), icon=":material/sell:"):
    st.caption(_("If you know what your clinic charges for an item, enter it here."))
    widgets.price_override_editor(PAGE, scenario)

# ------------------------------------------------------------------------------------------
# Out of 100 people like you, and the checklist

st.header(_("Out of 100 people like you"), anchor=False)
chart_col, check_col = st.columns([3, 2], gap="large")
with chart_col:
    widgets.keep_valid(f"{PAGE}_icon_option", list(scenario.compare))
    chosen = st.selectbox(
        _("Starting with"), list(scenario.compare), format_func=lambda o: labels.get(o, o), key=f"{PAGE}_icon_option"
    )
    chosen = chosen if chosen is not None and chosen in labels else scenario.compare[0]
    outcomes = explain.outcome_counts(scenario, chosen)
    groups = [
        (_(o.label), o.count, colors.get(o.pathway, NOT_BETTER_COLOR) if o.pathway else NOT_BETTER_COLOR)
        for o in outcomes
    ]
    sentence = explain.outcome_sentence_for(scenario, chosen, language)
    frame = pd.DataFrame({"outcome": [_(o.label) for o in outcomes], "people": [o.count for o in outcomes]})
    widgets.show_chart(
        charts.icon_array(groups, _("100 people starting with {option}").format(option=labels[chosen])),
        frame,
        key=f"{PAGE}_icons",
        file_name="out-of-100-people.csv",
        alt=sentence,
        caption=sentence
        + " "
        + _(
            "'Better' means the response the pathway data describe (by default at least 30% less pain at "
            "3 months); everyone else stops, or goes on to the next treatment. Every option is counted out of "
            "the same 100 people."
        ),
    )

with check_col:
    with st.container(border=True):
        st.header(_(checklist.title), anchor=False)
        st.caption(md(_(checklist.intro)))
        for item in checklist.items:
            st.checkbox(_(item.question), key=f"{PAGE}_check_{item.key}")
        if note:
            st.warning(md(note), icon=":material/medical_information:")
        else:
            st.caption(md(_(checklist.none_ticked)))

with st.container(border=True):
    st.header(_("Questions to ask your clinician"), anchor=False)
    st.markdown("\n".join(f"- {md(q)}" for q in explain.clinician_questions(language)))

handout.handout_section(PAGE, comparison, psa=psa, checklist=[item.question for item in ticked])
links.copy_link_box(PAGE)

st.divider()
widgets.disclaimer()
