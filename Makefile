# Two commands on a fresh machine: `make demo` runs the main job, `make test` the tests.
# Each creates the virtual environment in $(VENV) on first use and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Full data sets for the tests that need them (skipped when the folder is absent).
DATA_DIR ?= $(wildcard $(abspath ../shared/datasets))
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test test-tensorflow test-backends test-slow tfds-mnist docs clean

# --no-compile: pip would byte-compile all ~16,000 .py files of TensorFlow, JAX, torch and
# the rest (45 s of CPU); Python compiles the ~4,400 that the tests import on first use (13 s).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -c constraints.txt -e ".[test,jax,torch,video,docs,export]"
	touch $(STAMP)

# The main job: train on digit 0 of the MNIST sample that ships with the package, then evaluate.
# Rerunning resumes from runs/demo's checkpoints (delete the folder to start over).
DEMO := runs/demo
demo: $(STAMP)
	$(VENV)/bin/lsa-keras train --dataset mnist-sample --normal-class 0 --epochs 30 \
		--batch-size 64 --learning-rate 1e-3 --schedule constant --out $(DEMO)
	$(VENV)/bin/lsa-keras evaluate $(DEMO)/model --dataset mnist-sample --normal-class 0 \
		--out $(DEMO)/eval

# All tests under TensorFlow, then the backend-sensitive ones under JAX and PyTorch.
# TensorFlow and JAX run one test file per worker process (pytest-xdist, up to 4): most of a
# test's time is single-threaded tracing and compiling, so two workers use a 2-core machine
# (TensorFlow stage 7m51s in a clean-clone CI run, 16m40s in one process before). PyTorch
# stays in one process, whose exit skips the native teardown that once crashed (conftest.py).
# Files go out longest first (tests/conftest.py's SLOWEST_FIRST), not by number of tests.
# A worker that crashes ends the run at once: pytest-xdist's loadfile scheduling waited for
# ever after restarting one, and CI saw only its time limit.
PARALLEL := -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder --max-worker-restart=0
# The slowest tests of each stage are listed at its end, to keep the suite within its budget.
DURATIONS := --durations=10
test: test-tensorflow test-backends

test-tensorflow: $(STAMP)
	LSA_KERAS_DATA_DIR=$${LSA_KERAS_DATA_DIR:-$(DATA_DIR)} KERAS_BACKEND=tensorflow $(PY) -m pytest -q $(PARALLEL) $(DURATIONS) tests research/tests

# JAX compiles every eager op and initializer once per shape; at XLA:CPU's optimisation level
# 0 each compile is ~4x cheaper (a full MNIST model builds in 20 s instead of 88 s) and the
# stage ~20 % shorter. Results agree with the optimised code to float32 rounding.
JAX_XLA_FLAGS := $${XLA_FLAGS:---xla_backend_optimization_level=0}
test-backends: $(STAMP)
	XLA_FLAGS="$(JAX_XLA_FLAGS)" KERAS_BACKEND=jax $(PY) -m pytest -q -m "backend and not slow" $(PARALLEL) $(DURATIONS)
	KERAS_BACKEND=torch $(PY) -m pytest -q -m "backend and not slow" $(DURATIONS)

# Tests marked slow (minutes each; the default run covers the same code on smaller shapes).
test-slow: $(STAMP)
	KERAS_BACKEND=tensorflow $(PY) -m pytest -q -m slow $(DURATIONS)

# TensorFlow Datasets' own mnist, prepared offline from the original IDX files in
# $(DATA_DIR)/mnist (verified by their uncompressed MD5s) into $(TFDS_DATA_DIR); then
# `lsa-keras train --dataset tfds:mnist --data-dir $(TFDS_DATA_DIR) --no-download ...` reads it.
TFDS_DATA_DIR ?= $(HOME)/tensorflow_datasets
tfds-mnist: $(STAMP)
	$(PY) -m tests.datasets.tfds_mnist $(DATA_DIR)/mnist $(TFDS_DATA_DIR)

# The documentation site (docs/, mkdocs.yml) into site/, offline; warnings are errors.
docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) build dist site *.egg-info
