#!/usr/bin/env bash
# What routing costs: one Splicer process, listeners that differ only in their routing rules,
# measured in alternated rounds on this machine. See docs/BENCHMARKS.md, "Routing cost".
#
#   ROUNDS=5 DURATION=5 bash bench/routing.sh   # the run of record (about 5 min on a quiet machine)
#   QUICK=1 bash bench/routing.sh               # smoke run: 2 s per test, 1 round (under 1 min)
#
# Listeners (same worker, tuning and mode; each test picks one):
#   plain     a default pool only
#   plain-b   the same again: a control, so plain-b ÷ plain shows what "no difference" looks like
#   routed    allow and deny lists of 10 networks each and 10 source routes, none of which takes
#             the client (127.0.0.1), then the default pool
#   sni       10 sni routes (exact names and wildcards); the client's name matches only the
#             last one. Its default pool goes nowhere, so a connection the routes miss fails.
#
# Two measurements per listener and round:
#   conn   wrk -t1 -c$WRK_CONNS: every connection sends one real TLS ClientHello (the same
#          bytes for every listener), the backend (nginx stream, ssl_preread) answers with a
#          short HTTP response and closes. Connections/s, and relay CPU ms per 1000 connections.
#   bulk   iperf3 -t $DURATION, one stream: Gbit/s and relay CPU s per GB. iperf3 sends no
#          ClientHello, so on the sni listener ("sni-notls") inspection says not_tls after the
#          first bytes and inspect.on_failure: default routes it to the default pool.
#
# Environment (defaults in brackets):
#   DURATION [5; 2 with QUICK=1]  seconds per wrk / iperf3 test
#   ROUNDS [5; 1 with QUICK=1]    rounds; each round runs every listener once per measurement,
#                                 starting one listener later each round
#   CONTROL [1]        include the plain-b control listener
#   WRK_CONNS [50]     wrk connections (one wrk thread)
#   SNI_NAME [app.tenant.example.com]  server name in the ClientHello (must end in .tenant.example.com)
#   PIN, RELAY_CPU, LOAD_CPU [1, 1, 0]  relay pinned to RELAY_CPU, wrk/iperf3/backends to LOAD_CPU
#   BASE_PORT [24100]  ports BASE_PORT..BASE_PORT+33 on 127.0.0.1 are used
#   QUIET_PCT [10], QUIET_WAIT [30], QUIET_BUDGET [120], STEAL_PCT [5], RETRIES [1]
#                      quiet-machine gate, as in bench/run.sh (shorter waits, to stay bounded)
#   SKIP_BUILD [0], SKIP_INSTALL [0], SPLICER_BIN, KEEP_WORKDIR [0]   as in bench/run.sh
#   OUT [bench/results/routing-latest.md]  Markdown report (raw figures in .tsv beside it)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

# The settings given on the command line, for the report's "exact command".
GIVEN=""
for setting in QUICK DURATION ROUNDS CONTROL WRK_CONNS SNI_NAME PIN RELAY_CPU LOAD_CPU BASE_PORT \
  QUIET_PCT QUIET_WAIT QUIET_BUDGET STEAL_PCT RETRIES SKIP_BUILD; do
  [[ -v $setting ]] && GIVEN+="$setting=${!setting} "
done

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  DURATION=${DURATION:-2}
  ROUNDS=${ROUNDS:-1}
fi
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
CONTROL=${CONTROL:-1}
WRK_CONNS=${WRK_CONNS:-50}
SNI_NAME=${SNI_NAME:-app.tenant.example.com}
PIN=${PIN:-1}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BASE_PORT=${BASE_PORT:-24100}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
OUT=${OUT:-$BENCH_DIR/results/routing-latest.md}
SPLICER_BIN=${SPLICER_BIN:-$REPO_DIR/.build-release/release/splicer}
QUIET_PCT=${QUIET_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-30}
QUIET_BUDGET=${QUIET_BUDGET:-120}
STEAL_PCT=${STEAL_PCT:-5}
RETRIES=${RETRIES:-1}
NGINX_STREAM_MODULE=${NGINX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}
# The one wrk reply: Connection: close makes wrk open a new connection for every request.
REPLY_BODY="ok"

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"
# shellcheck source=bench/lib/relays.sh
source "$BENCH_DIR/lib/relays.sh"   # for track_children
# shellcheck source=bench/lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"  # run_load, begin_sample/end_sample, record_sample

