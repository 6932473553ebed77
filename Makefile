# Tasks: make run | make test | make build | make bench | make doctor
PY ?= python3

.PHONY: setup setup-dev build run test bench doctor
setup:
	bash scripts/setup.sh
setup-dev:
	bash scripts/setup.sh --dev
build: setup
	$(PY) -m sna build
run: build
	$(PY) -m streamlit run app.py --server.address 0.0.0.0 --server.port 8501 --browser.gatherUsageStats false
test: setup-dev
	$(PY) -m pytest -q
bench: setup-dev
	$(PY) bench/bench_build.py
	$(PY) bench/bench_explorer.py
	$(PY) bench/bench_priority.py
doctor:
	$(PY) -m sna doctor
