#!/usr/bin/env bash
# The container cache at work, from the shell: parallel runs of the same code each get a warm
# container of their own (one call in flight per container), later runs of that code reuse them,
# and new code gets another container.
#   examples/parallel-runs.sh            (pylambda from PATH, else make build's .build/debug/pylambda)
set -euo pipefail
cd "$(dirname "$0")/.."
pylambda="$(command -v pylambda || echo .build/debug/pylambda)"

echo "== 3 parallel runs of fibonacci.py"
for n in 5 10 15; do
    "$pylambda" run examples/fibonacci.py --data "{\"n\": $n}" &
done
wait
"$pylambda" ps

echo "== the same code again: a warm container answers"
time "$pylambda" run examples/fibonacci.py --data '{"n": 20}'

echo "== new code: one more container"
"$pylambda" run examples/payload.py --data '{"list": [1, 2.5, "x"], "flag": true}'
"$pylambda" ps
echo "(they remove themselves after 5 idle minutes; \`$pylambda gc\` removes them now)"
