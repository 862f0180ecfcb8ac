#!/usr/bin/env bash
# The staff inbox beyond paging: acknowledgement (200, 404, 409 naming who,
# 400/405 for bad requests) and the Server-Sent Events stream: it sends the backlog,
# pushes a notification published after connecting, survives idle periods longer than
# the HTTP timeout (heartbeats), resumes with Last-Event-ID or ?after= without missing
# what was published while disconnected, and refuses streams beyond its bound.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-06-30
# Short HTTP timeout and heartbeat: a stream must outlive the first thanks to the second.
JIUYE_HTTP_TIMEOUT_S=1 NOTIFY_SSE_HEARTBEAT_MS=300 NOTIFY_SSE_MAX_STREAMS=3 svc_start notify || lib_finish
for s in subsidy rules intake; do svc_start $s || lib_finish; done
CTL=$JIUYE_BIN/jiuyectl
URL=http://127.0.0.1:$NOTIFY_HTTP_PORT
sql_is() { test "$(sql "$1")" = "$2"; }
TOKEN=$("$CTL" source add e2e-inbox)
P=$(make_cert_no 32070619900307123 4 3)
PROV=$(make_credit_code 91320706MA1111110)
ev_reg() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$@"; }
ev_train() { printf '{"event_id":"%s","type":"training.completed","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":%s}}\n' "$@"; }
publish() { "$CTL" publish --token "$TOKEN" "$1" >/dev/null; }
F=$JIUYE_TEST_TMP/inbox.ndjson
{ ev_reg r1 2024-01-15 320706 "$P"; ev_train t1 2024-05-10 320706 "$P" "$PROV" 180000; } >"$F"
publish "$F"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id = 't1'" 1 || not_ok "t1 notified"
N1=$(sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't1'")

# --- acknowledgement: in the name of the caller's token (a staff member of t1's district)
OP=$(token_for operator)
H7=$("$CTL" staff add hz-staff-07 --district 320706 --department cdpf)
H8=$("$CTL" staff add hz-staff-08 --district 320706 --department cdpf)
post() { curl -s -o "$JIUYE_TEST_TMP/reply" -w '%{http_code}' -X POST -H "Authorization: Bearer ${3:-$H7}" \
    -H 'Content-Type: application/json' --data "$2" "$URL$1"; }
check_eq "ack: 200" 200 "$(post "/v1/notifications/$N1/ack" '{"by":"hz-staff-07"}')"
check "ack: says who and when" grep -Eq "\"acked_at\":\"[0-9T:Z-]+\",\"acked_by\":\"hz-staff-07\"|\"acked_by\":\"hz-staff-07\",\"acked_at\":\"[0-9T:Z-]+\"" "$JIUYE_TEST_TMP/reply"
check_eq "ack again: 409" 409 "$(post "/v1/notifications/$N1/ack" '{"by":"hz-staff-08"}' "$H8")"
check "409 names who acknowledged" grep -q '"error":"already acknowledged by hz-staff-07 at ' "$JIUYE_TEST_TMP/reply"
check_eq "ack of an unknown id: 404" 404 "$(post /v1/notifications/999999/ack '{"by":"hz-staff-07"}')"
check_eq "ack naming someone else than the token's owner: 400" 400 "$(post "/v1/notifications/$N1/ack" '{"by":"hz-staff-99"}' "$H8")"
check "the 400 says why" grep -q "in the name of the caller's token (hz-staff-08)" "$JIUYE_TEST_TMP/reply"
check_eq "ack with a malformed body: 400" 400 "$(post "/v1/notifications/$N1/ack" 'nope')"
check_eq "ack with GET: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/notifications/$N1/ack")"
check_eq "other paths under /v1/notifications/: 404" 404 "$(post "/v1/notifications/$N1/nack" '{"by":"x"}')"
inbox=$(api -fsS "$URL/v1/notifications")
check "inbox shows the acknowledgement" grep -q '"acked_by":"hz-staff-07","acked_at":"' <<<"$inbox"
check_eq "the database records it" "hz-staff-07 true" "$(sql "SELECT acked_by || ' ' || (acked_at IS NOT NULL) FROM notify.notifications WHERE notification_id = $N1")"

