#!/usr/bin/env bash
# Builds and runs hookbox's whole test suite.
# Usage: scripts/test.sh [preset]   presets: debug (default; with ASan + UBSan), release, asan, tsan
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-debug}"
scripts/install-deps.sh

cmake --preset "$preset"
cmake --build --preset "$preset" --parallel "$(nproc)"
ctest --preset "$preset" --parallel "$(nproc)"
