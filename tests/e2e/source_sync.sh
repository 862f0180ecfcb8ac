#!/usr/bin/env bash
# Upstream tokens provisioned from a file (the compose secret upstream_sources, read by
# `jiuyectl source sync` in the migrate step): added once, kept on every later run, the
# whole file refused, with its line, when any line is wrong; and a synced token is the
# one intake accepts.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
ctl() { "$JIUYE_BIN/jiuyectl" "$@"; }
newtok() { printf 'jy_%s' "$(openssl rand -hex 32)"; }
S=$JIUYE_TEST_TMP/upstream_sources
count() { sql "SELECT count(*) FROM intake.sources"; }
T1=$(newtok) T2=$(newtok) T3=$(newtok)
printf '# upstream systems\nerp %s\n\ncrm.district-1 %s\n' "$T1" "$T2" >"$S"
out=$(ctl source sync "$S" 2>&1)
check_eq "two sources added" "sources: 2 added, 0 already there" "$out"
check_eq "stored as hashes, never the tokens" "0" "$(sql "SELECT count(*) FROM intake.sources WHERE position('$T1'::bytea IN token_sha256) > 0 OR encode(token_sha256, 'escape') LIKE '%jy_%'")"
check_eq "the same file again changes nothing" "sources: 0 added, 2 already there" "$(ctl source sync "$S" 2>&1)"

printf 'new %s\nerp %s\n' "$T3" "$(newtok)" >"$JIUYE_TEST_TMP/other"
out=$(ctl source sync "$JIUYE_TEST_TMP/other" 2>&1) && rc=0 || rc=$?
check_eq "a name used with another token: refused" "1" "$rc"
check "the refusal names the line and the source" grep -q "other:2: source 'erp' already exists with another token" <<<"$out"
check_eq "nothing of that file stored (one transaction)" "2" "$(count)"

printf 'new %s\nbad jy_123\n' "$T3" >"$JIUYE_TEST_TMP/bad"
out=$(ctl source sync "$JIUYE_TEST_TMP/bad" 2>&1) && rc=0 || rc=$?
check_eq "a malformed token: refused" "1" "$rc"
check "the refusal names the line and the rule" grep -q "bad:2: token of 'bad' must be \"jy_\" and 64 lower-case hex digits" <<<"$out"
check "the refusal never prints a token" test "$(grep -c "$T3" <<<"$out")" = 0
printf 'new %s not-a-key extra\n' "$T3" >"$JIUYE_TEST_TMP/extra"
check "a line with four fields: refused" grep -q 'extra:1: expected "NAME TOKEN \[CURVE_PUBLIC_KEY\]"' <<<"$(ctl source sync "$JIUYE_TEST_TMP/extra" 2>&1 || true)"
printf 'new %s not-a-key\n' "$T3" >"$JIUYE_TEST_TMP/nokey"
check "a third field that is not a CURVE key: refused" grep -q "nokey:1: CURVE public key of 'new' must be 40 characters of Z85" \
  <<<"$(ctl source sync "$JIUYE_TEST_TMP/nokey" 2>&1 || true)"
printf 'dup %s\ndup %s\n' "$T3" "$T3" >"$JIUYE_TEST_TMP/dup"
check "a name twice: refused" grep -q "dup:2: 'dup' is already on line 1" <<<"$(ctl source sync "$JIUYE_TEST_TMP/dup" 2>&1 || true)"
check_eq "still only the first two sources" "2" "$(count)"

# A CURVE public key with the token: the source signs in with it to the ZeroMQ front door.
eval "$(ctl keygen zq other)"
T4=$(newtok)
printf 'zmq-feed %s %s\n' "$T4" "$ZQ_CURVE_PUBLIC" >"$JIUYE_TEST_TMP/keys"
check_eq "a source with its CURVE key added" "sources: 1 added, 0 already there" "$(ctl source sync "$JIUYE_TEST_TMP/keys" 2>&1)"
check_eq "the key stored with it" "zmq-feed" "$(sql "SELECT name FROM intake.sources WHERE curve_public = '$ZQ_CURVE_PUBLIC'")"
check_eq "the same line again changes nothing" "sources: 0 added, 1 already there" "$(ctl source sync "$JIUYE_TEST_TMP/keys" 2>&1)"
printf 'zmq-feed %s %s\n' "$T4" "$OTHER_CURVE_PUBLIC" >"$JIUYE_TEST_TMP/rekey"
check "the same name with another key: refused" grep -q "rekey:1: source 'zmq-feed' already exists with another token or CURVE key" \
  <<<"$(ctl source sync "$JIUYE_TEST_TMP/rekey" 2>&1 || true)"
printf 'zmq-feed-2 %s %s\n' "$(newtok)" "$ZQ_CURVE_PUBLIC" >"$JIUYE_TEST_TMP/samekey"
check "another name with a key already registered: refused" \
  grep -q "samekey:1: curve public key is already registered for source 'zmq-feed'" <<<"$(ctl source sync "$JIUYE_TEST_TMP/samekey" 2>&1 || true)"
check_eq "nothing of those stored" "3" "$(count)"

ctl source revoke crm.district-1 >/dev/null
out=$(ctl source sync "$S" 2>&1) && rc=0 || rc=$?
check "a revoked source is not brought back by the file" grep -q "source 'crm.district-1' already exists with another token or CURVE key, or is revoked" <<<"$out"

export JIUYE_TODAY=2026-06-30
svc_start intake || lib_finish
ev='{"event_id":"s1","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"'$(make_cert_no 32070619900307123 4 3)'","name":"张三","employment_status":"employed","wants_job":false}}'
post() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data "$ev" "http://127.0.0.1:$INTAKE_HTTP_PORT/v1/events"; }
check_eq "intake accepts the synced token" "200" "$(post "$T1")"
check_eq "the event is stored under the synced source's name" "erp" "$(sql "SELECT source FROM intake.events WHERE event_id = 's1'")"
check_eq "a token that was never synced is refused" "401" "$(post "$T3")"
lib_finish
