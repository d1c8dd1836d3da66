#!/usr/bin/env python3
"""Summarise benchmarks/results.csv (written by scripts/bench-peers): print the medians, the
ratios against SAM and the growth per N as Markdown, and draw the log-log plot of time
against N as an SVG (no plotting library needed).

    python3 scripts/bench/report.py benchmarks/results.csv --svg benchmarks/time-vs-n.svg

Python 3 standard library only; the same CSV gives the same bytes.
"""

import argparse
import csv
import math
import statistics
import sys
from collections import OrderedDict

COLORS = {
    "sam": "#d95f02",
    "sam-inproc": "#d95f02",
    "cloudformation": "#1b6ac9",
    "cloudformation --split": "#17a2b8",
    "terraform": "#2ca02c",
    "knative": "#7b3fb5",
    "lint (JSON)": "#8c564b",
    "lint (human)": "#e377c2",
    "lint (SARIF)": "#bcbd22",
    "check": "#555555",
}
COMPILE = ("cloudformation", "terraform", "knative")


def series_key(row):
    return ("sam", "") if row["tool"] == "sam" else (row["tool"], row["target"])


def name(key):
    tool, target = key
    if tool == "sam":
        return "SAM (aws-sam-translator) → CloudFormation"
    if tool == "floor":
        return f"floor (serde round trip) → {target}"
    return f"updraft → {target}" if target in COMPILE else f"updraft {target}"


def fmt_time(s):
    if s < 1:
        return f"{s * 1e3:.0f} ms" if s >= 0.0095 else f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def tick(s):
    """A decade's label: 1 ms, 10 ms, 100 ms, 1 s, 10 s, 100 s."""
    return f"{s * 1e3:g} ms" if s < 1 else f"{s:g} s"


def fmt_bytes(b):
    if not b:
        return "-"
    b = float(b)
    return f"{b / 1048576:.1f} MB" if b >= 1048576 else f"{b / 1024:.0f} KB"


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def summarise(rows):
    """{(tool, target): {n: stats}} over the measured runs, and the skipped targets."""
    out = OrderedDict()
    skipped = []
    for row in rows:
        n = int(row["n"])
        if row["outcome"].startswith("skipped"):
            skipped.append((n, row["target"], row["outcome"]))
            continue
        key = series_key(row)
        s = out.setdefault(key, {}).setdefault(n, {"wall": [], "cpu": [], "rss": [], "out": [], "tr": [], "outcome": row["outcome"], "res": ""})
        s["wall"].append(float(row["wall_s"]))
        s["cpu"].append(float(row["user_s"]) + float(row["sys_s"]))
        s["rss"].append(float(row["max_rss_mb"]))
        s["out"].append(int(row["output_bytes"] or 0))
        if row.get("inproc_transform_s"):
            s["tr"].append(float(row["inproc_transform_s"]))
        if row.get("resources"):
            s["res"] = row["resources"]
        if row["outcome"].startswith("unexpected"):
            s["outcome"] = row["outcome"]
    for key in out:
        for n, s in out[key].items():
            s["wall_med"] = statistics.median(s["wall"])
            s["cpu_med"] = statistics.median(s["cpu"])
            s["rss_med"] = statistics.median(s["rss"])
            s["rss_max"] = max(s["rss"])
            s["tr_med"] = statistics.median(s["tr"]) if s["tr"] else None
            s["out_med"] = statistics.median(s["out"])
    return out, skipped


