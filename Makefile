# One target per habit. Everything installs here: Python packages into .venv, Leaflet and its
# plugins from npm into web/node_modules (served by the map pages), Debian's chromium for the
# browser tests. Nothing is assumed on the machine but python3, npm and apt-get.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
WEB    := web/node_modules/.installed-stamp
ASSETS := app/maps/vendor/NOTICE.md
WORKERS ?= 1
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test bench lint demo-data clean browser system assets wheel smoke

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

# the map pages load Leaflet from the service itself, never from a CDN
$(WEB): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB)

# the files of web/node_modules the map pages load, with their licences, copied into the
# package (app/maps/vendor, gitignored) so that the wheel carries them
$(ASSETS): $(WEB) $(STAMP) scripts/vendor_assets.py app/maps/assets.py
	$(PY) scripts/vendor_assets.py

assets: $(ASSETS)

install: $(STAMP) $(WEB) $(ASSETS)

# Debian packages, installed only when missing: Pango, HarfBuzz's subsetter and DejaVu fonts
# for the PDF brief (WeasyPrint); for the tests also headless Chromium (Playwright drives it)
# and poppler-utils (pdftotext, pdftoppm read the brief back)
PDF_PACKAGES  := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_PACKAGES := chromium poppler-utils
# for the benchmarks: wrk, the HTTP load generator (C; Python clients would share the GIL
# and the 2 cores with the server and measure themselves)
BENCH_PACKAGES := wrk
define apt_missing
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	[ -z "$$missing" ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; }
endef

system:
	$(call apt_missing,$(PDF_PACKAGES))

browser: system
	$(call apt_missing,$(TEST_PACKAGES))

run: install system
	$(VENV)/bin/unggulan serve --host 127.0.0.1 --port 8000 --workers $(WORKERS)

# on both cores (pytest-xdist), a test file per worker: a file's fixtures are built once
test: install browser
	UNGGULAN_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=25
	$(MAKE) --no-print-directory smoke

# the wheel (dist/unggulan-*.whl), built from the files git knows plus the assets above
wheel: install
	$(PY) scripts/smoke_wheel.py --build-only

# the wheel installed into a fresh virtual environment outside the tree and used there:
# import, --help, validate, a standalone map, one request to `unggulan serve`
smoke: install
	$(PY) scripts/smoke_wheel.py

# make bench BENCH_ARGS='--only "national hot spots"' runs the matching rows only
bench: install browser
	$(call apt_missing,$(BENCH_PACKAGES))
	$(PY) benchmarks/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check app tests benchmarks scripts

demo-data: install
	$(PY) scripts/make_demo_data.py data

clean:
	rm -rf $(VENV) web/node_modules .pytest_cache build dist *.egg-info app/maps/vendor
