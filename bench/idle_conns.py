#!/usr/bin/env python3
"""Idle-connection helper for bench/run.sh.

Two roles, always run as separate processes (the per-process fd limit is 20000 and each
role holds one fd per connection):

  hold  --port P            backend: accept connections, echo what arrives, hold them open
  open  --port P --count N  client: open N connections through the relay, send one byte on
                            each and wait for its echo (so the whole client -> relay -> backend
                            path is proven up), then write "ready N" to --ready-file and hold
                            every connection until SIGTERM/SIGINT.

Only the standard library is used.
"""

import argparse
import asyncio
import os
import signal
import sys
import time


async def hold(host: str, port: int) -> None:
    open_count = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_count
        open_count += 1
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            open_count -= 1
            writer.close()

    server = await asyncio.start_server(handle, host, port, backlog=4096, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"holder listening on {host}:{port}", flush=True)
    async with server:
        await stop.wait()


async def open_conns(host: str, port: int, count: int, concurrency: int, timeout: float,
                     ready_file: str) -> int:
    writers = []
    gate = asyncio.Semaphore(concurrency)
    failures = 0

    async def one() -> None:
        nonlocal failures
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                writer.write(b"x")
                await writer.drain()
                echo = await asyncio.wait_for(reader.readexactly(1), timeout)
                if echo != b"x":
                    raise ConnectionError("unexpected echo")
                writers.append(writer)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError) as error:
                failures += 1
                if failures <= 5:
                    print(f"connection failed: {error!r}", file=sys.stderr, flush=True)

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(count)))
    elapsed = time.monotonic() - started
    if failures:
        print(f"{failures} of {count} connections failed", file=sys.stderr, flush=True)
        for writer in writers:
            writer.close()
        return 1

    tmp = ready_file + ".tmp"
    with open(tmp, "w") as handle:
        handle.write(f"ready {len(writers)} {elapsed:.3f}\n")
    os.replace(tmp, ready_file)
    print(f"{len(writers)} idle connections open after {elapsed:.2f}s", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for writer in writers:
        writer.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="role", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--host", default="127.0.0.1")
    h.add_argument("--port", type=int, required=True)
    o = sub.add_parser("open")
    o.add_argument("--host", default="127.0.0.1")
    o.add_argument("--port", type=int, required=True)
    o.add_argument("--count", type=int, required=True)
    o.add_argument("--concurrency", type=int, default=100)
    o.add_argument("--timeout", type=float, default=10.0)
    o.add_argument("--ready-file", required=True)
    args = parser.parse_args()
    if args.role == "hold":
        asyncio.run(hold(args.host, args.port))
        return 0
    return asyncio.run(open_conns(args.host, args.port, args.count, args.concurrency, args.timeout,
                                  args.ready_file))


if __name__ == "__main__":
    sys.exit(main())
