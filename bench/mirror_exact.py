#!/usr/bin/env python3
"""Mirroring, checked end to end at scale: N connections of seeded random sizes (up to
--max-mib MiB each) go through a Splicer listener that mirrors every connection to a shadow
server. The real server and the shadow each hash what they receive (SHA-256); the client
hashes what it sent. Every connection must arrive byte-exact at both, and /metrics must count
the mirrored bytes and every mirror as completed.

The listener paces uploads (`rate_limit: { upload: ... }`, kernel pacing of the real server's
socket) so that the real server is never faster than the shadow: a mirror whose shadow falls
behind is dropped by design (`mirror_slow`), and this check is about the bytes, not about a
race between two Python readers.

    python3 bench/mirror_exact.py --binary .build-release/release/splicer --connections 50 --max-mib 64
"""
import argparse, hashlib, os, random, re, socket, subprocess, sys, tempfile, threading, time, urllib.request


def recorder(name, results):
    """A server that hashes each connection's bytes; the first 8 bytes name the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def serve(conn):
        digest, total, ident, head = hashlib.sha256(), 0, None, b""
        buffer = bytearray(1 << 20)
        view = memoryview(buffer)
        while True:
            try:
                count = conn.recv_into(buffer)
            except ConnectionResetError:
                # A dropped mirror is reset: recorded as such, never as a complete stream.
                results[ident] = "reset"
                conn.close()
                return
            if count == 0:
                break
            chunk = view[:count]
            if ident is None:
                head += bytes(chunk[:8 - len(head)])
                if len(head) == 8:
                    ident = int.from_bytes(head, "big")
            digest.update(chunk)
            total += count
        results[ident] = (total, digest.hexdigest())
        try:
            conn.sendall(b"ok")
        except OSError:
            pass
        conn.close()

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build-release/release/splicer")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--max-mib", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--upload", default="2Gbit/s", help="the listener's upload pace")
    args = parser.parse_args()

    primary, shadow = {}, {}
    primary_port, shadow_port = recorder("primary", primary), recorder("shadow", shadow)
    workdir = tempfile.mkdtemp(prefix="splicer-mirror-")
    config = os.path.join(workdir, "splicer.yaml")
    with open(config, "w") as f:
        f.write(f"""workers: 2
listeners:
  - name: mirrored
    bind: 127.0.0.1:0
    pool: app
    mirror: {{ pool: shadow }}
    rate_limit: {{ upload: {args.upload} }}
pools:
  app: {{ servers: [{{ address: "127.0.0.1:{primary_port}" }}] }}
  shadow: {{ servers: [{{ address: "127.0.0.1:{shadow_port}" }}] }}
timeouts: {{ connect: 5s, idle: 60s }}
log: {{ access_log: false }}
admin: {{ bind: 127.0.0.1:0 }}
""")
    log = open(os.path.join(workdir, "splicer.log"), "w+")
    relay = subprocess.Popen([args.binary, "run", "--config", config], stderr=log)
    ports = {}
    deadline = time.time() + 30
    while len(ports) < 2 and time.time() < deadline:
        log.seek(0)
        for line in log:
            m = re.search(r'"message":"(listener|admin) bound".*?"address":"127\.0\.0\.1:(\d+)"', line) or re.search(
                r'"address":"127\.0\.0\.1:(\d+)".*"message":"(listener|admin) bound"', line)
            if m:
                kind, port = (m.group(1), m.group(2)) if m.group(1) in ("listener", "admin") else (m.group(2), m.group(1))
                ports[kind] = int(port)
        time.sleep(0.1)
    if len(ports) < 2:
        log.seek(0)
        sys.exit("the relay did not start:\n" + log.read())

    rng = random.Random(args.seed)
    block = random.Random(args.seed + 1).randbytes(1 << 20)
    sent = {}
    started = time.time()
    for ident in range(args.connections):
        size = rng.randint(8, args.max_mib << 20)
        digest = hashlib.sha256()
        conn = socket.create_connection(("127.0.0.1", ports["listener"]))
        head = ident.to_bytes(8, "big")
        conn.sendall(head)
        digest.update(head)
        left = size - 8
        offset = ident % 4096
        while left > 0:
            chunk = block[offset:offset + min(left, len(block) - offset)]
            conn.sendall(chunk)
            digest.update(chunk)
            left -= len(chunk)
            offset = 0
        conn.shutdown(socket.SHUT_WR)
        conn.recv(2)
        conn.close()
        sent[ident] = (size, digest.hexdigest())
    seconds = time.time() - started

    deadline = time.time() + 60
    while (len(primary) < args.connections or len(shadow) < args.connections) and time.time() < deadline:
        time.sleep(0.2)
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{ports['admin']}/metrics").read().decode()
    relay.terminate()
    relay.wait()

    total = sum(size for size, _ in sent.values())
    bad = [i for i in sent if primary.get(i) != sent[i] or shadow.get(i) != sent[i]]
    print(f"{args.connections} connections, {total / (1 << 20):.1f} MiB in all (largest "
          f"{max(s for s, _ in sent.values()) / (1 << 20):.1f} MiB), {seconds:.1f} s, upload paced at {args.upload}")
    print(f"byte-exact at the real server: {sum(primary.get(i) == sent[i] for i in sent)}/{args.connections}")
    print(f"byte-exact at the shadow:      {sum(shadow.get(i) == sent[i] for i in sent)}/{args.connections}")
    resets = [i for i in sent if shadow.get(i) == "reset"]
    cut_clean = [i for i in sent if shadow.get(i) not in (sent[i], "reset")]
    print(f"shadow streams ended by a reset: {len(resets)}; ended cleanly but incomplete or wrong: {len(cut_clean)}")
    for line in metrics.splitlines():
        if line.startswith("splicer_mirror_"):
            print(line)
    if bad:
        sys.exit(f"FAILED: connections {bad[:10]} differ")
    print("PASS")


if __name__ == "__main__":
    main()
