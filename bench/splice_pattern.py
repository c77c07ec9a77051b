#!/usr/bin/env python3
"""The pattern of splice calls and wake-ups of a relay, from a perf recording.

    perf record -q -o relay.data -e 'syscalls:sys_enter_splice,syscalls:sys_exit_splice,
        syscalls:sys_enter_epoll_wait,syscalls:sys_exit_epoll_wait' -p PID -- sleep 1
    python3 bench/splice_pattern.py relay.data [--sequence 40]

Unlike strace, which stops the relay at every call and changes the pattern it watches (under
strace a relay falls behind and every splice moves a whole pipe), perf's tracepoints cost the
relay little. Prints, over the recording: splice calls by (fd_in, fd_out) with how many moved
bytes, their mean size and how many returned EAGAIN; epoll_wait calls, the events they
returned and the time spent in them (median and quartiles); splice calls per wake-up. With
--sequence N, the first N calls after the recording's middle, one per line, to read the
pattern. `perf script` must be on PATH. Only the standard library is used.
"""

import argparse
import collections
import re
import statistics
import subprocess

LINE = re.compile(r"\s(\d+)\s+\[\d+\]\s+([\d.]+):\s+syscalls:sys_(enter|exit)_(\w+):\s*(.*)")
EAGAIN = -11


def field(args, name):
    found = re.search(name + r":\s*0x([0-9a-f]+)", args)
    return int(found.group(1), 16) if found else None


def calls(script_text):
    """Yields (thread, start, end, name, enter arguments, result) per completed call."""
    pending = {}
    for line in script_text.splitlines():
        match = LINE.search(line)
        if not match:
            continue
        thread, stamp, kind, name, args = match.groups()
        if kind == "enter":
            pending[thread] = (float(stamp), args)
            continue
        found = re.search(r"0x([0-9a-f]+)", args)
        if not found or thread not in pending:
            continue
        result = int(found.group(1), 16)
        if result >= 1 << 63:
            result -= 1 << 64
        start, enter_args = pending.pop(thread)
        yield thread, start, float(stamp), name, enter_args, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording", help="perf.data written by perf record as above")
    parser.add_argument("--sequence", type=int, default=0, help="print N calls from the middle")
    args = parser.parse_args()
    text = subprocess.run(
        ["perf", "script", "-i", args.recording], capture_output=True, text=True, check=True
    ).stdout
    recorded = list(calls(text))
    splices = collections.defaultdict(list)
    sleeps, events = [], 0
    for _, start, end, name, enter_args, result in recorded:
        if name == "splice":
            splices[(field(enter_args, "fd_in"), field(enter_args, "fd_out"))].append(result)
        elif name.startswith("epoll"):
            sleeps.append((end - start) * 1e6)
            events += max(result, 0)
    span = recorded[-1][2] - recorded[0][1] if recorded else 0
    print(f"{len(recorded)} calls over {span:.3f} s\n")
    print("| splice fd_in -> fd_out | calls | moved bytes | mean KiB | EAGAIN | returned 0 |")
    print("|---|---:|---:|---:|---:|---:|")
    total_splices = 0
    for (fd_in, fd_out), results in sorted(splices.items(), key=lambda item: -len(item[1])):
        moved = [r for r in results if r > 0]
        total_splices += len(results)
        mean = sum(moved) / len(moved) / 1024 if moved else 0
        print(
            f"| {fd_in} -> {fd_out} | {len(results)} | {len(moved)} | {mean:.0f} |"
            f" {results.count(EAGAIN)} | {results.count(0)} |"
        )
    if sleeps:
        quartiles = statistics.quantiles(sleeps, n=4) if len(sleeps) > 1 else [sleeps[0]] * 3
        print(
            f"\nepoll_wait: {len(sleeps)} calls, {events} events; time inside: median"
            f" {quartiles[1]:.0f} µs (quartiles {quartiles[0]:.0f}–{quartiles[2]:.0f});"
            f" splice calls per epoll_wait: {total_splices / len(sleeps):.2f}"
        )
    if args.sequence:
        print()
        middle = len(recorded) // 2
        for _, start, end, name, enter_args, result in recorded[middle : middle + args.sequence]:
            if name == "splice":
                what = f"splice {field(enter_args, 'fd_in')} -> {field(enter_args, 'fd_out')}"
                shown = "EAGAIN" if result == EAGAIN else f"{result} bytes"
            else:
                what, shown = name, f"{result} events after {(end - start) * 1e6:.0f} µs"
            print(f"{start:.6f} {what} = {shown}")


if __name__ == "__main__":
    main()
