"""`pylambda serve`'s native HTTP invoke with a bearer key: sequential latency and throughput."""
import dataclasses
import json
import os
import time

from .context import EXPECTED, PAYLOAD, Context
from .load import LoadError, post_script, wrk, wrk_parallel
from .serve_process import ServeError, ServeProcess, containers_of, serve_cpu
from .servers import ServerMeasurement, server_specs

FUNCTION = "bench-echo"
CONCURRENCY = 1
"""One runner container for the function: serve on one CPU in front of one runner on one CPU."""
PAIR_CONCURRENCY = 2
PAIR_PORTS = (18087, 18088)
"""Where the two runners called directly listen (host network, as the swift-runner row)."""
BUSY_SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions", "busy_echo.py")
"""echo.py after 4000 rounds of SHA-256 (about 2 ms of one core): the second pair's function."""


@dataclasses.dataclass(frozen=True)
class Pair:
    """A function with concurrency 2 behind serve, beside two runners of it called directly."""
    key: str
    function: str
    source: str


class ServeMeasurement:
    """Each round: a fresh `pylambda serve --warm-pool 0` pinned to one CPU (taskset), its own temporary
    state directory and a random free port on 127.0.0.1; echo.py (with a comment naming this run)
    deployed as `bench-echo` with {"concurrency": 1}, so one runner container (--cpus 1, the dispatcher's
    default limits) serves it; an invoke key for that function made with `pylambda keys create`; 200
    checked warm-up calls; then wrk -t1 POSTs {"msg":"hello"} to /v1/functions/bench-echo/invoke with
    `Authorization: Bearer <key>`, at 1 connection (sequential: p50/p99) and at 16 (calls/s). Every
    call is also a row in serve's SQLite registry. Then wrk GETs /healthz at 1 connection: the same
    HTTP server, with no key, no function and no registry, which is the floor under serve's invoke.
    Then wrk GETs /healthz at 16 connections: the most calls/s serve's HTTP server answers on this
    machine with nothing behind it, the ceiling of any invoke figure.
    Then issue 8's pairs, each a function deployed with {"concurrency": 2} and its own invoke key,
    driven at 16 connections until serve runs both of its containers (checked), then wrk -c16
    (calls/s); beside it, in the same round, two swift-runner containers (--cpus 1 each, as the
    swift-runner row) of the same function called directly by two wrk at 8 connections each,
    started together (summed calls/s). The first pair's function is echo.py, so serve's own HTTP
    work sets its pace; the second's is bench/functions/busy_echo.py, echo.py after about 2 ms of
    CPU work, so the runners set it. serve is stopped with SIGTERM at the end of the round."""

    key = "serve"
    title = "`pylambda serve`: native HTTP invoke with a bearer key"

    def __init__(self, context: Context):
        self.context = context
        self.source = f"{context.function_source}\n# pylambda bench serve {context.run_id}\n"
        with open(BUSY_SOURCE) as file:
            busy = file.read()
        self.pairs = (Pair("pair", "bench-echo-pair", self.source),
                      Pair("busy_pair", "bench-busy-pair", f"{busy}\n# pylambda bench serve {context.run_id}\n"))
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
            "wrk_floor": {"method": "GET", "path": "/healthz", "connections": [1, 16], "threads": 1},
            **{pair.key: {"function": pair.function, "source": pair.source, "concurrency": PAIR_CONCURRENCY,
                          "serve_connections": 16,
                          "direct": f"two swift-runner containers (--cpus 1) of the same function on 127.0.0.1:"
                                    f"{PAIR_PORTS[0]} and {PAIR_PORTS[1]}, one wrk -t1 -c8 each, started together"}
               for pair in self.pairs},
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
            healthz_c16 = wrk(self.serve.port, 16, seconds, "/healthz", None)
            pairs = {}
            for index, pair in enumerate(self.pairs):
                try:
                    pairs[pair.key] = self._pair(seconds, pair, CONCURRENCY + PAIR_CONCURRENCY * (index + 1))
                except (ServeError, LoadError, RuntimeError, OSError) as error:
                    # A pair's failure is its own: the figures above stand.
                    pairs[pair.key] = {"error": str(error)}
        finally:
            shutdown = self._stop()
        return {"c1": c1, "c16": c16, "healthz_c1": healthz_c1, "healthz_c16": healthz_c16, **pairs,
                "deploy_ms": deploy_ms, "shutdown": shutdown}

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
        deploy_ms = self._deploy(FUNCTION, CONCURRENCY)
        key = self.serve.create_key("bench-invoke", "invoke", function=FUNCTION)["key"]
        for _ in range(200):
            status, answer = self.serve.request("POST", f"/v1/functions/{FUNCTION}/invoke", PAYLOAD,
                                                {"Authorization": f"Bearer {key}"})
            if status != 200 or json.loads(answer) != json.loads(EXPECTED):
                raise ServeError(f"serve answered {status}: {answer[:300]!r} while warming up")
        return deploy_ms, key

    def _pair(self, seconds: int, pair: Pair, containers: int) -> dict:
        """serve in front of a function with concurrency 2, and two runners of it called directly;
        `containers` is how many serve runs in all once this pair's function has scaled out."""
        self._deploy(pair.function, PAIR_CONCURRENCY, pair.source)
        key = self.serve.create_key(f"bench-invoke-{pair.function}", "invoke", function=pair.function)["key"]
        script = post_script(os.path.join(self.context.scratch, f"serve-{pair.key}.lua"), {"Authorization": f"Bearer {key}"})
        path = f"/v1/functions/{pair.function}/invoke"
        # The second container starts when a call has to wait for the first: a short run at 16 connections.
        wrk(self.serve.port, 16, 2, path, script)
        running = len(containers_of(self.serve.process.pid))
        if running != containers:
            raise ServeError(f"serve runs {running} containers, not {containers}, after {pair.function} scaled out")
        through_serve = wrk(self.serve.port, 16, seconds, path, script)

        runner = next(spec for spec in server_specs(self.context.config) if spec.key == "swift-runner")
        started = []
        try:
            for port in PAIR_PORTS:
                spec = dataclasses.replace(runner, key=f"swift-runner-{port}", port=port,
                                           command=(*runner.command[:-1], str(port)))
                measurement = ServerMeasurement(spec, self.context, source=pair.source)
                container, endpoint = measurement.start()
                started.append(container)
                measurement.warm(endpoint)
            direct = wrk_parallel(list(PAIR_PORTS), 16 // len(PAIR_PORTS), seconds)
        finally:
            for container in started:
                self.context.containers.remove(container)
        return {"serve_c16": through_serve, "direct_c16": direct}

    def _deploy(self, name: str, concurrency: int, source: str | None = None) -> float:
        """Deploys `source` (echo.py unless given) as `name`; how long it took (ms)."""
        started = time.perf_counter()
        body = json.dumps({"code": source or self.source, "concurrency": concurrency}).encode()
        status, answer = self.serve.request("PUT", f"/v1/functions/{name}", body, timeout=120)
        if status not in (200, 201):
            raise ServeError(f"PUT /v1/functions/{name} answered {status}: {answer[:500]!r}")
        return (time.perf_counter() - started) * 1000

    def _stop(self) -> dict:
        if self.serve is None:
            return {}
        serve, self.serve = self.serve, None
        return serve.stop()
