#!/usr/bin/env bash
# make-secrets.sh [DIR]: the compose secrets of docker-compose.yml, one file each, in DIR
# (default ./secrets): the PostgreSQL superuser's and the four service roles' passwords
# (random), each service's CURVE key pair (jiuyectl keygen), upstream_sources, the
# upstream systems' tokens and CURVE keys ("NAME TOKEN [KEY]" lines, empty at first: add a line per system,
# then `docker-compose up -d migrate` or any restart of it), and the HTTPS proxy's
# tls_cert / tls_key: a self-signed pair for a first start (names localhost and 127.0.0.1,
# plus those of JIUYE_TLS_NAMES, comma-separated: "jiuye.example.org,10.0.0.5"), signed
# by a CA made for it alone whose certificate is tls_ca (for clients: curl --cacert) and
# whose key is thrown away. Replace tls_cert and tls_key by the operator's own
# certificate (its chain, then the key) when there is one. Files that exist are kept,
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
    put upstream_sources "# Upstream sources: one \"NAME TOKEN [CURVE_PUBLIC_KEY]\" line each (jiuyectl source
# sync, run by the compose migrate step at every start). A token: printf 'jy_%s\\n' \"\$(openssl rand -hex 32)\"
# Give it to the upstream system; the key is the public one of the pair it signs in with to
# intake's ZeroMQ port (it keeps the secret one). Change a token or key under a new NAME,
# then revoke the old one."
fi

# tls_cert, tls_key and tls_ca: all three made again when any is missing.
make_tls() {
    command -v openssl >/dev/null || { echo "make-secrets: openssl is needed for the TLS certificate" >&2; exit 2; }
    local tmp san="DNS:localhost,IP:127.0.0.1" name names=${JIUYE_TLS_NAMES:-} cn
    tmp=$(mktemp -d)
    cn=${names%%,*}
    local IFS=,
    for name in $names; do
        [[ -z "$name" ]] && continue
        if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san+=",IP:$name"; else san+=",DNS:$name"; fi
    done
    unset IFS
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 3650 \
        -subj "/CN=jiuye deployment CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null &&
        openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=${cn:-localhost}" \
            -keyout "$tmp/key.pem" -out "$tmp/req.pem" 2>/dev/null &&
        printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
            "$san" >"$tmp/ext" &&
        openssl x509 -req -in "$tmp/req.pem" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 825 \
            -extfile "$tmp/ext" -out "$tmp/cert.pem" 2>/dev/null ||
        { rm -rf "$tmp"; echo "make-secrets: openssl failed to make the TLS certificate" >&2; exit 1; }
    put tls_key "$(cat "$tmp/key.pem")"
    put tls_cert "$(cat "$tmp/cert.pem")"
    put tls_ca "$(cat "$tmp/ca.pem")"
    rm -rf "$tmp" # the CA's key with it: nothing else is ever signed by this CA
    echo "make-secrets: the certificate is for $san"
}
[[ -s "$dir/tls_cert" && -s "$dir/tls_key" && -s "$dir/tls_ca" ]] || make_tls

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
