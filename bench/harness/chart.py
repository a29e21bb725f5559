"""A small hand-written SVG: throughput at 16 connections and p50 at 1 connection per server, and
`pylambda serve` in front of its runner (medians over the rounds), with nginx's fixed body, the floor of
what one core serves, drawn as a line."""
from xml.sax.saxutils import escape

_WIDTH = 760
_LABEL_RIGHT = 220
_BAR_LEFT = 230
_BAR_WIDTH = 420
_ROW = 24
_FLOOR = "nginx"


def svg(results: dict) -> str:
    raw = results["medians"]["raw"]
    servers = [(key, description["short"]) for key, description in results["method"]["measurements"].items()
               if description["kind"] in ("server", "serve") and key != _FLOOR and "c16" in raw.get(key, {})]
    floor = raw.get(_FLOOR) if "c16" in raw.get(_FLOOR, {}) else None
    parts = [
        _text(16, 26, "PyLambda benchmark: each server on one CPU (containers --cpus 1), wrk -t1", size=16, weight="bold"),
        _text(16, 46, f"{results['date']}, commit {results['git']['commit'][:12]}, median of "
                      f"{results['method']['rounds']} alternating round(s), {results['method']['seconds']} s per figure",
              size=12, fill="#555"),
    ]
    top = 76
    if results["method"]["quick"]:
        parts.append(_text(16, 64, "BENCH_QUICK: a smoke test of the benchmark; these figures mean nothing",
                           size=12, fill="#c53030", weight="bold"))
        top += 16
    top = _panel(parts, top, "Throughput at 16 connections (req/s, more is better)", servers,
                 lambda key: raw[key]["c16"]["rps"], floor and floor["c16"]["rps"], lambda v: f"{v:,.0f}")
    top = _panel(parts, top + 20, "p50 latency at 1 connection (ms, less is better)", servers,
                 lambda key: raw[key]["c1"]["p50_ms"], floor and floor["c1"]["p50_ms"], lambda v: f"{v:.3f}")
    height = top + 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
            f'viewBox="0 0 {_WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">\n'
            f'<rect width="{_WIDTH}" height="{height}" fill="white"/>\n' + "\n".join(parts) + "\n</svg>\n")


def _panel(parts: list, top: int, title: str, servers: list, value, floor: float | None, label) -> int:
    parts.append(_text(16, top, title, size=13, weight="bold"))
    values = [value(key) for key, _ in servers]
    scale = max(values + ([floor] if floor else []) + [1e-9])
    first_row = top + 26
    for index, ((key, name), amount) in enumerate(zip(servers, values)):
        y = first_row + index * _ROW
        width = max(1.0, amount / scale * _BAR_WIDTH)
        color = "#2b6cb0" if key.startswith("swift-runner") else "#2c7a7b" if key == "serve" else "#a0aec0"
        parts.append(_text(_LABEL_RIGHT, y + 12, name, size=12, anchor="end"))
        parts.append(f'<rect x="{_BAR_LEFT}" y="{y}" width="{width:.1f}" height="16" fill="{color}"/>')
        parts.append(_text(_BAR_LEFT + width + 6, y + 12, label(amount), size=12))
    bottom = first_row + len(servers) * _ROW
    if floor:
        x = _BAR_LEFT + floor / scale * _BAR_WIDTH
        parts.append(f'<line x1="{x:.1f}" y1="{first_row - 8}" x2="{x:.1f}" y2="{bottom}" stroke="#c53030" '
                     f'stroke-width="2" stroke-dasharray="5,3"/>')
        parts.append(_text(min(x, _WIDTH - 230), bottom + 14, f"nginx, fixed body (the floor): {label(floor)}",
                           size=11, fill="#c53030"))
        bottom += 18
    return bottom


def _text(x: float, y: float, content: str, size: int, anchor: str = "start", weight: str = "normal",
          fill: str = "#111") -> str:
    return (f'<text x="{x:.1f}" y="{y}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{escape(content)}</text>')
