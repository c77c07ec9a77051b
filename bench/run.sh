#!/usr/bin/env bash
# Side-by-side benchmark of Splicer (splice and copy modes), HAProxy (mode tcp, splice) and
# nginx stream on this machine. See docs/BENCHMARKS.md for the method.
#
#   bash bench/run.sh                 # full run: 10 s tests, 3 rounds (>= 16 min, see docs)
#   QUICK=1 bash bench/run.sh         # short run: 3 s per test, 1000 idle connections, 1 round
#   DURATION=10 IDLE_CONNS=5000 ROUNDS=3 RELAYS="splicer haproxy" bash bench/run.sh
#
# Environment (defaults in brackets):
#   DURATION [10]      seconds per iperf3 / wrk test
#   IDLE_CONNS [5000]  idle connections for the RSS/fd test (at most 8000: 20000-fd limit)
#   ROUNDS [3]         repeat the whole matrix; the report shows the median of the rounds
#   RELAYS ["splicer splicer-copy haproxy nginx"]  relays to measure (haproxy is the reference)
#   DIRECT [1]         also measure without a relay (load-generator ceiling, no ratios)
#   WRK_CONNS [50]     wrk connections; WRK_THREADS [1]
#   PIN [1]            pin the relay to RELAY_CPU [1], load generators/backends to LOAD_CPU [0]
#   BASE_PORT [24000]  ports BASE_PORT..BASE_PORT+42 on 127.0.0.1 are used
#   SKIP_BUILD [0]     use an existing .build-release/release/splicer (or SPLICER_BIN)
#   SKIP_INSTALL [0]   do not apt-get install missing tools
#   QUIET_PCT [10]     before each test, wait until the machine is less busy than this (% of all
#                      CPUs over 1 s), at most QUIET_WAIT [120] s per test
#                      and QUIET_BUDGET [900] s per run. A test with other load before or after
#                      it, or more than STEAL_PCT [5] % steal during it, is run again up to
#                      RETRIES [2] times, then kept and flagged in the report
#   KEEP_WORKDIR [0]   keep the temp dir with configs, logs and raw outputs
#   OUT [bench/results/latest.md]  where the Markdown report is written
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  DURATION=${DURATION:-3}
  IDLE_CONNS=${IDLE_CONNS:-1000}
  ROUNDS=${ROUNDS:-1}
