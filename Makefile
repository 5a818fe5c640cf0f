# notesbot: every target CI and the README use. `make chat` and `make test` are the two set-up commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On a machine without a local CPU wheel of torch, keep the download CPU-only:
#   make chat TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
TORCH := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test chat ask test lint eval eval-scifact bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	touch $@

install: $(VENV)/.torch
	$(BIN)/pip install -e .

install-test: $(VENV)/.torch
	$(BIN)/pip install -e ".[test]"
	bash .ci/install-browser

chat: install
	$(BIN)/notesbot chat

ask: install
	$(BIN)/notesbot ask "why did Mao launch the Great Leap Forward?"

test: install-test
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check src tests eval benchmarks
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

# The known questions through the regression gate (CI): exits 1 when a metric falls below eval/baseline.json
# beyond its bootstrap noise. Reports go to eval/results/.
eval: install
	$(BIN)/notesbot eval

# SciFact test (BEIR) with intervals; the first run embeds 5,183 abstracts (minutes), later runs reuse the cache.
SCIFACT ?= ../shared/datasets/scifact
eval-scifact: install
	$(BIN)/notesbot eval --beir $(SCIFACT) --mode hybrid --mode dense --mode bm25

# Issue 6's benchmarks: writes BENCHMARKS.md and benchmarks/latency.png (about an hour on 2 cores, caches in
# benchmarks/results/ make reruns faster); bench-quick takes minutes and skips the SciFact build.
bench: install
	$(BIN)/python benchmarks/run.py

bench-quick: install
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) index/manifest.json index/data-* eval/results benchmarks/results
