#!/usr/bin/env bash
# `make bench`: builds the comparison images (offline: PyPI wheels and Debian packages only) and runs
# bench/bench.py, which prints the figures and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
base="${BASE_IMAGE:-pylambda-base:bookworm}"
work=.bench
mkdir -p "$work"

command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

if ! docker image inspect pylambda-bench-fastapi >/dev/null 2>&1; then
    echo "==> FastAPI runner image (wheels from PyPI)"
    rm -rf "$work/fastapi" && cp -r bench/fastapi "$work/fastapi"
    python3 -m pip download -q --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
        -d "$work/wheels" fastapi uvicorn httptools uvloop
    mkdir -p "$work/fastapi/site-packages"
    for wheel in "$work"/wheels/*.whl; do python3 -m zipfile -e "$wheel" "$work/fastapi/site-packages"; done
    docker build -q --build-arg BASE_IMAGE="$base" -t pylambda-bench-fastapi "$work/fastapi" >/dev/null
fi
if ! docker image inspect pylambda-bench-nginx >/dev/null 2>&1; then
    echo "==> nginx image (Debian's nginx-light)"
    docker build -q --network host --build-arg BASE_IMAGE="$base" -t pylambda-bench-nginx bench/nginx >/dev/null
fi
echo "==> swift build -c release --product pylambda"
swift build -c release --product pylambda 2>&1 | { grep -E "error|Compiling|Build" || true; } | tail -1
exec python3 bench/bench.py "$@"
