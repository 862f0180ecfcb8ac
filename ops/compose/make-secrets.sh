#!/usr/bin/env bash
# make-secrets.sh [DIR]: the compose secrets of docker-compose.yml, one file each, in DIR
# (default ./secrets): the PostgreSQL superuser's and the four service roles' passwords
# (random), each service's CURVE key pair (jiuyectl keygen), and upstream_sources, the
# upstream systems' tokens ("NAME TOKEN" lines, empty at first: add a line per system,
# then `docker-compose up -d migrate` or any restart of it). Files that exist are kept,
# so running it again changes nothing; to rotate one, remove its file(s) and run it again
# (docs/operations.md "Keys and tokens" says in which order to restart).
#
# DIR is 0700 (only its owner lists or opens it on the host); the files are 0444 because
# compose bind-mounts each one into the containers, where the services run as an
# unprivileged user that must read them.
# JIUYECTL: the command that runs jiuyectl (default: jiuyectl on the PATH, else
# build/bin/jiuyectl; without a build: JIUYECTL="docker run --rm jiuye:latest jiuyectl").
set -euo pipefail

dir=${1:-secrets}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -z "${JIUYECTL:-}" ]]; then
    if command -v jiuyectl >/dev/null; then JIUYECTL=jiuyectl
    elif [[ -x "$root/build/bin/jiuyectl" ]]; then JIUYECTL=$root/build/bin/jiuyectl
    else
        echo "make-secrets: no jiuyectl; set JIUYECTL (e.g. \"docker run --rm jiuye:latest jiuyectl\")" >&2
        exit 2
    fi
fi
read -r -a ctl <<<"$JIUYECTL"

umask 077
mkdir -p "$dir"
chmod 700 "$dir"

# put NAME VALUE: write DIR/NAME (no trailing newline needed by the readers, one is harmless).
put() {
    printf '%s\n' "$2" >"$dir/$1.tmp"
    chmod 444 "$dir/$1.tmp"
    mv "$dir/$1.tmp" "$dir/$1"
    echo "make-secrets: wrote $dir/$1"
}

for name in postgres_password intake_db_password rules_db_password subsidy_db_password notify_db_password; do
    [[ -s "$dir/$name" ]] && continue
    # 32 characters of [A-Za-z0-9]: safe in a libpq conninfo and in any shell.
    put "$name" "$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)"
done

if [[ ! -e "$dir/upstream_sources" ]]; then
    put upstream_sources "# Upstream sources: one \"NAME TOKEN\" line each (jiuyectl source sync, run by the
# compose migrate step at every start). A token: printf 'jy_%s\\n' \"\$(openssl rand -hex 32)\"
# Give it to the upstream system; change a token under a new NAME, then revoke the old one."
fi

for svc in intake rules subsidy notify; do
    [[ -s "$dir/${svc}_curve_public" && -s "$dir/${svc}_curve_secret" ]] && continue
    pair=$("${ctl[@]}" keygen "$svc")
    up=${svc^^}
    pub=$(sed -nE "s/^${up}_CURVE_PUBLIC='?([^']{40})'?\$/\\1/p" <<<"$pair")
    sec=$(sed -nE "s/^${up}_CURVE_SECRET='?([^']{40})'?\$/\\1/p" <<<"$pair")
    if [[ ${#pub} != 40 || ${#sec} != 40 ]]; then
        echo "make-secrets: unexpected output of '$JIUYECTL keygen $svc'" >&2
        exit 1
    fi
    put "${svc}_curve_public" "$pub"
    put "${svc}_curve_secret" "$sec"
done
