# Two commands matter: `make run` (the app) and `make test` (every check). Both create .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export STREAMLIT_SERVER_FILE_WATCHER_TYPE := none

.PHONY: run test test-fast bench bench-rerun lint format clean i18n

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python -m pytest -q

test-fast: $(STAMP)
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python -m pytest -q -m "not browser" -x

bench: $(STAMP)
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python bench/run.py

# CPU of one rerun of each page after a widget change (median ms; issue 12 item 5).
bench-rerun: $(STAMP)
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python bench/rerun.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV)

# Translations: `make i18n` refreshes locales/ from the code and data/ (then translate the new
# entries in locales/es/LC_MESSAGES/messages.po); `make test` checks that nothing is missing.
i18n: $(STAMP)
	$(BIN)/python tools/i18n.py update
