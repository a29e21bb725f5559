#!/usr/bin/env bash
# Makes this machine ready to build and test PyLambda: Debian packages, gVisor registered with dockerd,
# then a running dockerd. Idempotent: installs only what is missing, touches daemon.json only when the
# runsc entry is missing or different, and starts dockerd only if no daemon answers.
set -euo pipefail

packages=(docker.io debootstrap libpython3.11-dev pkg-config runsc python3)
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

# gVisor for `--runtime runsc`. The runtime args let the host reach a Unix socket created inside the
# sandbox (--host-uds=create) and keep gVisor's own network stack out (--network=none).
daemon_json=/etc/docker/daemon.json
changed=$(python3 - "$daemon_json" <<'PY'
import json, os, sys
path = sys.argv[1]
config = {}
if os.path.exists(path):
    with open(path) as f:
        text = f.read().strip()
    config = json.loads(text) if text else {}
wanted = {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none", "--host-uds=create"]}
if config.get("runtimes", {}).get("runsc") == wanted:
    print("no")
else:
    config.setdefault("runtimes", {})["runsc"] = wanted
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(config, f, indent=2)
    os.replace(path + ".tmp", path)
    print("yes")
PY
)

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    if [[ "$changed" == yes ]]; then
        # Runtimes are among the settings dockerd reloads on SIGHUP: no restart, no container lost.
        echo "==> registering runsc with the running dockerd (SIGHUP)"
        pkill -HUP -x dockerd || true
        for _ in $(seq 1 50); do
            docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q runsc && break
            sleep 0.1
        done
    fi
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
