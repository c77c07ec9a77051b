#!/usr/bin/env bash
# Builds Splicer (release) and runs it on etc/splicer.yaml in the foreground. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
swift build -c release --product splicer
.build/release/splicer check --config etc/splicer.yaml
exec .build/release/splicer run --config etc/splicer.yaml
