#!/usr/bin/env bash
# Does hostile traffic slow down transfers that are already running? Measures one bulk
# iperf3 transfer through Splicer alone, then under a slowloris of idle connections, then
# under a connect-and-reset flood, and prints each throughput as a ratio of the quiet one.
# The aim is a ratio of at least 0.8 (within 20 %). This is a benchmark, not a test: it
# prints figures and exits 0 unless something failed to start.
#
#   bash bench/hostile-throughput.sh
#   SPLICER_BIN=.build/debug/splicer DURATION=5 ROUNDS=1 bash bench/hostile-throughput.sh
#
# Environment (defaults in brackets):
#   SPLICER_BIN [.build/release/splicer, else .build/debug/splicer]
#   DURATION [10]      seconds per iperf3 run
#   ROUNDS [3]         rounds of (quiet, slowloris, flood); the median of each is reported
#   IDLE_CONNS [3000]  slowloris connections (each costs the relay 2 descriptors)
#   FLOOD_RATE [2000]  connect+reset per second during the flood (run twice per round: through
#                      the relay, and straight at the backend as a control)
#   WORKERS [2]        Splicer workers
#   IPERF_PORT [24400] the iperf3 server's port (iperf3 cannot bind port 0 and report it); the
#                      relay and the holding backend bind port 0 and report theirs
#   KEEP_WORKDIR [0]   keep the temp dir with configs and logs
#
# One relay serves two listeners on the same workers: `bulk`, relaying to an iperf3 server,
# and `hostile`, relaying to a Python backend that holds whatever arrives. The hostile clients
# use the second listener because an iperf3 server cannot share its port with strangers; both
# listeners share every worker thread, event loop and descriptor table, so interference in the
# relay shows up in the bulk figure. On a small machine the load generators also take CPU from
# iperf3 itself: read the ratios with the machine's core count in mind.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
IDLE_CONNS=${IDLE_CONNS:-3000}
FLOOD_RATE=${FLOOD_RATE:-2000}
WORKERS=${WORKERS:-2}
IPERF_PORT=${IPERF_PORT:-24400}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
PIN=0 RELAY_CPU=0 LOAD_CPU=0 # nothing pinned: the relay has two workers
if [[ -z ${SPLICER_BIN:-} ]]; then
  SPLICER_BIN=$REPO_DIR/.build/release/splicer
  [[ -x $SPLICER_BIN ]] || SPLICER_BIN=$REPO_DIR/.build/debug/splicer
fi
LOAD=(python3 "$BENCH_DIR/hostile_load.py")

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/setup.sh
source "$BENCH_DIR/lib/setup.sh"

[[ -x $SPLICER_BIN ]] || die "no splicer binary at $SPLICER_BIN (swift build first)"
command -v iperf3 >/dev/null || die "iperf3 is missing (bash scripts/install-deps.sh)"
start_workdir splicer-hostile

require_ports_free "$IPERF_PORT"
spawn 0 "$WORKDIR/iperf3-server.log" iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT"
wait_for_ports "iperf3 server" "$SPAWNED_PID" "$WORKDIR/iperf3-server.log" 10 "$IPERF_PORT"
spawn 0 "$WORKDIR/hold.log" "${LOAD[@]}" hold --port 0
wait_for_lines "holding backend" "$SPAWNED_PID" "$WORKDIR/hold.log" '^holding on ' 1
HOLD_PORT=$(sed -n 's/^holding on //p' "$WORKDIR/hold.log")

cat >"$WORKDIR/splicer.yaml" <<EOF
workers: $WORKERS
listeners:
  - { name: bulk, bind: 127.0.0.1:0, pool: iperf }
  - { name: hostile, bind: 127.0.0.1:0, pool: hold, backlog: 4096 }
pools:
  iperf: { servers: [ { address: 127.0.0.1:$IPERF_PORT } ] }
  hold: { servers: [ { address: 127.0.0.1:$HOLD_PORT } ] }