# ---------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------
P_IPERF_BACKEND=$BASE_PORT
P_HELLO_BACKEND=$((BASE_PORT + 1))
P_DECOY=$((BASE_PORT + 2))   # never listened on: a misrouted connection is refused

VARIANTS=(plain routed sni)
# Offset of each listener from the measurement's base port (conn: +10, bulk: +20).
variant_offset() {
  case $1 in
    plain) echo 0 ;;
    plain-b) echo 1 ;;
    routed) echo 2 ;;
    sni | sni-notls) echo 3 ;;
    *) die "unknown variant '$1'" ;;
  esac
}
# The sni listener carries iperf3 without a ClientHello: its bulk figures are named for that.
bulk_name() { [[ $1 == sni ]] && echo sni-notls || echo "$1"; }
conn_port() { echo $((BASE_PORT + 10 + $(variant_offset "$1"))); }
bulk_port() { echo $((BASE_PORT + 20 + $(variant_offset "$1"))); }

# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------
validate_settings() {
  in_range "$DURATION" 1 600 || die "DURATION must be 1..600 seconds"
  in_range "$ROUNDS" 1 20 || die "ROUNDS must be 1..20"
  in_range "$WRK_CONNS" 1 10000 || die "WRK_CONNS must be 1..10000"
  in_range "$BASE_PORT" 1024 65000 || die "BASE_PORT must be 1024..65000"
  [[ $SNI_NAME == *.tenant.example.com ]] || die "SNI_NAME must end in .tenant.example.com (the last sni route)"
  [[ $CONTROL == 1 ]] && VARIANTS=(plain plain-b routed sni)
  check_pinning
  require_tools nginx:nginx iperf3:iperf3 wrk:wrk python3:python3 taskset:util-linux ss:iproute2 \
    timeout:coreutils
}

# A real ClientHello from this machine's OpenSSL (Python's ssl module drives libssl through
# memory BIOs, so nothing listens and nothing is sent), with SNI_NAME as its server name.
make_client_hello() {
  python3 - "$SNI_NAME" "$WORKDIR/hello.bin" <<'PY'
import ssl, sys
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = context.wrap_bio(incoming, outgoing, server_hostname=sys.argv[1])
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outgoing.read()
assert hello[0] == 22 and len(hello) == 5 + (hello[3] << 8 | hello[4]), "not one TLS handshake record"
open(sys.argv[2], "wb").write(hello)
PY
  HELLO_BYTES=$(stat -c %s "$WORKDIR/hello.bin")
  # wrk checks its first request as HTTP before the run (script_verify_request) and then, with a
  # request() function, calls it for every request: that first call gets a valid request, every
  # connection gets the ClientHello. One thread only, so only one Lua state sees the check.
  cat >"$WORKDIR/hello.lua" <<LUA
local file = assert(io.open("$WORKDIR/hello.bin", "rb"))
local hello = file:read("*a")
file:close()
local checked = false
request = function()
  if not checked then
    checked = true
    return "GET / HTTP/1.1\r\nHost: check\r\n\r\n"
  end
  return hello
end
dofile("$BENCH_DIR/wrk_report.lua")
LUA
}

