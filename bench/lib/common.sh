# shellcheck shell=bash
# Helpers every bench script shares: logging, process bookkeeping, /proc readers, waits, results.
# Sourced, not executed. Relies on WORKDIR, PIN, RELAY_CPU, LOAD_CPU, RECORD_TO from the script.

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

die() {
  printf '\n[bench] ERROR: %s\n' "$*" >&2
  exit 1
}

# Prints the last lines of a log file, indented, to stderr (used before dying).
show_log() {
  local file=$1
  [[ -f $file ]] || return 0
  printf '  --- last lines of %s ---\n' "$file" >&2
  tail -n 20 "$file" | sed 's/^/  | /' >&2
}

# ---------------------------------------------------------------------------------------------
# Process bookkeeping. Every process the benchmark starts goes through `spawn`, which records
# "pid:start-time" so that cleanup stops exactly those processes and never a recycled pid (the
# start time survives exec, e.g. through taskset or a pyenv shim, where the name changes).
# ---------------------------------------------------------------------------------------------
STARTED=()     # entries: "pid:starttime"
SPAWNED_PID=""

# Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or empty.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  local -a f
  read -ra f <<<"${stat##*) }"
  echo "${f[19]}"
}

# Runs a command in the background on one CPU (or unpinned when PIN=0), output to a log file.
# usage: spawn CPU LOGFILE command [args...]; the pid is left in SPAWNED_PID.
spawn() {
  local cpu=$1 logfile=$2
  shift 2
  if [[ $PIN == 1 ]]; then
    taskset -c "$cpu" "$@" >"$logfile" 2>&1 &
  else
    "$@" >"$logfile" 2>&1 &
  fi
  SPAWNED_PID=$!
  track_pid "$SPAWNED_PID"
}

# Adds a running process (e.g. an nginx worker) to the cleanup list.
track_pid() {
  STARTED+=("$1:$(start_time "$1")")
}

# Running = exists and is not a zombie waiting to be reaped.
pid_alive() {
  [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# True when pid is still the process we started (same start time), so a recycled pid is left alone.
pid_is_ours() {
  local entry=$1 pid
  pid=${entry%%:*}
  pid_alive "$pid" && [[ $(start_time "$pid") == "${entry#*:}" ]]
}

# SIGTERM, wait up to $2 seconds (default 10), then SIGKILL. Only for pids we started.
stop_pid() {
  local pid=$1 grace=${2:-10} i
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      log "pid $pid did not stop within ${grace}s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true   # reaps it when it is our child; no-op otherwise
}

# Stops every process still alive that we started, newest first. Called from the EXIT trap.
stop_all() {
  local i entry
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    entry=${STARTED[i]}
    if pid_is_ours "$entry"; then
      stop_pid "${entry%%:*}" 5
    fi
  done
  STARTED=()
}

# ---------------------------------------------------------------------------------------------
# /proc readers
# ---------------------------------------------------------------------------------------------
# shellcheck disable=SC2034  # used by measure.sh
CLK_TCK=$(getconf CLK_TCK)

# utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks() { stat_ticks "/proc/$1/stat"; }

# utime+stime from a stat file: /proc/PID/stat, or /proc/PID/task/TID/stat for one thread.
stat_ticks() {
  local stat rest
  stat=$(<"$1")
  rest=${stat##*) }          # fields after "(comm) "; comm may contain spaces
  local -a f
  read -ra f <<<"$rest"
  # rest starts at field 3 (state): utime is field 14 -> index 11, stime field 15 -> index 12
  echo $((f[11] + f[12]))
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

now() { date +%s.%N; }

# Floating point arithmetic: calc 'expression'
calc() { python3 -c "print(round($1, 6))"; }

# ---------------------------------------------------------------------------------------------
# Waits
# ---------------------------------------------------------------------------------------------
port_listening() { [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]; }

# usage: wait_for_ports NAME PID LOGFILE TIMEOUT_S PORT...; dies with the log tail if PID exits
# or a port is not listening in time. Checks with ss, so no stray connection reaches a backend.
wait_for_ports() {
  local name=$1 pid=$2 logfile=$3 timeout=$4
  shift 4
  local deadline=$((SECONDS + timeout)) port rc
  for port in "$@"; do
    until port_listening "$port"; do
      if ! pid_alive "$pid"; then
        rc=0
        wait "$pid" 2>/dev/null || rc=$?
        show_log "$logfile"
        die "$name did not come up: it exited with status $rc before listening on 127.0.0.1:$port"
      fi
      if ((SECONDS >= deadline)); then
        show_log "$logfile"
        die "$name did not come up: nothing listening on 127.0.0.1:$port after ${timeout}s (pid $pid)"
      fi
      sleep 0.1
    done
  done
}

require_ports_free() {
  local port
  for port in "$@"; do
    if port_listening "$port"; then
      die "port $port is already in use; set BASE_PORT to a free range (now $BASE_PORT)"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Results: one "relay<TAB>metric<TAB>value<TAB>round" line per figure, appended to RECORD_TO;
# bench/report.py renders them.
# ---------------------------------------------------------------------------------------------
record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${ROUND:-1}" >>"$RECORD_TO"
}

meta() {
  printf '%s\t%s\n' "$1" "$2" >>"$META_TSV"
}

# ---------------------------------------------------------------------------------------------
# Machine-wide CPU accounting from /proc/stat (jiffies): busy = user+nice+system+irq+softirq;
# steal is kept apart (time the hypervisor gave to someone else).
# ---------------------------------------------------------------------------------------------

# Prints "busy steal total" for a /proc/stat line name: "cpu" (all CPUs), "cpu0", "cpu1", ...
cpu_stat() {
  awk -v name="$1" '$1 == name {
    busy = $2 + $3 + $4 + $7 + $8; steal = $9; total = busy + $5 + $6 + steal
    print busy, steal, total; exit }' /proc/stat
}

# Busy share of the whole machine over one second, in percent (integer). Steal is left out: an
# idle guest shows some steal on a busy host; steal during a test is checked by run_test.
machine_busy_pct() {
  local b0 t0 b1 t1
  read -r b0 _ t0 < <(cpu_stat cpu)
  sleep 1
  read -r b1 _ t1 < <(cpu_stat cpu)
  echo $(((b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
}

# Waits until the machine is quiet (busy < QUIET_PCT over one second): other people's builds
# or tests on the same machine would distort the figures. Gives up after QUIET_WAIT seconds
# per call and when the run's total QUIET_BUDGET is spent; returns 1 if it gave up.
QUIET_SPENT=0
wait_quiet() {
  local started=$SECONDS busy
  while :; do
    busy=$(machine_busy_pct)
    ((busy < QUIET_PCT)) && return 0
    if ((SECONDS - started >= QUIET_WAIT || QUIET_SPENT + SECONDS - started >= QUIET_BUDGET)); then
      QUIET_SPENT=$((QUIET_SPENT + SECONDS - started))
      log "machine still busy (${busy}% of all CPUs); measuring anyway"
      return 1
    fi
    if ((SECONDS - started == 1)); then
      log "machine busy (${busy}% of all CPUs, not us); waiting up to ${QUIET_WAIT}s"
    fi
  done
}
