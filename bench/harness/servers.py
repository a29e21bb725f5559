"""The servers compared side by side, each in its own container on one CPU, and how one is measured."""
import contextlib
import dataclasses
import json
import os
import shutil
import statistics
import time

from . import docker
from .context import EXPECTED, PAYLOAD, Context
from .endpoint import Endpoint, port_is_free, post, wait_until_answered
from .load import SocketRelay, wrk

_SOCKET_DIRECTORY = "/run/bench"
_SOCKET_NAME = "runner.sock"


@dataclasses.dataclass(frozen=True)
class ServerSpec:
    key: str
    """Its key in the results (and for BENCH_ONLY)."""
    title: str
    """Its row in the README table."""
    short: str
    """Its bar in the chart."""
    image: str
    command: tuple[str, ...]
    port: int
    """Where wrk connects: the server itself, or (with `unix_socket`) the socat relay in front of it."""
    loads_code: bool = True
    runtime: str = "runc"
    unix_socket: bool = False
    """Served on a bind-mounted Unix socket in a container with no network, instead of host loopback."""
    environment: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    """More `docker run` options (say, a memory limit to match the dispatcher's containers)."""


def server_specs(config) -> list[ServerSpec]:
    """The runner; the same runner on gVisor; the proof of concept's FastAPI runner as it shipped and at
    its best; nginx answering a fixed body, the floor of what one core serves. Idle exit is off for all."""
    runner_tcp = ("--host", "127.0.0.1", "--port")
    runner_unix = ("--unix-socket", f"{_SOCKET_DIRECTORY}/{_SOCKET_NAME}")
    uvicorn = ("--host", "127.0.0.1", "--no-access-log", "--port")
    no_idle_exit = ("RUNNER_IDLE_TTL=0",)
    return [
        ServerSpec("swift-runner", "swift-runner", "swift-runner",
                   config.runner_image, (*runner_tcp, "18081"), 18081, environment=no_idle_exit),
        ServerSpec("swift-runner-runsc", "swift-runner on gVisor (runsc; Unix socket, via socat)",
                   "swift-runner, gVisor (relay)",
                   config.runner_image, runner_unix, 18085, runtime="runsc", unix_socket=True,
                   environment=no_idle_exit),
        ServerSpec("swift-runner-unix", "swift-runner on runc (Unix socket, via socat; gVisor's reference)",
                   "swift-runner, runc (relay)",
                   config.runner_image, runner_unix, 18086, unix_socket=True, environment=no_idle_exit),
        ServerSpec("fastapi-poc", "FastAPI, as the PoC shipped (h11, asyncio)", "FastAPI as shipped (h11)",
                   config.fastapi_image, ("--http", "h11", "--loop", "asyncio", *uvicorn, "18082"), 18082),
        ServerSpec("fastapi-best", "FastAPI at its best (httptools, uvloop)", "FastAPI best (httptools)",
                   config.fastapi_image, ("--http", "httptools", "--loop", "uvloop", *uvicorn, "18083"), 18083),
        ServerSpec("nginx", "nginx, fixed body (the floor)", "nginx",
                   config.nginx_image, (), 18084, loads_code=False),
    ]


class ServerMeasurement:
    """One round of one server: cold starts (`docker run` to the first right answer to /run, /load
    included), then in the last container started: a warm-up, idle memory, wrk at 1 and at 16
    connections. The container is removed at the end, whatever happens."""

    def __init__(self, spec: ServerSpec, context: Context, source: str | None = None):
        """`source` is the function it loads: echo.py unless given (it must answer as echo.py does)."""
        self.spec, self.context = spec, context
        self.key, self.title = spec.key, spec.title
        self.load_body = json.dumps({"code": source}).encode() if source is not None else context.load_body

    def describe(self) -> dict:
        try:
            image_id = docker.image_id(self.spec.image)
        except docker.DockerError:
            raise docker.DockerError(f"no image {self.spec.image} for {self.key}: bench/run.sh builds it") from None
        return {"kind": "server", "title": self.spec.title, "short": self.spec.short, "image": self.spec.image,
                "image_id": image_id, "command": list(self.spec.command),
                "runtime": self.spec.runtime, "environment": list(self.spec.environment),
                "options": list(self.spec.options),
                "transport": "unix socket + socat relay" if self.spec.unix_socket else "tcp 127.0.0.1"}

    def warm_up(self) -> None:
        container, endpoint = self.start()
        try:
            self.warm(endpoint)
        finally:
            self.context.containers.remove(container)

    def measure(self) -> dict:
        cold = []
        container = None
        for _ in range(self.context.config.cold_starts):
            if container is not None:
                self.context.containers.remove(container)
            started = time.perf_counter()
            container, endpoint = self.start()
            cold.append((time.perf_counter() - started) * 1000)
        try:
            self.warm(endpoint)
            time.sleep(2)
            figures = {"cold_ms": statistics.median(cold), "cold_samples_ms": cold,
                       "idle_mib": docker.memory_mib(container)}
            seconds = self.context.config.seconds
            with self._load_port(endpoint) as port:
                figures["c1"] = wrk(port, 1, seconds)
                figures["c16"] = wrk(port, 16, seconds)
            return figures
        finally:
            self.context.containers.remove(container)

    def close(self) -> None:
        pass

    def start(self) -> tuple[str, Endpoint]:
        """Starts a container and returns once it has answered /run right (the serve measurement
        starts its directly called runners with this too)."""
        spec, containers = self.spec, self.context.containers
        options = ["--cpus", "1", "--runtime", spec.runtime, *spec.options]
        options += [argument for pair in spec.environment for argument in ("-e", pair)]
        if spec.unix_socket:
            directory = os.path.join(self.context.scratch, spec.key)
            if os.path.lexists(directory):
                shutil.rmtree(directory)  # never follows a link the last container left there
            os.mkdir(directory, 0o700)
            os.chown(directory, 65534, 65534)  # the image's user, nobody
            options += ["--network", "none", "-v", f"{directory}:{_SOCKET_DIRECTORY}"]
            endpoint = Endpoint(unix_socket=os.path.join(directory, _SOCKET_NAME))
        else:
            if not port_is_free(spec.port):
                raise RuntimeError(f"127.0.0.1:{spec.port} is taken by something else; {spec.key} needs it")
            options += ["--network", "host"]
            endpoint = Endpoint(port=spec.port)
        container = containers.run(spec.image, spec.command, tuple(options))
        try:
            load = self.load_body if spec.loads_code else None
            wait_until_answered(endpoint, load, PAYLOAD, EXPECTED, alive=lambda: containers.running(container))
        except Exception as error:
            logs = containers.logs_tail(container)
            containers.remove(container)
            raise RuntimeError(f"{spec.key}: {error}\n--- its last log lines ---\n{logs}") from None
        return container, endpoint

    def warm(self, endpoint: Endpoint) -> None:
        """200 sequential calls, each checked: the figures that follow are of a warm server that answers right."""
        for _ in range(200):
            status, body = post(endpoint, "/run", PAYLOAD)
            if status != 200 or body != EXPECTED:
                raise RuntimeError(f"{self.spec.key} answered {status}: {body[:300]!r} while warming up")

    def _load_port(self, endpoint: Endpoint):
        """A context that gives the port wrk loads: the server's own, or a relay's to its socket."""
        if endpoint.unix_socket is None:
            return contextlib.nullcontext(endpoint.port)
        if not port_is_free(self.spec.port):
            raise RuntimeError(f"127.0.0.1:{self.spec.port} is taken by something else; the relay needs it")
        return SocketRelay(self.spec.port, endpoint.unix_socket)