# --- SSE
S1=$JIUYE_TEST_TMP/stream1.txt
curl -sN -H "Authorization: Bearer $OP" "$URL/v1/notifications/stream" >"$S1" 2>/dev/null &
C1=$!
wait_until 10 grep -q "^id: $N1\$" "$S1"
check "stream: sends the backlog" grep -q "^id: $N1\$" "$S1"
check "stream: event type" grep -q '^event: notification$' "$S1"
check "stream: data is the inbox object" grep -q "^data: {\"id\":$N1,\"ref_id\":\"e2e-inbox/t1/R01" "$S1"
sleep 2 # longer than JIUYE_HTTP_TIMEOUT_S: the stream must still be open
check "stream: heartbeat comments" grep -q '^: heartbeat$' "$S1"
ev_train t2 2024-06-10 320706 "$P" "$PROV" 120000 >"$F"
publish "$F"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id = 't2'" 1 || not_ok "t2 notified"
N2=$(sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't2'")
wait_until 10 grep -q "^id: $N2\$" "$S1"
check "stream: pushes a notification published after connecting (after an idle period)" grep -q "^id: $N2\$" "$S1"
check "stream: its title" grep -q '"title":"培训补贴 1200.00 元：3207\*\*\*\*\*\*\*\*\*\*' "$S1"
check_eq "stream: open streams in /metrics" "jiuye_sse_streams 1" "$(api -fsS "$URL/metrics" | grep '^jiuye_sse_streams ')"
kill "$C1" 2>/dev/null; wait "$C1" 2>/dev/null
wait_until 5 bash -c "api -fsS '$URL/metrics' | grep -qx 'jiuye_sse_streams 0'"
check_eq "stream: a client that leaves is dropped" "jiuye_sse_streams 0" "$(api -fsS "$URL/metrics" | grep '^jiuye_sse_streams ')"

# Disconnected while t3 is published: reconnecting with Last-Event-ID misses nothing.
last=$(sed -n 's/^id: //p' "$S1" | tail -1)
ev_train t3 2024-07-10 320706 "$P" "$PROV" 180000 >"$F"
publish "$F"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id = 't3'" 1 || not_ok "t3 notified"
N3=$(sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't3'")
S2=$JIUYE_TEST_TMP/stream2.txt
api -sN --max-time 2 -H "Last-Event-ID: $last" "$URL/v1/notifications/stream" >"$S2" 2>/dev/null || true
check_eq "Last-Event-ID: exactly what came after it" "$N3" "$(sed -n 's/^id: //p' "$S2" | paste -sd' ')"
S3=$JIUYE_TEST_TMP/stream3.txt
api -sN --max-time 2 "$URL/v1/notifications/stream?after=$N1" >"$S3" 2>/dev/null || true
check_eq "?after=: the same from a query parameter" "$N2 $N3" "$(sed -n 's/^id: //p' "$S3" | paste -sd' ')"
S4=$JIUYE_TEST_TMP/stream4.txt
api -sN --max-time 2 "$URL/v1/notifications/stream?district=320722" >"$S4" 2>/dev/null || true
check_eq "?district= filters" 0 "$(grep -c '^id: ' "$S4")"
check_eq "a bad Last-Event-ID: 400" 400 "$(api -s -o /dev/null -w '%{http_code}' -H 'Last-Event-ID: x1' "$URL/v1/notifications/stream")"

# At most NOTIFY_SSE_MAX_STREAMS (3 here) at once.
pids=()
for i in 1 2 3; do
    curl -sN -H "Authorization: Bearer $OP" "$URL/v1/notifications/stream" >/dev/null 2>&1 &
    pids+=($!)
done
wait_until 5 bash -c "api -fsS '$URL/metrics' | grep -qx 'jiuye_sse_streams 3'"
check_eq "a stream beyond the bound: 503" 503 "$(api -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/v1/notifications/stream")"
kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
# Streams still open at SIGTERM must not keep notify from stopping cleanly (lib_finish checks).
curl -sN -H "Authorization: Bearer $OP" "$URL/v1/notifications/stream" >/dev/null 2>&1 &
C5=$!
wait_until 5 bash -c "api -fsS '$URL/metrics' | grep -qx 'jiuye_sse_streams 1'"
svc_stop notify
kill "$C5" 2>/dev/null; wait "$C5" 2>/dev/null
lib_finish
