#!/usr/bin/env python3
"""Soak test: run Splicer for N minutes under churn and check that nothing leaks or is lost.

    python3 scripts/soak.py --minutes 10                  # the full run (default 10 minutes)
    python3 scripts/soak.py --minutes 1                   # a smoke run, short enough for CI
    python3 scripts/soak.py --binary .build/release/splicer --seed 7 --concurrency 48

It starts the `splicer` binary (--binary, default .build/debug/splicer) on a generated config
with two listeners and two pools, both with active TCP health checks:

  steady     one backend that is always there;
  flapping   one backend that goes away (stops listening and resets its open connections)
             and comes back every few seconds, so the health check marks it down and up.

Clients churn for the set time. Each connection sends a 25-byte header (request length,
response length, seed, mode) and a pattern derived from the seed; the backend answers with
its own pattern. Sizes are random (0 B to --max-size). Modes: the client half-closes first
and the backend answers after the request's EOF; the backend answers and half-closes first
while the request still flows; or both stream at once. Some clients reset (SO_LINGER 0)
at a random point; some go to the flapping pool.

Checks (the run fails if any does not hold):
  * every connection that the relay closed cleanly (EOF, no reset) delivered every byte both
    ways, verified by length and SHA-256 on both ends: no byte lost, none reordered;
  * no peer ever saw a clean EOF after a truncated stream (a "truncated FIN");
  * after the churn, once every connection is closed, the relay's descriptors that are not
    pipes are back to the baseline, its pipe descriptors are at most 2 x pipe_pool x workers
    (the pools it may keep), and its RSS grew by at most --rss-bound-mib over the baseline;
  * no connection hung (120 s), every reload was applied, and after the last one each
    listener still serves a new client.

With --upgrade-every S the relay is also upgraded live every S seconds of the churn
(`splicer upgrade --pid PID`, the same binary): each new process adopts the listeners and
the connections in flight, and the soak follows it. Every check above still holds across the
upgrades (the end-state figures are those of the last process, against the first one's
baseline); in addition every upgrade must answer `upgraded`, the old process must exit 0,
and at the end no splicer process of the run may be left. The soak makes itself a child
subreaper so that the processes orphaned by their parent's exit are its own to reap.

The baseline is measured after a warm-up (a few hundred connections of every kind, then
waiting until the relay reports no active connection): by then the allocator, the worker
threads and the admin endpoint have reached their steady size, so what remains is what a
leak would add. Samples of descriptors, pipes and RSS are taken every second.
"""

import argparse
import asyncio
import collections
import ctypes
import errno
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HEADER = struct.Struct("<QQQB")
MODE_CLIENT_FIRST = 0   # client sends all and half-closes; backend answers after the EOF
MODE_SERVER_FIRST = 1   # backend answers and half-closes at once; client sends after
MODE_BOTH = 2           # both stream at once
BLOCK = random.Random(0x5EED).randbytes(1 << 20)


def pattern_chunks(seed, length, chunk=256 << 10):
    """The stream for `seed`: the 1 MiB block read cyclically from a seed-derived offset."""
    offset = (seed * 7919) % len(BLOCK)
    remaining = length
    while remaining > 0:
        take = min(chunk, remaining, len(BLOCK) - offset)
        yield BLOCK[offset:offset + take]
        offset = (offset + take) % len(BLOCK)
        remaining -= take


def pattern_digest(seed, length):
    digest = hashlib.sha256()
    for piece in pattern_chunks(seed, length):
        digest.update(piece)
    return digest.hexdigest()


class ClientReset(Exception):
    """The client reset its own connection on purpose."""


