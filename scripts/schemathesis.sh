#!/usr/bin/env bash
# Property-based tests of `pylambda serve` against its own OpenAPI document: schemathesis generates
# requests from the document (valid and invalid ones) and checks every answer against it. Any 5xx
# fails the run: the function it may call (`echo`) never raises, so a server error would be ours.
#   scripts/schemathesis.sh [PYLAMBDA]      (default .build/debug/pylambda)
set -euo pipefail
cd "$(dirname "$0")/.."
pylambda="${1:-.build/debug/pylambda}"
command -v schemathesis >/dev/null || python3 -m pip install -q schemathesis 2>/dev/null
python3 -c "import openapi_spec_validator" 2>/dev/null || python3 -m pip install -q openapi-spec-validator 2>/dev/null

document=Sources/FunctionService/Resources/openapi.json
python3 scripts/openapi.py --check
python3 -c "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))" "$document"
echo "openapi.json is a valid OpenAPI 3.1 document"

state="$(mktemp -d /tmp/pylambda-schemathesis.XXXXXX)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="schemathesis-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
PYLAMBDA_ADMIN_KEY="$key" "$pylambda" serve --state "$state/state" --port "$port" --warm-pool 2 --log-level warning \
    >"$state/serve.log" 2>&1 &
serve=$!
stop() {
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
    rm -rf "$state"
}
trap stop EXIT
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
curl -sf -X PUT -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/functions/echo" \
    -d '{"code": "def entrypoint(data):\n    return data\n"}' >/dev/null

status=0
schemathesis run "$document" --url "http://127.0.0.1:$port" -H "Authorization: Bearer $key" \
    --checks all --exclude-checks positive_data_acceptance --max-examples 25 --workers 4 --max-time 120 \
    --phases examples,fuzzing \
    --suppress-health-check all || status=$?
if ((status != 0)); then
    echo "schemathesis failed; serve's log:" >&2
    tail -40 "$state/serve.log" >&2
fi
exit $status
