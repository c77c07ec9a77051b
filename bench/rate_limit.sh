#!/usr/bin/env bash
# What bandwidth limits (`rate_limit`, kernel pacing) deliver and cost: iperf3 through three
# listeners of one Splicer, to the same iperf3 server: `open` (no limit), `limited`
# (download 100Mbit/s, upload 20Mbit/s per connection) and `shared` (listener_total
# 200Mbit/s, divided among its connections). Prints each run's throughput (per stream for
# the shared runs, with their sum) and the relay's CPU over the run. A benchmark, not a test:
# it prints figures and exits 0 unless something failed to start.
#
#   bash bench/rate_limit.sh
#   SPLICER_BIN=.build/debug/splicer DURATION=5 bash bench/rate_limit.sh
#
# Environment (defaults in brackets):
#   SPLICER_BIN [.build-release/release/splicer (swift build -c release --scratch-path
#                .build-release --product splicer), else .build/debug/splicer]
#   DURATION [10]        seconds per iperf3 run
#   STREAMS [4]          parallel streams (-P) through `shared`
#   WORKERS [2]          Splicer workers
#   IPERF_PORT [24500]   the iperf3 server's port (iperf3 cannot bind port 0 and report it);
#                        the relay binds port 0 and reports its ports in its log
#   KEEP_WORKDIR [0]     keep the temp dir with configs, logs and iperf3 JSON
#
# iperf3 runs as client → server by default (an upload through the relay) and with -R as
# server → client (a download). Its control connection goes through the relay too: on
# `shared` it is idle during the run, so it takes no share of the total (the total is
# divided among the connections that are sending).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${DURATION:-10}
STREAMS=${STREAMS:-4}
WORKERS=${WORKERS:-2}
IPERF_PORT=${IPERF_PORT:-24500}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
PIN=0 RELAY_CPU=0 LOAD_CPU=0 # nothing pinned: the relay has two workers
if [[ -z ${SPLICER_BIN:-} ]]; then
  SPLICER_BIN=$REPO_DIR/.build-release/release/splicer
  [[ -x $SPLICER_BIN ]] || SPLICER_BIN=$REPO_DIR/.build/debug/splicer
fi

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"

[[ -x $SPLICER_BIN ]] || die "no splicer binary at $SPLICER_BIN (swift build first)"
command -v iperf3 >/dev/null || die "iperf3 is missing (apt-get install -y iperf3)"
start_workdir splicer-rate-limit

require_ports_free "$IPERF_PORT"
spawn 0 "$WORKDIR/iperf3-server.log" iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT"
wait_for_ports "iperf3 server" "$SPAWNED_PID" "$WORKDIR/iperf3-server.log" 10 "$IPERF_PORT"

cat >"$WORKDIR/splicer.yaml" <<EOF
workers: $WORKERS
listeners:
  - { name: open, bind: 127.0.0.1:0, pool: iperf }
  - name: limited
    bind: 127.0.0.1:0
    pool: iperf
    rate_limit: { download: 100Mbit/s, upload: 20Mbit/s }
  - name: shared
    bind: 127.0.0.1:0
    pool: iperf
    rate_limit: { listener_total: 200Mbit/s }
pools:
  iperf: { servers: [ { address: 127.0.0.1:$IPERF_PORT } ] }
timeouts: { connect: 2s, idle: 10m }
log: { level: notice, format: json, access_log: false }
EOF
spawn 0 "$WORKDIR/splicer.log" "$SPLICER_BIN" run --config "$WORKDIR/splicer.yaml"
SPLICER_PID=$SPAWNED_PID
wait_for_lines splicer "$SPLICER_PID" "$WORKDIR/splicer.log" '"listener bound"' 3
declare -A PORT
for name in open limited shared; do PORT[$name]=$(splicer_port "$WORKDIR/splicer.log" "$name"); done
log "splicer $SPLICER_BIN (pid $SPLICER_PID): open :${PORT[open]}, limited :${PORT[limited]}, shared :${PORT[shared]} -> iperf3 :$IPERF_PORT"

# One iperf3 run through a listener; prints a Markdown table row.
# usage: run LISTENER DIRECTION(upload|download) STREAMS
run() {
  local listener=$1 direction=$2 streams=$3 out=$WORKDIR/$1-$2-$3.json
  local reverse=()
  [[ $direction == download ]] && reverse=(-R)
  local ticks0 ticks1 t0 t1
  ticks0=$(cpu_ticks "$SPLICER_PID")
  t0=$(now)
  iperf3 -c 127.0.0.1 -p "${PORT[$listener]}" -t "$DURATION" -P "$streams" "${reverse[@]}" -J >"$out" 2>&1 ||
    die "iperf3 through $listener failed: $(tail -5 "$out")"
  t1=$(now)
  ticks1=$(cpu_ticks "$SPLICER_PID")
  python3 - "$out" "$listener" "$direction" "$((ticks1 - ticks0))" "$CLK_TCK" "$t0" "$t1" <<'EOF'
import json, sys
path, listener, direction, ticks, hz, t0, t1 = sys.argv[1:]
end = json.load(open(path))["end"]
streams = [s["receiver"]["bits_per_second"] / 1e6 for s in end["streams"]]
total = end["sum_received"]["bits_per_second"] / 1e6
received = end["sum_received"]["bytes"]
cpu = int(ticks) / int(hz)
wall = float(t1) - float(t0)
per_stream = ", ".join("%.1f" % s for s in streams) if len(streams) > 1 else "—"
per_gb = "%.2f" % (cpu / (received / 1e9)) if received else "—"
print("| %s | %s | %d | %.1f | %s | %.2f | %.1f %% | %s |" % (
    listener, direction, len(streams), total, per_stream, cpu, 100 * cpu / wall, per_gb))
EOF
}

echo "| listener | direction | streams | Mbit/s (sum) | Mbit/s per stream | relay CPU s | relay CPU % of one core | relay CPU s per GB |"
echo "|---|---|---|---|---|---|---|---|"
run open upload 1
run open download 1
run limited upload 1
run limited download 1
run open download "$STREAMS"
run shared download "$STREAMS"
run shared upload "$STREAMS"
