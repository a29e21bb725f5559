"""The CLI's warm path as a whole process: `pylambda run` of code already warm, timed by hyperfine."""
import hashlib
import json
import os
import shlex
import statistics
import subprocess

from .context import Context


class CliWarmRunMeasurement:
    """hyperfine runs `pylambda run` (release build) `cli_runs` times without a shell, after one
    untimed run that starts the container (cold in the first round). The function is echo.py with a
    comment naming this run, so its container is this benchmark's own and no one else's warm one."""

    key = "cli-warm-run"
    title = "warm `pylambda run`, whole process (hyperfine)"

    def __init__(self, context: Context):
        self.context = context
        self.source = f"{context.function_source}\n# pylambda bench run {context.run_id}\n"
        self.path = os.path.join(context.scratch, "echo.py")
        with open(self.path, "w") as file:
            file.write(self.source)
        self.code_hash = hashlib.sha256(self.source.encode()).hexdigest()

    def _run_arguments(self, *extra: str) -> list[str]:
        return [self.context.config.pylambda, "run", self.path, "--data", '{"msg":"hello"}', "--idle-ttl", "900",
                *extra]

    def describe(self) -> dict:
        return {"kind": "cli", "title": self.title, "runs": self.context.config.cli_runs,
                "command": ["hyperfine", "-N", "--runs", str(self.context.config.cli_runs),
                            shlex.join(self._run_arguments())]}

    def warm_up(self) -> None:
        self._pylambda_run()

    def measure(self) -> dict:
        self._pylambda_run()
        export = os.path.join(self.context.scratch, "hyperfine.json")
        command = shlex.join(self._run_arguments())
        completed = subprocess.run(
            ["hyperfine", "-N", "--style", "none", "--runs", str(self.context.config.cli_runs),
             "--export-json", export, command], capture_output=True, text=True, timeout=600)
        if completed.returncode != 0:
            raise RuntimeError(f"hyperfine failed: {completed.stderr.strip()}")
        with open(export) as file:
            times = json.load(file)["results"][0]["times"]
        return {"median_ms": statistics.median(times) * 1000, "mean_ms": statistics.mean(times) * 1000,
                "min_ms": min(times) * 1000, "max_ms": max(times) * 1000, "runs": len(times)}

    def close(self) -> None:
        """Removes the warm container: the last run takes it with --no-keep-warm, and anything left
        (after a failure) is found by the code-hash label of this run's own source."""
        try:
            subprocess.run(self._run_arguments("--no-keep-warm"), capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            pass
        listed = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=pylambda.code-hash={self.code_hash}"],
                                capture_output=True, text=True, timeout=60)
        for container in listed.stdout.split():
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)

    def _pylambda_run(self) -> None:
        completed = subprocess.run(self._run_arguments(), capture_output=True, text=True, timeout=300)
        if completed.returncode != 0:
            raise RuntimeError(f"pylambda run exited {completed.returncode}: {completed.stderr.strip()}")
        if json.loads(completed.stdout) != {"echo": {"msg": "hello"}}:
            raise RuntimeError(f"pylambda run printed {completed.stdout!r}")
