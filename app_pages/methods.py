"""Methods & sources: how the numbers are made, where they come from, and their limits."""

import pandas as pd
import streamlit as st

from calculator.i18n import N_
from calculator.presentation import DISCLAIMER, scenario_caption
from calculator.report import cited_sources
from calculator.sources import load_sources
from ui import state
from ui.i18n import _, lang
from ui.widgets import formula, md

PAGE = "methods"

# The caveats any honest comparison of these options must state (sources on the Methods page).
CAVEATS = (
    N_(
        "The evidence for dry needling in low back pain is of low or very low certainty and short-term, and most of "
        "it comes from trials at high risk of bias."
    ),
    N_(
        "No economic evaluation of dry needling for low back pain exists. The dry needling cost-effectiveness studies "
        "in other conditions report QALY values that are impossible over their time horizon."
    ),
    N_("Minor dry needling adverse events are common (about 1 in 4 sessions) even though serious events are rare."),
    N_(
        "Surgical benefits apply to selected patients (a herniated disc pressing on a nerve for discectomy; chronic "
        "back pain referred for fusion), and as-treated estimates overstate them. Do not compare surgery head-to-head "
        "with dry needling for non-specific back pain."
    ),
    N_("Early physical therapy cost savings come from observational studies."),
    N_("Opioids offer no benefit in acute low back pain (OPAL trial) and raise the risk of misuse."),
    N_("Gabapentinoids do not work for low back pain."),
)

MODEL_LIMITS = (
    N_(
        "Costs are averages over people like you, not a prediction for one person: someone who needs surgery pays far "
        "more than the average of an option that rarely leads to it."
    ),
    N_("Everything happens in one plan year; a deductible that resets mid-episode is not modelled."),
    N_(
        "Adverse-event costs are expected values added to the societal total; they are not run through the plan's "
        "cost sharing."
    ),
    N_(
        "Default prices are national averages and illustrative cash prices, not quotes; a clinic's own price list "
        "should replace them."
    ),
    N_("Response and escalation probabilities are mostly modelling assumptions (marked ⚠ on the Assumptions page)."),
)

st.title(_("Methods & sources"))
st.write(
    _(
        "This calculator compares what treatments for low back pain cost, for the patient, the health plan and "
        "society. The engine knows nothing about back pain: the treatments, prices and probabilities all come from "
        "data files, each number with its source. This page explains the arithmetic in plain words."
    )
)

st.header(_("1. What is billed"), anchor=False)
st.write(
    _(
        "Each treatment is a list of visits; each visit bills some items (a procedure code, a drug, a facility fee). "
        "The amount billed for a visit, the *allowed amount*, adds up each item's units times its price in the price "
        "schedule that applies (Medicare, commercial or cash). A price you enter replaces the table's."
    )
)
formula(_("allowed per visit = Σ over its items of units × price in the schedule"))
st.write(
    md(
        _(
            "Medicare pays less for the second and later units of therapy in one visit (the multiple procedure "
            "payment reduction): the unit with the largest reduction is paid in full and every other unit loses "
            "half its practice-expense payment. Two units of exercise and one of manual therapy cost $71.33 "
            "nationally instead of $84.75. The commercial and cash prices here are not reduced."
        )
    )
)
st.write(
    _(
        "Prices depend on where you are: Medicare's 109 payment localities each have their own amounts (Manhattan "
        "pays more than Alabama for the same service), built from the CMS fee-schedule files; commercial prices "
        "follow them and cash prices are the same everywhere. Pick your state on Compare, Assumptions or in the "
        "sidebar."
    )
)

st.header(_("2. What the patient pays (cost sharing)"), anchor=False)
st.write(
    _(
        "Claims are processed in order over one plan year, the way US plans do. Items the plan does not cover (for "
        "example dry needling) are paid in full at the clinic's cash price and count toward neither the deductible "
        "nor the out-of-pocket maximum. For the covered part of a visit:"
    )
)
st.markdown(
    _(
        "- **With a copay** for that kind of visit: the patient pays the copay (or the price, if lower); the "
        "deductible does not apply.\n"
        "- **Otherwise**: the patient pays the price until the deductible is met, then the coinsurance share.\n"
        "- Everything the patient pays for covered care stops at the **out-of-pocket maximum**; the plan pays the rest."
    )
)
formula(
    _("d = min(deductible left, covered)"),
    _("share = min(d + c × (covered − d), out-of-pocket room)"),
    _("patient = share + uncovered"),
    _("plan = covered − share"),
)
st.write(_("Self-pay: the patient pays every allowed amount, at the cash price schedule."))

st.header(_("3. The patient's time and travel"), anchor=False)
formula(
    _(
        "indirect = Σ over visits of [(visit hours + travel hours) × hourly wage + miles × rate per mile + parking]"
        " + work days lost × daily wage"
    )
)
st.write(
    _(
        "Visits marked as not needing travel (mail-order pharmacy, telehealth) skip the travel part. "
        "“Total cost to you” on My costs adds this to the out-of-pocket amount."
    )
)

st.header(_("4. Needing more care: the escalation tree"), anchor=False)
st.write(
    _(
        "Starting with a treatment, some people respond and stop. Of those who do not respond, a share goes on to "
        "the next line of care (for example dry needling → medication → surgery); the rest stop. Each path through "
        "this tree is costed as one sequence of claims, so a deductible met during the first treatment is met for "
        "the next. The expected cost of starting with an option is the probability-weighted average of its paths."
    )
)
formula(
    _("reach₁ = 1, reachₖ₊₁ = reachₖ × (1 − pₖ) × eₖ"),
    _("P(stop after k) = reachₖ − reachₖ₊₁"),
    _("expected cost = Σ over paths of P(path) × cost(path)"),
)
st.write(
    _(
        "Here p is the response probability of a step and e the share of non-responders who go on "
        "(everyone who reaches the last step stops there). “Chance of needing more care” is the share who go on "
        "after the first treatment. Adverse events add probability × cost for every treatment taken, reported "
        "separately and not run through the plan."
    )
)

