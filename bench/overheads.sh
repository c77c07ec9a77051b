#!/usr/bin/env bash
# Two overheads that must stay negligible, measured on this machine in one run:
#  1. the health checker with 100 servers checked every second: its thread's CPU, and the
#     bulk throughput (iperf3 through Splicer) with and without those checks;
#  2. /metrics scraped every 100 ms during a bulk transfer, against no scraping.
# Usage: bash bench/overheads.sh   (DURATION=10 seconds per iperf3 run, ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
scripts/install-deps.sh build
for tool in iperf3 curl python3; do command -v "$tool" >/dev/null || { apt-get update -qq; apt-get install -y -qq "$tool"; }; done
swift build -c release --scratch-path .build-release --product splicer >/dev/null
SPLICER=.build-release/release/splicer

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { local f; read -ra f <<<"$(sed 's/.*) //' "$1")"; echo $((f[11] + f[12])); }
hz=$(getconf CLK_TCK)

iperf_port=$(free_port)
taskset -c 0 iperf3 -s -B 127.0.0.1 -p "$iperf_port" >/dev/null 2>&1 & pids+=($!)
python3 bench/many_listeners.py 100 > "$work/ports" & pids+=($!)
for _ in $(seq 100); do [[ $(wc -l < "$work/ports") -ge 100 ]] && break; sleep 0.1; done

# config HEALTH(0|1) -> file
config() {
  local file=$work/splicer-$1.yaml admin_port=$2
  {
    echo "workers: 1"
    echo "listeners:"
    echo "  - { name: bulk, bind: \"127.0.0.1:0\", pool: iperf }"
    echo "pools:"
    echo "  iperf:"
    echo "    servers: [{ address: \"127.0.0.1:$iperf_port\" }]"
    if [[ $1 == 1 ]]; then
      echo "  checked:"
      echo "    health_check: { type: tcp, interval: 1s, timeout: 500ms, rise: 2, fall: 3 }"
      echo "    servers:"
      while read -r port; do echo "      - { address: \"127.0.0.1:$port\" }"; done < "$work/ports"
    fi
    echo "log: { level: notice, access_log: false }"
    echo "admin: { bind: \"127.0.0.1:$admin_port\" }"
  } > "$file"
  echo "$file"
}

# start_splicer CONFIG -> sets SPID, LISTEN_PORT
start_splicer() {
  taskset -c 1 "$SPLICER" run --config "$1" 2> "$work/splicer.log" & SPID=$!; pids+=("$SPID")
  for _ in $(seq 100); do grep -q '"listener bound"' "$work/splicer.log" 2>/dev/null && break; sleep 0.05; done
  LISTEN_PORT=$(grep -o '"address":"127.0.0.1:[0-9]*"' "$work/splicer.log" | head -1 | grep -o '[0-9]*"$' | tr -d '"')
}

