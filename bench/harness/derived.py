"""Figures computed from one round's raw results: the ratios between servers measured side by side,
and the differences the targets of issue 7 (runner, dispatcher, CLI) and issue 8 (serve) are stated in;
the deps and boto3 rows have figures set side by side but no targets. They are computed per round and their median
is reported, so that a slow minute of the machine skews one round's ratio, not one server.

A new row adds its `Derived` entries here, naming the measurement keys it needs."""
import dataclasses
from typing import Callable

TODAY_CONCURRENT_CALLS_PER_SECOND = 1222
"""16 concurrent callers through the dispatcher when issue 7 was filed; its target is 3x that."""


@dataclasses.dataclass(frozen=True)
class Derived:
    key: str
    label: str
    unit: str
    """"x" for a ratio, else the unit of the value (ms, MiB, calls/s)."""
    needs: tuple[str, ...]
    compute: Callable[[dict], float]
    target: str | None = None
    met: Callable[[float], bool] | None = None
    issue: int = 7
    """The issue that states the target."""
    table: str = "side-by-side"
    """Which table of the report it is printed in (report.py)."""


def _rps16(raw, key):
    return raw[key]["c16"]["rps"]


def _p50c1(raw, key):
    return raw[key]["c1"]["p50_ms"]


def _dispatcher(raw, figure, field="p50_ms"):
    return raw["dispatcher"][figure][field]


DERIVED = [
    Derived("runner_vs_fastapi_best_rps16", "req/s @16: swift-runner / FastAPI at its best", "x",
            ("swift-runner", "fastapi-best"), lambda raw: _rps16(raw, "swift-runner") / _rps16(raw, "fastapi-best"),
            ">= 6x", lambda value: value >= 6),
    Derived("runner_vs_fastapi_poc_rps16", "req/s @16: swift-runner / FastAPI as the PoC shipped", "x",
            ("swift-runner", "fastapi-poc"), lambda raw: _rps16(raw, "swift-runner") / _rps16(raw, "fastapi-poc")),
    Derived("runner_vs_nginx_rps16", "req/s @16: swift-runner / nginx", "x",
            ("swift-runner", "nginx"), lambda raw: _rps16(raw, "swift-runner") / _rps16(raw, "nginx"),
            ">= 0.4x", lambda value: value >= 0.4),
    Derived("runner_vs_fastapi_best_p50_c1", "p50 @1: swift-runner / FastAPI at its best", "x",
            ("swift-runner", "fastapi-best"), lambda raw: _p50c1(raw, "swift-runner") / _p50c1(raw, "fastapi-best"),
            "<= 0.35x", lambda value: value <= 0.35),
    Derived("runner_vs_fastapi_poc_p50_c1", "p50 @1: swift-runner / FastAPI as the PoC shipped", "x",
            ("swift-runner", "fastapi-poc"), lambda raw: _p50c1(raw, "swift-runner") / _p50c1(raw, "fastapi-poc")),
    Derived("runner_vs_nginx_p50_c1", "p50 @1: swift-runner / nginx", "x",
            ("swift-runner", "nginx"), lambda raw: _p50c1(raw, "swift-runner") / _p50c1(raw, "nginx"),
            "<= 2x", lambda value: value <= 2),
    Derived("runner_cold_minus_nginx_ms", "cold start: swift-runner - nginx", "ms",
            ("swift-runner", "nginx"), lambda raw: raw["swift-runner"]["cold_ms"] - raw["nginx"]["cold_ms"],
            "<= 20 ms", lambda value: value <= 20),
    Derived("runner_idle_mib", "idle memory: swift-runner", "MiB",
            ("swift-runner",), lambda raw: raw["swift-runner"]["idle_mib"], "< 10 MiB", lambda value: value < 10),
    Derived("runsc_vs_runc_rps16", "req/s @16: gVisor / runc (both via the socket relay)", "x",
            ("swift-runner-runsc", "swift-runner-unix"),
            lambda raw: _rps16(raw, "swift-runner-runsc") / _rps16(raw, "swift-runner-unix")),
    Derived("runsc_vs_runc_p50_c1", "p50 @1: gVisor / runc (both via the socket relay)", "x",
            ("swift-runner-runsc", "swift-runner-unix"),
            lambda raw: _p50c1(raw, "swift-runner-runsc") / _p50c1(raw, "swift-runner-unix")),
    Derived("runsc_cold_minus_runc_ms", "cold start: gVisor - runc (both on a Unix socket)", "ms",
            ("swift-runner-runsc", "swift-runner-unix"),
            lambda raw: raw["swift-runner-runsc"]["cold_ms"] - raw["swift-runner-unix"]["cold_ms"]),
    Derived("dispatcher_overhead_p50_ms", "warm call p50: through the dispatcher - runner directly", "ms",
            ("dispatcher",), lambda raw: _dispatcher(raw, "warm_dispatcher") - _dispatcher(raw, "warm_direct"),
            "<= 0.05 ms", lambda value: value <= 0.05),
    Derived("new_code_warm_pool_p50_ms", "new code on a warm pool, p50", "ms",
            ("dispatcher",), lambda raw: _dispatcher(raw, "new_code_warm_pool"), "< 5 ms", lambda value: value < 5),
    Derived("concurrent_calls_per_second", "16 concurrent callers through the dispatcher", "calls/s",
            ("dispatcher",), lambda raw: _dispatcher(raw, "concurrent_16", "calls_per_second"),
            f">= {3 * TODAY_CONCURRENT_CALLS_PER_SECOND} (3x {TODAY_CONCURRENT_CALLS_PER_SECOND})",
            lambda value: value >= 3 * TODAY_CONCURRENT_CALLS_PER_SECOND),
    Derived("cli_warm_run_median_ms", "warm `pylambda run`, whole process, median", "ms",
            ("cli-warm-run",), lambda raw: raw["cli-warm-run"]["median_ms"], "< 20 ms", lambda value: value < 20),
]


