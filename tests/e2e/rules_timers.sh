#!/usr/bin/env bash
# Durable timers and plan reloads: a timer due while the rules
# service was down fires exactly once after it comes back (R08 anniversary,
# pending expiry), a second restart fires nothing again; kill -HUP reloads the
# plan files between messages, a bad file is refused and the old plans stay;
# jiuyectl policy check validates a file.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
POLICY=$JIUYE_TEST_TMP/policy
mkdir -p "$POLICY"
cp "$(dirname "$0")/../../ops/policy/lianyungang-2023-2025.json" "$POLICY/"
export JIUYE_POLICY_DIR=$POLICY JIUYE_TODAY=2025-01-31
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add tm)
F=$JIUYE_TEST_TMP/events.ndjson
P=$(make_cert_no 32070619900307123 4 3); NOBODY=$(make_cert_no 32070619910101456 4 3)
EMP=$(make_credit_code 91320706MA2222220); AG=$(make_credit_code 91320706MA5555550); PROV=$(make_credit_code 91320706MA1111110)
cat > "$F" <<JSON
{"event_id":"reg","type":"person.registered","occurred_on":"2023-06-01","district":"320706","payload":{"cert_no":"$P","name":"张三","employment_status":"employed","wants_job":false}}
{"event_id":"place","type":"employment.started","occurred_on":"2024-02-01","district":"320706","payload":{"cert_no":"$P","employer_code":"$EMP","channel":"regular","contract_months":24,"monthly_wage_fen":300000,"social_insurance":true,"agency_code":"$AG"}}
{"event_id":"orphan","type":"training.completed","occurred_on":"2025-01-10","district":"320706","payload":{"cert_no":"$NOBODY","provider_code":"$PROV","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}
JSON
check "published" "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F"
outcome() { sql "SELECT string_agg(outcome, ',') FROM rules.decisions WHERE decision_id = 'tm/$1'"; }
wait_until 20 output_is pending outcome orphan/R01
check_eq "placement recorded, anniversary 2025-02-01 pending" "info" "$(outcome place/R08)"
check_eq "training of an unregistered person is pending" "pending" "$(outcome orphan/R01)"
check_eq "not yet due on 2025-01-31: no anniversary decision" "" "$(outcome place/R08/anniversary)"
check_eq "two timers scheduled" "r08_anniversary 2025-02-01,pending_expiry 2025-03-02" \
  "$(sql "SELECT string_agg(kind || ' ' || due_on, ',' ORDER BY due_on) FROM rules.timers WHERE fired_at IS NULL")"

# Down over both due dates, then back on 2025-03-05.
svc_kill9 rules
export JIUYE_TODAY=2025-03-05
svc_start rules
wait_until 20 output_nonempty outcome orphan/R01/expired
wait_until 20 sql_is "SELECT count(*) FROM subsidy.awards WHERE decision_id = 'tm/place/R08/anniversary'" 1
check_eq "catch-up: the anniversary fired late, eligible" "eligible" "$(outcome place/R08/anniversary)"
check_eq "catch-up: 400 yuan to the agency" "granted 40000" "$(sql "SELECT status || ' ' || amount_fen FROM subsidy.awards WHERE decision_id = 'tm/place/R08/anniversary'")"
check_eq "catch-up: 30 days without registration, the pending training is ineligible" "ineligible tm/orphan/R01" \
  "$(sql "SELECT outcome || ' ' || (body->>'corrects_decision_id') FROM rules.decisions WHERE decision_id = 'tm/orphan/R01/expired'")"
decisions=$(sql "SELECT count(*) FROM rules.decisions")
svc_kill9 rules
svc_start rules
sleep 2
check_eq "a second restart fires nothing again" "$decisions" "$(sql "SELECT count(*) FROM rules.decisions")"
check_eq "each timer fired exactly once" "2 0" "$(sql "SELECT count(*) FILTER (WHERE fired_at IS NOT NULL) || ' ' || count(*) FILTER (WHERE fired_at IS NULL) FROM rules.timers")"
check_eq "one award for the placement" "1" "$(sql "SELECT count(*) FROM subsidy.awards WHERE rule = 'R08'")"
wait_until 20 sql_is "SELECT count(*) FROM notify.notifications WHERE rule = 'R08' AND kind = 'award'" 1
check_eq "staff told once about the placement award" "1" "$(sql "SELECT count(*) FROM notify.notifications WHERE rule = 'R08' AND kind = 'award'")"

# kill -HUP: a new rate takes effect for events after the reload.
sha_old=$(sha256sum "$POLICY/lianyungang-2023-2025.json" | cut -d' ' -f1)
python_free_edit() { # replace the level4 series with one that changes on 2025-01-01
  awk '/"r01_amount_fen.level4"/ {f=1} f && /"series"/ {sub(/\{"2023-01-01": 150000\}/, "{\"2023-01-01\": 150000, \"2025-01-01\": 160000}"); f=0} {print}' "$1" > "$1.new" && mv "$1.new" "$1"
}
python_free_edit "$POLICY/lianyungang-2023-2025.json"
sha_new=$(sha256sum "$POLICY/lianyungang-2023-2025.json" | cut -d' ' -f1)
check "the edited plan file is still valid" "$JIUYE_BIN/jiuyectl" policy check "$POLICY/lianyungang-2023-2025.json"
kill -HUP "$(svc_pid rules)"
wait_until 10 grep -q 'policy reloaded' "$(svc_log rules)"
cat > "$F" <<JSON
{"event_id":"after-hup","type":"training.completed","occurred_on":"2025-01-20","district":"320706","payload":{"cert_no":"$P","provider_code":"$PROV","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}
JSON
check "published" "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F"
wait_until 20 sql_is "SELECT count(*) FROM subsidy.awards WHERE decision_id = 'tm/after-hup/R01'" 1
check_eq "after the reload: the new rate, from its date" "160000 2025-01-01" \
  "$(sql "SELECT p->>'value' || ' ' || (p->>'effective_from') FROM rules.decisions, jsonb_array_elements(body->'parameters') p WHERE decision_id = 'tm/after-hup/R01' AND p->>'name' = 'r01_amount_fen.level4'")"
check_eq "after the reload: the decision records the new file's hash" "$sha_new" "$(sql "SELECT body->>'plan_sha256' FROM rules.decisions WHERE decision_id = 'tm/after-hup/R01'")"
check "the hash changed" test "$sha_old" != "$sha_new"
check_eq "after the reload: 1600 yuan" "granted 160000" "$(sql "SELECT status || ' ' || amount_fen FROM subsidy.awards WHERE decision_id = 'tm/after-hup/R01'")"

# A broken file is refused; the plans in force stay.
echo '{"plan_id": "broken", "window": {"from": "2026-01-01"}}' > "$POLICY/zz-broken.json"
out=$("$JIUYE_BIN/jiuyectl" policy check "$POLICY/zz-broken.json" 2>&1; echo "rc=$?")
check "policy check names the key and the reason" grep -q 'zz-broken.json: window.to: required, a date (YYYY-MM-DD)' <<<"$out"
check "policy check fails on a bad file" grep -q 'rc=1' <<<"$out"
kill -HUP "$(svc_pid rules)"
wait_until 10 grep -q 'policy reload refused' "$(svc_log rules)"
check "rules logs why the reload was refused" grep -q 'window.to: required' "$(svc_log rules)"
check "the refusal is counted in /metrics" bash -c "api -fsS http://127.0.0.1:$RULES_HTTP_PORT/metrics | grep -q 'jiuye_policy_reloads_total{result=\"refused\"} 1'"
cat > "$F" <<JSON
{"event_id":"after-bad-hup","type":"training.completed","occurred_on":"2025-01-21","district":"320706","payload":{"cert_no":"$P","provider_code":"$PROV","course":"vocational","hours":60,"certificate":"level5","cost_fen":180000}}
JSON
check "published" "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F"
wait_until 20 output_nonempty outcome after-bad-hup/R01
check_eq "still deciding with the plans in force" "eligible $sha_new" "$(sql "SELECT outcome || ' ' || (body->>'plan_sha256') FROM rules.decisions WHERE decision_id = 'tm/after-bad-hup/R01'")"
rm -f "$POLICY/zz-broken.json"
lib_finish
