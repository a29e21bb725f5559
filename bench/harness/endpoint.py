"""Plain HTTP/1.1 requests to a server under test, over loopback TCP or a Unix socket."""
import dataclasses
import http.client
import socket
import time
from typing import Callable


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """Where a server answers: a TCP port on 127.0.0.1, or a Unix socket path on this host."""
    port: int | None = None
    unix_socket: str | None = None

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.unix_socket is not None:
            return _UnixHTTPConnection(self.unix_socket, timeout)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def __str__(self) -> str:
        return f"unix:{self.unix_socket}" if self.unix_socket is not None else f"127.0.0.1:{self.port}"


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def post(endpoint: Endpoint, path: str, body: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    connection = endpoint.connection(timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class NotAnswered(RuntimeError):
    """The server never answered, or answered wrongly; the message says which."""


def wait_until_answered(endpoint: Endpoint, load: bytes | None, payload: bytes, expected: bytes,
                        alive: Callable[[], bool], limit: float = 30.0) -> None:
    """Polls until the server takes the code (POST /load, when `load` is given) and answers POST /run
    with `expected`. Refused connections are retried every 2 ms; a wrong answer fails at once, and so
    does a container that has stopped (checked once a second after the first two)."""
    start = time.perf_counter()
    next_alive_check = start + 2.0
    last_error = "no attempt"
    while True:
        try:
            if load is not None:
                status, body = post(endpoint, "/load", load)
                if status != 200:
                    raise NotAnswered(f"{endpoint} answered POST /load with {status}: {body[:300]!r}")
            status, body = post(endpoint, "/run", payload)
            if status == 200 and body == expected:
                return
            raise NotAnswered(f"{endpoint} answered POST /run with {status}: {body[:300]!r}, not {expected!r}")
        except (OSError, http.client.HTTPException) as error:
            last_error = f"{type(error).__name__}: {error}"
        now = time.perf_counter()
        if now - start > limit:
            raise NotAnswered(f"{endpoint} did not answer within {limit:.0f} s (last: {last_error})")
        if now > next_alive_check:
            if not alive():
                raise NotAnswered(f"the container behind {endpoint} stopped before it answered")
            next_alive_check = time.perf_counter() + 1.0
        time.sleep(0.002)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, picked by the kernel. Whoever gets it must
    bind it soon (and fails loudly if something else took it in between)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port, so that the figures are not some other server's."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
