"""Round trips (CSV, XLSX, JSON), share links and the reviewer diff."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from openpyxl import load_workbook

from calculator.errors import InputError
from calculator.io import DATA_DIR, load_scenario, price_table_from_bytes, scenario_from_dict, shipped_names
from calculator.models import Param, PriceRow
from calculator.review import review_changes
from calculator.serialize import (
    input_hash,
    price_table_to_csv,
    price_table_to_xlsx,
    scenario_to_dict,
    scenario_to_json,
)
from calculator.share import (
    MAX_TOKEN_CHARS,
    apply_patch,
    decode_link,
    encode_link,
    link_for,
    make_patch,
    scenario_from_link,
)


@pytest.fixture(scope="module")
def presets():
    return {name: load_scenario(DATA_DIR / "scenarios" / f"{name}.json") for name in shipped_names("scenarios")}


@pytest.fixture(scope="module")
def ppo(presets):
    return presets["commercial-ppo"]


def same_table(a, b):
    fields = ("schedules", "rows", "currency", "label", "region", "year")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def with_hostile_row(table):
    hostile = PriceRow(
        "=CMD", '=HYPERLINK("http://evil")', "other", "+1", (1.5,) * len(table.schedules), "@SUM(A1)", "2025", "A", "-2"
    )
    return dataclasses.replace(table, rows=(*table.rows, hostile))


class TestPriceTableRoundTrips:
    def test_csv_round_trip_is_exact(self, ppo):
        table = with_hostile_row(ppo.prices)
        again = price_table_from_bytes(price_table_to_csv(table).encode("utf-8"), "clinic.csv")
        assert same_table(table, again)

    def test_xlsx_round_trip_is_exact(self, ppo):
        table = with_hostile_row(ppo.prices)
        again = price_table_from_bytes(price_table_to_xlsx(table), "clinic.xlsx")
        assert same_table(table, again)

    def test_csv_export_neutralises_formulas(self, ppo):
        text = price_table_to_csv(with_hostile_row(ppo.prices))
        assert "\n'=CMD,\"'=HYPERLINK" in text
        assert ",'@SUM(A1)," in text

    def test_xlsx_export_has_no_formula_cells(self, ppo):
        workbook = load_workbook(io.BytesIO(price_table_to_xlsx(with_hostile_row(ppo.prices))))
        cells = [c for row in workbook["prices"].iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        assert any(c.value == "'=CMD" for c in cells)


class TestScenarioRoundTrips:
    @pytest.mark.parametrize("name", ["commercial-ppo", "high-deductible", "medicare", "self-pay"])
    def test_shipped_scenarios_round_trip_by_name(self, presets, name):
        scenario = presets[name]
        document = scenario_to_dict(scenario)
        pathways = (
            "lbp-medicare" if name == "medicare" else "lbp-default"
        )  # Medicare: adverse events at Medicare prices
        assert document["prices"] == "us-2025" and document["pathways"] == pathways
        again = scenario_from_dict(json.loads(json.dumps(document)), "x.json", allow_paths=False, name=scenario.name)
        assert again == scenario

    def test_inline_round_trip_is_exact(self, ppo):
        document = json.loads(scenario_to_json(ppo, inline=True))
        assert isinstance(document["prices"], dict) and isinstance(document["pathways"], dict)
        again = scenario_from_dict(document, "x.json", allow_paths=False, name=ppo.name)
        assert dataclasses.replace(again.prices, name="") == dataclasses.replace(ppo.prices, name="")
        assert dataclasses.replace(again.pathways, name="") == dataclasses.replace(ppo.pathways, name="")
        assert again.insurance == ppo.insurance and again.indirect == ppo.indirect

    def test_a_changed_table_is_written_inline(self, ppo):
        changed = dataclasses.replace(ppo, prices=with_hostile_row(ppo.prices))
        assert isinstance(scenario_to_dict(changed)["prices"], dict)

    def test_hash_changes_with_any_input(self, ppo):
        plan = dataclasses.replace(ppo.insurance, deductible=Param(1501.0))
        assert input_hash(ppo) == input_hash(dataclasses.replace(ppo))
        assert input_hash(ppo) != input_hash(dataclasses.replace(ppo, insurance=plan))
        assert len(input_hash(ppo)) == 10


class TestShareLinks:
    def test_merge_patch_round_trip(self):
        base = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]}
        new = {"a": 1, "b": {"c": 5}, "e": [2], "f": None}
        patch = make_patch(base, new)
        assert apply_patch(base, patch) == {"a": 1, "b": {"c": 5}, "e": [2]}

    def test_link_restores_the_same_scenario(self, presets, ppo):
        plan = dataclasses.replace(ppo.insurance, deductible=Param(2500.0), deductible_met=Param(400.0))
        changed = dataclasses.replace(ppo, insurance=plan, price_overrides=(("20561", Param(95.0)),))
        token = link_for("commercial-ppo", presets, changed)
        assert len(token) < 400  # compact: only the changes travel
        preset, again = scenario_from_link(token, presets)
        assert preset == "commercial-ppo"
        assert again == changed

    def test_an_edited_pathway_number_makes_a_short_link(self, presets, ppo):
        from calculator.edit import with_params

        changed = with_params(ppo, {"pathway/dry_needling/visit/1/count": Param(3.0)})
        token = link_for("commercial-ppo", presets, changed)
        assert len(token) < 200  # only the changed visit's count travels
        _, again = scenario_from_link(token, presets)
        assert again == changed

    def test_one_edited_price_row_makes_a_short_link(self, presets, ppo):
        rows = list(ppo.prices.rows)
        rows[3] = dataclasses.replace(rows[3], prices=(1.0, 2.0, 3.0))
        changed = dataclasses.replace(ppo, prices=dataclasses.replace(ppo.prices, rows=tuple(rows)))
        token = link_for("commercial-ppo", presets, changed)
        assert len(token) < 200
        assert scenario_from_link(token, presets)[1] == changed

    def test_list_item_patches(self):
        base = {"rows": [{"a": 1, "b": 2}, {"a": 3}], "tags": ["x", "y"]}
        new = {"rows": [{"a": 1, "b": 5}, {"a": 3}], "tags": ["x", "z"]}
        patch = make_patch(base, new)
        assert patch == {"rows": {"$items": {"0": {"b": 5}}}, "tags": {"$items": {"1": "z"}}}
        assert apply_patch(base, patch) == new

    def test_item_patch_out_of_range_is_an_input_error(self, presets):
        with pytest.raises(InputError, match="changes that fit the preset"):
            scenario_from_link(encode_link("commercial-ppo", {"compare": {"$items": {"9": "x"}}}), presets)

    def test_switching_to_self_pay_survives_the_link(self, presets, ppo):
        changed = dataclasses.replace(ppo, insurance=None, schedule="self_pay")
        _, again = scenario_from_link(link_for("commercial-ppo", presets, changed), presets)
        assert again.insurance is None and again.schedule == "self_pay"

    @pytest.mark.parametrize(
        "token",
        ["", "2.abc", "1.", "1.!!!!", "1.eJzLSM3JyQcABiwCFQ", "x" * (MAX_TOKEN_CHARS + 1)],
        ids=["empty", "future-version", "no-payload", "not-base64", "not-json-object", "too-long"],
    )
    def test_tampered_links_are_input_errors(self, token):
        with pytest.raises(InputError, match="share link"):
            decode_link(token)

    def test_truncated_link_is_an_input_error(self, presets, ppo):
        plan = dataclasses.replace(ppo.insurance, deductible=Param(2500.0))
        token = link_for("commercial-ppo", presets, dataclasses.replace(ppo, insurance=plan))
        with pytest.raises(InputError, match="share link"):
            scenario_from_link(token[: len(token) // 2], presets)

    @pytest.mark.parametrize("cut", [1, 3, 6])
    def test_a_link_cut_in_its_checksum_is_an_input_error(self, presets, ppo, cut):
        """Regression: zlib inflates a stream that lacks only its checksum without complaint."""
        plan = dataclasses.replace(ppo.insurance, deductible=Param(2500.0))
        token = link_for("commercial-ppo", presets, dataclasses.replace(ppo, insurance=plan))
        with pytest.raises(InputError, match="damaged or truncated"):
            decode_link(token[:-cut])

    def test_link_changes_are_validated_like_an_upload(self, presets):
        for changes in ({"insurance": {"coinsurance": 1.3}}, {"prices": "/etc/passwd"}, {"surprise": 1}):
            with pytest.raises(InputError):
                scenario_from_link(encode_link("commercial-ppo", changes), presets)
        with pytest.raises(InputError, match="preset"):
            scenario_from_link(encode_link("no-such-preset", {}), presets)

    def test_oversized_changes_are_refused_with_advice(self):
        with pytest.raises(InputError, match="save the scenario as a file"):
            encode_link("commercial-ppo", {"description": "x" * 100_000 + "".join(map(str, range(20_000)))})


class TestReview:
    def test_each_changed_assumption_with_its_effect(self, ppo):
        plan = dataclasses.replace(ppo.insurance, deductible=Param(2000.0))
        dn = ppo.pathways.get("dry_needling")
        fewer = dataclasses.replace(dn.visits[1], count=dataclasses.replace(dn.visits[1].count, value=3.0))
        pathways = dataclasses.replace(
            ppo.pathways,
            pathways=tuple(
                dataclasses.replace(p, visits=(p.visits[0], fewer, *p.visits[2:])) if p.id == "dry_needling" else p
                for p in ppo.pathways.pathways
            ),
        )
        changed = dataclasses.replace(ppo, insurance=plan, pathways=pathways)
        review = review_changes(ppo, changed)
        by_id = {c.id: c for c in review.changes}
        assert set(by_id) == {"insurance/deductible", "pathway/dry_needling/visit/1/count"}
        sessions = by_id["pathway/dry_needling/visit/1/count"]
        assert sessions.old is not None and sessions.new is not None and sessions.effect is not None
        assert (sessions.old.value, sessions.new.value) == (5.0, 3.0)
        # Two fewer needling sessions: each is $40 cash for the needling (uncovered) plus a $40
        # therapy copay → the patient saves about $160 on dry needling and nothing elsewhere.
        assert sessions.effect["patient"]["dry_needling"] == pytest.approx(-160.0)
        assert sessions.effect["patient"]["medication"] == 0
        # A higher deductible never lowers what the patient pays.
        deductible_effect = by_id["insurance/deductible"].effect
        assert deductible_effect is not None
        assert all(v >= 0 for v in deductible_effect["patient"].values())
        assert review.total_effect["patient"]["dry_needling"] < 0
        assert {r["id"] for r in review.to_rows()} == set(by_id)

    def test_no_changes_no_rows(self, ppo):
        review = review_changes(ppo, ppo)
        assert review.changes == () and review.settings == ()
        assert all(v == 0 for per in review.total_effect.values() for v in per.values())

    def test_settings_changes_are_listed(self, ppo):
        review = review_changes(ppo, dataclasses.replace(ppo, compare=("medication", "surgery")))
        assert (
            "Options compared",
            "dry_needling, medication, physical_therapy, surgery",
            "medication, surgery",
        ) in review.settings


class TestEditing:
    def test_with_params_changes_exactly_the_named_numbers(self, ppo):
        from calculator.costing import parameters
        from calculator.edit import validated, with_params

        changes = {
            "pathway/dry_needling/response_probability": Param(0.5, "beta", 0.3, 0.7),
            "pathway/dry_needling/visit/1/count": Param(8.0),
            "pathway/medication/adverse/0/probability": Param(0.2),
            "pathway/medication/visit/2/item/0/units": Param(20.0),
            "insurance/copay/therapy": Param(25.0),
            "indirect/hourly_value": Param(20.0),
            "price/self_pay/20561": Param(60.0),
        }
        edited = validated(with_params(ppo, changes))
        values = {p.id: p.param for p in parameters(edited)}
        for pid, param in changes.items():
            shown = "price/override/20561" if pid.startswith("price/") else pid
            assert values[shown].value == param.value
        untouched = [
            p for p in parameters(ppo) if p.id not in changes and p.id in values and not p.id.endswith("20561")
        ]
        assert all(values[p.id] == p.param for p in untouched)

    @pytest.mark.parametrize(
        ("pid", "param", "message"),
        [
            ("pathway/dry_needling/response_probability", Param(1.3), "a probability from 0 to 1"),
            ("pathway/dry_needling/response_probability", Param(0.5, "beta", 0.7, 0.9), "between low 0.7 and high 0.9"),
            ("pathway/dry_needling/visit/1/count", Param(2.5), "a whole number"),
            ("indirect/hourly_value", Param(-1.0), "a non-negative number"),
        ],
    )
    def test_invalid_edits_get_the_loader_message(self, ppo, pid, param, message):
        from calculator.edit import validated, with_params

        with pytest.raises(InputError, match=message):
            validated(with_params(ppo, {pid: param}))

    def test_unknown_id_is_an_input_error(self, ppo):
        from calculator.edit import with_params

        with pytest.raises(InputError, match="pathway/nope"):
            with_params(ppo, {"pathway/nope/weeks": Param(1.0)})

    def test_a_cycle_made_by_editing_on_failure_is_refused(self, ppo):
        from calculator.edit import validated, with_on_failure

        looped = with_on_failure(ppo, "medication", "dry_needling")
        with pytest.raises(InputError, match="cycle"):
            validated(looped)
        assert validated(with_on_failure(ppo, "medication", None)).pathways.get("medication").on_failure is None


class TestTableEditing:
    def test_frame_round_trip_and_every_bad_row_listed(self, ppo):
        import pandas as pd

        from calculator.io import price_table_from_frame
        from calculator.serialize import price_table_rows

        header, rows = price_table_rows(ppo.prices)
        frame = pd.DataFrame(rows, columns=header)
        table = price_table_from_frame(frame, name="edited", metadata={"currency": "USD", "label": ppo.prices.label})
        assert table.rows == ppo.prices.rows
        frame.loc[0, "commercial"] = -5.0
        frame.loc[2, "category"] = "magic"
        frame.loc[len(frame)] = [None] * len(header)  # a new, empty row from the editor is ignored
        # The shipped table has mppr_<schedule> columns (SPEC §3.1): blank for a new row.
        frame.loc[len(frame)] = ["NEW", "New item", "other", "each", None, 1.0, 2.0, "", "", "", "", "", "", ""]
        with pytest.raises(InputError) as caught:
            price_table_from_frame(frame, name="edited")
        problems = caught.value.problems
        assert len(problems) == 3
        assert "row 1, column 'commercial': expected a non-negative number, found -5.0" in problems[0]
        assert "row 3, column 'category'" in problems[1]
        assert "column 'medicare': expected a number, found an empty value" in problems[2]
        assert "(and 2 more problems)" in str(caught.value)

    def test_blank_cells_of_a_new_editor_row_are_empty_not_nan(self, ppo):
        """Regression: a new row's blank evidence arrived as NaN and was read as the tag 'NAN'."""
        import math

        import pandas as pd

        from calculator.io import price_table_from_frame
        from calculator.serialize import price_table_rows

        header, rows = price_table_rows(ppo.prices)
        frame = pd.DataFrame(rows, columns=header)
        blank = math.nan
        mppr = [blank] * 3
        new_row = ["NEW", "New item", "other", "each", 1.0, 2.0, 3.0, *mppr, "clinic", "2026", blank, blank]
        frame.loc[len(frame)] = new_row  # type: ignore[assignment]
        table = price_table_from_frame(frame, name="edited")
        assert table.row("NEW").evidence == "" and table.row("NEW").note == ""
        frame.loc[len(frame) - 1, "category"] = math.nan
        with pytest.raises(InputError, match="column 'category': expected one of .*, found an empty value"):
            price_table_from_frame(frame, name="edited")
