#!/usr/bin/env bash
# End to end through all four services (docs/policy.md §6 examples 1 and 6):
# person.registered + training.completed over HTTP -> R01 decision -> award to
# the fen -> notification in the staff inbox; the 4th training of a year is
# refused by the ledger; an event outside the plan is not_in_force; the same
# events again change nothing.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-06-30
for s in notify subsidy rules intake; do svc_start $s; done

TOKEN=$("$JIUYE_BIN/jiuyectl" source add e2e-training)
P=$(make_cert_no 32070619900307123 4 3)       # 海州区, male, born 1990
OLD=$(make_cert_no 32072219620815234 2 4)     # 东海县, female, 61 in 2024
PROV=$(make_credit_code 91320706MA1111110)
ev_reg() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$@"; }  # employed: no R15 timers here
ev_train() { printf '{"event_id":"%s","type":"training.completed","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":%s,"certificate":"%s","cost_fen":%s}}\n' "$@"; }
F=$JIUYE_TEST_TMP/training.ndjson
{
  ev_reg r1 2024-01-15 320706 "$P"
  ev_reg r2 2024-01-15 320722 "$OLD"
  ev_train t1 2024-05-10 320706 "$P" "$PROV" 60 level4 180000
  ev_train t2 2024-06-10 320706 "$P" "$PROV" 60 level4 120000
  ev_train t3 2024-07-10 320706 "$P" "$PROV" 60 level4 180000
  ev_train t4 2024-08-10 320706 "$P" "$PROV" 60 level4 180000
  ev_train t5 2024-05-10 320722 "$OLD" "$PROV" 60 level4 180000
  ev_train t6 2026-03-01 320706 "$P" "$PROV" 60 level4 180000
  ev_train t7 2024-09-10 320706 "$P" "$PROV" 39 none 50000
} > "$F"
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "all nine events accepted" "9 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"

wait_until 30 sql_ge "SELECT count(*) FROM notify.notifications WHERE rule = 'R01'" 7
award() { sql "SELECT status || ' ' || amount_fen FROM subsidy.awards WHERE decision_id = 'e2e-training/$1/R01'"; }
outcome() { sql "SELECT outcome FROM rules.decisions WHERE decision_id = 'e2e-training/$1/R01'"; }
check_eq "example 1: level4, cost 1800 yuan -> 1500 yuan" "granted 150000" "$(award t1)"
check_eq "example 1: same, cost 1200 yuan -> 1200 yuan" "granted 120000" "$(award t2)"
check_eq "third training of 2024 granted" "granted 150000" "$(award t3)"
check_eq "example 1: 4th eligible training of 2024 refused by the yearly cap" "refused 0" "$(award t4)"
check_eq "working age: 61-year-old woman is ineligible" "ineligible" "$(outcome t5)"
check_eq "no award for an ineligible decision" "0" "$(sql "SELECT count(*) FROM subsidy.awards WHERE decision_id = 'e2e-training/t5/R01'")"
check_eq "example 6: 2026-03-01 with only the 2023-2025 plan is not_in_force" "not_in_force" "$(outcome t6)"
check_eq "example 6: no award" "0" "$(sql "SELECT count(*) FROM subsidy.awards WHERE decision_id = 'e2e-training/t6/R01'")"
check_eq "39 hours is below the 40-hour minimum" "ineligible" "$(outcome t7)"
check_eq "one notification per training event" "7" "$(sql "SELECT count(*) FROM notify.notifications WHERE rule = 'R01'")"

# What staff see through the APIs.
dec=$(api -fsS "http://127.0.0.1:$RULES_HTTP_PORT/v1/decisions?event_id=t1&source=e2e-training")
sha=$(sha256sum "$(dirname "$0")/../../ops/policy/lianyungang-2023-2025.json" | cut -d' ' -f1)
check "decision names its rule" grep -q '"rule":"R01"' <<<"$dec"
check "decision names its outcome" grep -q '"outcome":"eligible"' <<<"$dec"
check "decision names its clause" grep -q '"clause":"二(三)9"' <<<"$dec"
check "decision gives a reason in Chinese" grep -q '"reason":"已登记、劳动年龄、培训 60 学时' <<<"$dec"
check "decision records the age it judged" grep -q '"age":"34"' <<<"$dec"
check "decision records the plan file's SHA-256" grep -q "\"plan_sha256\":\"$sha\"" <<<"$dec"
rate=$(grep -o '{[^{}]*"r01_amount_fen.level4"[^{}]*}' <<<"$dec")
check "decision records the rate" grep -q '"value":"150000"' <<<"$rate"
check "decision records the rate's effective date" grep -q '"effective_from":"2023-01-01"' <<<"$rate"
check "decision records the rate's source" grep -q '"source":"二(三)9' <<<"$rate"
awards=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/awards?beneficiary=$P&year=2024")
check_eq "awards API lists the four 2024 training awards" "4" "$(grep -o '"award_id"' <<<"$awards" | wc -l)"
check "award breakdown shows min(rate, cost)" grep -q 'min(150000, 培训费用 120000)' <<<"$awards"
inbox=$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications?district=320706&audience=hrss")
check "inbox: the 1500-yuan notification" grep -q '培训补贴 1500.00 元' <<<"$inbox"
check "inbox: the 1200-yuan notification" grep -q '培训补贴 1200.00 元' <<<"$inbox"
check "inbox: the refusal names the yearly cap" grep -q '每人每年至多 3 次' <<<"$inbox"
check_eq "inbox never shows the full cert_no" "0" "$(grep -c "$P" <<<"$inbox")"
total=$(sql "SELECT count(*) FROM notify.notifications")
page=$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications?limit=2")
next=$(sed -n 's/.*"next_after":\([0-9]*\).*/\1/p' <<<"$page")
page2=$(api -fsS "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications?after=$next&limit=100")
check_eq "cursor paging: the second page holds the rest" "$((total - 2))" "$(grep -o '"ref_id"' <<<"$page2" | wc -l)"
code=$(api -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications?limit=0")
check_eq "inbox: limit=0 is a 400" "400" "$code"

# The same events again: duplicates, nothing new anywhere.
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "the same nine events again are duplicates" "0 accepted, 9 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
decisions=$(sql "SELECT count(*) FROM rules.decisions")
sleep 1
check_eq "no new decisions" "$decisions" "$(sql "SELECT count(*) FROM rules.decisions")"
check_eq "no new awards" "4" "$(sql "SELECT count(*) FROM subsidy.awards")"
check_eq "no new notifications" "$total" "$(sql "SELECT count(*) FROM notify.notifications")"
# Same event_id, other content: rejected, not stored.
ev_train t1 2024-05-10 320706 "$P" "$PROV" 60 level4 99999 > "$F"
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" || true)
check "same event_id with other content is rejected as a conflict" grep -q 'rejected  t1  event_id: already used' <<<"$out"
check_eq "the conflicting event changed nothing" "180000" "$(sql "SELECT body->'payload'->>'cost_fen' FROM intake.events WHERE event_id = 't1'")"
check_eq "every outbox drained" "0" "$(sql "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)")"
lib_finish
