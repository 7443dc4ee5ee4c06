# Two commands on a fresh machine: `make book` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ASSETS := book_assets/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JB := $(VENV)/bin/jupyter-book build . --warningiserror --keep-going
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

OTHER_CPU := $(shell grep -v '^\#' tools/other_cpu.env)

.PHONY: setup book book-all test unit nbval nbval-portable colab-check check-book notebooks chromium \
	datasets clean

setup: $(STAMP) $(ASSETS)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

# MathJax and the widget manager, served by the book itself instead of CDNs.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf book_assets && mkdir -p book_assets
	cp -r node_modules/mathjax/es5 book_assets/mathjax
	cp node_modules/requirejs/require.js book_assets/require.js
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js book_assets/
	touch $@

chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Fashion-MNIST for the image chapters, offline, from Debian (IDX files in /usr/share/datasets).
datasets:
	@dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null; }

book: setup
	$(JB)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# After changing _config.yml or the assets, rebuild every page.
book-all: setup
	$(JB) --all

unit: setup datasets
	GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -n 2 --dist loadscope tests

nbval: setup datasets
	GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -n 2 --dist loadscope $(NBVAL) chapters

# nbval again on other CPU code paths and with two threads (tools/other_cpu.env); one worker,
# so the two threads have both cores.
nbval-portable: setup datasets
	env $(OTHER_CPU) GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -p no:xdist $(NBVAL) chapters

# Chapters 01 and 04 as in Colab: a fresh venv with only torch, the setup cell, data downloaded
# from a local server (tools/colab_check.py). Installs gan_core at the commit the chapters record.
colab-check: setup datasets
	cd tools && ../$(PY) colab_check.py ../chapters/01_gan_game.ipynb ../chapters/04_dcgan.ipynb

check-book: setup chromium
	$(PY) tools/check_book.py _build/html

test: setup chromium datasets
	GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -n 2 --dist loadscope $(NBVAL) tests chapters
	$(MAKE) --no-print-directory nbval-portable colab-check
	$(JB) --all
	$(PY) tools/check_book.py _build/html

# Re-execute the chapters in place (profile from GAN_BOOK_PROFILE), storing widget state.
notebooks: setup datasets
	$(PY) tools/notebooks.py execute chapters/*.ipynb

clean:
	rm -rf _build book_assets node_modules $(VENV)
