#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a while on a copy of its committed seed
# corpus, after replaying the inputs that once crashed it (Fuzz/Regressions/<name>/).
# Usage: scripts/fuzz.sh [seconds-per-target, default 60] [target...]
#   targets: FuzzConfig FuzzProxyHeader FuzzClientHello FuzzUpgradeWire (default: all)
# Exits non-zero when any target crashes, leaks, times out (5 s per input) or runs out of memory,
# after printing the path of the input that did it. A target the Fuzz package does not declare
# yet (FuzzProxyHeader and FuzzClientHello need the SplicerProtocol library, FuzzUpgradeWire the
# SplicerCore one) is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(FuzzConfig FuzzProxyHeader FuzzClientHello FuzzUpgradeWire)

scripts/install-deps.sh build

scratch=.build-fuzz
# -sanitize=fuzzer instruments the Swift code for coverage and links libFuzzer; the -Xcc flags
# instrument the fuzzers' own C code. libyaml is Debian's shared library, not instrumented: the
# fuzzer sees coverage in the composer and the config readers, not inside the YAML scanner.
# No -parse-as-library: each fuzzer's main.swift starts libFuzzer's driver (see FuzzDriver.h).
build_flags=(-c debug --package-path Fuzz --scratch-path "$scratch"
  -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)

# Fuzz/Regressions/ is named after what is parsed, not after the fuzzer.
regressions_dir() {
  case "$1" in
    FuzzConfig) echo Fuzz/Regressions/config ;;
    FuzzProxyHeader) echo Fuzz/Regressions/proxy-header ;;
    FuzzClientHello) echo Fuzz/Regressions/client-hello ;;
    FuzzUpgradeWire) echo Fuzz/Regressions/upgrade-wire ;;
  esac
}

built=()
for target in "${targets[@]}"; do
  log=$(mktemp)
  echo "== build $target"
  if swift build "${build_flags[@]}" --product "$target" >"$log" 2>&1; then
    built+=("$target")
  elif grep -q "no product named '$target'" "$log"; then
    echo "skip $target: not declared in Fuzz/Package.swift yet (needs its library product)"
  else
    # The ASan runtime makes the linker list every local symbol it cannot export; drop the noise.
    grep -v "Cannot export local symbol" "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
done

bin=$(swift build "${build_flags[@]}" --show-bin-path)
runs=$scratch/runs
mkdir -p "$runs"
failed=()
for target in "${built[@]}"; do
  work=$(mktemp -d "$runs/$target.XXXXXX")
  mkdir -p "$work/corpus" "$work/artifacts"
  # libFuzzer adds the inputs it finds to its first corpus directory: give it a copy, so the
  # committed seeds only change by hand.
  if [[ -d Fuzz/Corpus/$target ]]; then
    cp -R "Fuzz/Corpus/$target/." "$work/corpus/"
  fi
  options=(-timeout=5 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1)
  # Keywords and magic bytes the mutations splice in; finding "health_check" by flipping bits
  # would take the fuzzer much of its time.
  if [[ -f Fuzz/Dictionaries/$target.dict ]]; then
    options+=(-dict="Fuzz/Dictionaries/$target.dict")
  fi

  regressions=$(regressions_dir "$target")
  if [[ -n $regressions && -d $regressions ]] && compgen -G "$regressions/*" >/dev/null; then
    echo "== replay $regressions"
    if ! "$bin/$target" "${options[@]}" "$regressions"/* >"$work/replay.log" 2>&1; then
      tail -n 60 "$work/replay.log" >&2
      echo "FAIL $target: a regression input still crashes; log: $work/replay.log" >&2
      # Fuzz anyway: a known crash must not hide new ones.
      failed+=("$target")
    fi
  fi

  echo "== fuzz $target for ${seconds}s (work dir $work)"
  if "$bin/$target" "${options[@]}" -max_total_time="$seconds" "$work/corpus" >"$work/fuzz.log" 2>&1; then
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done )" "$work/fuzz.log" || true
  else
    tail -n 80 "$work/fuzz.log" >&2
    echo "FAIL $target; log: $work/fuzz.log" >&2
    for input in "$work"/artifacts/*; do
      [[ -e $input ]] && echo "crashing input: $input" >&2
    done
    echo "minimise with: $bin/$target -minimize_crash=1 -runs=10000 <crashing input>" >&2
    failed+=("$target")
  fi
done

if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing passed: ${built[*]}"
