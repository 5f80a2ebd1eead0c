"""Languages: one translator per language (never a process-wide ``_``), Babel number formats."""

from __future__ import annotations

import gettext
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from streamlit.testing.v1 import AppTest

from calculator import charts, content, i18n, presentation
from calculator.__main__ import main
from calculator.costing import compare
from calculator.io import DATA_DIR, load_scenario
from calculator.share import link_query


def test_english_is_the_identity_and_unknown_languages_fall_back_to_it() -> None:
    assert i18n.translator("en").gettext("My costs") == "My costs"
    assert isinstance(i18n.translator("xx"), gettext.NullTranslations)
    assert i18n.choose_language("xx", None) == "en"


def test_an_explicit_request_beats_the_browser_language() -> None:
    assert i18n.choose_language("en", "es-US") == "en"
    assert i18n.choose_language(None, "es-US") == "es"
    assert i18n.choose_language("es-419", "en-GB") == "es"
    assert i18n.choose_language("", "") == "en"


def test_translating_never_installs_a_process_wide_underscore() -> None:
    import builtins

    i18n.translator("es").gettext("My costs")
    assert not hasattr(builtins, "_")


def test_money_follows_us_conventions_in_both_languages() -> None:
    # 1,234.567 rounds to whole dollars unless cents are asked for.
    assert i18n.format_money(1234.567) == "$1,235"
    assert i18n.format_money(1234.567, language="es") == "$1,235"
    assert i18n.format_money(1234.567, language="es", cents=True) == "$1,234.57"
    assert i18n.format_money(None) == "–"
    assert i18n.format_share(0.125, "es", digits=1) == "12.5%"
    assert i18n.format_number(1_000_000, "es") == "1,000,000"


# --------------------------------------------------------------------------------------------
# The Spanish catalog: complete, and every placeholder kept

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# ``{name}`` fields of str.format, %-style fields and plotly's ``%{x}``; LaTeX braces are not fields.
_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_]+\)[sd]|%[sd]\b|%\{[a-z]+\}")


def _tools() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tools", ROOT / "tools" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spanish_has_no_missing_untranslated_or_fuzzy_message() -> None:
    assert _tools().problems("es") == []


def test_every_translation_keeps_the_placeholders_of_its_message() -> None:
    catalog = _tools().read_catalog("es")
    checked = 0
    for message in catalog:
        if not message.id or "\\text" in str(message.id):  # LaTeX: its braces are not format fields
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(_FIELD.findall(text)) == sorted(_FIELD.findall(ids[0])), message.id
        checked += 1
    assert checked > 300


def test_spanish_uses_the_sbc_glossary_terms() -> None:
    es = i18n.translator("es").gettext
    assert "deducible" in es("Deductible {amount} ({left} left)").lower()
    assert "desembolso máximo" in es("out-of-pocket maximum {amount} ({left} left)")
    assert "coseguro" in es("coinsurance {share}")
    assert "copagos" in es("copays: {copays}")
    assert es("Dry needling + exercise") == "Punción seca + ejercicio"
    assert es("Physical therapy (exercise)").startswith("Fisioterapia")


