# Two commands set everything up on a fresh machine:  make demo  (whole lifecycle in the sandbox)  and  make test.
PYTHON ?= python3
VENV := .venv
PY36 ?= $(HOME)/.pyenv/versions/3.6.15/bin/python3.6
VENV36 ?= .venv36
# Production install on CPython 3.6: exact versions, sha256 hashes, wheels only (make lock writes both files).
LOCK36 := requirements-py36.lock
PIP_LOCK36 := requirements-py36-pip.lock
TEST_TOOLS36 := "pytest>=7,<7.1" "responses>=0.17,<0.18" "pytest-xdist>=2.5,<2.6"
# The same for a supported CPython (README "Moving a server from Python 3.6 to 3.12"): make lock312 writes both files.
PY312 ?= $(HOME)/.pyenv/versions/3.12.1/bin/python3
VENV312 ?= .venv312
LOCK312 := requirements-py312.lock
PIP_LOCK312 := requirements-py312-pip.lock
TEST_TOOLS312 := "pytest>=8,<9" "responses>=0.25,<1" "pytest-xdist>=3.2,<4"
# CycloneDX SBOMs of the production locks (make sbom; docs/security.md says where and why). cyclonedx-bom lives in a
# venv of its own: it brings jsonschema's format checkers (rfc3987-syntax builds a grammar on import, about 0.5 s),
# which production never installs, and every script the tests start would pay for them in the test venv.
SBOM_DIR := var/sbom
VENV_SBOM := .venv-sbom
PYTEST_ARGS ?=
# Parallel tests (pytest-xdist): each worker is its own pytest process with its own PostgreSQL cluster, sandbox
# ports and tmp dirs; two workers per core: most of a test's time is spent waiting (the Box pacer's budget, retry
# back-offs, deadlines, a script starting), so with one worker per core the cores were half idle (make test used
# about 1 CPU-second per wall-second on 2 cores). TEST_WORKERS=0 runs everything in one process. --maxschedchunk=1
# hands each worker its next test when it is free, and the tests marked slow come first, so no worker starts a long
# one last.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
PARALLEL = -n $(TEST_WORKERS) $(if $(filter 0,$(TEST_WORKERS)),,--maxschedchunk=1)

.PHONY: venv venv36 venv312 lock lock312 test-py312 sbom security-report pg-binaries chromium test test-py36 lint demo sandbox reliability bench preview clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

$(VENV_SBOM)/.installed: requirements-sbom.txt
	$(PYTHON) -m venv $(VENV_SBOM)
	$(VENV_SBOM)/bin/pip install -q --upgrade pip
	$(VENV_SBOM)/bin/pip install -q -r requirements-sbom.txt
	touch $@

# PostgreSQL server binaries for the embedded database (tests, demo); installed from Debian's packages if missing.
pg-binaries:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { echo "Installing PostgreSQL server binaries (apt-get)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || \
	    { echo "PostgreSQL binaries missing and apt-get failed: install postgresql, or set TEST_DB_HOST"; exit 1; }; }

# Headless Chromium for the email browser test and the preview screenshots; installed from Debian's packages if
# missing (CHROMIUM=/path/to/chromium uses another build).
chromium:
	@test -n "$(CHROMIUM)" || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "Installing Chromium (apt-get)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    { echo "Chromium missing and apt-get failed: install the 'chromium' package, or set CHROMIUM=/path"; exit 1; }; }

test: venv $(VENV_SBOM)/.installed pg-binaries chromium
	$(VENV)/bin/pytest -q $(PARALLEL) --durations=20 $(PYTEST_ARGS)

# Exactly what production installs (README "Production", DEPLOYMENT_GUIDE step 2): a fresh venv, pip upgraded first
# from its own hashed lock (the bundled pip 18.1 cannot read manylinux2014 wheels), then the lock from wheels only;
# the 3.6 test tools come last and --check proves they changed no locked version.
# locked_venv(python, venv, pip lock, lock, test tools): the production install steps, the same for every lock.
define locked_venv
	@test -x $(1) || { echo "Python not found at $(1) (set PY36=... or PY312=...)"; exit 1; }
	rm -rf $(2)
	$(1) -m venv $(2)
	$(2)/bin/python -m pip install -q --only-binary=:all: --require-hashes -r $(3)
	$(2)/bin/python -m pip install -q --only-binary=:all: --require-hashes -r $(4)
	$(2)/bin/python -m pip install -q --only-binary=:all: $(5)
	$(2)/bin/python tools/lock.py --check $(4)
	touch $(2)/.installed
endef

$(VENV36)/.installed: $(LOCK36) $(PIP_LOCK36)
	$(call locked_venv,$(PY36),$(VENV36),$(PIP_LOCK36),$(LOCK36),$(TEST_TOOLS36))

venv36: $(VENV36)/.installed

# Re-resolve requirements.txt for production on CPython 3.6 (needs PY36 and PyPI); commit both lock files.
lock:
	$(PYTHON) tools/lock.py --target 3.6 --python $(PY36)

# Re-resolve requirements.txt for production on CPython 3.12 (needs PY312 and PyPI); commit both lock files, then
# make security-report (it fails until every new version has its advisories assessed in tools/advisories.yaml).
lock312:
	$(PYTHON) tools/lock.py --target 3.12 --python $(PY312)

# The 3.12 production install, step for step as on 3.6: pip from its lock, the lock from hashed wheels, test tools,
# then --check proves the test tools changed no locked version.
$(VENV312)/.installed: $(LOCK312) $(PIP_LOCK312)
	$(call locked_venv,$(PY312),$(VENV312),$(PIP_LOCK312),$(LOCK312),$(TEST_TOOLS312))

venv312: $(VENV312)/.installed

# Runtime code on CPython 3.12 from its production lock: unit tests under 3.12, end-to-end tests running the real
# scripts under 3.12 (PRODUCT_PYTHON), exactly as test-py36 does for 3.6.
test-py312: venv venv312 pg-binaries
	$(VENV312)/bin/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) tests/unit
	PRODUCT_PYTHON=$(abspath $(VENV312))/bin/python $(VENV)/bin/pytest -q $(PARALLEL) tests/e2e

