#!/usr/bin/env python3
"""The gap a live upgrade leaves in a steady stream through Splicer.

    python3 bench/upgrade_gap.py                          # 10 upgrades, then 10 with 1000 idle sessions
    python3 bench/upgrade_gap.py --upgrades 5 --idle 0,1000,4000 --binary .build/debug/splicer

One client streams through the relay at a steady rate (--chunk bytes every --interval-ms:
1 KiB every 1 ms, about 1 MB/s, by default) to a backend that reads everything. Each chunk
carries its sequence number, so the backend also checks that nothing was lost, duplicated or
reordered. The backend timestamps every read; the figure is the longest time between two
reads.

For each round: a window without an upgrade (the baseline: what the machine, Python and the
relay do anyway), then `splicer upgrade --pid PID` on the serving process and a window of the
same length that covers the command, the handover and --settle seconds after it. Printed per
round: the longest gap of each window, the `duration_ms` the old process logged with
"upgraded", the wall time of `splicer upgrade`, and the sessions the new process reports
(`splicer_connections_active`). With --idle N (a comma list runs each in turn, on a fresh
relay), N idle connections (bench/idle_conns.py, through a second listener) are open during
the whole series, so every upgrade hands them over too.

The script makes itself a child subreaper (each upgrade's new process is the old one's child,
orphaned when the old exits) and stops every process it started. It measures; it asserts no
speed. Only the standard library is used.
"""

import argparse
import bisect
import ctypes
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEQUENCE = struct.Struct("<Q")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink(threading.Thread):
    """The backend of the stream: accepts one connection, reads all, timestamps every read
    and checks the sequence numbers."""

    def __init__(self, chunk):
        super().__init__(daemon=True)
        self.chunk = chunk
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.arrivals = []
        self.received = 0
        self.next_sequence = 0
        self.out_of_order = 0
        self.ended = threading.Event()

    def run(self):
        conn, _ = self.listener.accept()
        pending = b""
        while True:
            data = conn.recv(1 << 16)
            now = time.monotonic()
            if not data:
                break
            self.arrivals.append(now)
            self.received += len(data)
            pending += data
            whole = len(pending) - len(pending) % self.chunk
            for offset in range(0, whole, self.chunk):
                (sequence,) = SEQUENCE.unpack_from(pending, offset)
                if sequence != self.next_sequence:
                    self.out_of_order += 1
                self.next_sequence = sequence + 1
            pending = pending[whole:]
        conn.close()
        self.ended.set()

    def longest_gap(self, start, end):
        """The longest time between two reads, over the reads in (start, end]."""
        first = bisect.bisect_right(self.arrivals, start)
        last = bisect.bisect_right(self.arrivals, end)
        best = 0.0
        for index in range(max(first, 1), last):
            best = max(best, self.arrivals[index] - self.arrivals[index - 1])
        return best


class Sender(threading.Thread):
    """The client: a chunk every interval on an absolute schedule (late chunks go at once)."""

    def __init__(self, port, chunk, interval):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.chunk = chunk
        self.interval = interval
        self.sent = 0
        self.latest = 0.0   # the longest the sender itself was behind its schedule
        self.stop = threading.Event()
        self.error = None

    def run(self):
        padding = bytes(self.chunk - SEQUENCE.size)
        start = time.monotonic()
        sequence = 0
        try:
            while not self.stop.is_set():
                due = start + sequence * self.interval
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                else:
                    self.latest = max(self.latest, now - due)
                self.sock.sendall(SEQUENCE.pack(sequence) + padding)
                self.sent += self.chunk
                sequence += 1
        except OSError as error:
            self.error = error
        self.sock.shutdown(socket.SHUT_WR)


class Relay:
    """A splicer with two listeners: `stream` to the sink, `idle` to the idle holder."""

    def __init__(self, binary, workdir, sink_port, hold_port, workers):
        self.binary = binary
        self.config = os.path.join(workdir, "splicer.yaml")
        with open(self.config, "w") as f:
            f.write(f"""workers: {workers}
listeners:
  - {{ name: stream, bind: "127.0.0.1:0", pool: sink }}
  - {{ name: idle, bind: "127.0.0.1:0", pool: hold }}
pools:
  sink:
    servers:
      - address: 127.0.0.1:{sink_port}
  hold:
    servers:
      - address: 127.0.0.1:{hold_port}
timeouts: {{ connect: 2s, idle: 3600s, drain: 5s }}
log: {{ level: info, format: json, access_log: false }}
admin: {{ bind: 127.0.0.1:0 }}
""")
        self.log_path = os.path.join(workdir, "splicer.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "run", "--config", self.config], stdout=subprocess.DEVNULL, stderr=self.log)
        self.pid = self.process.pid
        self.pids = [self.pid]
        self.ports = {}
        deadline = time.monotonic() + 60
        while len(self.ports) < 3:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"splicer did not start; log: {self.log_path}")
            with open(self.log_path) as f:
                for line in f:
                    if '"admin bound"' in line or '"listener bound"' in line:
                        entry = json.loads(line)
                        port = int(entry["address"].rsplit(":", 1)[1])
                        self.ports[entry.get("listener", "admin")] = port
            time.sleep(0.05)

    def reap(self, pid, timeout):
        if pid == self.process.pid:
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return None
        deadline = time.monotonic() + timeout
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return 0 if not os.path.exists(f"/proc/{pid}") else None
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)

    def upgrade(self):
        """(new pid, wall ms of `splicer upgrade`, duration_ms logged, old exit status)."""
        old = self.pid
        began = time.monotonic()
        answer = subprocess.run([self.binary, "upgrade", "--pid", str(old)], capture_output=True, text=True,
                                timeout=120)
        wall = (time.monotonic() - began) * 1000
        found = re.match(r"upgraded: pid (\d+) -> (\d+)", answer.stdout.strip())
        if answer.returncode != 0 or not found:
            raise SystemExit(f"upgrade failed (exit {answer.returncode}): {answer.stdout}{answer.stderr}"
                             f" log: {self.log_path}")
        self.pid = int(found.group(2))
        self.pids.append(self.pid)
        status = self.reap(old, 30)
        duration = None
        with open(self.log_path) as f:
            for line in f:
                if '"message":"upgraded"' in line and json.loads(line).get("new_pid") == str(self.pid):
                    duration = int(json.loads(line)["duration_ms"])
        return self.pid, wall, duration, status

    def active(self):
        with socket.create_connection(("127.0.0.1", self.ports["admin"]), timeout=5) as sock:
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            text = b""
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                text += data
        total = 0.0
        for line in text.decode(errors="replace").splitlines():
            if line.startswith("splicer_connections_active"):
                total += float(line.rsplit(" ", 1)[1])
        return int(total)

    def stop(self):
        if self.reap(self.pid, 0) is None:
            os.kill(self.pid, signal.SIGTERM)
            if self.reap(self.pid, 15) is None:
                os.kill(self.pid, signal.SIGKILL)
                self.reap(self.pid, 15)
        self.log.close()