# run_iperf -> prints "Gbit/s relay-CPU-s/GB" for one forward iperf3 run through the relay
run_iperf() {
  local before after json
  before=$(cpu_ticks "/proc/$SPID/stat")
  json=$(taskset -c 0 iperf3 -c 127.0.0.1 -p "$LISTEN_PORT" -t "$DURATION" -J)
  after=$(cpu_ticks "/proc/$SPID/stat")
  python3 -c 'import json,sys
end = json.loads(sys.argv[1])["end"]["sum_received"]
cpu = (int(sys.argv[2]) - int(sys.argv[3])) / int(sys.argv[4])
print("%.2f %.3f" % (end["bits_per_second"] / 1e9, cpu / (end["bytes"] / 1e9)))' "$json" "$after" "$before" "$hz"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "## Health checker: 100 servers checked every second"
# Rounds alternate with and without the checks, so slow drifts of the machine hit both alike.
with_g=(); with_c=(); without_g=(); without_c=(); health_cpu=(); checks=0
for _ in $(seq "$ROUNDS"); do
  admin=$(free_port)
  start_splicer "$(config 1 "$admin")"
  sleep 2
  health_tid=$(grep -l '^splicer-health' /proc/"$SPID"/task/*/comm | head -1 | xargs dirname)
  h0=$(cpu_ticks "$health_tid/stat"); t0=$(date +%s.%N)
  read -r g c <<<"$(run_iperf)"; with_g+=("$g"); with_c+=("$c")
  h1=$(cpu_ticks "$health_tid/stat"); t1=$(date +%s.%N)
  health_cpu+=("$(python3 -c "print('%.4f' % (($h1-$h0)/$hz/($t1-$t0)))")")
  checks=$(curl -s "127.0.0.1:$admin/metrics" | awk '/^splicer_health_checks_total/ {s+=$2} END {print s}')
  up=$(curl -s "127.0.0.1:$admin/metrics" | awk '/^splicer_server_up\{pool="checked"/ {s+=$2} END {print s}')
  kill "$SPID"; wait "$SPID" 2>/dev/null || true
  start_splicer "$(config 0 "$(free_port)")"
  read -r g c <<<"$(run_iperf)"; without_g+=("$g"); without_c+=("$c")
  kill "$SPID"; wait "$SPID" 2>/dev/null || true
done
m() { printf '%s\n' "$@" | median; }
echo "| measure | value |"
echo "|---|---:|"
echo "| health checker thread CPU, share of one core (median; all rounds) | $(m "${health_cpu[@]}") (${health_cpu[*]}) |"
echo "| checks in the last round (100 servers, about ${DURATION}+2 s) | ${checks}; up at the end: ${up} / 100 |"
echo "| bulk Gbit/s without / with checks (median of $ROUNDS × ${DURATION}s) | $(m "${without_g[@]}") / $(m "${with_g[@]}") |"
echo "| relay CPU s/GB without / with checks | $(m "${without_c[@]}") / $(m "${with_c[@]}") (${without_c[*]} / ${with_c[*]}) |"
echo "| ratio with / without: throughput, CPU per GB | $(python3 -c "print('%.3f' % ($(m "${with_g[@]}")/$(m "${without_g[@]}")))"), $(python3 -c "print('%.3f' % ($(m "${with_c[@]}")/$(m "${without_c[@]}")))") |"

echo
echo "## /metrics scraped every 100 ms during a bulk transfer"
admin=$(free_port)
start_splicer "$(config 0 "$admin")"
quiet_g=(); quiet_c=(); scraped_g=(); scraped_c=()
for _ in $(seq "$ROUNDS"); do
  read -r g c <<<"$(run_iperf)"; quiet_g+=("$g"); quiet_c+=("$c")
  ( while true; do curl -s -o /dev/null "127.0.0.1:$admin/metrics"; sleep 0.1; done ) & scraper=$!; pids+=("$scraper")
  read -r g c <<<"$(run_iperf)"; scraped_g+=("$g"); scraped_c+=("$c")
  kill "$scraper"; wait "$scraper" 2>/dev/null || true
done
series=$(curl -s "127.0.0.1:$admin/metrics" | grep -c '^splicer_' || true)
kill "$SPID"; wait "$SPID" 2>/dev/null || true
echo "| measure | value |"
echo "|---|---:|"
echo "| bulk Gbit/s, not scraped / scraped every 100 ms (median of $ROUNDS × ${DURATION}s) | $(m "${quiet_g[@]}") / $(m "${scraped_g[@]}") (${quiet_g[*]} / ${scraped_g[*]}) |"
echo "| relay CPU s/GB, not scraped / scraped (includes serving the scrapes) | $(m "${quiet_c[@]}") / $(m "${scraped_c[@]}") (${quiet_c[*]} / ${scraped_c[*]}) |"
echo "| ratio scraped / not scraped: throughput, CPU per GB | $(python3 -c "print('%.3f' % ($(m "${scraped_g[@]}")/$(m "${quiet_g[@]}")))"), $(python3 -c "print('%.3f' % ($(m "${scraped_c[@]}")/$(m "${quiet_c[@]}")))") |"
echo "| splicer_ series per scrape | ${series} |"
