"""Data in and out of the app (issue 5): table and treatment editing, uploads, scenario files,
share links, the reviewer diff, the handout and the embedded patient page.

Data editors are driven the AppTest way: their key holds ``{"edited_rows": ..., "added_rows":
..., "deleted_rows": ...}`` and the next run applies it. File uploads go through AppTest's
``file_uploader``; the pure helpers they call are also tested directly with bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import card_labels, dollars, you_pay

from calculator import presentation, report
from calculator.errors import InputError
from calculator.inputs import ENTERED, STATE_KEYS, apply_inputs, compose, edited_params, inputs_from_scenario, state_for
from calculator.io import DATA_DIR, load_scenario
from calculator.models import Param
from calculator.serialize import input_hash, price_table_to_csv, scenario_to_json
from ui import engine, handout, uploads

APP = Path(__file__).resolve().parent.parent / "app.py"
US_CSV = DATA_DIR / "prices" / "us-2025.csv"
PRICES = "app_pages/price_tables.py"
ASSUMPTIONS = "app_pages/assumptions.py"


def new_app(**query: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception
    return app


@pytest.fixture
def at() -> AppTest:
    return new_app()


@pytest.fixture
def presets() -> dict:
    return {name: load_scenario(DATA_DIR / "scenarios" / f"{name}.json") for name in engine.shipped_presets()}


def clinic_csv(code: str = "20561", column: str = "self_pay", value: str = "95.00") -> bytes:
    """The shipped US table with one cell changed, as a clinic would upload it."""
    rows = list(csv.reader(io.StringIO(US_CSV.read_text(encoding="utf-8"))))
    header = rows[0]
    for row in rows[1:]:
        if row[0] == code:
            row[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def editor(at: AppTest, name: str) -> str:
    return f"{name}_editor_{at.session_state['data_rev']}"


def edit(at: AppTest, key: str, *, edited=None, added=None, deleted=None) -> None:
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}
    at.run()
    assert not at.exception


def row_of(at: AppTest, key: str, column: str, value: str) -> int:
    return list(at.session_state["editor_sources"][key][column]).index(value)


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error).replace("\\", "")


def hash_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Input hash"))


def table_with(at: AppTest, column: str):
    """The first table (st.dataframe) shown with ``column`` (plain tables carry no key in AppTest)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def dn(costs: dict[str, float]) -> str:
    return next(label for label in costs if "needling" in label.lower())


# --------------------------------------------------------------------------------------------
# Price tables page: the table editor


def test_editing_a_price_in_the_table_changes_the_results(at: AppTest) -> None:
    before = you_pay(at)
    at.switch_page(PRICES).run()
    key = editor(at, "price_tables_table")
    # Dry needling (20561) is not covered by the PPO: the patient pays the cash (self_pay) price.
    edit(at, key, edited={row_of(at, key, "code", "20561"): {"self_pay": 999.0}})
    assert not at.error
    assert at.session_state["price_table"].price("20561", "self_pay") == 999.0
    changes = table_with(at, "What changed")
    assert list(changes["Code"]) == ["20561"] and "$40.00 → $999.00" in changes["What changed"][0]
    at.switch_page("app_pages/my_costs.py").run()
    after = you_pay(at)
    assert after[dn(before)] > before[dn(before)] + 1000
    assert {o: v for o, v in after.items() if o != dn(before)} == {o: v for o, v in before.items() if o != dn(before)}


def test_an_invalid_price_edit_shows_the_message_and_keeps_the_last_good_table(at: AppTest) -> None:
    at.switch_page(PRICES).run()
    key = editor(at, "price_tables_table")
    row = row_of(at, key, "code", "20561")
    edit(at, key, edited={row: {"commercial": 999.0}})
    good = at.session_state["price_table"]
    numbers = hash_caption(at)
    edit(at, key, edited={row: {"commercial": -5.0}, row + 1: {"self_pay": -1.0}})
    message = errors(at)
    assert "not used yet" in message
    assert f"row {row + 1}, column 'commercial': expected a non-negative number, found -5.0" in message
    assert f"row {row + 2}, column 'self_pay'" in message  # every bad row is listed
    assert at.session_state["price_table"] is good
    assert hash_caption(at) == numbers


