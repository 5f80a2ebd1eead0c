"""Compare options: the clinic's side-by-side view, with a clean presentation mode."""

import streamlit as st

from calculator import charts
from calculator.errors import CostModelError
from calculator.presentation import PERSPECTIVES, frame_csv, money_columns, scenario_caption
from calculator.regions import STATE_NAMES, region_values, regional_ready, state_summary
from ui import engine, handout, state, widgets
from ui.i18n import _, lang
from ui.region import region_picker
from ui.widgets import hashed, md

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

if not presenting:
    with controls:
        region_picker(PAGE)

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
        st.markdown(f"## {md(labels[option.id])}")
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
        engine.figure(
            (engine.key_of(scenario), "payer", tuple(labels.items()), lang()),
            lambda: charts.payer_bars(frame, currency, lang=lang()),
        ),
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
        engine.figure(
            (engine.key_of(scenario), "category", tuple(labels.items()), lang()),
            lambda: charts.category_bars(frame, currency, lang()),
        ),
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
    shown_view: str = view or "patient"
    frame = charts.cumulative_frame(comparison, shown_view)
    frame["label"] = [labels.get(o, o) for o in frame["option"]]
    wide = frame.pivot_table(index="week", columns="label", values="cost", sort=False).reset_index()
    table = money_columns(wide, [c for c in wide.columns if c != "week"], currency, lang())
    widgets.show_chart(
        engine.figure(
            (engine.key_of(scenario), "cumulative", shown_view, tuple(labels.items()), lang()),
            lambda: charts.cumulative_lines(frame, currency, shown_view, lang()),
        ),
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
        engine.figure(
            (engine.key_of(scenario), "tree", chosen, tuple(names.items()), lang()),
            lambda: charts.escalation_tree(option, names, currency, lang()),
        ),
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

# ------------------------------------------------------------------------------------------
# Across the country: the same scenario in every Medicare payment locality


with st.expander(_("Costs across the country (map)"), icon=":material/map:"):
    # Costing all 110 regions is the dearest part of this page, and an expander's body runs on every
    # rerun even when closed: the map is built only when asked for.
    show_map = st.toggle(_("Show the map (costs every Medicare locality)"), key=f"{PAGE}_map_on")
    if not regional_ready(scenario):
        st.info(_("The map needs the shipped price table: your own table has one set of prices."))
    elif show_map:
        st.caption(
            md(
                _(
                    "What the patient pays, with this plan, in every Medicare payment locality. Medicare and "
                    "commercial prices follow the locality; cash prices are the same everywhere. A state with "
                    "several localities is coloured by its median locality; hover for the range."
                )
            )
        )
        pick, against = st.columns(2)
        ids = list(scenario.compare)
        widgets.keep_valid(f"{PAGE}_map_option", ids)
        shown = (
            pick.selectbox(_("Option"), ids, format_func=lambda o: labels.get(o, o), key=f"{PAGE}_map_option") or ids[0]
        )
        others = {"": _("nothing: its own cost"), **{o: labels.get(o, o) for o in ids if o != shown}}
        widgets.keep_valid(f"{PAGE}_map_minus", list(others))
        minus = against.selectbox(
            _("Minus (optional)"),
            list(others),
            format_func=others.__getitem__,
            key=f"{PAGE}_map_minus",
        )
        with st.spinner(_("Costing every region…")):
            everywhere = engine.run_costs_by_region(scenario)
        values = region_values(everywhere, shown, minus or None)
        states = state_summary(values)
        national = float(values.loc[values["region"] == "national", "value"].iloc[0])
        if minus:
            what = _("{a} minus {b}").format(a=labels[shown], b=labels[minus])
        else:
            what = labels[shown]
        title = _("Patient pays: {what} (national {amount})").format(
            what=what, amount=widgets.money(national, currency)
        )
        figure = charts.region_map(
            states,
            currency,
            title,
            names=STATE_NAMES,
            difference=bool(minus),
            value_label=_("Difference") if minus else _("Patient pays"),
        )
        local = values[values["region"] != "national"].sort_values("value", kind="stable")
        cheapest, dearest = local.iloc[0], local.iloc[-1]
        summary = _("Lowest: {low} in {low_place}; highest: {high} in {high_place}.").format(
            low=widgets.money(float(cheapest["value"]), currency),
            low_place=f"{cheapest['locality']} ({cheapest['region']})",
            high=widgets.money(float(dearest["value"]), currency),
            high_place=f"{dearest['locality']} ({dearest['region']})",
        )
        st.plotly_chart(
            figure,
            key=f"{PAGE}_map_chart",
            config={"displaylogo": False},
            alt=_("Map of the states coloured by what the patient pays. {summary}").format(summary=summary),
        )
        st.caption(md(summary))
        table = money_columns(states, ["value", "low", "high"], currency, lang()).rename(
            columns={
                "state": _("State"),
                "value": _("Mapped value"),
                "mapped": _("Mapped locality"),
                "low": _("Lowest locality"),
                "high": _("Highest locality"),
                "localities": _("Localities"),
            }
        )
        st.dataframe(table, hide_index=True, key=f"{PAGE}_map_table")
        if downloads:
            st.download_button(
                _("Download every locality (CSV)"),
                frame_csv(everywhere),
                file_name=hashed("costs-by-region.csv"),
                mime="text/csv",
                key=f"{PAGE}_map_csv",
                on_click="ignore",
                icon=":material/download:",
            )

handout.handout_section(PAGE, comparison)

st.divider()
widgets.disclaimer()
