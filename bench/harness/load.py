"""Load generation: wrk with one thread against 127.0.0.1, and a socat relay from a loopback port to a
Unix socket for the servers that have no network (gVisor here runs with --network=none)."""
import os
import re
import signal
import socket
import subprocess
import time

from .context import PAYLOAD

POST_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "post.lua")
_MILLISECONDS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class LoadError(RuntimeError):
    """wrk failed, or saw failed responses; the message carries its output."""


def wrk(port: int, connections: int, seconds: int, path: str = "/run", script: str | None = POST_SCRIPT) -> dict:
    """POSTs the echo payload (`script`, bench/post.lua unless given; None GETs `path`) to `path` for
    `seconds` after a 1 s warm-up at the same concurrency.

    Returns req/s, the latency percentiles wrk prints (ms), the request count and socket errors. Any
    non-2xx response fails the figure: a server that answers errors fast is not fast."""
    return wrk_parallel([port], connections, seconds, path, script)["each"][0]


def wrk_parallel(ports: list[int], connections: int, seconds: int, path: str = "/run",
                 script: str | None = POST_SCRIPT) -> dict:
    """One wrk (one thread, `connections` connections) per port, all started at once: first a 1 s
    warm-up of all of them together, then `seconds` measured together.

    Returns each wrk's figures (as `wrk` does) in `each`, and their summed req/s in `rps`: what the
    servers behind the ports deliver side by side on this machine."""
    urls = [f"http://127.0.0.1:{port}{path}" for port in ports]
    base = ["wrk", "-t1", f"-c{connections}", *(["-s", script] if script else [])]
    _together([[*base, "-d1s", url] for url in urls], timeout=60)
    outputs = _together([[*base, f"-d{seconds}s", "--latency", url] for url in urls], timeout=seconds + 60)
    each = [_figures(url, returncode, output) for url, (returncode, output) in zip(urls, outputs)]
    return {"rps": sum(figures["rps"] for figures in each), "each": each}


def _together(commands: list[list[str]], timeout: float) -> list[tuple[int, str]]:
    """Runs the commands at the same time; each one's exit status and output. None is left running."""
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for command in commands]
    try:
        outputs = [process.communicate(timeout=timeout)[0] for process in processes]
        return [(process.returncode, output) for process, output in zip(processes, outputs)]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _figures(url: str, returncode: int, output: str) -> dict:
    if returncode != 0:
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


def post_script(path: str, headers: dict[str, str]) -> str:
    """Writes a wrk script to `path` that POSTs the echo payload with these extra headers (for a
    server that wants a key); returns `path`. The values are quoted as Lua strings."""
    lines = ["-- wrk: POST the echo payload, with the headers the server under test needs.",
             'wrk.method = "POST"', f"wrk.body = {_lua_string(PAYLOAD.decode())}",
             'wrk.headers["Content-Type"] = "application/json"']
    lines += [f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}" for name, value in headers.items()]
    with open(path, "w") as file:
        file.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)  # it holds a key
    return path


def _lua_string(text: str) -> str:
    """A Lua string literal of `text`: letters, digits and a few safe signs as they are, every other
    byte as a three-digit decimal escape (so that no digit after it can join it)."""
    safe = b" -_.:/{}=+,@"
    return '"' + "".join(chr(byte) if chr(byte).isalnum() and byte < 128 or byte in safe else f"\\{byte:03d}"
                         for byte in text.encode()) + '"'


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