async def both(first, second):
    """Runs two coroutines; the first exception cancels the other and is raised."""
    tasks = [asyncio.ensure_future(first), asyncio.ensure_future(second)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    for task in pending:
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
    errors = [t.exception() for t in tasks if not t.cancelled() and t.exception() is not None]
    for error in errors:
        if isinstance(error, ClientReset):
            raise error
    if errors:
        raise errors[0]


def set_reset_on_close(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class Backend:
    """An asyncio server speaking the soak protocol; records what each seed's request was."""

    def __init__(self, name, results):
        self.name = name
        self.results = results
        self.server = None
        self.port = 0
        self.live = set()
        self.aborted = set()

    async def start(self):
        self.server = await asyncio.start_server(
            self.handle, "127.0.0.1", self.port, backlog=1024, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def go_away(self):
        """Stops listening and resets every open connection, like a crashed server."""
        self.server.close()
        for writer in list(self.live):
            self.aborted.add(writer)
            sock = writer.get_extra_info("socket")
            try:
                set_reset_on_close(sock)
            except OSError:
                pass
            writer.transport.abort()
        await self.server.wait_closed()
        self.server = None

    async def handle(self, reader, writer):
        self.live.add(writer)
        seed = None
        try:
            try:
                head = await reader.readexactly(HEADER.size)
            except asyncio.IncompleteReadError:
                return
            req_len, resp_len, seed, mode = HEADER.unpack(head)

            async def send():
                for piece in pattern_chunks(seed, resp_len):
                    writer.write(piece)
                    await writer.drain()
                writer.write_eof()

            received = hashlib.sha256()
            count = 0
            outcome = "eof"
            sender = None
            if mode != MODE_CLIENT_FIRST:
                sender = asyncio.ensure_future(send())
            try:
                while True:
                    data = await reader.read(256 << 10)
                    if not data:
                        break
                    received.update(data)
                    count += len(data)
            except (ConnectionError, OSError):
                outcome = "reset"
            if outcome == "eof" and sender is None:
                try:
                    await send()
                except (ConnectionError, OSError):
                    outcome = "reset"
            elif sender is not None:
                try:
                    await sender
                except (ConnectionError, OSError):
                    outcome = "reset"
            if writer in self.aborted:
                outcome = "reset"
            self.results[seed] = (outcome, count, received.hexdigest(), req_len)
        except (ConnectionError, OSError):
            if seed is not None:
                self.results.setdefault(seed, ("reset", -1, "", 0))
        finally:
            self.live.discard(writer)
            self.aborted.discard(writer)
            try:
                writer.close()
            except (ConnectionError, OSError):
                pass


def private_listen_address(rng):
    """A loopback address of its own (127.64-127.x.y) and a port free on it.

    The listeners need fixed ports, since a reload renames one on its address. Nothing else
    here binds on that address, so the port found free stays free for the relay."""
    for _ in range(100):
        host = f"127.{rng.randint(64, 127)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((host, 0))
            except OSError:
                continue
            return host, probe.getsockname()[1]
    raise SystemExit("no free loopback address for the relay's listeners")


class Relay:
    """The splicer child: config, process, log file, and its /proc figures."""

    def __init__(self, binary, workdir, steady_port, flapping_port, pipe_pool, workers, rng):
        self.workdir = workdir
        self.pipe_pool = pipe_pool
        self.workers = workers
        self.steady_port = steady_port
        self.flapping_port = flapping_port
        self.listen = {"steady": private_listen_address(rng), "flapping": private_listen_address(rng)}
        self.config = os.path.join(workdir, "splicer.yaml")
        self.write_config()
        self.log_path = os.path.join(workdir, "splicer.log")
        self.log = open(self.log_path, "w")
        self.binary = binary
        self.process = subprocess.Popen(
            [binary, "run", "--config", self.config], stdout=subprocess.DEVNULL, stderr=self.log)
        # The pid serving now: the first process's, then each upgrade's new process.
        self.current_pid = self.process.pid
        self.pids = [self.process.pid]
        self.upgrade_durations = []
        self.ports = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "admin" not in self.ports:
            if self.process.poll() is not None:
                raise SystemExit(f"splicer exited with {self.process.returncode}; log: {self.log_path}")
            with open(self.log_path) as f:
                for line in f:
                    if '"admin bound"' in line:
                        self.ports["admin"] = int(json.loads(line)["address"].rsplit(":", 1)[1])
            time.sleep(0.1)
        if "admin" not in self.ports:
            raise SystemExit(f"splicer did not start; log: {self.log_path}")

    def address(self, listener):
        """(host, port) a client connects to for `steady` or `flapping`."""
        return self.listen[listener]

    def write_config(self, steady_limit=None, flapping_limit=None, flapping_name="flapping"):
        """The config, atomically replaced: per-listener `max_connections` (None: none), and
        the name of the flapping listener (a rename keeps its address and sockets)."""
        def limit(value):
            return "" if value is None else f", max_connections: {value}"
        steady_host, steady_bind = self.listen["steady"]
        flapping_host, flapping_bind = self.listen["flapping"]
        steady_port, flapping_port, workers, pipe_pool = (
            self.steady_port, self.flapping_port, self.workers, self.pipe_pool)
        text = f"""workers: {workers}
listeners:
  - {{ name: steady, bind: "{steady_host}:{steady_bind}", pool: steady{limit(steady_limit)} }}
  - {{ name: {flapping_name}, bind: "{flapping_host}:{flapping_bind}", pool: flapping{limit(flapping_limit)} }}
pools:
  steady:
    servers:
      - address: 127.0.0.1:{steady_port}
    health_check: {{ type: tcp, interval: 500ms, timeout: 250ms, rise: 1, fall: 2 }}
  flapping:
    servers:
      - address: 127.0.0.1:{flapping_port}
    health_check: {{ type: tcp, interval: 300ms, timeout: 200ms, rise: 1, fall: 1 }}
    observe: {{ failures: 2 }}
timeouts: {{ connect: 1s, idle: 30s, drain: 5s }}
tuning: {{ pipe_size: 256KiB, pipe_pool: {pipe_pool}, copy_buffer: 64KiB }}
log: {{ level: info, format: json, access_log: true }}
admin: {{ bind: 127.0.0.1:0 }}
"""
        temporary = self.config + ".new"
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, self.config)

    def log_count(self, fragment, unless=None):
        with open(self.log_path) as f:
            return sum(1 for line in f if fragment in line and (unless is None or unless not in line))

    @property
    def pid(self):
        return self.current_pid

    def reap(self, pid, timeout):
        """Waits for `pid` (a child: the first process, or one orphaned to this subreaper) to
        exit; its exit status, or None if it is still running after `timeout` seconds."""
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
                # Not this process's child (no subreaper): all that can be seen is that it is gone.
                if not os.path.exists(f"/proc/{pid}"):
                    return 0
                done, status = 0, 0
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def upgrade(self):
        """`splicer upgrade --pid` on the serving process; follows the new one.
        Returns (new pid or None, what went wrong or None, duration_ms logged or None)."""
        old = self.current_pid
        try:
            answer = subprocess.run(
                [self.binary, "upgrade", "--pid", str(old), "--timeout", "60s"],
                capture_output=True, text=True, timeout=90)
        except subprocess.TimeoutExpired:
            return None, f"splicer upgrade --pid {old} did not end within 90 s", None
        text = (answer.stdout + answer.stderr).strip()
        found = re.match(r"upgraded: pid (\d+) -> (\d+)", answer.stdout.strip())
        if answer.returncode != 0 or not found or int(found.group(1)) != old:
            reason = ""
            with open(self.log_path) as f:
                for line in f:
                    if '"upgrade failed' in line:
                        reason = json.loads(line).get("reason", "")
            return None, f"splicer upgrade --pid {old}: exit {answer.returncode}: {text}; logged: {reason}", None
        new = int(found.group(2))
        self.current_pid = new
        self.pids.append(new)
        status = self.reap(old, 30)
        if status is None:
            return new, f"old process {old} still running 30 s after the upgrade to {new}", None
        duration = None
        with open(self.log_path) as f:
            for line in f:
                if '"message":"upgraded"' in line:
                    entry = json.loads(line)
                    if entry.get("new_pid") == str(new):
                        duration = int(entry["duration_ms"])
        if duration is not None:
            self.upgrade_durations.append(duration)
        if status != 0:
            return new, f"old process {old} exited with {status} after the upgrade to {new}", duration
        if duration is None:
            return new, f"old process {old} did not log upgraded with new_pid {new}", duration
        return new, None, duration

    def leftovers(self):
        """Splicer processes of this run still there (running or unreaped): this soak's
        children named splicer, and any pid the run started."""
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
            except OSError:
                continue
            ours = int(fields.get("PPid", "0").strip()) == os.getpid() or int(name) in self.pids
            if ours and fields.get("Name", "").strip() == "splicer":
                found.append(f"{name} ({fields.get('State', '?').strip()})")
        return found

    def sample(self):
        """(fds, pipe fds, RSS KiB) of the child right now."""
        fds = pipes = 0
        directory = f"/proc/{self.pid}/fd"
        for name in os.listdir(directory):
            try:
                target = os.readlink(f"{directory}/{name}")
            except OSError:
                continue
            fds += 1
            if target.startswith("pipe:"):
                pipes += 1
        rss = 0
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        return fds, pipes, rss

    def kinds(self):
        """How many descriptors of each kind (socket, pipe, eventpoll, eventfd...) it holds."""
        found = collections.Counter()
        directory = f"/proc/{self.pid}/fd"
        for name in os.listdir(directory):
            try:
                target = os.readlink(f"{directory}/{name}")
            except OSError:
                continue
            if target.startswith("anon_inode:"):
                target = target[len("anon_inode:"):].strip("[]")
            found[target.split(":[")[0]] += 1
        return dict(sorted(found.items()))

    def metrics(self):
        """The /metrics text (a blocking fetch with Connection: close)."""
        with socket.create_connection(("127.0.0.1", self.ports["admin"]), timeout=5) as sock:
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b"".join(chunks).decode(errors="replace")

    @staticmethod
    def total(text, name):
        value = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                value += float(line.rsplit(" ", 1)[1])
        return value

    def stop(self):
        pid = self.current_pid
        if self.reap(pid, 0) is None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.reap(pid, 15) is None:
                os.kill(pid, signal.SIGKILL)
                self.reap(pid, 15)
        self.log.close()

    def close_reasons(self):
        reasons = collections.Counter()
        with open(self.log_path) as f:
            for line in f:
                if '"connection closed"' in line:
                    entry = json.loads(line)
                    reasons[(entry["listener"], entry["reason"])] += 1
        return reasons


class Soak:
    """The churn, the flapping backend, the sampler and the verdict."""

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.results = {}
        self.outcomes = collections.Counter()
        self.violations = []
        self.bytes_verified = 0
        self.next_seed = 1
        self.samples = []
        self.phase = "start"
        self.stop_churn = False
        self.in_flight = 0
        self.stuck = None
        # Reloads and upgrades take turns: a config written and signalled to a process that is
        # handing over could be read before the write by its successor.
        self.turn = asyncio.Lock()
        self.upgrades = 0
        self.upgrades_failed = 0

    def record_violation(self, text):
        self.violations.append(text)
        if len(self.violations) <= 20:
            print(f"VIOLATION: {text}", file=sys.stderr, flush=True)

    def plan(self):
        seed = self.next_seed
        self.next_seed += 1
        flapping = self.rng.random() < 0.2

        def size():
            kind = self.rng.choices(["zero", "small", "medium", "large"], [1, 4, 4, 2])[0]
            if kind == "zero":
                return 0
            if kind == "small":
                return self.rng.randint(1, 4096)
            if kind == "medium":
                return self.rng.randint(4097, 256 << 10)
            return self.rng.randint((256 << 10) + 1, self.args.max_size)

        req_len, resp_len = size(), size()
        if flapping:
            resp_len = max(resp_len, 1)   # a refused client (0 bytes and EOF) must be told apart
        mode = self.rng.choice([MODE_CLIENT_FIRST, MODE_SERVER_FIRST, MODE_BOTH])
        reset = None
        if self.rng.random() < 0.15:
            reset = (self.rng.choice(["send", "recv"]), self.rng.random())
        return seed, flapping, req_len, resp_len, mode, reset

    async def backend_result(self, seed, timeout=10.0):
        deadline = time.monotonic() + timeout
        while seed not in self.results and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.results.get(seed)

    async def one(self, relay):
        seed, flapping, req_len, resp_len, mode, reset = self.plan()
        kind = "flapping" if flapping else "steady"
        try:
            reader, writer = await asyncio.open_connection(*relay.address(kind))
        except OSError as error:
            # A flapping-pool client can be reset (its server died) before this task even
            # saw its connect complete; a steady-pool client never.
            if flapping and error.errno == errno.ECONNRESET:
                self.outcomes[f"{kind}: reset by the relay"] += 1
            else:
                self.record_violation(f"seed {seed} ({kind}): connect to the relay failed: {error}")
            return
        sock = writer.get_extra_info("socket")
        reset_send = int(req_len * reset[1]) if reset and reset[0] == "send" else None
        reset_recv = int(resp_len * reset[1]) if reset and reset[0] == "recv" else None

        def abort():
            set_reset_on_close(sock)
            writer.transport.abort()
            raise ClientReset()

        async def send():
            writer.write(HEADER.pack(req_len, resp_len, seed, mode))
            sent = 0
            for piece in pattern_chunks(seed * 2 + 1, req_len, chunk=64 << 10):
                if reset_send is not None and sent + len(piece) > reset_send:
                    writer.write(piece[:reset_send - sent])
                    await writer.drain()
                    abort()
                writer.write(piece)
                await writer.drain()
                sent += len(piece)
            if reset_send is not None:
                abort()
            writer.write_eof()

        received = hashlib.sha256()
        count = 0

        async def recv():
            nonlocal count
            while True:
                data = await reader.read(256 << 10)
                if not data:
                    return
                received.update(data)
                count += len(data)
                if reset_recv is not None and count >= reset_recv:
                    abort()
            # (unreachable)

        outcome = "complete"
        try:
            if mode == MODE_CLIENT_FIRST:
                await both(send(), recv())
            elif mode == MODE_SERVER_FIRST:
                writer.write(HEADER.pack(req_len, resp_len, seed, mode))
                await recv()
                if count == 0 and resp_len > 0:
                    raise EOFError()
                # The backend has half-closed; the request still flows the other way.
                sent = 0
                for piece in pattern_chunks(seed * 2 + 1, req_len, chunk=64 << 10):
                    if reset_send is not None and sent + len(piece) > reset_send:
                        abort()
                    writer.write(piece)
                    await writer.drain()
                    sent += len(piece)
                if reset_send is not None or reset_recv is not None:
                    abort()
                writer.write_eof()
            else:
                await both(send(), recv())
            if reset_recv is not None:
                abort()
        except ClientReset:
            outcome = "client_reset"
        except EOFError:
            outcome = "eof_before_reply"
        except (ConnectionError, OSError):
            outcome = "reset_seen"
        if outcome == "complete":
            # asyncio may still hold the request's tail (and the FIN after it) in user space:
            # let it reach the kernel before closing, or close() would cut the request short.
            deadline = time.monotonic() + 30
            while writer.transport.get_write_buffer_size() > 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            writer.close()
        else:
            writer.transport.abort()

        if outcome == "complete" or outcome == "eof_before_reply":
            # The relay closed this direction cleanly: everything must be there.
            if count != resp_len or received.hexdigest() != pattern_digest(seed, resp_len):
                if flapping and count == 0:
                    backend = await self.backend_result(seed, timeout=0.5)
                    if backend is None:
                        self.outcomes[f"{kind}: refused (FIN before any byte)"] += 1
                        return
                seen = self.results.get(seed)
                self.record_violation(
                    f"seed {seed} ({kind}): clean EOF after {count} of {resp_len} reply bytes"
                    f" or a wrong digest (truncated FIN); mode {mode}, request {req_len} bytes,"
                    f" backend saw {seen}")
                return
            backend = await self.backend_result(seed)
            if backend is None:
                self.record_violation(f"seed {seed} ({kind}): backend never finished the request")
                return
            state, got, digest, _ = backend
            if state == "reset" and flapping:
                # The backend went away after its reply was out; TCP cannot tell the client.
                self.outcomes[f"{kind}: reply complete, backend killed"] += 1
                return
            if state != "eof" or got != req_len or digest != pattern_digest(seed * 2 + 1, req_len):
                self.record_violation(
                    f"seed {seed} ({kind}): backend got {got} of {req_len} request bytes ({state})")
                return
            self.bytes_verified += req_len + resp_len
            self.outcomes[f"{kind}: complete, verified"] += 1
        elif outcome == "client_reset":
            self.outcomes[f"{kind}: client reset"] += 1
        else:
            if not flapping:
                self.record_violation(f"seed {seed} (steady): unexpected reset after {count} bytes")
            self.outcomes[f"{kind}: reset by the relay"] += 1

    async def worker(self, relay, deadline):
        while not self.stop_churn and time.monotonic() < deadline:
            self.in_flight += 1
            try:
                await asyncio.wait_for(self.one(relay), timeout=120)
            except asyncio.TimeoutError:
                self.record_violation("a connection hung for 120 s")
            finally:
                self.in_flight -= 1

    async def churn(self, relay, seconds):
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(self.worker(relay, deadline) for _ in range(self.args.concurrency)))

    async def flapper(self, backend):
        while not self.stop_flapping:
            await asyncio.sleep(self.rng.uniform(2.0, 5.0))
            if self.stop_flapping:
                break
            await backend.go_away()
            self.flaps += 1
            await asyncio.sleep(self.rng.uniform(1.5, 4.0))
            await backend.start()

    async def reloader(self, relay):
        """Every --reload-every seconds: a reload that alternately lowers both listeners'
        max_connections below the churn's concurrency and removes them, and renames the
        flapping listener on its address. A listener left paused would hang its clients."""
        low = max(1, self.args.concurrency // 4)
        while not self.stop_reloading:
            await asyncio.sleep(self.args.reload_every)
            if self.stop_reloading:
                break
            limited = self.reloads % 2 == 0
            name = "flapping-renamed" if self.reloads % 4 < 2 else "flapping"
            async with self.turn:
                relay.write_config(
                    steady_limit=low if limited else None, flapping_limit=max(1, low // 2) if limited else None,
                    flapping_name=name)
                # A new process's reload of its config file after an upgrade is not this one.
                applied = lambda: relay.log_count('"message":"reloaded"', unless='"after":"upgrade"')
                before = applied()
                os.kill(relay.pid, signal.SIGHUP)
                deadline = time.monotonic() + 30
                while applied() == before and time.monotonic() < deadline:
                    if relay.log_count('"reload failed"'):
                        self.record_violation("a reload failed; see the log")
                        return
                    await asyncio.sleep(0.05)
                if applied() == before:
                    self.record_violation("a reload was not applied within 30 s")
                    return
            self.reloads += 1

    async def upgrader(self, relay):
        """Every --upgrade-every seconds: a live upgrade to the same binary; the soak follows
        the new process."""
        while not self.stop_upgrading:
            await asyncio.sleep(self.args.upgrade_every)
            if self.stop_upgrading:
                break
            async with self.turn:
                old = relay.pid
                new, problem, duration = await asyncio.to_thread(relay.upgrade)
            if problem is not None:
                # Counted apart from the byte checks: a refused upgrade leaves the old process
                # serving; the upgrade check fails the run.
                self.upgrades_failed += 1
                print(f"UPGRADE FAILED: pid {old}: {problem}", file=sys.stderr, flush=True)
                if new is None:
                    continue
            else:
                self.upgrades += 1
            print(f"upgraded: pid {old} -> {new} ({duration} ms)", flush=True)

    async def listeners_accept(self, relay):
        """After the last reload: one small exchange through each listener completes."""
        for kind in ("steady", "flapping"):
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(*relay.address(kind)), 30)
                writer.write(HEADER.pack(0, 1, self.next_seed, MODE_CLIENT_FIRST))
                self.next_seed += 1
                writer.write_eof()
                reply = await asyncio.wait_for(reader.read(), 30)
                writer.close()
                if len(reply) != 1:
                    return f"{kind}: {len(reply)} reply bytes"
            except (OSError, asyncio.TimeoutError) as error:
                return f"{kind}: {error!r}"
        return None

    async def sampler(self, relay):
        started = time.monotonic()
        while not self.stop_sampling:
            try:
                fds, pipes, rss = await asyncio.to_thread(relay.sample)
            except OSError:
                # The pid just handed over to its successor and exited.
                await asyncio.sleep(0.1)
                continue
            self.samples.append((time.monotonic() - started, self.phase, fds, pipes, rss))
            await asyncio.sleep(1.0)

    async def wait_idle(self, relay, timeout=60.0):
        """Until the relay reports no active connection; returns the metrics text."""
        deadline = time.monotonic() + timeout
        while True:
            text = await asyncio.to_thread(relay.metrics)
            if relay.total(text, "splicer_connections_active") == 0 or time.monotonic() > deadline:
                return text
            await asyncio.sleep(0.2)

    async def settled_sample(self, relay):
        """The smallest of five samples a tenth of a second apart (a health probe in flight
        holds a socket for a moment)."""
        best = None
        for _ in range(5):
            fds, pipes, rss = await asyncio.to_thread(relay.sample)
            if best is None or fds < best[0]:
                best = (fds, pipes, rss)
            await asyncio.sleep(0.1)
        return best

    async def run(self):
        args = self.args
        steady = Backend("steady", self.results)
        flapping = Backend("flapping", self.results)
        await steady.start()
        await flapping.start()
        workdir = tempfile.mkdtemp(prefix="splicer-soak-")
        relay = Relay(args.binary, workdir, steady.port, flapping.port, args.pipe_pool, args.workers, self.rng)
        print(f"splicer pid {relay.pid}, workdir {workdir}, listeners {relay.listen}, admin {relay.ports}",
              flush=True)
        self.stop_sampling = False
        self.stop_flapping = False
        self.stop_reloading = args.reload_every <= 0
        self.stop_upgrading = True
        self.flaps = 0
        self.reloads = 0
        sampler = asyncio.ensure_future(self.sampler(relay))
        flapper = asyncio.ensure_future(self.flapper(flapping))
        reloader = asyncio.ensure_future(self.reloader(relay))
        upgrader = None
        try:
            self.phase = "warm-up"
            await self.churn(relay, args.warmup)
            self.phase = "settle"
            await self.wait_idle(relay)
            base = await self.settled_sample(relay)
            print(f"baseline after warm-up: fds {base[0]}, pipe fds {base[1]}, RSS {base[2]} KiB", flush=True)
            self.base_kinds = relay.kinds()
            self.phase = "churn"
            started = time.monotonic()
            if args.upgrade_every > 0:
                self.stop_upgrading = False
                upgrader = asyncio.ensure_future(self.upgrader(relay))
            churn = asyncio.ensure_future(self.churn(relay, args.minutes * 60))
            while not churn.done():
                await asyncio.wait([churn], timeout=30)
                if self.samples and not churn.done():
                    _, _, fds, pipes, rss = self.samples[-1]
                    print(f"[{time.monotonic() - started:6.0f} s] connections {sum(self.outcomes.values())}"
                          f" fds {fds} pipes {pipes} RSS {rss} KiB violations {len(self.violations)}",
                          flush=True)
            await churn
            self.phase = "drain"
            self.stop_flapping = True
            self.stop_reloading = True
            self.stop_upgrading = True
            await flapper
            await reloader
            if upgrader is not None:
                await upgrader
            if flapping.server is None:
                await flapping.start()
            # The flapping server may still be marked down from its last absence.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                text = await asyncio.to_thread(relay.metrics)
                if 'splicer_server_up{pool="flapping"' in text and relay.total(
                        "\n".join(l for l in text.splitlines() if 'pool="flapping"' in l), "splicer_server_up") == 1:
                    break
                await asyncio.sleep(0.1)
            self.stuck = await self.listeners_accept(relay)
            final_metrics = await self.wait_idle(relay)
            # Descriptors must come back: wait for it (bounded), then take the verdict.
            deadline = time.monotonic() + 15
            pipe_limit = 2 * args.pipe_pool * args.workers
            while True:
                end = await self.settled_sample(relay)
                back = end[0] - end[1] == base[0] - base[1] and end[1] <= pipe_limit
                if back or time.monotonic() > deadline:
                    break
            self.stop_sampling = True
            await sampler
            self.final_pid = relay.pid
            self.end_kinds = relay.kinds()
            relay.stop()
            self.left = relay.leftovers()
            self.report(relay, base, end, final_metrics, pipe_limit)
        finally:
            self.stop_sampling = True
            self.stop_flapping = True
            self.stop_upgrading = True
            relay.stop()
            for task in (sampler, flapper, reloader, upgrader):
                if task is not None:
                    task.cancel()
        return not self.violations

    def report(self, relay, base, end, metrics, pipe_limit):
        args = self.args
        churn = [s for s in self.samples if s[1] == "churn"]
        with open(os.path.join(relay.workdir, "samples.csv"), "w") as f:
            f.write("seconds,phase,fds,pipe_fds,rss_kib\n")
            for s in self.samples:
                f.write(f"{s[0]:.1f},{s[1]},{s[2]},{s[3]},{s[4]}\n")
        rss_growth = (end[2] - base[2]) / 1024
        checks = [
            ("no byte lost or reordered on a clean close", not self.violations,
             f"{len(self.violations)} violations"),
            ("non-pipe fds back to baseline", end[0] - end[1] == base[0] - base[1],
             f"{base[0] - base[1]} -> {end[0] - end[1]}"),
            (f"pipe fds <= 2 x pipe_pool x workers = {pipe_limit}", end[1] <= pipe_limit,
             f"{base[1]} -> {end[1]}"),
            (f"RSS growth <= {args.rss_bound_mib} MiB", rss_growth <= args.rss_bound_mib,
             f"{base[2]} -> {end[2]} KiB ({rss_growth:+.1f} MiB)"),
            ("every listener accepts after the last reload", self.stuck is None,
             f"{self.reloads} reloads" + ("" if self.stuck is None else f"; {self.stuck}")),
        ]
        if args.upgrade_every > 0:
            durations = sorted(relay.upgrade_durations)
            spread = (f"; duration_ms min {durations[0]}, median {durations[len(durations) // 2]},"
                      f" max {durations[-1]}") if durations else ""
            checks += [
                ("every upgrade answered upgraded, the old process exited 0", self.upgrades_failed == 0,
                 f"{self.upgrades} done, {self.upgrades_failed} failed{spread}"),
                ("no splicer process left after the stop", not self.left,
                 f"pids {relay.pids[0]} .. {self.final_pid} ({len(relay.pids)} processes)"
                 + (f"; left: {', '.join(self.left)}" if self.left else "")),
            ]
        print()
        print(f"Soak: {args.minutes} min churn, {args.concurrency} concurrent clients, seed {args.seed},"
              f" binary {args.binary}, workers {args.workers}, pipe_pool {args.pipe_pool},"
              f" a reload every {args.reload_every} s ({self.reloads} applied)"
              + (f", an upgrade every {args.upgrade_every} s ({self.upgrades} done, {self.upgrades_failed} failed;"
                 f" end figures of pid {self.final_pid}, baseline of pid {relay.pids[0]})"
                 if args.upgrade_every > 0 else ""))
        print()
        print("| figure | baseline | churn min | churn max | end |")
        print("|---|---:|---:|---:|---:|")
        for index, name in ((2, "fds"), (3, "pipe fds"), (4, "RSS KiB")):
            values = [s[index] for s in churn] or [0]
            print(f"| {name} | {base[index - 2]} | {min(values)} | {max(values)} | {end[index - 2]} |")
        print()
        print("| client outcome | connections |")
        print("|---|---:|")
        for key, value in sorted(self.outcomes.items()):
            print(f"| {key} | {value} |")
        print(f"| **total** | {sum(self.outcomes.values())} |")
        print()
        print(f"Descriptors by kind: baseline {self.base_kinds}; end {self.end_kinds}")
        print(f"Bytes verified (both ways, SHA-256): {self.bytes_verified / (1 << 20):.1f} MiB;"
              f" flapping backend went away {self.flaps} times")
        transitions = {
            to: relay.total("\n".join(l for l in metrics.splitlines() if f'to="{to}"' in l),
                            "splicer_server_transitions_total") for to in ("up", "down")}
        print(f"Relay: server transitions down {transitions['down']:.0f}, up {transitions['up']:.0f};"
              f" splice fallbacks {relay.total(metrics, 'splicer_splice_fallbacks_total'):.0f};"
              f" accept back-offs {relay.total(metrics, 'splicer_accept_backoffs_total'):.0f};"
              f" pipes created {relay.total(metrics, 'splicer_pipes_created_total'):.0f}")
        print()
        print("| listener | close reason (access log) | connections |")
        print("|---|---|---:|")
        for (listener, reason), value in sorted(relay.close_reasons().items()):
            print(f"| {listener} | {reason} | {value} |")
        print()
        print("| check | result | figures |")
        print("|---|---|---|")
        for name, ok, figures in checks:
            print(f"| {name} | {'PASS' if ok else 'FAIL'} | {figures} |")
        print(f"\nsamples: {relay.workdir}/samples.csv, log: {relay.log_path}")
        if not all(ok for _, ok, _ in checks):
            self.violations.append("end-state checks failed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--binary", default=".build/debug/splicer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-size", type=int, default=4 << 20, help="largest transfer each way (bytes)")
    parser.add_argument("--warmup", type=float, default=15, help="seconds of churn before the baseline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pipe-pool", type=int, default=4)
    parser.add_argument("--rss-bound-mib", type=float, default=16)
    parser.add_argument("--reload-every", type=float, default=3,
                        help="seconds between reloads that change max_connections and rename a listener (0: none)")
    parser.add_argument("--upgrade-every", type=float, default=0,
                        help="seconds between live upgrades to the same binary during the churn (0: none)")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"no executable at {args.binary}: build it first (swift build)")
    if args.upgrade_every > 0:
        # Each upgrade's new process is the old one's child; when the old one exits it is
        # orphaned to the nearest subreaper: this process, so it can reap and check them.
        PR_SET_CHILD_SUBREAPER = 36
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise SystemExit(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    ok = asyncio.run(Soak(args).run())
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
