#!/usr/bin/env bash
# Makes the local base image (BASE_IMAGE) where no registry can be pulled from: Debian bookworm from
# debootstrap, with the runner's two packages, imported into Docker. Cached by tag.
set -euo pipefail
image="${1:-pylambda-base:bookworm}"
if docker image inspect "$image" >/dev/null 2>&1; then
    exit 0
fi
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
root="$(mktemp -d /tmp/pylambda-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "==> debootstrap bookworm into $root (about 30 s)"
debootstrap --variant=minbase --include=libpython3.11,python3.11-minimal bookworm "$root" "$mirror" >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import - "$image" >/dev/null
echo "==> imported $image"