def test_the_evidence_labels_and_chart_titles_are_in_the_catalog() -> None:
    es = i18n.translator("es").gettext
    for meaning in content.evidence().labels.values():
        assert es(meaning) != meaning
    comparison = compare(load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json"))
    frame = charts.payer_frame(comparison)
    spanish = charts.payer_bars(frame, "USD", lang="es")
    english = charts.payer_bars(frame, "USD")
    assert spanish.layout.title.text == "Quién paga: costo esperado por episodio"
    assert english.layout.title.text == "Who pays: expected cost per episode"
    assert [t.name for t in spanish.data][:2] == ["Gasto del paciente", "Paga el plan"]


def test_a_share_link_carries_the_language() -> None:
    assert link_query("1.abc", "es") == {"s": "1.abc", "lang": "es"}
    assert link_query(None, "es") == {"lang": "es"}
    assert link_query("1.abc", "en") == {"s": "1.abc"}
    assert link_query(None, "xx") == {}


def test_presentation_texts_follow_the_language() -> None:
    scenario = load_scenario(DATA_DIR / "scenarios" / "commercial-ppo.json")
    caption = presentation.scenario_caption(scenario, "es")
    assert caption.startswith("Escenario: Plan PPO comercial con copagos · precios de seguro comercial con su plan")
    assert presentation.scenario_caption(scenario).startswith("Scenario: Commercial PPO with copays")
    assert presentation.signed_money(0.1, "USD", "es") == "sin cambio"


# --------------------------------------------------------------------------------------------
# The app in Spanish (AppTest)

SPANISH_TITLES = {
    "app_pages/compare.py": "Comparar opciones",
    "app_pages/assumptions.py": "Supuestos y sensibilidad",
    "app_pages/price_tables.py": "Tablas de precios",
    "app_pages/methods.py": "Métodos y fuentes",
}
MONEY = re.compile(r"^\$\d{1,3}(,\d{3})*$")


def _app(language: str | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    if language:
        app.query_params["lang"] = language
    app.run()
    assert not app.exception
    return app


@pytest.mark.parametrize("page", list(SPANISH_TITLES))
def test_lang_es_in_the_address_shows_spanish_pages(page: str) -> None:
    at = _app("es")
    at.switch_page(page).run()
    assert not at.exception and not at.error
    assert at.title[0].value == SPANISH_TITLES[page]


def test_compare_in_spanish_shows_translated_labels_and_babel_money() -> None:
    at = _app("es")
    at.switch_page("app_pages/compare.py").run()
    assert [m.label for m in at.metric][0] == "Paga el plan" or "Paga el paciente" in [m.label for m in at.metric]
    assert all(MONEY.match(m.value) for m in at.metric), [m.value for m in at.metric]
    headings = [md.value for md in at.markdown if md.value.startswith("## ")]
    assert any("Punción seca" in h for h in headings), headings
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"


def test_two_sessions_in_different_languages_do_not_affect_each_other() -> None:
    spanish, english = _app("es"), _app("en")
    spanish.switch_page("app_pages/compare.py").run()
    english.switch_page("app_pages/compare.py").run()
    spanish.run()
    assert spanish.title[0].value == "Comparar opciones"
    assert english.title[0].value == "Compare options"
    assert "Paga el paciente" in [m.label for m in spanish.metric]
    assert "Patient pays" in [m.label for m in english.metric]


def test_the_language_switch_changes_the_page_and_the_address() -> None:
    at = _app()
    at.switch_page("app_pages/methods.py").run()
    assert at.title[0].value == "Methods & sources"
    at.button_group(key="lang_switch").set_value("es").run()
    assert at.title[0].value == "Métodos y fuentes"
    assert at.query_params["lang"] in ("es", ["es"])


# --------------------------------------------------------------------------------------------
# The report command


def test_the_report_command_writes_spanish(tmp_path: Path) -> None:
    out = tmp_path / "handout.html"
    scenario = DATA_DIR / "scenarios" / "commercial-ppo.json"
    code = main(["report", str(scenario), "--format", "html", "--out", str(out), "--draws", "100", "--lang", "es"])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "<html lang='es'>" in text
    assert "En resumen" in text and "The bottom line" not in text
    assert "Punción seca + ejercicio" in text


def test_every_shipped_number_has_a_spanish_label() -> None:
    from calculator.costing import parameters

    for path in sorted((DATA_DIR / "scenarios").glob("*.json")):
        for param in parameters(load_scenario(path)):
            spanish = presentation.param_label(param.label, "es")
            assert spanish != param.label, param.label
            assert not re.search(r"number of visits|per visit|probability$|schedule$|Time and travel", spanish), spanish
            assert presentation.param_label(param.label) == param.label


def test_searching_the_assumptions_in_spanish_finds_spanish_labels() -> None:
    at = _app("es")
    at.switch_page("app_pages/assumptions.py").run()
    at.text_input(key="assumptions_search").input("punción").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0
    assert all("unción" in label.lower() for label in table["Supuesto"]), list(table["Supuesto"])


def test_the_analyses_in_spanish_name_the_options_and_perspective_in_spanish() -> None:
    at = _app("es")
    at.switch_page("app_pages/assumptions.py").run()
    verdicts = [m.value.replace("\\", "") for m in [*at.success, *at.warning]]  # without Markdown escapes
    assert any("Medicamentos (antiinflamatorio y relajante)" in v and "gasto del paciente" in v for v in verdicts), (
        verdicts
    )
    assert not any("Medication (NSAID" in v or "patient out of pocket" in v for v in verdicts), verdicts
