# shellcheck shell=bash disable=SC2153
# Measurements for bench/run.sh. Sourced, not executed; settings (RELAY_CPU, DURATION, ...) come
# from run.sh. Each function measures one relay (the one started last by start_relay, or none
# for "direct") and records figures with `record`.

# Runs a load generator in the background on LOAD_CPU, bounded by `timeout`, and waits for it:
# an interrupt then reaches the trap at once and the EXIT cleanup stops it.
# usage: run_load LIMIT_S OUTFILE command [args...]
run_load() {
  local limit=$1 out=$2
  shift 2
  spawn "$LOAD_CPU" "$out" timeout -k 5 "$limit" "$@"
  local rc=0
  wait "$SPAWNED_PID" || rc=$?
  return "$rc"
}

# CPU ticks of the relay now (0 for direct, which has no relay process).
relay_ticks() {
  if [[ -n $RELAY_MEASURE_PID ]]; then cpu_ticks "$RELAY_MEASURE_PID"; else echo 0; fi
}

# begin_sample / end_sample bracket one load run. end_sample sets:
#   S_WALL       wall seconds
#   S_RELAY_CPU  relay process CPU seconds (utime+stime, all threads)
#   S_LOAD_BUSY  busy % of LOAD_CPU, S_RELAY_BUSY busy % of RELAY_CPU (incl. softirq), from
#   S_STEAL      steal % of the whole machine                                     /proc/stat
begin_sample() {
  S_TICKS0=$(relay_ticks)
  read -r S_LB0 _ S_LT0 < <(cpu_stat "cpu$LOAD_CPU")
  read -r S_RB0 _ S_RT0 < <(cpu_stat "cpu$RELAY_CPU")
  read -r _ S_ST0 S_AT0 < <(cpu_stat cpu)
  S_T0=$(now)
}

end_sample() {
  local t1 ticks1 lb lt rb rt st at
  t1=$(now)
  ticks1=$(relay_ticks)
  read -r lb _ lt < <(cpu_stat "cpu$LOAD_CPU")
  read -r rb _ rt < <(cpu_stat "cpu$RELAY_CPU")
  read -r _ st at < <(cpu_stat cpu)
  S_WALL=$(calc "$t1 - $S_T0")
  S_RELAY_CPU=$(calc "($ticks1 - $S_TICKS0) / $CLK_TCK")
  S_LOAD_BUSY=$(calc "100 * ($lb - $S_LB0) / max($lt - $S_LT0, 1)")
  S_RELAY_BUSY=$(calc "100 * ($rb - $S_RB0) / max($rt - $S_RT0, 1)")
  S_STEAL=$(calc "100 * ($st - $S_ST0) / max($at - $S_AT0, 1)")
}

# Records the CPU figures every load test shares, under a metric prefix.
record_sample() {
  local relay=$1 prefix=$2
  record "$relay" "${prefix}_load_busy_pct" "$S_LOAD_BUSY"
  record "$relay" "${prefix}_relay_busy_pct" "$S_RELAY_BUSY"
  record "$relay" "${prefix}_steal_pct" "$S_STEAL"
  if [[ $relay != direct ]]; then
    record "$relay" "${prefix}_cpu_pct" "$(calc "100 * $S_RELAY_CPU / $S_WALL")"
  fi
}

# Bulk throughput through the relay with iperf3, and the relay's CPU per GB moved.
# usage: measure_bulk RELAY fwd|rev   (fwd: client -> server; rev: iperf3 -R, server -> client)
measure_bulk() {
  local relay=$1 dir=$2 out
  local -a extra=()
  [[ $dir == rev ]] && extra=(-R)
  relay_ports "$relay"
  out=$WORKDIR/iperf3-$relay-$dir-r$ROUND.json
  begin_sample
  if ! run_load $((DURATION + 30)) "$out" iperf3 -c 127.0.0.1 -p "$P_IPERF" -t "$DURATION" -J \
    --connect-timeout 5000 "${extra[@]}"; then
    show_log "$out"
    [[ -n $RELAY_LOG ]] && show_log "$RELAY_LOG"
    die "$relay: iperf3 ($dir) through 127.0.0.1:$P_IPERF failed"
  fi
  end_sample
  local bps bytes
  read -r bps bytes < <(python3 - "$out" <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))["end"]["sum_received"]
