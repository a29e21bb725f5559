#!/usr/bin/env bash
# `make demo`: runs examples/echo.py in a hardened runner container through the pylambda CLI, twice:
# cold (a new container), then warm (the same container, found again by its code hash).
set -euo pipefail
cd "$(dirname "$0")/.."
pylambda="$(swift build --show-bin-path)/pylambda"

echo "\$ pylambda run examples/echo.py --data '{\"msg\": \"hello\"}'"
start=$(date +%s%N)
"$pylambda" run examples/echo.py --data '{"msg": "hello"}'
echo "  (cold: $(( ($(date +%s%N) - start) / 1000000 )) ms, a new container)"

start=$(date +%s%N)
"$pylambda" run examples/echo.py --data '{"msg": "hello again"}'
echo "  (warm: $(( ($(date +%s%N) - start) / 1000000 )) ms, the same container, reused across processes)"

echo
echo "\$ pylambda ps"
"$pylambda" ps
echo
echo "The container removes itself after 5 idle minutes; \`pylambda gc\` removes it now."
