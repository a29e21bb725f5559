#!/usr/bin/env bash
# `make bench`: installs the load tools if missing (Debian packages), builds the comparison images
# offline (PyPI wheels downloaded on the host, Debian packages), builds the CLI in release, and runs
# bench/bench.py. The images are tagged with a hash of what they are built from, so an edited
# bench/fastapi/ or bench/nginx/ is never measured from a stale image. The serve and boto3 rows also
# need taskset (util-linux) and boto3 for python3 (`make deps` installs it); the deps row needs PyPI.
#
# Environment: BENCH_SECONDS (6), BENCH_ROUNDS (3), BENCH_QUICK=1 (1 s, 1 round: a smoke test),
# BENCH_ONLY (measurement keys, comma-separated), BENCH_LABEL (an extra container label, key=value),
# RUNNER_IMAGE (pylambda-runner:latest), PYLAMBDA (a pylambda binary instead of the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
base="${BASE_IMAGE:-pylambda-base:bookworm}"
work=.bench
mkdir -p "$work"

missing=()
for tool in wrk hyperfine socat; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
    echo "==> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi

docker image inspect "$base" >/dev/null 2>&1 || runner-image/build-base.sh "$base"
base_id="$(docker image inspect --format '{{.Id}}' "$base")"

# docker build, printing its output only when it fails (the legacy builder warns on every build).
quiet_build() {
    local output
    output="$(docker build -q --label pylambda.bench=1 "$@" 2>&1)" || { echo "$output" >&2; return 1; }
}

# The tag of an image built from directory $1 on top of the base image.
inputs_tag() {
    { echo "$base_id"; find "$1" -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-12
}

fastapi_image="pylambda-bench-fastapi:$(inputs_tag bench/fastapi)"
if ! docker image inspect "$fastapi_image" >/dev/null 2>&1; then
    echo "==> $fastapi_image (wheels from PyPI, bench/fastapi/requirements.txt)"
    rm -rf "$work/fastapi" "$work/wheels" && cp -r bench/fastapi "$work/fastapi"
    python3 -m pip download -q --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
        -d "$work/wheels" -r bench/fastapi/requirements.txt
    mkdir -p "$work/fastapi/site-packages"
    for wheel in "$work"/wheels/*.whl; do python3 -m zipfile -e "$wheel" "$work/fastapi/site-packages"; done
    quiet_build --build-arg BASE_IMAGE="$base" -t "$fastapi_image" "$work/fastapi"
fi
nginx_image="pylambda-bench-nginx:$(inputs_tag bench/nginx)"
if ! docker image inspect "$nginx_image" >/dev/null 2>&1; then
    echo "==> $nginx_image (Debian's nginx-light)"
    quiet_build --network host --build-arg BASE_IMAGE="$base" -t "$nginx_image" bench/nginx
fi
export BENCH_FASTAPI_IMAGE="$fastapi_image" BENCH_NGINX_IMAGE="$nginx_image"

if [[ -z "${PYLAMBDA:-}" ]]; then
    # The flags runner-image/build.sh builds swift-runner with, so that the two share one release build.
    echo "==> swift build -c release --product pylambda --static-swift-stdlib"
    swift build -c release --product pylambda --static-swift-stdlib 2>&1 \
        | { grep -vE "^warning: 'swift-distributed-tracing'|CMakeLists.txt$" || true; } | tail -3
    PYLAMBDA="$(swift build -c release --show-bin-path)/pylambda"
    export PYLAMBDA
fi
exec python3 bench/bench.py "$@"
