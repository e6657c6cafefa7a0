# Two commands on a fresh machine: `make serve` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: serve demo test install clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/proscribe serve --demo

demo: $(STAMP)
	$(VENV)/bin/proscribe demo

test: $(STAMP)
	bash scripts/test.sh

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
