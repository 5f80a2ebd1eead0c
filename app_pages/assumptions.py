"""Assumptions & sensitivity: every number with its source, and how conclusions move."""

import pandas as pd
import streamlit as st

from calculator.edit import validated, with_params
from calculator.errors import CostModelError, InputError
from calculator.inputs import ENTERED, edited_params, every_option
from calculator.models import DISTRIBUTIONS
from calculator.presentation import (
    FLAG,
    PERSPECTIVES,
    assumption_frame,
    assumption_table,
    param_label,
    review_csv,
    review_frame,
    scenario_caption,
)
from calculator.review import PERSPECTIVES as REVIEW_PERSPECTIVES
from ui import analyses, engine, state, widgets
from ui.i18n import _, lang, translate_now
from ui.region import region_picker
from ui.widgets import md

PAGE = "assumptions"

st.title(_("Assumptions & sensitivity"))
region_picker(PAGE)

context = state.now()
scenario = context.scenario_or_stop()
try:
    comparison = engine.run_compare(scenario)
    params = engine.run_parameters(scenario)
except CostModelError as error:
    widgets.show_error(error)
    st.stop()

currency = scenario.currency
labels = {o.id: _(o.label) for o in comparison}
st.caption(
    md(
        scenario_caption(scenario, lang())
        + _(
            ". Change the plan and prices on My costs, the options on Compare, the "
            "price table on Price tables and the treatments below."
        )
    )
)

# ------------------------------------------------------------------------------------------
# Every assumption


st.header(_("Every assumption"), anchor=False)
raw = assumption_frame(params, ENTERED)

filters = st.columns([2, 2, 1.3], vertical_alignment="bottom")
text = filters[0].text_input(_("Search"), placeholder=_("e.g. needling, deductible, 97110"), key=f"{PAGE}_search")
groups = filters[1].multiselect(
    _("Groups"),
    ["price", "pathway", "insurance", "indirect"],
    format_func=translate_now(),
    placeholder=_("All groups"),
    key=f"{PAGE}_groups",
)
only_flagged = filters[2].toggle(_("Only assumed/unverified"), key=f"{PAGE}_only_flagged")
shown = raw
if text.strip():
    needle = text.strip().lower()
    # The label as shown (translated) or in English, or the number's id.
    translated = pd.Series([param_label(a, lang()).lower() for a in shown["assumption"]], index=shown.index)
    shown = shown[
        translated.str.contains(needle, regex=False)
        | shown["assumption"].str.lower().str.contains(needle, regex=False)
        | shown["id"].str.contains(needle)
    ]
if groups:
    shown = shown[shown["group"].isin(groups)]
if only_flagged:
    shown = shown[shown["unverified"]]

display = assumption_table(shown, currency, lang())
flagged = int(raw["unverified"].sum())
st.caption(
    md(
        _(
            "{count} numbers; {flagged} are marked {flag} (evidence U, A or M, or entered by you): treat them as "
            "assumptions, not sourced facts. Low and high are read as a 95% interval."
        ).format(count=len(raw), flagged=flagged, flag=_(FLAG))
    )
)
st.dataframe(
    display,
    hide_index=True,
    key=f"{PAGE}_table",
    height=360,
    column_config={
        _("Flag"): st.column_config.TextColumn(width="medium"),
        _("Assumption"): st.column_config.TextColumn(width="large"),
        _("Source"): st.column_config.TextColumn(width="large"),
    },
)
st.download_button(
    _("Download all assumptions (CSV)"),
    widgets.frame_csv(raw),
    file_name=widgets.hashed("assumptions.csv"),
    mime="text/csv",
    key=f"{PAGE}_assumptions_csv",
    on_click="ignore",
    icon=":material/download:",
)

# ------------------------------------------------------------------------------------------
# Editing the treatments: every change is checked like an uploaded file

st.header(_("Edit the treatments"), anchor=False)
st.caption(
    _(
        "Visit counts, units per visit, response and escalation probabilities with their ranges, adverse events "
        "and the next line of care. Low and high are a 95% range; a 'fixed' number has none. Each change is "
        "checked like an uploaded file: an invalid one is listed here and not used."
    )
)
pathways = scenario.pathways
names = {p.id: _(p.label) for p in pathways.pathways}
rev = st.session_state["data_rev"]
pick_col, next_col, reset_col = st.columns([2, 2, 1.2], vertical_alignment="bottom")
widgets.keep_valid(f"{PAGE}_edit_pathway", list(names))
pick = (
    pick_col.selectbox(_("Treatment"), list(names), format_func=lambda o: names.get(o, o), key=f"{PAGE}_edit_pathway")
    or pathways.ids[0]
)
pathway = pathways.get(pick)
no_further_care = _("No further care")  # bound now: format_func may run after the rerun
next_key = f"{PAGE}_on_failure_{pick}_{rev}"
if next_key not in st.session_state:
    st.session_state[next_key] = pathway.on_failure or ""
