"""A `pylambda serve` process of the benchmark's own: a fresh temporary state directory, a random free
port on 127.0.0.1, pinned to one CPU, stopped with SIGTERM as a user would stop it, and everything it
left removed afterwards.

Each measurement that needs serve starts one per round, so that a round's figures never depend on what
an earlier round left in the registry (every call is a row in it)."""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from .context import Context
from .endpoint import free_port

_CLIENT_ENVIRONMENT = ("PYLAMBDA_ADMIN_KEY", "PYLAMBDA_KEY", "PYLAMBDA_SERVER", "PORT")
"""Unset for serve and the CLI: serve makes its own admin key, and the CLI is told where serve is."""


class ServeError(RuntimeError):
    """serve did not start, answered a request wrongly, or did not stop; the message carries its log."""


def serve_cpu() -> int:
    """The CPU serve is pinned to (taskset): the last one this process may use."""
    return max(os.sched_getaffinity(0))


class ServeProcess:
    """One `taskset -c CPU pylambda serve --warm-pool 0` with its state in a new directory under the run's
    scratch directory, where it writes its admin key (admin.key) on its first start.

    Its runner containers are started by its own dispatcher, which labels them `pylambda.managed` and
    `pylambda.owner=<host>/<pid>/...`; a graceful stop removes them, and `stop` removes any it did not
    (by that owner label, so never another process's), and says how many there were."""

    def __init__(self, context: Context, name: str):
        self.context, self.name = context, name
        self.port = 0
        self.state = ""
        self.log_path = os.path.join(context.scratch, f"{name}.log")
        self.admin_key = ""
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        config = self.context.config
        return ["taskset", "-c", str(serve_cpu()), config.pylambda, "serve", "--host", "127.0.0.1",
                "--port", str(self.port or "<free>"), "--state", self.state or "<new temporary directory>",
                "--image", config.runner_image, "--warm-pool", "0"]

    def start(self) -> "ServeProcess":
        """Starts serve and returns once it answers GET /healthz and has written admin.key (within 60 s)."""
        self.state = tempfile.mkdtemp(prefix=f"{self.name}-", dir=self.context.scratch)
        self.port = free_port()
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, env=_environment(), start_new_session=True)
        key_path = os.path.join(self.state, "admin.key")
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise ServeError(f"serve exited with {self.process.returncode} before it answered:\n{self.log_tail()}")
            try:
                status, _ = self.request("GET", "/healthz", timeout=2)
                if status == 200 and os.path.exists(key_path):
                    with open(key_path) as file:
                        self.admin_key = file.read().strip()
                    if self.admin_key:
                        return self
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.02)
        raise ServeError(f"serve did not answer /healthz (or write admin.key) within 60 s:\n{self.log_tail()}")

    def create_key(self, name: str, scope: str, function: str | None = None, aws: bool = False) -> dict:
        """`pylambda keys create` against this serve (with its admin key, read from --state): a bearer
        key as {"key": ...}, or with `aws` {"access_key_id": ..., "secret_access_key": ...}."""
        command = [self.context.config.pylambda, "keys", "create", "--name", name, "--scope", scope,
                   "--server", self.url, "--state", self.state]
        if function:
            command += ["--function", function]
        if aws:
            command.append("--aws")
        completed = subprocess.run(command, capture_output=True, text=True, timeout=60, env=_environment())
        if completed.returncode != 0:
            raise ServeError(f"pylambda keys create exited {completed.returncode}: {completed.stderr.strip()}")
        lines = completed.stdout.strip().splitlines()
        if not aws:
            if len(lines) != 1 or not lines[0].strip():
                raise ServeError(f"pylambda keys create printed {completed.stdout!r}, not one key")
            return {"key": lines[0].strip()}
        values = dict(line.split(" = ", 1) for line in lines if " = " in line)
        if "aws_access_key_id" not in values or "aws_secret_access_key" not in values:
            raise ServeError(f"pylambda keys create --aws printed no access key id and secret")
        return {"access_key_id": values["aws_access_key_id"], "secret_access_key": values["aws_secret_access_key"]}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, bytes]:
        """One request on a new connection, with the admin key; the status and the body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"Authorization": f"Bearer {self.admin_key}", **(headers or {})}
            if body is not None and "Content-Type" not in sent:
                sent["Content-Type"] = "application/json"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> dict:
        """SIGTERM, then waits (up to 120 s, then SIGKILL); removes whatever runners it left and its state
        directory. Returns how the stop went: seconds, exit status, containers left behind."""
        figures = {}
        if self.process is not None:
            started = time.perf_counter()
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            figures = {"seconds": time.perf_counter() - started, "exit_status": self.process.returncode}
            figures["containers_left"] = _remove_leftovers(self.process.pid)
            if figures["exit_status"] != 0 or figures["containers_left"]:
                self.context.log(f"    serve on port {self.port} exited {figures['exit_status']} and left "
                                 f"{figures['containers_left']} container(s); log: {self.log_tail(5)}")
            self.process = None
        if self.state and os.path.lexists(self.state):
            shutil.rmtree(self.state, ignore_errors=True)
        return figures

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:]).strip()
        except OSError:
            return "(no log)"


def _environment() -> dict:
    return {name: value for name, value in os.environ.items() if name not in _CLIENT_ENVIRONMENT}


def containers_of(pid: int) -> list[str]:
    """The containers whose owner label names this host and pid (the dispatcher's identity is
    host/pid/start-ticks/nonce)."""
    listed = subprocess.run(
        ["docker", "ps", "-a", "--filter", "label=pylambda.managed",
         "--format", '{{.ID}} {{.Label "pylambda.owner"}}'], capture_output=True, text=True, timeout=60)
    prefix = f"{socket.gethostname()}/{pid}/"
    return [line.split()[0] for line in listed.stdout.splitlines()
            if len(line.split()) == 2 and line.split()[1].startswith(prefix)]


def _remove_leftovers(pid: int) -> int:
    """Removes the containers serve `pid` left; how many there were."""
    leftovers = containers_of(pid)
    for container in leftovers:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)
    return len(leftovers)