start_backends() {
  log "starting backends on CPU $LOAD_CPU: iperf3 :$P_IPERF_BACKEND, ClientHello answerer :$P_HELLO_BACKEND"
  spawn "$LOAD_CPU" "$WORKDIR/iperf3-server.log" iperf3 -s -B 127.0.0.1 -p "$P_IPERF_BACKEND"
  local iperf_pid=$SPAWNED_PID
  local dir=$WORKDIR/hello-backend reply
  mkdir -p "$dir/logs"
  reply="HTTP/1.1 200 OK\\r\\nConnection: close\\r\\nContent-Length: ${#REPLY_BODY}\\r\\n\\r\\n$REPLY_BODY"
  # ssl_preread reads the whole ClientHello before answering, so the answer follows the
  # client's bytes and the close is a FIN, not a reset of unread data.
  cat >"$dir/nginx.conf" <<CONF
load_module $NGINX_STREAM_MODULE;
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
stream {
  server {
    listen 127.0.0.1:$P_HELLO_BACKEND backlog=4096;
    ssl_preread on;
    preread_timeout 5s;
    return "$reply";
  }
}
CONF
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/logs/test.log" 2>&1 ||
    { show_log "$dir/logs/test.log"; die "nginx ClientHello backend config rejected"; }
  spawn "$LOAD_CPU" "$dir/logs/stdout.log" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  local hello_pid=$SPAWNED_PID
  wait_for_ports "iperf3 server" "$iperf_pid" "$WORKDIR/iperf3-server.log" 10 "$P_IPERF_BACKEND"
  wait_for_ports "nginx ClientHello backend" "$hello_pid" "$dir/logs/error.log" 10 "$P_HELLO_BACKEND"
  track_children "$hello_pid"
}

# The routing rules under test. None of the networks holds 127.0.0.1 except allow's last one.
ALLOW='["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "fd00::/8", "2001:db8::/32", "127.0.0.0/8"]'
DENY='["127.0.0.2/32", "127.1.0.0/16", "10.66.0.0/16", "172.16.99.0/24", "192.168.66.0/24", "203.0.113.0/24", "100.64.9.0/24", "fd00:66::/32", "2001:db8:66::/48", "198.18.66.0/24"]'
source_routes() {
  local i
  for i in 1 2 3 4 5 6 7 8; do
    echo "      - { source: [\"10.$i.0.0/16\"], pool: decoy }"
  done
  echo "      - { source: [\"fd00:9::/32\", \"192.168.9.0/24\"], pool: decoy }"
  echo "      - { source: [\"203.0.113.0/24\", \"2001:db8::/32\"], pool: decoy }"
}
# Exact names and wildcards; SNI_NAME (*.tenant.example.com) matches only the tenth.
sni_routes() {
  local target=$1
  cat <<ROUTES
      - { sni: ["www.example.org", "example.org"], pool: decoy }
      - { sni: ["*.static.example.org"], pool: decoy }
      - { sni: ["api.example.net", "*.api.example.net"], pool: decoy }
      - { sni: ["mail.example.com", "smtp.example.com"], pool: decoy }
      - { sni: ["*.cdn.example.com"], pool: decoy }
      - { sni: ["tenant.example.com"], pool: decoy }
      - { sni: ["*.internal.example.com", "vpn.example.com"], pool: decoy }
      - { sni: ["*.example.net"], pool: decoy }
      - { sni: ["app.tenant.example.org", "*.tenant.example.org"], pool: decoy }
      - { sni: ["*.tenant.example.com"], pool: $target }
ROUTES
}

# One listener of the relay config. usage: listener_yaml VARIANT NAME PORT POOL
listener_yaml() {
  local variant=$1 name=$2 port=$3 pool=$4
  echo "  - name: $name"
  echo "    bind: \"127.0.0.1:$port\""
  echo "    mode: splice"
  case $variant in
    plain | plain-b) echo "    pool: $pool" ;;
    routed)
      echo "    allow: $ALLOW"
      echo "    deny: $DENY"
      echo "    routes:"
      source_routes
      echo "    pool: $pool"
      ;;
    sni)
      echo "    inspect: { timeout: 5s, max_size: 16k, on_failure: default }"
      echo "    routes:"
      sni_routes "$pool"
      # ClientHello test: a connection the sni routes miss is refused by the decoy. Bulk: iperf3
      # sends no ClientHello, so the default pool is the only way to the iperf3 server.
      [[ $pool == hello ]] && echo "    pool: decoy" || echo "    pool: $pool"
      ;;
  esac
}

