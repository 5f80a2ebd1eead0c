# Two commands matter: `make run` (the app) and `make test` (every check). Both create .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export STREAMLIT_SERVER_FILE_WATCHER_TYPE := none

.PHONY: run test test-fast bench bench-rerun lint format clean i18n serve load nginx

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

# `make serve PORT=8080 WORKERS=2`: app processes (default one per core) behind nginx; see README "Serving".
PORT ?= 8080
WORKERS ?= 0
serve: $(STAMP) nginx
	$(BIN)/python deploy/serve.py --port $(PORT) --workers $(WORKERS)

# `make load URL=http://127.0.0.1:8080` against a running server; without URL it starts `make serve`'s
# stack on a free port (START=plain: one `streamlit run app.py`) and stops it afterwards. Loopback only.
SESSIONS ?= 40
THINK ?= 2
DURATION ?= 60
START ?= serve
load: $(STAMP) $(if $(URL),,nginx)
	$(BIN)/python bench/load.py $(if $(URL),--url $(URL),--start $(START) --workers $(WORKERS)) \
		--sessions $(SESSIONS) --think $(THINK) --duration $(DURATION)

# Debian's nginx, installed when missing (needs root, like the CI's chromium).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		echo "nginx is missing: installing Debian's nginx"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

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
