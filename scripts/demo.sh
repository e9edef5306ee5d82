#!/usr/bin/env bash
# Builds and runs the quickstart: a few thousand signed webhooks from a SQLite outbox to three
# local receivers (healthy, flaky, gone), retried on the ObjectStack outbox's schedule compressed to
# about a minute, with live progress and a summary. Arguments go to the program (--events N, --fast, DATABASE).
set -euo pipefail
cd "$(dirname "$0")/.."

# Installation and build output go to stderr, so that stdout is the program's alone.
scripts/install-deps.sh >&2
cmake --preset release >/dev/null
cmake --build --preset release --target hookbox_quickstart --parallel "$(nproc)" >&2
exec build/release/example/quickstart/hookbox_quickstart "$@"