start_routing_splicer() {
  local cfg=$WORKDIR/splicer.yaml variant ports=()
  {
    echo "workers: 1"
    echo "listeners:"
    for variant in "${VARIANTS[@]}"; do
      listener_yaml "$variant" "conn-$variant" "$(conn_port "$variant")" hello
      listener_yaml "$variant" "bulk-$variant" "$(bulk_port "$variant")" bulk
      ports+=("$(conn_port "$variant")" "$(bulk_port "$variant")")
    done
    cat <<CONF
pools:
  hello: { servers: [ { address: "127.0.0.1:$P_HELLO_BACKEND" } ] }
  bulk: { servers: [ { address: "127.0.0.1:$P_IPERF_BACKEND" } ] }
  decoy: { servers: [ { address: "127.0.0.1:$P_DECOY" } ], retries: 0 }
timeouts: { connect: 5s, idle: 10m }
tuning: { pipe_size: 1MiB, pipe_pool: 64, copy_buffer: 64KiB }
log: { level: notice, format: json, access_log: false }
CONF
  } >"$cfg"
  RELAY_LOG=$WORKDIR/splicer.log
  "$SPLICER_BIN" check --config "$cfg" >"$RELAY_LOG" 2>&1 ||
    { show_log "$RELAY_LOG"; die "'splicer check' rejected $cfg"; }
  spawn "$RELAY_CPU" "$RELAY_LOG" "$SPLICER_BIN" run --config "$cfg"
  RELAY_PID=$SPAWNED_PID
  RELAY_MEASURE_PID=$SPAWNED_PID
  wait_for_ports splicer "$RELAY_PID" "$RELAY_LOG" 15 "${ports[@]}"
  local deadline=$((SECONDS + 10))
  until (($(grep -c '"message":"listener bound"' "$RELAY_LOG" || true) >= ${#ports[@]})); do
    ((SECONDS < deadline)) || { show_log "$RELAY_LOG"; die "splicer did not come up: too few 'listener bound' lines"; }
    sleep 0.1
  done
}

# One ClientHello through each conn listener and the exact reply back: proves that every
# listener reaches the backend (the sni one through its last route) before anything is timed.
smoke_test() {
  local variant ports=()
  for variant in "${VARIANTS[@]}"; do ports+=("$(conn_port "$variant")"); done
  python3 - "$WORKDIR/hello.bin" "$REPLY_BODY" "${ports[@]}" <<'PY' || { show_log "$RELAY_LOG"; die "smoke test failed"; }
import socket, sys
hello = open(sys.argv[1], "rb").read()
for port in sys.argv[3:]:
    with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
        s.sendall(hello)
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    if not reply.startswith(b"HTTP/1.1 200 OK") or not reply.endswith(sys.argv[2].encode()):
        sys.exit(f"127.0.0.1:{port}: unexpected reply {reply!r}")
PY
}

# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------
measure_conn() {
  local variant=$1 port out
  port=$(conn_port "$variant")
  out=$WORKDIR/wrk-$variant-r$ROUND.txt
  begin_sample
  if ! run_load $((DURATION + 30)) "$out" wrk -t1 -c "$WRK_CONNS" -d "${DURATION}s" --latency \
    -s "$WORKDIR/hello.lua" "http://127.0.0.1:$port/"; then
    show_log "$out"
    die "$variant: wrk through 127.0.0.1:$port failed"
  fi
  end_sample
  local line kv requests=0 rps=0 errors=0
  line=$(grep '^WRK_RESULT ' "$out") || { show_log "$out"; die "$variant: no WRK_RESULT line from wrk"; }
  for kv in ${line#WRK_RESULT }; do
    case ${kv%%=*} in
      requests) requests=${kv#*=} ;;
      rps) rps=${kv#*=} ;;
      errors_*) errors=$((errors + ${kv#*=})) ;;
    esac
  done
  record "$variant" conn_rps "$rps"
  record "$variant" conn_errors "$errors"
  record "$variant" conn_cpu_ms_per_1k "$(calc "1e6 * $S_RELAY_CPU / max($requests, 1)")"
  record_sample "$variant" conn
  log "$variant conn: $rps conn/s, errors $errors, relay CPU ${S_RELAY_CPU}s;" \
    "CPU$LOAD_CPU ${S_LOAD_BUSY}% CPU$RELAY_CPU ${S_RELAY_BUSY}% busy, steal ${S_STEAL}%"
}

measure_bulk() {
  local variant port out
  port=$(bulk_port "$1")
  variant=$(bulk_name "$1")
  out=$WORKDIR/iperf3-$variant-r$ROUND.json
  begin_sample
  if ! run_load $((DURATION + 30)) "$out" iperf3 -c 127.0.0.1 -p "$port" -t "$DURATION" -J \
    --connect-timeout 5000; then
    show_log "$out"
    show_log "$RELAY_LOG"
    die "$variant: iperf3 through 127.0.0.1:$port failed"
  fi
  end_sample
  local bps bytes
  read -r bps bytes < <(python3 -c 'import json, sys
end = json.load(open(sys.argv[1]))["end"]["sum_received"]
print(end["bits_per_second"], end["bytes"])' "$out")
  record "$variant" bulk_gbps "$(calc "$bps / 1e9")"
  record "$variant" bulk_cpu_s_per_gb "$(calc "$S_RELAY_CPU / ($bytes / 1e9)")"
  record_sample "$variant" bulk
  log "$variant bulk: $(calc "$bps / 1e9") Gbit/s, $(calc "$bytes / 1e9") GB, relay CPU ${S_RELAY_CPU}s;" \
    "CPU$LOAD_CPU ${S_LOAD_BUSY}% CPU$RELAY_CPU ${S_RELAY_BUSY}% busy, steal ${S_STEAL}%"
}

record_machine() {
  meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  meta cpu_model "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) × $(nproc)"
  meta kernel "$(uname -r)"
  meta splicer "$(splicer_version)"
  meta tools "wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}'), iperf3 $(iperf3 --version 2>&1 | awk 'NR == 1 {print $2}'), nginx $(nginx -v 2>&1 | sed 's|.*nginx/||')"
  meta client_hello "$HELLO_BYTES bytes, server name $SNI_NAME ($(python3 -c 'import ssl; print(ssl.OPENSSL_VERSION)'))"
  meta shape "DURATION=$DURATION s per test, ROUNDS=$ROUNDS, wrk -t1 -c$WRK_CONNS, iperf3 one stream"
  if [[ $PIN == 1 ]]; then
    meta pinning "relay (workers: 1) on CPU $RELAY_CPU; wrk, iperf3 and backends on CPU $LOAD_CPU"
  else
    meta pinning none
  fi
  meta command "${GIVEN}bash bench/routing.sh"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
main() {
  validate_settings
  start_workdir splicer-routing
  local started=$SECONDS variant
  local -a ports=("$P_IPERF_BACKEND" "$P_HELLO_BACKEND" "$P_DECOY")
  for variant in "${VARIANTS[@]}"; do ports+=("$(conn_port "$variant")" "$(bulk_port "$variant")"); done
  require_ports_free "${ports[@]}"

  build_splicer
  make_client_hello
  record_machine
  start_backends
  start_routing_splicer
  smoke_test
  log "relay up: listeners ${VARIANTS[*]}, ClientHello of $HELLO_BYTES bytes for $SNI_NAME"

  local n=${#VARIANTS[@]} i
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    log "=== round $ROUND/$ROUNDS ==="
    # Each round starts one listener later, so slow drift does not always favour the same one.
    for ((i = 0; i < n; i++)); do
      variant=${VARIANTS[(i + ROUND - 1) % n]}
      run_test "$variant" conn measure_conn "$variant"
    done
    for ((i = 0; i < n; i++)); do
      variant=${VARIANTS[(i + ROUND - 1) % n]}
      run_test "$(bulk_name "$variant")" bulk measure_bulk "$variant"
    done
  done
  meta elapsed "$((SECONDS - started)) s"

  write_report "$BENCH_DIR/routing_report.py"
  cat "$OUT"
  log "report written to $OUT (raw figures: ${OUT%.md}.tsv); took $((SECONDS - started)) s"
}

main "$@"
