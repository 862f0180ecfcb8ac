#!/usr/bin/env bash
# Intake stores batches on a thread of its own (services/intake/store_thread.h):
# while PostgreSQL stores one batch, the loop serves other clients and takes the next
# requests, from both doors, which are stored after it in the order they came and each
# answered only after its own commit.
#
# A psql session holds intake.events locked, so the first batch's INSERT waits on the
# store thread's connection ("intake-store" in pg_stat_activity). Meanwhile /healthz and
# /metrics answer at once (jiuye_intake_batches_storing counts the waiting batches: an HTTP
# one, then a ZeroMQ one, then two more HTTP ones), and no client has an answer. On release
# the first batch commits alone and the three that queued behind it commit together, in
# one transaction (the same xmin): group commit. Each answer is what storing them one by
# one would give: an event the ZeroMQ batch carried, sent again by the same source in the
# next batch, is `duplicate`; the same event_id from another source is `accepted`. The
# outbox holds the messages in the order the batches came.
# With the batch stored on the loop thread, /healthz does not answer
# while the lock is held: the first checks fail; with a transaction per batch, the
# xmin check fails.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
svc_start intake || lib_finish
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
# intake's ZeroMQ front door is a CURVE server under the harness's keys: the source signs
# in with a key pair of its own (jiuyectl publish reads it from these two variables).
eval "$("$CTL" keygen upstream)"
export JIUYE_CURVE_PUBLIC=$UPSTREAM_CURVE_PUBLIC JIUYE_CURVE_SECRET=$UPSTREAM_CURVE_SECRET
TOKEN=$("$CTL" source add e2e-store-thread --curve-public "$JIUYE_CURVE_PUBLIC")
TOKEN2=$("$CTL" source add e2e-store-thread-2)
BASE_URL="http://127.0.0.1:$INTAKE_HTTP_PORT"

# event ID BASE17: one valid person.registered event
event() {
  printf '{"event_id":"%s","type":"person.registered","occurred_on":"2024-01-02","district":"320706","payload":{"cert_no":"%s","name":"测试","employment_status":"unemployed","wants_job":true}}\n' \
    "$1" "$(make_cert_no "$2" 4 3)"
}
{ event st-http-1 32070619900101001; event st-http-2 32070619900101002; } > "$T/first.ndjson"
{ event st-zmq-1 32070619900101003; event st-zmq-2 32070619900101004; } > "$T/second.ndjson"
event st-zmq-2 32070619900101004 > "$T/third.ndjson" # the same event again, same source: duplicate
event st-zmq-2 32070619900101005 > "$T/fourth.ndjson" # the same event_id from the other source
storing() { api -s --max-time 1 "$BASE_URL/metrics" | awk '$1 == "jiuye_intake_batches_storing" { print $2 }'; }
store_waits() {
  sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'intake-store' AND wait_event_type = 'Lock'"
}

check_eq "idle: no batch with the store thread" "0" "$(storing)"

# The lock, held by a psql coprocess until it is told to commit.
coproc LOCKER { psql -X -tAq -v ON_ERROR_STOP=1 -U postgres 2>&1; }
echo "BEGIN; LOCK TABLE intake.events IN EXCLUSIVE MODE; SELECT 'locked';" >&"${LOCKER[1]}"
read -r -t 10 said <&"${LOCKER[0]}" || said="(nothing)"
check_eq "intake.events locked" "locked" "$said"

"$CTL" publish --token "$TOKEN" "$T/first.ndjson" > "$T/first.out" 2>&1 &
first=$!
check "the first batch waits on the lock, on the store thread's connection" wait_until 10 output_is 1 store_waits
check_eq "meanwhile the loop answers /healthz" "200" \
  "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$BASE_URL/healthz")"
check_eq "meanwhile /metrics: one batch with the store thread" "1" "$(storing)"

