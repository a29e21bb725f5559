#!/usr/bin/env bash
# Fuzzes RunnerHTTP's request decoder with libFuzzer (and AddressSanitizer) for $1 seconds (default 300).
# The corpus starts from a few valid requests and grows under .build/fuzz-corpus (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
out=.build/fuzz-http-decoder
corpus=.build/fuzz-corpus
mkdir -p "$corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name RunnerHTTP \
    Sources/RunnerHTTP/*.swift Fuzz/HTTPDecoderFuzzTarget.swift -o "$out"
if [ -z "$(ls -A "$corpus")" ]; then
    printf '\x00POST /run HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nX-Timeout-Ms: 5\r\n\r\n{}' > "$corpus/post"
    printf '\x03POST /run HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\n{}\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.0\r\n\r\n' > "$corpus/chunked"
    printf '\x05GET /healthz HTTP/1.1\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n' > "$corpus/get"
fi
"$out" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$corpus"
