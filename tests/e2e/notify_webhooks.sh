#!/usr/bin/env bash
# Webhook deliveries end to end, against a real receiver on loopback
# (tests/tools/webhook_sink): training events through all four services give R01 award
# notifications; each matching webhook subscription gets one delivery per notification.
# json: body signed with X-Signature (checked with openssl), Idempotency-Key; retry with
# backoff on 5xx then success; no retry on 400; failed after the last attempt, visible in
# the inbox and /metrics; WeCom and DingTalk markdown payloads (DingTalk's sign checked);
# a body with an unmasked cert_no is refused; a receiver down while notify is killed -9
# receives everything once both are back; the same events twice deliver nothing more.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-06-30
export JIUYE_WEBHOOK_BASE_DELAY_MS=100 JIUYE_WEBHOOK_MAX_ATTEMPTS=4 JIUYE_WEBHOOK_TIMEOUT_MS=2000
TOOLS=$JIUYE_BIN/../tests/tools
HOOK_PORT=$((NOTIFY_HTTP_PORT + 100))
HOOK=http://127.0.0.1:$HOOK_PORT
SINK=$JIUYE_TEST_TMP/hooks
mkdir -p "$SINK"
SINK_PID=
sink_start() {
    # timeout: a safety net should this script die before sink_stop
    timeout 600 "$TOOLS/webhook_sink" "$HOOK_PORT" "$SINK" /flaky=500,500,200 /bad=400 /down=503 \
        >>"$JIUYE_TEST_TMP/logs/webhook_sink.log" 2>&1 &
    SINK_PID=$!
    wait_until 10 curl -fsS -o /dev/null -X POST "$HOOK/ping"
}
sink_stop() { [[ -z "$SINK_PID" ]] || { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }; }
sink_start || not_ok "webhook sink starts"

