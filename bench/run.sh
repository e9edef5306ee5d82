#!/usr/bin/env bash
# Runs hookbox's benchmarks in a Release build and prints their figures.
#
# Usage: bench/run.sh [all|w1|w1scale|w1sqlite|w2|w2pg|w3]     (default: all)
# Env:   RUNS        runs of each workload (default 3); medians are reported
#        PEERS_DIR   the peer harnesses (default: ../shared/bench/peers beside the checkout)
#        PG_BIN      PostgreSQL 15's programs (default /usr/lib/postgresql/15/bin)
#
# W1 runs alternately with the ObjectStack outbox's W1 harness (peers/run-w1.sh), in the same sitting
# on the same machine, and the ratios hookbox / peer are printed from the medians. W2 (end to end into
# nginx on 127.0.0.1:18080) runs beside the W0 ceiling (wrk against the same nginx, peers/run-w0.sh)
# and the ObjectStack outbox's W2 (peers/run-w2.sh, presets default and tuned). W3 and W3-held
# (hookbox on PostgreSQL) run alternately with pg-boss and graphile-worker (peers/run-w3.sh) on the
# peers' cluster (peers/w3/pg.sh: 127.0.0.1:15432, stock settings), and W2 on PostgreSQL (w2pg) on
# the same cluster; `all` includes them when PostgreSQL 15 and hookbox::postgres are there. The
# cluster is started if it is not running, and stopped at the end if this script started it. Raw
# output goes to build/bench-results/<timestamp>/, with the medians and their charts (bench/plot.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

what="${1:-all}"
runs="${RUNS:-3}"
peers_src="${PEERS_DIR:-$root/../shared/bench/peers}"
out="$root/build/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

scripts/install-deps.sh
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [[ ($what == w3 || $what == w2pg) && ! -x $pg_bin/pg_ctl ]]; then
    scripts/install-deps.sh postgresql-15 libpq-dev
fi
cmake --preset release >/dev/null
targets=(hookbox_bench_w1 hookbox_bench_w1_sqlite hookbox_bench_w2)
# hookbox_bench_w3 exists when hookbox::postgres (libpq) was found.
grep -q '^build bench/hookbox_bench_w3:' build/release/build.ninja && targets+=(hookbox_bench_w3)
cmake --build --preset release --target "${targets[@]}" --parallel "$(nproc)" >/dev/null
bench_w1="$root/build/release/bench/hookbox_bench_w1"
bench_w1_sqlite="$root/build/release/bench/hookbox_bench_w1_sqlite"
bench_w2="$root/build/release/bench/hookbox_bench_w2"
bench_w3="$root/build/release/bench/hookbox_bench_w3"

# PostgreSQL workloads: the requested ones, or under `all` those that can run here.
pg_w3=0 pg_w2=0
if [[ $what == w3 || $what == w2pg || $what == all ]]; then
    if [[ -x $bench_w3 && -x $pg_bin/pg_ctl ]]; then
        [[ $what == w3 || $what == all ]] && pg_w3=1
        [[ $what == w2pg || $what == all ]] && pg_w2=1
    elif [[ $what != all ]]; then
        echo "bench: $what needs PostgreSQL 15 at $pg_bin and hookbox::postgres (libpq)" >&2
        exit 1
    fi
fi

# The peer harness needs Node and its npm packages; shared/ is read-only, so install into a copy.
peer_ready=0
if [[ $what == all || $what == w1 || $what == w2 || $what == w2pg || $what == w3 ]]; then
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

# The peers' PostgreSQL cluster, shared by hookbox and the peers for the whole sitting.
pg_uri="postgresql://postgres@127.0.0.1:${PGPORT:-15432}/postgres"
pg_started=0
if [[ $pg_w3 == 1 || $pg_w2 == 1 ]]; then
    if [[ $peer_ready != 1 ]]; then
        echo "bench: the PostgreSQL workloads need the peer harness (its cluster script); skipped" >&2
        pg_w3=0 pg_w2=0
    elif ! PG_BIN="$pg_bin" "$peers/w3/pg.sh" status >/dev/null 2>&1; then
        PG_BIN="$pg_bin" "$peers/w3/pg.sh" start >&2
        pg_started=1
    fi
fi
stop_pg() { [[ $pg_started == 1 ]] && PG_BIN="$pg_bin" "$peers/w3/pg.sh" stop >&2 || true; }
trap stop_pg EXIT

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
    if [[ $pg_w3 == 1 ]]; then
        run w3-hookbox "$bench_w3" "$pg_uri"
        PG_BIN="$pg_bin" run w3-peers "$peers/run-w3.sh"
    fi
    if [[ $pg_w2 == 1 ]]; then
        command -v wrk >/dev/null && [[ -x /usr/sbin/nginx ]] || scripts/install-deps.sh nginx-light wrk
        nginx_started=0
        if ! "$peers/w0/nginx.sh" status >/dev/null 2>&1; then
            "$peers/w0/nginx.sh" start >/dev/null
            nginx_started=1
        fi
        W2_PG_URI="$pg_uri" run w2-hookbox-postgres "$bench_w2" w2 postgres
        W2_PG_URI="$pg_uri" run lat-hookbox-postgres "$bench_w2" lat postgres
        [[ $nginx_started == 1 ]] && "$peers/w0/nginx.sh" stop >/dev/null
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
best() {  # best <figure...>: the highest median among the figures that were measured
    local f v b=""
    for f in "$@"; do
        v=$(median "$f")
        [[ -n $v ]] && b=$(awk -v a="$b" -v v="$v" 'BEGIN { print (a == "" || v + 0 > a + 0) ? v : a }')
    done
    echo "$b"
}
ratio_best() {  # ratio_best <name> <hookbox figure> <peer figure...>: hookbox / the best peer
    local name=$1 a b
    a=$(median "$2")
    shift 2
    b=$(best "$@")
    [[ -n $a && -n $b ]] && awk -v n="$name" -v a="$a" -v b="$b" 'BEGIN { printf "FIGURE %s=%.2f x\n", n, a / b }'
    return 0
}
ratio_best w3_enqueue_single_vs_best_peer w3_hookbox_enqueue_single_per_s w3_pgboss_send_per_s w3_graphile_addjob_per_s
ratio_best w3_enqueue_b1000_vs_best_peer w3_hookbox_enqueue_b1000_per_s w3_pgboss_insert_b1000_per_s \
    w3_graphile_addjobs_b1000_per_s
ratio_best w3_claim256_ack_vs_best_peer w3_hookbox_claim256_ack_per_s w3_pgboss_fetch256_complete_per_s \
    w3_graphile_run_c4_lq256_per_s
ratio w3held_vs_w3_claim256_ack w3held_hookbox_claim256_ack_per_s w3_hookbox_claim256_ack_per_s
ratio w2_postgres_vs_w0_ceiling w2_hookbox_postgres_deliveries_per_s w0_nginx_post1k_rps

# The charts of this sitting, hookbox beside its peers, one SVG per workload (bench/plot.sh).
echo
if charts=$(bench/plot.sh "$out"); then
    echo "Charts:"
    echo "$charts"
else
    echo "bench: the charts were not drawn (bench/plot.sh \"$out\")" >&2
fi
