#!/usr/bin/env bash
# Two overheads that must stay negligible, measured on this machine in one run:
#  1. the health checker with 100 servers checked every second: its thread's CPU, and the
#     bulk throughput (iperf3 through Splicer) with and without those checks;
#  2. /metrics scraped every 100 ms during a bulk transfer, against no scraping.
#
#   bash bench/overheads.sh
#   DURATION=8 ROUNDS=5 bash bench/overheads.sh
#
# Environment (defaults in brackets):
#   DURATION [10]      seconds per iperf3 run
#   ROUNDS [3]         rounds; each alternates with and without the checks (or the scrapes)
#   IPERF_PORT [24500] the iperf3 server's port (iperf3 cannot bind port 0 and report it)
#   PIN, RELAY_CPU, LOAD_CPU [1, 1, 0], SKIP_BUILD [0], SKIP_INSTALL [0], SPLICER_BIN,
#   KEEP_WORKDIR [0]   as in bench/run.sh
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
IPERF_PORT=${IPERF_PORT:-24500}
PIN=${PIN:-1}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_INSTALL=${SKIP_INSTALL:-0}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
SPLICER_BIN=${SPLICER_BIN:-$REPO_DIR/.build-release/release/splicer}

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"
# shellcheck source=bench/lib/measure.sh
source "$BENCH_DIR/lib/measure.sh" # run_load

check_pinning
start_workdir splicer-overheads
require_tools iperf3:iperf3 curl:curl python3:python3 taskset:util-linux ss:iproute2
build_splicer

require_ports_free "$IPERF_PORT"
spawn "$LOAD_CPU" "$WORKDIR/iperf3-server.log" iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT"
wait_for_ports "iperf3 server" "$SPAWNED_PID" "$WORKDIR/iperf3-server.log" 10 "$IPERF_PORT"
spawn "$LOAD_CPU" "$WORKDIR/ports" python3 "$BENCH_DIR/many_listeners.py" 100
wait_for_lines "100 listeners" "$SPAWNED_PID" "$WORKDIR/ports" '^[0-9]' 100

# config HEALTH(0|1) -> file
config() {
  local file=$WORKDIR/splicer-$1.yaml
  {
    echo "workers: 1"
    echo "listeners:"
    echo "  - { name: bulk, bind: \"127.0.0.1:0\", pool: iperf }"
    echo "pools:"
    echo "  iperf:"
    echo "    servers: [{ address: \"127.0.0.1:$IPERF_PORT\" }]"
    if [[ $1 == 1 ]]; then
      echo "  checked:"
      echo "    health_check: { type: tcp, interval: 1s, timeout: 500ms, rise: 2, fall: 3 }"
      echo "    servers:"
      while read -r port; do echo "      - { address: \"127.0.0.1:$port\" }"; done <"$WORKDIR/ports"
    fi
    echo "log: { level: notice, access_log: false }"
    echo "admin: { bind: \"127.0.0.1:0\" }"
  } >"$file"
  echo "$file"
}

# start_splicer CONFIG -> sets SPID, LISTEN_PORT, ADMIN_PORT (both bound to port 0 by Splicer)
start_splicer() {
  local relay_log=$WORKDIR/splicer-$((++STARTS)).log
  spawn "$RELAY_CPU" "$relay_log" "$SPLICER_BIN" run --config "$1"
  SPID=$SPAWNED_PID
  wait_for_lines splicer "$SPID" "$relay_log" '"admin bound"' 1
  LISTEN_PORT=$(splicer_port "$relay_log" bulk)
  ADMIN_PORT=$(splicer_port "$relay_log" admin)
}
STARTS=0

# run_iperf -> prints "Gbit/s relay-CPU-s/GB" for one forward iperf3 run through the relay
run_iperf() {
  local before after out=$WORKDIR/iperf3.json
  before=$(cpu_ticks "$SPID")
  run_load $((DURATION + 30)) "$out" iperf3 -c 127.0.0.1 -p "$LISTEN_PORT" -t "$DURATION" -J ||
    { show_log "$out"; die "iperf3 through :$LISTEN_PORT failed"; }
  after=$(cpu_ticks "$SPID")
  python3 -c 'import json,sys
end = json.load(open(sys.argv[1]))["end"]["sum_received"]
cpu = (int(sys.argv[2]) - int(sys.argv[3])) / int(sys.argv[4])
print("%.2f %.3f" % (end["bits_per_second"] / 1e9, cpu / (end["bytes"] / 1e9)))' "$out" "$after" "$before" "$CLK_TCK"
}

