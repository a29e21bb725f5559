#!/usr/bin/env bash
# `make demo`: the main job, end to end, with the `pylambda` that `make build` made:
#   1. `pylambda run examples/echo.py` twice: cold (a new hardened container), then warm (the same
#      container, found again by another process);
#   2. `pylambda serve` on a scratch state directory: deploy examples/fibonacci.py as `fib`, invoke it
#      with curl and a bearer key, then stop the service, which removes its containers.
set -euo pipefail
cd "$(dirname "$0")/.."
pylambda="$(swift build --show-bin-path)/pylambda"
test -x "$pylambda" || { echo "demo: $pylambda is missing; run make demo" >&2; exit 1; }
milliseconds() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "\$ pylambda run examples/echo.py --data '{\"msg\": \"hello\"}'"
start=$(date +%s%N)
"$pylambda" run examples/echo.py --data '{"msg": "hello"}'
echo "  (cold: $(milliseconds "$start") ms, a new container)"
start=$(date +%s%N)
"$pylambda" run examples/echo.py --data '{"msg": "hello again"}'
echo "  (warm: $(milliseconds "$start") ms, the same container, reused by another process)"
echo
echo "\$ pylambda ps"
"$pylambda" ps
echo "(it removes itself after 5 idle minutes; \`pylambda gc\` removes it now)"

state="$(mktemp -d /tmp/pylambda-demo.XXXXXX)"
port=$(( 20000 + RANDOM % 20000 ))
serve_pid=""
finish() {
    if [[ -n "$serve_pid" ]]; then kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true; fi
    rm -rf "$state"
}
trap finish EXIT

echo
echo "\$ pylambda serve --state $state --port $port --warm-pool 1 &"
"$pylambda" serve --state "$state" --port "$port" --warm-pool 1 --log-level warning &
serve_pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
export PYLAMBDA_SERVER="http://127.0.0.1:$port"
echo "\$ pylambda deploy fib examples/fibonacci.py --state $state"
"$pylambda" deploy fib examples/fibonacci.py --state "$state"
key="$(cat "$state/admin.key")"
echo "\$ curl -H \"Authorization: Bearer \$KEY\" 127.0.0.1:$port/v1/functions/fib/invoke -d '{\"n\": 10}'"
curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/functions/fib/invoke" -d '{"n": 10}'
echo
echo "\$ pylambda functions --state $state"
"$pylambda" functions --state "$state"
echo
echo "(stopping serve: SIGTERM finishes calls in flight, then removes its containers)"
