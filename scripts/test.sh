#!/usr/bin/env bash
# Builds and runs hookbox's whole test suite.
# Usage: scripts/test.sh [preset]   presets: debug (default; Clang with ASan + UBSan), gcc (GCC, no
#                                   sanitizer), tsan (Clang with ThreadSanitizer), asan (GCC, optimized,
#                                   with ASan + UBSan), release
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-debug}"
case "$preset" in
    debug|tsan) scripts/install-deps.sh clang libclang-rt-14-dev ;;  # Clang and its sanitizer runtimes
    *) scripts/install-deps.sh ;;
esac

cmake --preset "$preset"
cmake --build --preset "$preset" --parallel "$(nproc)"
ctest --preset "$preset" --parallel "$(nproc)"
