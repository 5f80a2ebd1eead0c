"""Compare options: the clinic's side-by-side view, with a clean presentation mode."""

import streamlit as st

from calculator import charts
from calculator.errors import CostModelError
from calculator.presentation import PERSPECTIVES, money_columns, scenario_caption
from ui import engine, handout, state, widgets
from ui.i18n import _, lang
from ui.widgets import md

PAGE = "compare"
COST_VIEWS = ("patient", "insurer", "allowed")

context = state.now()
base = context.base
all_ids = list(base.pathways.ids)
all_labels = {p.id: _(p.label) for p in base.pathways.pathways}
presenting = st.session_state["presentation"]
# Options of another pathway set (e.g. after loading a different preset) are dropped.
if any(o not in all_ids for o in st.session_state["options"]):
    st.session_state["options"] = [o for o in st.session_state["options"] if o in all_ids]
    st.session_state.pop(f"{PAGE}_options", None)

if presenting and st.session_state["clinic_name"].strip():
    st.text(st.session_state["clinic_name"].strip())
st.title(_("Compare options"))

controls = st.container(border=not presenting)
with controls:
    # The options on a row of their own: beside the toggle, the chips of long option names were
    # cut off ("Medication (NSAID, sh..."), worst in presentation mode.
    st.multiselect(
        _("Options to compare"),
        all_ids,
        format_func=lambda o: all_labels.get(o, o),
        **widgets.bound(PAGE, "options"),
    )
    middle, right = st.columns([1, 2], vertical_alignment="bottom")
    middle.toggle(
        _("Presentation mode"),
        help=_("Hides the sidebar and the chart data downloads, and shows your clinic's name."),
        **widgets.bound(PAGE, "presentation"),
    )
    if not presenting:
        right.text_input(
            _("Clinic name (shown in presentation mode)"),
            max_chars=80,
            **widgets.bound(PAGE, "clinic_name"),
        )

scenario = context.scenario_or_stop()
try:
    comparison = engine.run_compare(scenario)
except CostModelError as error:
    widgets.show_error(error)
    st.stop()

if not st.session_state["options"]:
    st.warning(_("No option chosen: showing the scenario's default options."), icon=":material/info:")

currency = scenario.currency
labels = {o.id: _(o.label) for o in comparison}
st.caption(md(scenario_caption(scenario, lang()) + _(". Expected costs per episode, further care included.")))

# ------------------------------------------------------------------------------------------
# Cards

cards = st.columns(len(comparison.options))
for card, option in zip(cards, comparison, strict=True):
    with card.container(border=True, height="stretch"):
        st.markdown(f"#### {md(labels[option.id])}")
        st.metric(_("Patient pays"), widgets.money(option.expected.patient, currency))
        details = (
            (_("Plan pays"), widgets.money(option.expected.insurer, currency)),
            (_("Total billed"), widgets.money(option.expected.allowed, currency)),
            (_("Patient's time & travel"), widgets.money(option.expected.indirect, currency)),
            (_("Needs more care"), widgets.percent(option.p_escalate)),
        )
        st.markdown("  \n".join(f"{md(name)}: **{md(value)}**" for name, value in details))

downloads = not presenting

# ------------------------------------------------------------------------------------------
# Breakdown charts

by_payer, by_category = st.columns(2, gap="large")
with by_payer:
    frame = charts.payer_frame(comparison)
    frame["label"] = [labels.get(o, o) for o in frame["option"]]
    table = money_columns(
        frame.drop(columns=["option"]), ["patient", "insurer", "indirect", "adverse_events", "total"], currency, lang()
    ).rename(
        columns={
            "label": _("Option"),
            "patient": _("Patient out of pocket"),
            "insurer": _("Plan pays"),
            "indirect": _("Patient's time & travel"),
            "adverse_events": _("Adverse events"),
            "total": _("Total"),
        }
    )
    widgets.show_chart(
        charts.payer_bars(frame, currency, lang=lang()),
        frame,
        table=table,
        key=f"{PAGE}_payer",
        file_name="cost-by-who-pays.csv",
        alt=_("Stacked bars of the expected cost of each option split by who pays."),
        caption=_("Adverse-event costs are not passed through the plan's cost sharing (shown separately)."),
        downloads=downloads,
    )