fi
DURATION=${DURATION:-10}
IDLE_CONNS=${IDLE_CONNS:-5000}
ROUNDS=${ROUNDS:-3}
RELAYS=${RELAYS:-"splicer splicer-copy haproxy nginx"}
DIRECT=${DIRECT:-1}
WRK_CONNS=${WRK_CONNS:-50}
WRK_THREADS=${WRK_THREADS:-1}
PIN=${PIN:-1}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BASE_PORT=${BASE_PORT:-24000}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_INSTALL=${SKIP_INSTALL:-0}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
OUT=${OUT:-$BENCH_DIR/results/latest.md}
SPLICER_BIN=${SPLICER_BIN:-$REPO_DIR/.build-release/release/splicer}
IDLE_TIMEOUT=${IDLE_TIMEOUT:-120}
QUIET_PCT=${QUIET_PCT:-10}
STEAL_PCT=${STEAL_PCT:-5}
QUIET_WAIT=${QUIET_WAIT:-120}
QUIET_BUDGET=${QUIET_BUDGET:-900}
RETRIES=${RETRIES:-2}
HAPROXY_MAXCONN=8000
NGINX_STREAM_MODULE=${NGINX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"
# shellcheck source=bench/lib/relays.sh
source "$BENCH_DIR/lib/relays.sh"
# shellcheck source=bench/lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"

# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------
validate_settings() {
  in_range "$DURATION" 1 600 || die "DURATION must be 1..600 seconds"
  in_range "$IDLE_CONNS" 100 8000 ||
    die "IDLE_CONNS must be 100..8000 (each relay holds 2 fds per connection under a 20000-fd limit)"
  in_range "$ROUNDS" 1 10 || die "ROUNDS must be 1..10"
  in_range "$WRK_CONNS" 1 10000 || die "WRK_CONNS must be 1..10000"
  in_range "$BASE_PORT" 1024 65000 || die "BASE_PORT must be 1024..65000"
  local relay
  for relay in $RELAYS; do relay_ports "$relay"; done
  check_pinning
  if (($(ulimit -n) < 20000)); then
    ulimit -n 20000 2>/dev/null || log "fd limit is $(ulimit -n); IDLE_CONNS=$IDLE_CONNS may not fit"
  fi
}

first_line() { "$@" 2>&1 | head -n 1 || true; }

record_machine() {
  meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  meta host_cpus "$(nproc)"
  meta cpu_model "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  meta mem "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  meta kernel "$(uname -r)"
  meta os "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || echo unknown)"
  meta splicer "$(splicer_version)"
  meta haproxy "$(first_line haproxy -v | awk '{print $3}')"
  meta nginx "$(first_line nginx -v | sed 's|.*nginx/||')"
  meta iperf3 "$(first_line iperf3 --version | awk '{print $2}')"
  meta wrk "$(first_line wrk -v | awk '{print $2}')"
  meta python "$(python3 --version 2>&1 | awk '{print $2}')"
  meta duration "$DURATION"
  meta idle_conns "$IDLE_CONNS"
  meta rounds "$ROUNDS"
  meta wrk_shape "$WRK_THREADS thread(s), $WRK_CONNS connections"
  meta load_cpu "$LOAD_CPU"
  meta relay_cpu "$RELAY_CPU"
  if [[ $PIN == 1 ]]; then
    meta pinning "relay on CPU $RELAY_CPU; iperf3, wrk, backends and idle client on CPU $LOAD_CPU"
  else
    meta pinning "none"
  fi
  meta sysctl "somaxconn=$(sysctl -n net.core.somaxconn) tcp_tw_reuse=$(sysctl -n net.ipv4.tcp_tw_reuse) pipe-max-size=$(sysctl -n fs.pipe-max-size)"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
run_relay() {
  local relay=$1
  log "=== $relay (round $ROUND/$ROUNDS) ==="
  start_relay "$relay"
  run_test "$relay" bulk_fwd measure_bulk "$relay" fwd
  run_test "$relay" bulk_rev measure_bulk "$relay" rev
  run_test "$relay" conn measure_http "$relay" close
  run_test "$relay" keepalive measure_http "$relay" keepalive
  # Memory and fd counts do not depend on CPU contention: no quiet-machine gate needed.
  [[ $relay == direct ]] || measure_idle "$relay"
  stop_relay
}

main() {
  validate_settings
  start_workdir splicer-bench
  local started=$SECONDS

  local relay
  for relay in direct $RELAYS; do
    relay_ports "$relay"
    require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"
  done
  require_tools haproxy:haproxy nginx:nginx iperf3:iperf3 wrk:wrk curl:curl python3:python3 \
    taskset:util-linux ss:iproute2 timeout:coreutils
  build_splicer
  record_machine
  start_backends

  local -a relays
  read -ra relays <<<"$RELAYS"
  [[ $DIRECT == 1 ]] && relays=(direct "${relays[@]}")
  local n=${#relays[@]} i
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    # Each round starts one relay later, so slow drift on the machine does not always favour
    # the same relay.
    for ((i = 0; i < n; i++)); do run_relay "${relays[(i + ROUND - 1) % n]}"; done
  done
  meta elapsed "$((SECONDS - started)) s"

  write_report "$BENCH_DIR/report.py"
  # Keep every run, not only the latest: a later QUICK=1 run must not overwrite a full one.
  # The suffix is set by an if: as the last command substitution of an assignment, a false
  # `[[ ]] && echo` would give the assignment status 1, and set -e would end a full run here.
  local stamp suffix=""
  if [[ $QUICK == 1 ]]; then suffix=-quick; fi
  stamp=$(dirname "$OUT")/run-$(date -u +%Y%m%dT%H%M%SZ)$suffix
  cp "$OUT" "$stamp.md"
  cp "$RESULTS_TSV" "$stamp.tsv"
  cat "$OUT"
  log "report written to $OUT and $stamp.md (raw figures: .tsv next to them); took $((SECONDS - started)) s"
}

main "$@"