next_col.selectbox(
    _("If it does not help, next"),
    ["", *(i for i in names if i != pick)],
    format_func=lambda o: names.get(o, no_further_care),
    key=next_key,
    on_change=state.change_on_failure,
    args=(next_key, pick),
    help=_("The next line of care for people this treatment does not help."),
)
if st.session_state["pathways"] is not None:
    reset_col.button(
        _("Reset to shipped") if st.session_state["loaded"] is None else _("Reset to the scenario's"),
        key=f"{PAGE}_reset_pathways",
        on_click=state.reset_data,
        args=("pathways",),
        icon=":material/restart_alt:",
    )
problem = st.session_state.get("on_failure_problem")
if problem is not None and problem[0] == pick:
    widgets.show_problems(problem[1], _("That next line of care was not used:"))

prefix = f"pathway/{pick}/"
active = {p.id: p for p in engine.run_parameters(every_option(scenario)) if p.id.startswith(prefix)}
# The language is in the key: the editor's (read-only) names and units are built in it.
editor = widgets.editor_key(PAGE, f"pathway_{pick}" + ("" if lang() == "en" else f"_{lang()}"))
shown_prefix = f"{names[pick]}: "
source = widgets.editor_source(
    editor,
    lambda: pd.DataFrame(
        [
            {
                "id": p.id,
                "number": param_label(p.label, lang()).removeprefix(shown_prefix),
                "unit": _(p.unit),
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
        "number": st.column_config.TextColumn(_("Number"), width="large"),
        "unit": st.column_config.TextColumn(_("Unit"), width="small"),
        "value": st.column_config.NumberColumn(_("Value"), format="%.6g"),
        "low": st.column_config.NumberColumn(_("Low"), format="%.6g"),
        "high": st.column_config.NumberColumn(_("High"), format="%.6g"),
        "dist": st.column_config.SelectboxColumn(_("Distribution"), options=list(DISTRIBUTIONS), required=True),
    },
)
if widgets.has_edits(editor):
    start = context.start
    original = (
        {p.id: p.param for p in engine.run_parameters(every_option(start))}
        if start.pathways.ids == pathways.ids
        else {}
    )
    changes = edited_params(
        [{str(k): v for k, v in row.items()} for row in edited.to_dict("records")],
        {i: p.param for i, p in active.items()},
        original,
    )
    if changes:
        try:
            state.use_pathways(validated(with_params(scenario, changes)).pathways)
        except InputError as error:
            widgets.show_problems(error, _("These changes are not used (the numbers use the last valid values):"))
        else:
            st.rerun()  # every number on the page now uses the change
    else:
        st.caption(_("Your changes are in use on every page."))

# ------------------------------------------------------------------------------------------
# Reviewer diff: every change from the shipped preset and what it does

reference = context.preset
st.header(_("Changes from the shipped preset"), anchor=False)
preset_name = _(reference.label or reference.name)
review = engine.run_review(reference, scenario)
if not review.changes and not review.settings:
    st.success(
        md(_("Nothing differs from the shipped {preset} preset.").format(preset=preset_name)),
        icon=":material/check_circle:",
    )
else:
    st.caption(
        md(
            _(
                "Every number that differs from the shipped {preset} preset, with its effect on each option's "
                "expected cost taken alone (everything else as shipped). The last row is all changes together: "
                "single effects need not add up to it, because deductibles and out-of-pocket maximums are not linear."
            ).format(preset=preset_name)
        )
    )
    perspective_names = {p: _(name) for p, name in PERSPECTIVES.items()}
    diff_perspective = (
        st.selectbox(
            _("Effect on whose cost"),
            [p for p in PERSPECTIVES if p in REVIEW_PERSPECTIVES],
            format_func=lambda o: perspective_names.get(o, o),
            key=f"{PAGE}_diff_perspective",
        )
        or "patient"
    )
    units = {p.id: p.unit for p in engine.run_parameters(reference)} | {p.id: p.unit for p in params}
    shown_options = {o: labels[o] for o in reference.compare if o in labels}
    st.dataframe(
        review_frame(review, units, shown_options, currency, diff_perspective, lang()),
        hide_index=True,
        key=f"{PAGE}_diff",
        column_config={_("Assumption"): st.column_config.TextColumn(width="large")},
    )
    if review.settings:
        st.markdown("**" + md(_("Other settings changed")) + "**")
        st.dataframe(
            pd.DataFrame(review.settings, columns=[_("Setting"), _("Shipped"), _("Now")]),
            hide_index=True,
            key=f"{PAGE}_diff_settings",
        )
    hash_ = context.input_hash
    st.download_button(
        _("Download the changes (CSV)"),
        review_csv(review, hash_),
        file_name=f"assumption-changes-{hash_}.csv",
        mime="text/csv",
        key=f"{PAGE}_diff_csv",
        on_click="ignore",
        icon=":material/download:",
    )

# ------------------------------------------------------------------------------------------
# Analyses: only the chosen one is computed, each in its own fragment (a control reruns its chart)

analyses.show(scenario, comparison, params)

st.divider()
widgets.disclaimer()
