#!/usr/bin/env bash
# pg-local.sh start|stop|status|env: a private PostgreSQL 15 cluster for the local
# run and the tests, reachable only on 127.0.0.1 (trust auth: nothing else can reach it).
#
#   JIUYE_PGPORT   TCP port (default 5433, so a system cluster on 5432 is left alone)
#   JIUYE_PGDATA   data directory (default var/pg under the repo root)
#
# The server runs as the `postgres` user (initdb refuses root). When that user cannot
# reach var/ (CI clones into a root-only directory), the cluster lives in a temp dir
# owned by postgres instead and its path is remembered in var/pg.path.
# Beside the data directory: <data>.log (server log) and <data>.sock (unix socket dir).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
PORT=${JIUYE_PGPORT:-5433}
DBNAME=jiuye

usage() { echo "usage: $0 start|stop|status|env" >&2; exit 2; }

# Server programs run as postgres when we are root; a developer running as
# themselves owns their own cluster and needs no switch.
# From /: postgres may not be allowed into the caller's directory (PGDATA is absolute).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Can the server user reach (search) directory $1? Denied ancestors fail access().
pg_can_reach() {
    [[ $(id -u) -ne 0 ]] || runuser -u postgres -- test -x "$1" 2>/dev/null
}

# Set PGDATA. With $1 = create, allowed to create the temp-dir fallback.
resolve_pgdata() {
    if [[ -n "${JIUYE_PGDATA:-}" ]]; then
        PGDATA=$JIUYE_PGDATA
        [[ "$PGDATA" == /* ]] || PGDATA=$PWD/$PGDATA
        return
    fi
    local pathfile=$ROOT/var/pg.path
    # A fallback chosen earlier wins while its directory still exists.
    if [[ -f "$pathfile" ]]; then
        local tmp
        tmp=$(<"$pathfile")
        if [[ -n "$tmp" && -d "$tmp" ]]; then
            PGDATA=$tmp/pg
            return
        fi
    fi
    PGDATA=$ROOT/var/pg
    if [[ -f "$PGDATA/PG_VERSION" ]] || [[ "${1:-}" != create ]]; then
        return
    fi
    mkdir -p "$ROOT/var"
    if ! pg_can_reach "$ROOT/var"; then
        local tmp
        tmp=$(mktemp -d /tmp/jiuye-pg.XXXXXX)
        chown postgres:postgres "$tmp"
        echo "$tmp" >"$pathfile"
        echo "pg-local: postgres cannot reach $ROOT/var; using $tmp (recorded in var/pg.path)" >&2
        PGDATA=$tmp/pg
    fi
}

is_running() {
    [[ -f "$PGDATA/PG_VERSION" ]] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

# Settings we own live in their own file, rewritten on every start so that a
# changed JIUYE_PGPORT takes effect; postgresql.conf only includes it.
write_config() {
    local sockdir=$1
    cat >"$PGDATA/jiuye.conf" <<CONF
# Written by ops/pg-local.sh on every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$sockdir'
max_connections = 100
# Durability as in production: the delivery protocol relies on commit meaning durable.
fsync = on
synchronous_commit = on
CONF
    grep -qxF "include = 'jiuye.conf'" "$PGDATA/postgresql.conf" ||
        echo "include = 'jiuye.conf'" >>"$PGDATA/postgresql.conf"
    # Trust, but only from this machine: the unix socket (private dir) and 127.0.0.1.
    cat >"$PGDATA/pg_hba.conf" <<HBA
# Written by ops/pg-local.sh: private development/test cluster.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
HBA
    chown postgres:postgres "$PGDATA/jiuye.conf" "$PGDATA/pg_hba.conf" 2>/dev/null || true
    chmod 600 "$PGDATA/jiuye.conf" "$PGDATA/pg_hba.conf"
}

cmd_start() {
    resolve_pgdata create
    if is_running; then
        echo "pg-local: already running (data $PGDATA)"
        return 0
    fi
    local sockdir=$PGDATA.sock log=$PGDATA.log
    # A unix socket path must fit in sun_path (108 bytes); in a deep checkout go
    # TCP-only rather than fail (everything here connects over 127.0.0.1 anyway).
    if ((${#sockdir} + 16 > 100)); then
        echo "pg-local: $sockdir is too long for a unix socket; TCP only" >&2
        sockdir=
    fi
    if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
        mkdir -p "$PGDATA"
        [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        echo "pg-local: initdb $PGDATA"
        as_pg "$PGBIN/initdb" -D "$PGDATA" --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 -U postgres >"$PGDATA.initdb.log" 2>&1 || {
            cat "$PGDATA.initdb.log" >&2
            exit 1
        }
    fi
    touch "$log"
    if [[ -n "$sockdir" ]]; then
        mkdir -p "$sockdir"
        chmod 700 "$sockdir"
        [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$sockdir"
    fi
    [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$log"
    write_config "$sockdir"
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$log" -w -t 60 start >/dev/null; then
        echo "pg-local: server did not start; last lines of $log:" >&2
        tail -20 "$log" >&2
        exit 1
    fi
    # Connect over TCP like the services do (trust on 127.0.0.1).
    local psql=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1)
    if [[ -z $("${psql[@]}" -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'") ]]; then
        "${psql[@]}" -d postgres -c "CREATE DATABASE $DBNAME"
    fi
    echo "pg-local: running on 127.0.0.1:$PORT (data $PGDATA, log $log)"
}

cmd_stop() {
    resolve_pgdata
    if ! is_running; then
        echo "pg-local: not running"
        return 0
    fi
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    echo "pg-local: stopped"
}

cmd_status() {
    resolve_pgdata
    if is_running; then
        echo "pg-local: running on 127.0.0.1:$PORT (data $PGDATA)"
        return 0
    fi
    echo "pg-local: not running (data $PGDATA)"
    return 3
}

# For `eval "$(ops/pg-local.sh env)"`: services get a conninfo without a user
# (each adds its own role); psql and the scripts get libpq's PG* variables.
cmd_env() {
    echo "export JIUYE_DB=\"host=127.0.0.1 port=$PORT dbname=$DBNAME\""
    echo "export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=$DBNAME"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) usage ;;
esac
