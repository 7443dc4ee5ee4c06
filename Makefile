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

.PHONY: setup book book-all books test unit nbval nbval-portable colab-check check-book notebooks format assignments publish-assignments grade book-student chromium bench dry-run \
	datasets set-repository publish publish-html release clean

setup: $(STAMP) $(ASSETS)

$(STAMP): requirements.txt pyproject.toml gan_core/__init__.py
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

# The browser tools/check_book.py drives: $CHROMIUM if set (GitHub's runners have Chrome), else Debian's.
chromium:
	@[ -x "$${CHROMIUM:-/usr/bin/chromium}" ] || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Offline data for the image chapters, from Debian: Fashion-MNIST's IDX files, and the CJK fonts gan_core/data/glyphs.py renders.
datasets:
	@dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null; }
	@dpkg -s fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-wqy-microhei \
		fonts-lxgw-wenkai >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends fonts-noto-cjk fonts-arphic-ukai \
		fonts-arphic-uming fonts-wqy-zenhei fonts-wqy-microhei fonts-lxgw-wenkai >/dev/null; }

book: setup
	@$(PY) tools/notebooks.py check-repository
	$(JB)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# After changing _config.yml or the assets, rebuild every page.
book-all: setup
	$(JB) --all

unit: setup chromium datasets
	GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -n 2 --dist loadscope tests

nbval: setup datasets
	GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -n 2 --dist loadscope $(NBVAL) chapters

# nbval again on other CPU code paths and with two threads (tools/other_cpu.env); one worker,
# so the two threads have both cores.
nbval-portable: setup datasets
	env $(OTHER_CPU) GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -p no:xdist $(NBVAL) chapters

# Every chapter with the gpu profile's models, batches and images but the smoke profile's step
# and sample counts, on this CPU (GAN_BOOK_DRY_RUN, gan_core/config.py): a shape, size, dtype or
# device mistake in the gpu profile fails here instead of in a reader's session. Outputs are not
# compared, only run. Chapters that pick only lengths by profile are left out: their dry run is
# their smoke run. Four processes on two cores, so that the longest chapter waits behind no other.
SIZED_CHAPTERS = $(shell $(PY) tools/notebooks.py sized chapters/*.ipynb)
dry-run: setup datasets
	GAN_BOOK_PROFILE=gpu GAN_BOOK_DRY_RUN=1 $(PY) -m pytest -q -n 4 --dist loadscope \
		--nbval-lax --nbval-current-env $(SIZED_CHAPTERS)

# Chapters 01, 04, 07 and 08 as in Colab: a fresh venv with only torch, the setup cell, data downloaded
# from a local server (tools/colab_check.py). Installs gan_core at the commit the chapters record.
colab-check: setup datasets
	cd tools && ../$(PY) colab_check.py ../chapters/01_gan_game.ipynb ../chapters/04_dcgan.ipynb \
		../chapters/07_lsgan_images.ipynb ../chapters/08_conditional_lsgan.ipynb

# The code the book shows, formatted for its column (88 characters; settings in pyproject.toml).
# Comments, docstrings and strings the formatter leaves long are wrapped by hand (tests/test_style.py).
format: setup
	$(VENV)/bin/ruff format gan_core chapters

# Classroom assignments with otter-grader (tools/assignments.py): student notebooks and autograders
# from assignments/*.ipynb into _build/assignments; `make grade SUBMISSIONS=folder` writes
# folder/scores.csv, points per question for every submitted notebook, without Docker.
assignments: setup
	$(PY) tools/assignments.py assign

# The student notebooks and public tests that Colab and students read, in assignments/student:
# run it and commit that folder after changing a master notebook, gan_core or the repository URL.
publish-assignments: setup
	$(PY) tools/assignments.py publish

grade: assignments
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make grade SUBMISSIONS=folder-of-notebooks"; exit 1; }
	$(PY) tools/assignments.py grade "$(SUBMISSIONS)"

# The student edition: no solutions, the assignments' student notebooks as a part of their own.
STUDENT := _build/student
book-student: setup chromium
	$(PY) tools/student_edition.py prepare
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going --all --path-output $(STUDENT) \
		--config $(STUDENT)/_config.yml --toc $(STUDENT)/_toc.yml
	$(PY) tools/student_edition.py check $(STUDENT)/_build/html
	$(PY) tools/check_book.py $(STUDENT)/_build/html $(STUDENT)/_toc.yml
	@echo "The student edition is at file://$(CURDIR)/$(STUDENT)/_build/html/index.html"

check-book: setup chromium
	$(PY) tools/check_book.py _build/html

# The Colab check runs beside the builds of the two editions: each keeps about one core busy.
test: setup chromium datasets
	GAN_BOOK_PROFILE=smoke $(PY) -m pytest -q -n 2 --dist loadscope $(NBVAL) tests chapters
	$(MAKE) --no-print-directory nbval-portable dry-run
	$(MAKE) --no-print-directory -j2 --output-sync=target colab-check books

# Both editions built from scratch, every page measured in the browser (part of make test).
books: setup chromium
	$(JB) --all
	$(PY) tools/check_book.py _build/html
	$(MAKE) --no-print-directory book-student

# Training throughput of gan_core's loop against a plain reference loop (bench/throughput.py)
bench: setup
	$(PY) bench/throughput.py

# Re-execute the chapters in place (profile from GAN_BOOK_PROFILE); widget outputs and state are dropped.
notebooks: setup datasets
	$(PY) tools/notebooks.py execute chapters/*.ipynb

# The book's address, in _config.yml and every chapter's setup cell: make set-repository URL=...
set-repository: setup
	$(PY) tools/notebooks.py set-repository "$(URL)"
	$(MAKE) --no-print-directory publish-assignments

# Publish the built book to the gh-pages branch of REMOTE, which GitHub Pages serves.
REMOTE ?= origin
HTML ?= _build/html
publish: book
	$(MAKE) --no-print-directory publish-html

publish-html: setup
	$(VENV)/bin/ghp-import --no-jekyll --push --force --remote $(REMOTE) --branch gh-pages \
		--message "Publish the book" $(HTML)

# Tag the current commit v$(VERSION); CHANGELOG.md must describe that version.
VERSION = $(shell $(PY) -c "import gan_core; print(gan_core.__version__)")
release: setup
	@grep -q "^## $(VERSION) " CHANGELOG.md || { echo "CHANGELOG.md has no entry for $(VERSION)"; exit 1; }
	@[ -z "$$(git status --porcelain)" ] || { echo "commit everything before a release"; exit 1; }
	git tag -a "v$(VERSION)" -m "The book and gan_core, version $(VERSION)"

clean:
	rm -rf _build book_assets node_modules $(VENV)
