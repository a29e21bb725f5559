#!/usr/bin/env python3
"""PyLambda's benchmark (`make bench`; bench/run.sh builds what it needs first). Not a test: it measures,
writes bench/results/<date>.json and .svg, and prints the README's tables.

The servers run side by side, each in its own container limited to one CPU, and answer the same echo
function (examples/echo.py) over 127.0.0.1: the runner image; the same runner on gVisor; the proof of
concept's FastAPI runner as it shipped (h11, asyncio) and at its best (httptools, uvloop); nginx
answering a fixed body, the floor of what one core can serve. Then the dispatcher (`pylambda bench
--json`) and the CLI's warm `pylambda run` as a whole process. Then `pylambda serve`'s native HTTP invoke
with a bearer key (one caller, and 16), `pylambda run DIR` of a package with requirements (the first run
installs its dependency set, the next reuses it), and boto3's `lambda.invoke` against serve's AWS
Lambda-compatible API. Everything is measured in alternating rounds after a warm-up, and every figure
and ratio is the median over the rounds (see harness/).

Measurement keys (for BENCH_ONLY): swift-runner, swift-runner-runsc, swift-runner-unix, fastapi-poc,
fastapi-best, nginx, dispatcher, cli-warm-run, serve, deps, boto3.

Environment: BENCH_SECONDS (6), BENCH_ROUNDS (3), BENCH_QUICK=1 (1 s, 1 round), BENCH_ONLY (keys),
BENCH_LABEL (an extra container label), RUNNER_IMAGE, BENCH_FASTAPI_IMAGE, BENCH_NGINX_IMAGE, PYLAMBDA.
"""
import datetime
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from harness import chart, report
from harness.config import Config, ConfigError
from harness.context import PAYLOAD, Context
from harness.docker import Containers
from harness.machine import git_info, machine_info
from harness.measurements import build_measurements
from harness.rounds import medians, run_rounds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = ("docker", "wrk", "socat", "hyperfine", "taskset")

NOTES = [
    "Cold start: `docker run -d` until the first right answer to POST /run (after POST /load for servers "
    "that load code), polled every 2 ms; the median of cold_starts per server per round.",
    "Idle memory: `docker stats` 2 s after 200 sequential calls.",
    "wrk: one thread, POST /run with {\"msg\":\"hello\"} (bench/post.lua), 1 s warm-up before each figure; "
    "any non-2xx response fails the figure.",
    "FastAPI runs with --no-access-log; the PoC logged every request, so this flatters FastAPI.",
    "The gVisor runner has no network (runsc is registered with --network=none): it serves a bind-mounted "
    "Unix socket, and wrk reaches it through socat on 127.0.0.1. The runner on runc is measured through the "
    "same relay (swift-runner-unix) so that the two are comparable; the relay's own cost shows against the "
    "swift-runner row.",
    "The dispatcher figures come from `pylambda bench --json` (release build), which starts its own containers "
    "with the dispatcher's limits, on Unix sockets. 16 concurrent callers: 4000 calls in all (250 each), once the "
    "function's containers (4, the default concurrency) are all started and warm. New code on a warm pool: each "
    "sample once the pool holds an idle generic runner.",
    "serve: a fresh `pylambda serve --warm-pool 0` per round (release build), pinned to one CPU with taskset, "
    "with a new temporary state directory (its admin key in admin.key) on a random free 127.0.0.1 port; echo.py "
    "deployed with {\"concurrency\": 1}, so one runner container (the dispatcher's limits: 1 CPU, 256 MiB, no "
    "network, Unix socket) serves it; an invoke key from `pylambda keys create`; wrk -t1 POSTs {\"msg\":\"hello\"} "
    "to /v1/functions/bench-echo/invoke with the key at 1 connection (p50/p99) and 16 (calls/s). Every call is "
    "also a row in serve's SQLite registry. Then wrk GETs /healthz from the same serve at 1 and 16 connections: its "
    "HTTP server with no key, no function and no registry, the floor under an invoke (and at 16, the ceiling of "
    "its calls/s). Then two pairs: a function deployed with {\"concurrency\": 2} driven at 16 connections, beside "
    "two swift-runner containers of it called directly by two wrk -c8 started together; the functions are echo.py "
    "and bench/functions/busy_echo.py (echo.py after about 2 ms of CPU). wrk is not CPU-limited; on a 2-core "
    "machine serve, its runners and wrk share the cores.",
    "deps: `pylambda run DIR --no-keep-warm` (so both runs start a container) of a package whose requirements are "
    "six==1.16.0 with a `!=0.0.N` clause that excludes no release but makes every pair's set new; timed from process "
    "start to exit. The first run resolves and installs the set, the next finds it by its key. The store's download "
    "cache is shared, so six's wheel may come from it rather than PyPI. Each pair's set is removed afterwards.",
    "boto3: a fresh serve per round (as above); an AWS key from `pylambda keys create --aws`; a function made with "
    "boto3's create_function (lambda_function.py returning its event); after 50 warm-up calls of each client, "
    "boto3_calls sequential `invoke` calls (RequestResponse) from one boto3 client (keep-alive, retries off) and as "
    "many native POST /v1/functions/{name}/invoke calls from http.client on one keep-alive connection, each timed "
    "from before the request to after the body is read; p50/p99 by nearest rank.",
]


