"""Plain-language text for patients, built from results (pure functions, no Streamlit).

Everything returned here is plain text (no Markdown): the app escapes it before display. Money
goes through :func:`calculator.formatting.format_money`, so no raw float reaches the screen.

It is over 400 lines because it holds every sentence a patient reads (app and handout share
them), in one place so the two never drift apart and translators find them together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import content
from .content import Checklist
from .costing import Comparison, OptionResult
from .formatting import format_money, format_percent
from .i18n import format_money as money_for
from .i18n import format_number, format_share, translator
from .models import Param, Scenario
from .uncertainty import PsaResult

__all__ = [
    "EVIDENCE_ORDER",
    "NOT_BETTER",
    "assumed_equal",
    "assumed_equal_sentences",
    "bottom_line",
    "checklist_note",
    "checklist_warning",
    "cheapest",
    "clinician_questions",
    "cost_labels",
    "cost_spread_sentence",
    "evidence_word",
    "includes",
    "outcome_evidence",
    "outcome_sentence_for",
    "weakest_evidence",
    "outcome_counts",
    "outcome_sentence",
    "round_to_total",
    "summary",
    "uncovered_items",
]

NOT_BETTER = "Not better after the treatments taken"


# --------------------------------------------------------------------------------------------
# Who is cheapest


def cheapest(comparison: Comparison, field: str = "patient") -> OptionResult:
    """The option with the lowest expected cost; ``field`` is a Costs field or ``patient_total``."""
    return min(comparison, key=lambda o: getattr(o.expected, field))


def uncovered_items(scenario: Scenario, pathway_id: str) -> list[str]:
    """Descriptions of the items of one pathway that the plan does not cover (first seen order)."""
    plan = scenario.insurance
    if plan is None or not plan.uncovered_codes:
        return []
    found: dict[str, None] = {}
    for visit in scenario.pathways.get(pathway_id).visits:
        for item in visit.items:
            if item.code in plan.uncovered_codes:
                found.setdefault(scenario.prices.row(item.code).description or item.code)
    return list(found)


def _plain(label: str) -> str:
    """An option label inside a sentence: first letter lower-case unless it looks like an acronym."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def summary(comparison: Comparison) -> list[str]:
    """A few plain sentences for a patient: who is cheapest, what is not covered, what it means.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> from calculator.costing import compare
    >>> text = summary(compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json")))
    >>> text[0].startswith("Paying for care yourself")
    True
    """
    scenario = comparison.scenario
    currency = scenario.currency
    options = list(comparison)
    if not options:
        return []
    sentences = []
    best = cheapest(comparison)
    ties = [o for o in options if o is not best and abs(o.expected.patient - best.expected.patient) < 0.5]
    lead = "Paying for care yourself" if scenario.insurance is None else "With your plan"
    name = _plain(best.label)
    if ties:
        names = " and ".join([name, *(_plain(o.label) for o in ties)])
        sentences.append(
            f"{lead}, {names} are likely to cost you the least: about "
            f"{format_money(best.expected.patient, currency)} out of pocket on average."
        )
    else:
        sentences.append(
            f"{lead}, {name} is likely cheapest for you: about "
            f"{format_money(best.expected.patient, currency)} out of pocket on average, "
            "counting further care for those who need it."
        )
    if len(options) > 1:
        dearest = max(options, key=lambda o: o.expected.patient)
        if dearest is not best:
            sentences.append(
                f"The options range from about {format_money(best.expected.patient, currency)} for {name} to "
                f"{format_money(dearest.expected.patient, currency)} for {_plain(dearest.label)}."
            )
    for o in options:
        items = uncovered_items(scenario, o.id)
        if items:
            sentences.append(
                f"Your plan does not cover part of {_plain(o.label)} ({'; '.join(items)}): you pay the "
                "clinic's cash price for it, and it does not count toward your deductible or "
                "out-of-pocket maximum."
            )
    overall = cheapest(comparison, "patient_total")
    if overall.id != best.id:
        sentences.append(
            f"Counting your time, travel and any time off work as well, {_plain(overall.label)} costs you "
            f"least overall (about {format_money(overall.expected.patient_total, currency)})."
        )
    else:
        sentences.append(
            f"It also costs you least once your time, travel and any time off work are counted (about "
            f"{format_money(best.expected.patient_total, currency)} in all)."
        )
    plan = scenario.insurance
    if plan is not None:
        left = plan.deductible_left
        if left > 0:
            sentences.append(
                f"You have {format_money(left, currency)} of your deductible left: until it is met you pay "
                "the full plan price of covered care that has no copay."
            )
        if plan.oop_max is None:
            sentences.append("Your plan has no out-of-pocket maximum, so nothing caps what you pay.")
        else:
            room = plan.oop_room
            sentences.append(
                f"Your out-of-pocket maximum caps what you pay for covered care this year at "
                f"{format_money(room, currency)} more."
            )
    escalating = max(options, key=lambda o: o.p_escalate)
    if escalating.p_escalate > 0:
        chain = scenario.pathways.chain(escalating.id)
        following = _plain(chain[1].label) if len(chain) > 1 else "further care"
        sentences.append(
            f"The figures include the chance of needing more care: for example, about "
            f"{round(escalating.p_escalate * 100)} in 100 people who start with {_plain(escalating.label)} "
            f"go on to {following}."
        )
    return sentences


