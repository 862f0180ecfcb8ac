#!/usr/bin/env bash
# Every event type of docs/policy.md §5 through both front doors: one valid event of
# each type is accepted over HTTP and, with other event_ids, over ZeroMQ (jiuyectl publish
# --zmq: EventBatch to intake's ROUTER), and both are stored alike. Each class of
# validation error gets the codec's exact "field: reason" over ZeroMQ, the same text as
# over HTTP; a batch with an unknown token or over 1000 events is refused whole; a revoked
# source is refused on both doors; GET /metrics counts by type, source and status.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
svc_start intake || lib_finish
CTL=$JIUYE_BIN/jiuyectl
# intake's ZeroMQ front door is a CURVE server under the harness's keys: each source signs
# in with a key pair of its own (jiuyectl publish reads e2e-all's from these two variables).
eval "$("$CTL" keygen upstream other)"
export JIUYE_CURVE_PUBLIC=$UPSTREAM_CURVE_PUBLIC JIUYE_CURVE_SECRET=$UPSTREAM_CURVE_SECRET
TOKEN=$("$CTL" source add e2e-all --curve-public "$JIUYE_CURVE_PUBLIC")
T=$JIUYE_TEST_TMP
METRICS_URL="http://127.0.0.1:$INTAKE_HTTP_PORT/metrics"

A=$(make_cert_no 32070619900307123 4 2)
B=$(make_cert_no 32072219850612456 1 4)
C=$(make_cert_no 32070719951130071 2 3)
EMP=$(make_credit_code 91320706MA1N2B3C4)
PROV=$(make_credit_code 52320700MJ5123456)
AGENCY=$(make_credit_code 91320700MA2K8P7Q1)
BASE=$(make_credit_code 12320722466001234)
BIZ=$(make_credit_code 92320706MA3D4E5F6)

# One valid event per type (index: type, occurred_on, district, payload in canonical form:
# every field in §5 order, booleans present, so the stored body must equal it).
TYPES=(person.registered training.completed employment.started employment.ended
       business.started graduate.registered internship.completed education.enrolled
       employer.annual_report recruitment.plan public_welfare_posts.created
       service.delivered vacancy.posted vacancy.closed)
DATES=(2024-03-01 2024-05-10 2023-11-01 2024-04-30 2024-07-01 2024-06-20 2024-12-31
       2024-09-01 2025-03-15 2025-01-10 2024-02-01 2024-03-15 2024-06-01 2024-10-01)
DISTRICTS=(320706 320706 320722 320722 320707 320707 320722 320722 320706 320700 320723
           320706 320706 320706)
PAYLOADS=(
  '{"cert_no":"'$A'","name":"张三","employment_status":"unemployed","wants_job":true,"low_income":false,"hard_to_employ":true}'
  '{"cert_no":"'$A'","provider_code":"'$PROV'","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}'
  '{"cert_no":"'$B'","employer_code":"'$EMP'","channel":"public_welfare_post","contract_months":24,"monthly_wage_fen":201000,"social_insurance":true,"agency_code":"'$AGENCY'"}'
  '{"cert_no":"'$B'","employer_code":"'$EMP'","reason":"合同到期"}'
  '{"cert_no":"'$C'","business_code":"'$BIZ'","kind":"individual"}'
  '{"cert_no":"'$C'","school":"连云港职业技术学院","graduation_year":2024,"wants_job":true}'
  '{"cert_no":"'$C'","base_code":"'$BASE'","months":6}'
  '{"cert_no":"'$B'","school":"南京特殊教育师范学院","academic_year":2024,"tuition_fen":500000}'
  '{"employer_code":"'$EMP'","employer_kind":"private","year":2024,"staff_count":200,"avg_wage_fen":900000,"levy_paid":false,"disabled_staff":[{"cert_no":"'$A'","contract_months":24,"monthly_wage_fen":300000,"social_insurance":true},{"cert_no":"'$B'","contract_months":12,"monthly_wage_fen":226000,"social_insurance":true},{"cert_no":"'$C'","contract_months":36,"monthly_wage_fen":250000,"social_insurance":false}]}'
  '{"employer_code":"'$EMP'","employer_kind":"soe","year":2025,"positions_total":200,"positions_reserved":3}'
  '{"year":2024,"posts_total":100,"posts_for_disabled":10}'
  '{"cert_no":"'$A'","service":"info_check","staff_id":"hz-staff-007"}'
  '{"vacancy_id":"hz:vac/2024-001","employer_code":"'$EMP'","title":"盲人按摩师","positions":3,"categories":[1,4],"max_severity":2,"course":"blind_massage","monthly_wage_fen":350000,"open_until":"2024-12-31"}'
  '{"vacancy_id":"hz:vac/2024-001","employer_code":"'$EMP'","filled":2}'
)
check_eq "one example per type of docs/policy.md §5" "14 14 14 14" "${#TYPES[@]} ${#DATES[@]} ${#DISTRICTS[@]} ${#PAYLOADS[@]}"

