#!/usr/bin/env python3
"""What the access log costs the relay per connection: Splicer with `access_log: true` and
with `access_log: false`, alternately (A B A B), under wrk with `Connection: close`.

For each run it reads the relay's CPU time (/proc/PID/stat) and, with perf, its write(2)
calls and context switches, and divides by the connections wrk made. Prints each pair and
the medians; the cost of logging is the median of the per-pair differences of CPU per
connection. Usage: bench/log_cost.py [--pairs 4] [--seconds 5] [--binary PATH]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HZ = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def cpu_seconds(pid):
    """(user + system, user) CPU seconds of the process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ, int(fields[11]) / HZ


def start_backend(workdir):
    port = free_port()
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {workdir}/nginx.pid; error_log {workdir}/nginx.err;
events {{ worker_connections 4096; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port} backlog=4096; location / {{ return 200 "hello\\n"; }} }} }}
""")
    proc = subprocess.Popen(["taskset", "-c", "0", "nginx", "-c", conf, "-p", workdir], stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def run(binary, workdir, backend_port, access_log, seconds):
    port = free_port()
    config = os.path.join(workdir, "splicer.yaml")
    with open(config, "w") as f:
        f.write(f"""workers: 1
listeners:
  - name: web
    bind: 127.0.0.1:{port}
    pool: app
    backlog: 4096
pools:
  app:
    servers:
      - address: 127.0.0.1:{backend_port}
log: {{ level: info, format: json, access_log: {str(access_log).lower()} }}
""")
    log = open(os.path.join(workdir, f"splicer-{access_log}.log"), "w")
    # The relay on CPU 1, everything else on CPU 0, as bench/run.sh pins them.
    relay = subprocess.Popen(["taskset", "-c", "1", binary, "run", "--config", config], stderr=log, stdout=log)
    wait_port(port)
    perf_out = os.path.join(workdir, "perf.txt")
    perf = subprocess.Popen(
        ["taskset", "-c", "0", "perf", "stat", "-x,", "-o", perf_out, "-e",
         "syscalls:sys_enter_write,syscalls:sys_enter_writev,context-switches", "-p", str(relay.pid)])
    time.sleep(0.3)  # perf attaches
    before = cpu_seconds(relay.pid)
    wrk = subprocess.run(
        ["taskset", "-c", "0", "wrk", "-t1", "-c50", f"-d{seconds}s", "-H", "Connection: close", f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True)
    after = cpu_seconds(relay.pid)
    perf.send_signal(2)
    perf.wait()
    relay.terminate()
    relay.wait()
    log.close()
    requests = next(int(line.split()[0]) for line in wrk.stdout.splitlines() if "requests in" in line)
    counts = {}
    with open(perf_out) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[0].replace(".", "").isdigit():
                counts[parts[2]] = float(parts[0])
    writes = counts.get("syscalls:sys_enter_write", 0) + counts.get("syscalls:sys_enter_writev", 0)
    return {
        "conns": requests,
        "cpu_us": (after[0] - before[0]) * 1e6 / requests,
        "user_us": (after[1] - before[1]) * 1e6 / requests,
        "writes": writes / requests,
        "cs": counts.get("context-switches", 0) / requests,
        "rate": requests / seconds,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--binary", default=".build-release/release/splicer")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="splicer-logcost.")
    backend, backend_port = start_backend(workdir)
    diffs, on_all, off_all = [], [], []
    try:
        for pair in range(args.pairs):
            order = [True, False] if pair % 2 == 0 else [False, True]
            result = {mode: run(args.binary, workdir, backend_port, mode, args.seconds) for mode in order}
            on, off = result[True], result[False]
            on_all.append(on)
            off_all.append(off)
            diffs.append(on["cpu_us"] - off["cpu_us"])
            print(f"pair {pair + 1}: log on {on['cpu_us']:.1f} us/conn {on['writes']:.3f} writes/conn "
                  f"{on['cs']:.3f} cs/conn {on['rate']:.0f} conn/s | log off {off['cpu_us']:.1f} us/conn "
                  f"{off['writes']:.3f} writes/conn {off['cs']:.3f} cs/conn {off['rate']:.0f} conn/s | "
                  f"difference {diffs[-1]:+.1f} us", flush=True)
    finally:
        backend.terminate()
        backend.wait()
    med = lambda rows, key: statistics.median(r[key] for r in rows)
    print(f"median user-space CPU: log on {med(on_all, 'user_us'):.1f} us/conn, "
          f"log off {med(off_all, 'user_us'):.1f} us/conn")
    print(f"median: log on {med(on_all, 'cpu_us'):.1f} us/conn, {med(on_all, 'writes'):.3f} writes/conn; "
          f"log off {med(off_all, 'cpu_us'):.1f} us/conn, {med(off_all, 'writes'):.3f} writes/conn; "
          f"logging costs {statistics.median(diffs):+.1f} us/conn (median of pair differences)")


if __name__ == "__main__":
    main()