# docs/security.md from the locks and tools/advisories.yaml; fails when a locked version has no assessment.
security-report: venv
	$(VENV)/bin/python tools/security_report.py

# A CycloneDX SBOM of each production lock (cyclonedx-py, from the hashed pins: names, versions, sha256, PURLs).
sbom: $(VENV_SBOM)/.installed
	@mkdir -p $(SBOM_DIR)
	$(VENV_SBOM)/bin/cyclonedx-py requirements --of JSON --sv 1.6 --output-reproducible -o $(SBOM_DIR)/requirements-py36.cdx.json $(LOCK36)
	$(VENV_SBOM)/bin/cyclonedx-py requirements --of JSON --sv 1.6 --output-reproducible -o $(SBOM_DIR)/requirements-py312.cdx.json $(LOCK312)
	@echo "sbom: $(SBOM_DIR)/requirements-py36.cdx.json, $(SBOM_DIR)/requirements-py312.cdx.json"

# Runtime code on CPython 3.6: unit tests run under 3.6; end-to-end tests run the real scripts under 3.6
# (PRODUCT_PYTHON) while the harness (sandbox servers, embedded PostgreSQL) stays on the main Python.
test-py36: venv venv36 pg-binaries
	$(VENV36)/bin/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) tests/unit
	PRODUCT_PYTHON=$(abspath $(VENV36))/bin/python $(VENV)/bin/pytest -q $(PARALLEL) tests/e2e

demo: venv pg-binaries
	$(VENV)/bin/python -m sandbox.demo

sandbox: venv pg-binaries
	$(VENV)/bin/python -m sandbox.run

# The whole reliability suite with every crash point (make test runs a spread sample of them).
reliability: venv pg-binaries
	RELIABILITY_FULL=1 $(VENV)/bin/pytest -q $(PARALLEL) --durations=20 tests/reliability

bench: venv pg-binaries
	$(VENV)/bin/python -m bench.run

# Every email with sample data: var/email-preview/<template>.html/.txt, index.html, and screenshots/<template>-375.png
# (phone), -720.png (desktop), -375-dark.png (phone in dark mode).
preview: venv chromium
	$(VENV)/bin/python scripts/preview_emails.py --out var/email-preview --screenshots

lint: venv
	$(VENV)/bin/ruff check scripts sandbox tests tools
	$(VENV)/bin/vermin -q --no-tips --violations --target=3.6- --exclude-regex '(sandbox|tests|bench)' scripts
	@# bandit: every check at every severity, no skips; a finding is fixed or justified in place (# nosec BXXX + why)
	$(VENV)/bin/bandit -q -r scripts
	@echo "lint: ruff, vermin (Python 3.6 target) and bandit clean"

clean:
	rm -rf $(VENV) $(VENV36) $(VENV312) var temp .pytest_cache
