#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test target.
# Tests run one at a time: the integration tests start relay processes and measure their
# descriptors and CPU, which parallel tests would disturb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
swift build --build-tests
swift test --skip-build --disable-swift-testing
