"""The patient's plan, entered as their Summary of Benefits and Coverage (SBC) shows it.

:func:`plan_inputs` draws the plan's inputs on a page: the simple fields first (deductible,
coinsurance, out-of-pocket maximum, what is already met, a copay per kind of visit), then "My plan
charges differently for …" one kind of service at a time, the plan year and the month treatment
starts, and an HSA or FSA. Every input is a shared field (:mod:`calculator.inputs`), so all pages
see the same plan; an impossible combination (met above the deductible, paid above the maximum,
visits used above the limit) is said in one sentence next to its field
(:func:`calculator.plans.field_warnings`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from babel.dates import get_month_names

from calculator.i18n import N_
from calculator.models import VISIT_KINDS
from calculator.plans import field_warnings
from ui import state, widgets
from ui.i18n import _, lang

__all__ = ["KIND_LABELS", "has_problems", "plan_inputs"]

#: Visit kinds in the words of an SBC.
KIND_LABELS = {
    "office": N_("Primary care visit"),
    "specialist": N_("Specialist visit"),
    "therapy": N_("Physical therapy (rehabilitation services)"),
    "pharmacy": N_("Prescription drugs"),
    "imaging": N_("Imaging (CT/PET scans, MRIs)"),
    "outpatient_surgery": N_("Outpatient surgery"),
    "inpatient": N_("Hospital stay"),
}


def _money(where: Any, label: str, page: str, field: str, **kw: Any) -> None:
    """A money field bound to a shared input (0 to 100,000, whole units)."""
    where.number_input(
        label, min_value=0.0, max_value=100_000.0, step=100.0, format="%.0f", **kw, **widgets.bound(page, field)
    )


def _warn(problems: dict[str, str], key: str) -> None:
    """The field's problem, in one sentence, right under it."""
    if key in problems:
        st.warning(problems[key], icon=":material/warning:")


def _kind_label(kind: str) -> str:
    return _(KIND_LABELS.get(kind, kind.replace("_", " ").capitalize()))


def has_problems() -> bool:
    """True when the current plan holds an impossible combination, so a caller that shows the
    inputs folded (an expander) can open them where the sentence is."""
    scenario = state.now().scenario
    return bool(scenario is not None and field_warnings(scenario))


def plan_inputs(page: str) -> None:
    """Draw the plan inputs on ``page`` (its widget keys start with ``page``), in the current
    container; no expanders inside, so a page may put them in one of its own.

    Self-pay scenarios get one line instead. The inputs change the shared state, so the
    scenario every page shows follows them on the next rerun.
    """
    context = state.now()
    base = context.base
    if base.insurance is None:
        st.info(_("Self-pay: you pay the clinic's cash price for everything."), icon=":material/payments:")
        return
    scenario = context.scenario
    problems = field_warnings(scenario) if scenario is not None else {}
    used_kinds = [k for k in VISIT_KINDS if any(v.kind == k for p in base.pathways.pathways for v in p.visits)]
    with st.container():
        st.caption(_("Copy the figures from your plan's Summary of Benefits and Coverage (SBC)."))
        left, right = st.columns(2)
        _money(
            left,
            _("Deductible"),
            page,
            "deductible",
            help=_("What you pay each year before the plan starts sharing costs."),
        )
        _money(
            right,
            _("Deductible already met"),
            page,
            "deductible_met",
            help=_("How much of this year's deductible you have already paid."),
        )
        with right:
            _warn(problems, "deductible_met")
        left.number_input(
            _("Coinsurance (%)"),
            min_value=0.0,
            max_value=100.0,
            step=5.0,
            format="%.0f",
            help=_("Your share of the price after the deductible, e.g. 20%."),
            **widgets.bound(page, "coinsurance_pct"),
        )
        _money(
            right,
            _("Out-of-pocket already paid"),
            page,
            "oop_met",
            help=_("What you have paid toward this year's out-of-pocket maximum."),
        )
        with right:
            _warn(problems, "oop_met")
        no_max = st.checkbox(_("My plan has no out-of-pocket maximum"), **widgets.bound(page, "no_oop_max"))
        _money(
            st,
            _("Out-of-pocket maximum"),
            page,
            "oop_max",
            disabled=no_max,
            help=_("The most you pay in a year for covered care (copays, deductible and coinsurance)."),
        )
        copays = _("Copays (a fixed amount per visit)")
        st.markdown(f"**{widgets.md(copays)}**")  # a group of fields, not a section: bold, not a heading
        st.caption(_("Leave a box empty when that kind of visit goes through the deductible and coinsurance instead."))
        cols = st.columns(2)
        for i, kind in enumerate(used_kinds):
            cols[i % 2].number_input(
                _kind_label(kind),
                min_value=0.0,
                max_value=10_000.0,
                step=5.0,
                format="%.0f",
                placeholder=_("no copay"),
                **widgets.bound(page, f"copay_{kind}"),
            )

        _differently(page, used_kinds, problems)
        _dates(page)
        _tax_advantaged(page)


