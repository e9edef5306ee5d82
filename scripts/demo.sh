#!/usr/bin/env bash
# Builds and runs the quickstart: an outbox taking events, handing them out, recording attempts.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target hookbox_quickstart --parallel "$(nproc)" >/dev/null
exec build/release/example/quickstart/hookbox_quickstart "$@"
