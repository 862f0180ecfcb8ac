#!/usr/bin/env bash
# migrate.sh: apply ops/migrations/NNN_name.sql in numeric order, each exactly once.
#
# Each migration runs in one transaction together with the insert of its row into
# public.schema_migrations, so a migration is either applied and recorded or neither;
# versions already recorded are skipped (running this twice is a no-op).
# Connection: libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), or a
# conninfo string in JIUYE_ADMIN_DB. Then, for each service role whose password variable
# (INTAKE_DB_PASSWORD, RULES_DB_PASSWORD, SUBSIDY_DB_PASSWORD, NOTIFY_DB_PASSWORD) is set,
# sets that role's password. Prints one line per migration applied.
# Each of those variables and PGPASSWORD may instead name a file in <VAR>_FILE (compose
# secrets under /run/secrets); JIUYE_MIGRATE_WAIT_S=N waits up to N seconds for the
# server to accept the connection first (compose engines that ignore health conditions).
# Migrations must not contain BEGIN/COMMIT: psql -1 supplies the transaction.
set -euo pipefail

# <VAR>_FILE: the value of VAR from that file (less trailing newlines), never both.
for var in PGPASSWORD JIUYE_ADMIN_DB INTAKE_DB_PASSWORD RULES_DB_PASSWORD \
           SUBSIDY_DB_PASSWORD NOTIFY_DB_PASSWORD; do
    fvar=${var}_FILE
    [[ -n "${!fvar:-}" ]] || continue
    if [[ -n "${!var:-}" ]]; then
        echo "migrate: set $var or $fvar, not both" >&2
        exit 2
    fi
    value=$(<"${!fvar}") || { echo "migrate: $fvar: cannot read ${!fvar}" >&2; exit 2; }
    [[ -n "$value" ]] || { echo "migrate: $fvar: ${!fvar} is empty" >&2; exit 2; }
    export "$var=$value"
    unset "$fvar"
done

# Migrations sit beside this script (ops/ in the repo, /opt/jiuye in the image).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MIGRATIONS=${JIUYE_MIGRATIONS:-$HERE/migrations}

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
[[ -z "${JIUYE_ADMIN_DB:-}" ]] || PSQL+=(-d "$JIUYE_ADMIN_DB")

if [[ -n "${JIUYE_MIGRATE_WAIT_S:-}" ]]; then
    deadline=$((SECONDS + JIUYE_MIGRATE_WAIT_S))
    until "${PSQL[@]}" -c "SELECT 1" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "migrate: PostgreSQL did not accept a connection within ${JIUYE_MIGRATE_WAIT_S} s:" >&2
            "${PSQL[@]}" -c "SELECT 1" >&2 || true
            exit 1
        fi
        sleep 1
    done
fi

"${PSQL[@]}" -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS public.schema_migrations (
    version    int PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())"

applied=$("${PSQL[@]}" -tA -c "SELECT version FROM public.schema_migrations ORDER BY version")

shopt -s nullglob
files=("$MIGRATIONS"/[0-9][0-9][0-9]_*.sql)
# Numeric order on the NNN prefix (globs sort by locale; be explicit).
((${#files[@]} == 0)) || mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -V)

declare -A seen=()
for f in "${files[@]}"; do
    base=$(basename "$f" .sql)
    version=$((10#${base%%_*}))
    if [[ -n "${seen[$version]:-}" ]]; then
        echo "migrate: two migrations share version $version: ${seen[$version]} and $base" >&2
        exit 1
    fi
    seen[$version]=$base
    if grep -qx "$version" <<<"$applied"; then
        continue
    fi
    # -1 wraps both -f inputs in one BEGIN/COMMIT; the row is inserted with psql
    # variables (not spliced text). A concurrent migrate hits the primary key and
    # rolls back instead of applying twice.
    "${PSQL[@]}" -1 -v "jiuye_mig_version=$version" -v "jiuye_mig_name=$base" -f "$f" -f - <<'SQL'
INSERT INTO public.schema_migrations (version, name) VALUES (:jiuye_mig_version, :'jiuye_mig_name');
SQL
    echo "migrate: applied $base"
done

# Role passwords come from the environment (compose secrets), never from the tree.
# \getenv reads the value inside psql, so it is neither on a command line nor spliced
# into SQL text: :"role" and :'pw' quote it as an identifier and a literal.
for pair in intake:INTAKE_DB_PASSWORD rules:RULES_DB_PASSWORD \
            subsidy:SUBSIDY_DB_PASSWORD notify:NOTIFY_DB_PASSWORD; do
    svc=${pair%%:*} var=${pair#*:}
    [[ -n "${!var:-}" ]] || continue
    "${PSQL[@]}" -v "role=jiuye_$svc" -f - <<SQL
\\getenv pw $var
ALTER ROLE :"role" PASSWORD :'pw';
SQL
    echo "migrate: password set for role jiuye_$svc"
done