def _differently(page: str, kinds: list[str], problems: dict[str, str]) -> None:
    """One kind of service at a time: coinsurance, deductible, its own deductible, visit limit."""
    flagged = [k for k in kinds if any(key.endswith(f".{k}") or f".{k}." in key for key in problems)]
    shown = st.toggle(_("My plan charges differently for …"), value=bool(flagged), key=f"{page}_plan_differently")
    if not shown:
        return
    with st.container(border=True):
        st.caption(
            _(
                "For a kind of service your SBC lists apart: its own coinsurance, whether the deductible applies "
                "first, a separate deductible (like Medicare Part A for a hospital stay) and a visit limit."
            )
        )
        key = f"{page}_plan_kind"
        widgets.keep_valid(key, kinds)
        if key not in st.session_state and flagged:
            st.session_state[key] = flagged[0]
        kind = st.selectbox(_("Kind of service"), kinds, format_func=_kind_label, key=key)
        if kind is None:
            return
        left, right = st.columns(2)
        left.number_input(
            _("Coinsurance for this service (%)"),
            min_value=0.0,
            max_value=100.0,
            step=5.0,
            format="%.0f",
            placeholder=_("as the plan"),
            help=_("Empty: 0 when it has a copay, else the plan's coinsurance."),
            **widgets.bound(page, f"coinsurance_pct_{kind}"),
        )
        right.selectbox(
            _("Deductible first?"),
            [None, True, False],
            format_func=lambda v: {None: _("as usual (when no copay)"), True: _("yes"), False: _("no")}[v],
            help=_("Does this service go through the deductible before the copay or coinsurance?"),
            **widgets.bound(page, f"deductible_applies_{kind}"),
        )
        _money(
            left,
            _("Its own deductible"),
            page,
            f"own_deductible_{kind}",
            placeholder=_("the plan's"),
            help=_("A separate deductible for this service instead of the plan's (e.g. 1,676 for a hospital stay)."),
        )
        _money(
            right,
            _("Of which already met"),
            page,
            f"own_deductible_met_{kind}",
            placeholder="0",
        )
        with right:
            _warn(problems, f"benefits.{kind}.deductible_met")
        left.number_input(
            _("Covered visits per year"),
            min_value=0,
            max_value=10_000,
            step=1,
            placeholder=_("no limit"),
            **widgets.bound(page, f"visit_limit_{kind}"),
        )
        right.number_input(
            _("Visits already used this year"),
            min_value=0,
            max_value=10_000,
            step=1,
            placeholder="0",
            **widgets.bound(page, f"visits_used_{kind}"),
        )
        with right:
            _warn(problems, f"visits_used.{kind}")


def _month(number: int | None) -> str:
    """A month's name in the session's language (Babel's, so every language has them)."""
    return _("not set") if number is None else get_month_names("wide", locale=lang())[number]


def _dates(page: str) -> None:
    # Folded until asked for (or already set): most episodes stay inside one plan year.
    dated = (
        st.session_state.get("episode_start_month") is not None or st.session_state.get("plan_year_start_month") != 1
    )
    if not st.toggle(_dates_title(), value=dated, key=f"{page}_plan_dates"):
        return
    with st.container(border=True):
        st.caption(
            _(
                "If treatment runs past the end of your plan year, the deductible and the out-of-pocket maximum "
                "start again on the new plan year's first day."
            )
        )
        left, right = st.columns(2)
        left.selectbox(
            _("Treatment starts in"),
            [None, *range(1, 13)],
            format_func=_month,
            help=_("Not set: the whole episode counts in one plan year."),
            **widgets.bound(page, "episode_start_month"),
        )
        right.selectbox(
            _("Plan year starts on the 1st of"),
            list(range(1, 13)),
            format_func=_month,
            **widgets.bound(page, "plan_year_start_month"),
        )


def _dates_title() -> str:
    return _("When treatment starts and the plan year")


def _hsa_title() -> str:
    return _("HSA or FSA")


def _tax_advantaged(page: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{widgets.md(_hsa_title())}**")
        st.caption(_("Money in a health savings or flexible spending account is pre-tax: it costs you less."))
        left, right = st.columns(2)
        _money(
            left,
            _("Balance you can use"),
            page,
            "hsa_balance",
            placeholder=_("no account"),
        )
        right.number_input(
            _("Your tax rate (%)"),
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            format="%.0f",
            help=_("Your marginal income tax rate, e.g. 22%."),
            **widgets.bound(page, "tax_rate_pct"),
        )