DERIVED += [
    Derived("serve_minus_runner_p50_ms", "p50 @1: serve's invoke - the runner called directly (swift-runner)",
            "ms", ("serve", "swift-runner"), lambda raw: _p50c1(raw, "serve") - _p50c1(raw, "swift-runner"),
            table="serve"),
    Derived("serve_minus_dispatcher_p50_ms", "p50 @1: serve's invoke - a warm call through the dispatcher",
            "ms", ("serve", "dispatcher"), lambda raw: _p50c1(raw, "serve") - _dispatcher(raw, "warm_dispatcher"),
            "<= 0.15 ms", lambda value: value <= 0.15, issue=8, table="serve"),
    Derived("serve_invoke_route_p50_ms",
            "p50 @1: serve's invoke - its /healthz - a warm call through the dispatcher (what the invoke route adds)",
            "ms", ("serve", "dispatcher"),
            lambda raw: _p50c1(raw, "serve") - raw["serve"]["healthz_c1"]["p50_ms"] - _dispatcher(raw, "warm_dispatcher"),
            table="serve"),
    Derived("serve_pair_vs_direct_rps16",
            "calls/s @16: serve, echo.py with concurrency 2 / its two runners called directly", "x", ("serve",),
            lambda raw: raw["serve"]["pair"]["serve_c16"]["rps"] / raw["serve"]["pair"]["direct_c16"]["rps"],
            ">= 0.8x", lambda value: value >= 0.8, issue=8, table="serve"),
    Derived("serve_healthz_vs_pair_direct_rps16",
            "calls/s @16: serve's GET /healthz / echo.py's two runners called directly (serve's ceiling there)", "x",
            ("serve",), lambda raw: raw["serve"]["healthz_c16"]["rps"] / raw["serve"]["pair"]["direct_c16"]["rps"],
            table="serve"),
    Derived("serve_busy_pair_vs_direct_rps16",
            "calls/s @16: serve, busy_echo.py (about 2 ms of CPU) with concurrency 2 / its two runners called directly",
            "x", ("serve",),
            lambda raw: raw["serve"]["busy_pair"]["serve_c16"]["rps"] / raw["serve"]["busy_pair"]["direct_c16"]["rps"],
            ">= 0.8x", lambda value: value >= 0.8, issue=8, table="serve"),
    Derived("serve_vs_runner_rps16", "calls/s @16: serve / the runner called directly (swift-runner)", "x",
            ("serve", "swift-runner"), lambda raw: _rps16(raw, "serve") / _rps16(raw, "swift-runner"),
            table="serve"),
    Derived("deps_first_minus_reused_ms", "`pylambda run DIR`: first run (new set) - reused set", "ms",
            ("deps",), lambda raw: raw["deps"]["first_ms"] - raw["deps"]["reused_ms"], table="deps"),
    Derived("boto3_minus_native_p50_ms", "invoke p50: boto3 - native API from http.client (the client's cost)",
            "ms", ("boto3",), lambda raw: raw["boto3"]["boto3"]["p50_ms"] - raw["boto3"]["native"]["p50_ms"],
            table="boto3"),
]


def derive(raw: dict) -> dict:
    """The derived figures of one round; those whose measurements are missing or failed are left out."""
    values = {}
    for derived in DERIVED:
        if all(key in raw and "error" not in raw[key] for key in derived.needs):
            try:
                values[derived.key] = derived.compute(raw)
            except KeyError:
                pass  # a part of the measurement failed, and says so in its "error"
    return values