# event ID TYPE OCCURRED_ON DISTRICT PAYLOAD: one NDJSON line.
event() {
  printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@"
}
for prefix in h z; do
  for i in "${!TYPES[@]}"; do
    event "$prefix-$i" "${TYPES[$i]}" "${DATES[$i]}" "${DISTRICTS[$i]}" "${PAYLOADS[$i]}"
  done > "$T/valid-$prefix.ndjson"
done

# --- every type, both doors ---------------------------------------------------
out=$("$CTL" publish --token "$TOKEN" "$T/valid-h.ndjson")
check_eq "HTTP: all 14 types accepted" "14 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
out=$("$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" "$T/valid-z.ndjson")
check_eq "ZeroMQ: all 14 types accepted" "14 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
check_eq "ZeroMQ: results in batch order" "$(printf 'accepted z-%d\n' $(seq 0 13))" "$(head -14 <<<"$out" | tr -s ' ')"

for i in "${!TYPES[@]}"; do
  want="${TYPES[$i]}|${DATES[$i]}|${DISTRICTS[$i]}|e2e-all|true"
  check_eq "${TYPES[$i]}: stored as sent, over HTTP and ZeroMQ" "$want"$'\n'"$want" \
    "$(sql "SELECT type || '|' || occurred_on || '|' || district || '|' || source || '|' ||
                   (body->'payload' = '${PAYLOADS[$i]}'::jsonb AND body->>'type' = type)
              FROM intake.events WHERE event_id IN ('h-$i', 'z-$i') ORDER BY event_id")"
done
check_eq "the two doors store the same body" "14" \
  "$(sql "SELECT count(*) FROM intake.events h JOIN intake.events z ON z.event_id = 'z' || substr(h.event_id, 2)
           WHERE h.event_id LIKE 'h-%' AND (h.body - 'event_id') = (z.body - 'event_id')")"
check_eq "one outbox message per stored event" "28" "$(sql "SELECT count(*) FROM intake.outbox")"

out=$("$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" "$T/valid-z.ndjson")
check_eq "ZeroMQ: the same batch again is all duplicate" "0 accepted, 14 duplicate, 0 rejected" "$(tail -1 <<<"$out")"

