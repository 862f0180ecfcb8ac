#!/usr/bin/env bash
# Intake stores batches on a thread of its own (services/intake/store_thread.h, issue 9):
# while PostgreSQL stores one batch, the loop serves other clients and takes the next
# requests, from both doors, which are stored after it in the order they came and each
# answered only after its own commit.
#
# A psql session holds intake.events locked, so the first batch's INSERT waits on the
# store thread's connection ("intake-store" in pg_stat_activity). Meanwhile /healthz and
# /metrics answer at once (jiuye_intake_batches_storing counts the waiting batches: an HTTP
# one, then a ZeroMQ one), and neither client has an answer. On release both are accepted,
# and the outbox holds the first batch's messages before the second's.
# With the batch stored on the loop thread (the code before), /healthz does not answer
# while the lock is held: the first checks fail.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
svc_start intake || lib_finish
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
TOKEN=$("$CTL" source add e2e-store-thread)
BASE_URL="http://127.0.0.1:$INTAKE_HTTP_PORT"

# event ID BASE17: one valid person.registered event
event() {
  printf '{"event_id":"%s","type":"person.registered","occurred_on":"2024-01-02","district":"320706","payload":{"cert_no":"%s","name":"测试","employment_status":"unemployed","wants_job":true}}\n' \
    "$1" "$(make_cert_no "$2" 4 3)"
}
{ event st-http-1 32070619900101001; event st-http-2 32070619900101002; } > "$T/first.ndjson"
{ event st-zmq-1 32070619900101003; event st-zmq-2 32070619900101004; } > "$T/second.ndjson"
storing() { curl -s --max-time 1 "$BASE_URL/metrics" | awk '$1 == "jiuye_intake_batches_storing" { print $2 }'; }
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
sleep 0.5
waiting=0
kill -0 "$first" 2>/dev/null && kill -0 "$second" 2>/dev/null && waiting=1
check_eq "no answer to either before their commit" "1 0" "$waiting $(cat "$T/first.out" "$T/second.out" | grep -c '^accepted')"
check_eq "nothing stored while the lock is held" "0" \
  "$(psql -X -tAq -U postgres -c "SET lock_timeout = '2s'; SELECT count(*) FROM intake.outbox")"

echo "COMMIT;" >&"${LOCKER[1]}"
exec {LOCKER[1]}>&-
wait "$LOCKER_PID" 2>/dev/null || true
rc1=0 rc2=0
wait "$first" || rc1=$?
wait "$second" || rc2=$?
check_eq "both publishers done" "0 0" "$rc1 $rc2"
check_eq "the HTTP batch accepted" "2" "$(grep -c '^accepted' "$T/first.out")"
check_eq "the ZeroMQ batch accepted" "2" "$(grep -c '^accepted' "$T/second.out")"
check_eq "stored once each" "4" "$(sql "SELECT count(*) FROM intake.events WHERE event_id LIKE 'st-%'")"
check_eq "the outbox in the order the batches came" "st-http-1 st-http-2 st-zmq-1 st-zmq-2" \
  "$(sql "SELECT string_agg(split_part(message_id, '/', 3), ' ' ORDER BY seq) FROM intake.outbox")"
check_eq "idle again" "0" "$(storing)"
lib_finish
