"""Load generation: wrk with one thread against 127.0.0.1, and a socat relay from a loopback port to a
Unix socket for the servers that have no network (gVisor here runs with --network=none)."""
import os
import re
import signal
import socket
import subprocess
import time

_POST_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "post.lua")
_MILLISECONDS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class LoadError(RuntimeError):
    """wrk failed, or saw failed responses; the message carries its output."""


def wrk(port: int, connections: int, seconds: int) -> dict:
    """POSTs the echo payload to /run for `seconds` after a 1 s warm-up at the same concurrency.

    Returns req/s, the latency percentiles wrk prints (ms), the request count and socket errors. Any
    non-2xx response fails the figure: a server that answers errors fast is not fast."""
    url = f"http://127.0.0.1:{port}/run"
    base = ["wrk", "-t1", f"-c{connections}", "-s", _POST_SCRIPT]
    subprocess.run([*base, "-d1s", url], capture_output=True, timeout=60)
    completed = subprocess.run([*base, f"-d{seconds}s", "--latency", url],
                               capture_output=True, text=True, timeout=seconds + 60)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise LoadError(f"wrk against {url} failed:\n{output}")
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if failed:
        raise LoadError(f"wrk saw {failed.group(1)} failed responses from {url}:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    if not rate or not requests:
        raise LoadError(f"wrk printed no request rate for {url}:\n{output}")
    figures = {"rps": float(rate.group(1)), "requests": int(requests.group(1))}
    for percentile in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            raise LoadError(f"wrk printed no {percentile}th percentile for {url}:\n{output}")
        figures[f"p{percentile}_ms"] = float(match.group(1)) * _MILLISECONDS[match.group(2)]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    figures["socket_errors"] = sum(int(count) for count in errors.groups()) if errors else 0
    return figures


class SocketRelay:
    """socat on 127.0.0.1:port forwarding every connection to a Unix socket, so that wrk can reach a
    server without a network. It costs a copy each way per request: the benchmark measures the runner
    on runc through the same relay, which makes the gVisor row comparable."""

    def __init__(self, port: int, unix_socket: str):
        self.port, self.unix_socket = port, unix_socket
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> int:
        """Starts socat; the port to give wrk."""
        self.process = subprocess.Popen(
            ["socat", f"TCP-LISTEN:{self.port},bind=127.0.0.1,reuseaddr,fork,backlog=256",
             f"UNIX-CONNECT:{self.unix_socket}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise LoadError(f"socat exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self.port
            except OSError:
                time.sleep(0.01)
        self.__exit__(None, None, None)
        raise LoadError(f"socat did not listen on 127.0.0.1:{self.port} within 5 s")

    def __exit__(self, *exception) -> None:
        if self.process is None:
            return
        # socat forks a child per connection: its session (started above) holds them all.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None
