#!/usr/bin/env bash
# Compiles the runner's Python support modules (Sources/RunnerServer/Python) with python3 -m py_compile,
# without writing .pyc files into the tree. For `make test` (or CI) to call before the suites.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for file in Sources/RunnerServer/Python/*.py; do
    python3 - "$file" <<'PY' || status=1
import py_compile, sys
try:
    py_compile.compile(sys.argv[1], cfile="/dev/null", doraise=True)
except py_compile.PyCompileError as error:
    print(error.msg, file=sys.stderr)
    sys.exit(1)
PY
done
[ "$status" -eq 0 ] && echo "python: $(ls Sources/RunnerServer/Python/*.py | wc -l) support modules compile"
exit "$status"
