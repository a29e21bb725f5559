"""`pylambda serve`'s native HTTP invoke with a bearer key: sequential latency and throughput."""
import json
import os
import time

from .context import EXPECTED, PAYLOAD, Context
from .load import post_script, wrk
from .serve_process import ServeError, ServeProcess, serve_cpu

FUNCTION = "bench-echo"
CONCURRENCY = 1
"""One runner container for the function: serve on one CPU in front of one runner on one CPU."""


class ServeMeasurement:
    """Each round: a fresh `pylambda serve --warm-pool 0` pinned to one CPU (taskset), its own temporary
    state directory and a random free port on 127.0.0.1; echo.py (with a comment naming this run)
    deployed as `bench-echo` with {"concurrency": 1}, so one runner container (--cpus 1, the dispatcher's
    default limits) serves it; an invoke key for that function made with `pylambda keys create`; 200
    checked warm-up calls; then wrk -t1 POSTs {"msg":"hello"} to /v1/functions/bench-echo/invoke with
    `Authorization: Bearer <key>`, at 1 connection (sequential: p50/p99) and at 16 (calls/s). Every
    call is also a row in serve's SQLite registry. Then wrk GETs /healthz at 1 connection: the same
    HTTP server, with no key, no function and no registry, which is the floor under serve's invoke.
    serve is stopped with SIGTERM at the end of the round."""

    key = "serve"
    title = "`pylambda serve`: native HTTP invoke with a bearer key"

    def __init__(self, context: Context):
        self.context = context
        self.source = f"{context.function_source}\n# pylambda bench serve {context.run_id}\n"
        self.serve: ServeProcess | None = None
        self.rounds = 0

    def describe(self) -> dict:
        return {
            "kind": "serve", "title": self.title, "short": "pylambda serve (HTTP, key)",
            "image": self.context.config.runner_image,
            "serve_command": ServeProcess(self.context, "serve-describe").command(), "serve_cpu": serve_cpu(),
            "deploy": {"method": "PUT", "path": f"/v1/functions/{FUNCTION}",
                       "body": {"code": "examples/echo.py + a comment naming the run", "concurrency": CONCURRENCY}},
            "key": f"pylambda keys create --scope invoke --function {FUNCTION}",
            "wrk": {"path": f"/v1/functions/{FUNCTION}/invoke", "headers": ["Authorization: Bearer <invoke key>"],
                    "connections": [1, 16], "threads": 1},
            "wrk_floor": {"method": "GET", "path": "/healthz", "connections": [1], "threads": 1},
            "cpu_limits": "serve pinned to one CPU (taskset); its runner container --cpus 1; wrk unlimited",
        }

    def warm_up(self) -> None:
        """Everything once: serve starts, deploys, makes a key and answers right."""
        try:
            self._start()
        finally:
            self._stop()

    def measure(self) -> dict:
        self.rounds += 1
        try:
            deploy_ms, key = self._start()
            script = post_script(os.path.join(self.context.scratch, "serve.lua"), {"Authorization": f"Bearer {key}"})
            path = f"/v1/functions/{FUNCTION}/invoke"
            seconds = self.context.config.seconds
            c1 = wrk(self.serve.port, 1, seconds, path, script)
            c16 = wrk(self.serve.port, 16, seconds, path, script)
            healthz_c1 = wrk(self.serve.port, 1, seconds, "/healthz", None)
        finally:
            shutdown = self._stop()
        return {"c1": c1, "c16": c16, "healthz_c1": healthz_c1, "deploy_ms": deploy_ms, "shutdown": shutdown}

    def close(self) -> None:
        self._stop()

    @staticmethod
    def summary(figures: dict) -> str:
        return (f"p50 {figures['c1']['p50_ms']:.3f} ms, p99 {figures['c1']['p99_ms']:.3f} ms @1; "
                f"{figures['c16']['rps']:.0f} calls/s @16")

    def _start(self) -> tuple[float, str]:
        """A fresh serve with echo.py deployed and warm; how long the deploy took (ms: it starts a new
        runner, since the warm pool is off) and an invoke key for the function."""
        self.serve = ServeProcess(self.context, f"serve-{self.rounds}").start()
        started = time.perf_counter()
        body = json.dumps({"code": self.source, "concurrency": CONCURRENCY}).encode()
        status, answer = self.serve.request("PUT", f"/v1/functions/{FUNCTION}", body, timeout=120)
        deploy_ms = (time.perf_counter() - started) * 1000
        if status not in (200, 201):
            raise ServeError(f"PUT /v1/functions/{FUNCTION} answered {status}: {answer[:500]!r}")
        key = self.serve.create_key("bench-invoke", "invoke", function=FUNCTION)["key"]
        for _ in range(200):
            status, answer = self.serve.request("POST", f"/v1/functions/{FUNCTION}/invoke", PAYLOAD,
                                                {"Authorization": f"Bearer {key}"})
            if status != 200 or json.loads(answer) != json.loads(EXPECTED):
                raise ServeError(f"serve answered {status}: {answer[:300]!r} while warming up")
        return deploy_ms, key

    def _stop(self) -> dict:
        if self.serve is None:
            return {}
        serve, self.serve = self.serve, None
        return serve.stop()
