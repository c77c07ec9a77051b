#!/usr/bin/env bash
# Does hostile traffic slow down transfers that are already running? Measures one bulk
# iperf3 transfer through Splicer alone, then under a slowloris of idle connections, then
# under a connect-and-reset flood, and prints each throughput as a ratio of the quiet one.
# The aim is a ratio of at least 0.8 (within 20 %). This is a benchmark, not a test: it
# prints figures and exits 0 unless something failed to start.
#
#   bash scripts/hostile-throughput.sh
#   SPLICER_BIN=.build/debug/splicer DURATION=5 ROUNDS=1 bash scripts/hostile-throughput.sh
#
# Environment (defaults in brackets):
#   SPLICER_BIN [.build/release/splicer, else .build/debug/splicer]
#   DURATION [10]      seconds per iperf3 run
#   ROUNDS [3]         rounds of (quiet, slowloris, flood); the median of each is reported
#   IDLE_CONNS [3000]  slowloris connections (each costs the relay 2 descriptors)
#   FLOOD_RATE [2000]  connect+reset per second during the flood (run twice per round: through
#                      the relay, and straight at the backend as a control)
#   WORKERS [2]        Splicer workers
#
# One relay serves two listeners on the same workers: `bulk`, relaying to an iperf3 server,
# and `hostile`, relaying to a Python backend that holds whatever arrives. The hostile clients
# use the second listener because an iperf3 server cannot share its port with strangers; both
# listeners share every worker thread, event loop and descriptor table, so interference in the
# relay shows up in the bulk figure. On a small machine the load generators also take CPU from
# iperf3 itself: read the ratios with the machine's core count in mind.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
IDLE_CONNS=${IDLE_CONNS:-3000}
FLOOD_RATE=${FLOOD_RATE:-2000}
WORKERS=${WORKERS:-2}
if [[ -z ${SPLICER_BIN:-} ]]; then
  SPLICER_BIN=$REPO_DIR/.build/release/splicer
  [[ -x $SPLICER_BIN ]] || SPLICER_BIN=$REPO_DIR/.build/debug/splicer
fi
LOAD="python3 $REPO_DIR/scripts/hostile_load.py"

log() { printf '[hostile %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
[[ -x $SPLICER_BIN ]] || die "no splicer binary at $SPLICER_BIN (swift build first)"
command -v iperf3 >/dev/null || die "iperf3 is missing (bash scripts/install-deps.sh)"

WORKDIR=$(mktemp -d /tmp/splicer-hostile.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORKDIR"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits until FILE contains PATTERN (bounded).
wait_for() {
  local file=$1 pattern=$2 deadline=$((SECONDS + 30))
  until grep -q "$pattern" "$file" 2>/dev/null; do
    ((SECONDS < deadline)) || die "timed out waiting for '$pattern' in $file: $(tail -5 "$file")"
    sleep 0.1
  done
}

IPERF_PORT=$(free_port)
iperf3 -s -p "$IPERF_PORT" >"$WORKDIR/iperf3-server.log" 2>&1 &
PIDS+=($!)
HOLD_PORT=$(free_port)
$LOAD hold --port "$HOLD_PORT" >"$WORKDIR/hold.log" 2>&1 &
PIDS+=($!)
wait_for "$WORKDIR/hold.log" holding

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
"$SPLICER_BIN" run --config "$WORKDIR/splicer.yaml" >"$WORKDIR/splicer.log" 2>&1 &
SPLICER_PID=$!
PIDS+=("$SPLICER_PID")
wait_for "$WORKDIR/splicer.log" '"admin bound"'
bound_port() { grep '"listener bound"' "$WORKDIR/splicer.log" | grep "\"listener\":\"$1\"" | sed 's/.*"address":"[^"]*:\([0-9]*\)".*/\1/'; }
BULK_PORT=$(bound_port bulk)
HOSTILE_PORT=$(bound_port hostile)
log "splicer $SPLICER_BIN (pid $SPLICER_PID): bulk :$BULK_PORT -> iperf3 :$IPERF_PORT, hostile :$HOSTILE_PORT -> hold :$HOLD_PORT"

# Prints the receiver's throughput of one iperf3 run through the relay, in Gbit/s.
bulk_gbps() {
  iperf3 -c 127.0.0.1 -p "$BULK_PORT" -t "$DURATION" -J >"$WORKDIR/iperf3.json" 2>&1 ||
    die "iperf3 failed: $(tail -5 "$WORKDIR/iperf3.json")"
  python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' \
    "$WORKDIR/iperf3.json"
}

relay_fds() { ls "/proc/$SPLICER_PID/fd" | wc -l; }

quiet=() slow=() flood=() control=() flood_notes=()
for round in $(seq "$ROUNDS"); do
  quiet+=("$(bulk_gbps)")
  log "round $round quiet: ${quiet[-1]} Gbit/s (relay fds $(relay_fds))"

  # A log file per round: a reused one could show the previous round's "ready".
  slow_log=$WORKDIR/slowloris-$round.log
  $LOAD slowloris --port "$HOSTILE_PORT" --count "$IDLE_CONNS" >"$slow_log" 2>&1 &
  slow_pid=$!
  PIDS+=("$slow_pid")
  wait_for "$slow_log" ready
  fds_during=$(relay_fds)
  slow+=("$(bulk_gbps)")
  kill "$slow_pid"
  wait "$slow_pid" 2>/dev/null || true
  log "round $round slowloris ($(grep ready "$slow_log"), relay fds $fds_during): ${slow[-1]} Gbit/s"

  # The flood through the relay, then the same flood straight at the backend (the control:
  # it costs the machine the same CPU but never touches the relay).
  for target in relay control; do
    port=$HOSTILE_PORT
    [[ $target == control ]] && port=$HOLD_PORT
    flood_log=$WORKDIR/flood-$target-$round.log
    $LOAD flood --port "$port" --rate "$FLOOD_RATE" >"$flood_log" 2>&1 &
    flood_pid=$!
    PIDS+=("$flood_pid")
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

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
q=$(median "${quiet[@]}")
s=$(median "${slow[@]}")
f=$(median "${flood[@]}")
c=$(median "${control[@]}")
admin_port=$(grep '"admin bound"' "$WORKDIR/splicer.log" | sed 's/.*"address":"[^"]*:\([0-9]*\)".*/\1/')
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
