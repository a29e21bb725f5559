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
    servers = _server_table(method["measurements"], medians["raw"])
    if len(servers) > 2:
        lines += ["", *servers]
    derived = _derived_table(results, "side-by-side", "Side by side")
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
    for section in (_serve_section, _deps_section, _boto3_section):
        section_lines = section(results)
        if section_lines:
            lines += ["", *section_lines]
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


def _derived_table(results: dict, table: str, heading: str) -> list[str]:
    """One table's derived figures; the target columns only when one of its figures has a target."""
    shown = [derived for derived in DERIVED
             if derived.table == table and results["medians"]["derived"].get(derived.key) is not None]
    targets = any(derived.target for derived in shown)
    lines = ([f"| {heading} | median | per round | target | |", "|---|---:|---|---|---|"] if targets
             else [f"| {heading} | median | per round |", "|---|---:|---|"])
    for derived in shown:
        value = results["medians"]["derived"][derived.key]
        per_round = ", ".join(_format(round_result["derived"][derived.key], derived.unit)
                              for round_result in results["rounds"] if derived.key in round_result["derived"])
        line = f"| {derived.label} | {_format(value, derived.unit)} | {per_round} |"
        if targets:
            verdict = "" if derived.met is None else ("met" if derived.met(value) else "**missed**")
            target = f"{derived.target} (issue {derived.issue})" if derived.target else ""
            line += f" {target} | {verdict} |"
        lines.append(line)
    return lines


def _serve_section(results: dict) -> list[str]:
    """serve's invoke at 1 connection (sequential) and 16, beside the runner called directly and the
    dispatcher's warm call, measured in the same rounds."""
    raw = results["medians"]["raw"]
    serve = raw.get("serve")
    if not serve:
        return []
    lines = ["| `pylambda serve`: echo.py, concurrency 1, bearer key | p50 ms @1 | p99 ms @1 | calls/s @16 |",
             "|---|---:|---:|---:|",
             f"| POST /v1/functions/{{name}}/invoke (serve on 1 CPU, its runner --cpus 1) | "
             f"{_number(serve.get('c1', {}).get('p50_ms'), 3)} | {_number(serve.get('c1', {}).get('p99_ms'), 3)} | "
             f"{_number(serve.get('c16', {}).get('rps'), 0)} |"]
    healthz = serve.get("healthz_c1")
    if healthz:
        lines.append(f"| GET /healthz on the same serve (no key, no function, no registry) | "
                     f"{_number(healthz.get('p50_ms'), 3)} | {_number(healthz.get('p99_ms'), 3)} | "
                     f"{_number(serve.get('healthz_c16', {}).get('rps'), 0)} |")
    runner = raw.get("swift-runner")
    if runner and "c1" in runner:
        lines.append(f"| the runner called directly (swift-runner row) | {_number(runner['c1'].get('p50_ms'), 3)} | "
                     f"{_number(runner['c1'].get('p99_ms'), 3)} | {_number(runner.get('c16', {}).get('rps'), 0)} |")
    for key, function in (("pair", "echo.py"), ("busy_pair", "busy_echo.py (about 2 ms of CPU per call)")):
        pair = serve.get(key)
        if pair and "serve_c16" in pair and "direct_c16" in pair:
            lines.append(f"| invoke of {function}, concurrency 2 (two containers) | | | "
                         f"{_number(pair['serve_c16'].get('rps'), 0)} |")
            lines.append(f"| two swift-runner containers of {function} called directly, 8 connections each | | | "
                         f"{_number(pair['direct_c16'].get('rps'), 0)} |")
    warm = raw.get("dispatcher", {}).get("warm_dispatcher")
    if warm:
        lines.append(f"| a warm call through the dispatcher, in process (`pylambda bench`) | "
                     f"{_number(warm.get('p50_ms'), 3)} | {_number(warm.get('p99_ms'), 3)} | |")
    derived = _derived_table(results, "serve", "serve, side by side")
    return lines + (["", *derived] if len(derived) > 2 else [])


def _deps_section(results: dict) -> list[str]:
    """`pylambda run DIR` with requirements: a new dependency set, and the same set reused."""
    deps = results["medians"]["raw"].get("deps")
    if not deps:
        return []
    rounds = [round_result["raw"]["deps"] for round_result in results["rounds"]
              if "error" not in round_result["raw"].get("deps", {"error": ""})]
    installers = ", ".join(sorted({figures["installer"] for figures in rounds}))
    pairs = results["method"]["measurements"]["deps"]["pairs_per_round"]

    def row(label: str, key: str) -> str:
        per_round = ", ".join(f"{figures[key]:.0f}" for figures in rounds)
        return f"| {label} | {_number(deps.get(key), 0)} | {per_round} |"

    lines = [f"| `pylambda run DIR`, requirements numpy==2.2.6 ({installers}; {pairs} pair(s) per round) "
             "| median ms | per round ms |",
             "|---|---:|---|",
             row("first run: installs a new dependency set, new container", "first_ms"),
             row("next run: reuses the set, new container", "reused_ms")]
    derived = _derived_table(results, "deps", "deps, side by side")
    return lines + (["", *derived] if len(derived) > 2 else [])


def _boto3_section(results: dict) -> list[str]:
    """boto3's invoke round trip, and the native invoke from http.client beside it."""
    figures = results["medians"]["raw"].get("boto3")
    if not figures:
        return []
    calls = results["method"]["measurements"]["boto3"]["calls"]
    lines = [f"| serve's Lambda API: {calls} sequential calls, warm function, one keep-alive connection "
             "| p50 ms | p99 ms | mean ms |",
             "|---|---:|---:|---:|"]
    for key, label in (("boto3", "boto3 `lambda.invoke` (RequestResponse, SigV4)"),
                       ("native", "native POST /v1/functions/{name}/invoke (http.client, bearer key)")):
        figure = figures.get(key, {})
        lines.append(f"| {label} | {_number(figure.get('p50_ms'), 3)} | {_number(figure.get('p99_ms'), 3)} | "
                     f"{_number(figure.get('mean_ms'), 3)} |")
    derived = _derived_table(results, "boto3", "boto3, side by side")
    return lines + (["", *derived] if len(derived) > 2 else [])


def _format(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "calls/s":
        return f"{value:.0f} calls/s"
    return f"{value:.3f} ms" if unit == "ms" and abs(value) < 1 else f"{value:.1f} {unit}"


def _number(value, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"
