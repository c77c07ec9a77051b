#!/usr/bin/env bash
# Runs the plain test suite N times from a fresh clone while a competing CPU load keeps both
# cores busy, and prints each run's failures: a flaky test shows up here before it blocks CI.
#
# Usage: scripts/stress-tests.sh [--mode alternate|0700|0755] [--keep] N
#
# - Clones the HEAD commit of the repository this script lives in (committed work only) into
#   <parent>/splicer, where <parent> is a fresh folder under /tmp.
# - --mode: the mode of <parent> during the runs. `alternate` (the default) makes odd runs
#   0700 and even runs 0755, so the tests meet both a clone that only root can enter and one
#   that every user can; the clone and its build stay where they are, only the mode changes.
# - Installs the test dependencies (scripts/install-deps.sh test) and builds once
#   (`swift build --build-tests`) without load, then starts the load: `stress-ng --cpu N`
#   (installed from Debian if missing), or one shell busy-loop per core if that fails. The
#   load is stopped on exit, however the script ends.
# - Each run: `swift test --skip-build --disable-swift-testing`, its output kept as
#   run-<i>.log in a log folder under /tmp (named at the start and the end).
# - Prints per run: number, folder mode, PASS or FAIL, time, and the names of the failed
#   tests; at the end one line "N passed, N failed" counting runs. Exits 1 if any run failed.
# - --keep leaves the clone (with its build, a few GB) in place; by default it is removed.
set -euo pipefail

mode=alternate
keep=false
runs=
while (($#)); do
  case "$1" in
    --mode)
      mode=${2:?--mode needs alternate, 0700 or 0755}
      shift 2
      ;;
    --keep)
      keep=true
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      runs=$1
      shift
      ;;
  esac
done
if ! [[ $runs =~ ^[1-9][0-9]*$ ]] || ! [[ $mode =~ ^(alternate|0700|0755)$ ]]; then
  echo "usage: $0 [--mode alternate|0700|0755] [--keep] N" >&2
  exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse HEAD)
parent=$(mktemp -d /tmp/splicer-stress-clone.XXXXXX)
logs=$(mktemp -d /tmp/splicer-stress-logs.XXXXXX)
clone=$parent/splicer
load_pids=()
child=

# Runs "$@" in a session of its own in the background and waits for it, so that a signal to
# this script is handled at once and cleanup can end everything the command started
# (swift build's compilers run in process groups of their own, but stay in the session).
run_child() {
  setsid "$@" &
  child=$!
  local status=0
  wait "$child" || status=$?
  child=
  return "$status"
}

cleanup() {
  local pid
  if [[ -n $child ]]; then
    local attempt members
    for attempt in {1..50}; do
      members=$(ps -s "$child" -o pid= | tr -d ' ' | tr '\n' ' ' || true)
      [[ -n ${members// /} ]] || break
      # shellcheck disable=SC2086 # one argument per process id
      kill "-$( ((attempt < 25)) && echo TERM || echo KILL)" $members 2>/dev/null || true
      sleep 0.2
    done
    wait "$child" 2>/dev/null || true
  fi
  for pid in "${load_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${load_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  chmod 0755 "$parent" 2>/dev/null || true
  if [[ $keep == false ]]; then
    rm -rf "$parent"
    # SwiftPM's lock files for the clone's build folder, named after its path.
    rm -f "/tmp/$(tr / _ <<<"$clone/.build")"*
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cores=$(nproc)
echo "== stress-tests: $runs runs of the plain suite, commit ${commit:0:12}, $cores cores loaded, folder mode $mode"
echo "clone: $clone"
echo "logs: $logs"
git clone --quiet --no-checkout "$repo" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"

echo "== install test dependencies and build (no load yet)"
run_child bash -c 'cd "$1" && scripts/install-deps.sh test' _ "$clone" >"$logs/install.log" 2>&1 || {
  tail -n 20 "$logs/install.log" >&2
  exit 1
}
start=$SECONDS
run_child bash -c 'cd "$1" && swift build --build-tests' _ "$clone" >"$logs/build.log" 2>&1 || {
  grep -E "error:" "$logs/build.log" | head -n 20 >&2
  exit 1
}
echo "build: $((SECONDS - start)) s"

echo "== competing load"
if ! command -v stress-ng >/dev/null; then
  {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng; }
  } >"$logs/stress-ng-install.log" 2>&1 || true
fi
if command -v stress-ng >/dev/null; then
  stress-ng --cpu "$cores" --quiet &
  load_pids+=($!)
  echo "stress-ng --cpu $cores (pid ${load_pids[0]})"
else
  for ((core = 0; core < cores; core++)); do
    bash -c 'while :; do :; done' &
    load_pids+=($!)
  done
  echo "$cores shell busy-loops (pids ${load_pids[*]})"
fi

passed=0
failed=0
for ((run = 1; run <= runs; run++)); do
  case "$mode" in
    alternate) ((run % 2)) && folder_mode=0700 || folder_mode=0755 ;;
    *) folder_mode=$mode ;;
  esac
  chmod "$folder_mode" "$parent"
  log=$logs/run-$run.log
  start=$SECONDS
  status=0
  # The bound only ends a hung run; a normal one takes minutes.
  run_child bash -c 'cd "$1" && exec timeout --kill-after=30 3600 swift test --skip-build --disable-swift-testing' \
    _ "$clone" >"$log" 2>&1 || status=$?
  seconds=$((SECONDS - start))
  # XCTest's lines: "Test Case 'Class.test' failed (…)" (or '-[Class test]') and
  # "…: error: Class.test : …" (the only trace of a test that crashed the runner).
  names=$(
    {
      sed -n -E "s/^Test Case '([^']+)' failed.*/\1/p" "$log"
      sed -n -E 's/.*: error: ([^ ]+( [^ ]+\])?) : .*/\1/p' "$log"
    } | sed -E 's/^-\[([^ ]+) ([^]]+)\]$/\1.\2/' | sort -u
  )
  executed=$(grep -E "Executed [0-9]+ tests?" "$log" | tail -n 1 | sed -E 's/^[[:space:]]+//' || true)
  if [[ $status -eq 0 && -z $names ]]; then
    passed=$((passed + 1))
    echo "run $run/$runs (folder $folder_mode): PASS in $seconds s; $executed"
  else
    failed=$((failed + 1))
    echo "run $run/$runs (folder $folder_mode): FAIL (exit $status) in $seconds s; $executed"
    if [[ -n $names ]]; then
      sed 's/^/  failed: /' <<<"$names"
    else
      # No failure line: the runner crashed or hung; name the test it was in.
      last=$(grep -E "^Test Case '.*' started" "$log" | tail -n 1 || true)
      echo "  no XCTest failure line; last started: ${last:-none}"
    fi
  fi
done

echo "logs: $logs"
echo "$passed passed, $failed failed"
((failed == 0))
