"""The containers of one benchmark run: started with labels, removed afterwards, even after a failure
or Ctrl-C. Only containers carrying this run's own label are ever removed."""
import re
import subprocess


class DockerError(RuntimeError):
    """A docker command failed; the message carries its stderr."""


def docker(*arguments: str, timeout: float = 120) -> str:
    completed = subprocess.run(["docker", *arguments], capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        raise DockerError(f"docker {' '.join(arguments[:2])} failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


class Containers:
    """Starts containers labelled `pylambda.bench=1` and `pylambda.bench.run=<run id>` and removes them.

    The run label is what `remove_all` looks for, so a container whose `docker run` was interrupted
    before its id came back is still found, and another benchmark's containers are never touched.
    """

    def __init__(self, run_id: str, extra_labels: tuple[str, ...] = ()):
        self.run_label = f"pylambda.bench.run={run_id}"
        self.labels = ("pylambda.bench=1", self.run_label, *extra_labels)

    def run(self, image: str, command: tuple[str, ...], options: tuple[str, ...] = ()) -> str:
        """`docker run -d`; the container's id."""
        labels = [argument for label in self.labels for argument in ("--label", label)]
        return docker("run", "-d", *labels, *options, image, *command)

    def remove(self, container: str) -> None:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)

    def remove_all(self) -> None:
        listed = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label={self.run_label}"], capture_output=True, text=True, timeout=60)
        for container in listed.stdout.split():
            self.remove(container)

    @staticmethod
    def running(container: str) -> bool:
        state = subprocess.run(["docker", "inspect", "--format", "{{.State.Running}}", container],
                               capture_output=True, text=True, timeout=30)
        return state.stdout.strip() == "true"

    @staticmethod
    def logs_tail(container: str, lines: int = 20) -> str:
        logs = subprocess.run(["docker", "logs", "--tail", str(lines), container],
                              capture_output=True, text=True, timeout=30)
        return (logs.stdout + logs.stderr).strip()


_UNITS_MIB = {"B": 1 / 1048576, "KiB": 1 / 1024, "MiB": 1.0, "GiB": 1024.0,
              "kB": 1000 / 1048576, "MB": 1e6 / 1048576, "GB": 1e9 / 1048576}


def memory_mib(container: str) -> float:
    """The container's memory use as `docker stats` reports it (the cgroup's usage without page cache)."""
    usage = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", container)
    match = re.match(r"\s*([\d.]+)\s*([KMG]i?B|[kMG]B|B)\b", usage)
    if not match:
        raise DockerError(f"docker stats printed {usage!r}, not a memory figure")
    return float(match.group(1)) * _UNITS_MIB[match.group(2)]


def image_id(image: str) -> str:
    return docker("image", "inspect", "--format", "{{.Id}}", image)