# --------------------------------------------------------------------------------------------
# What an option includes


def includes(option: OptionResult, scenario: Scenario) -> str:
    """What starting with ``option`` involves: the first-line visits and the further care.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> from calculator.costing import compare
    >>> result = compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json"))
    >>> includes(result.option("physical_therapy"), scenario=result.scenario).startswith("7 visits")
    True
    """
    pathway = scenario.pathways.get(option.id)
    first = option.branches[0] if option.branches else None
    lines = [line for line in (first.lines if first else ()) if line.pathway == option.id]
    total = int(sum(round(line.count) for line in lines))
    parts = [f"{int(round(line.count))} × {line.visit}" for line in lines if round(line.count) > 0]
    weeks = pathway.weeks.value
    text = f"{total} visit{'s' if total != 1 else ''}"
    if weeks > 0:
        text += f" over about {_weeks(weeks)}"
    if parts:
        text += f" ({', '.join(parts)})"
    chain = scenario.pathways.chain(option.id)
    if len(chain) > 1:
        onward = " then ".join(_plain(p.label) for p in chain[1:])
        text += f". If it does not help: {onward} ({format_percent(option.p_escalate)} go on)"
    return text + "."


def _weeks(weeks: float) -> str:
    n = round(weeks)
    return f"{n} week{'s' if n != 1 else ''}"


# --------------------------------------------------------------------------------------------
# Out of 100 people like you


