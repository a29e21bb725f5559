"""Through the dispatcher: `pylambda bench --json` (release build), one JSON object per figure."""
import json
import re
import subprocess

from .context import Context

_KEYS = {
    "warm call, runner directly": "warm_direct",
    "warm call, through dispatcher": "warm_dispatcher",
    "16 concurrent callers": "concurrent_16",
    "new code, warm pool": "new_code_warm_pool",
    "new code, no warm pool": "new_code_no_pool",
}


class DispatcherMeasurement:
    """Warm calls to the runner directly and through the dispatcher, 16 concurrent callers, and new code
    with and without a warm pool (Sources/PyLambdaCLI/DispatcherBenchmark.swift). The dispatcher starts
    and removes its own containers (labelled pylambda.managed), over Unix sockets, --network none."""

    key = "dispatcher"
    title = "through the dispatcher (pylambda bench)"

    def __init__(self, context: Context):
        self.context = context

    def _command(self, iterations: int, cold_samples: int) -> list[str]:
        return [self.context.config.pylambda, "bench", "--json", "--image", self.context.config.runner_image,
                "--iterations", str(iterations), "--cold-samples", str(cold_samples)]

    def describe(self) -> dict:
        config = self.context.config
        return {"kind": "dispatcher", "title": self.title,
                "command": self._command(config.dispatcher_iterations, config.dispatcher_cold_samples)}

    def warm_up(self) -> None:
        self._run(self._command(100, 1))

    def measure(self) -> dict:
        config = self.context.config
        return self._run(self._command(config.dispatcher_iterations, config.dispatcher_cold_samples))

    def close(self) -> None:
        pass

    @staticmethod
    def _run(command: list[str]) -> dict:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:2])} exited {completed.returncode}: {completed.stderr.strip()}")
        figures = {}
        for line in completed.stdout.splitlines():
            if not line.startswith("{"):
                continue
            sample = json.loads(line)
            name = sample.pop("name")
            figures[_KEYS.get(name, re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_"))] = sample
        missing = [key for key in _KEYS.values() if key not in figures]
        if missing:
            raise RuntimeError(f"pylambda bench printed no {', '.join(missing)}:\n{completed.stdout}")
        return figures
