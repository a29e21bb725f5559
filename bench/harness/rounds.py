"""Alternating rounds: every round measures everything, in an order rotated by one each round, so
that no server is always measured first or last; then medians over the rounds."""
import os
import statistics
import time
import traceback

from .derived import derive


def run_rounds(measurements: list, rounds: int, log) -> list[dict]:
    """A warm-up of every measurement, then `rounds` rounds. A measurement that fails in a round is
    recorded with its error (and left out of that round's ratios); the others go on."""
    log(f"==> warm-up ({', '.join(measurement.key for measurement in measurements)})")
    for measurement in measurements:
        measurement.warm_up()
    results = []
    for index in range(rounds):
        shift = index % len(measurements)
        order = measurements[shift:] + measurements[:shift]
        log(f"==> round {index + 1} of {rounds}: {', '.join(measurement.key for measurement in order)}")
        round_result = {"index": index + 1, "order": [measurement.key for measurement in order],
                        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg_at_start": os.getloadavg(),
                        "raw": {}}
        for measurement in order:
            started = time.perf_counter()
            try:
                round_result["raw"][measurement.key] = measurement.measure()
            except Exception as error:
                log(f"    {measurement.key}: FAILED: {error}")
                round_result["raw"][measurement.key] = {"error": str(error), "traceback": traceback.format_exc()}
            else:
                summary = getattr(measurement, "summary", _summary)
                log(f"    {measurement.key}: {summary(round_result['raw'][measurement.key])} "
                    f"({time.perf_counter() - started:.0f} s)")
        round_result["derived"] = derive(round_result["raw"])
        results.append(round_result)
    return results


def medians(rounds: list[dict]) -> dict:
    """The median of every figure over the rounds that have it, with the same shape as one round."""
    raw = _median_tree([round_result["raw"] for round_result in rounds])
    derived = _median_tree([round_result["derived"] for round_result in rounds])
    return {"raw": raw, "derived": derived}


def _median_tree(trees: list[dict]) -> dict:
    keys = []
    for tree in trees:
        keys += [key for key in tree if key not in keys]
    result = {}
    for key in keys:
        values = [tree[key] for tree in trees if key in tree]
        if all(isinstance(value, dict) for value in values):
            values = [value for value in values if "error" not in value]
            if values:
                result[key] = _median_tree(values)
        elif all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
            result[key] = statistics.median(values)
    return result


def _summary(figures: dict) -> str:
    if "c16" in figures:
        return (f"{figures['c16']['rps']:.0f} req/s @16, p50 {figures['c1']['p50_ms']:.3f} ms @1, "
                f"cold {figures['cold_ms']:.0f} ms, {figures['idle_mib']:.1f} MiB")
    if "warm_direct" in figures:
        return (f"warm p50 {figures['warm_direct']['p50_ms']:.3f} ms direct, "
                f"{figures['warm_dispatcher']['p50_ms']:.3f} ms through; "
                f"{figures['concurrent_16'].get('calls_per_second', 0):.0f} calls/s @16")
    if "median_ms" in figures:
        return f"median {figures['median_ms']:.1f} ms"
    return ", ".join(f"{key} {value}" for key, value in figures.items() if isinstance(value, (int, float)))
