#!/usr/bin/env bash
# Builds the release `splicer` binary with the Swift standard library linked in, strips it and
# copies it to an output directory. This is the only copy of the release build commands: the
# Dockerfile's build stage runs this script, and so can CI or anyone on a Debian or Ubuntu
# machine with Swift 6, so the image recipe cannot rot unseen.
#
# Usage: scripts/docker-build.sh [OUTPUT_DIR]      (default: .build-static/out)
#
# --static-swift-stdlib: the binary needs only glibc, libstdc++/libgcc, libcap and libyaml at run
# time, so the runtime image is plain Debian without a Swift toolchain. It gets its own scratch path:
# sharing .build with the dynamic debug builds would rebuild everything on every switch.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build-static/out}"
scratch=.build-static
build=(swift build -c release --static-swift-stdlib --product splicer --scratch-path "$scratch")

scripts/install-deps.sh build
"${build[@]}"
binary="$("${build[@]}" --show-bin-path)/splicer"

mkdir -p "$out"
strip --strip-all -o "$out/splicer" "$binary"
"$out/splicer" --version >/dev/null
echo "built $out/splicer ($(du -h "$out/splicer" | cut -f1), unstripped $(du -h "$binary" | cut -f1))"
