#!/usr/bin/env python3
"""Footprint of splicer binaries: file size, start-up time and resident memory of an idle proxy.

Usage: python3 bench/footprint.py [--runs N] BINARY [BINARY...]

For each binary, each run writes the shape of etc/splicer.yaml (two workers, a splice and a copy
listener, one pool of two servers, the admin endpoint) with free loopback ports, starts
`BINARY run --config ...` and reads its log on a pipe:
  start ms     from just before exec to the "splicer started" line arriving on the pipe;
  RSS start    VmRSS (/proc/PID/status) right after that line;
  RSS idle     VmRSS, RssAnon and RssFile one second later, with no traffic.
Then SIGTERM, and a wait for the exit. The binaries take turns, run by run. Prints one Markdown
row per binary: the median of each figure over its runs. Nothing is sent to the listeners; the servers need not exist.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text() -> str:
    web, copy, admin = free_port(), free_port(), free_port()
    return f"""workers: 2
listeners:
  - {{ name: web, bind: "127.0.0.1:{web}", pool: app, mode: splice }}
  - {{ name: web-copy, bind: "127.0.0.1:{copy}", pool: app, mode: copy }}
pools:
  app:
    servers: [{{ address: "127.0.0.1:9" }}, {{ address: "127.0.0.1:10" }}]
    retries: 1
log: {{ level: info, format: json, access_log: true }}
admin: {{ bind: "127.0.0.1:{admin}" }}
"""


def status_kib(pid: int) -> dict:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields


def one_run(binary: str, workdir: str) -> dict:
    path = os.path.join(workdir, "splicer.yaml")
    with open(path, "w") as f:
        f.write(config_text())
    started = time.monotonic()
    proc = subprocess.Popen([os.path.abspath(binary), "run", "--config", path], stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if "splicer started" in line:
                break
        else:
            raise SystemExit(f"{binary} exited before 'splicer started' (status {proc.wait()})")
        start_ms = (time.monotonic() - started) * 1000
        at_start = status_kib(proc.pid)
        time.sleep(1)
        idle = status_kib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.stderr.read()
        proc.wait(timeout=60)
    return {"start_ms": start_ms, "rss_start": at_start["VmRSS"], "rss_idle": idle["VmRSS"],
            "anon_idle": idle["RssAnon"], "file_idle": idle["RssFile"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()
    print("| binary | bytes | MiB | start ms (median) | RSS at start (MiB) | RSS idle 1 s (MiB) "
          "| RssAnon / RssFile idle (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    runs = {binary: [] for binary in args.binaries}
    with tempfile.TemporaryDirectory(prefix="splicer-footprint.") as workdir:
        # Round robin, so that a burst of load on a shared machine hits every binary alike.
        for _ in range(args.runs):
            for binary in args.binaries:
                runs[binary].append(one_run(binary, workdir))
        for binary in args.binaries:
            median = {key: statistics.median(run[key] for run in runs[binary]) for key in runs[binary][0]}
            size = os.path.getsize(binary)
            print(f"| {binary} | {size:,} | {size / 2**20:.1f} | {median['start_ms']:.1f} "
                  f"| {median['rss_start'] / 1024:.1f} | {median['rss_idle'] / 1024:.1f} "
                  f"| {median['anon_idle'] / 1024:.1f} / {median['file_idle'] / 1024:.1f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
