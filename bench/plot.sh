#!/usr/bin/env bash
# Draws the figures of a benchmark sitting as SVG bar charts, hookbox beside its peers, one chart per
# workload, into the sitting's folder (or OUT_DIR).
#
# Usage: bench/plot.sh RESULTS_DIR [OUT_DIR]
#   RESULTS_DIR holds medians.txt, as bench/run.sh writes it: one `name value unit` line per figure.
#   Writes <workload>.svg for each workload whose hookbox figures are there: w1, w1sqlite, w1scale, w2,
#   w2lat, w3. A peer whose figures are missing is left out of its chart. Needs gnuplot (Debian's
#   gnuplot-nox; scripts/install-deps.sh installs it).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: bench/plot.sh RESULTS_DIR [OUT_DIR]" >&2
    exit 2
fi
results=$1
out=${2:-$1}
medians="$results/medians.txt"
if [[ ! -r $medians ]]; then
    echo "bench/plot.sh: no $medians (bench/run.sh writes it at the end of a sitting)" >&2
    exit 1
fi
command -v gnuplot >/dev/null || { echo "bench/plot.sh: gnuplot is not installed (scripts/install-deps.sh gnuplot-nox)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { awk -v k="$1" '$1 == k { print $2; exit }' "$medians"; }

# plot <name> <title> <y label> <numbers> <bar...>: numbers is `rate` (1.2M, 35k) or `plain` (2553). Each bar is "cluster|series|figure". Clusters are the groups
# along the x axis (the operations), series the systems (hookbox first, then the peers), in the order
# they first appear. Draws nothing when no hookbox figure of the chart was measured.
plot() {
    local name=$1 title=$2 ylabel=$3 numbers=$4
    shift 4
    local clusters=() series=() bar cluster serie figure value c s hookbox=0
    : >"$work/$name.dat"
    for bar in "$@"; do
        IFS='|' read -r cluster serie figure <<<"$bar"
        value=$(median "$figure")
        [[ -z $value ]] && continue
        [[ $serie == hookbox* ]] && hookbox=1
        c=-1
        for i in "${!clusters[@]}"; do [[ ${clusters[$i]} == "$cluster" ]] && c=$i; done
        if [[ $c == -1 ]]; then clusters+=("$cluster"); c=$((${#clusters[@]} - 1)); fi
        s=-1
        for i in "${!series[@]}"; do [[ ${series[$i]} == "$serie" ]] && s=$i; done
        if [[ $s == -1 ]]; then series+=("$serie"); s=$((${#series[@]} - 1)); fi
        echo "$c $s $value" >>"$work/$name.dat"
    done
    if [[ $hookbox == 0 ]]; then
        return 0
    fi

    # The bars of a cluster side by side around its centre, each as wide as in the fullest cluster:
    # column 4 is the bar's x.
    # hookbox in blues, the others in warm colours and grey, each in the order of its first bar.
    local ymax w xtics="" plots="" color ours=("#1f5fa8" "#4a90d9" "#8cbbe8") theirs=("#d9822b" "#b5443a" "#e3b23c")
    local n_ours=0 n_theirs=0
    awk '{ row[NR] = $0; c[NR] = $1; k[$1]++; if (k[$1] > most) most = k[$1] }
         END { for (i = 1; i <= NR; i++) { r = rank[c[i]]++; printf "%s %.4f\n", row[i], c[i] + (r - (k[c[i]] - 1) / 2) * 0.8 / most }
               print most > "/dev/stderr" }' "$work/$name.dat" >"$work/$name.xy" 2>"$work/$name.most"
    w=$(awk '{ printf "%.4f", 0.8 / $1 }' "$work/$name.most")
    ymax=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m * 1.18 }' "$work/$name.dat")
    for i in "${!clusters[@]}"; do
        xtics+="${xtics:+, }\"${clusters[$i]}\" $i"
    done
    for i in "${!series[@]}"; do
        if [[ ${series[$i]} == hookbox* ]]; then
            color=${ours[$((n_ours++ % ${#ours[@]}))]}
        elif [[ ${series[$i]} == nginx* || ${series[$i]} == raw* ]]; then
            color="#8a8a8a"  # a ceiling, not a peer
        else
            color=${theirs[$((n_theirs++ % ${#theirs[@]}))]}
        fi
        plots+="${plots:+, }'$work/$name.xy' using (\$2 == $i ? \$4 : NaN):3 "
        plots+="with boxes lc rgb '$color' title '${series[$i]}', "
        plots+="'' using (\$2 == $i ? \$4 : NaN):3:(fmt(\$3)) with labels offset 0,0.7 font ',10' notitle"
    done
    gnuplot >"$out/$name.svg" <<EOF
set terminal svg size 760,460 dynamic noenhanced font "sans,12" background rgb "white"
set title "$title"
set ylabel "$ylabel"
set yrange [0:$ymax]
set xrange [-0.6:${#clusters[@]} - 0.4]
set xtics ($xtics) nomirror scale 0
set ytics nomirror
set format y "%.0s%c"
set grid ytics lc rgb "#dddddd"
set border 3
set key below horizontal maxcols 2 reverse Left samplen 2 noautotitle
set style fill solid 0.9 noborder
set boxwidth $w
rate(v) = v >= 1e6 ? sprintf("%.2fM", v / 1e6) : v >= 1e4 ? sprintf("%.0fk", v / 1e3) : v >= 1e3 ? sprintf("%.1fk", v / 1e3) : sprintf("%.0f", v)
plain(v) = sprintf("%.0f", v)
fmt(v) = "$numbers" eq "rate" ? rate(v) : plain(v)
if ("$numbers" eq "plain") set format y "%.0f"
plot $plots
EOF
    echo "$out/$name.svg"
}

plot w1 "W1, the outbox core in memory (100,000 deliveries; medians)" "operations/s (higher is better)" rate \
    "enqueue|hookbox memory_storage|w1_hookbox_memory_enqueue_per_s" \
    "enqueue|ObjectStack outbox (memory)|w1_objectstack_enqueue_per_s" \
    "claim + ack|hookbox memory_storage|w1_hookbox_memory_claim_ack_per_s" \
    "claim + ack|ObjectStack outbox (memory)|w1_objectstack_claim_ack_per_s"

plot w1sqlite "W1 on SQLite, beside the raw-SQLite ceiling (100,000 deliveries; medians)" "operations/s (higher is better)" rate \
    "enqueue, batches of 256|hookbox sqlite|w1_hookbox_sqlite_enqueue_per_s" \
    "enqueue, batches of 256|raw SQLite, same statements|w1_rawsqlite_insert_per_s" \
    "claim 256 + ack|hookbox sqlite|w1_hookbox_sqlite_claim_ack_per_s" \
    "claim 256 + ack|raw SQLite, same statements|w1_rawsqlite_claim_ack_per_s" \
    "enqueue, one transaction each|hookbox sqlite|w1_hookbox_sqlite_enqueue_single_per_s"

plot w1scale "W1-scale: claim + ack against the backlog (medians)" "operations/s (higher is better)" rate \
    "backlog 10,000|hookbox memory_storage|w1scale_hookbox_memory_claim_ack_per_s_10000" \
    "backlog 100,000|hookbox memory_storage|w1scale_hookbox_memory_claim_ack_per_s_100000" \
    "backlog 1,000,000|hookbox memory_storage|w1scale_hookbox_memory_claim_ack_per_s_1000000"

plot w2 "W2, end to end into nginx on 127.0.0.1 (medians)" "deliveries/s; W0: requests/s (higher is better)" rate \
    "the receiver's ceiling|nginx alone (wrk, W0)|w0_nginx_post1k_rps" \
    "signed 1 KiB deliveries|hookbox memory|w2_hookbox_memory_deliveries_per_s" \
    "signed 1 KiB deliveries|hookbox SQLite|w2_hookbox_sqlite_deliveries_per_s" \
    "signed 1 KiB deliveries|hookbox PostgreSQL|w2_hookbox_postgres_deliveries_per_s" \
    "signed 1 KiB deliveries|ObjectStack default|w2_objectstack_default_deliveries_per_s" \
    "signed 1 KiB deliveries|ObjectStack tuned (batch 256, 1 ms)|w2_objectstack_tuned_b256_i1_deliveries_per_s"

plot w2lat "W2-latency: enqueue to receipt at 1,000 enqueues/s (medians)" "microseconds (lower is better)" plain \
    "p50|hookbox memory|lat_hookbox_memory_p50_us" \
    "p50|hookbox SQLite|lat_hookbox_sqlite_p50_us" \
    "p50|hookbox PostgreSQL|lat_hookbox_postgres_p50_us" \
    "p99|hookbox memory|lat_hookbox_memory_p99_us" \
    "p99|hookbox SQLite|lat_hookbox_sqlite_p99_us" \
    "p99|hookbox PostgreSQL|lat_hookbox_postgres_p99_us"

plot w3 "W3, a job queue on PostgreSQL 15 (medians)" "jobs/s (higher is better)" rate \
    "enqueue one|hookbox postgres|w3_hookbox_enqueue_single_per_s" \
    "enqueue one|pg-boss|w3_pgboss_send_per_s" \
    "enqueue one|graphile-worker|w3_graphile_addjob_per_s" \
    "enqueue, batches of 1000|hookbox postgres|w3_hookbox_enqueue_b1000_per_s" \
    "enqueue, batches of 1000|pg-boss|w3_pgboss_insert_b1000_per_s" \
    "enqueue, batches of 1000|graphile-worker|w3_graphile_addjobs_b1000_per_s" \
    "claim 256 + ack|hookbox postgres|w3_hookbox_claim256_ack_per_s" \
    "claim 256 + ack|pg-boss|w3_pgboss_fetch256_complete_per_s" \
    "claim 256 + ack|graphile-worker|w3_graphile_run_c4_lq256_per_s"