# --- each class of validation error, over ZeroMQ and HTTP ----------------------
BAD_A=${A:0:17}$(( (${A:17:1} + 1) % 10 ))${A:18:2}      # wrong GB 11643 check digit
CAT8_A=${A:0:18}82                                        # disability category 8
BAD_PROV=${PROV:0:17}$([[ ${PROV:17:1} == 0 ]] && echo 1 || echo 0)
TRAIN=${PAYLOADS[1]} PERSON=${PAYLOADS[0]} VAC=${PAYLOADS[12]} REPORT=${PAYLOADS[8]}
NO_NAME='{"cert_no":"'$A'","employment_status":"unemployed","wants_job":true}'
OVER_PLAN='{"employer_code":"'$EMP'","employer_kind":"soe","year":2025,"positions_total":200,"positions_reserved":201}'
ENUMS_COURSE="vocational, entrepreneurship, blind_massage, new_media, ecommerce, heritage_craft"
# type | occurred_on | district | payload | the error the codec gives (empty: accepted)
ERRORS=(
  "training.completed|2024-05-10|320706|${TRAIN//$A/$BAD_A}|payload.cert_no: check digit should be ${A:17:1}"
  "training.completed|2024-05-10|320706|${TRAIN//$A/$CAT8_A}|payload.cert_no: category must be 1-7, got 8"
  "training.completed|2024-05-10|320706|${TRAIN//$PROV/$BAD_PROV}|payload.provider_code: check character should be '${PROV:17:1}'"
  "training.completed|2024-05-10|320799|$TRAIN|district: unknown district code '320799'"
  "training.completed|2024-02-30|320706|$TRAIN|occurred_on: must be a real date YYYY-MM-DD"
  "training.completed|2025-07-01|320706|$TRAIN|occurred_on: 2025-07-01 is later than today 2025-06-30"
  "training.completed|2024-05-10|320706|${TRAIN//vocational/cooking}|payload.course: must be one of $ENUMS_COURSE"
  "training.completed|2024-05-10|320706|${TRAIN//180000/-1}|payload.cost_fen: must be 0-10000000000 fen"
  "training.completed|2024-05-10|320706|$TRAIN|"
  "person.registered|2024-03-01|320706|$NO_NAME|payload.name: required"
  "vacancy.posted|2024-06-01|320706|${VAC//\[1,4\]/[1,2,3,4,5,6,7,1]}|payload.categories: must have 1-7 entries"
  "vacancy.posted|2024-06-01|320706|${VAC//\[1,4\]/[1,9]}|payload.categories[1]: must be 1-7"
  "vacancy.posted|2024-06-01|320706|${VAC//2024-12-31/2024-13-01}|payload.open_until: must be a real date YYYY-MM-DD"
  "employer.annual_report|2025-03-15|320706|${REPORT//$B/$BAD_A}|payload.disabled_staff[1].cert_no: check digit should be ${A:17:1}"
  "recruitment.plan|2025-01-10|320700|$OVER_PLAN|payload.positions_reserved: 201 is more than positions_total 200"
  "no.such|2024-05-10|320706|{}|type: unknown event type 'no.such'"
)
NE=${#ERRORS[@]}
for prefix in ez eh; do
  for k in "${!ERRORS[@]}"; do
    IFS='|' read -r type date district payload _ <<<"${ERRORS[$k]}"
    event "$prefix-$k" "$type" "$date" "$district" "$payload"
  done > "$T/errors-$prefix.ndjson"
done
expected_results() { # PREFIX: what jiuyectl prints for the error file
  local k err
  for k in "${!ERRORS[@]}"; do
    err=${ERRORS[$k]##*|}
    if [[ -z "$err" ]]; then echo "accepted $1-$k"; else echo "rejected $1-$k $err"; fi
  done
  echo "1 accepted, 0 duplicate, $((NE - 1)) rejected"
}
zout=$("$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" "$T/errors-ez.ndjson")
check_eq "ZeroMQ: every error class named exactly, the valid event accepted beside them" \
  "$(expected_results ez)" "$(tr -s ' ' <<<"$zout")"
hout=$("$CTL" publish --token "$TOKEN" "$T/errors-eh.ndjson")
check_eq "HTTP: the same texts (one validation for both doors)" \
  "$(expected_results eh)" "$(tr -s ' ' <<<"$hout")"
check_eq "only the valid ones of the error batches stored" "2" \
  "$(sql "SELECT count(*) FROM intake.events WHERE event_id LIKE 'e%'")"

event z-1 training.completed 2024-05-11 320706 "$TRAIN" > "$T/conflict.ndjson"
out=$("$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" "$T/conflict.ndjson")
check_eq "ZeroMQ: an event_id again with other content is rejected" \
  "rejected z-1 event_id: already used by this source for an event with different content" \
  "$(head -1 <<<"$out" | tr -s ' ')"
check_eq "and the stored event is unchanged" "2024-05-10" "$(sql "SELECT occurred_on FROM intake.events WHERE event_id = 'z-1'")"

# --- whole-batch refusals -------------------------------------------------------
stored_before=$(sql "SELECT count(*) FROM intake.events")
rc=0
out=$("$CTL" publish --zmq "$INTAKE_ZMQ" --token jy_0000 "$T/valid-z.ndjson" 2>&1) || rc=$?
check_eq "ZeroMQ: unknown token refused" \
  "jiuyectl: $T/valid-z.ndjson: zmq $INTAKE_ZMQ: unauthorized: unknown or revoked token|2" "$(head -1 <<<"$out")|$rc"
for i in $(seq 1 1001); do event "m-$i" "${TYPES[0]}" "${DATES[0]}" "${DISTRICTS[0]}" "$PERSON"; done > "$T/many.ndjson"
rc=0
out=$("$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" --batch 1001 "$T/many.ndjson" 2>&1) || rc=$?
check_eq "ZeroMQ: 1001 events in one batch refused" \
  "jiuyectl: $T/many.ndjson: zmq $INTAKE_ZMQ: too many events: 1001 in one batch; at most 1000|2" "$(head -1 <<<"$out")|$rc"
rc=0
out=$("$CTL" publish --token "$TOKEN" --batch 1001 "$T/many.ndjson" 2>&1) || rc=$?
check_eq "HTTP: 1001 events in one request refused" \
  "jiuyectl: $T/many.ndjson: HTTP 413: 1001 events in one request; at most 1000|2" "$(head -1 <<<"$out")|$rc"
check_eq "nothing of the refused batches stored" "$stored_before" "$(sql "SELECT count(*) FROM intake.events")"

# --- metrics ------------------------------------------------------------------
metric() { # NAME{LABELS}: its value, or "absent"
  local v
  v=$(api -s "$METRICS_URL" | grep -F "$1 " | awk '{print $2}')
  echo "${v:-absent}"
}
received=$((14 + 14 + NE + NE + 14 + 1))
check_eq "metrics: events received from the source, both doors" "$received" \
  "$(metric 'jiuye_events_received_total{source="e2e-all"}')"
check_eq "metrics: person.registered accepted (HTTP + ZeroMQ), duplicate" "2 1" \
  "$(metric 'jiuye_events_total{type="person.registered",source="e2e-all",status="accepted"}') $(metric 'jiuye_events_total{type="person.registered",source="e2e-all",status="duplicate"}')"
check_eq "metrics: training.completed accepted 2 + 2 valid beside errors, rejected" "4 $(( 2 * 8 + 1 ))" \
  "$(metric 'jiuye_events_total{type="training.completed",source="e2e-all",status="accepted"}') $(metric 'jiuye_events_total{type="training.completed",source="e2e-all",status="rejected"}')"
check_eq "metrics: an unknown type counts as type=\"unknown\"" "2" \
  "$(metric 'jiuye_events_total{type="unknown",source="e2e-all",status="rejected"}')"
check_eq "metrics: vacancy.closed accepted, duplicate, never rejected" "2 1 absent" \
  "$(metric 'jiuye_events_total{type="vacancy.closed",source="e2e-all",status="accepted"}') $(metric 'jiuye_events_total{type="vacancy.closed",source="e2e-all",status="duplicate"}') $(metric 'jiuye_events_total{type="vacancy.closed",source="e2e-all",status="rejected"}')"
check_eq "metrics: the counters by type add up to received" "$received" \
  "$(api -s "$METRICS_URL" | awk '/^jiuye_events_total\{.*source="e2e-all"/ {s += $2} END {print s + 0}')"
check_eq "metrics: accepted over all types" "$(sql "SELECT count(*) FROM intake.events")" \
  "$(api -s "$METRICS_URL" | awk '/^jiuye_events_total\{.*status="accepted"/ {s += $2} END {print s + 0}')"
check "metrics: declared as counters" grep -q '^# TYPE jiuye_events_total counter$' <(api -s "$METRICS_URL")

# --- revocation ---------------------------------------------------------------
OTHER=$("$CTL" source add e2e-other --curve-public "$OTHER_CURVE_PUBLIC")
check_eq "source revoke" "source 'e2e-all' revoked" "$("$CTL" source revoke e2e-all)"
out=$("$CTL" source revoke e2e-all); rc=$?
check_eq "source revoke again: already revoked, still fine" "source 'e2e-all' was already revoked|0" "$out|$rc"
rc=0
"$CTL" source revoke no-such-source >/dev/null 2>"$T/revoke.err" || rc=$?
check_eq "source revoke of an unknown name fails" "jiuyectl: cannot revoke source: no source named 'no-such-source'|1" \
  "$(cat "$T/revoke.err")|$rc"
check "source list: name, created_at, revoked or active" grep -qE \
  '^e2e-all +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  revoked [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <("$CTL" source list)
check_eq "source list: every source, by name" "e2e-all revoked
e2e-other active" "$("$CTL" source list | awk '{print $1, $3}')"
check_eq "revoked token: HTTP 401" "401" \
  "$(curl -s -o "$T/401.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @"$T/valid-h.ndjson" \
      "http://127.0.0.1:$INTAKE_HTTP_PORT/v1/events")"
check "the 401 says why" grep -q 'unknown or revoked token' "$T/401.json"
rc=0
# (Over a connection e2e-other's key signed in: e2e-all's own key no longer gets in at all,
# tests/e2e/intake_zmq_curve.sh.)
out=$(JIUYE_CURVE_PUBLIC=$OTHER_CURVE_PUBLIC JIUYE_CURVE_SECRET=$OTHER_CURVE_SECRET \
      "$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" "$T/valid-z.ndjson" 2>&1) || rc=$?
check_eq "revoked token: ZeroMQ unauthorized" \
  "jiuyectl: $T/valid-z.ndjson: zmq $INTAKE_ZMQ: unauthorized: unknown or revoked token|2" "$(head -1 <<<"$out")|$rc"
out=$(JIUYE_CURVE_PUBLIC=$OTHER_CURVE_PUBLIC JIUYE_CURVE_SECRET=$OTHER_CURVE_SECRET \
      "$CTL" publish --zmq "$INTAKE_ZMQ" --token "$OTHER" "$T/valid-z.ndjson")
check_eq "another source still publishes (its own event_ids)" "14 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
check_eq "metrics: the second source counted apart" "14" \
  "$(metric 'jiuye_events_received_total{source="e2e-other"}')"
lib_finish
