# Tasks: make run | make test | make build | make bench | make doctor | make serve | make bench-load | make lock
PY ?= python3

.PHONY: setup setup-dev setup-host build run serve test bench bench-load doctor lock
setup:
	bash scripts/setup.sh
setup-dev:
	bash scripts/setup.sh --dev
setup-host:
	bash scripts/setup.sh --host
build: setup
	$(PY) -m sna build
run: build
	$(PY) -m streamlit run app.py --server.address 0.0.0.0 --server.port 8501 --browser.gatherUsageStats false
# The public site: one Streamlit process per core behind nginx on port 8080 (scripts/serve.py --help).
serve: setup-host
	$(PY) scripts/serve.py --port 8080
test: setup-dev
	$(PY) -m pytest -q
bench: setup-dev
	$(PY) bench/bench_build.py
	$(PY) bench/bench_explorer.py
	$(PY) bench/bench_priority.py
bench-load: setup-dev setup-host
	$(PY) bench/bench_load.py
doctor:
	$(PY) -m sna doctor
# Refresh constraints.txt (every indirect dependency at the tested version) after changing a pin.
lock:
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) scripts/lock.py
