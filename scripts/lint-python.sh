#!/usr/bin/env bash
# Compiles the runner's Python support modules (Sources/RunnerServer/Python) with `python3 -m
# py_compile`, writing the .pyc files to a temporary directory rather than into the tree. For
# `make test` (or CI) to call before the suites.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
PYTHONPYCACHEPREFIX="$cache" python3 -m py_compile Sources/RunnerServer/Python/*.py
echo "python: $(ls Sources/RunnerServer/Python/*.py | wc -l) support modules compile"
