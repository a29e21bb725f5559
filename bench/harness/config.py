"""How much to measure, from the environment (`make bench` passes it through)."""
import dataclasses
import os


class ConfigError(ValueError):
    """An environment variable the benchmark cannot use; the message says which and why."""


@dataclasses.dataclass(frozen=True)
class Config:
    seconds: int = 6
    """Length of every wrk figure (each preceded by a 1 s wrk warm-up)."""
    rounds: int = 3
    """Alternating rounds; every figure and ratio is the median over them."""
    quick: bool = False
    """A smoke test: 1 s figures, 1 round, fewer dispatcher samples. Its figures mean nothing."""
    cold_starts: int = 9
    """Cold starts per server per round (their median is the round's figure). One varies by about
    +-25 ms on the 2-core VM, as much as the 20 ms target itself: 5 left the runner - nginx figure
    anywhere from -3 to +55 ms per round."""
    cli_runs: int = 20
    """Timed warm `pylambda run` processes per round (hyperfine)."""
    dispatcher_iterations: int = 1000
    dispatcher_cold_samples: int = 15
    boto3_calls: int = 1000
    """Timed sequential calls per round of each client in the boto3 measurement."""
    deps_pairs: int = 3
    """First-run/reused-run pairs of `pylambda run DIR` per round (a new dependency set each)."""
    runner_image: str = "pylambda-runner:latest"
    fastapi_image: str = "pylambda-bench-fastapi:latest"
    nginx_image: str = "pylambda-bench-nginx:latest"
    pylambda: str = ".build/release/pylambda"
    only: frozenset[str] | None = None
    """Measurement keys to run (BENCH_ONLY); None runs them all."""
    extra_labels: tuple[str, ...] = ()
    results_dir: str = "bench/results"

    @classmethod
    def from_environment(cls, root: str, environment=os.environ) -> "Config":
        quick = _flag(environment, "BENCH_QUICK")
        only = environment.get("BENCH_ONLY", "").strip()
        label = environment.get("BENCH_LABEL", "").strip()
        if label and ("=" not in label or label.startswith("=")):
            raise ConfigError(f"BENCH_LABEL must look like key=value, got {label!r}")
        return cls(
            seconds=1 if quick else _whole(environment, "BENCH_SECONDS", 6),
            rounds=1 if quick else _whole(environment, "BENCH_ROUNDS", 3),
            quick=quick,
            dispatcher_iterations=200 if quick else 1000,
            dispatcher_cold_samples=3 if quick else 15,
            boto3_calls=200 if quick else 1000,
            deps_pairs=1 if quick else 3,
            runner_image=environment.get("RUNNER_IMAGE", cls.runner_image),
            fastapi_image=environment.get("BENCH_FASTAPI_IMAGE", cls.fastapi_image),
            nginx_image=environment.get("BENCH_NGINX_IMAGE", cls.nginx_image),
            pylambda=environment.get("PYLAMBDA", os.path.join(root, cls.pylambda)),
            only=frozenset(key.strip() for key in only.split(",") if key.strip()) if only else None,
            extra_labels=(label,) if label else (),
            results_dir=os.path.join(root, cls.results_dir),
        )


def _whole(environment, name: str, default: int) -> int:
    text = environment.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, got {text!r}")
    return int(text)


def _flag(environment, name: str) -> bool:
    text = environment.get(name, "").strip().lower()
    if text in ("", "0", "no", "false"):
        return False
    if text in ("1", "yes", "true"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {text!r}")
