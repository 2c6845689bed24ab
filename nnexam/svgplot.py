"""Small self-contained SVG charts (no matplotlib): a histogram for grade reports and a line
chart for training curves. Deterministic text output; every label is XML-escaped.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 40, 50
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.2g}"
    return f"{x:.4g}"


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = start
    while t <= hi + 1e-9 * step and len(ticks) < 50:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _frame(title: str, xlabel: str, ylabel: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
        f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{HEIGHT - 10}" text-anchor="middle">{escape(xlabel)}</text>',
        f'<text x="14" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + (HEIGHT - TOP - BOTTOM) / 2})">{escape(ylabel)}</text>',
    ]


def _axes(xlo: float, xhi: float, ylo: float, yhi: float, xticks: Sequence[float], yticks: Sequence[float]) -> list[str]:
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    sx = lambda x: LEFT + (x - xlo) / (xhi - xlo) * pw  # noqa: E731
    sy = lambda y: TOP + ph - (y - ylo) / (yhi - ylo) * ph  # noqa: E731
    out = [
        f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="black"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + ph}" stroke="black"/>',
    ]
    for t in xticks:
        x = sx(t)
        out.append(f'<line x1="{x:.1f}" y1="{TOP + ph}" x2="{x:.1f}" y2="{TOP + ph + 5}" stroke="black"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 18}" text-anchor="middle">{escape(_fmt(t))}</text>')
    for t in yticks:
        y = sy(t)
        out.append(f'<line x1="{LEFT - 5}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(_fmt(t))}</text>')
    return out


def histogram(values: Sequence[float], bins: int | Sequence[float] = 10, *, title: str = "", xlabel: str = "",
              ylabel: str = "count") -> str:
    """An SVG histogram of ``values``; ``bins`` is a count (equal widths over the data) or the edges."""
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if isinstance(bins, int):
        n = max(1, bins)
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = [lo + (hi - lo) * i / n for i in range(n + 1)]
    else:
        edges = sorted(float(e) for e in bins)
        if len(edges) < 2:
            raise ValueError("histogram: bins needs at least two edges")
    counts = [0] * (len(edges) - 1)
    for v in vals:
        if v < edges[0] or v > edges[-1]:
            continue
        counts[min(len(counts) - 1, bisect.bisect_right(edges, v) - 1)] += 1
    top = max(counts) if counts and max(counts) > 0 else 1
    yticks = [t for t in _nice_ticks(0, top) if float(t).is_integer()]
    yhi = max(top, yticks[-1] if yticks else top)
    out = _frame(title, xlabel, ylabel) + _axes(edges[0], edges[-1], 0, yhi, _nice_ticks(edges[0], edges[-1]), yticks)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = edges[-1] - edges[0]
    for k, c in enumerate(counts):
        x0 = LEFT + (edges[k] - edges[0]) / span * pw
        x1 = LEFT + (edges[k + 1] - edges[0]) / span * pw
        h = c / yhi * ph
        out.append(
            f'<rect x="{x0 + 1:.1f}" y="{TOP + ph - h:.1f}" width="{max(0.0, x1 - x0 - 2):.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(_fmt(edges[k]))} to {escape(_fmt(edges[k + 1]))}: {c}</title></rect>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def line_chart(series: Mapping[str, Sequence[float]], *, title: str = "", xlabel: str = "", ylabel: str = "") -> str:
    """An SVG line chart: each series against 1, 2, ... (epochs), with a legend."""
    clean = {name: [float(v) for v in ys] for name, ys in series.items()}
    points = [v for ys in clean.values() for v in ys if math.isfinite(v)]
    n = max((len(ys) for ys in clean.values()), default=1)
    ylo, yhi = (min(points), max(points)) if points else (0.0, 1.0)
    if yhi <= ylo:
        ylo, yhi = ylo - 0.5, yhi + 0.5
    yt = _nice_ticks(ylo, yhi)
    ylo, yhi = min(ylo, yt[0]), max(yhi, yt[-1])
    xlo, xhi = 1.0, float(max(n, 2))
    xt = [t for t in _nice_ticks(xlo, xhi) if float(t).is_integer()]
    out = _frame(title, xlabel, ylabel) + _axes(xlo, xhi, ylo, yhi, xt, yt)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    for k, (name, ys) in enumerate(clean.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = [
            f"{LEFT + (i - xlo) / (xhi - xlo) * pw:.1f},{TOP + ph - (y - ylo) / (yhi - ylo) * ph:.1f}"
            for i, y in enumerate(ys, start=1)
            if math.isfinite(y)
        ]
        if pts:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(pts)}"/>')
        ly = TOP + 14 + 16 * k
        out.append(f'<line x1="{WIDTH - RIGHT - 150}" y1="{ly - 4}" x2="{WIDTH - RIGHT - 130}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 125}" y="{ly}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