"$CTL" publish --zmq "$INTAKE_ZMQ" --token "$TOKEN" "$T/second.ndjson" > "$T/second.out" 2>&1 &
second=$!
check "a ZeroMQ batch sent meanwhile is taken and waits behind it" wait_until 10 output_is 2 storing
"$CTL" publish --token "$TOKEN" "$T/third.ndjson" > "$T/third.out" 2>&1 &
third=$!
wait_until 10 output_is 3 storing
"$CTL" publish --token "$TOKEN2" "$T/fourth.ndjson" > "$T/fourth.out" 2>&1 &
fourth=$!
check "four batches with the store thread" wait_until 10 output_is 4 storing
# A client that gives up before its answer: its request is answered into the void, not freed twice.
event st-gone-1 32070619900101006 > "$T/gone.ndjson"
gone=0
curl -s -o /dev/null --max-time 1 -H "Authorization: Bearer $TOKEN2" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$T/gone.ndjson" "$BASE_URL/v1/events" || gone=$?
check_eq "a client gives up while its batch waits (curl: 28, timed out)" "28" "$gone"
sleep 0.5
waiting=0
kill -0 "$first" 2>/dev/null && kill -0 "$second" 2>/dev/null && kill -0 "$third" 2>/dev/null &&
  kill -0 "$fourth" 2>/dev/null && waiting=1
check_eq "no answer to any before their commit" "1 0" \
  "$waiting $(cat "$T/first.out" "$T/second.out" "$T/third.out" "$T/fourth.out" | grep -cE '^(accepted|duplicate)')"
check_eq "nothing stored while the lock is held" "0" \
  "$(psql -X -tAq -U postgres -c "SET lock_timeout = '2s'; SELECT count(*) FROM intake.outbox")"

echo "COMMIT;" >&"${LOCKER[1]}"
exec {LOCKER[1]}>&-
wait "$LOCKER_PID" 2>/dev/null || true
rcs=""
for pid in "$first" "$second" "$third" "$fourth"; do
  rc=0
  wait "$pid" || rc=$?
  rcs+="$rc "
done
check_eq "the four publishers done" "0 0 0 0 " "$rcs"
check_eq "the first HTTP batch accepted" "2" "$(grep -c '^accepted' "$T/first.out")"
check_eq "the ZeroMQ batch accepted" "2" "$(grep -c '^accepted' "$T/second.out")"
check_eq "its event sent again by the same source: duplicate" "duplicate st-zmq-2" \
  "$(grep -E '^(accepted|duplicate|rejected)' "$T/third.out" | tr -s ' ')"
check_eq "the same event_id from the other source: accepted" "accepted st-zmq-2" \
  "$(grep -E '^(accepted|duplicate|rejected)' "$T/fourth.out" | tr -s ' ')"
check_eq "stored once each, the batch of the client that left too" "6" \
  "$(sql "SELECT count(*) FROM intake.events WHERE event_id LIKE 'st-%'")"
check_eq "the first batch in a transaction of its own, the four behind it in one" "1 1 2" \
  "$(sql "SELECT concat_ws(' ', count(DISTINCT xmin::text) FILTER (WHERE event_id LIKE 'st-http-%'),
                 count(DISTINCT xmin::text) FILTER (WHERE event_id LIKE 'st-zmq-%'),
                 count(DISTINCT xmin::text)) FROM intake.events WHERE event_id LIKE 'st-%'")"
check_eq "the outbox in the order the batches came" \
  "e2e-store-thread/st-http-1 e2e-store-thread/st-http-2 e2e-store-thread/st-zmq-1 e2e-store-thread/st-zmq-2 e2e-store-thread-2/st-zmq-2 e2e-store-thread-2/st-gone-1" \
  "$(sql "SELECT string_agg(substr(message_id, 8), ' ' ORDER BY seq) FROM intake.outbox")"
check_eq "idle again" "0" "$(storing)"
check_eq "and still serving" "200" "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$BASE_URL/healthz")"
lib_finish
