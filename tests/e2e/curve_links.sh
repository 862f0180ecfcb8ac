#!/usr/bin/env bash
# CURVE on the internal links: with keys configured (tests/run.sh
# exports a key pair per service) every link is encrypted; a producer whose key
# the consumer does not admit, or one without CURVE at all, delivers nothing;
# with the right key again, what it stored meanwhile arrives.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
if [[ -z "${RULES_CURVE_SECRET:-}" ]]; then
  not_ok "tests/run.sh exports CURVE keys" "RULES_CURVE_SECRET is not set"
  lib_finish
fi
export JIUYE_TODAY=2025-06-30 JIUYE_ACK_TIMEOUT_MS=500
for s in notify subsidy rules intake; do svc_start $s; done
check "rules: intake->rules is encrypted" grep -q 'curve: intake->rules encrypted; 1 client key(s) admitted' "$(svc_log rules)"
check "subsidy: rules->subsidy is encrypted" grep -q 'curve: rules->subsidy encrypted' "$(svc_log subsidy)"
check "notify: subsidy->notify is encrypted" grep -q 'curve: subsidy->notify encrypted' "$(svc_log notify)"
TOKEN=$("$JIUYE_BIN/jiuyectl" source add curve)
P=$(make_cert_no 32070619900307123 4 3)
event() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"2025-01-15","district":"320706","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false,"hard_to_employ":true}}\n' "$1" "$P" > "$JIUYE_TEST_TMP/e.json"
  "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$JIUYE_TEST_TMP/e.json" | tail -1; }
decided() { sql "SELECT count(*) FROM rules.decisions WHERE event_id = '$1'"; }
check_eq "accepted" "1 accepted, 0 duplicate, 0 rejected" "$(event e1)"
wait_until 20 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id = 'e1'" 1
check_eq "through all three encrypted links to the inbox" "1" "$(sql "SELECT count(*) FROM notify.notifications WHERE event_id = 'e1'")"

# An intake with a key rules does not know.
svc_stop intake
eval "$("$JIUYE_BIN/jiuyectl" keygen stranger)"
INTAKE_CURVE_PUBLIC=$STRANGER_CURVE_PUBLIC INTAKE_CURVE_SECRET=$STRANGER_CURVE_SECRET svc_start intake
check_eq "an unknown key's intake still stores" "1 accepted, 0 duplicate, 0 rejected" "$(event e2)"
wait_until 10 grep -qF "key $STRANGER_CURVE_PUBLIC is not admitted" "$(svc_log rules)"
check "rules refuses the unknown key, naming it" grep -qF "key $STRANGER_CURVE_PUBLIC is not admitted" "$(svc_log rules)"
sleep 2
check_eq "nothing from the unknown key reached rules" "0" "$(decided e2)"
check_eq "it waits in intake's outbox" "1" "$(sql "SELECT count(*) FROM intake.outbox")"

# An intake without CURVE at all.
svc_stop intake
INTAKE_CURVE_PUBLIC= INTAKE_CURVE_SECRET= svc_start intake
check_eq "a plain intake stores too" "1 accepted, 0 duplicate, 0 rejected" "$(event e3)"
sleep 3
check_eq "nothing in the clear reached rules" "0" "$(sql "SELECT count(*) FROM rules.decisions WHERE event_id IN ('e2', 'e3')")"

# The right key again: the stored events arrive.
svc_stop intake
svc_start intake
wait_until 20 sql_is "SELECT count(*) FROM rules.decisions WHERE event_id IN ('e2', 'e3')" 2
check_eq "with the admitted key, both waiting events arrive" "2" "$(sql "SELECT count(*) FROM rules.decisions WHERE event_id IN ('e2', 'e3')")"
out=$(RULES_CURVE_SECRET= RULES_HTTP_PORT=$((RULES_HTTP_PORT + 50)) RULES_ZMQ_BIND=tcp://127.0.0.1:$((RULES_HTTP_PORT + 51)) \
      timeout 20 "$JIUYE_BIN/jiuye-rules" 2>&1; echo "exit=$?")
check "a half-configured key stops the service, naming what is missing" grep -q 'curve: rules->subsidy needs RULES_CURVE_PUBLIC, RULES_CURVE_SECRET and SUBSIDY_CURVE_PUBLIC' <<<"$out"
check "and it exits with an error" grep -q 'exit=1' <<<"$out"
lib_finish
