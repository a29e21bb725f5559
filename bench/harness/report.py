"""The README's tables, in Markdown, from the results: medians over the rounds, and for the ratios
every round's value too, so that a reader sees how much they moved."""
from .derived import DERIVED


def markdown(results: dict) -> str:
    method, medians = results["method"], results["medians"]
    lines = [
        f"Measured by `make bench` on {results['date']} at commit {results['git']['commit'][:12]}"
        f"{' (uncommitted changes)' if results['git']['dirty'] else ''}: {method['rounds']} alternating "
        f"round(s) after a warm-up, wrk -t1 for {method['seconds']} s per figure, each server in its own "
        f"container with --cpus 1 ({results['machine']['cores']} cores, {results['machine']['cpu']}). "
        "Every figure is the median over the rounds; every ratio is the median of the per-round ratios. "
        "1-minute load average as each round started: "
        + ", ".join(f"{round_result['loadavg_at_start'][0]:.1f}" for round_result in results["rounds"]) + ".",
    ]
    if method["quick"]:
        lines.append("\n**BENCH_QUICK: a smoke test of the benchmark; these figures mean nothing.**")
    lines += ["", *_server_table(method["measurements"], medians["raw"])]
    derived = _derived_table(results)
    if len(derived) > 2:
        lines += ["", *derived]
    dispatcher = medians["raw"].get("dispatcher")
    if dispatcher:
        lines += ["", "| Through the dispatcher (`pylambda bench`) | p50 ms | p99 ms | calls/s |", "|---|---:|---:|---:|"]
        for key, label in (("warm_direct", "warm call, runner directly"),
                           ("warm_dispatcher", "warm call, through the dispatcher"),
                           ("concurrent_16", "16 concurrent callers"), ("new_code_warm_pool", "new code, warm pool"),
                           ("new_code_no_pool", "new code, no warm pool")):
            figure = dispatcher.get(key, {})
            rate = figure.get("calls_per_second")
            lines.append(f"| {label} | {_number(figure.get('p50_ms'), 3)} | {_number(figure.get('p99_ms'), 3)} | "
                         f"{_number(rate, 0) if rate is not None else ''} |")
    cli = medians["raw"].get("cli-warm-run")
    if cli:
        lines += ["", "| Warm `pylambda run`, whole process (hyperfine) | median ms | min ms | max ms |",
                  "|---|---:|---:|---:|",
                  f"| `pylambda run examples/echo.py` | {_number(cli.get('median_ms'), 1)} | "
                  f"{_number(cli.get('min_ms'), 1)} | {_number(cli.get('max_ms'), 1)} |"]
    failures = [f"round {round_result['index']}, {key}: {figures['error'].splitlines()[0]}"
                for round_result in results["rounds"] for key, figures in round_result["raw"].items() if "error" in figures]
    if failures:
        lines += ["", "Failed measurements (left out of the medians):", *(f"- {failure}" for failure in failures)]
    return "\n".join(lines)


def _server_table(described: dict, raw: dict) -> list[str]:
    lines = ["| Server | req/s @1 | p50 ms @1 | p99 ms @1 | req/s @16 | p50 ms @16 | p99 ms @16 | cold start ms | idle MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, description in described.items():
        if description["kind"] != "server":
            continue
        figures = raw.get(key)
        if not figures or "c1" not in figures:
            lines.append(f"| {description['title']} | failed | | | | | | | |")
            continue
        c1, c16 = figures["c1"], figures["c16"]
        lines.append(f"| {description['title']} | {c1['rps']:.0f} | {c1['p50_ms']:.3f} | {c1['p99_ms']:.3f} | "
                     f"{c16['rps']:.0f} | {c16['p50_ms']:.3f} | {c16['p99_ms']:.3f} | {figures['cold_ms']:.0f} | "
                     f"{figures['idle_mib']:.1f} |")
    return lines


def _derived_table(results: dict) -> list[str]:
    lines = ["| Side by side | median | per round | target (issue 7) | |", "|---|---:|---|---|---|"]
    for derived in DERIVED:
        value = results["medians"]["derived"].get(derived.key)
        if value is None:
            continue
        per_round = ", ".join(_format(round_result["derived"][derived.key], derived.unit)
                              for round_result in results["rounds"] if derived.key in round_result["derived"])
        verdict = "" if derived.met is None else ("met" if derived.met(value) else "**missed**")
        lines.append(f"| {derived.label} | {_format(value, derived.unit)} | {per_round} | {derived.target or ''} | {verdict} |")
    return lines


def _format(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "calls/s":
        return f"{value:.0f} calls/s"
    return f"{value:.3f} ms" if unit == "ms" and abs(value) < 1 else f"{value:.1f} {unit}"


def _number(value, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"
