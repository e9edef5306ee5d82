#!/usr/bin/env bash
# Builds and runs the quickstart: a few thousand signed webhooks from a SQLite outbox to three
# local receivers (healthy, flaky, gone), retried on the ObjectStack outbox's schedule compressed to
# about a minute, with live progress and a summary. Arguments go to the program (--events N, --fast, DATABASE).
# With --postgres, the outbox is in PostgreSQL instead: a throw-away server (scripts/pg_cluster.sh) in
# a temporary folder, whose URI is given to the program as its DATABASE, stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

postgres=false
args=()
for a in "$@"; do
    if [[ "$a" == --postgres ]]; then
        postgres=true
    else
        args+=("$a")
    fi
done

# Installation and build output go to stderr, so that stdout is the program's alone.
scripts/install-deps.sh >&2
cmake --preset release >/dev/null
cmake --build --preset release --target hookbox_quickstart --parallel "$(nproc)" >&2
program=build/release/example/quickstart/hookbox_quickstart
if ! $postgres; then
    exec "$program" "${args[@]}"
fi

pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/hookbox-demo-pg.XXXXXX")"
trap 'scripts/pg_cluster.sh stop "$pg_dir" >&2' EXIT
trap 'exit 130' INT TERM HUP
scripts/pg_cluster.sh start "$pg_dir" >&2
"$program" "${args[@]}" "$(cat "$pg_dir/uri")"
