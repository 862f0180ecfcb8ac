#!/usr/bin/env bash
# Email deliveries against a real SMTP server on loopback (tests/tools/smtp_sink):
# an R01 award notification reaches the subscribed address from NOTIFY_SMTP_FROM, with a
# UTF-8 subject in RFC 2047 encoded words that decodes to the notification's title, a
# text/plain UTF-8 body, identities masked; a server down at first gets it once it is up.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-06-30
SMTP_PORT=$((NOTIFY_HTTP_PORT + 101))
export NOTIFY_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT NOTIFY_SMTP_FROM=jiuye@lyg.example
export JIUYE_WEBHOOK_BASE_DELAY_MS=100 JIUYE_WEBHOOK_MAX_DELAY_MS=200 JIUYE_WEBHOOK_MAX_ATTEMPTS=100
MAIL=$JIUYE_TEST_TMP/mail
mkdir -p "$MAIL"
for s in notify subsidy rules intake; do svc_start $s || lib_finish; done
CTL=$JIUYE_BIN/jiuyectl
sql_is() { test "$(sql "$1")" = "$2"; }
check "subscribe email" "$CTL" subscribe add mail-hz --channel email --target staff@hz.example --district 320706 --rule R01
out=$("$CTL" subscribe add mail-bad --channel email --target 'a@b.example>\r\nBcc: x@y' 2>&1 || true)
check "an address with header characters is refused" grep -q 'target: an email subscription needs an address' <<<"$out"

TOKEN=$("$CTL" source add e2e-mail)
P=$(make_cert_no 32070619900307123 4 3)
PROV=$(make_credit_code 91320706MA1111110)
F=$JIUYE_TEST_TMP/mail.ndjson
{
  printf '{"event_id":"r1","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$P"
  printf '{"event_id":"t1","type":"training.completed","occurred_on":"2024-05-10","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}\n' "$P" "$PROV"
} >"$F"
"$CTL" publish --token "$TOKEN" "$F" >/dev/null
# The SMTP server is down at first: the delivery waits, retrying.
wait_until 30 sql_is "SELECT count(*) > 0 FROM notify.deliveries WHERE channel = 'email' AND attempts >= 2" t
check_eq "server down: pending, retried" "pending" "$(sql "SELECT status FROM notify.deliveries WHERE channel = 'email'")"
timeout 300 "$JIUYE_BIN/../tests/tools/smtp_sink" "$SMTP_PORT" "$MAIL" >"$JIUYE_TEST_TMP/logs/smtp_sink.log" 2>&1 &
SINK=$!
wait_until 30 test -s "$MAIL/1.eml" || not_ok "the message arrives once the server is up"
wait_until 10 sql_is "SELECT status FROM notify.deliveries WHERE channel = 'email'" sent
check_eq "delivery sent" "sent" "$(sql "SELECT status FROM notify.deliveries WHERE channel = 'email'")"
check_eq "one message" "1" "$(ls "$MAIL"/*.eml | wc -l)"
check "envelope: MAIL FROM NOTIFY_SMTP_FROM" grep -q '^MAIL FROM:<jiuye@lyg.example>' "$MAIL/1.env"
check "envelope: RCPT TO the subscription" grep -q '^RCPT TO:<staff@hz.example>' "$MAIL/1.env"
M=$MAIL/1.eml
head=$(sed '/^\r$/q' "$M" | tr -d '\r')
check "header: From" grep -qx 'From: jiuye@lyg.example' <<<"$head"
check "header: To" grep -qx 'To: staff@hz.example' <<<"$head"
check "header: Date" grep -Eq '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' <<<"$head"
check "header: Content-Type text/plain UTF-8" grep -qx 'Content-Type: text/plain; charset=UTF-8' <<<"$head"
check "header: MIME-Version" grep -qx 'MIME-Version: 1.0' <<<"$head"
# Subject: encoded words, possibly folded over several lines; decode and join.
subject_raw=$(awk '/^Subject:/ {p = 1; sub(/^Subject:/, ""); print; next} p && /^[ \t]/ {print; next} {p = 0}' <<<"$head")
check "subject: only =?UTF-8?B?...?= words" bash -c '! grep -Ev "^ ?=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$" <<<"$1"' _ "$subject_raw"
subject=$(sed -E 's/^ ?=\?UTF-8\?B\?([A-Za-z0-9+\/=]+)\?=$/\1/' <<<"$subject_raw" | while read -r w; do base64 -d <<<"$w"; done)
title=$(sql "SELECT title FROM notify.notifications WHERE rule = 'R01'")
check_eq "subject decodes to the notification's title" "$title" "$subject"
check "subject is the masked title" grep -q '^培训补贴 1500.00 元：3207\*\*\*\*\*\*\*\*\*\*' <<<"$subject"
body=$(sed '1,/^\r$/d' "$M" | tr -d '\r' | base64 -d)
check "body: the notification text" grep -q '海州区：培训补贴（2024-05-10）' <<<"$body"
check "body: names the event" grep -q '事件 e2e-mail/t1' <<<"$body"
check_eq "body never holds the full cert_no" 0 "$(grep -c "$P" <<<"$body")"
check_eq "the raw message never holds it either" 0 "$(grep -c "$P" "$M")"
inbox=$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications")
check "inbox shows the sent email" grep -q '"subscription":"mail-hz","channel":"email","status":"sent"' <<<"$inbox"
check "metrics: sent emails" grep -qx 'jiuye_deliveries_total{channel="email",status="sent"} 1' <<<"$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/metrics")"
kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null
lib_finish