def test_deleting_a_code_a_pathway_uses_is_refused_with_the_code_and_pathway(at: AppTest) -> None:
    at.switch_page(PRICES).run()
    key = editor(at, "price_tables_table")
    edit(at, key, deleted=[row_of(at, key, "code", "97110")])
    message = errors(at)
    assert "97110" in message and "dry_needling" in message
    assert at.session_state["price_table"] is None


def test_adding_a_row_and_resetting_the_table(at: AppTest) -> None:
    at.switch_page(PRICES).run()
    key = editor(at, "price_tables_table")
    new_row = {
        "code": "CLINIC-1",
        "description": "Clinic package",
        "category": "other",
        "unit": "each",
        "medicare": 0.0,
        "commercial": 10.0,
        "self_pay": 12.0,
        "source": "clinic",
        "as_of": "2026",
    }
    edit(at, key, added=[new_row])
    assert not at.error
    assert "CLINIC-1" in at.session_state["price_table"]
    assert "added" in list(table_with(at, "What changed")["Change"])
    at.button(key="price_tables_reset").click().run()
    assert at.session_state["price_table"] is None
    assert editor(at, "price_tables_table") != key  # a fresh editor for the reloaded table


# --------------------------------------------------------------------------------------------
# Price tables page: uploads


def upload_table(at: AppTest, name: str, data: bytes, metadata: tuple[str, bytes] | None = None) -> None:
    at.file_uploader(key="price_tables_upload").set_value((name, data, "text/csv"))
    if metadata is not None:
        at.file_uploader(key="price_tables_upload_meta").set_value((metadata[0], metadata[1], "application/toml"))
    at.run()
    at.button(key="price_tables_upload_apply").click().run()
    assert not at.exception


def test_a_clinic_table_upload_replaces_the_table(at: AppTest) -> None:
    before = you_pay(at)
    at.switch_page(PRICES).run()
    meta = b'label = "Riverside PT 2026"\ncurrency = "USD"\nregion = "Ohio"\nyear = 2026\n'
    upload_table(at, "riverside.csv", clinic_csv(), ("riverside.toml", meta))
    assert not at.error
    table = at.session_state["price_table"]
    assert table.label == "Riverside PT 2026" and table.price("20561", "self_pay") == 95.0
    assert any("Riverside PT 2026" in s.value for s in at.success)
    at.switch_page("app_pages/my_costs.py").run()
    assert you_pay(at)[dn(before)] > before[dn(before)]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.csv", clinic_csv(value="abc"), "column 'self_pay': expected a number, found 'abc'"),
        ("latin.csv", "code,description\n20561,Aiguille \u00e0 sec\n".encode("latin-1"), "not UTF-8"),
        ("junk.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary data"),
        ("junk.xlsx", b"PK\x03\x04 definitely not a workbook", "an Excel .xlsx workbook"),
        ("big.csv", b"x" * (uploads.MAX_UPLOAD_BYTES + 1), "expected a file of at most 5 MB"),
    ],
    ids=["not-a-number", "latin-1", "binary", "not-xlsx", "too-big"],
)
def test_a_bad_upload_shows_why_and_keeps_the_table_and_numbers(at: AppTest, name, data, message) -> None:
    at.switch_page(PRICES).run()
    numbers = hash_caption(at)
    upload_table(at, name, data)
    assert "not used" in errors(at) and message in errors(at)
    assert at.session_state["price_table"] is None
    assert hash_caption(at) == numbers


def test_bad_metadata_is_refused_with_its_message(at: AppTest) -> None:
    at.switch_page(PRICES).run()
    upload_table(at, "clinic.csv", clinic_csv(), ("clinic.toml", b'currency = "dollars"\n'))
    assert "clinic.toml: currency: expected a three-letter currency code" in errors(at)
    assert at.session_state["price_table"] is None


def test_a_utf8_bom_table_reads_like_plain_utf8() -> None:
    plain = uploads.price_table_from_upload(clinic_csv(), "clinic.csv")
    assert uploads.price_table_from_upload(b"\xef\xbb\xbf" + clinic_csv(), "clinic.csv") == plain


