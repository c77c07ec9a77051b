#!/usr/bin/env bash
# User-space instructions the access log costs per connection, counted by callgrind (exact
# and repeatable, unlike CPU time on a shared machine): Splicer runs under
# `valgrind --tool=callgrind` with `access_log: true`, then `false`; a client makes N
# short connections through it to an nginx backend; the difference of the totals divided
# by N is the logging's instructions per connection. The write(2) calls themselves are
# kernel time: bench/log_cost.py counts them per connection.
# Usage: bench/log_instructions.sh [N=2000] [binary=.build-release/release/splicer]
set -euo pipefail
count=${1:-2000}
binary=$(realpath "${2:-$(dirname "$0")/../.build-release/release/splicer}")
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/splicer-logins.XXXXXX)
source bench/lib/callgrind.sh
start_hello_backend
total_for() {
  local access_log=$1 port
  port=$(free_port)
  write_splicer_config "$port" "$access_log"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$access_log" "$binary" run --config "$work/splicer.yaml" \
    2>"$work/splicer-$access_log.log" &
  local pid=$!
  python3 - "$port" "$count" <<'PY'
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
deadline = time.time() + 60
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        if time.time() > deadline: sys.exit("relay did not start")
        time.sleep(0.2)
for _ in range(count):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        while s.recv(65536): pass
PY
  kill -TERM "$pid"
  wait "$pid" || true
  cp "$work/cg.$access_log" /tmp/cg.$access_log; callgrind_annotate "$work/cg.$access_log" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
on=$(total_for true)
off=$(total_for false)
lines=$(grep -c '"connection closed"' "$work/splicer-true.log" || true)
echo "connections: $((count + 1)) (access lines written: $lines)"
echo "instructions, access log on: $on; off: $off"
python3 -c "print(f'access log: {($on - $off) / ($count + 1):.0f} user-space instructions per connection')"
