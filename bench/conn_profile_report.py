#!/usr/bin/env python3
"""Renders bench/conn_profile.sh's recordings: per relay, the median over rounds of the relay's
CPU per connection, split into time inside each system call (its inclusive kernel time) and
time outside system calls (own code, language runtime, libc, interrupts).

Connections per run are estimated as wrk's mean rate over its whole run times the recorded
seconds: perf records a window in the middle of the wrk run, where the rate is steady.
"""
import argparse
import re
import statistics
import subprocess
import sys

SYSCALL_ROW = re.compile(r"^\s+([\d.]+)%\s+[\d.]+%\s+\[k\] (__x64_sys_\w+|entry_SYSCALL_64_after_hwframe)$")


def wrk_rate(path):
    """wrk's mean rate over its run; a run with any error is refused, since a failed connection
    costs the relay CPU without being counted."""
    with open(path) as wrk_output:
        match = re.search(r"WRK_RESULT requests=\d+ duration_us=\d+ rps=([\d.]+)(.*)", wrk_output.read())
    if not match:
        sys.exit(f"{path}: no WRK_RESULT line")
    errors = {name: int(count) for name, count in re.findall(r"errors_(\w+)=(\d+)", match.group(2))}
    if any(errors.values()):
        sys.exit(f"{path}: wrk reported errors {errors}; the per-connection figures would be wrong")
    return float(match.group(1))


def perf(*args):
    return subprocess.run(["perf", *args], capture_output=True, text=True, check=True).stdout


def profile(data_path, wrk_path, seconds):
    """Microseconds per connection: 'all', 'syscalls' and one entry per system call."""
    connections = wrk_rate(wrk_path) * seconds
    total_ns = sum(int(line) for line in perf("script", "-i", data_path, "-F", "period").split())
    per_connection = total_ns / 1000 / connections
    figures = {"all": per_connection}
    report = perf("report", "-i", data_path, "--children", "--sort", "sym", "--stdio")
    for line in report.splitlines():
        match = SYSCALL_ROW.match(line)
        if not match:
            continue
        share = float(match.group(1)) / 100
        name = "syscalls" if match.group(2).startswith("entry_") else match.group(2)[len("__x64_sys_") :]
        figures[name] = share * per_connection
    if "syscalls" not in figures:
        sys.exit(f"{data_path}: no entry_SYSCALL_64_after_hwframe row (kernel symbols missing?)")
    figures["outside"] = per_connection - figures["syscalls"]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", required=True, help="TSV: relay, round, perf data, wrk output")
    parser.add_argument("--seconds", type=float, required=True, help="seconds perf recorded")
    parser.add_argument("--min-us", type=float, default=0.3, help="hide calls below this in both relays")
    args = parser.parse_args()
    runs = {}
    with open(args.runs) as listing:
        for line in listing:
            relay, _, data_path, wrk_path = line.rstrip("\n").split("\t")
            runs.setdefault(relay, []).append(profile(data_path, wrk_path, args.seconds))
    relays = list(runs)
    medians = {
        relay: {key: statistics.median(run.get(key, 0.0) for run in runs[relay]) for key in set().union(*runs[relay])}
        for relay in relays
    }
    calls = sorted(
        {key for figures in medians.values() for key in figures} - {"all", "syscalls", "outside"},
        key=lambda key: -max(figures.get(key, 0.0) for figures in medians.values()),
    )
    rounds = ", ".join(f"{relay} {len(runs[relay])}" for relay in relays)
    print(f"Relay CPU per connection, µs, medians over rounds ({rounds}):\n")
    print("| where | " + " | ".join(relays) + " |")
    print("|---|" + "---:|" * len(relays))
    rows = [("**all of the relay's CPU**", "all"), ("inside system calls", "syscalls"),
            ("outside system calls (own code, runtime, libc, interrupts)", "outside")]
    rows += [(f"`{call}`", call) for call in calls
             if max(figures.get(call, 0.0) for figures in medians.values()) >= args.min_us]
    for label, key in rows:
        print(f"| {label} | " + " | ".join(f"{medians[relay].get(key, 0.0):.1f}" for relay in relays) + " |")


if __name__ == "__main__":
    main()
