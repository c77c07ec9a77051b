#!/usr/bin/env bash
# A fast A/B of Splicer (A) against a peer relay (B) on one scenario: the two run alternately,
# A B A B, for PAIRS pairs, and every run is measured the same way. Prints per pair and as
# medians the ratio A/B of throughput or rate, the relay CPU per GB or per connection (from
# /proc/PID/stat), and low-noise counters per GB or per connection from `perf stat` on the
# relay: system calls by kind and context switches. Counters depend far less on other load on
# the machine than throughput does, so a change shows in them after a few short pairs.
#
#   bash bench/ab.sh --scenario bulk-c2s                    # 4 pairs x 5 s, HAProxy as B
#   bash bench/ab.sh --scenario conn --pairs 6 --seconds 3 --peer nginx --log --workers 2
#
# Options (defaults in brackets):
#   --scenario bulk-c2s|bulk-s2c|conn|keepalive   [bulk-c2s]
#              bulk-c2s: iperf3 client -> server; bulk-s2c: iperf3 -R; per GB
#              conn: wrk with Connection: close, new connections/s; per connection
#              keepalive: wrk on persistent connections, requests/s; per request
#   --pairs N  [4]   A B pairs (1..50)
#   --seconds S [5]  seconds per run (1..600)
#   --peer haproxy|nginx [haproxy]  HAProxy as bench/run.sh tunes it (mode tcp, splice-request
#              and splice-response, tune.pipesize 1048576, nbthread = workers), or nginx stream
#   --log | --no-log [--no-log]  both relays log one line per connection to a file (Splicer's
#              access log, HAProxy `log stdout format raw local0` + `option tcplog`, nginx
#              access_log), or neither logs connections
#   --workers 1|2 [1]  Splicer workers, HAProxy nbthread, nginx worker_processes
# Environment: PIN, RELAY_CPU, LOAD_CPU [1, 1, 0], BASE_PORT [24300], WRK_CONNS [50],
#   SKIP_BUILD [0], SKIP_INSTALL [0], SPLICER_BIN, KEEP_WORKDIR [0], as in bench/run.sh.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

SCENARIO=bulk-c2s PAIRS=4 DURATION=5 PEER=haproxy ACCESS_LOG=0 RELAY_WORKERS=1
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($# > 0)); do
  case $1 in
    --scenario) SCENARIO=${2:?}; shift 2 ;;
    --pairs) PAIRS=${2:?}; shift 2 ;;
    --seconds) DURATION=${2:?}; shift 2 ;;
    --peer) PEER=${2:?}; shift 2 ;;
    --log) ACCESS_LOG=1; shift ;;
    --no-log) ACCESS_LOG=0; shift ;;
    --workers) RELAY_WORKERS=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

PIN=${PIN:-1}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BASE_PORT=${BASE_PORT:-24300}
WRK_CONNS=${WRK_CONNS:-50}
WRK_THREADS=1
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_INSTALL=${SKIP_INSTALL:-0}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
SPLICER_BIN=${SPLICER_BIN:-$REPO_DIR/.build-release/release/splicer}
HAPROXY_MAXCONN=8000
NGINX_STREAM_MODULE=${NGINX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}
# System calls counted, by kind: the report sums each kind's calls.
SYSCALLS="splice epoll_wait epoll_pwait read write readv writev recvfrom sendto recvmsg sendmsg accept4
  shutdown setsockopt epoll_ctl"

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"
# shellcheck source=bench/lib/relays.sh
source "$BENCH_DIR/lib/relays.sh"
# shellcheck source=bench/lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"

validate_settings() {
  case $SCENARIO in bulk-c2s | bulk-s2c | conn | keepalive) ;; *) die "unknown scenario '$SCENARIO'" ;; esac
  case $PEER in haproxy | nginx) ;; *) die "--peer is haproxy or nginx, not '$PEER'" ;; esac
  in_range "$PAIRS" 1 50 || die "--pairs must be 1..50"
  in_range "$DURATION" 1 600 || die "--seconds must be 1..600"
  in_range "$RELAY_WORKERS" 1 2 || die "--workers must be 1 or 2"
  in_range "$BASE_PORT" 1024 65000 || die "BASE_PORT must be 1024..65000"
  check_pinning
}

# perf stat counts from the moment it has opened its events; it says nothing then, but each open
# event is a descriptor ("anon_inode:[perf_event]"). Waits (bounded) until COUNT are open.
# usage: wait_for_perf PID COUNT LOGFILE
wait_for_perf() {
  local pid=$1 want=$2 deadline=$((SECONDS + 10)) open
  while :; do
    # find fails when a descriptor closes while it reads the folder; under pipefail and set -e
    # that would end the script without a word, so its status is ignored.
    open=$({ find "/proc/$pid/fd" -lname 'anon_inode:*perf_event*' 2>/dev/null || true; } | wc -l)
    ((open >= want)) && return 0
    pid_alive "$pid" || { show_log "$3"; die "perf stat exited (perf_event_paranoid? see $3)"; }
    ((SECONDS < deadline)) || { show_log "$3"; die "perf stat opened $open of $want events in 10 s"; }
    sleep 0.05
  done
}

