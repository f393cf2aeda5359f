# The two commands of the README:
#   make lab    set everything up (.venv) and open JupyterLab on student/01_sigmoid.ipynb (127.0.0.1, with a token),
#               as a student sees it: the exercises to do, without nbgrader's instructor panels
#               (`backprop-lab lab`, backprop_lab/cli.py)
#   make test   set everything up and run every test: ruff, unit tests, nbval over notebooks/, browser tests
# make lab-solutions opens the reference notebooks/; make lab-instructor adds nbgrader's instructor panels.
# Only python3 (3.11+) is needed beforehand; the virtual environment is created here.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# JupyterLab's application settings directory inside the venv: defaults for this environment only.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
PORT   ?= 8888

.PHONY: setup lab lab-solutions lab-instructor lint test unit notebooks execute student bench clean

setup: $(STAMP) $(LAB_SETTINGS)

$(STAMP): pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[lab,test,instructor]"
	touch $(STAMP)

# No "get notified about Jupyter news?" pop-up (lab-settings/README.md); never written to the home directory.
$(LAB_SETTINGS): lab-settings/overrides.json $(STAMP)
	mkdir -p $(dir $@)
	cp lab-settings/overrides.json $@

# `backprop-lab lab DIR` serves DIR on 127.0.0.1 with a token, opens notebook 1, adds --allow-root as root.
# make lab: the student version in student/ (the exercises to do), written on first use and never over
# a notebook already there; make lab-solutions: the reference in notebooks/ (every exercise solved);
# make lab-instructor: the reference with nbgrader's instructor panels.
lab: setup
	$(VENV)/bin/backprop-lab lab student --port $(PORT)

lab-solutions: setup
	$(VENV)/bin/backprop-lab lab notebooks --solutions --port $(PORT)

lab-instructor: setup
	$(VENV)/bin/backprop-lab lab notebooks --solutions --port $(PORT) --instructor

# ruff (settings in pyproject.toml): the package, tests, tools, benchmarks and the notebooks.
lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest

unit: setup
	$(PY) -m pytest tests

notebooks: setup
	$(PY) -m pytest notebooks

# Re-run every notebook in a fresh kernel and store the outputs (after changing the package).
execute: setup
	$(PY) tools/execute_notebooks.py

# The student version (student/), made by nbgrader's generate_assignment in a course built in build/course:
# solutions replaced by a placeholder, hidden tests and outputs removed (README, "For instructors").
# A notebook already in student/ is a student's work and is kept; FORCE=1 replaces them.
student: setup
	$(PY) tools/nbgrader_course.py release student $(if $(FORCE),--force,)

bench: setup
	$(PY) benchmarks/bench.py

# Never student/: make lab keeps a student's work there.
clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
