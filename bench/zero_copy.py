#!/usr/bin/env python3
"""Is the payload kept out of user space? One large transfer each way through Splicer.

    python3 bench/zero_copy.py                                  # 512 MiB each way, release build
    python3 bench/zero_copy.py --mib 64 --binary .build/debug/splicer

Starts Splicer (one worker, `mode: splice`, access log on, the admin endpoint) with two
listeners: `up` to a backend that reads everything, `down` to a backend that sends --mib MiB
and closes. While one client uploads --mib MiB through `up` and then another downloads --mib
MiB through `down`, `strace -c -f -p PID` counts every system call of the relay. Both ends
compare length and SHA-256. Printed: the calls by name, the splice calls and the
read/write-family calls (read, write, readv, writev, pread64, pwrite64, recvfrom, sendto,
recvmsg, sendmsg, recvmmsg, sendmmsg) with their sum, and from `/metrics`
`splicer_copied_bytes_total` and the bytes relayed. A benchmark: it measures and prints; it
exits 1 only when a transfer is not byte-exact or something failed to start.

strace slows the relay down, so the call counts are what this shows, not a speed. Only the
standard library is used.
"""

import argparse
import hashlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
READ_WRITE_FAMILY = (
    "read write readv writev pread64 pwrite64 recvfrom sendto recvmsg sendmsg recvmmsg sendmmsg".split()
)
BLOCK = os.urandom(1 << 20)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drain(sock):
    """Reads to EOF; returns (bytes, SHA-256 hex)."""
    digest, total = hashlib.sha256(), 0
    while True:
        data = sock.recv(1 << 20)
        if not data:
            return total, digest.hexdigest()
        digest.update(data)
        total += len(data)


def send_blocks(sock, mib):
    """Sends `mib` copies of BLOCK; returns their SHA-256 hex."""
    digest = hashlib.sha256()
    for _ in range(mib):
        sock.sendall(BLOCK)
        digest.update(BLOCK)
    return digest.hexdigest()


class Backend(threading.Thread):
    """`sink` reads each connection to EOF; `source` sends `mib` MiB on each and closes."""

    def __init__(self, role, mib):
        super().__init__(daemon=True)
        self.role, self.mib = role, mib
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.results = []

    def run(self):
        while True:
            conn, _ = self.listener.accept()
            try:
                with conn:
                    if self.role == "sink":
                        self.results.append(drain(conn))
                    else:
                        self.results.append((self.mib << 20, send_blocks(conn, self.mib)))
                        conn.shutdown(socket.SHUT_WR)
                        drain(conn)
            except OSError as error:
                print(f"{self.role}: a connection ended with {error}", file=sys.stderr)


def wait_for_listeners(log_path, process, count):
    """Waits for `count` "listener bound" lines and the admin's, without connecting: a probe
    connection would be relayed to a backend and counted."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"splicer exited with {process.returncode} before listening")
        text = open(log_path).read()
        if text.count('"listener bound"') >= count and '"admin bound"' in text:
            return
        time.sleep(0.05)
    sys.exit(f"splicer did not bind its listeners in 15 s; see {log_path}")


def scrape(admin_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    wanted = ("splicer_copied_bytes_total", "splicer_spliced_bytes_total", "splicer_bytes_total")
    return [line for line in text.splitlines() if line.startswith(wanted)]


def strace_counts(path):
    """Calls by name from `strace -c`'s table."""
    counts = {}
    for line in open(path):
        fields = line.split()
        if len(fields) >= 5 and re.fullmatch(r"[\d.]+", fields[0]) and fields[-1] != "total":
            counts[fields[-1]] = int(fields[3])
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512, help="MiB each way (default 512)")
    parser.add_argument("--binary", default=os.path.join(HERE, "..", ".build-release", "release", "splicer"))
    args = parser.parse_args()

    sink, source = Backend("sink", args.mib), Backend("source", args.mib)
    sink.start()
    source.start()
    up, down, admin = free_port(), free_port(), free_port()
    work = tempfile.mkdtemp(prefix="splicer-zero-copy.")
    config = os.path.join(work, "splicer.yaml")
    with open(config, "w") as out:
        out.write(
            "workers: 1\n"
            "listeners:\n"
            f'  - {{ name: up, bind: "127.0.0.1:{up}", pool: sink, mode: splice }}\n'
            f'  - {{ name: down, bind: "127.0.0.1:{down}", pool: source, mode: splice }}\n'
            "pools:\n"
            f'  sink: {{ servers: [ {{ address: "127.0.0.1:{sink.port}" }} ] }}\n'
            f'  source: {{ servers: [ {{ address: "127.0.0.1:{source.port}" }} ] }}\n'
            f'admin: {{ bind: "127.0.0.1:{admin}" }}\n'
            "log: { level: info, format: json, access_log: true }\n"
        )
    log_path = os.path.join(work, "splicer.log")
    log = open(log_path, "w")
    relay = subprocess.Popen([args.binary, "run", "--config", config], stdout=log, stderr=log)
    strace = None
    try:
        wait_for_listeners(log_path, relay, 2)
        counted = os.path.join(work, "strace.txt")
        strace = subprocess.Popen(["strace", "-c", "-f", "-p", str(relay.pid), "-o", counted])
        time.sleep(1)  # strace attaches to every thread before it counts; it says nothing when done

        with socket.create_connection(("127.0.0.1", up)) as client:
            sent_up = send_blocks(client, args.mib)
            client.shutdown(socket.SHUT_WR)
            drain(client)
        with socket.create_connection(("127.0.0.1", down)) as client:
            client.shutdown(socket.SHUT_WR)
            got_down = drain(client)
        deadline = time.monotonic() + 30
        while not sink.results and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the relay's close of the second connection, inside the count

        strace.terminate()
        strace.wait(timeout=30)
        counts = strace_counts(counted)
        metrics = scrape(admin)
    finally:
        if strace and strace.poll() is None:
            strace.kill()
        relay.terminate()
        relay.wait(timeout=30)

    exact_up = sink.results == [(args.mib << 20, sent_up)]
    exact_down = source.results and got_down == source.results[0]
    print(f"# {args.mib} MiB each way through Splicer ({args.binary})\n")
    print(f"upload byte-exact: {exact_up}; download byte-exact: {bool(exact_down)}\n")
    print("| system call | calls |\n|---|---:|")
    for name, calls in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"| {name} | {calls} |")
    family = sum(counts.get(name, 0) for name in READ_WRITE_FAMILY)
    print(f"\nsplice: {counts.get('splice', 0)}; read/write family: {family}")
    print("\n/metrics after the transfers:\n")
    for line in metrics:
        print(f"    {line}")
    if not (exact_up and exact_down):
        sys.exit("a transfer was not byte-exact")


if __name__ == "__main__":
    main()
