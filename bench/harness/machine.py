"""What the figures were measured on: the machine, the tools, and the commit."""
import os
import platform
import re
import subprocess


def _output(*command: str) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (completed.stdout or completed.stderr).strip()


def _first_line(*command: str) -> str:
    lines = _output(*command).splitlines()
    return lines[0] if lines else ""


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def _memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        kib = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo.read()).group(1))
    return round(kib / 1048576, 1)


def machine_info() -> dict:
    os_release = _output("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "os": os_release,
        "docker_server": _output("docker", "version", "--format", "{{.Server.Version}}"),
        "runsc": _first_line("runsc", "--version"),
        "wrk": _first_line("wrk", "-v"),
        "hyperfine": _first_line("hyperfine", "--version"),
        "socat": next((line.strip() for line in _output("socat", "-V").splitlines() if "socat version" in line), ""),
        "python": platform.python_version(),
    }


def git_info(root: str) -> dict:
    return {
        "commit": _output("git", "-C", root, "rev-parse", "HEAD"),
        "branch": _output("git", "-C", root, "rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(_output("git", "-C", root, "status", "--porcelain", "--untracked-files=no")),
    }
