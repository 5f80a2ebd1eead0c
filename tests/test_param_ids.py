"""The parameter-id grammar: every id built is parsed back to itself, anything else is an InputError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculator import param_ids as ids
from calculator.costing import parameters
from calculator.edit import with_params
from calculator.errors import InputError, describe_found
from calculator.io import DATA_DIR, load_scenario
from calculator.models import INDIRECT_FIELDS, VISIT_KINDS, Param


def sentence(pid: str) -> str:
    expected = "one of the ids listed by `python -m calculator parameters`"
    return f"parameter id: expected {expected}, found {describe_found(pid)}."


# Pathway ids follow the loader's rule; schedules are column names (no "/", not "override");
# codes are any non-empty text, "/" included.
pathway_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}", fullmatch=True)
schedules = st.text(st.characters(exclude_characters="/"), min_size=1, max_size=12).filter(lambda s: s != "override")
codes = st.text(min_size=1, max_size=12)
indices = st.integers(0, 999)

built = st.one_of(
    st.builds(ids.price, codes, st.none() | schedules),
    st.builds(ids.pathway, pathway_ids, st.sampled_from(ids.PATHWAY_FIELDS)),
    st.builds(ids.visit, pathway_ids, indices, st.sampled_from(ids.VISIT_FIELDS)),
    st.builds(ids.item_units, pathway_ids, indices, indices),
    st.builds(ids.adverse, pathway_ids, indices, st.sampled_from(ids.ADVERSE_FIELDS)),
    st.builds(ids.insurance, st.sampled_from(ids.INSURANCE_FIELDS)),
    st.builds(ids.copay, st.sampled_from(VISIT_KINDS)),
    st.builds(ids.indirect, st.sampled_from(INDIRECT_FIELDS)),
)


@given(built)
def test_build_parse_build_gives_the_same_id(pid):
    parsed = ids.parse(pid)
    assert str(parsed) == pid
    assert ids.parse(str(parsed)) == parsed


def test_parse_gives_the_parts():
    assert ids.parse("pathway/dry_needling/visit/1/item/0/units") == ids.ItemId("dry_needling", 1, 0)
    assert ids.parse("price/self_pay/97110") == ids.PriceId("97110", "self_pay")
    assert ids.parse("price/override/A/B") == ids.PriceId("A/B", None)
    assert ids.parse("insurance/copay/therapy") == ids.CopayId("therapy")


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA_DIR / "scenarios").glob("*.json")))
def test_every_listed_id_parses_back_to_itself(name):
    listed = [p.id for p in parameters(load_scenario(DATA_DIR / "scenarios" / name))]
    assert listed and all(str(ids.parse(pid)) == pid for pid in listed)


@pytest.mark.parametrize(
    "pid",
    [
        "",
        "price",
        "price/self_pay",
        "price/self_pay/",
        "price//97110",
        "pathway",
        "pathway/dry_needling",
        "pathway//weeks",
        "pathway/dry_needling/visits",
        "pathway/dry_needling/visit/one/count",
        "pathway/dry_needling/visit/-1/count",
        "pathway/dry_needling/visit/01/count",
        "pathway/dry_needling/visit/ 1/count",
        "pathway/dry_needling/visit/1/cost",
        "pathway/dry_needling/visit/1/item/0",
        "pathway/dry_needling/visit/1/item/0/count",
        "pathway/dry_needling/adverse/0/units",
        "pathway/dry_needling/weeks/extra",
        "insurance/copay",
        "insurance/copay/dentist",
        "insurance/visit_limits",
        "indirect/hourly",
        "outcome/qaly",
    ],
)
def test_malformed_ids_are_one_input_error(pid):
    with pytest.raises(InputError) as caught:
        ids.parse(pid)
    assert str(caught.value) == sentence(pid)


def test_a_non_text_id_is_an_input_error():
    with pytest.raises(InputError, match="parameter id"):
        ids.parse(3)


@pytest.fixture(scope="module")
def ppo():
    return load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")


@pytest.mark.parametrize(
    "pid",
    [
        "pathway/nope/weeks",  # no such pathway
        "pathway/dry_needling/visit/99/count",  # no such visit group
        "pathway/dry_needling/visit/1/item/99/units",  # no such item
        "pathway/dry_needling/adverse/99/cost",  # no such adverse event
        "price/commercial/NOPE",  # no such code
        "price/nope/97110",  # no such schedule
        "pathway/dry_needling/visit/x/count",  # not an id at all
    ],
)
def test_with_params_refuses_an_unknown_id_with_the_sentence(ppo, pid):
    with pytest.raises(InputError) as caught:
        with_params(ppo, {pid: Param(1.0)})
    assert str(caught.value) == sentence(pid)


def test_insurance_ids_are_unknown_when_self_pay():
    self_pay = load_scenario(DATA_DIR / "scenarios" / "self-pay.json")
    for pid in ("insurance/deductible", "insurance/copay/office"):
        with pytest.raises(InputError, match="parameter id"):
            with_params(self_pay, {pid: Param(1.0)})


def test_with_params_edits_what_each_id_names(ppo):
    changed = with_params(
        ppo,
        {
            "pathway/dry_needling/visit/1/item/0/units": Param(3.0),
            "pathway/medication/adverse/0/cost": Param(99.0),
            "price/commercial/97110": Param(12.0),
            "insurance/copay/imaging": Param(15.0),
            "indirect/parking_per_visit": Param(4.0),
        },
    )
    assert changed.pathways.get("dry_needling").visits[1].items[0].units.value == 3.0
    assert changed.pathways.get("medication").adverse_events[0].cost.value == 99.0
    assert dict(changed.price_overrides)["97110"].value == 12.0
    assert changed.insurance is not None and dict(changed.insurance.copays)["imaging"].value == 15.0
    assert changed.indirect.parking_per_visit.value == 4.0
    # Everything else is the same object as before.
    assert changed.pathways.get("surgery") is ppo.pathways.get("surgery")
