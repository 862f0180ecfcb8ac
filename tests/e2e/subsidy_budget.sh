#!/usr/bin/env bash
# Yearly budgets: a plan file with small budgets for training
# subsidies (海州区 and the city, 2024) and public-welfare posts (东海县, 2023),
# loaded by rules AND subsidy. Awards within a budget are granted; one beyond
# it is stored as waiting_budget with its amount and a reason naming the
# budget, and staff are told (等待预算); waiting awards keep their place in the
# ledger's limits and are never dropped; a reversal of a granted award frees
# money for the next one, a reversal of a waiting one frees nothing.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
POLICY=$JIUYE_TEST_TMP/policy
mkdir -p "$POLICY"
PLAN=$POLICY/lianyungang-2023-2025.json
# The plan file with a top-level "budgets" (common/policy.h), in fen.
head -n -1 "$(dirname "$0")/../../ops/policy/lianyungang-2023-2025.json" > "$PLAN"
cat >> "$PLAN" <<'JSON'
  ,"budgets": {
    "TRAINING_SUBSIDY": {"source": "测试预算", "2024": {"320706": 300000, "city": 400000}},
    "PUBLIC_WELFARE_POST": {"2023": {"320722": 8000000}}
  }
}
JSON
check "the plan with budgets passes policy check" "$JIUYE_BIN/jiuyectl" policy check "$PLAN"
sed 's/"320706": 300000/"999999": 300000/' "$PLAN" > "$JIUYE_TEST_TMP/bad.json"
out=$("$JIUYE_BIN/jiuyectl" policy check "$JIUYE_TEST_TMP/bad.json" 2>&1 || true)
check "a budget for an unknown district is refused with its key" \
  grep -q 'budgets.TRAINING_SUBSIDY.2024.999999: unknown district code' <<<"$out"

export JIUYE_POLICY_DIR=$POLICY JIUYE_TODAY=2025-06-30
for s in notify subsidy rules intake; do svc_start $s; done
check "subsidy loaded the plan (for its budgets)" grep -q 'plan lianyungang-2023-2025 loaded (sha256' "$(svc_log subsidy)"
TOKEN=$("$JIUYE_BIN/jiuyectl" source add budget)
F=$JIUYE_TEST_TMP/budget.ndjson
: > "$F"
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@" >> "$F"; }
reg() { ev "$1" person.registered "$2" "$3" "{\"cert_no\":\"$4\",\"name\":\"测试\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
PROV=$(make_credit_code 91320706MA1111110)
train() { # ID DATE DISTRICT CERT CERTIFICATE COST
  ev "$1" training.completed "$2" "$3" "{\"cert_no\":\"$4\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"$5\",\"cost_fen\":$6}"
}
A=$(make_cert_no 32070619900307123 4 3); B=$(make_cert_no 32070619900307134 4 3)
C=$(make_cert_no 32070619900307145 4 3); D=$(make_cert_no 32072219900307156 4 3)
for p in A B C; do reg "reg-$p" 2023-06-01 320706 "${!p}"; done
reg reg-D 2023-06-01 320722 "$D"
train t1 2024-03-01 320706 "$A" level4 180000   # 1500 of 3000: granted
train t2 2024-04-01 320706 "$B" level4 180000   # 3000 of 3000: granted (exactly the budget)
train t3 2024-05-01 320706 "$C" level4 180000   # district budget spent: waiting
train t4 2024-06-01 320706 "$C" none 30000      # waiting too (even 300 yuan does not fit)
train t5 2024-05-01 320722 "$D" level4 180000   # 东海县 has no budget, the city's 4000: 3000 + 1500 > 4000: waiting
train t6 2024-06-01 320722 "$D" level5 100000   # 3000 + 1000 = 4000: granted
train t7 2025-03-01 320706 "$C" level4 180000   # no 2025 budget: granted

# Public-welfare posts in 东海县 (docs/policy.md §6 example 2), budget 80 000 yuan for 2023.
EMP=$(make_credit_code 12320722MB0000000)
start() { ev "$1" employment.started "$2" 320722 "{\"cert_no\":\"$3\",\"employer_code\":\"$EMP\",\"channel\":\"public_welfare_post\",\"contract_months\":$4,\"monthly_wage_fen\":300000,\"social_insurance\":true}"; }
end() { ev "$1" employment.ended "$2" 320722 "{\"cert_no\":\"$3\",\"employer_code\":\"$EMP\",\"reason\":\"合同终止\"}"; }
W1=$(make_cert_no 32072219800101456 4 3); W2=$(make_cert_no 32072219800101467 4 3); W3=$(make_cert_no 32072219800101478 4 3)
for p in W1 W2 W3; do reg "reg-$p" 2023-01-01 320722 "${!p}"; done
start pw1 2023-11-01 "$W1" 24     # 70 700 yuan: granted (of 80 000)
start pw2 2023-12-01 "$W2" 12     # 35 350 yuan: waiting
end pw1-end 2024-04-30 "$W1"      # reversal −53 280 yuan frees budget
start pw3 2023-12-15 "$W3" 12     # 35 350 yuan: now fits, granted
end pw2-end 2024-02-29 "$W2"      # reversal of a waiting award: waiting, frees nothing
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "all events accepted" "19 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"

award() { sql "SELECT status || ' ' || amount_fen || ' ' || coalesce(slot::text, '-') FROM subsidy.awards WHERE decision_id = 'budget/$1'"; }
wait_until 60 sql_ge "SELECT count(*) FROM subsidy.awards" 12
wait_until 30 sql_ge "SELECT count(*) FROM notify.notifications WHERE kind = 'award'" 12
check_eq "within the district budget: granted" "granted 150000 1" "$(award t1/R01)"
check_eq "exactly the district budget: granted" "granted 150000 1" "$(award t2/R01)"
check_eq "beyond the district budget: waiting_budget, amount kept" "waiting_budget 150000 1" "$(award t3/R01)"
check_eq "a waiting award keeps its yearly slot; the next waits too" "waiting_budget 30000 2" "$(award t4/R01)"
check_eq "beyond the city budget: waiting_budget" "waiting_budget 150000 1" "$(award t5/R01)"
check_eq "exactly the city budget: granted" "granted 100000 2" "$(award t6/R01)"
check_eq "no budget for 2025: granted" "granted 150000 1" "$(award t7/R01)"
reason=$(sql "SELECT body->>'reason' FROM subsidy.awards WHERE decision_id = 'budget/t3/R01'")
check "the reason names the district budget and what is left" \
  grep -q '^等待预算：海州区 2024 年该项预算 3000.00 元，已发放 3000.00 元，余 0.00 元，不足本次 1500.00 元' <<<"$reason"
check "the reason keeps what was granted" grep -q '培训补贴 1500.00 元（2024 年第 1 次）' <<<"$reason"
check "the city budget is named as 全市" grep -q '等待预算：全市 2024 年' <<<"$(sql "SELECT body->>'reason' FROM subsidy.awards WHERE decision_id = 'budget/t5/R01'")"
check_eq "granted training money stays within the district budget" "300000" \
  "$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE program = 'TRAINING_SUBSIDY' AND year = 2024 AND district = '320706' AND status = 'granted'")"