for s in notify subsidy rules intake; do svc_start $s || lib_finish; done
CTL=$JIUYE_BIN/jiuyectl
# wait_until evaluates its arguments once: these re-run the query each time.
sql_ge() { test "$(sql "$1")" -ge "$2"; }
sql_is() { test "$(sql "$1")" = "$2"; }
sub() { "$CTL" subscribe add "$@" --rule R01 >/dev/null; }
check "subscribe json (signed)" sub hook-ok --channel webhook --target "$HOOK/ok" --format json --secret 's3cret!' --district 320706
check "subscribe json flaky" sub hook-flaky --channel webhook --target "$HOOK/flaky" --secret k2
check "subscribe json bad" sub hook-bad --channel webhook --target "$HOOK/bad"
check "subscribe json down" sub hook-down --channel webhook --target "$HOOK/down"
check "subscribe wecom" sub hook-wecom --channel webhook --target "$HOOK/wecom?key=abc" --format wecom
check "subscribe dingtalk (signed)" sub hook-ding --channel webhook --target "$HOOK/ding?access_token=t0k" --format dingtalk --secret SECd1ng
check "subscribe inbox (no deliveries)" sub inbox-hz --channel inbox --district 320706
out=$("$CTL" subscribe add x --channel webhook --target ftp://x 2>&1 || true)
check "a webhook needs an http(s) URL" grep -q 'target: a webhook needs an http' <<<"$out"
out=$("$CTL" subscribe add y --channel webhook --target "$HOOK/y" --district 999999 2>&1 || true)
check "unknown district refused" grep -q "unknown district code '999999'" <<<"$out"
out=$("$CTL" subscribe add hook-ok --channel email --target a@b.example 2>&1 || true)
check "duplicate name refused" grep -q "already exists" <<<"$out"
list=$("$CTL" subscribe list)
check_eq "subscribe list shows seven" 7 "$(wc -l <<<"$list")"
check "list marks signed subscriptions, never shows secrets" bash -c '! grep -q "s3cret" <<<"$1" && grep -q "hook-ok .* (signed)" <<<"$1"' _ "$list"

TOKEN=$("$CTL" source add e2e-hooks)
P=$(make_cert_no 32070619900307123 4 3)
PROV=$(make_credit_code 91320706MA1111110)
ev_reg() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$@"; }
ev_train() { printf '{"event_id":"%s","type":"training.completed","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":%s}}\n' "$@"; }
F=$JIUYE_TEST_TMP/hooks1.ndjson
{ ev_reg r1 2024-01-15 320706 "$P"; ev_train t1 2024-05-10 320706 "$P" "$PROV" 180000; } >"$F"
check_eq "events accepted" "2 accepted, 0 duplicate, 0 rejected" "$("$CTL" publish --token "$TOKEN" "$F" | tail -1)"

N1=$(wait_until 30 sql_ge "SELECT count(*) FROM notify.notifications WHERE rule = 'R01'" 1; sql "SELECT notification_id FROM notify.notifications WHERE rule = 'R01'")
check_eq "one delivery per webhook subscription, none for the inbox one" 6 "$(sql "SELECT count(*) FROM notify.deliveries WHERE notification_id = $N1")"
did() { sql "SELECT delivery_id FROM notify.deliveries d JOIN notify.subscriptions s USING (subscription_id) WHERE s.name = '$1' AND d.notification_id = ${2:-$N1}"; }
dstate() { sql "SELECT status || ' ' || attempts || ' ' || coalesce(last_code::text, '-') FROM notify.deliveries WHERE delivery_id = $1"; }
done_all() { test "$(sql "SELECT count(*) FROM notify.deliveries WHERE status = 'pending'")" = 0; }
wait_until 30 done_all || not_ok "every delivery settled" "$(sql "SELECT * FROM notify.deliveries")"

# Requests the sink got for a path: "n<TAB>path<TAB>status<TAB>key<TAB>sig<TAB>uri" lines.
reqs() { awk -F'\t' -v p="$1" '$2 == p' "$SINK/requests.log"; }
# json, signed
r=$(reqs /ok)
check_eq "json: one request" 1 "$(wc -l <<<"$r")"
n=$(cut -f1 <<<"$r")
check_eq "json: Idempotency-Key is the delivery id" "$(did hook-ok)" "$(cut -f4 <<<"$r")"
want=$(openssl dgst -sha256 -hmac 's3cret!' <"$SINK/$n.body" | sed 's/.*= //')
check_eq "json: X-Signature is the HMAC-SHA256 of the body (openssl)" "sha256=$want" "$(cut -f5 <<<"$r")"
check "json: body is the notification" grep -q '"title":"培训补贴 1500.00 元：3207\*\*\*\*\*\*\*\*\*\*' "$SINK/$n.body"
check "json: body names its delivery" grep -q "\"delivery_id\":$(did hook-ok)" "$SINK/$n.body"
check_eq "json: body never holds the full cert_no" 0 "$(grep -c "$P" "$SINK/$n.body")"
check_eq "json: delivery sent on the first attempt" "sent 1 200" "$(dstate "$(did hook-ok)")"
# retry on 500 then success
r=$(reqs /flaky)
check_eq "flaky: 500, 500, then 200" "500 500 200" "$(cut -f3 <<<"$r" | paste -sd' ')"
check_eq "flaky: the same Idempotency-Key each time" "$(did hook-flaky)" "$(cut -f4 <<<"$r" | sort -u)"
check_eq "flaky: sent after 3 attempts" "sent 3 200" "$(dstate "$(did hook-flaky)")"
# no retry on 4xx
sleep 1
check_eq "400: one request, no retry" 1 "$(reqs /bad | wc -l)"
check_eq "400: failed at once" "failed 1 400" "$(dstate "$(did hook-bad)")"
# failed after the last attempt
check_eq "503 always: JIUYE_WEBHOOK_MAX_ATTEMPTS requests" 4 "$(reqs /down | wc -l)"
check_eq "503 always: failed after 4 attempts" "failed 4 503" "$(dstate "$(did hook-down)")"
inbox=$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications?after=$((N1 - 1))&limit=1")
check "inbox shows the failed delivery" grep -q '"subscription":"hook-down","channel":"webhook","status":"failed","attempts":4,"last_code":503' <<<"$inbox"
check "inbox shows the sent deliveries" grep -q '"subscription":"hook-ok","channel":"webhook","status":"sent"' <<<"$inbox"
metrics=$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/metrics")
check "metrics: failed webhooks" grep -qx 'jiuye_deliveries_total{channel="webhook",status="failed"} 2' <<<"$metrics"
check "metrics: sent webhooks" grep -qx 'jiuye_deliveries_total{channel="webhook",status="sent"} 4' <<<"$metrics"
# WeCom
r=$(reqs /wecom)
n=$(cut -f1 <<<"$r")
check "wecom: markdown message" grep -q '^{"msgtype":"markdown","markdown":{"content":"### 培训补贴 1500.00 元' "$SINK/$n.body"
check "wecom: the robot URL kept its key" grep -q $'\t/wecom?key=abc$' <<<"$r"
# DingTalk: sign = urlencode(base64(HMAC-SHA256(secret, "timestamp\nsecret")))
r=$(reqs /ding)
n=$(cut -f1 <<<"$r")
uri=$(cut -f6 <<<"$r")
ts=$(sed -n 's/.*[?&]timestamp=\([0-9]*\).*/\1/p' <<<"$uri")
sign=$(sed -n 's/.*[?&]sign=\([^&]*\).*/\1/p' <<<"$uri")
want=$(printf '%s\n%s' "$ts" SECd1ng | openssl dgst -sha256 -hmac SECd1ng -binary | base64 | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
check "dingtalk: access_token kept, timestamp in ms" grep -Eq '^/ding\?access_token=t0k&timestamp=[0-9]{13}&sign=' <<<"$uri"
check_eq "dingtalk: sign verifies" "$want" "$sign"
check "dingtalk: markdown message with title and text" grep -q '^{"msgtype":"markdown","markdown":{"title":"培训补贴 1500.00 元：3207\*\*\*\*\*\*\*\*\*\*[0-9]*","text":"### ' "$SINK/$n.body"

# The same events again: intake says duplicate, no new notification, no new delivery.
before=$(wc -l <"$SINK/requests.log")
check_eq "same events again are duplicates" "0 accepted, 2 duplicate, 0 rejected" "$("$CTL" publish --token "$TOKEN" "$F" | tail -1)"
sleep 1
check_eq "still one delivery per (award, subscription)" "6 6" "$(sql "SELECT count(*) || ' ' || count(DISTINCT (notification_id, subscription_id)) FROM notify.deliveries")"
check_eq "the receiver got nothing more" "$before" "$(wc -l <"$SINK/requests.log")"
check "the unique key refuses a second delivery of a pair" bash -c '! psql -X -qtA -U postgres -c "INSERT INTO notify.deliveries (notification_id, subscription_id, channel) SELECT notification_id, subscription_id, channel FROM notify.deliveries LIMIT 1" 2>/dev/null'

# An unmasked cert_no in the text (here inside an upstream event_id) is never sent.
F2=$JIUYE_TEST_TMP/hooks2.ndjson
ev_train "leak-$P" 2024-06-10 320706 "$P" "$PROV" 120000 >"$F2"
"$CTL" publish --token "$TOKEN" "$F2" >/dev/null
wait_until 20 sql_is "SELECT count(*) FROM notify.deliveries d JOIN notify.notifications n USING (notification_id) WHERE n.event_id = 'leak-$P' AND d.status = 'failed'" 6
check_eq "refused: every delivery of it failed without a request" "6 0" "$(sql "SELECT count(*) FILTER (WHERE d.last_error LIKE 'refused%') || ' ' || count(*) FILTER (WHERE d.last_code IS NOT NULL) FROM notify.deliveries d JOIN notify.notifications n USING (notification_id) WHERE n.event_id = 'leak-$P'")"
check_eq "refused: nothing reached the receiver" "$before" "$(wc -l <"$SINK/requests.log")"
check "refused: logged without the number" bash -c 'grep -q "refused: its text holds an unmasked cert_no" "$1" && ! grep -q "$2" "$1"' _ "$(svc_log notify)" "$P"

# Receiver down, notify killed -9 with deliveries pending; both back: everything arrives once.
svc_stop notify
export JIUYE_WEBHOOK_MAX_ATTEMPTS=40 JIUYE_WEBHOOK_MAX_DELAY_MS=300
svc_start notify || lib_finish
sink_stop
F3=$JIUYE_TEST_TMP/hooks3.ndjson
ev_train t3 2024-07-10 320706 "$P" "$PROV" 180000 >"$F3"
"$CTL" publish --token "$TOKEN" "$F3" >/dev/null
N3=$(wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id = 't3'" 1; sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't3'")
wait_until 20 sql_ge "SELECT coalesce(min(attempts), 0) FROM notify.deliveries WHERE notification_id = ${N3:-0}" 2
check_eq "receiver down: all six pending after retries" "6" "$(sql "SELECT count(*) FROM notify.deliveries WHERE notification_id = ${N3:-0} AND status = 'pending' AND attempts >= 2")"
svc_kill9 notify
sink_start || not_ok "webhook sink restarts"
svc_start notify || lib_finish
wait_until 30 sql_is "SELECT count(*) FROM notify.deliveries WHERE notification_id = ${N3:-0} AND status = 'sent'" 4
check_eq "after restart: ok, flaky, wecom, ding sent" "hook-ding hook-flaky hook-ok hook-wecom" "$(sql "SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM notify.deliveries d JOIN notify.subscriptions s USING (subscription_id) WHERE d.notification_id = ${N3:-0} AND d.status = 'sent'")"
check_eq "after restart: the json receiver got the delivery once" 1 "$(reqs /ok | awk -F'\t' -v k="$(did hook-ok "${N3:-0}")" '$4 == k' | wc -l)"
check_eq "after restart: 400 fails at once" "failed" "$(sql "SELECT status FROM notify.deliveries WHERE delivery_id = $(did hook-bad "${N3:-0}")")"
sink_stop
lib_finish
