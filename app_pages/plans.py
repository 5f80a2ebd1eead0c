"""Compare plans: the same treatment options under two or three plans, side by side.

For a patient at open enrollment ("the high-deductible plan with its HSA, or the PPO, for this
episode?") and for an insurer trying a benefit change ("cover dry needling with a $40 copay":
member cost and plan cost, per option). The options, prices, time and travel are the current
scenario's; only the plan (and the price schedule it pays at) changes.
"""

from dataclasses import replace

import pandas as pd
import streamlit as st

from calculator.errors import CostModelError
from calculator.models import KindBenefit, Param
from calculator.plans import PlanChoice, compare_plans
from ui import engine, state, widgets
from ui.i18n import _
from ui.plan_inputs import KIND_LABELS
from ui.widgets import md

PAGE = "plans"
WHAT_IF = "what if"

st.title(_("Compare plans"))
st.write(
    _(
        "The same treatment options under two or three plans: what you would pay and what the plan would pay. "
        "Prices, treatments, time and travel stay those of the current scenario."
    )
)

context = state.now()
scenario = context.scenario_or_stop()
presets = context.presets
current = _("Current plan ({label})").format(label=_(scenario.label or scenario.name))
choices = {current: PlanChoice(current, scenario.insurance, scenario.schedule)}
others: list[str] = []  # presets whose plan differs from the current one: the useful comparisons
for name, preset in presets.items():
    label = _(engine.preset_label(presets, name))
    choices.setdefault(label, PlanChoice(label, preset.insurance, preset.schedule))
    if preset.insurance != scenario.insurance and label in choices and label != current:
        others.append(label)

key = f"{PAGE}_chosen"
if key in st.session_state:
    st.session_state[key] = [c for c in st.session_state[key] if c in choices]
# The open-enrollment question by default: the current plan against a plan that differs from it
# (the shipped high-deductible plan with an HSA when it does).
hsa = _(engine.preset_label(presets, "high-deductible")) if "high-deductible" in presets else ""
default = [current, hsa if hsa in others else (others[0] if others else current)]
if key not in st.session_state:  # the default once; afterwards the session's choice (no default= beside it)
    st.session_state[key] = list(dict.fromkeys(default))
chosen = st.multiselect(_("Plans to compare (two or three)"), list(choices), max_selections=3, key=key)

# ------------------------------------------------------------------------------------------
# An insurer's "what if": one benefit change to the current plan, as a further column

plan = scenario.insurance
what_if: PlanChoice | None = None
with st.expander(_("What if the current plan changed a benefit?"), expanded=False):
    if plan is None:
        st.caption(_("The current scenario is self-pay; choose a plan preset to try a benefit change."))
    else:
        kinds = [k for k in KIND_LABELS if any(v.kind == k for p in scenario.pathways.pathways for v in p.visits)]
        cover = st.multiselect(
            _("Cover these codes the plan does not cover today"),
            list(plan.uncovered_codes),
            key=f"{PAGE}_cover",
            help=_("For example 20560 and 20561, dry needling."),
        )
        left, right = st.columns(2)
        kind = left.selectbox(
            _("With a copay for"),
            [None, *kinds],
            format_func=lambda k: _("no change") if k is None else _(KIND_LABELS[k]),
            key=f"{PAGE}_kind",
        )
        copay = right.number_input(
            _("Copay"), min_value=0.0, max_value=10_000.0, value=40.0, step=5.0, format="%.0f", key=f"{PAGE}_copay"
        )
        if cover or kind is not None:
            changed = replace(plan, uncovered_codes=tuple(c for c in plan.uncovered_codes if c not in cover))
            if kind is not None:
                benefits = dict(changed.benefits)
                old = benefits.get(kind) or KindBenefit()
                benefits[kind] = replace(old, copay=Param(float(copay), source="Entered in the app"))
                changed = replace(
                    changed,
                    benefits=tuple(benefits.items()),
                    copays=tuple((k, p) for k, p in changed.copays if k != kind),
                )
            parts = []
            if cover:
                parts.append(_("cover {codes}").format(codes=", ".join(cover)))
            if kind is not None:
                parts.append(
                    _("{kind} copay {amount}").format(
                        kind=_(KIND_LABELS[kind]).lower(), amount=widgets.money(copay, scenario.currency)
                    )
                )
            what_if = PlanChoice(_("What if: {change}").format(change="; ".join(parts)), changed, scenario.schedule)

plans = [choices[c] for c in chosen]
if what_if is not None:
    plans.append(what_if)
if len(plans) < 2:
    st.info(_("Choose at least two plans, or a benefit change, to compare."), icon=":material/info:")
    st.stop()

try:
    result = compare_plans(scenario, plans)
except CostModelError as error:
    widgets.show_error(error)
    st.stop()

currency = result["currency"]
you_pay, plan_pays, after_tax = _("you pay"), _("plan pays"), _("you pay after tax")
rows = []
for entry in result["options"].values():
    name = entry["label"]
    row = {_("Option"): _(name)}
    for label in result["plans"]:
        cell = entry["plans"][label]
        row[f"{label} · {you_pay}"] = widgets.money(cell["patient"], currency)
        row[f"{label} · {plan_pays}"] = widgets.money(cell["insurer"], currency)
        if "patient_after_tax" in cell:
            row[f"{label} · {after_tax}"] = widgets.money(cell["patient_after_tax"], currency)
    rows.append(row)
st.header(_("Expected cost per episode"), anchor=False)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption(
    md(
        " ".join(
            _("{label}: {schedule} prices.").format(label=label, schedule=_(schedule.replace("_", " ")))
            for label, schedule in result["schedules"].items()
        )
    )
)
for label, found in result["warnings"].items():
    for sentence in found:
        st.warning(md(f"{label}: {sentence}"), icon=":material/warning:")

if what_if is not None and plan is not None:
    st.header(_("What the change does"), anchor=False)
    base_label = current if current in result["plans"] else None
    if base_label is None:
        base_result = compare_plans(scenario, [choices[current], what_if])
        base_label = current
    else:
        base_result = result
    diffs = []
    for entry in base_result["options"].values():
        name = entry["label"]
        before, after = entry["plans"][base_label], entry["plans"][what_if.label]
        diffs.append(
            {
                _("Option"): _(name),
                _("Member pays (change)"): widgets.money(after["patient"] - before["patient"], currency),
                _("Plan pays (change)"): widgets.money(after["insurer"] - before["insurer"], currency),
            }
        )
    st.dataframe(pd.DataFrame(diffs), hide_index=True, width="stretch")

st.caption(
    _(
        "Expected cost of starting with each option, further care included. Estimates, not quotes or medical "
        "advice; presets marked illustrative are not real plans."
    )
)