check_eq "example 2 within the post budget: granted" "granted 7070000 -" "$(award pw1/R04)"
check_eq "the next post beyond it: waiting" "waiting_budget 3535000 -" "$(award pw2/R04)"
check_eq "the reversal of the granted post frees its money" "granted -5328000 -" "$(award pw1-end/R04)"
check_eq "a later post fits in the freed money: granted" "granted 3535000 -" "$(award pw3/R04)"
check_eq "the reversal of a waiting post is waiting too" "waiting_budget -2664000 -" "$(award pw2-end/R04)"
check_eq "granted post money: 70 700 − 53 280 + 35 350 yuan" "5277000" \
  "$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE program = 'PUBLIC_WELFARE_POST' AND year = 2023 AND status = 'granted'")"

# Staff are told, and nothing waiting is dropped.
title=$(sql "SELECT title FROM notify.notifications WHERE ref_id = 'budget/t3/R01/TRAINING_SUBSIDY'")
check "the notification title says 等待预算 with the amount" grep -q '培训补贴 1500.00 元等待预算' <<<"$title"
body=$(sql "SELECT body FROM notify.notifications WHERE ref_id = 'budget/t3/R01/TRAINING_SUBSIDY'")
check "the notification body says the money waits for the budget" grep -q '等待预算，预算到位后按规定发放' <<<"$body"
check_eq "one notification per waiting award (the waiting reversal too)" "5" \
  "$(sql "SELECT count(*) FROM notify.notifications WHERE kind = 'award' AND title LIKE '%等待预算%'")"
api=$(api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/awards?beneficiary=$C&year=2024")
check_eq "the awards API shows both waiting awards" "2" "$(grep -o '"status":"waiting_budget"' <<<"$api" | wc -l)"
check_eq "no dead letters" "0" "$(sql "SELECT (SELECT count(*) FROM subsidy.dead_letters) + (SELECT count(*) FROM notify.dead_letters)")"

# kill -HUP: raised budgets take effect for the next award (waiting ones stay as they are).
sed -i 's/"320706": 300000, "city": 400000/"320706": 600000, "city": 1000000/' "$PLAN"
kill -HUP "$(svc_pid subsidy)"
wait_until 10 grep -q 'policy reloaded' "$(svc_log subsidy)"
: > "$F"
train t8 2024-07-01 320706 "$A" level4 180000
"$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" >/dev/null
wait_until 30 output_nonempty award t8/R01
check_eq "after the reload, the raised district budget grants" "granted 150000 2" "$(award t8/R01)"
check_eq "the earlier waiting award is still there, unchanged" "waiting_budget 150000 1" "$(award t3/R01)"
lib_finish
