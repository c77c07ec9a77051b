#!/usr/bin/env bash
# User-space instructions Splicer spends per keep-alive request, counted by callgrind (exact
# and repeatable): the relay runs under `valgrind --tool=callgrind`, one client sends N
# HTTP/1.1 requests on one connection through it to an nginx backend, and the program total
# is printed. Run it with two values of N; the difference of the totals divided by the
# difference of N is the cost per request, without start-up and shutdown.
# callgrind cannot read the release binary's debug info: pass a copy made with
# `strip --strip-debug`.
# Usage: bench/keepalive_instructions.sh BINARY [N=3000]
set -euo pipefail
binary=$(realpath "$1")
count=${2:-3000}
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/splicer-kains.XXXXXX)
source bench/lib/callgrind.sh
start_hello_backend
port=$(free_port)
write_splicer_config "$port"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$binary" run --config "$work/splicer.yaml" \
  2>"$work/splicer.log" &
relay=$!
python3 - "$port" "$count" <<'PY'
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
deadline = time.time() + 60
while True:
    try:
        connection = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.time() > deadline: sys.exit("relay did not start")
        time.sleep(0.2)
for _ in range(count):
    connection.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    answer = b""
    while not answer.endswith(b"hello\n"):
        answer += connection.recv(4096)
connection.close()
PY
kill -TERM "$relay"
wait "$relay" || true
total=$(callgrind_annotate "$work/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "requests: $count; user-space instructions in all: $total (profile: $work/callgrind.out)"
