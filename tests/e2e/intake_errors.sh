#!/usr/bin/env bash
# Intake's answers to bad input (docs/architecture.md "Public interfaces"): a malformed
# body is a 400 that names the problem and stores nothing; a bad event is
# rejected with "field: reason" while the good ones beside it are accepted;
# no token is a 401; too many events is a 413.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
svc_start intake
TOKEN=$("$JIUYE_BIN/jiuyectl" source add e2e-errors)
URL="http://127.0.0.1:$INTAKE_HTTP_PORT/v1/events"
BODY=$JIUYE_TEST_TMP/reply.json
# post CONTENT_TYPE DATA [TOKEN] -> prints the status; the reply is in $BODY
post() {
  curl -s -o "$BODY" -w '%{http_code}' -H "Content-Type: $1" ${3:+-H "Authorization: Bearer $3"} \
       --data-binary "$2" "$URL"
}
P=$(make_cert_no 32070619900307123 4 3)
BAD_CHECK=${P:0:17}$(( (${P:17:1} + 1) % 10 ))${P:18:2}
good='{"event_id":"g1","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"'$P'","name":"张三","employment_status":"unemployed","wants_job":true}}'
stored() { sql "SELECT count(*) FROM intake.events"; }

check_eq "no token: 401" "401" "$(post application/json "$good")"
check_eq "wrong token: 401" "401" "$(post application/json "$good" jy_0000)"
check_eq "nothing stored without a token" "0" "$(stored)"

check_eq "malformed JSON: 400" "400" "$(post application/json '[{"event_id": "x", ' "$TOKEN")"
check "400 names the problem and its place" grep -q 'malformed JSON at line 1, column' "$BODY"
check_eq "malformed JSON: nothing stored" "0" "$(stored)"
nd=$(printf '%s\n{"event_id": oops}\n' "$good")
check_eq "malformed NDJSON line: 400" "400" "$(post application/x-ndjson "$nd" "$TOKEN")"
check "400 names the NDJSON line" grep -q 'malformed JSON on line 2' "$BODY"
check_eq "malformed NDJSON: the good line before it is not stored either" "0" "$(stored)"
check_eq "a JSON string body: 400" "400" "$(post application/json '"hello"' "$TOKEN")"
check_eq "duplicate keys: 400" "400" "$(post application/json '{"event_id":"a","event_id":"b"}' "$TOKEN")"
check_eq "empty body: 400" "400" "$(post application/json '' "$TOKEN")"

bad_cert=${good//$P/$BAD_CHECK}
bad_cert=${bad_cert//\"g1\"/\"b1\"}
mixed="[$good, $bad_cert, 42, {\"event_id\":\"b3\",\"type\":\"no.such\",\"occurred_on\":\"2024-01-01\",\"district\":\"320706\",\"payload\":{}}]"
check_eq "a batch with bad events: 200" "200" "$(post application/json "$mixed" "$TOKEN")"
check "good event accepted beside bad ones" grep -q '{"event_id":"g1","status":"accepted"}' "$BODY"
check "bad check digit named" grep -q '"event_id":"b1","status":"rejected","error":"payload.cert_no: check digit should be' "$BODY"
check "non-object element rejected with its index" grep -q '{"index":2,"status":"rejected","error":"element 2: must be a JSON object"}' "$BODY"
check "unknown type rejected" grep -q '"event_id":"b3","status":"rejected","error":"type: unknown event type' "$BODY"
check_eq "only the good event stored" "1" "$(stored)"
check_eq "and only its outbox message" "1" "$(sql "SELECT count(*) FROM intake.outbox")"

future=${good//2024-01-15/2099-01-01}
future=${future//\"g1\"/\"f1\"}
post application/json "$future" "$TOKEN" >/dev/null
check "occurred_on after today rejected" grep -q '"error":"occurred_on: 2099-01-01 is later than today' "$BODY"

many=$JIUYE_TEST_TMP/many.ndjson
for i in $(seq 1 1001); do echo "${good//\"g1\"/\"m$i\"}"; done > "$many"
check_eq "1001 events in one request: 413" "413" "$(curl -s -o "$BODY" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' --data-binary @"$many" "$URL")"
check "413 says the limit" grep -q 'at most 1000' "$BODY"
check_eq "nothing of the oversized request stored" "1" "$(stored)"
head -c 9000000 /dev/zero | tr '\0' ' ' > "$many"
check_eq "body over 8 MiB: 413" "413" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @"$many" "$URL")"
check_eq "GET is not allowed: 405" "405" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL")"
check_eq "unknown path: 404" "404" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INTAKE_HTTP_PORT/v2/nothing")"
check_eq "healthz" '{"status":"ok","service":"intake"}' "$(curl -s "http://127.0.0.1:$INTAKE_HTTP_PORT/healthz")"
check_eq "readyz" "200" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INTAKE_HTTP_PORT/readyz")"
lib_finish
