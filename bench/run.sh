#!/usr/bin/env bash
# Runs hookbox's benchmarks in a Release build and prints their figures.
#
# Usage: bench/run.sh [all|w1|w1scale|w1sqlite|w2]     (default: all)
# Env:   RUNS        runs of each workload (default 3); medians are reported
#        PEERS_DIR   the peer harnesses (default: ../shared/bench/peers beside the checkout)
#
# W1 runs alternately with the ObjectStack outbox's W1 harness (peers/run-w1.sh), in the same sitting
# on the same machine, and the ratios hookbox / peer are printed from the medians. W2 (end to end into
# nginx on 127.0.0.1:18080) runs beside the W0 ceiling (wrk against the same nginx, peers/run-w0.sh)
# and the ObjectStack outbox's W2 (peers/run-w2.sh, presets default and tuned). Raw output goes to
# build/bench-results/<timestamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

what="${1:-all}"
runs="${RUNS:-3}"
peers_src="${PEERS_DIR:-$root/../shared/bench/peers}"
out="$root/build/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target hookbox_bench_w1 hookbox_bench_w1_sqlite hookbox_bench_w2 \
    --parallel "$(nproc)" >/dev/null
bench_w1="$root/build/release/bench/hookbox_bench_w1"
bench_w1_sqlite="$root/build/release/bench/hookbox_bench_w1_sqlite"
bench_w2="$root/build/release/bench/hookbox_bench_w2"

# The peer harness needs Node and its npm packages; shared/ is read-only, so install into a copy.
peer_ready=0
if [[ $what == all || $what == w1 || $what == w2 ]]; then
    if [[ -x $peers_src/run-w1.sh ]]; then
        command -v node >/dev/null && command -v npm >/dev/null || scripts/install-deps.sh nodejs npm
        peers="$root/build/bench-peers"
        mkdir -p "$peers"
        (cd "$peers_src" && tar cf - --exclude=node_modules --exclude=results .) | (cd "$peers" && tar xf -)
        chmod -R u+w "$peers"
        if [[ ! -d $peers/node_modules ]]; then
            (cd "$peers" && npm ci --no-audit --no-fund >"$out/npm.log" 2>&1) && peer_ready=1 ||
                echo "bench: npm ci failed (see $out/npm.log); peer figures skipped" >&2
        else
            peer_ready=1
        fi
    else
        echo "bench: no peer harness at $peers_src; peer figures skipped" >&2
    fi
fi

run() {  # run <label> <command...>: appends the command's output to $out/<label>.txt
    local label=$1
    shift
    echo "== $label" >&2
    timeout 900 "$@" | tee -a "$out/$label.txt" | grep '^FIGURE' >&2
}

for r in $(seq 1 "$runs"); do
    if [[ $what == all || $what == w1 ]]; then
        run w1-hookbox "$bench_w1" w1
        [[ $peer_ready == 1 ]] && run w1-objectstack "$peers/run-w1.sh"
    fi
    if [[ $what == all || $what == w1scale ]]; then
        run w1scale-hookbox "$bench_w1" scale
    fi
    if [[ $what == all || $what == w2 ]]; then
        # nginx (and wrk) from Debian; the peer harness's script starts and stops the receiver.
        command -v wrk >/dev/null && [[ -x /usr/sbin/nginx ]] || scripts/install-deps.sh nginx-light wrk
        if [[ $peer_ready == 1 ]]; then
            # A receiver that was already running (shared with another checkout) is left running.
            nginx_started=0
            if ! "$peers/w0/nginx.sh" status >/dev/null 2>&1; then
                "$peers/w0/nginx.sh" start >/dev/null
                nginx_started=1
            fi
            run w0-nginx "$peers/run-w0.sh"
            mkdir -p "$root/build/bench-tmp"
            run w2-hookbox-memory "$bench_w2" w2 memory
            run w2-hookbox-sqlite "$bench_w2" w2 sqlite "$root/build/bench-tmp"
            run lat-hookbox-memory "$bench_w2" lat memory
            run lat-hookbox-sqlite "$bench_w2" lat sqlite "$root/build/bench-tmp"
            W2_PRESETS="default tuned" run w2-objectstack "$peers/run-w2.sh"
            [[ $nginx_started == 1 ]] && "$peers/w0/nginx.sh" stop >/dev/null
        else
            echo "bench: W2 needs the peer harness's nginx setup; skipped" >&2
        fi
    fi
    if [[ $what == all || $what == w1sqlite ]]; then
        # On disk under build/, not in a tmpfs: the ceiling and hookbox share the same file system.
        mkdir -p "$root/build/bench-tmp"
        run w1-sqlite "$bench_w1_sqlite" 100000 "$root/build/bench-tmp"
    fi
done

# Medians of every figure, then the ratios the goals are stated in.
cat "$out"/*.txt | grep '^FIGURE ' | sed -E 's/^FIGURE ([^=]+)=([^ ]+) (.*)$/\1 \2 \3/' |
    sort -k1,1 -k2,2g |
    awk '{ n[$1]++; v[$1, n[$1]] = $2; u[$1] = $3 }
         END { for (k in n) { m = v[k, int((n[k] + 1) / 2)]; printf "%s %s %s\n", k, m, u[k] } }' |
    sort >"$out/medians.txt"

echo
echo "Medians of $runs run(s) (raw output in $out):"
sed -E 's/^([^ ]+) ([^ ]+) (.*)$/FIGURE \1=\2 \3/' "$out/medians.txt"

median() { awk -v k="$1" '$1 == k { print $2 }' "$out/medians.txt"; }
ratio() {  # ratio <name> <numerator figure> <denominator figure>
    local a b
    a=$(median "$2")
    b=$(median "$3")
    [[ -n $a && -n $b ]] && awk -v n="$1" -v a="$a" -v b="$b" 'BEGIN { printf "FIGURE %s=%.2f x\n", n, a / b }'
    return 0
}
ratio w1_memory_enqueue_vs_objectstack w1_hookbox_memory_enqueue_per_s w1_objectstack_enqueue_per_s
ratio w1_memory_claim_ack_vs_objectstack w1_hookbox_memory_claim_ack_per_s w1_objectstack_claim_ack_per_s
ratio w1_sqlite_enqueue_vs_raw w1_hookbox_sqlite_enqueue_per_s w1_rawsqlite_insert_per_s
ratio w1_sqlite_claim_ack_vs_raw w1_hookbox_sqlite_claim_ack_per_s w1_rawsqlite_claim_ack_per_s
ratio w1scale_claim_ack_1m_vs_10k w1scale_hookbox_memory_claim_ack_per_s_1000000 w1scale_hookbox_memory_claim_ack_per_s_10000
ratio w2_memory_vs_w0_ceiling w2_hookbox_memory_deliveries_per_s w0_nginx_post1k_rps
ratio w2_sqlite_vs_w0_ceiling w2_hookbox_sqlite_deliveries_per_s w0_nginx_post1k_rps
ratio w2_memory_vs_objectstack_tuned w2_hookbox_memory_deliveries_per_s w2_objectstack_tuned_b256_i1_deliveries_per_s
ratio w2_memory_vs_objectstack_default w2_hookbox_memory_deliveries_per_s w2_objectstack_default_deliveries_per_s
