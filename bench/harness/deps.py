"""`pylambda run DIR` of a package with requirements: the first run, which installs its dependency set,
and the next one, which finds the set installed and reuses it."""
import json
import os
import shutil
import statistics
import subprocess
import time

from .context import Context

REQUIREMENT = "numpy==2.2.6"
"""What examples/numpy-stats needs: a real, 16 MB manylinux wheel with compiled code."""
MAIN = ("import numpy\n\n\ndef entrypoint(data):\n"
        "    return {\"numpy\": numpy.__version__, \"sum\": int(numpy.arange(10).sum())}\n")
EXPECTED = {"numpy": "2.2.6", "sum": 45}


def cache_directory() -> str:
    """Where `pylambda run` keeps packages and dependency sets (PackagePreparer.defaultCacheDirectory)."""
    if os.geteuid() == 0:
        return "/var/cache/pylambda"
    cache = os.environ.get("XDG_CACHE_HOME", "")
    if cache.startswith("/"):
        return cache + "/pylambda"
    home = os.environ.get("HOME", "")
    if home.startswith("/"):
        return home + "/.cache/pylambda"
    return f"/tmp/pylambda-cache-{os.geteuid()}"


class DependencySetMeasurement:
    """Each pair (`deps_pairs` per round; the round's figures are their medians): a package directory
    (main.py importing numpy; requirements.txt) whose requirements are `numpy==2.2.6,!=0.0.N`, N new
    for every pair: the `!=` clause excludes no release of numpy, so the same wheel is installed, but the
    normalised requirements differ, so the content-addressed set is new (`pylambda run` keeps its
    store in a fixed place for root, shared with other work, so a set of its own is how the first run
    is really first). Then, timed from process start to exit, each with --no-keep-warm so that both
    start a new container:

    first: `pylambda run DIR` resolves and installs the set (uv, or pip where uv is missing; the
      store's download cache is shared, so numpy's wheel and index page may come from it rather than
      PyPI: they do after the first pair of a run), then starts a runner and calls the function;
    reused: the same command again: the set is found by its key, no installer runs; a runner start
      and the call.

    Every answer is checked. Afterwards the pair's set (found by its N in metadata.json) and the
    package tree extracted for it are removed from the store; nothing else in it is touched."""

    key = "deps"
    title = "`pylambda run DIR` with requirements: a new dependency set, and the same set reused"

    def __init__(self, context: Context):
        self.context = context
        self.pairs = context.config.deps_pairs
        self.counter = 0
        self.nonces: list[str] = []

    def _command(self, directory: str) -> list[str]:
        return [self.context.config.pylambda, "run", directory, "--data", "{}", "--no-keep-warm",
                "--image", self.context.config.runner_image]

    def describe(self) -> dict:
        return {"kind": "deps", "title": self.title, "pairs_per_round": self.pairs,
                "requirements": f"{REQUIREMENT},!=0.0.N (N new for every pair)", "main.py": MAIN,
                "command": self._command("DIR"), "store": os.path.join(cache_directory(), "deps")}

    def warm_up(self) -> None:
        """One pair, thrown away: the runner image is in the page cache, uv has run once."""
        self._pair()

    def measure(self) -> dict:
        pairs = [self._pair() for _ in range(self.pairs)]
        return {"first_ms": statistics.median(pair["first_ms"] for pair in pairs),
                "reused_ms": statistics.median(pair["reused_ms"] for pair in pairs),
                "installer": pairs[0]["installer"], "pairs": pairs}

    def close(self) -> None:
        for nonce in self.nonces:
            self._remove(nonce)
        self.nonces.clear()

    @staticmethod
    def summary(figures: dict) -> str:
        return (f"first run (new set) {figures['first_ms']:.0f} ms, reused {figures['reused_ms']:.0f} ms "
                f"({figures['installer']})")

    def _pair(self) -> dict:
        self.counter += 1
        nonce = f"{os.getpid()}{int(time.time())}{self.counter:03d}"
        self.nonces.append(nonce)
        directory = os.path.join(self.context.scratch, f"deps-{self.counter}")
        os.makedirs(directory)
        with open(os.path.join(directory, "main.py"), "w") as file:
            file.write(MAIN)
        with open(os.path.join(directory, "requirements.txt"), "w") as file:
            file.write(f"# pylambda bench {self.context.run_id}: the != clause only makes this set new\n"
                       f"{REQUIREMENT},!=0.0.{nonce}\n")
        try:
            first_ms = self._run(directory)
            sets = self._sets(nonce)
            if len(sets) != 1:
                raise RuntimeError(f"after the first run the store has {len(sets)} sets for this package, not 1")
            created = sets[0]["created"]
            reused_ms = self._run(directory)
            again = self._sets(nonce)
            if len(again) != 1 or again[0]["created"] != created:
                raise RuntimeError("the second run did not reuse the set the first one installed")
            return {"first_ms": first_ms, "reused_ms": reused_ms, "installer": sets[0].get("tool", "unknown")}
        finally:
            self._remove(nonce)
            shutil.rmtree(directory, ignore_errors=True)

    def _run(self, directory: str) -> float:
        started = time.perf_counter()
        completed = subprocess.run(self._command(directory), capture_output=True, text=True, timeout=900)
        elapsed = (time.perf_counter() - started) * 1000
        if completed.returncode != 0:
            raise RuntimeError(f"pylambda run exited {completed.returncode}: {completed.stderr.strip()[-2000:]}")
        if json.loads(completed.stdout) != EXPECTED:
            raise RuntimeError(f"pylambda run printed {completed.stdout!r}, not {EXPECTED}")
        return elapsed

    @staticmethod
    def _sets(nonce: str) -> list[dict]:
        """metadata.json of every set in the store whose requirements carry this nonce."""
        store = os.path.join(cache_directory(), "deps")
        found = []
        for name in os.listdir(store):
            path = os.path.join(store, name, "metadata.json")
            if name.startswith(".") or not os.path.isfile(path):
                continue
            try:
                with open(path) as file:
                    metadata = json.load(file)
            except (OSError, ValueError):
                continue
            if f"!=0.0.{nonce}" in metadata.get("requirements", ""):
                found.append({**metadata, "directory": os.path.join(store, name)})
        return found

    def _remove(self, nonce: str) -> None:
        """This pair's set (its directory, use mark and lock file) and the package tree `pylambda run`
        extracted for it (whose requirements.txt carries the nonce); nothing else."""
        store = os.path.join(cache_directory(), "deps")
        if os.path.isdir(store):
            for metadata in self._sets(nonce):
                key = metadata["key"]
                if os.path.basename(metadata["directory"]) != key or "/" in key:
                    continue
                _remove_tree(metadata["directory"])
                for leftover in (os.path.join(store, ".used", key), os.path.join(store, ".locks", key + ".lock")):
                    if os.path.isfile(leftover) and not os.path.islink(leftover):
                        os.unlink(leftover)
        packages = os.path.join(cache_directory(), "packages")
        if os.path.isdir(packages):
            for name in os.listdir(packages):
                requirements = os.path.join(packages, name, "requirements.txt")
                if name.startswith(".") or os.path.islink(os.path.join(packages, name)) or not os.path.isfile(requirements):
                    continue
                try:
                    with open(requirements) as file:
                        mine = f"!=0.0.{nonce}" in file.read()
                except OSError:
                    continue
                if mine:
                    _remove_tree(os.path.join(packages, name))


def _remove_tree(path: str) -> None:
    """rmtree of a read-only tree (sets are 0555): makes each directory writable first. Never follows links."""
    for folder, folders, _ in os.walk(path):
        for name in folders:
            child = os.path.join(folder, name)
            if not os.path.islink(child):
                os.chmod(child, 0o700)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o700)
    shutil.rmtree(path, ignore_errors=True)