def round_to_total(values: Sequence[float], total: int = 100) -> list[int]:
    """Whole numbers that add up to ``total`` (largest remainder), for icon arrays.

    Shares are rescaled to add up to 1 first; all-zero shares give all zeros.

    >>> round_to_total([0.333, 0.333, 0.334])
    [33, 33, 34]
    >>> sum(round_to_total([0.6, 0.06, 0.003, 0.337]))
    100
    """
    scaled = [max(float(v), 0.0) * total for v in values]
    s = sum(scaled)
    if s <= 0:
        return [0] * len(scaled)  # nothing to share out
    if not math.isclose(s, total):
        scaled = [v * total / s for v in scaled]
    floors = [int(math.floor(v)) for v in scaled]
    short = total - sum(floors)
    order = sorted(range(len(scaled)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


@dataclass(frozen=True)
class Outcome:
    """One group of the icon array: ``pathway`` is where people responded (None: not better)."""

    label: str
    count: int
    pathway: str | None


def outcome_counts(scenario: Scenario, option_id: str, people: int = 100) -> list[Outcome]:
    """Out of ``people`` starting with an option: how many respond at each step, how many don't.

    Uses the base-case response and escalation probabilities of the escalation chain
    (SPEC §4.4): at step k, ``reach × p_k`` respond; of the non-responders a share
    ``escalation_probability`` go on, the rest stop; at the last step every non-responder stops.
    """
    chain = scenario.pathways.chain(option_id)
    reach = 1.0
    shares: list[float] = []
    labels: list[tuple[str, str | None]] = []
    not_better = 0.0
    for k, pathway in enumerate(chain):
        p = pathway.response_probability.value
        responded = reach * p
        if k == 0:
            labels.append((f"Better with {_plain(pathway.label)}", pathway.id))
        else:
            labels.append((f"Better after going on to {_plain(pathway.label)}", pathway.id))
        shares.append(responded)
        if k < len(chain) - 1:
            onward = reach * (1 - p) * pathway.escalation_probability.value
            not_better += reach * (1 - p) - onward
            reach = onward
        else:
            not_better += reach * (1 - p)
    shares.append(not_better)
    labels.append((NOT_BETTER, None))
    counts = round_to_total(shares, people)
    return [Outcome(label, n, pid) for (label, pid), n in zip(labels, counts, strict=True)]


def outcome_sentence(outcomes: Iterable[Outcome], option_label: str, people: int = 100) -> str:
    """'Out of 100 people like you who start with ..., 60 get better with it, ...'."""
    outcomes = list(outcomes)
    parts = []
    for k, o in enumerate(outcomes):
        if o.pathway is None:
            parts.append(f"{o.count} are not better after the treatments they took")
        elif k == 0:
            parts.append(f"{o.count} get better with it")
        elif o.count > 0:
            parts.append(f"{o.count} get better after going on to {o.label.removeprefix('Better after going on to ')}")
    if len(parts) > 1:
        body = ", ".join(parts[:-1]) + " and " + parts[-1]
    else:
        body = parts[0] if parts else ""
    return f"Out of {people} people like you who start with {_plain(option_label)}, {body}."


# --------------------------------------------------------------------------------------------
# The patient checklist (its questions and words are data: data/content/checklist.toml)


def checklist_warning(ticked: Iterable[str], checklist: Checklist | None = None) -> str | None:
    """The warning for the ticked checklist keys, or None when nothing (known) is ticked.

    ``checklist`` defaults to the shipped one (:func:`calculator.content.checklist`).

    >>> checklist_warning([]) is None
    True
    >>> "talk to a clinician" in checklist_warning(["pregnancy"])
    True
    """
    checklist = checklist or content.checklist()
    keys = set(ticked)
    chosen = [item for item in checklist.items if item.key in keys]
    if not chosen:
        return None
    return checklist.warning.replace("{ticked}", "; ".join(f"“{item.question}”" for item in chosen))


# --------------------------------------------------------------------------------------------
# Words shared by the app and the handout (every string through the language's translator)
#
# Each function takes ``lang`` and builds ``_`` locally from :func:`calculator.i18n.translator`:
# many people share one process, so nothing installs a process-wide translation.


def cost_labels(lang: str = "en") -> dict[str, str]:
    """The labels of the per-option figures, the same on the My costs page and the handout.

    ``total`` is :attr:`Costs.patient_total` (out of pocket plus time, travel and lost work),
    never :attr:`Costs.indirect` alone: the two differ by the out-of-pocket cost, and showing one
    where the other was meant made the handout and the app disagree.

    >>> cost_labels()["total"]
    'Total cost to you, with your time & travel'
    """
    _ = translator(lang).gettext
    return {
        "patient": _("You pay, on average"),
        "total": _("Total cost to you, with your time & travel"),
        "needs_more": _("Chance of needing more care"),
        "includes": _("What it includes"),
        "option": _("Option"),
    }


#: Evidence tags ordered from strongest to weakest; the weakest one labels a figure.
EVIDENCE_ORDER = ("V", "D", "S", "U", "M", "A")


def weakest_evidence(params: Iterable[Param]) -> str:
    """The weakest evidence tag among ``params`` ("" when none carries a tag).

    >>> from calculator.models import Param
    >>> weakest_evidence([Param(0.5, evidence="V"), Param(0.3, evidence="A"), Param(1.0)])
    'A'
    """
    tags = [p.evidence.upper() for p in params if p.evidence.upper() in EVIDENCE_ORDER]
    return max(tags, key=EVIDENCE_ORDER.index) if tags else ""


def evidence_word(tag: str, lang: str = "en") -> str:
    """A patient's word for an evidence tag: U and M are "unverified", A is "assumed".

    >>> evidence_word("A"), evidence_word("V")
    ('assumed', 'from a cited study')
    """
    _ = translator(lang).gettext
    words = {
        "V": _("from a cited study"),
        "D": _("worked out from cited figures"),
        "S": _("from a secondary source"),
        "U": _("unverified"),
        "M": _("unverified"),
        "A": _("assumed"),
    }
    return words.get(tag.upper(), _("no evidence tag"))


def outcome_evidence(scenario: Scenario, option_id: str) -> str:
    """The evidence tag of an option's outcome figures (response and going on to more care).

    The weakest tag of the response and escalation probabilities along the escalation chain,
    since the "chance of needing more care" and the "out of 100" are built from all of them.
    """
    params: list[Param] = []
    chain = scenario.pathways.chain(option_id)
    for k, pathway in enumerate(chain):
        params.append(pathway.response_probability)
        if k < len(chain) - 1:
            params.append(pathway.escalation_probability)
    return weakest_evidence(params)


def assumed_equal(scenario: Scenario) -> list[tuple[str, str]]:
    """Pairs of compared options whose chance of getting better is equal by assumption.

    Equal base-case response probabilities where at least one of the two is unverified or an
    assumption (U, M or A): the model cannot tell the options apart on outcome, and the page must
    say so rather than let a cost difference suggest one works better.
    """
    pairs = []
    options = list(scenario.compare)
    for i, a in enumerate(options):
        pa = scenario.pathways.get(a).response_probability
        for b in options[i + 1 :]:
            pb = scenario.pathways.get(b).response_probability
            if math.isclose(pa.value, pb.value, abs_tol=1e-9) and (pa.unverified or pb.unverified):
                pairs.append((a, b))
    return pairs


def assumed_equal_sentences(scenario: Scenario, lang: str = "en") -> list[str]:
    """One sentence per pair of options whose chance of getting better is assumed equal."""
    _ = translator(lang).gettext
    out = []
    for a, b in assumed_equal(scenario):
        out.append(
            _(
                "{first} and {second}: the chance of getting better is assumed equal ({share}); no study "
                "compares them directly."
            ).format(
                first=_(scenario.pathways.get(a).label),
                second=_(scenario.pathways.get(b).label),
                share=format_share(scenario.pathways.get(a).response_probability.value, lang),
            )
        )
    return out


def outcome_sentence_for(scenario: Scenario, option_id: str, lang: str = "en", people: int = 100) -> str:
    """'Out of 100 people like you who start with ...' with the figure's evidence in brackets.

    The same denominator for every option; the label says when the figure is an assumption.
    """
    _ = translator(lang).gettext
    outcomes = outcome_counts(scenario, option_id, people)
    parts = []
    for k, o in enumerate(outcomes):
        if o.pathway is None:
            parts.append(_("{count} are not better after the treatments they took").format(count=o.count))
        elif k == 0:
            parts.append(_("{count} get better with it").format(count=o.count))
        elif o.count > 0:
            onward = _plain(_(scenario.pathways.get(o.pathway).label))
            parts.append(_("{count} get better after going on to {option}").format(count=o.count, option=onward))
    body = (
        (_("{items} and {last}").format(items=", ".join(parts[:-1]), last=parts[-1]))
        if len(parts) > 1
        else "".join(parts)
    )
    tag = outcome_evidence(scenario, option_id)
    return _("Out of {people} people like you who start with {option}, {body} ({evidence}).").format(
        people=people,
        option=_plain(_(scenario.pathways.get(option_id).label)),
        body=body,
        evidence=_("figure {word}").format(word=evidence_word(tag, lang)),
    )


def cost_spread_sentence(option: OptionResult, psa: PsaResult, lang: str = "en") -> str | None:
    """'Most people like you (9 in 10) would pay between $X and $Y' from the PSA's out-of-pocket mix.

    The 5th and 95th percentiles of what one patient pays, mixing the uncertainty of the numbers
    (draws) with the spread between patients (who needs more care and who does not). None when
    the PSA did not cost this option.
    """
    _ = translator(lang).gettext
    entry = psa.out_of_pocket.get(option.id)
    if not entry:
        return None
    low, high = entry["percentiles"]["p5"], entry["percentiles"]["p95"]
    currency = psa.currency
    if round(low) == round(high):
        return _("Almost everyone like you would pay about {amount}.").format(amount=money_for(low, currency, lang))
    return _("Most people like you (9 in 10) would pay between {low} and {high}.").format(
        low=money_for(low, currency, lang), high=money_for(high, currency, lang)
    )


#: Below this paired-difference z score the simulation cannot tell two options apart.
NOISE_Z = 2.0


def bottom_line(comparison: Comparison, psa: PsaResult | None = None, lang: str = "en") -> list[str]:
    """The bottom line for a patient: which option likely costs them least, and by how much.

    Costs are the expected out-of-pocket costs of :func:`calculator.costing.compare` (what the
    cards and the handout show). Options within a dollar of each other are "about the same"
    under the assumptions; with a PSA, two options whose paired difference over the draws is
    within ``NOISE_Z`` Monte Carlo standard errors are "too close to call", and otherwise the share
    of draws in which the cheapest is cheapest is said in words. It ends by saying cost is only
    one part of the choice: the page compares, it does not recommend a treatment.

    >>> from calculator.io import load_scenario, DATA_DIR
    >>> from calculator.costing import compare
    >>> line = bottom_line(compare(load_scenario(DATA_DIR / "scenarios" / "self-pay.json")))[0]
    >>> line.startswith("Paying for care yourself, medication (NSAID, short muscle relaxant) is likely")
    True
    >>> "about $465 on average, about $380 less than physical therapy (exercise)" in line
    True
    """
    _ = translator(lang).gettext
    options = sorted(comparison, key=lambda o: o.expected.patient)
    if not options:
        return []
    currency = comparison.scenario.currency
    money = lambda amount: money_for(amount, currency, lang)  # noqa: E731
    self_pay = comparison.scenario.insurance is None
    best = options[0]
    out = []
    if len(options) == 1:
        out.append(
            (
                _("Paying for care yourself, {option} is likely to cost you about {amount}.")
                if self_pay
                else _("With your plan, {option} is likely to cost you about {amount}.")
            ).format(option=_plain(_(best.label)), amount=money(best.expected.patient))
        )
        return out
    ties = [o for o in options[1:] if round(o.expected.patient) == round(best.expected.patient)]
    if ties:
        names = ", ".join(_plain(_(o.label)) for o in [best, *ties[:-1]])
        template = (
            _("Paying for care yourself, {options} and {last} are likely to cost you the same: about {amount} each.")
            if self_pay
            else _("With your plan, {options} and {last} are likely to cost you the same: about {amount} each.")
        )
        out.append(template.format(options=names, last=_plain(_(ties[-1].label)), amount=money(best.expected.patient)))
        out.append(_("They are equal under these assumptions, so cost alone does not separate them."))
        runner = ties[0]
    else:
        runner = options[1]
        template = (
            _(
                "Paying for care yourself, {option} is likely to cost you the least: about {amount} on average, "
                "about {difference} less than {runner}, the next cheapest."
            )
            if self_pay
            else _(
                "With your plan, {option} is likely to cost you the least: about {amount} on average, "
                "about {difference} less than {runner}, the next cheapest."
            )
        )
        out.append(
            template.format(
                option=_plain(_(best.label)),
                amount=money(best.expected.patient),
                difference=money(runner.expected.patient - best.expected.patient),
                runner=_plain(_(runner.label)),
            )
        )
    if psa is not None and best.id in psa.options and runner.id in psa.options:
        samples = psa.samples["patient"]
        diff = samples[:, psa.options.index(runner.id)] - samples[:, psa.options.index(best.id)]
        noise = float(diff.std(ddof=1)) / math.sqrt(len(diff)) if len(diff) > 1 else 0.0
        if not ties and abs(float(diff.mean())) <= NOISE_Z * noise:
            out.append(
                _(
                    "Allowing for uncertainty in the numbers ({draws} simulations), {option} and {runner} are too "
                    "close to call: the difference is within the simulation's random noise."
                ).format(
                    draws=format_number(psa.draws, lang), option=_plain(_(best.label)), runner=_plain(_(runner.label))
                )
            )
        elif not ties:
            share = psa.p_cheapest["patient"].get(best.id, 0.0)
            if share < 1 and round(share * 100) == 100:  # never round "nearly always" up to "always"
                sentence = _(
                    "Allowing for uncertainty in the numbers, {option} came out cheapest for you in more than 99 of "
                    "100 simulations."
                )
            else:
                sentence = _(
                    "Allowing for uncertainty in the numbers, {option} came out cheapest for you in {count} of 100 "
                    "simulations."
                )
            out.append(sentence.format(option=_plain(_(best.label)), count=round(share * 100)))
            if share < 0.5:
                out.append(_("So which option is cheapest for you is uncertain."))
    overall = min(options, key=lambda o: o.expected.patient_total)
    if overall.id != best.id:
        out.append(
            _(
                "Counting your time, travel and any time off work, {option} costs you least overall (about {amount})."
            ).format(option=_plain(_(overall.label)), amount=money(overall.expected.patient_total))
        )
    out.append(
        _(
            "Cost is only one part of the choice: how well a treatment may work for you, its risks and what you "
            "prefer matter too. Talk them through with your clinician."
        )
    )
    return out


def clinician_questions(lang: str = "en") -> list[str]:
    """A short list of questions to take to the clinician (the same for every option)."""
    _ = translator(lang).gettext
    return [
        _("Which of these options suit my back pain, and why?"),
        _("What are the chances each one helps me, and what are its risks?"),
        _("How many visits would I need, and what will my plan pay for each?"),
        _("What happens if I wait, or if the first treatment does not help?"),
    ]


def checklist_note(ticked: Iterable[str], lang: str = "en") -> str | None:
    """The checklist's result for the dry-needling entry and the handout; None when nothing is ticked.

    ``ticked`` holds the texts of the ticked items (a checklist key is accepted too and shown as
    its question). The note never says "you cannot have it": it points to a clinician.

    >>> checklist_note([]) is None
    True
    >>> "clinician" in checklist_note(["pregnancy"])
    True
    """
    _ = translator(lang).gettext
    questions = {item.key: item.question for item in content.checklist().items}
    texts = [_(questions.get(t, t)) for t in dict.fromkeys(t.strip() for t in ticked) if t]
    if not texts:
        return None
    return _(
        "Talk to a clinician before choosing dry needling. You ticked: {items}. Only a clinician who knows you "
        "can say whether it is safe for you; this is not a diagnosis."
    ).format(items="; ".join(f"“{t}”" for t in texts))
