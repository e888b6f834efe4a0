# Soundalike — two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps run test screenshots translations bench clean

setup: $(STAMP)

# Qt's system libraries (installed with apt-get/dnf/pacman, through sudo if needed; nothing
# when they are all there). Packagers: SOUNDALIKE_SKIP_SYSTEM_DEPS=1.
system-deps:
	@$(PYTHON) scripts/system-deps

$(STAMP): pyproject.toml | system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,beets,mpd]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/soundalike

# the tests also need programs the player does not: a real MPD (tests/library/mpd/test_mpd_commands.py)
test: setup
	@$(PYTHON) scripts/system-deps --tests
	$(PY) -m ruff check --quiet .   # rules: [tool.ruff.lint] in pyproject.toml
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# docs/screenshots.py takes every shot of the main views (build the library once, reuse it);
# docs/screenshots_drives.py the folder-away one on the same library (it unplugs a folder).
screenshots: setup
	$(PY) docs/screenshots.py
	$(PY) docs/screenshots_drives.py --db .cache/screenshots/library.db

# The one translation source file: every string the GUI wraps for Qt's translation.
# tests/gui/test_gui_translations.py fails when it is out of date with the sources.
translations: setup
	$(VENV)/bin/pyside6-lupdate $(sort $(wildcard gui/*.py gui/mainwindow/*.py)) \
		-no-obsolete -locations none -source-language en -ts resources/soundalike.ts

# Speed and memory benchmarks (figures go into benchmarks/RESULTS.md by hand).
# The analysis benchmark needs the development corpus: SOUNDALIKE_CORPUS=DIR.
bench: setup
	$(PY) benchmarks/scan.py
	$(PY) benchmarks/similarity.py
	$(PY) benchmarks/cnn.py
	$(PY) benchmarks/analysis.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/gui.py

clean:
	rm -rf $(VENV) .cache .pytest_cache build *.egg-info
