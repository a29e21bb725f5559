#!/usr/bin/env bash
# No container that the tests started may be left behind.
#   check-no-leaks.sh record   before the tests: remember the containers that already exist
#   check-no-leaks.sh check    after them: fail (and clean up) if any new one is left
# Containers a developer left warm on purpose (`pylambda run`) before the tests are not counted.
set -euo pipefail
before=".build/pylambda-containers-before-tests"
list() {
    { docker ps -aq --no-trunc --filter label=pylambda.managed=true; docker ps -aq --no-trunc --filter label=pylambda.test; } | sort -u
}
case "${1:-check}" in
record)
    mkdir -p .build
    list > "$before"
    ;;
check)
    touch "$before"
    leaked="$(list | comm -23 - "$before")"
    if [[ -n "$leaked" ]]; then
        echo "FAIL: containers left behind after the tests:" >&2
        for id in $leaked; do
            docker inspect -f '{{.Name}} {{.State.Status}} {{index .Config.Labels "pylambda.code-hash"}}{{index .Config.Labels "pylambda.test"}}' "$id" >&2 || true
        done
        echo "$leaked" | xargs -r docker rm -f >/dev/null
        exit 1
    fi
    echo "no containers left behind"
    ;;
*)
    echo "usage: $0 record|check" >&2
    exit 2
    ;;
esac
