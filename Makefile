# PyLambda. On a fresh machine: `make demo` runs a function end to end, `make test` passes the tests.
SHELL := /bin/bash
RUNNER_IMAGE ?= pylambda-runner:latest
BASE_IMAGE ?= pylambda-base:bookworm
export RUNNER_IMAGE BASE_IMAGE

.PHONY: help deps build image demo test bench clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

deps: ## Install Debian packages (docker.io, debootstrap, libpython3.11-dev), start dockerd, install the Python tools (uv, boto3, awscli, schemathesis)
	@scripts/ensure-docker.sh
	@scripts/python-tools.sh

build: deps ## Build the pylambda CLI (.build/debug/pylambda; make bench builds its own release one)
	swift build --product pylambda

image: deps ## Build the runner image (pylambda-runner:latest) from the Dockerfile, offline
	@runner-image/build.sh

demo: image build ## pylambda run examples/echo.py (cold, then warm), then pylambda serve: deploy fib, invoke it with curl
	@scripts/demo.sh

test: image ## Everything, against a real dockerd and PostgreSQL (fails, not skips, when either is missing)
	@scripts/lint-python.sh
	python3 scripts/openapi.py --check
	swift build --build-tests
	@scripts/check-no-leaks.sh record
	PYLAMBDA_REQUIRE_DOCKER=1 PYLAMBDA_REQUIRE_POSTGRES=1 scripts/postgres-test-server.sh run swift test --skip-build
	@scripts/schemathesis.sh
	@scripts/check-no-leaks.sh check

bench: image ## Runner vs FastAPI and nginx (one CPU each), gVisor, dispatcher, CLI, serve, deps, boto3; writes bench/results/
	@bench/run.sh

clean: ## Remove build products and every container PyLambda manages
	-docker ps -aq --filter label=pylambda.managed=true | xargs -r docker rm -f
	rm -rf .build runner-image/bin/swift-runner .bench
