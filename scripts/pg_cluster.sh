#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for hookbox's tests and demo: its data, socket, log and URI live
# in one folder, it listens on a free port of 127.0.0.1 only, and anyone on the machine may connect
# as `postgres` without a password.
#
# Usage: scripts/pg_cluster.sh start DIR | stop DIR | status DIR
#   start   creates the cluster in DIR/data if it is not there, starts the server (unless it is
#           running already) and writes its URI, postgresql://postgres@127.0.0.1:PORT/postgres, to
#           DIR/uri.
#   stop    stops the server (fast: open sessions are cut) and removes DIR; nothing to do when DIR
#           does not exist.
#   status  prints the URI and exits 0 when the server runs; exits 3 when it does not.
#
# The server binaries come from /usr/lib/postgresql/15/bin (HOOKBOX_PG_BIN overrides); when they are
# missing, the Debian package is installed first (scripts/install-deps.sh postgresql-15). Run as root,
# the server runs as the `postgres` user, who then owns DIR. When that user cannot reach DIR (a
# folder above it is closed to others, as /root is), or DIR is too long a path for the server's Unix
# socket, the server's files go to a temporary folder instead, named in DIR/home and removed by `stop`.
set -euo pipefail

scripts="$(cd "$(dirname "$0")" && pwd)"
bin="${HOOKBOX_PG_BIN:-/usr/lib/postgresql/15/bin}"
os_user=postgres
# The file that marks a folder as one of ours: `stop` removes nothing else.
marker=.hookbox-pg-cluster

die() { echo "pg_cluster: $*" >&2; exit 1; }
usage() { echo "usage: $0 start DIR | stop DIR | status DIR" >&2; exit 2; }

[[ $# -eq 2 && -n "$2" ]] || usage
cmd="$1"
dir="$(realpath -m -- "$2")"
# Where the server's files are: DIR, or the folder DIR/home names.
home="$dir"
if [[ -f "$dir/home" ]]; then
    home="$(cat "$dir/home")"
fi
data="$home/data"

is_root() { [[ $(id -u) -eq 0 ]]; }
# Runs a command as the server's user, from a folder that user may enter.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$os_user" -- "$@")
    else
        "$@"
    fi
}

running() { [[ -f "$data/PG_VERSION" ]] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }
uri_of() { echo "postgresql://postgres@127.0.0.1:$1/postgres"; }
port_of() { sed -n "s/^port = \([0-9]*\)$/\1/p" "$data/hookbox.conf" 2>/dev/null; }

# A port of 127.0.0.1 that nothing listens on now, below the kernel's range for outgoing connections.
pick_port() {
    local low=32768 port
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    ((low > 12000)) || low=32768
    for _ in $(seq 1 100); do
        port=$((10000 + RANDOM % (low - 10000)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    die "found no free port on 127.0.0.1"
}

install_server() {
    [[ -x "$bin/initdb" ]] && return 0
    [[ -z "${HOOKBOX_PG_BIN:-}" ]] || die "$bin/initdb is missing (HOOKBOX_PG_BIN=$HOOKBOX_PG_BIN)"
    echo "pg_cluster: $bin/initdb is missing; installing postgresql-15" >&2
    # install-deps.sh keeps Debian from creating and starting a cluster of its own.
    "$scripts/install-deps.sh" postgresql-15 >&2
    [[ -x "$bin/initdb" ]] || die "$bin/initdb is still missing after installing postgresql-15"
}

init_cluster() {
    if is_root; then
        getent passwd "$os_user" >/dev/null || die "user '$os_user' does not exist (it comes with postgresql-common)"
    fi
    if [[ -d "$dir" && ! -f "$dir/$marker" && -n "$(ls -A "$dir")" ]]; then
        die "$dir holds files that $0 did not make; give an empty or new folder"
    fi
    mkdir -p "$dir"
    touch "$dir/$marker"
    if is_root; then
        chown "$os_user:" "$dir"
    fi
    # The server's Unix socket, HOME/.s.PGSQL.PORT, must fit in a sockaddr_un.
    if [[ "$home" == "$dir" ]] && { ! as_pg test -w "$dir" -a -x "$dir" || ((${#dir} > 90)); }; then
        home="$(mktemp -d "${TMPDIR:-/tmp}/hookbox-pg.XXXXXX")"
        touch "$home/$marker"
        echo "$home" >"$dir/home"
        data="$home/data"
        echo "pg_cluster: user '$os_user' cannot use $dir, or it is too long a path; the server's files go to $home" >&2
    fi
    if is_root; then
        chown "$os_user:" "$home"
    fi
    as_pg test -w "$home" -a -x "$home" || die "user '$os_user' cannot write $home"
    ((${#home} <= 90)) || die "$home is too long for the server's Unix socket (${#home} > 90 bytes)"
    [[ -f "$data/PG_VERSION" ]] && return 0
    rm -rf "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed in $data"; }
    # hookbox.conf is written again at each start, with the port of that start.
    echo "include 'hookbox.conf'" >>"$data/postgresql.conf"
}

write_settings() {
    cat >"$data/hookbox.conf" <<CONF
# Written by scripts/pg_cluster.sh: a server for tests, reachable from this machine only.
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$home'
max_connections = 300
# Tests do not test power loss: nothing is forced to disk, so a crash of the machine may lose or
# corrupt this cluster, which is thrown away after the tests anyway.
fsync = off
full_page_writes = off
CONF
    if is_root; then
        chown "$os_user:" "$data/hookbox.conf"
    fi
}

start() {
    install_server
    if running; then
        local port
        port="$(port_of)"
        [[ -n "$port" ]] || die "a server runs in $data, but $data/hookbox.conf names no port"
        uri_of "$port" >"$dir/uri"
        echo "pg_cluster: already running: $(cat "$dir/uri")"
        return 0
    fi
    init_cluster
    rm -f "$dir/uri"
    local port attempt
    # Another program may take the port between the look and the server's bind: then another port.
    for attempt in $(seq 1 20); do
        port="$(pick_port)"
        write_settings "$port"
        rm -f "$home/postgres.log"
        if as_pg "$bin/pg_ctl" -D "$data" -l "$home/postgres.log" -w -t 60 start >/dev/null 2>&1; then
            uri_of "$port" >"$dir/uri"
            echo "pg_cluster: started: $(cat "$dir/uri")"
            return 0
        fi
        if grep -qE 'could not bind|could not create any TCP/IP sockets|Address already in use' \
            "$home/postgres.log" 2>/dev/null; then
            echo "pg_cluster: port $port is taken (attempt $attempt); trying another" >&2
            continue
        fi
        cat "$home/postgres.log" >&2 2>/dev/null || true
        die "the server in $data did not start (log above)"
    done
    die "the server in $data did not start: every port tried was taken"
}

stop() {
    if [[ ! -e "$dir" ]]; then
        echo "pg_cluster: $dir does not exist: nothing to stop"
        return 0
    fi
    [[ -f "$dir/$marker" ]] || die "$dir was not made by $0 start; not touching it"
    if running; then
        as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || die "the server in $data did not stop"
        echo "pg_cluster: stopped the server in $data"
    fi
    if [[ "$home" != "$dir" && -f "$home/$marker" ]]; then
        rm -rf -- "$home"
    fi
    rm -rf -- "$dir"
}

status() {
    if running; then
        uri_of "$(port_of)"
        return 0
    fi
    echo "pg_cluster: no server runs in $data" >&2
    return 3
}

case "$cmd" in
start) start ;;
stop) stop ;;
status) status ;;
*) usage ;;
esac
