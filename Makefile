# Two commands do all set-up on a fresh machine with only Python:
#   make demo   virtual environment, install, audit the bundled synthetic sample, write the map into output/
#   make test   the same installs plus what the tests need (Chromium from Debian), then the test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RA     := $(VENV)/bin/repaudit
STAMP  := $(VENV)/.installed
DB     := output/repaudit.duckdb

.PHONY: demo test install browser bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f $(DB)
	$(RA) load-sample --db $(DB)
	$(RA) audit --db $(DB) --indicator all --format csv,xlsx,geojson --map --report --top 5

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

# Local copies of the CDN assets the folium map loads (same versions), served to Chromium by the browser tests.
ASSETS := tests/browser/node_modules/.installed
$(ASSETS): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

test: $(STAMP) browser $(ASSETS)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) output/*.duckdb *.egg-info