print(end["bits_per_second"], end["bytes"])
PY
  )
  local gbps
  gbps=$(calc "$bps / 1e9")
  record "$relay" "bulk_${dir}_gbps" "$gbps"
  record_sample "$relay" "bulk_${dir}"
  if [[ $relay != direct ]]; then
    record "$relay" "bulk_${dir}_cpu_s_per_gb" "$(calc "$S_RELAY_CPU / ($bytes / 1e9)")"
  fi
  log "$relay bulk $dir: $gbps Gbit/s, $(calc "$bytes / 1e9") GB, relay CPU ${S_RELAY_CPU}s;" \
    "CPU$LOAD_CPU ${S_LOAD_BUSY}% CPU$RELAY_CPU ${S_RELAY_BUSY}% busy, steal ${S_STEAL}%"
}

# HTTP through the relay with wrk.
# usage: measure_http RELAY close|keepalive
#   close:     -H 'Connection: close', so every request is a new TCP connection (new conn/s)
#   keepalive: persistent connections (requests/s, p50/p99 latency)
measure_http() {
  local relay=$1 kind=$2 out prefix
  local -a extra=()
  if [[ $kind == close ]]; then
    extra=(-H "Connection: close")
    prefix=conn
  else
    prefix=ka
  fi
  relay_ports "$relay"
  out=$WORKDIR/wrk-$relay-$kind-r$ROUND.txt
  begin_sample
  if ! run_load $((DURATION + 30)) "$out" wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d "${DURATION}s" \
    --latency -s "$BENCH_DIR/wrk_report.lua" "${extra[@]}" "http://127.0.0.1:$P_HTTP/"; then
    show_log "$out"
    die "$relay: wrk ($kind) through 127.0.0.1:$P_HTTP failed"
  fi
  end_sample
  local line
  line=$(grep '^WRK_RESULT ' "$out") || { show_log "$out"; die "$relay: no WRK_RESULT line from wrk ($kind)"; }
  # "WRK_RESULT k=v k=v ..." -> the figures we keep.
  local kv w_requests=0 w_rps=0 w_p50_us=0 w_p99_us=0 errors=0
  for kv in ${line#WRK_RESULT }; do
    case ${kv%%=*} in
      requests) w_requests=${kv#*=} ;;
      rps) w_rps=${kv#*=} ;;
      p50_us) w_p50_us=${kv#*=} ;;
      p99_us) w_p99_us=${kv#*=} ;;
      errors_*) errors=$((errors + ${kv#*=})) ;;
    esac
  done
  record "$relay" "${prefix}_rps" "$w_rps"
  record "$relay" "${prefix}_errors" "$errors"
  record "$relay" "${prefix}_p50_ms" "$(calc "$w_p50_us / 1000")"
  record "$relay" "${prefix}_p99_ms" "$(calc "$w_p99_us / 1000")"
  record_sample "$relay" "$prefix"
  if [[ $relay != direct ]]; then
    record "$relay" "${prefix}_cpu_us_per_req" "$(calc "1e6 * $S_RELAY_CPU / max($w_requests, 1)")"
  fi
  log "$relay http $kind: $w_rps req/s, p50 ${w_p50_us}us, p99 ${w_p99_us}us, errors $errors," \
    "relay CPU ${S_RELAY_CPU}s; CPU$LOAD_CPU ${S_LOAD_BUSY}% CPU$RELAY_CPU ${S_RELAY_BUSY}% busy, steal ${S_STEAL}%"
}

# RSS and fds of the relay before and after IDLE_CONNS idle connections through it.
# usage: measure_idle RELAY
measure_idle() {
  local relay=$1 ready client_log rss0 fds0 rss1 fds1
  [[ $relay != direct ]] || return 0
  relay_ports "$relay"
  ready=$WORKDIR/idle-$relay-r$ROUND.ready
  client_log=$WORKDIR/idle-$relay-r$ROUND.log
  rm -f "$ready"
  rss0=$(rss_kib "$RELAY_MEASURE_PID")
  fds0=$(fd_count "$RELAY_MEASURE_PID")

  spawn "$LOAD_CPU" "$client_log" python3 "$BENCH_DIR/idle_conns.py" open --port "$P_HOLD" \
    --count "$IDLE_CONNS" --ready-file "$ready"
  local client=$SPAWNED_PID deadline=$((SECONDS + IDLE_TIMEOUT))
  until [[ -f $ready ]]; do
    if ! pid_alive "$client"; then
      show_log "$client_log"
      show_log "$RELAY_LOG"
      die "$relay: idle client exited before opening $IDLE_CONNS connections"
    fi
    ((SECONDS < deadline)) || { show_log "$client_log"; die "$relay: $IDLE_CONNS idle connections not open after ${IDLE_TIMEOUT}s"; }
    sleep 0.2
  done
  sleep 2   # let the relay settle (deferred frees, timers)
  rss1=$(rss_kib "$RELAY_MEASURE_PID")
  fds1=$(fd_count "$RELAY_MEASURE_PID")
  stop_pid "$client" 10

  # After the client closed everything: does the relay give the memory and fds back?
  local settle=0
  while (($(fd_count "$RELAY_MEASURE_PID") > fds0 + 4)) && ((settle < 50)); do
    sleep 0.2
    settle=$((settle + 1))
  done
  sleep 1
  local rss2 fds2
  rss2=$(rss_kib "$RELAY_MEASURE_PID")
  fds2=$(fd_count "$RELAY_MEASURE_PID")

  record "$relay" idle_conns "$IDLE_CONNS"
  record "$relay" idle_rss_before_kib "$rss0"
  record "$relay" idle_rss_open_kib "$rss1"
  record "$relay" idle_rss_closed_kib "$rss2"
  record "$relay" idle_fds_before "$fds0"
  record "$relay" idle_fds_open "$fds1"
  record "$relay" idle_fds_closed "$fds2"
  record "$relay" idle_kib_per_conn "$(calc "($rss1 - $rss0) / $IDLE_CONNS")"
  record "$relay" idle_fds_per_conn "$(calc "($fds1 - $fds0) / $IDLE_CONNS")"
  log "$relay idle x$IDLE_CONNS: RSS ${rss0} -> ${rss1} KiB (${rss2} after close)," \
    "fds ${fds0} -> ${fds1} (${fds2} after close)"
}

# Runs one measurement on a quiet machine. Its figures are kept only if the machine was also
# quiet right after it and the hypervisor stole little CPU during it; otherwise it is run
# again (RETRIES times), then kept and flagged in the report. Shared by bench/run.sh and
# bench/routing.sh.
# usage: run_test LABEL TEST command [args...]   (LABEL: the relay or listener measured)
run_test() {
  local label=$1 test=$2 attempt clean why
  shift 2
  for ((attempt = 0; ; attempt++)); do
    clean=1 why=""
    wait_quiet || { clean=0; why=" busy before"; }
    RECORD_TO=$PENDING_TSV
    : >"$PENDING_TSV"
    S_STEAL=0
    "$@"
    RECORD_TO=$RESULTS_TSV
    if python3 -c "import sys; sys.exit(0 if $S_STEAL > $STEAL_PCT else 1)"; then
      clean=0 why+=" ${S_STEAL}% hypervisor steal during"
    fi
    (($(machine_busy_pct) < QUIET_PCT)) || { clean=0; why+=" busy after"; }
    ((clean == 1 || attempt >= RETRIES)) && break
    log "other load around '$label $test' (${why# }); measuring it again"
  done
  cat "$PENDING_TSV" >>"$RESULTS_TSV"
  ((clean == 1)) || record "$label" "noisy_$test" 1
}