timeouts: { connect: 2s, idle: 10m }
log: { level: notice, format: json, access_log: false }
admin: { bind: 127.0.0.1:0 }
EOF
spawn 0 "$WORKDIR/splicer.log" "$SPLICER_BIN" run --config "$WORKDIR/splicer.yaml"
SPLICER_PID=$SPAWNED_PID
wait_for_lines splicer "$SPLICER_PID" "$WORKDIR/splicer.log" '"admin bound"' 1
BULK_PORT=$(splicer_port "$WORKDIR/splicer.log" bulk)
HOSTILE_PORT=$(splicer_port "$WORKDIR/splicer.log" hostile)
log "splicer $SPLICER_BIN (pid $SPLICER_PID): bulk :$BULK_PORT -> iperf3 :$IPERF_PORT, hostile :$HOSTILE_PORT -> hold :$HOLD_PORT"

# Prints the receiver's throughput of one iperf3 run through the relay, in Gbit/s.
bulk_gbps() {
  iperf3 -c 127.0.0.1 -p "$BULK_PORT" -t "$DURATION" -J >"$WORKDIR/iperf3.json" 2>&1 ||
    die "iperf3 failed: $(tail -5 "$WORKDIR/iperf3.json")"
  python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' \
    "$WORKDIR/iperf3.json"
}

relay_fds() { fd_count "$SPLICER_PID"; }

quiet=() slow=() flood=() control=() flood_notes=()
for round in $(seq "$ROUNDS"); do
  quiet+=("$(bulk_gbps)")
  log "round $round quiet: ${quiet[-1]} Gbit/s (relay fds $(relay_fds))"

  # A log file per round: a reused one could show the previous round's "ready".
  slow_log=$WORKDIR/slowloris-$round.log
  spawn 0 "$slow_log" "${LOAD[@]}" slowloris --port "$HOSTILE_PORT" --count "$IDLE_CONNS"
  slow_pid=$SPAWNED_PID
  wait_for_lines slowloris "$slow_pid" "$slow_log" ready 1
  fds_during=$(relay_fds)
  slow+=("$(bulk_gbps)")
  stop_pid "$slow_pid" 10
  log "round $round slowloris ($(grep ready "$slow_log"), relay fds $fds_during): ${slow[-1]} Gbit/s"

  # The flood through the relay, then the same flood straight at the backend (the control:
  # it costs the machine the same CPU but never touches the relay).
  for target in relay control; do
    port=$HOSTILE_PORT
    [[ $target == control ]] && port=$HOLD_PORT
    flood_log=$WORKDIR/flood-$target-$round.log
    spawn 0 "$flood_log" "${LOAD[@]}" flood --port "$port" --rate "$FLOOD_RATE"
    flood_pid=$SPAWNED_PID
    result=$(bulk_gbps)
    kill -INT "$flood_pid"
    wait "$flood_pid" 2>/dev/null || true
    note=$(grep '^flood:' "$flood_log" || echo 'flood: no summary')
    if [[ $target == relay ]]; then
      flood+=("$result")
      flood_notes+=("$note")
    else
      control+=("$result")
    fi
    log "round $round $target $note: $result Gbit/s"
  done
done

q=$(median "${quiet[@]}")
s=$(median "${slow[@]}")
f=$(median "${flood[@]}")
c=$(median "${control[@]}")
admin_port=$(splicer_port "$WORKDIR/splicer.log" admin)
metrics=$(curl -s "http://127.0.0.1:$admin_port/metrics" || true)
metric() { printf '%s\n' "$metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%d", s}'; }

cat <<EOF

Splicer under hostile clients: $(basename "$SPLICER_BIN") ($SPLICER_BIN), $WORKERS workers, $(nproc) CPUs
iperf3 -t $DURATION through the bulk listener, $ROUNDS round(s), median of each condition

| condition | Gbit/s (rounds) | median | ratio to quiet |
|---|---|---:|---:|
| quiet | ${quiet[*]} | $q | 1.00 |
| slowloris, $IDLE_CONNS idle connections | ${slow[*]} | $s | $(ratio "$s" "$q") |
| flood, $FLOOD_RATE connect+reset/s through the relay | ${flood[*]} | $f | $(ratio "$f" "$q") |
| control: the same flood straight at the backend | ${control[*]} | $c | $(ratio "$c" "$q") |

The control costs the machine the same load-generator CPU without touching the relay: the
gap between the flood and the control is the relay's share.

Flood achieved: ${flood_notes[*]}
Relay after the run: accepted $(metric splicer_connections_accepted_total), accept back-offs $(metric splicer_accept_backoffs_total), accept errors $(metric splicer_accept_errors_total), splice fallbacks $(metric splicer_splice_fallbacks_total), open fds $(relay_fds)
EOF