# --------------------------------------------------------------------------------------------
# Assumptions page: treatments editor and reviewer diff


def test_fewer_needling_sessions_lower_its_cost_and_show_in_the_reviewer_diff(at: AppTest) -> None:
    before = you_pay(at)
    at.switch_page(ASSUMPTIONS).run()
    assert any("Nothing differs" in s.value for s in at.success)
    key = editor(at, "assumptions_pathway_dry_needling")
    edit(at, key, edited={row_of(at, key, "id", "pathway/dry_needling/visit/1/count"): {"value": 3.0}})
    assert not at.error
    diff = table_with(at, "Shipped")
    assert "Needling + exercise session, number of visits" in diff["Assumption"][0]
    assert diff["Shipped"][0].startswith("5") and diff["Now"][0].startswith("3")
    assert diff[dn(before)][0].startswith("−$") and diff["Assumption"].iloc[-1] == "All changes together"
    at.switch_page("app_pages/my_costs.py").run()
    after = you_pay(at)
    assert after[dn(before)] < before[dn(before)]


def test_an_invalid_assumption_shows_the_message_and_changes_nothing(at: AppTest) -> None:
    at.switch_page(ASSUMPTIONS).run()
    numbers = hash_caption(at)
    key = editor(at, "assumptions_pathway_dry_needling")
    edit(at, key, edited={row_of(at, key, "id", "pathway/dry_needling/response_probability"): {"value": 1.3}})
    assert "response_probability.value: expected a probability from 0 to 1, found 1.3" in errors(at)
    assert at.session_state["pathways"] is None
    assert hash_caption(at) == numbers


def test_a_cycle_in_the_next_line_of_care_is_refused(at: AppTest) -> None:
    at.switch_page(ASSUMPTIONS).run()
    at.selectbox(key="assumptions_edit_pathway").set_value("medication").run()
    key = f"assumptions_on_failure_medication_{at.session_state['data_rev']}"
    at.selectbox(key=key).set_value("dry_needling").run()
    assert "cycle" in errors(at)
    assert at.selectbox(key=key).value == "surgery"  # back to the last valid choice
    assert at.session_state["pathways"] is None


def test_a_valid_next_line_of_care_is_used_and_can_be_reset(at: AppTest) -> None:
    at.switch_page(ASSUMPTIONS).run()
    key = f"assumptions_on_failure_dry_needling_{at.session_state['data_rev']}"
    at.selectbox(key=key).set_value("surgery").run()
    assert not at.error
    assert at.session_state["pathways"].get("dry_needling").on_failure == "surgery"
    assert any("next line of care" in row for row in table_with(at, "Setting")["Setting"])
    at.button(key="assumptions_reset_pathways").click().run()
    assert at.session_state["pathways"] is None


def test_reviewer_csv_has_every_change_and_the_hash(presets) -> None:
    ppo = presets["commercial-ppo"]
    plan = dataclasses.replace(ppo.insurance, deductible=Param(2500.0, source=ENTERED))
    changed = dataclasses.replace(ppo, insurance=plan, label="=HYPERLINK()")
    review = engine.run_review(ppo, changed)
    text = presentation.review_csv(review, "abc1234567").decode()
    assert text.startswith("# input hash: abc1234567\n")
    assert "insurance/deductible" in text and "All changes together" in text and "patient:dry_needling" in text


# --------------------------------------------------------------------------------------------
# Scenario files


