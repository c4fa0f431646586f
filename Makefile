# The two commands of the README's quick start, and the pieces they are made of.
UV := ./scripts/uv.sh

.PHONY: run test sync lint audit pytest bench

## Install everything and start console + API on the embedded defaults.
run: sync
	$(UV) run --frozen tether serve

## Install what the tests need (Python packages, Debian services) and run the whole suite.
test: sync
	./scripts/install-test-services.sh
	$(MAKE) lint audit pytest

sync:
	$(UV) sync --frozen --all-extras

lint:
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen mypy

## Known vulnerabilities in the locked dependencies (pip-audit); TETHER_AUDIT_REQUIRED=1 makes
## an unreachable vulnerability service a failure too.
audit:
	$(UV) run --frozen python scripts/audit_dependencies.py

pytest:
	$(UV) run --frozen pytest

## Discovery of a 200-account synthetic Organization against the limit model and c7n-org
## (docs/performance.md); about an hour. BENCH_ARGS=--quick for a smoke run.
bench: sync
	./scripts/install-test-services.sh
	$(UV) sync --frozen --project bench/c7n
	$(UV) run --frozen python -m bench $(BENCH_ARGS)
