#!/usr/bin/env bash
# One event followed through the four services' logs by its event_id (common/log.h's
# context): intake's line for the event it stored, the link consumers' lines for the
# message that carried it (rules, subsidy, notify, each with the message's id), notify's
# webhook delivery of its notification; and no log line holds a full cert_no or the
# person's name (tests/tools/pii_scan). JIUYE_LOG_LEVEL=debug: the per-message lines are
# debug lines.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2024-11-01 JIUYE_LOG_LEVEL=debug
CTL=$JIUYE_BIN/jiuyectl
TOOLS=$JIUYE_BIN/../tests/tools
HOOK_PORT=$((NOTIFY_HTTP_PORT + 110))
SINK=$JIUYE_TEST_TMP/event-logs-hooks
mkdir -p "$SINK"
# timeout: a safety net should this script die before it stops the sink
timeout 300 "$TOOLS/webhook_sink" "$HOOK_PORT" "$SINK" >>"$JIUYE_TEST_TMP/logs/webhook_sink.log" 2>&1 &
SINK_PID=$!
lib_at_exit 'kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; true'
wait_until 10 curl -fsS -o /dev/null -X POST "http://127.0.0.1:$HOOK_PORT/ping" || not_ok "webhook sink starts"

for s in notify subsidy rules intake; do svc_start "$s" || lib_finish; done
check "a webhook subscription" "$CTL" subscribe add trace-hook --channel webhook --target "http://127.0.0.1:$HOOK_PORT/t" --rule R01
SRC=$("$CTL" source add trace)
P=$(make_cert_no 32070619900307123 4 3)
PROV=$(make_credit_code 91320706MA1111110)
EV=trace-ev-7f3a
F=$JIUYE_TEST_TMP/event-logs.ndjson
{
    printf '{"event_id":"trace-reg","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"%s","name":"钱七","employment_status":"unemployed","wants_job":true}}\n' "$P"
    printf '{"event_id":"%s","type":"training.completed","occurred_on":"2024-03-10","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}\n' "$EV" "$P" "$PROV"
} >"$F"
check_eq "published" "2 accepted, 0 duplicate, 0 rejected" "$("$CTL" publish --token "$SRC" "$F" | tail -1)"
wait_until 30 sql_is "SELECT count(*) FROM notify.deliveries WHERE status = 'sent'" 1 || not_ok "the award's webhook delivered"
svc_stop_all

# Lines of a service's log about the event: its event_id as a JSON member.
lines() { grep -F "\"event_id\":\"$EV\"" "$(svc_log "$1")"; }
check "intake: the event stored, under its event_id and its message's id" \
    grep -qF "\"event_id\":\"$EV\",\"message_id\":\"intake/trace/$EV\"" "$(svc_log intake)"
check "intake's line says accepted" bash -c "grep -F '\"event_id\":\"$EV\"' '$(svc_log intake)' | grep -q 'accepted'"
check "rules: the message from intake handled, under the event" \
    grep -qF "\"event_id\":\"$EV\",\"message_id\":\"intake/trace/$EV\"" "$(svc_log rules)"
for s in subsidy notify; do
    check "$s: the message that carried the event handled, under the event and that message" \
        bash -c "grep -F '\"event_id\":\"$EV\",\"message_id\":\"' '$(svc_log "$s")' | grep -q 'message handled'"
done
check "notify: the webhook delivery of its notification, under the event" \
    bash -c "grep -F '\"event_id\":\"$EV\"' '$(svc_log notify)' | grep -q 'delivery [0-9]* sent'"
check_eq "the other event's lines are its own" "" "$(for s in intake rules subsidy notify; do lines "$s"; done | grep -F 'trace-reg')"
echo "# $(for s in intake rules subsidy notify; do lines "$s"; done | wc -l) lines name $EV in the four logs"

printf '钱七\n' >"$JIUYE_TEST_TMP/event-logs.names"
printf '%s\n' "$P" >"$JIUYE_TEST_TMP/event-logs.ids"
logs=()
for s in intake rules subsidy notify; do logs+=("$(svc_log "$s")"); done
out=$("$TOOLS/pii_scan" "$JIUYE_TEST_TMP/event-logs.names" "$JIUYE_TEST_TMP/event-logs.ids" "${logs[@]}") && rc=0 || rc=$?
check_eq "no full cert_no or name in the four debug logs" "0" "$rc${out:+ $(head -5 <<<"$out")}"
lib_finish