def test_a_saved_scenario_loads_back_exactly(at: AppTest) -> None:
    at.number_input(key="my_costs_deductible").set_value(2750.0).run()
    at.switch_page(ASSUMPTIONS).run()
    key = editor(at, "assumptions_pathway_dry_needling")
    edit(at, key, edited={row_of(at, key, "id", "pathway/dry_needling/visit/1/count"): {"value": 4.0}})
    at.switch_page("app_pages/my_costs.py").run()
    saved = compose(
        {key: at.session_state[key] for key in STATE_KEYS},
        load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json"),
    )
    costs, shown_hash = you_pay(at), hash_caption(at)

    fresh = new_app()
    fresh.file_uploader(key="sidebar_scenario_file").set_value(("mine.json", scenario_to_json(saved).encode(), "x"))
    fresh.run()
    fresh.button(key="sidebar_load_scenario").click().run()
    assert not fresh.exception and not fresh.error
    assert you_pay(fresh) == costs
    assert hash_caption(fresh) == shown_hash
    assert fresh.number_input(key="my_costs_deductible").value == 2750.0
    assert fresh.session_state["pathways"] is not None and fresh.session_state["loaded"] is None


def test_a_bad_scenario_file_shows_its_message_and_changes_nothing(at: AppTest) -> None:
    at.number_input(key="my_costs_deductible").set_value(2750.0).run()
    numbers = hash_caption(at)
    bad = json.loads(scenario_to_json(load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")))
    bad["insurance"]["coinsurance"] = 1.3
    at.file_uploader(key="sidebar_scenario_file").set_value(("bad.json", json.dumps(bad).encode(), "x"))
    at.run()
    at.button(key="sidebar_load_scenario").click().run()
    assert "bad.json: insurance.coinsurance: expected a probability from 0 to 1, found 1.3" in errors(at)
    assert hash_caption(at) == numbers


def test_a_scenario_of_its_own_is_used_as_the_start_until_a_preset_is_chosen(at: AppTest) -> None:
    own = json.loads(scenario_to_json(load_scenario(DATA_DIR / "scenarios" / "high-deductible.json")))
    own["label"] = "Acme Corp HDHP"
    own["insurance"]["deductible"] = 3300
    at.file_uploader(key="sidebar_scenario_file").set_value(("acme.json", json.dumps(own).encode(), "x"))
    at.run()
    at.button(key="sidebar_load_scenario").click().run()
    assert not at.exception and not at.error
    assert at.session_state["loaded"].label == "Acme Corp HDHP"
    assert any("Starting from the scenario in the file acme" in c.value for c in at.caption)
    assert at.number_input(key="my_costs_deductible").value == 3300
    at.button(key="sidebar_back_to_preset").click().run()
    assert at.session_state["loaded"] is None
    assert at.number_input(key="my_costs_deductible").value == 1500  # the preset's again


def test_setting_a_number_back_restores_its_source() -> None:
    shipped = Param(5.0, "gamma", 3.0, 8.0, "a study", "A")
    entered = Param(3.0, "gamma", 3.0, 8.0, ENTERED)
    rows = [{"id": "n", "value": 5.0, "low": 3.0, "high": 8.0, "dist": "gamma"}]
    assert edited_params(rows, {"n": entered}, {"n": shipped}) == {"n": shipped}
    assert edited_params(rows, {"n": shipped}, {"n": shipped}) == {}
    fixed = [{"id": "n", "value": 4.0, "low": 3.0, "high": 8.0, "dist": "fixed"}]  # fixed: the range goes
    assert edited_params(fixed, {"n": shipped}, {}) == {"n": Param(4.0, source=ENTERED)}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("s.json", json.dumps({"prices": "/etc/passwd", "pathways": "lbp-default"}).encode(), "a shipped name"),
        ("s.json", b"\x00\x01binary", "binary data"),
        ("s.json", b'{"prices": "us-2025", "prices": "us-2025"}', "each field once"),
        ("s.txt", b"{}", "a .json scenario file"),
        ("s.json", b" " * (uploads.MAX_UPLOAD_BYTES + 1), "at most 5 MB"),
    ],
    ids=["server-path", "binary", "duplicate-key", "extension", "too-big"],
)
def test_scenario_upload_rejects_bad_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        uploads.scenario_from_upload(data, name)


def test_a_scenario_that_is_no_preset_plus_edits_becomes_the_starting_point(presets) -> None:
    ppo = presets["commercial-ppo"]
    odd = dataclasses.replace(ppo, label="Acme Corp plan", price_spread=0.1, name="acme")
    state = state_for(odd, presets, "commercial-ppo")
    assert state["loaded"] is odd
    assert compose(state, ppo) == odd


