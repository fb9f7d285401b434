# Station: `make run` serves the demo, `make test` runs the whole suite (see README.md).
SHELL := /bin/bash
BIN := .venv/bin
export STATION_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test install install-test models migrate seed lint i18n bench bench-full clean

install:
	@scripts/install.sh run

install-test:
	@scripts/install.sh test

models: install
	@$(BIN)/station models install

migrate: install
	@$(BIN)/station db upgrade

seed: migrate models
	@$(BIN)/station demo seed

run: seed
	@echo "==> Station: http://$${STATION_HOST:-127.0.0.1}:$${STATION_PORT:-8080}/"
	@echo "    logins: admin, editor, translator, vtv4 (partner); password laichau2026"
	@$(BIN)/station run

test: install-test
	@$(BIN)/station models install
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	@$(BIN)/ruff check .

# New messages of the code and templates into the .po catalogues, untranslated (docs/i18n.md).
i18n: install-test
	@$(BIN)/python -m station.i18n_extract

# Each benchmark in its quick mode; `make bench-full` runs their long defaults (over an hour).
# The Vietnamese speech benchmark needs the dev-speech set: STATION_DEV_SPEECH=DIR (benchmarks/README.md).
bench: install-test
	@$(BIN)/station models install
	@for b in benchmarks/[a-z]*.py; do \
	  case $$b in \
	    *ingest.py) args="--minutes 1 --repeat 1";; \
	    *delivery.py) args="--minutes 1 --repeat 1 --size-gb 0.2";; \
	    *vietnamese.py) if [ -z "$(STATION_DEV_SPEECH)" ]; then \
	        echo "==> $$b skipped: set STATION_DEV_SPEECH to the dev-speech folder"; continue; fi; \
	      args="--quick --speech $(STATION_DEV_SPEECH)";; \
	    *) args="--quick";; \
	  esac; \
	  echo "==> $$b $$args"; $(BIN)/python $$b $$args || exit 1; \
	done

bench-full: install-test
	@$(BIN)/station models install
	@for b in benchmarks/[a-z]*.py; do args=""; \
	  case $$b in *vietnamese.py) if [ -z "$(STATION_DEV_SPEECH)" ]; then \
	    echo "==> $$b skipped: set STATION_DEV_SPEECH"; continue; fi; \
	    args="--speech $(STATION_DEV_SPEECH)";; esac; \
	  echo "==> $$b"; $(BIN)/python $$b $$args || exit 1; done

clean:
	rm -rf .venv .pytest_cache test-output