echo "## Health checker: 100 servers checked every second"
# Rounds alternate with and without the checks, so slow drifts of the machine hit both alike.
with_g=() with_c=() without_g=() without_c=() health_cpu=() checks=0 up=0
for _ in $(seq "$ROUNDS"); do
  start_splicer "$(config 1)"
  # Let the checker reach its steady state (every server up after `rise` checks).
  sleep 2
  health_tid=$(grep -l '^splicer-health' /proc/"$SPID"/task/*/comm | sed -n 1p | xargs dirname)
  h0=$(stat_ticks "$health_tid/stat") t0=$(now)
  read -r g c <<<"$(run_iperf)"
  with_g+=("$g") with_c+=("$c")
  h1=$(stat_ticks "$health_tid/stat") t1=$(now)
  health_cpu+=("$(python3 -c "print('%.4f' % (($h1-$h0)/$CLK_TCK/($t1-$t0)))")")
  checks=$(curl -s "127.0.0.1:$ADMIN_PORT/metrics" | awk '/^splicer_health_checks_total/ {s+=$2} END {print s}')
  up=$(curl -s "127.0.0.1:$ADMIN_PORT/metrics" | awk '/^splicer_server_up\{pool="checked"/ {s+=$2} END {print s}')
  stop_pid "$SPID"
  start_splicer "$(config 0)"
  read -r g c <<<"$(run_iperf)"
  without_g+=("$g") without_c+=("$c")
  stop_pid "$SPID"
done
echo "| measure | value |"
echo "|---|---:|"
echo "| health checker thread CPU, share of one core (median; all rounds) | $(median "${health_cpu[@]}") (${health_cpu[*]}) |"
echo "| checks in the last round (100 servers, about ${DURATION}+2 s) | ${checks}; up at the end: ${up} / 100 |"
echo "| bulk Gbit/s without / with checks (median of $ROUNDS × ${DURATION}s) | $(median "${without_g[@]}") / $(median "${with_g[@]}") |"
echo "| relay CPU s/GB without / with checks | $(median "${without_c[@]}") / $(median "${with_c[@]}") (${without_c[*]} / ${with_c[*]}) |"
echo "| ratio with / without: throughput, CPU per GB | $(ratio "$(median "${with_g[@]}")" "$(median "${without_g[@]}")" 3), $(ratio "$(median "${with_c[@]}")" "$(median "${without_c[@]}")" 3) |"

echo
echo "## /metrics scraped every 100 ms during a bulk transfer"
start_splicer "$(config 0)"
quiet_g=() quiet_c=() scraped_g=() scraped_c=()
for _ in $(seq "$ROUNDS"); do
  read -r g c <<<"$(run_iperf)"
  quiet_g+=("$g") quiet_c+=("$c")
  spawn "$LOAD_CPU" /dev/null bash -c "while true; do curl -s -o /dev/null 127.0.0.1:$ADMIN_PORT/metrics; sleep 0.1; done"
  scraper=$SPAWNED_PID
  read -r g c <<<"$(run_iperf)"
  scraped_g+=("$g") scraped_c+=("$c")
  stop_pid "$scraper" 2
done
series=$(curl -s "127.0.0.1:$ADMIN_PORT/metrics" | grep -c '^splicer_' || true)
stop_pid "$SPID"
echo "| measure | value |"
echo "|---|---:|"
echo "| bulk Gbit/s, not scraped / scraped every 100 ms (median of $ROUNDS × ${DURATION}s) | $(median "${quiet_g[@]}") / $(median "${scraped_g[@]}") (${quiet_g[*]} / ${scraped_g[*]}) |"
echo "| relay CPU s/GB, not scraped / scraped (includes serving the scrapes) | $(median "${quiet_c[@]}") / $(median "${scraped_c[@]}") (${quiet_c[*]} / ${scraped_c[*]}) |"
echo "| ratio scraped / not scraped: throughput, CPU per GB | $(ratio "$(median "${scraped_g[@]}")" "$(median "${quiet_g[@]}")" 3), $(ratio "$(median "${scraped_c[@]}")" "$(median "${quiet_c[@]}")" 3) |"
echo "| splicer_ series per scrape | ${series} |"
