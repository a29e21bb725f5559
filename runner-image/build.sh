#!/usr/bin/env bash
# `make image`: builds pylambda-runner:latest from the repository's Dockerfile without a registry.
# The binary is built on the host (same flags as the Dockerfile's builder stage) and copied in by the
# runtime-prebuilt target, on top of the local debootstrap base.
set -euo pipefail
cd "$(dirname "$0")/.."
image="${RUNNER_IMAGE:-pylambda-runner:latest}"
base="${BASE_IMAGE:-pylambda-base:bookworm}"

runner-image/build-base.sh "$base"
echo "==> swift build -c release --product swift-runner --static-swift-stdlib"
# (A dependency's manifest warns about its CMakeLists.txt on every build; that noise is filtered out.)
swift build -c release --product swift-runner --static-swift-stdlib 2>&1 \
    | { grep -vE "^warning: 'swift-distributed-tracing'|CMakeLists.txt$" || true; }
binary="$(swift build -c release --show-bin-path)/swift-runner"
test -x "$binary"
install -s "$binary" runner-image/bin/swift-runner
echo "==> docker build --target runtime-prebuilt -t $image"
docker build -q --build-arg BASE_IMAGE="$base" --target runtime-prebuilt -t "$image" . >/dev/null
docker image ls "$image" --format '{{.Repository}}:{{.Tag}} {{.Size}}'
