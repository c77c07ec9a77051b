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

gbits() { # forward iperf3 through the relay; prints Gbit/s received
  taskset -c 0 iperf3 -c 127.0.0.1 -p "$LISTEN_PORT" -t "$DURATION" -J | python3 -c \
    'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "## Health checker: 100 servers checked every second"
admin=$(free_port)
start_splicer "$(config 1 "$admin")"
sleep 3
health_tid=$(grep -l '^splicer-health' /proc/"$SPID"/task/*/comm | head -1 | xargs dirname)
before=$(cpu_ticks "$health_tid/stat"); start=$(date +%s.%N)
with=(); for _ in $(seq "$ROUNDS"); do with+=("$(gbits)"); done
after=$(cpu_ticks "$health_tid/stat"); end=$(date +%s.%N)
checks=$(curl -s "127.0.0.1:$admin/metrics" | awk '/^splicer_health_checks_total/ {s+=$2} END {print s}')
up=$(curl -s "127.0.0.1:$admin/metrics" | awk '/^splicer_server_up\{pool="checked"/ {s+=$2} END {print s}')
kill "$SPID"; wait "$SPID" 2>/dev/null || true
health_cpu=$(python3 -c "print('%.4f' % (($after-$before)/$hz/($end-$start)))")
start_splicer "$(config 0 "$(free_port)")"
without=(); for _ in $(seq "$ROUNDS"); do without+=("$(gbits)"); done
kill "$SPID"; wait "$SPID" 2>/dev/null || true
w=$(printf '%s\n' "${with[@]}" | median); wo=$(printf '%s\n' "${without[@]}" | median)
echo "| measure | value |"
echo "|---|---:|"
echo "| health checker thread CPU (share of one core) | ${health_cpu} |"
echo "| checks run during the measurement (all 100 servers) | ${checks} |"
echo "| servers up at the end | ${up} / 100 |"
echo "| bulk Gbit/s without checks (median of $ROUNDS × ${DURATION}s) | ${wo} (${without[*]}) |"
echo "| bulk Gbit/s with 100 servers checked every second | ${w} (${with[*]}) |"
echo "| ratio with / without | $(python3 -c "print('%.3f' % ($w/$wo))") |"

echo
echo "## /metrics scraped every 100 ms during a bulk transfer"
admin=$(free_port)
start_splicer "$(config 0 "$admin")"
quiet=(); scraped=()
for _ in $(seq "$ROUNDS"); do
  quiet+=("$(gbits)")
  ( while true; do curl -s -o /dev/null "127.0.0.1:$admin/metrics"; sleep 0.1; done ) & scraper=$!; pids+=("$scraper")
  scraped+=("$(gbits)")
  kill "$scraper"; wait "$scraper" 2>/dev/null || true
done
scrapes=$(curl -s "127.0.0.1:$admin/metrics" | grep -c '^splicer_' || true)
kill "$SPID"; wait "$SPID" 2>/dev/null || true
q=$(printf '%s\n' "${quiet[@]}" | median); s=$(printf '%s\n' "${scraped[@]}" | median)
echo "| measure | value |"
echo "|---|---:|"
echo "| bulk Gbit/s, no scraping (median of $ROUNDS × ${DURATION}s) | ${q} (${quiet[*]}) |"
echo "| bulk Gbit/s, scraped every 100 ms | ${s} (${scraped[*]}) |"
echo "| ratio scraped / not scraped | $(python3 -c "print('%.3f' % ($s/$q))") |"
echo "| series per scrape | ${scrapes} |"
