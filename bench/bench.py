#!/usr/bin/env python3
"""PyLambda's benchmark (`make bench`). Not a test: it measures and prints.

Each server runs in its own container limited to one CPU, on 127.0.0.1 (--network host), and answers
the same echo function: the runner image; the proof of concept's FastAPI runner as it shipped (h11,
asyncio) and at its best (httptools, uvloop); and nginx answering a fixed body, the floor of what one
core can serve. wrk (one thread) measures throughput and latency at 1 and 16 connections.
"""
import datetime
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER_IMAGE = os.environ.get("RUNNER_IMAGE", "pylambda-runner:latest")
DURATION = int(os.environ.get("BENCH_SECONDS", "6"))
ECHO = open(os.path.join(ROOT, "examples", "echo.py")).read()
PAYLOAD = b'{"msg":"hello"}'


class Server:
    def __init__(self, name, image, port, command, loads=True, env=()):
        self.name, self.image, self.port, self.command, self.loads, self.env = name, image, port, command, loads, env

    def docker_run(self):
        env = [arg for pair in self.env for arg in ("-e", pair)]
        return subprocess.check_output(
            ["docker", "run", "-d", "--label", "pylambda.bench=1", "--network", "host", "--cpus", "1", *env,
             self.image, *self.command], text=True).strip()


SERVERS = [
    Server("swift-runner", RUNNER_IMAGE, 18081, ["--host", "127.0.0.1", "--port", "18081"], env=["RUNNER_IDLE_TTL=0"]),
    Server("fastapi (PoC: h11+asyncio)", "pylambda-bench-fastapi", 18082,
           ["--host", "127.0.0.1", "--port", "18082", "--http", "h11", "--loop", "asyncio", "--no-access-log"]),
    Server("fastapi (httptools+uvloop)", "pylambda-bench-fastapi", 18083,
           ["--host", "127.0.0.1", "--port", "18083", "--http", "httptools", "--loop", "uvloop", "--no-access-log"]),
    Server("nginx static", "pylambda-bench-nginx", 18084, [], loads=False),
]


def post(port, path, body, timeout=5.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def until_ready(server, limit=20.0):
    """Loads the function (when the server takes code) and runs it once; seconds it took from now."""
    start = time.perf_counter()
    code = json.dumps({"code": ECHO}).encode()
    while time.perf_counter() - start < limit:
        try:
            if server.loads and post(server.port, "/load", code)[0] != 200:
                raise RuntimeError("load failed")
            status, body = post(server.port, "/run", PAYLOAD)
            if status == 200:
                return time.perf_counter() - start
        except (ConnectionError, OSError, http.client.HTTPException):
            pass
        time.sleep(0.002)
    raise RuntimeError(f"{server.name} did not answer within {limit} s")


def wrk(port, connections, seconds):
    script = os.path.join(ROOT, "bench", "post.lua")
    url = f"http://127.0.0.1:{port}/run"
    subprocess.run(["wrk", "-t1", f"-c{connections}", "-d1s", "-s", script, url], capture_output=True)  # warm up
    output = subprocess.check_output(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url], text=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")

    def percentile(label):
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": percentile("50"), "p99": percentile("99")}


def memory_mib(container):
    usage = subprocess.check_output(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container], text=True)
    value, unit = re.match(r"\s*([\d.]+)\s*([KMG]i?B)", usage).groups()
    return float(value) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "kB": 1 / 1024, "MB": 1, "GB": 1024}[unit]


def remove(container):
    subprocess.run(["docker", "rm", "-f", container], capture_output=True)


def measure(server):
    result = {}
    cold = []
    for _ in range(5):
        start = time.perf_counter()
        container = server.docker_run()
        try:
            until_ready(server)
            cold.append((time.perf_counter() - start) * 1000)
        finally:
            remove(container)
    result["cold_ms"] = statistics.median(cold)

    container = server.docker_run()
    try:
        until_ready(server)
        for _ in range(200):
            post(server.port, "/run", PAYLOAD)
        time.sleep(2)
        result["idle_mib"] = memory_mib(container)
        result["c1"] = wrk(server.port, 1, DURATION)
        result["c16"] = wrk(server.port, 16, DURATION)
    finally:
        remove(container)
    return result


def main():
    for server in SERVERS:
        subprocess.run(["docker", "image", "inspect", server.image], capture_output=True, check=True)
    results = {}
    for server in SERVERS:
        print(f"--> {server.name}", file=sys.stderr, flush=True)
        results[server.name] = measure(server)

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.machine())
    print(f"\nPyLambda benchmark, {datetime.date.today()}, {os.cpu_count()} cores ({cpu}); each server in a container with --cpus 1")
    print(f"echo entrypoint, POST /run {PAYLOAD.decode()}, wrk -t1, {DURATION} s per figure\n")
    header = f"{'server':<28} {'req/s @1':>9} {'p50 ms':>7} {'p99 ms':>7} {'req/s @16':>10} {'p50 ms':>7} {'p99 ms':>7} {'cold ms':>8} {'idle MiB':>9}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(f"{name:<28} {r['c1']['rps']:>9.0f} {r['c1']['p50']:>7.3f} {r['c1']['p99']:>7.3f} "
              f"{r['c16']['rps']:>10.0f} {r['c16']['p50']:>7.3f} {r['c16']['p99']:>7.3f} {r['cold_ms']:>8.0f} {r['idle_mib']:>9.1f}")

    runner, seed, best, floor = (results[s.name] for s in SERVERS)
    checks = [
        ("throughput @16 vs best FastAPI", runner["c16"]["rps"] / best["c16"]["rps"], ">= 4x", lambda v: v >= 4),
        ("throughput @16 vs PoC FastAPI", runner["c16"]["rps"] / seed["c16"]["rps"], "", None),
        ("throughput @16 vs nginx floor", runner["c16"]["rps"] / floor["c16"]["rps"], "", None),
        ("p50 @1 vs best FastAPI", runner["c1"]["p50"] / best["c1"]["p50"], "< 0.6x", lambda v: v < 0.6),
        ("cold start median (ms)", runner["cold_ms"], "< 200", lambda v: v < 200),
        ("idle memory (MiB)", runner["idle_mib"], "< 25", lambda v: v < 25),
    ]
    print("\nswift-runner")
    failed = False
    for label, value, target, check in checks:
        verdict = "" if check is None else ("ok" if check(value) else "MISSED")
        failed |= verdict == "MISSED"
        print(f"  {label:<34} {value:>8.2f}  {target:<7} {verdict}")

    pylambda = os.environ.get("PYLAMBDA", os.path.join(ROOT, ".build", "release", "pylambda"))
    print("\nThrough the dispatcher (pylambda bench, release build):", flush=True)
    failed |= subprocess.run([pylambda, "bench", "--image", RUNNER_IMAGE]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
