#!/usr/bin/env bash
# docker-entrypoint.sh of ops/compose/postgres.Dockerfile: the documented behaviour of the
# official postgres image's entrypoint, for the parts jiuye's compose file relies on.
#  * As root: own PGDATA, then run again as postgres (setpriv: util-linux, no gosu needed).
#  * First start (PGDATA without PG_VERSION): initdb with POSTGRES_USER and
#    POSTGRES_PASSWORD (each may come from <VAR>_FILE), `host all all all` with
#    POSTGRES_HOST_AUTH_METHOD (scram-sha-256), create POSTGRES_DB, run
#    /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz against a server that listens on no
#    TCP address (so nothing outside connects before init is done), stop it.
#  * Then exec the command (postgres).
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR from itself or from the file named by VAR_FILE, never both.
file_env() {
    local var=$1 fvar=${1}_FILE def=${2:-} val
    if [[ -n "${!var:-}" && -n "${!fvar:-}" ]]; then
        echo >&2 "error: both $var and $fvar are set (but are exclusive)"
        exit 1
    fi
    val=$def
    if [[ -n "${!var:-}" ]]; then
        val=${!var}
    elif [[ -n "${!fvar:-}" ]]; then
        val=$(<"${!fvar}")
    fi
    export "$var"="$val"
    unset "$fvar"
}

if [[ "${1:0:1}" == - ]]; then set -- postgres "$@"; fi

if [[ "$1" == postgres && "$(id -u)" == 0 ]]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [[ "$1" == postgres && ! -s "$PGDATA/PG_VERSION" ]]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [[ -z "$POSTGRES_PASSWORD" && "$auth" != trust ]]; then
        cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
MSG
        exit 1
    fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    export PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD PGHOST=/var/run/postgresql PGPORT=5432
    psql=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc)
    if [[ "$POSTGRES_DB" != postgres ]]; then
        "${psql[@]}" --dbname postgres -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) if [[ -x "$f" ]]; then echo "running $f"; "$f"; else echo "sourcing $f"; . "$f"; fi ;;
            *.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *.sql.gz) echo "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
            *) echo "ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