@pytest.mark.parametrize("name", ["commercial-ppo", "high-deductible", "medicare", "self-pay"])
def test_an_edited_preset_decomposes_into_preset_and_edits(presets, name: str) -> None:
    preset = presets[name]
    table = uploads.price_table_from_upload(clinic_csv(column="commercial", value="55.5"), "clinic.csv")
    inputs = {**inputs_from_scenario(preset), "miles_per_visit": 33.0}
    edited = apply_inputs(
        dataclasses.replace(preset, prices=table), inputs, options=["surgery", "medication"], price_overrides={}
    )
    state = state_for(edited, presets, "commercial-ppo")
    assert state["preset"] == name and state["loaded"] is None and state["price_table"] == table
    assert compose(state, preset) == edited


# --------------------------------------------------------------------------------------------
# Share links


def test_a_share_link_restores_the_same_numbers(at: AppTest) -> None:
    assert "s" not in at.query_params  # nothing changed: no link parameter
    at.number_input(key="my_costs_deductible").set_value(3000.0).run()
    at.number_input(key="my_costs_coinsurance_pct").set_value(35.0).run()
    token = at.query_params["s"]
    opened = new_app(s=token)
    assert not opened.warning
    assert you_pay(opened) == you_pay(at)
    assert hash_caption(opened) == hash_caption(at)
    assert opened.number_input(key="my_costs_deductible").value == 3000.0
    assert opened.query_params["s"] == token


