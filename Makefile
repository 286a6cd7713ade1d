# Set-up and entry points. Every target creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit lab bench clean system-deps

demo: $(STAMP) system-deps
	$(BIN)/evidence demo

test: $(STAMP) system-deps lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check evidence_lib tests bench
	$(BIN)/ruff format --check evidence_lib tests bench

typecheck: $(STAMP)
	$(BIN)/mypy evidence_lib

unit: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadgroup

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) system-deps
	$(BIN)/python bench/seed_scale.py
	$(BIN)/python bench/collect.py

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# WeasyPrint needs HarfBuzz's subsetting library from Debian.
system-deps:
	@if ! ldconfig -p | grep -q libharfbuzz-subset.so.0; then \
		echo "installing libharfbuzz-subset0 (WeasyPrint needs it)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libharfbuzz-subset0; \
	fi

clean:
	rm -rf $(VENV) output/*/ .mypy_cache .ruff_cache .pytest_cache
