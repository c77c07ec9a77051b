#!/usr/bin/env python3
"""Figures for bench/ab.sh.

`run`: reads one run's load output (iperf3 JSON or wrk with wrk_report.lua) and `perf stat -x,`
output, and prints TSV lines "pair<TAB>relay<TAB>metric<TAB>value": the rate, the units moved,
the relay's CPU and every counter, each per unit (per GB for bulk, per connection or request for
wrk).

`report`: reads those lines for relays A and B and prints, per pair and as medians over the
pairs, each figure of A and B and the ratio A/B.
"""
import argparse
import json
import statistics
import sys
from collections import defaultdict

# System calls by kind: the kinds the report shows, and the calls each sums.
KINDS = [
    ("splice", ["splice"]),
    ("epoll_wait", ["epoll_wait", "epoll_pwait"]),
    ("read/write", ["read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg"]),
    ("accept4", ["accept4"]),
    ("shutdown", ["shutdown"]),
    ("setsockopt", ["setsockopt"]),
    ("epoll_ctl", ["epoll_ctl"]),
]


def load_figures(scenario, path):
    """(rate, rate unit, units moved, unit name, p99 latency in ms or None) of one run."""
    if scenario.startswith("bulk"):
        received = json.load(open(path))["end"]["sum_received"]
        return received["bits_per_second"] / 1e9, "Gbit/s", received["bytes"] / 1e9, "GB", None
    line = next(l for l in open(path) if l.startswith("WRK_RESULT "))
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    unit = "conn" if scenario == "conn" else "req"
    p99 = float(fields["p99_us"]) / 1e3
    return float(fields["rps"]), f"{unit}/s", max(float(fields["requests"]), 1.0), unit, p99


def perf_counts(path):
    """Event name -> count from `perf stat -x,` output; <not counted> is 0."""
    counts = {}
    for line in open(path):
        parts = line.strip().split(",")
        if len(parts) < 3 or line.startswith("#"):
            continue
        value, event = parts[0], parts[2]
        try:
            counts[event] = float(value)
        except ValueError:
            counts[event] = 0.0
    return counts


def run(args):
    rate, rate_unit, units, unit, p99 = load_figures(args.scenario, args.load)
    counts = perf_counts(args.perf)
    rows = [(f"rate {rate_unit}", rate)]
    if p99 is not None:
        rows.append(("p99 latency ms", p99))
    rows += [
        (f"relay CPU ms/{unit}" if unit == "GB" else f"relay CPU us/{unit}",
         args.cpu_seconds * (1e3 if unit == "GB" else 1e6) / units),
        (f"context switches/{unit}", counts.get("context-switches", 0) / units),
    ]
    total = 0.0
    for kind, calls in KINDS:
        n = sum(counts.get(f"syscalls:sys_enter_{call}", 0) for call in calls)
        total += n
        rows.append((f"{kind}/{unit}", n / units))
    rows.append((f"syscalls (these kinds)/{unit}", total / units))
    for metric, value in rows:
        print(f"{args.pair}\t{args.relay}\t{metric}\t{value:.6g}")


def fmt(value):
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def ratio(a, b):
    if b == 0:
        return "—" if a == 0 else "∞"
    return f"{a / b:.2f}"


def report(args):
    figures = defaultdict(dict)  # (metric) -> {(pair, relay): value}
    metrics, pairs = [], []
    for line in open(args.results):
        pair, relay, metric, value = line.rstrip("\n").split("\t")
        if metric not in metrics:
            metrics.append(metric)
        if int(pair) not in pairs:
            pairs.append(int(pair))
        figures[metric][(int(pair), relay)] = float(value)
    a, b = args.a, args.b
    print(f"A/B: A = {a}, B = {b}; {args.title}")
    print()
    print(f"| figure | pair | {a} | {b} | A/B |")
    print("|---|---:|---:|---:|---:|")
    for metric in metrics:
        for pair in pairs:
            va, vb = figures[metric].get((pair, a)), figures[metric].get((pair, b))
            if va is None or vb is None:
                continue
            print(f"| {metric} | {pair} | {fmt(va)} | {fmt(vb)} | {ratio(va, vb)} |")
    print()
    print(f"Medians over {len(pairs)} pairs (the ratio is the median of the per-pair ratios):")
    print()
    print(f"| figure | {a} | {b} | A/B |")
    print("|---|---:|---:|---:|")
    for metric in metrics:
        va = [figures[metric][(p, a)] for p in pairs if (p, a) in figures[metric]]
        vb = [figures[metric][(p, b)] for p in pairs if (p, b) in figures[metric]]
        ratios = [x / y for x, y in zip(va, vb) if y != 0]
        r = f"{statistics.median(ratios):.2f}" if ratios else ratio(sum(va), sum(vb))
        print(f"| {metric} | {fmt(statistics.median(va))} | {fmt(statistics.median(vb))} | {r} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run")
    one.add_argument("--scenario", required=True)
    one.add_argument("--pair", required=True)
    one.add_argument("--relay", required=True)
    one.add_argument("--load", required=True)
    one.add_argument("--perf", required=True)
    one.add_argument("--cpu-seconds", type=float, required=True)
    one.add_argument("--seconds", type=float, required=True)
    summary = commands.add_parser("report")
    summary.add_argument("--results", required=True)
    summary.add_argument("--a", required=True)
    summary.add_argument("--b", required=True)
    summary.add_argument("--title", default="")
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    sys.exit(main())
