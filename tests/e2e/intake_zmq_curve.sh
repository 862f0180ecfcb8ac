#!/usr/bin/env bash
# Upstream ZeroMQ publishers sign in with CURVE keys registered per source: with intake's
# key pair configured (tests/run.sh exports one per service) its front door admits exactly
# the keys of the sources that are not revoked, and a batch is attributed to the source
# whose key signed in. A plain client, an unknown key and a revoked source's key get
# nothing in: no reply, nothing stored. `jiuyectl source add --curve-public` checks the key.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
if [[ -z "${INTAKE_CURVE_SECRET:-}" ]]; then
  not_ok "tests/run.sh exports CURVE keys" "INTAKE_CURVE_SECRET is not set"
  lib_finish
fi
svc_start intake || lib_finish
check "intake's front door says it runs under CURVE" \
  grep -q 'receiving event batches on .* (CURVE: sources sign in with their registered keys)' "$(svc_log intake)"
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
eval "$("$CTL" keygen alpha stranger)"

# --- registering a key ---------------------------------------------------------
sources() { sql "SELECT count(*) FROM intake.sources"; }
add_fails() { # add_fails NAME KEY: the error line and the status of a refused source add
  local rc=0 err
  err=$("$CTL" source add "$1" --curve-public "$2" 2>&1 >/dev/null) || rc=$?
  echo "$err|$rc"
}
check_eq "a key of 39 characters is refused, saying why" \
  "jiuyectl: cannot add source: curve public key must be 40 characters of Z85 (jiuyectl keygen), got 39 characters|1" \
  "$(add_fails bad "${ALPHA_CURVE_PUBLIC:1}")"
check_eq "40 characters that are not Z85 are refused" \
  "jiuyectl: cannot add source: curve public key must be 40 characters of Z85 (jiuyectl keygen), got 40 characters that are not Z85|1" \
  "$(add_fails bad "~${ALPHA_CURVE_PUBLIC:1}")"
check_eq "nothing was stored for them" "0" "$(sources)"
TOKEN=$("$CTL" source add alpha --curve-public "$ALPHA_CURVE_PUBLIC")
check "a source with a key still gets its token (for HTTP)" grep -qE '^jy_[0-9a-f]{64}$' <<<"$TOKEN"
check_eq "the key is stored with the source" "alpha" \
  "$(sql "SELECT name FROM intake.sources WHERE curve_public = '$ALPHA_CURVE_PUBLIC'")"
check_eq "a key already registered is refused, naming its source" \
  "jiuyectl: cannot add source: curve public key is already registered for source 'alpha'|1" \
  "$(add_fails beta "$ALPHA_CURVE_PUBLIC")"
check_eq "and nothing is stored" "1" "$(sources)"
BETA=$("$CTL" source add beta)

# --- publishing -------------------------------------------------------------------
P=$(make_cert_no 32070619900307123 4 3)
event() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"2025-01-15","district":"320706","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$1" "$P" >"$T/$1.json"; }
stored() { sql "SELECT coalesce(string_agg(source, ','), '') FROM intake.events WHERE event_id = '$1'"; }
# publish EVENT [OPTION...]: jiuyectl publish --zmq's last line (or its first error line) and status
publish() {
  local ev=$1 out rc=0
  shift
  event "$ev"
  out=$("$CTL" publish --zmq "$INTAKE_ZMQ" "$@" "$T/$ev.json" 2>&1) || rc=$?
  [[ $rc == 0 ]] && out=$(tail -1 <<<"$out") || out=$(head -1 <<<"$out")
  echo "$out|$rc"
}
alpha_keys=(--curve-public "$ALPHA_CURVE_PUBLIC" --curve-secret "$ALPHA_CURVE_SECRET")
check_eq "the registered key publishes without a token" "1 accepted, 0 duplicate, 0 rejected|0" \
  "$(publish z1 "${alpha_keys[@]}")"
check_eq "and its batch is the key's source's" "alpha" "$(stored z1)"
check_eq "with its own source's token too" "1 accepted, 0 duplicate, 0 rejected|0" \
  "$(publish z2 "${alpha_keys[@]}" --token "$TOKEN")"
check_eq "another source's token over alpha's key is refused" \
  "jiuyectl: $T/z3.json: zmq $INTAKE_ZMQ: unauthorized: the token is not the CURVE key's source's|2" \
  "$(publish z3 "${alpha_keys[@]}" --token "$BETA")"
check_eq "nothing of it stored" "" "$(stored z3)"

metric() { api -s "http://127.0.0.1:$INTAKE_HTTP_PORT/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
refused_before=$(metric jiuye_intake_curve_refused_total)
# (jiuyectl tells why from its socket's monitor: the handshake failed, nothing was sent.)
refused="intake refused this CURVE key: it is not registered for an active source (jiuyectl source add NAME --curve-public KEY; a revoked source's key stays refused)"
check_eq "a plain client (a valid token, no CURVE) gets no reply: told CURVE is required" \
  "jiuyectl: $T/z4.json: zmq $INTAKE_ZMQ: the handshake with intake failed: it requires CURVE there (give --curve-public, --curve-secret and --server-key)|2" \
  "$(publish z4 --token "$TOKEN")"
check_eq "and nothing in" "" "$(stored z4)"
check_eq "an unknown key gets no reply: told it is refused" "jiuyectl: $T/z5.json: zmq $INTAKE_ZMQ: $refused|2" \
  "$(publish z5 --curve-public "$STRANGER_CURVE_PUBLIC" --curve-secret "$STRANGER_CURVE_SECRET" --token "$TOKEN")"
check_eq "and nothing in" "" "$(stored z5)"
check "intake logs the unknown key as refused" grep -qF "key $STRANGER_CURVE_PUBLIC is not admitted" "$(svc_log intake)"
check "the refusals are counted" awk -v a="$(metric jiuye_intake_curve_refused_total)" -v b="$refused_before" \
  'BEGIN { exit !(a != "" && b != "" && a > b) }'

check_eq "the registered key with another server key than intake's: told so" \
  "jiuyectl: $T/z7.json: zmq $INTAKE_ZMQ: the CURVE handshake with intake failed: is --server-key intake's public key?|2" \
  "$(publish z7 "${alpha_keys[@]}" --server-key "$STRANGER_CURVE_PUBLIC")"
check_eq "and nothing in" "" "$(stored z7)"

check_eq "source revoke" "source 'alpha' revoked" "$("$CTL" source revoke alpha)"
check_eq "the revoked source's key gets no reply" "jiuyectl: $T/z6.json: zmq $INTAKE_ZMQ: $refused|2" \
  "$(publish z6 "${alpha_keys[@]}")"
check_eq "and nothing in" "" "$(stored z6)"
check_eq "only the registered key's batches were stored" "alpha/z1 alpha/z2" \
  "$(sql "SELECT string_agg(source || '/' || event_id, ' ' ORDER BY event_id) FROM intake.events")"
lib_finish