def series(args, idle):
    workdir = tempfile.mkdtemp(prefix="splicer-upgrade-gap-")
    sink = Sink(args.chunk)
    sink.start()
    hold_port = free_port()
    helpers = []
    relay = Relay(args.binary, workdir, sink.port, hold_port, args.workers)
    try:
        if idle > 0:
            helpers.append(subprocess.Popen([sys.executable, os.path.join(HERE, "idle_conns.py"), "hold",
                                             "--port", str(hold_port)], stdout=subprocess.DEVNULL))
            time.sleep(0.5)
            ready = os.path.join(workdir, "idle-ready")
            helpers.append(subprocess.Popen(
                [sys.executable, os.path.join(HERE, "idle_conns.py"), "open", "--port", str(relay.ports["idle"]),
                 "--count", str(idle), "--ready-file", ready], stdout=subprocess.DEVNULL))
            deadline = time.monotonic() + 120
            while not os.path.exists(ready):
                if helpers[-1].poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the {idle} idle connections did not open")
                time.sleep(0.1)
        sender = Sender(relay.ports["stream"], args.chunk, args.interval_ms / 1000)
        sender.start()
        time.sleep(1.0)
        print(f"\n{idle} idle connections; stream of {args.chunk} B every {args.interval_ms} ms;"
              f" relay pid {relay.pid}, {args.workers} workers, binary {args.binary}; log {relay.log_path}")
        print()
        print("| round | baseline max gap ms | upgrade max gap ms | duration_ms (old's log) |"
              " `splicer upgrade` wall ms | old exit | sessions after |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        rows = []
        for round_number in range(1, args.upgrades + 1):
            # The baseline window, then the upgrade window of the same length.
            base_start = time.monotonic()
            time.sleep(args.window)
            base_end = time.monotonic()
            began = time.monotonic()
            new_pid, wall, duration, status = relay.upgrade()
            time.sleep(args.settle)
            length = max(args.window, time.monotonic() - began)
            while time.monotonic() < began + length:
                time.sleep(0.01)
            baseline = sink.longest_gap(base_start, base_end) * 1000
            gap = sink.longest_gap(began, began + length) * 1000
            sessions = relay.active()
            rows.append((baseline, gap, duration, wall))
            print(f"| {round_number} | {baseline:.1f} | {gap:.1f} | {duration} | {wall:.0f} | {status} |"
                  f" {sessions} |", flush=True)
        sender.stop.set()
        sender.join()
        sink.ended.wait(30)

        def median(values):
            values = sorted(v for v in values if v is not None)
            return values[len(values) // 2] if values else float("nan")

        print(f"| median | {median(r[0] for r in rows):.1f} | {median(r[1] for r in rows):.1f} |"
              f" {median(r[2] for r in rows)} | {median(r[3] for r in rows):.0f} | | |")
        print(f"| max | {max(r[0] for r in rows):.1f} | {max(r[1] for r in rows):.1f} |"
              f" {max((r[2] or 0) for r in rows)} | {max(r[3] for r in rows):.0f} | | |")
        print(f"\nstream: {sender.sent} B sent, {sink.received} B received,"
              f" {sink.out_of_order} sequence breaks, sender error {sender.error!r},"
              f" sender at most {sender.latest * 1000:.1f} ms behind its schedule")
    finally:
        relay.stop()
        for helper in reversed(helpers):
            helper.send_signal(signal.SIGTERM)
            try:
                helper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.wait()
    left = [pid for pid in relay.pids if os.path.exists(f"/proc/{pid}")]
    print(f"relay pids {relay.pids[0]} .. {relay.pids[-1]}; left running: {left or 'none'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build-release/release/splicer")
    parser.add_argument("--upgrades", type=int, default=10)
    parser.add_argument("--idle", default="0,1000", help="idle connections open during a series; a comma list")
    parser.add_argument("--chunk", type=int, default=1024, help="bytes per write")
    parser.add_argument("--interval-ms", type=float, default=1.0)
    parser.add_argument("--window", type=float, default=2.0, help="seconds per baseline window")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds measured after an upgrade answers")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"no executable at {args.binary}: build it first"
                         " (swift build -c release --scratch-path .build-release --product splicer)")
    # Threads hand the interpreter over every 0.5 ms, not every 5: the sender keeps its pace.
    sys.setswitchinterval(0.0005)
    PR_SET_CHILD_SUBREAPER = 36
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    for idle in (int(v) for v in args.idle.split(",")):
        series(args, idle)


if __name__ == "__main__":
    main()