@pytest.mark.parametrize("damage", ["truncate-checksum", "truncate-half", "flip", "junk"])
def test_a_tampered_link_warns_and_shows_the_preset(at: AppTest, damage: str) -> None:
    at.number_input(key="my_costs_deductible").set_value(3000.0).run()
    token = at.query_params["s"]
    bad = {
        "truncate-checksum": token[:-3],
        "truncate-half": token[: len(token) // 2],
        "flip": token[:20] + ("A" if token[20] != "A" else "B") + token[21:],
        "junk": "1.<script>alert(1)</script>",
    }[damage]
    opened = new_app(s=bad)
    assert opened.warning and "could not be opened" in opened.warning[0].value
    assert you_pay(opened) == you_pay(new_app())
    assert "s" not in opened.query_params


def test_an_edited_treatment_fits_in_the_link_and_other_parameters_stay(at: AppTest) -> None:
    at.query_params["tab"] = "x"
    at.switch_page(ASSUMPTIONS).run()
    key = editor(at, "assumptions_pathway_dry_needling")
    edit(at, key, edited={row_of(at, key, "id", "pathway/dry_needling/visit/1/count"): {"value": 4.0}})
    assert len(at.query_params["s"]) < 200 and at.query_params["tab"] == "x"


def test_changes_too_large_for_a_link_drop_it_and_say_so(at: AppTest) -> None:
    import dataclasses
    import random

    at.query_params["tab"] = "x"
    at.run()
    table = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json").prices
    noise = random.Random(1)
    rows = tuple(
        dataclasses.replace(r, note="".join(noise.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(400)))
        for r in table.rows
    )
    at.session_state["price_table"] = dataclasses.replace(table, rows=rows)
    at.run()
    assert "s" not in at.query_params and at.query_params["tab"] == "x"
    assert "save the scenario as a file" in hash_caption(at)


# --------------------------------------------------------------------------------------------
# Every page shows the hash; embedding; the handout


@pytest.mark.parametrize(
    "page", ["app_pages/my_costs.py", "app_pages/compare.py", ASSUMPTIONS, PRICES, "app_pages/methods.py"]
)
def test_every_page_shows_the_input_hash(at: AppTest, page: str) -> None:
    at.switch_page(page).run()
    scenario = compose(
        {key: at.session_state[key] for key in STATE_KEYS},
        load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json"),
    )
    assert hash_caption(at).startswith(f"Input hash {input_hash(scenario)}")


def test_embedded_patient_page_renders_without_the_sidebar() -> None:
    embedded = AppTest.from_file(str(APP), default_timeout=30)
    embedded.query_params["embed"] = "true"
    embedded.context["is_embedded"] = True  # what Streamlit reads from ?embed=true
    embedded.run()
    assert not embedded.exception and not embedded.error
    assert embedded.title[0].value == "My costs"
    assert len(card_labels(embedded)) == len(embedded.metric) == 4
    assert not embedded.sidebar.children  # no navigation, no save/load: nothing in a sidebar
    assert "page address" not in hash_caption(embedded)  # a link to the iframe would mislead
    embedded.number_input(key="my_costs_deductible").set_value(4000.0).run()  # inputs work embedded
    assert not embedded.exception


def test_an_embedded_share_link_shows_the_shared_numbers(at: AppTest) -> None:
    at.number_input(key="my_costs_oop_met").set_value(900.0).run()
    embedded = AppTest.from_file(str(APP), default_timeout=30)
    embedded.query_params["s"] = at.query_params["s"]
    embedded.context["is_embedded"] = True
    embedded.run()
    assert not embedded.exception and not embedded.warning
    assert you_pay(embedded) == you_pay(at)


def test_the_handout_is_prepared_once_for_these_inputs(at: AppTest, monkeypatch) -> None:
    monkeypatch.setattr(report, "figure_png", lambda figure: None)  # no Chromium start in this test
    assert not at.get("download_button") or all("handout" not in b.proto.label for b in at.get("download_button"))
    at.button(key="my_costs_handout_prepare").click().run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the handout (HTML)" in labels and "Download the handout (PDF)" in labels
    stored = at.session_state["handout"]
    assert stored["key"][0] == hash_caption(at).split()[2]
    at.run()
    assert at.session_state["handout"] is stored  # not rebuilt on a rerun
    at.number_input(key="my_costs_deductible").set_value(2000.0).run()
    assert "my_costs_handout_prepare" in [b.key for b in at.button]  # new inputs: prepare again


def test_the_handout_has_every_option_the_hash_and_a_pdf(presets) -> None:
    comparison = engine.run_compare(presets["commercial-ppo"])
    built = handout.build_handout(comparison, "0123456789", "Riverside <PT>")
    html = built["html"].decode()
    assert "0123456789" in html and "Riverside &lt;PT&gt;" in html
    assert all(o.label in html for o in comparison)
    assert built["pdf"].startswith(b"%PDF")


# --------------------------------------------------------------------------------------------
# Pure helpers


def test_price_table_changes_lists_changed_added_and_removed_rows(presets) -> None:
    shipped = presets["commercial-ppo"].prices
    edited = uploads.price_table_from_upload(clinic_csv(), "clinic.csv")
    rows = list(csv.reader(io.StringIO(price_table_to_csv(edited))))
    rows = [r for r in rows if not r[0].startswith("#") and r[0] != "97161"]
    mppr = ["", "", ""]
    rows.append(["NEW-1", "New item", "other", "each", "1", "2", "3", *mppr, "clinic", "2026", "", ""])
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    table = uploads.price_table_from_upload(out.getvalue().encode(), "clinic.csv")
    changes = presentation.price_table_changes(shipped, table).set_index("code")
    assert changes.loc["20561", "change"] == "changed" and "$40.00 → $95.00" in str(
        changes.loc["20561", "what changed"]
    )
    assert changes.loc["NEW-1", "change"] == "added"
    assert changes.loc["97161", "change"] == "removed"
    assert len(changes) == 3


def test_a_preset_that_does_not_fit_the_clinic_table_drops_it_with_a_notice(at: AppTest) -> None:
    at.switch_page(PRICES).run()
    rows = list(csv.reader(io.StringIO(US_CSV.read_text(encoding="utf-8"))))
    drop = rows[0].index("medicare")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
    upload_table(at, "no-medicare.csv", out.getvalue().encode())
    assert at.session_state["price_table"] is not None
    at.switch_page("app_pages/my_costs.py").run()
    at.selectbox(key="my_costs_preset").set_value("medicare").run()
    assert not at.exception
    assert at.session_state["price_table"] is None
    assert any("did not fit" in w.value for w in at.warning)
    assert [dollars(m.value) for m in at.metric]
