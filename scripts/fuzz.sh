#!/usr/bin/env bash
# Builds hookbox's libFuzzer targets (fuzz/, preset `fuzz`: Clang, optimized, ASan + UBSan) and runs
# each for a while on a copy of its seed corpus, so that the repository never receives new inputs.
# Fails when a target finds a crash, a broken invariant, a leak, undefined behaviour or a timeout,
# printing the input's path and the command that reproduces it. doc/fuzzing.md describes the targets.
# Usage: scripts/fuzz.sh [seconds-per-target (default 30)] [target ...]   (targets: fuzz/<target>.cpp)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
[[ $# -gt 0 ]] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
    echo "hookbox: seconds-per-target must be a positive whole number, got '$seconds'" >&2
    exit 2
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    for f in fuzz/*.cpp; do
        name="$(basename "$f" .cpp)"
        targets+=("$name")
    done
fi
for t in "${targets[@]}"; do
    if [[ ! -f "fuzz/$t.cpp" ]]; then
        echo "hookbox: no fuzz target '$t' (no fuzz/$t.cpp)" >&2
        exit 2
    fi
done

scripts/install-deps.sh clang libclang-rt-14-dev  # Clang, libFuzzer and the sanitizer runtimes

cmake --preset fuzz
cmake --build --preset fuzz --parallel "$(nproc)"

bin="build/fuzz/fuzz"
# Crash inputs are kept here (under build/, outside the sources); corpora grow in a temporary folder.
artifacts="build/fuzz/artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=()
for t in "${targets[@]}"; do
    exe="$bin/hookbox_fuzz_$t"
    corpus="$work/$t"
    mkdir -p "$corpus" "$artifacts/$t"
    if [[ -d "fuzz/corpus/$t" ]]; then
        cp -R "fuzz/corpus/$t/." "$corpus/"
    fi
    log="$work/$t.log"
    echo "== fuzz $t (${seconds} s)"
    set +e
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$t/" "$corpus" >"$log" 2>&1
    rc=$?
    set -e
    # The last status line (executions, coverage, corpus) and the run's totals.
    grep -E '^#[0-9]+' "$log" | tail -n 1 || true
    grep -E '^stat::number_of_executed_units' "$log" || true
    crash="$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | sed 's/^Test unit written to //')" || true
    if [[ $rc -ne 0 || -n "$crash" ]]; then
        failed+=("$t")
        echo "-- $t FAILED (exit status $rc); the end of its log:"
        grep -vE '^#[0-9]+|^INFO:' "$log" | tail -n 60
        if [[ -n "$crash" ]]; then
            echo "-- input: $crash ($(wc -c <"$crash") bytes; base64 below)"
            base64 -w 100 "$crash" | head -c 6000
            echo
            echo "-- reproduce: $exe $crash"
        fi
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "hookbox: fuzzing failed: ${failed[*]}" >&2
    exit 1
fi
echo "hookbox: fuzzing passed: ${targets[*]} (${seconds} s each)"
