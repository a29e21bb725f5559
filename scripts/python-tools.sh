#!/usr/bin/env bash
# The Python tools the build and the tests use, from PyPI: uv (installs dependency sets; pip is the
# fallback), boto3 and the AWS CLI (the Lambda API's real clients in the tests), schemathesis and
# openapi-spec-validator (the native API against its document). Idempotent and quiet.
set -euo pipefail

wanted=(uv boto3 awscli schemathesis openapi-spec-validator)
missing=()
for package in "${wanted[@]}"; do
    python3 -m pip show -q "$package" >/dev/null 2>&1 || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "python-tools: installing ${missing[*]}" >&2
# Debian's own python3 refuses a system-wide pip install (PEP 668) unless told.
python3 -m pip install -q --disable-pip-version-check "${missing[@]}" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "${missing[@]}"
command -v uv >/dev/null || echo "python-tools: warning: uv is not on PATH; dependency sets will be installed with pip" >&2
