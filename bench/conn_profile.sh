#!/usr/bin/env bash
# Where a relay's CPU goes per short connection, call by call: Splicer and HAProxy (tuned as in
# bench/run.sh) run side by side, and in turn (A B A B ...) each relays wrk with
# `Connection: close` while `perf record -g -e task-clock` samples it. The report divides each
# system call's inclusive kernel time, and the time outside system calls, by the connections
# wrk made while perf recorded, and prints the medians over the rounds.
#
#   bash bench/conn_profile.sh                     # 3 rounds, access log on both sides
#   ROUNDS=5 ACCESS_LOG=0 bash bench/conn_profile.sh
#
# Environment (defaults in brackets): ROUNDS [3], ACCESS_LOG [1], RECORD_SECONDS [4] (perf
# records this long, from 1.5 s into each wrk run of RECORD_SECONDS + 3 s), WRK_CONNS [50],
# PIN, RELAY_CPU, LOAD_CPU [1, 1, 0], BASE_PORT [24600], SKIP_BUILD, SKIP_INSTALL, SPLICER_BIN,
# KEEP_WORKDIR, as in bench/run.sh. The relays run one worker/thread each.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

ROUNDS=${ROUNDS:-3}
ACCESS_LOG=${ACCESS_LOG:-1}
RECORD_SECONDS=${RECORD_SECONDS:-4}
PIN=${PIN:-1}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BASE_PORT=${BASE_PORT:-24600}
WRK_CONNS=${WRK_CONNS:-50}
RELAY_WORKERS=1
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_INSTALL=${SKIP_INSTALL:-0}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
SPLICER_BIN=${SPLICER_BIN:-$REPO_DIR/.build-release/release/splicer}
HAPROXY_MAXCONN=8000
NGINX_STREAM_MODULE=${NGINX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"
# shellcheck source=bench/lib/relays.sh
source "$BENCH_DIR/lib/relays.sh"

# One round for RELAY (process PID): wrk through it, perf recording in the middle.
# usage: profile_round ROUND RELAY PID
profile_round() {
  local round=$1 relay=$2 pid=$3 out wrk_pid
  relay_ports "$relay"
  out=$WORKDIR/$relay.$round
  spawn "$LOAD_CPU" "$out.wrk" timeout $((RECORD_SECONDS + 30)) wrk -t 1 -c "$WRK_CONNS" \
    -d "$((RECORD_SECONDS + 3))s" -s "$BENCH_DIR/wrk_report.lua" -H "Connection: close" \
    "http://127.0.0.1:$P_HTTP/"
  wrk_pid=$SPAWNED_PID
  # Past wrk's ramp-up; the report counts connections at wrk's mean rate over the recording.
  sleep 1.5
  taskset -c "$LOAD_CPU" perf record -q -g -e task-clock -o "$out.data" -p "$pid" -- sleep "$RECORD_SECONDS" \
    >"$out.perf.log" 2>&1 || { show_log "$out.perf.log"; die "perf record failed on $relay"; }
  wait "$wrk_pid" || { show_log "$out.wrk"; die "$relay: wrk failed"; }
  printf '%s\t%s\t%s\t%s\n' "$relay" "$round" "$out.data" "$out.wrk" >>"$RESULTS_TSV"
}

main() {
  in_range "$ROUNDS" 1 20 || die "ROUNDS must be 1..20"
  in_range "$RECORD_SECONDS" 1 60 || die "RECORD_SECONDS must be 1..60"
  start_workdir splicer-conn-profile
  require_tools haproxy:haproxy nginx:nginx iperf3:iperf3 wrk:wrk perf:linux-perf curl:curl \
    python3:python3 taskset:util-linux ss:iproute2 timeout:coreutils
  check_pinning
  build_splicer
  local relay
  for relay in direct splicer haproxy; do
    relay_ports "$relay"
    require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"
  done
  start_backends
  start_relay splicer
  local splicer_pid=$RELAY_MEASURE_PID
  start_relay haproxy
  local haproxy_pid=$RELAY_MEASURE_PID
  log "splicer (pid $splicer_pid) and haproxy (pid $haproxy_pid), access log $([[ $ACCESS_LOG == 1 ]] && echo on || echo off);" \
    "$ROUNDS rounds of ${RECORD_SECONDS}s recorded"
  local round
  for ((round = 1; round <= ROUNDS; round++)); do
    profile_round "$round" splicer "$splicer_pid"
    profile_round "$round" haproxy "$haproxy_pid"
    log "round $round/$ROUNDS done"
  done
  python3 "$BENCH_DIR/conn_profile_report.py" --runs "$RESULTS_TSV" --seconds "$RECORD_SECONDS"
}

main "$@"
