# One target per habit. Everything installs into .venv; nothing is assumed on the machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test bench lint demo-data clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/unggulan serve --host 127.0.0.1 --port 8000

test: install
	$(VENV)/bin/pytest -q

bench: install
	$(PY) benchmarks/run.py

lint: install
	$(VENV)/bin/ruff check app tests benchmarks scripts

demo-data: install
	$(PY) scripts/make_demo_data.py data

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
