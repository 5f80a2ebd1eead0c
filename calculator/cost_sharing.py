"""SPEC §4.2 cost sharing: who pays what of a visit's allowed amount, in one pure function.

:func:`cost_share` is the rule a reader looks for first (coinsurance after the deductible, the
copay, the out-of-pocket cap). It works on floats and, unchanged, on numpy arrays with one entry
per draw of the probabilistic analysis. What comes before it stays with the evaluator: pricing
the visit's items (SPEC §4.1), splitting covered from uncovered codes and pushing visits beyond a
visit limit out of the plan (§4.2 step 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["Benefit", "CostShare", "Number", "cost_share"]

Number = float | np.ndarray


@dataclass(frozen=True)
class Benefit:
    """How a plan shares the cost of one kind of visit (SPEC §3.4); absent fields fall back.

    A version-1 ``copays: {kind: amount}`` is ``Benefit(copay=amount)``. ``coinsurance`` None
    means 0 with a copay, else the plan's; ``deductible_applies`` None means "when no copay".
    A kind's own deductible (§3.4) is the caller's choice of which ``ded_left`` to pass.
    """

    copay: Number | None = None
    coinsurance: Number | None = None
    deductible_applies: bool | None = None


NO_BENEFIT = Benefit()


class CostShare(NamedTuple):
    """The result of :func:`cost_share`; every field has the shape of the inputs' broadcast."""

    patient: Number  # share + uncovered, money
    insurer: Number  # covered − share, money
    ded_left: Number  # the deductible still to meet after these visits, money
    oop_left: Number  # room left under the out-of-pocket maximum (inf: no maximum), money


def cost_share(
    covered: Number,
    *,
    visits: Number = 1.0,
    uncovered: Number = 0.0,
    ded_left: Number = 0.0,
    oop_left: Number = np.inf,
    coinsurance: Number = 0.0,
    benefit: Benefit = NO_BENEFIT,
) -> CostShare:
    """Share ``visits`` identical visits between patient and insurer (SPEC §4.2 steps 1–5).

    A group of identical visits is shared in closed form with exactly the SPEC's visit-by-visit
    result: shares are never negative, so capping each claim at the out-of-pocket room gives the
    same total as capping the group's total once; and the deductible takes ``min(ded_left,
    visits × covered)``, the first visits whole, then at most one in part.

    Parameters
    ----------
    covered : float or ndarray of shape (n_draws,)
        Allowed amount of one visit's covered items (step 2), money.
    visits : float or ndarray of shape (n_draws,)
        Number of such visits inside the plan (a whole number ≥ 0).
    uncovered : float or ndarray of shape (n_draws,)
        What the whole group costs outside the plan (step 1: uncovered codes, and visits beyond a
        visit limit), money. The patient pays it in full; it counts toward neither the
        deductible nor the out-of-pocket maximum.
    ded_left : float or ndarray of shape (n_draws,)
        Deductible still to meet before the group, money ≥ 0 (the plan's, or the visit kind's
        own deductible under schema version 2).
    oop_left : float or ndarray of shape (n_draws,)
        Room left under the out-of-pocket maximum, money ≥ 0; ``inf`` when there is none.
    coinsurance : float or ndarray of shape (n_draws,)
        The plan's coinsurance, a fraction from 0 to 1.
    benefit : Benefit
        The visit kind's own cost sharing; the default (none) means deductible then the plan's
        coinsurance.

    Returns
    -------
    CostShare
        ``patient`` and ``insurer`` (money, for the whole group) and the new ``ded_left`` and
        ``oop_left``; floats for float inputs, arrays of shape (n_draws,) where any input is one.

    Examples
    --------
    Four physical therapy visits of 150 each with 500 of the deductible left, 20% coinsurance
    and 3,000 of room under the cap: the deductible takes 500 of the 600, coinsurance 20% of the
    other 100, so the patient pays 500 + 0.2 × 100 = 520 and the plan 600 − 520 = 80.

    >>> [float(x) for x in cost_share(150.0, visits=4, ded_left=500.0, oop_left=3000.0, coinsurance=0.2)]
    [520.0, 80.0, 0.0, 2480.0]

    The same visits with a 40 copay (the deductible does not apply): 4 × 40 = 160.

    >>> share = cost_share(150.0, visits=4, ded_left=500.0, coinsurance=0.2, benefit=Benefit(copay=40.0))
    >>> float(share.patient), float(share.ded_left)
    (160.0, 500.0)

    Arrays of draws go through unchanged:

    >>> cost_share(np.array([100.0, 300.0]), ded_left=200.0, coinsurance=0.5).patient
    array([100., 250.])
    """
    # Step 1: the caller has priced what the plan does not cover (`uncovered`).
    # Step 2: the covered amount of the whole group.
    covered_total = visits * covered
    # Step 3: the visit kind's benefit, falling back to the plan's deductible and coinsurance.
    has_copay = benefit.copay is not None
    copay = benefit.copay if benefit.copay is not None else 0.0
    if benefit.coinsurance is not None:
        rate = benefit.coinsurance
    else:
        rate = 0.0 if has_copay else coinsurance
    applies = benefit.deductible_applies if benefit.deductible_applies is not None else not has_copay
    to_deductible: Number = np.minimum(ded_left, covered_total) if applies else 0.0
    ded_left = ded_left - to_deductible
    rest = covered_total - to_deductible
    if has_copay:
        # share = d + min(copay, rest) + c × (rest − min(copay, rest)), visit by visit, summed.
        copays = _copays(copay, covered, visits, to_deductible if applies else None)
        share = to_deductible + copays + rate * (rest - copays)
    else:
        share = to_deductible + rate * rest
    # Step 4: the out-of-pocket maximum caps everything the plan's members pay, deductible included.
    share = np.minimum(share, oop_left)
    oop_left = oop_left - share
    # Step 5: the patient pays the share and everything uncovered; the insurer the rest.
    return CostShare(share + uncovered, covered_total - share, ded_left, oop_left)


def _copays(copay: Number, covered: Number, visits: Number, to_deductible: Number | None) -> Number:
    """Σ over the group's visits of ``min(copay, rest_i)``, ``rest_i`` being each visit's amount
    after its part of the deductible (``to_deductible`` None: the deductible does not apply)."""
    if to_deductible is None:
        return visits * np.minimum(copay, covered)
    # The deductible swallows `whole` visits entirely and `part` of the next one.
    positive = np.asarray(covered) > 0
    safe = np.where(positive, covered, 1.0)
    whole = np.where(positive, np.minimum(np.floor(to_deductible / safe), visits), visits)
    part = to_deductible - whole * covered
    next_visit = np.where(whole < visits, np.minimum(copay, np.maximum(covered - part, 0.0)), 0.0)
    after = np.maximum(visits - whole - 1, 0.0) * np.minimum(copay, covered)
    total = next_visit + after
    return total if total.ndim else float(total)