with by_category:
    frame = charts.category_frame(comparison)
    frame["label"] = [labels.get(o, o) for o in frame["option"]]
    wide = frame.pivot_table(index="label", columns="category", values="allowed", aggfunc="sum", sort=False)
    wide = wide.fillna(0.0).reset_index()
    table = money_columns(wide, [c for c in wide.columns if c != "label"], currency, lang())
    table = table.rename(
        columns={
            "label": _("Option"),
            **{c: _(charts.CATEGORY_NAMES.get(str(c), str(c).capitalize())) for c in wide.columns if c != "label"},
        }
    )
    widgets.show_chart(
        charts.category_bars(frame, currency, lang()),
        frame,
        table=table,
        key=f"{PAGE}_category",
        file_name="billed-by-category.csv",
        alt=_("Stacked bars of the expected billed amount of each option by kind of service."),
        caption=_("Billed (allowed) amounts: what the plan and the patient pay together for the visits."),
        downloads=downloads,
    )

# ------------------------------------------------------------------------------------------
# Over time and the escalation tree

over_time, tree = st.columns(2, gap="large")
with over_time:
    perspective_names = {p: _(name) for p, name in PERSPECTIVES.items()}
    view = st.segmented_control(
        _("Cost shown"),
        list(COST_VIEWS),
        format_func=lambda o: perspective_names.get(o, o),
        default="patient",
        key=f"{PAGE}_cost_view",
    )
    view = view or "patient"
    frame = charts.cumulative_frame(comparison, view)
    frame["label"] = [labels.get(o, o) for o in frame["option"]]
    wide = frame.pivot_table(index="week", columns="label", values="cost", sort=False).reset_index()
    table = money_columns(wide, [c for c in wide.columns if c != "week"], currency, lang())
    widgets.show_chart(
        charts.cumulative_lines(frame, currency, view, lang()),
        frame,
        table=table.rename(columns={"week": _("Week")}),
        key=f"{PAGE}_cumulative",
        file_name="cost-over-weeks.csv",
        alt=_("Lines of the expected cumulative cost of each option by week of the episode."),
        caption=_(
            "Each treatment's visits are spread evenly over its weeks in the order listed; further care "
            "starts when the previous treatment ends. Time off work and adverse events are not shown here."
        ),
        downloads=downloads,
    )
with tree:
    widgets.keep_valid(f"{PAGE}_tree_option", list(scenario.compare))
    chosen = st.selectbox(
        _("Escalation for"), list(scenario.compare), format_func=lambda o: labels.get(o, o), key=f"{PAGE}_tree_option"
    )
    chosen = chosen if chosen is not None and chosen in labels else scenario.compare[0]
    option = comparison.option(chosen)
    names = {p.id: _(p.label) for p in scenario.pathways.pathways}
    frame = charts.branch_table(option, names)
    table = money_columns(frame, ["patient", "insurer", "allowed", "indirect", "adverse_events"], currency, lang())
    table["probability"] = [widgets.percent(p) for p in frame["probability"]]
    table = table.rename(
        columns={
            "path": _("Path"),
            "probability": _("Share of patients"),
            "patient": _("Patient pays"),
            "insurer": _("Plan pays"),
            "allowed": _("Total billed"),
            "indirect": _("Time & travel"),
            "adverse_events": _("Adverse events"),
        }
    )
    widgets.show_chart(
        charts.escalation_tree(option, names, currency, lang()),
        frame,
        table=table,
        key=f"{PAGE}_tree",
        file_name=f"escalation-{chosen}.csv",
        alt=_("Escalation tree for {option}: the share of patients who stop at each step or go on.").format(
            option=labels[chosen]
        ),
        caption=_("'Stop here' counts those who get better and those who do not go on to further care."),
        downloads=downloads,
    )

handout.handout_section(PAGE, comparison)

st.divider()
widgets.disclaimer()
