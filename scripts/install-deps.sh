#!/usr/bin/env bash
# Installs the Debian 12 packages hookbox's build, tests and demo need, when any is missing.
# Usage: scripts/install-deps.sh [extra-package ...]
set -euo pipefail

packages=(
    g++ cmake ninja-build
    libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-url1.81-dev
    libsqlite3-dev libssl-dev libpq-dev
    postgresql-15
    gnuplot-nox   # bench/plot.sh draws the benchmark charts
    "$@"
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "hookbox: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "hookbox: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A PostgreSQL server package would create and start a cluster of its own on port 5432; the tests and
# the demo start throw-away servers of their own (scripts/pg_cluster.sh), so Debian is told not to.
if printf '%s\n' "${missing[@]}" | grep -q '^postgresql-[0-9]'; then
    conf=/etc/postgresql-common/createcluster.conf
    if ! grep -qs '^[[:space:]]*create_main_cluster[[:space:]]*=' "$conf"; then
        $sudo mkdir -p "$(dirname "$conf")"
        echo 'create_main_cluster = false' | $sudo tee -a "$conf" >/dev/null
    fi
    # postgresql-common then keeps that file as it is instead of asking.
    export UCF_FORCE_CONFFOLD=1
fi
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
