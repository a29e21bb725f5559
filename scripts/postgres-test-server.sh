#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: its own data directory and Unix socket in one temporary
# directory, trust authentication, no TCP port (so no clash with any other server), fsync off.
# Installs Debian's `postgresql` quietly if it is missing (as root). Idempotent.
#
#   postgres-test-server.sh start [DIR]   start a server in DIR (or find it running); print its URL
#   postgres-test-server.sh url [DIR]     print the URL of the server running in DIR
#   postgres-test-server.sh stop [DIR]    stop it and remove DIR; nothing to do is not an error
#   postgres-test-server.sh run CMD...    start one in a new directory, run CMD with
#                                         PYLAMBDA_TEST_POSTGRES_URL set, then stop and remove it,
#                                         also when CMD fails or is interrupted; exits with CMD's status
#
# DIR defaults to $PYLAMBDA_TEST_POSTGRES_DIR, else a directory under /tmp named after this checkout,
# so that worktrees on one machine do not share a server. The URL looks like
#   postgres://pylambda@/pylambda?host=/tmp/pylambda-test-postgres-1a2b3c4d5e6f
set -euo pipefail

marker=".pylambda-test-postgres"
repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_dir="${PYLAMBDA_TEST_POSTGRES_DIR:-/tmp/pylambda-test-postgres-$(printf '%s' "$repository" | sha256sum | cut -c1-12)}"

die() {
    echo "postgres-test-server: $*" >&2
    exit 1
}

# Debian keeps the server binaries out of PATH, one directory per major version.
find_bin() {
    local candidates
    candidates="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [[ -n "$candidates" && -x "$candidates/initdb" ]] && echo "$candidates"
}

ensure_installed() {
    bin="$(find_bin || true)"
    [[ -n "$bin" ]] && return
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed; run as root, or: apt-get install postgresql"
    echo "postgres-test-server: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }
    bin="$(find_bin || true)"
    [[ -n "$bin" ]] || die "postgresql was installed but no /usr/lib/postgresql/*/bin/initdb was found"
}

# initdb and pg_ctl refuse root: as root, the server runs as `postgres` (Debian's package creates it),
# else `nobody`; otherwise as the calling user.
as_server_user() {
    if [[ "$(id -u)" == 0 ]]; then
        local user=postgres
        id -u postgres >/dev/null 2>&1 || user=nobody
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

server_user() {
    if [[ "$(id -u)" != 0 ]]; then id -un; elif id -u postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

url_of() {
    echo "postgres://pylambda@/pylambda?host=$1"
}

is_running() {
    [[ -f "$1/$marker" && -f "$1/data/postmaster.pid" ]] && as_server_user "$bin/pg_ctl" status -D "$1/data" >/dev/null 2>&1
}

# Removes DIR only if this script made it: a wrong argument must never delete anything else.
remove_dir() {
    local dir="$1"
    [[ -e "$dir" ]] || return 0
    [[ -f "$dir/$marker" ]] || die "$dir exists but was not made by this script; not touching it"
    rm -rf -- "$dir"
}

start() {
    local dir="$1"
    ensure_installed
    if is_running "$dir"; then
        url_of "$dir"
        return
    fi
    # Left over from a killed run (or a reboot): start again from nothing.
    if [[ -e "$dir" ]]; then
        [[ -f "$dir/data/postmaster.pid" ]] && as_server_user "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
        remove_dir "$dir"
    fi
    mkdir -m 0700 -p "$dir"
    touch "$dir/$marker"
    chown -R "$(server_user)" "$dir"
    as_server_user "$bin/initdb" -D "$dir/data" -U pylambda -A trust -E UTF8 --locale=C --no-sync --no-instructions \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    as_server_user "$bin/pg_ctl" start -D "$dir/data" -w -t 60 -l "$dir/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >/dev/null || { tail -20 "$dir/server.log" >&2; die "the server did not start"; }
    as_server_user "$bin/createdb" -h "$dir" -U pylambda pylambda
    url_of "$dir"
}

stop() {
    local dir="$1"
    [[ -e "$dir" ]] || return 0
    [[ -f "$dir/$marker" ]] || die "$dir was not made by this script; not touching it"
    bin="$(find_bin || true)"
    if [[ -n "$bin" && -f "$dir/data/postmaster.pid" ]]; then
        as_server_user "$bin/pg_ctl" stop -D "$dir/data" -m immediate -w >/dev/null 2>&1 || true
    fi
    remove_dir "$dir"
}

command="${1:-}"
shift || true
case "$command" in
start)
    start "${1:-$default_dir}"
    ;;
url)
    dir="${1:-$default_dir}"
    bin="$(find_bin || true)"
    [[ -n "$bin" ]] && is_running "$dir" || die "no server runs in $dir; use: $0 start"
    url_of "$dir"
    ;;
stop)
    stop "${1:-$default_dir}"
    ;;
run)
    (($#)) || die "usage: $0 run COMMAND [ARGUMENT...]"
    dir="$(mktemp -d /tmp/pylambda-test-postgres.XXXXXX)"
    touch "$dir/$marker"
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    url="$(start "$dir")"
    echo "postgres-test-server: $url" >&2
    # In the background so that a signal reaches the traps at once (bash runs traps only between
    # commands); it is passed on to the command, whose end is then waited for.
    PYLAMBDA_TEST_POSTGRES_URL="$url" "$@" <&0 &
    child=$!
    trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
    status=0
    wait "$child" || status=$?
    while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
    exit "$status"
    ;;
*)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
