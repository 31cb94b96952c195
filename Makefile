# dorsum: two commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench docs i18n clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

HOST ?= 127.0.0.1
PORT ?= 8000

## demo: install, assess every example, write example plans, then start the clinic web
## application on SQLite with demo data (prints the URL and the demo logins)
demo: $(STAMP)
	@for intake in examples/*.json; do \
		echo; echo "━━━ $$intake ━━━"; \
		$(BIN)/dorsum assess "$$intake" || exit 1; \
	done
	@mkdir -p out
	@$(BIN)/dorsum plan examples/severe-acne-scars.json -c punch_excision -c laser_resurfacing \
		-c home_care
	@for lang in en es; do \
		$(BIN)/dorsum plan examples/severe-acne-scars.json -c punch_excision \
			-c laser_resurfacing -c home_care --lang $$lang --format pdf \
			-o out/plan-severe-acne-scars-$$lang.pdf || exit 1; \
	done
	@$(BIN)/dorsum schedule synthetic --patients 50 --seconds 5
	@$(BIN)/dorsum demo --host $(HOST) --port $(PORT)

## test: lint (ruff, mypy), then the test suite (browser tests need /usr/bin/chromium;
## PostgreSQL tests need DORSUM_TEST_DATABASE_URL)
test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench docs
	$(BIN)/ruff check --fix src tests bench docs

## bench: print benchmark figures (never fails on time)
bench: $(STAMP)
	$(BIN)/python -m bench.run

## docs: regenerate the CLI and rules references
docs: $(STAMP)
	$(BIN)/python docs/generate.py

## i18n: refresh the translation templates and merge them into each catalog
i18n: $(STAMP)
	$(BIN)/python -m dorsum.i18n.extract

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
