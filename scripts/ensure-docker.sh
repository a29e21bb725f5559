#!/usr/bin/env bash
# Makes this machine ready to build and test PyLambda: Debian packages, then a running dockerd.
# Idempotent: installs only what is missing and starts dockerd only if no daemon answers.
set -euo pipefail

packages=(docker.io debootstrap libpython3.11-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "==> installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    exit 0
fi
echo "==> starting dockerd (log: /var/log/pylambda-dockerd.log)"
nohup dockerd >/var/log/pylambda-dockerd.log 2>&1 &
for _ in $(seq 1 150); do
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
        exit 0
    fi
    sleep 0.2
done
echo "dockerd did not come up in 30 s; see /var/log/pylambda-dockerd.log" >&2
tail -20 /var/log/pylambda-dockerd.log >&2 || true
exit 1
