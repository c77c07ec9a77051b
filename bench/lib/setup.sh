# shellcheck shell=bash
# Setup every bench script shares: settings checks, tools, the release build, the work folder and
# its cleanup, small statistics. Sourced after lib/common.sh, not executed. Relies on REPO_DIR,
# and on SKIP_BUILD, SKIP_INSTALL, SPLICER_BIN, KEEP_WORKDIR, PIN, RELAY_CPU, LOAD_CPU where a
# function names them.

# True when $1 is an integer in [$2, $3].
in_range() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }

# Pinning needs two CPUs: with one, everything runs unpinned on CPU 0.
check_pinning() {
  if [[ ${PIN:-0} == 1 ]] && (($(nproc) < 2)); then
    log "only $(nproc) CPU: running unpinned (PIN=0)"
    PIN=0 RELAY_CPU=0 LOAD_CPU=0
  fi
  ((RELAY_CPU < $(nproc) && LOAD_CPU < $(nproc))) || die "RELAY_CPU/LOAD_CPU must be below $(nproc)"
}

# Installs whatever is missing with apt-get (Debian/Ubuntu), unless SKIP_INSTALL=1.
# usage: require_tools COMMAND:PACKAGE...   (the nginx stream module is checked when
# NGINX_STREAM_MODULE is set)
require_tools() {
  local -a missing=()
  local tool
  for tool in "$@"; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
  done
  [[ -z ${NGINX_STREAM_MODULE:-} || -f $NGINX_STREAM_MODULE ]] || missing+=(libnginx-mod-stream)
  ((${#missing[@]} == 0)) && return 0
  [[ ${SKIP_INSTALL:-0} != 1 ]] || die "missing: ${missing[*]} (SKIP_INSTALL=1)"
  [[ $(id -u) == 0 ]] || die "missing: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}"
  command -v apt-get >/dev/null || die "missing: ${missing[*]}, and no apt-get to install them"
  log "installing: ${missing[*]}"
  # Keep apt from starting the nginx/haproxy system services: we run our own instances.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local rc=0
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } || rc=$?
  ((created_policy == 0)) || rm -f "$policy"
  ((rc == 0)) || die "apt-get install ${missing[*]} failed"
  [[ -z ${NGINX_STREAM_MODULE:-} || -f $NGINX_STREAM_MODULE ]] ||
    die "nginx stream module not found at $NGINX_STREAM_MODULE"
}

# Builds the release binary into .build-release (unless SKIP_BUILD=1) and checks SPLICER_BIN.
build_splicer() {
  if [[ ${SKIP_BUILD:-0} == 1 ]]; then
    log "SKIP_BUILD=1: using $SPLICER_BIN"
  else
    command -v swift >/dev/null || die "swift not found; install a Swift toolchain or set SKIP_BUILD=1 SPLICER_BIN=..."
    log "building Splicer (release, scratch path .build-release)"
    local attempt
    for attempt in 1 2 3; do
      if (cd "$REPO_DIR" && swift build -c release --scratch-path .build-release --product splicer) \
        >"$WORKDIR/build.log" 2>&1; then
        break
      fi
      # Someone saving a source file mid-build is worth another try; a compile error is not.
      if ((attempt < 3)) && grep -q 'was modified during the build' "$WORKDIR/build.log"; then
        log "a source file changed during the build; building again"
        sleep 5
        continue
      fi
      show_log "$WORKDIR/build.log"
      die "swift build failed (log: $WORKDIR/build.log)"
    done
  fi
  [[ -x $SPLICER_BIN ]] || die "no Splicer binary at $SPLICER_BIN"
}

# "splicer x.y.z (commit)" for a report, flagged when Sources differ from the commit.
splicer_version() {
  local rev
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "no commit")
  git -C "$REPO_DIR" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || rev+=", Sources modified"
  echo "$("$SPLICER_BIN" --version 2>&1 | sed -n 1p) ($rev)"
}

# Makes WORKDIR (prefix $1) with the results files, and the traps that stop every process the
# script started and remove WORKDIR (kept with KEEP_WORKDIR=1 or after a failure).
start_workdir() {
  WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  RESULTS_TSV=$WORKDIR/results.tsv
  PENDING_TSV=$WORKDIR/pending.tsv
  META_TSV=$WORKDIR/meta.tsv
  RECORD_TO=$RESULTS_TSV
  : >"$RESULTS_TSV"
  : >"$META_TSV"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  if [[ -n ${WORKDIR:-} && -d $WORKDIR ]]; then
    if [[ ${KEEP_WORKDIR:-0} == 1 || $rc != 0 ]]; then
      log "raw outputs and logs kept in $WORKDIR"
    else
      rm -rf "$WORKDIR"
    fi
  fi
  exit "$rc"
}

# Renders RESULTS_TSV and META_TSV with a report script to OUT (Markdown), with the raw figures
# beside it as .tsv. usage: write_report REPORT_PY
write_report() {
  mkdir -p "$(dirname "$OUT")"
  python3 "$1" --results "$RESULTS_TSV" --meta "$META_TSV" >"$OUT.tmp"
  mv "$OUT.tmp" "$OUT"
  cp "$RESULTS_TSV" "${OUT%.md}.tsv"
}

# The port Splicer bound for a listener (or "admin"), from its "listener bound" / "admin bound"
# log lines: listeners bind port 0, so no other process can take the port first.
# usage: splicer_port LOGFILE NAME
splicer_port() {
  local line
  if [[ $2 == admin ]]; then
    line=$(grep -m1 '"message":"admin bound"' "$1")
  else
    line=$(grep '"message":"listener bound"' "$1" | grep -m1 "\"listener\":\"$2\"")
  fi
  [[ $line =~ \"address\":\"[^\"]*:([0-9]+)\" ]] || die "no bound address for '$2' in $1"
  echo "${BASH_REMATCH[1]}"
}

# Waits (bounded) until FILE has COUNT lines matching PATTERN; dies with the log tail if PID exits.
# usage: wait_for_lines NAME PID FILE PATTERN COUNT [TIMEOUT_S]
wait_for_lines() {
  local name=$1 pid=$2 file=$3 pattern=$4 count=$5 deadline=$((SECONDS + ${6:-30}))
  until (($(grep -c -- "$pattern" "$file" 2>/dev/null || true) >= count)); do
    pid_alive "$pid" || { show_log "$file"; die "$name exited before logging '$pattern'"; }
    ((SECONDS < deadline)) || { show_log "$file"; die "$name: no '$pattern' in $file after ${6:-30}s"; }
    sleep 0.1
  done
}

# Median of the arguments (the mean of the middle two for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# $1 / $2 to $3 [2] decimals.
ratio() { python3 -c "import sys; print('%.*f' % (int(sys.argv[3]), float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2" "${3:-2}"; }