st.header(_("5. Uncertainty"), anchor=False)
st.write(
    _(
        "Uncertain numbers carry a value (the mean) and a low–high range read as a 95% interval: beta distributions "
        "for probabilities, gamma for costs and counts (counts are rounded to whole visits), fitted by the method of "
        "moments. Prices without their own range get the scenario's price spread (±25% by default)."
    )
)
formula(_("standard error = (high − low) ÷ 3.92"))
st.markdown(
    _(
        "- **One-way (tornado)**: each number at its low and its high, the others at base.\n"
        "- **Probabilistic (PSA)**: thousands of draws of all numbers at once (seeded, reproducible); the mean, the "
        "95% interval and how often each option is cheapest. With QALY gains: the cost-effectiveness plane and the "
        "acceptability curve (net benefit = willingness to pay × QALYs − cost).\n"
        "- **Break-even**: the value of one number at which two options cost the same, found by root finding, or "
        "“no break-even” within its range.\n"
        "- **Budget impact**: members × episodes per 1,000 ÷ 1,000 × the mix's expected plan cost per episode, "
        "for current and proposed mixes, over 1–5 years; PMPM = difference ÷ (members × 12)."
    )
)
st.caption(
    _(
        "The PSA can also use quasi-random points: scrambled Sobol' points (seeded) through each number's exact "
        "inverse distribution. Its averages settle with far fewer draws than random draws do; the share of draws "
        "in which an option is cheapest settles only a little faster."
    )
)

st.header(_("6. How the charts are drawn"), anchor=False)
st.markdown(
    _(
        "- **Cost over the weeks**: each treatment's visits are spread evenly over its weeks, in the order listed; "
        "further care starts when the previous treatment ends. Each path is weighted by its probability.\n"
        "- **Out of 100 people**: the response and escalation probabilities of the base case, rounded to whole people "
        "(largest remainder) so they add up to 100."
    )
)

# ------------------------------------------------------------------------------------------
# Sources of the current scenario

scenario = state.now().scenario_or_stop()

st.header(_("Sources"), anchor=False)
st.caption(md(scenario_caption(scenario, lang())))
if scenario.description:
    st.write(
        md(
            _("Scenario ({scenario}): {description}").format(
                scenario=_(scenario.label), description=_(scenario.description)
            )
        )
    )

st.markdown(f"**{_('Bibliography: the sources this scenario uses')}**")
bibliography = load_sources()
used = cited_sources(scenario, bibliography)
st.caption(
    md(
        _(
            "Every entry cited by a number these results depend on, by the ids the price table, the treatments and "
            "the printable handout use. Links are shown as text: copy one into your browser to look it up."
        )
    )
)
st.dataframe(
    pd.DataFrame(
        [
            {
                _("Id"): source_id,
                _("Citation"): bibliography[source_id].citation,
                _("Year"): bibliography[source_id].year,
                _("Link or identifier"): bibliography[source_id].link_or_identifier,
                _("Supports"): bibliography[source_id].supports,
            }
            for source_id in used
        ],
        columns=[_("Id"), _("Citation"), _("Year"), _("Link or identifier"), _("Supports")],
    ),
    hide_index=True,
    key=f"{PAGE}_bibliography",
    column_config={
        # Plain text columns: a link is never made clickable.
        _("Citation"): st.column_config.TextColumn(width="large"),
        _("Link or identifier"): st.column_config.TextColumn(width="medium"),
    },
)
if not used:
    st.caption(md(_("No number of this scenario cites an entry of the shipped bibliography.")))

st.markdown("**" + md(_("Treatments (pathways)")) + "**")
if scenario.pathways.description:
    st.caption(md(_(scenario.pathways.description)))
for pathway in scenario.pathways.pathways:
    with st.expander(md(_(pathway.label))):
        if pathway.description:
            st.write(md(_(pathway.description)))
        if pathway.sources:
            st.markdown("\n".join(f"- {md(source)}" for source in pathway.sources))
        else:
            st.caption(_("No sources listed."))

st.markdown("**" + md(_("Prices")) + "**")
st.write(
    md(_("{table}: every price row's source, as of date and evidence tag.").format(table=_(scenario.prices.label)))
)
sources = pd.DataFrame(
    [
        {
            _("Code"): row.code,
            _("Description"): _(row.description),
            _("Evidence"): row.evidence,
            _("As of"): row.as_of,
            _("Source"): row.source,
        }
        for row in scenario.prices.rows
    ]
)
st.dataframe(
    sources,
    hide_index=True,
    key=f"{PAGE}_price_sources",
    column_config={_("Source"): st.column_config.TextColumn(width="large")},
)
notes = [
    f"- {md(_(schedule)[:1].upper() + _(schedule)[1:])}: {md(_(note))}"
    for schedule, note in scenario.prices.schedule_notes
]
if notes:
    st.markdown("\n".join(notes))

st.header(_("Limitations"), anchor=False)
st.markdown("**" + md(_("What the evidence can and cannot say")) + "**")
st.markdown("\n".join(f"{i}. {md(_(text))}" for i, text in enumerate(CAVEATS, start=1)))
st.markdown("**" + md(_("What the model leaves out")) + "**")
st.markdown("\n".join(f"- {md(_(text))}" for text in MODEL_LIMITS))

st.header(_("Disclaimer"), anchor=False)
st.warning(md(_(DISCLAIMER)), icon=":material/info:")