def table(summary, skipped):
    ns = sorted({n for per in summary.values() for n in per})
    sam = summary.get(("sam", ""), {})
    lines = [
        "| N | tool → target | result | median time | CPU (user+sys) | peak RSS (median, max) | output | SAM time ÷ this |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in ns:
        for key, per in summary.items():
            if n not in per:
                continue
            s = per[n]
            ratio = ""
            if n in sam and (key[1] in COMPILE or key == ("sam", "")) and key[0] != "floor":
                ratio = f"{sam[n]['wall_med'] / s['wall_med']:.1f}×" if key != ("sam", "") else "1×"
            result = s["outcome"]
            if key == ("sam", "") and s["tr_med"] is not None:
                result = f"written (transform alone {fmt_time(s['tr_med'])})"
            lines.append(
                f"| {n:,} | {name(key)} | {result} | {fmt_time(s['wall_med'])} | {fmt_time(s['cpu_med'])} "
                f"| {s['rss_med']:.0f} MB, {s['rss_max']:.0f} MB | {fmt_bytes(s['out_med'])} | {ratio} |"
            )
    for n, target, outcome in skipped:
        lines.append(f"| {n:,} | updraft → {target} | {outcome} | | | | | |")
    return "\n".join(lines)


def floor_table(summary):
    """updraft's median time against the floor's, per N and compile target."""
    lines = ["| N | target | updraft | floor | updraft ÷ floor (bar: ≤ 5×) | floor CPU | updraft CPU |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    ns = sorted({n for per in summary.values() for n in per})
    for n in ns:
        for t in COMPILE:
            u, f = summary.get(("updraft", t), {}).get(n), summary.get(("floor", t), {}).get(n)
            if not u or not f:
                continue
            lines.append(f"| {n:,} | {t} | {fmt_time(u['wall_med'])} | {fmt_time(f['wall_med'])} | "
                         f"{u['wall_med'] / f['wall_med']:.1f}× | {fmt_time(f['cpu_med'])} | {fmt_time(u['cpu_med'])} |")
    return "\n".join(lines)


def growth(summary):
    lines = ["| tool → target | " + " | ".join(["time(N) ÷ time(N/10)"] * 1) + " |", "| --- | --- |"]
    steps = [(10, 100), (100, 1000), (1000, 10000), (10000, 100000)]
    lines = ["| tool → target | 10 → 100 | 100 → 1,000 | 1,000 → 10,000 (bar: ≤ 11×) | 10,000 → 100,000 |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for key, per in summary.items():
        cells = []
        for a, b in steps:
            cells.append(f"{per[b]['wall_med'] / per[a]['wall_med']:.1f}×" if a in per and b in per else "-")
        lines.append(f"| {name(key)} | " + " | ".join(cells) + " |")
        if key == ("sam", "") and any(per[n]["tr_med"] for n in per):
            cells = []
            for a, b in steps:
                ok = a in per and b in per and per[a]["tr_med"] and per[b]["tr_med"]
                cells.append(f"{per[b]['tr_med'] / per[a]['tr_med']:.1f}×" if ok else "-")
            lines.append("| SAM transform alone (in-process) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def svg(summary, path):
    W, H = 820, 520
    left, right, top, bottom = 80, 250, 40, 60
    pw, ph = W - left - right, H - top - bottom
    pts = []
    for key, per in summary.items():
        for n, s in per.items():
            pts.append((n, s["wall_med"]))
            if s["tr_med"]:
                pts.append((n, s["tr_med"]))
    if not pts:
        return
    xmin = 10 ** math.floor(math.log10(min(p[0] for p in pts)))
    xmax = 10 ** math.ceil(math.log10(max(p[0] for p in pts)))
    ymin = 10 ** math.floor(math.log10(min(p[1] for p in pts)))
    ymax = 10 ** math.ceil(math.log10(max(p[1] for p in pts)))
    if xmax == xmin:
        xmax *= 10
    if ymax == ymin:
        ymax *= 10

    def X(n):
        return left + pw * (math.log10(n) - math.log10(xmin)) / (math.log10(xmax) - math.log10(xmin))

    def Y(t):
        return top + ph * (1 - (math.log10(t) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin)))

    o = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{left + pw / 2:.1f}" y="22" text-anchor="middle" font-size="14" font-weight="bold">'
        "Time against app size (median wall time per process, log-log)</text>",
    ]
    d = xmin
    while d <= xmax:
        x = X(d)
        o.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#ddd"/>')
        o.append(f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{d:,}</text>')
        d *= 10
    d = ymin
    while d <= ymax * 1.0001:
        y = Y(d)
        o.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick(d)}</text>')
        d *= 10
    o.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{left + pw / 2:.1f}" y="{H - 18}" text-anchor="middle">functions in the app (N)</text>')
    o.append(f'<text transform="translate(18 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle">time</text>')

    legend = []

    def line(points, color, dash, label, hollow_at=()):
        points = sorted(points)
        path = " ".join(f"{'M' if i == 0 else 'L'}{X(n):.1f},{Y(t):.1f}" for i, (n, t) in enumerate(points))
        da = f' stroke-dasharray="{dash}"' if dash else ""
        o.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2"{da}/>')
        for n, t in points:
            fill = "white" if n in hollow_at else color
            o.append(f'<circle cx="{X(n):.1f}" cy="{Y(t):.1f}" r="4" fill="{fill}" stroke="{color}" stroke-width="1.5"/>')
        legend.append((color, dash, label))

    # A slope-1 guide (linear growth) through the first updraft series' smallest N.
    first = next((per for key, per in summary.items() if key[0] == "updraft"), None)
    if first:
        n0 = min(first)
        t0 = first[n0]["wall_med"]
        a, b = (xmin, t0 * xmin / n0), (xmax, t0 * xmax / n0)
        o.append(f'<line x1="{X(a[0]):.1f}" y1="{Y(a[1]):.1f}" x2="{X(b[0]):.1f}" y2="{Y(b[1]):.1f}" '
                 f'stroke="#999" stroke-width="1" stroke-dasharray="2,4" clip-path="url(#plot)"/>')
        legend.append(("#999", "2,4", "linear growth (slope 1)"))
        o.insert(1, f'<defs><clipPath id="plot"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath></defs>')
    hollow_any = False
    for key, per in summary.items():
        if key[0] == "floor" or key[1] in ("lint (human)", "lint (SARIF)"):
            continue  # in the tables; the plot keeps one line per kind of work
        color = COLORS.get(key[1] if key[0] == "updraft" else "sam", "#555")
        hollow = {n for n, s in per.items() if s["outcome"].startswith("refused")}
        hollow_any |= bool(hollow)
        line([(n, s["wall_med"]) for n, s in per.items()], color, "", name(key).replace(" (aws-sam-translator)", ""), hollow)
        if key == ("sam", "") and all(s["tr_med"] for s in per.values()):
            line([(n, s["tr_med"]) for n, s in per.items()], COLORS["sam-inproc"], "6,4", "SAM transform alone (in-process)")
    ly = top + 10
    lx = left + pw + 16
    for color, dash, label in legend:
        da = f' stroke-dasharray="{dash}"' if dash else ""
        o.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 26}" y2="{ly}" stroke="{color}" stroke-width="2"{da}/>')
        o.append(f'<text x="{lx + 32}" y="{ly + 4}">{esc(label)}</text>')
        ly += 20
    if hollow_any:
        o.append(f'<circle cx="{lx + 13}" cy="{ly}" r="4" fill="white" stroke="#1b6ac9" stroke-width="1.5"/>')
        for k, text in enumerate(["refused over a CloudFormation", "budget (UD5002-UD5004), nested", "stacks too: time to the refusal,", "all lowered and serialized,", "nothing written"]):
            o.append(f'<text x="{lx + 32}" y="{ly + 4 + 14 * k}">{text}</text>')
    o.append("</svg>")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(o) + "\n")


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--svg", help="write the plot here")
    a = ap.parse_args()
    summary, skipped = summarise(load(a.csv))
    print("## Results (medians)\n")
    print(table(summary, skipped))
    print("\n## Growth (median time ratio between sizes)\n")
    print(growth(summary))
    if any(key[0] == "floor" for key in summary):
        print("\n## Against the floor (same run)\n")
        print(floor_table(summary))
    if a.svg:
        svg(summary, a.svg)
        print(f"\n(plot: {a.svg})", file=sys.stderr)


if __name__ == "__main__":
    main()
