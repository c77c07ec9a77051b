#!/usr/bin/env python3
"""Hostile load for bench/hostile-throughput.sh. Standard library only.

  hold      --port P              backend: accept connections and hold them, reading and
                                  discarding whatever arrives, until SIGTERM
  slowloris --port P --count N    client: open N connections, send one byte on every third,
                                  then nothing; prints "ready N" once all are open, holds them
                                  until SIGTERM
  flood     --port P --rate R     client: connect and reset (SO_LINGER 0) R times per second,
                                  every other one after sending a few bytes, until SIGTERM;
                                  prints how many it made and how many failed

Each role is its own process: the per-process descriptor limit is 20000.
"""

import argparse
import asyncio
import signal
import socket
import struct
import sys
import time

LINGER_RESET = struct.pack("ii", 1, 0)


def stop_event(loop):
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def hold(port):
    async def handle(reader, writer):
        try:
            while await reader.read(65536):
                pass
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096, reuse_address=True)
    stop = stop_event(asyncio.get_running_loop())
    print(f"holding on {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await stop.wait()


async def slowloris(port, count):
    stop = stop_event(asyncio.get_running_loop())
    held = []
    for index in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        except OSError as error:
            print(f"connect {index} failed: {error}", file=sys.stderr, flush=True)
            sock.close()
            continue
        if index % 3 == 0:
            sock.send(b"G")
        held.append(sock)
    print(f"ready {len(held)}", flush=True)
    await stop.wait()
    for sock in held:
        sock.close()


async def flood(port, rate):
    loop = asyncio.get_running_loop()
    stop = stop_event(loop)
    made = failed = 0
    started = time.monotonic()

    async def one(index):
        nonlocal made, failed
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, ("127.0.0.1", port))
            if index % 2:
                sock.send(b"GET / HTTP/1.1\r\n")
            made += 1
        except OSError:
            failed += 1
        finally:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            sock.close()

    index = 0
    pending = set()
    while not stop.is_set():
        # Keep to the rate: start the connections that are due, then wait a tick.
        due = int((time.monotonic() - started) * rate)
        while index < due and len(pending) < 512:
            task = asyncio.ensure_future(one(index))
            pending.add(task)
            task.add_done_callback(pending.discard)
            index += 1
        await asyncio.sleep(0.001)
    if pending:
        await asyncio.wait(pending)
    elapsed = time.monotonic() - started
    print(f"flood: {made} connect+reset, {failed} failed, {made / elapsed:.0f}/s over {elapsed:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["hold", "slowloris", "flood"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=2000)
    args = parser.parse_args()
    if args.role == "hold":
        asyncio.run(hold(args.port))
    elif args.role == "slowloris":
        asyncio.run(slowloris(args.port, args.count))
    else:
        asyncio.run(flood(args.port, args.rate))


if __name__ == "__main__":
    main()
