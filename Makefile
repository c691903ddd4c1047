# Set-up is idempotent: the venv is made once and the package re-installed only when
# pyproject.toml changes (the install is editable, so source edits need no reinstall).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.selforg-installed
FONT_STAMP := $(VENV)/.emoji-font-checked
BROWSER_STAMP := $(VENV)/.browser-checked

.PHONY: setup run test bench lint docs clean

setup: $(STAMP) $(FONT_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev,sweep]'
	@touch $(STAMP)

# The emoji font gives the growing-NCA and logic targets; without it the code falls back to
# built-in targets, so a failed install is not an error.
$(FONT_STAMP): $(STAMP)
	@if [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && [ "$$(id -u)" = 0 ] \
	   && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing fonts-noto-color-emoji"; \
	  (apt-get update -qq && apt-get install -y -qq fonts-noto-color-emoji) >/dev/null 2>&1 \
	    || echo "emoji font not installed: built-in targets will be used"; \
	fi
	@touch $(FONT_STAMP)

# The gallery's tests run its pages in headless Chromium (SwiftShader WebGL2) and check every
# shader with glslangValidator; without these packages those tests skip, naming the package.
$(BROWSER_STAMP): $(STAMP)
	@if ! { command -v chromium && command -v chromedriver && command -v glslangValidator; } \
	     >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium, chromium-driver and glslang-tools"; \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver glslang-tools) \
	    >/dev/null 2>&1 || echo "browser not installed: the gallery's browser tests will skip"; \
	fi
	@touch $(BROWSER_STAMP)

run: setup
	$(BIN)/selforg tour

# One pytest process a core: the suite is mostly XLA compiles, one core each. A test file runs
# whole in one process, so the session fixtures (a local Ray, a headless browser) start once.
test: setup $(BROWSER_STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=15

bench: setup $(BROWSER_STAMP)
	@for m in soup nca logic icl rd mesh crn mplp sweep gallery; do \
	  if [ -f benchmarks/$$m.py ]; then $(BIN)/python -m benchmarks.$$m || exit 1; fi; \
	done

# The API reference, from the docstrings (Google style). Warnings are errors, so a docstring
# pdoc cannot read, or a module that fails to import, fails the build.
docs: setup
	$(BIN)/python -W error docs/api.py build/api

lint: setup
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) runs
