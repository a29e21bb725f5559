#!/usr/bin/env bash
# After the tests: no container that PyLambda or its tests started may be left behind.
set -euo pipefail
leaked="$(docker ps -aq --filter label=pylambda.managed=true; docker ps -aq --filter label=pylambda.test)"
if [[ -n "$leaked" ]]; then
    echo "FAIL: containers left behind after the tests:" >&2
    docker ps -a --filter label=pylambda.managed=true --filter label=pylambda.test >&2
    echo "$leaked" | xargs -r docker rm -f >/dev/null
    exit 1
fi
echo "no containers left behind"