def main() -> int:
    try:
        config = Config.from_environment(ROOT)
    except ConfigError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(f"bench: {', '.join(missing)} not found; bench/run.sh installs them (apt)", file=sys.stderr)
        return 2
    uses_pylambda = {"dispatcher", "cli-warm-run", "serve", "deps", "boto3"}
    if not os.access(config.pylambda, os.X_OK) and (config.only is None or config.only & uses_pylambda):
        print(f"bench: no pylambda binary at {config.pylambda}; run bench/run.sh or set PYLAMBDA", file=sys.stderr)
        return 2
    # SIGTERM and SIGHUP unwind like Ctrl-C does, so that the containers are removed; Ctrl-C does so even
    # when the benchmark was started with SIGINT ignored (as a background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, frame: sys.exit(128 + received))

    started = datetime.datetime.now().astimezone()
    run_id = f"{started:%Y%m%dT%H%M%S}-{os.getpid()}"
    scratch = tempfile.mkdtemp(prefix="pylambda-bench-")
    os.chmod(scratch, 0o711)  # the socket directories in it belong to the containers' user
    containers = Containers(run_id, config.extra_labels)
    with open(os.path.join(ROOT, "examples", "echo.py")) as file:
        context = Context(config, containers, file.read(), scratch, run_id)
    measurements = []
    try:
        measurements = build_measurements(context)
        method = {
            "seconds": config.seconds, "rounds": config.rounds, "quick": config.quick,
            "cold_starts": config.cold_starts, "payload": PAYLOAD.decode(), "function": context.function_source,
            "cpus_per_server": 1, "wrk": "wrk -t1 -c1 and -c16, --latency", "boto3_calls": config.boto3_calls,
            "deps_pairs": config.deps_pairs,
            "notes": NOTES,
            "fastapi_requirements": _read(os.path.join(ROOT, "bench", "fastapi", "requirements.txt")),
            "measurements": {measurement.key: measurement.describe() for measurement in measurements},
        }
        rounds = run_rounds(measurements, config.rounds, context.log)
    except (ValueError, RuntimeError, OSError, http.client.HTTPException, subprocess.SubprocessError) as error:
        # Setup that cannot work (a missing image, an unknown BENCH_ONLY key) or a failed warm-up.
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; removing its containers", file=sys.stderr)
        return 130
    except SystemExit:
        print("bench: terminated; removing its containers", file=sys.stderr)
        raise
    finally:
        for measurement in measurements:
            measurement.close()
        containers.remove_all()
        shutil.rmtree(scratch, ignore_errors=True)

    results = {
        "schema": 1, "date": f"{started:%Y-%m-%d}", "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": git_info(ROOT), "machine": machine_info(), "method": method,
        "medians": medians(rounds), "rounds": rounds,
    }
    stem = _free_stem(config.results_dir, f"{started:%Y-%m-%d}" + ("-quick" if config.quick else ""))
    with open(stem + ".json", "w") as file:
        json.dump(results, file, indent=1)
        file.write("\n")
    with open(stem + ".svg", "w") as file:
        file.write(chart.svg(results))
    print(report.markdown(results))
    print(f"\nWrote {os.path.relpath(stem, ROOT)}.json and .svg", file=sys.stderr)
    failed = any("error" in figures for round_result in rounds for figures in round_result["raw"].values())
    return 1 if failed else 0


def _free_stem(directory: str, name: str) -> str:
    """directory/name, or name-2, name-3, ... when a run of the same day already wrote there."""
    os.makedirs(directory, exist_ok=True)
    stem, number = os.path.join(directory, name), 1
    while os.path.exists(stem + ".json"):
        number += 1
        stem = os.path.join(directory, f"{name}-{number}")
    return stem


def _read(path: str) -> str:
    with open(path) as file:
        return file.read()


if __name__ == "__main__":
    sys.exit(main())