# One run of the scenario through RELAY, whose relaying processes are PIDS (space-separated):
# records the rate, the units moved (GB or connections/requests), the relay's CPU seconds and
# every perf counter, under "PAIR RELAY".
# usage: measure_run PAIR RELAY PIDS
measure_run() {
  local pair=$1 relay=$2 pids=$3 out perf_out events="task-clock,context-switches" name
  for name in $SYSCALLS; do events+=",syscalls:sys_enter_$name"; done
  relay_ports "$relay"
  out=$WORKDIR/$SCENARIO-$relay-$pair
  perf_out=$out.perf
  # perf on the load CPU, so that it takes no time from the relay it counts.
  spawn "$LOAD_CPU" "$out.perf.log" perf stat -x, -o "$perf_out" -e "$events" -p "${pids// /,}"
  local perf_pid=$SPAWNED_PID ticks0=0 ticks1=0 pid
  wait_for_perf "$perf_pid" "$(($(tr ',' '\n' <<<"$events" | wc -l) * $(wc -w <<<"$pids")))" "$out.perf.log"
  for pid in $pids; do ticks0=$((ticks0 + $(cpu_ticks "$pid"))); done
  case $SCENARIO in
    bulk-*)
      local -a reverse=()
      [[ $SCENARIO == bulk-s2c ]] && reverse=(-R)
      run_load $((DURATION + 30)) "$out.json" iperf3 -c 127.0.0.1 -p "$P_IPERF" -t "$DURATION" -J \
        --connect-timeout 5000 "${reverse[@]}" || { show_log "$out.json"; die "$relay: iperf3 failed"; }
      ;;
    conn | keepalive)
      local -a close=()
      [[ $SCENARIO == conn ]] && close=(-H "Connection: close")
      run_load $((DURATION + 30)) "$out.txt" wrk -t 1 -c "$WRK_CONNS" -d "${DURATION}s" \
        -s "$BENCH_DIR/wrk_report.lua" "${close[@]}" "http://127.0.0.1:$P_HTTP/" ||
        { show_log "$out.txt"; die "$relay: wrk failed"; }
      ;;
  esac
  for pid in $pids; do ticks1=$((ticks1 + $(cpu_ticks "$pid"))); done
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  python3 "$BENCH_DIR/ab_report.py" run --scenario "$SCENARIO" --pair "$pair" --relay "$relay" \
    --load "$out.$([[ $SCENARIO == bulk-* ]] && echo json || echo txt)" --perf "$perf_out" \
    --cpu-seconds "$(calc "($ticks1 - $ticks0) / $CLK_TCK")" --seconds "$DURATION" >>"$RESULTS_TSV"
}

main() {
  validate_settings
  start_workdir splicer-ab
  require_tools "$PEER:$PEER" nginx:nginx iperf3:iperf3 wrk:wrk perf:linux-perf curl:curl python3:python3 \
    taskset:util-linux ss:iproute2 timeout:coreutils
  build_splicer
  local relay
  for relay in direct splicer "$PEER"; do
    relay_ports "$relay"
    require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"
  done
  start_backends
  # Both relays stay up for the whole run (an idle relay costs nothing); only the load alternates.
  start_relay splicer
  local a_pids=$RELAY_MEASURE_PIDS a_log=$RELAY_LOG
  start_relay "$PEER"
  local b_pids=$RELAY_MEASURE_PIDS b_log=$RELAY_LOG
  [[ $PEER == nginx && $ACCESS_LOG == 1 ]] && b_log=$WORKDIR/nginx-relay/logs/access.log
  log "A: splicer (pid $a_pids), B: $PEER (pid $b_pids); $SCENARIO, $PAIRS pairs x ${DURATION}s," \
    "workers $RELAY_WORKERS, log $([[ $ACCESS_LOG == 1 ]] && echo "on ($a_log, $b_log)" || echo off)"
  local pair
  for ((pair = 1; pair <= PAIRS; pair++)); do
    measure_run "$pair" splicer "$a_pids"
    measure_run "$pair" "$PEER" "$b_pids"
    log "pair $pair/$PAIRS done"
  done
  local peer_version
  if [[ $PEER == haproxy ]]; then
    peer_version=$(haproxy -v 2>&1 | awk 'NR == 1 {print $3}')
  else
    peer_version=$(nginx -v 2>&1 | sed 's|.*nginx/||')
  fi
  python3 "$BENCH_DIR/ab_report.py" report --results "$RESULTS_TSV" --a splicer --b "$PEER" \
    --title "$SCENARIO, $PAIRS pairs x ${DURATION}s, workers $RELAY_WORKERS, log $([[ $ACCESS_LOG == 1 ]] && echo on || echo off); splicer $(splicer_version), $PEER $peer_version"
}

main "$@"
