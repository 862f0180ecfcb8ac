#!/usr/bin/env bash
# jiuyectl replay: a policy correction in a copy of the plan file (the 2024 level-4
# training rate 1 500 -> 1 600 yuan, 东海县's 2024 minimum wage 2 010 -> 2 050 yuan, which the
# public-welfare-post subsidy pays, and the 2024 agency placement rate 400 -> 450 yuan),
# reloaded with kill -HUP, then replayed:
#   * a dry run shows the differences and writes nothing;
#   * --rule R01 corrects exactly the training decisions whose parameters changed (reversal of
#     the old award + a new award at the new rate, in the same yearly slot), and touches neither
#     the unchanged ones (a 2023 training, a level-5 training), nor the events after --to, nor
#     the post (another rule);
#   * the whole range then corrects the post of docs/policy.md §6 example 2 (−70 700 + 71 580 yuan) and
#     the anniversary of an agency placement (−400 + 450, same tier number), with subsidy killed
#     (-9) meanwhile: the corrections wait in rules' outbox; a late end of that placement then
#     reverses the corrected award;
#   * a second identical replay changes nothing (no decision, award or notification);
#   * the yearly cap still counts places, not rows: a person with three 2024 awards replaced is
#     still at the cap, one with two replaced still has a third place;
#   * jiuyectl trace shows the whole chain of example 1 after the replay.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
POLICY=$JIUYE_TEST_TMP/policy
mkdir -p "$POLICY"
PLAN=$POLICY/lianyungang-2023-2025.json
cp "$(dirname "$0")/../../ops/policy/lianyungang-2023-2025.json" "$PLAN"
export JIUYE_POLICY_DIR=$POLICY JIUYE_TODAY=2026-01-15
CTL=$JIUYE_BIN/jiuyectl
JIUYE_TOKEN=$(token_for operator) # replay and trace call the services as an operator
export JIUYE_TOKEN

out=$("$CTL" replay --help) && rc=0 || rc=$?
check_eq "replay --help exits 0" 0 "$rc"
check "replay --help prints its usage" grep -q "jiuyectl replay --from YYYY-MM-DD --to YYYY-MM-DD" <<<"$out"
check "jiuyectl --help lists replay" grep -q "jiuyectl replay --from" <<<"$("$CTL" --help)"
out=$("$CTL" replay --from 2024-01-01 2>&1) && rc=0 || rc=$?
check_eq "replay without --to is a usage error" 2 "$rc"

for s in notify subsidy rules intake; do svc_start $s || lib_finish; done
TOKEN=$("$CTL" source add rp)
P1=$(make_cert_no 32070619900307123 4 3)  # 海州区, born 1990
P2=$(make_cert_no 32072219800101456 4 3)  # 东海县 (tier 3)
P3=$(make_cert_no 32070619850505111 4 3)  # 海州区
P4=$(make_cert_no 32070619920202222 4 3)  # 海州区
P5=$(make_cert_no 32070619880808333 4 3)  # 海州区
AG=$(make_credit_code 91320706MA5555550)
EMP=$(make_credit_code 91320706MA2222220)
PROV=$(make_credit_code 91320706MA1111110)
PWE=$(make_credit_code 12320722MB0000000)
BIZ=$(make_credit_code 92320706MA3333330)
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@"; }
reg() { ev "$1" person.registered 2023-01-10 "$2" "{\"cert_no\":\"$3\",\"name\":\"张三\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
train() { ev "$1" training.completed "$2" 320706 "{\"cert_no\":\"$3\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"$4\",\"cost_fen\":200000}"; }
F=$JIUYE_TEST_TMP/replay.ndjson
{
    reg reg-p1 320706 "$P1"
    reg reg-p2 320722 "$P2"
    reg reg-p3 320706 "$P3"
    reg reg-p4 320706 "$P4"
    reg reg-p5 320706 "$P5"
    train t-2023 2023-09-01 "$P1" level4   # 1 500, 2023 rate: unchanged
    train t1 2024-05-10 "$P1" level4       # example 1: 1 500 -> 1 600, slot 1
    train t2 2024-06-01 "$P1" level5       # 1 000, level5 rate unchanged: untouched
    train t3 2024-07-01 "$P1" level4       # 1 500 -> 1 600, slot 3
    train t4 2024-08-01 "$P1" level4       # 4th in 2024: refused, stays refused
    train t5a 2024-02-01 "$P4" level4      # P4: two awards replaced ...
    train t5b 2024-03-01 "$P4" level4
    train t-2025 2025-03-01 "$P3" level4   # after --to: untouched although its rate changed
    ev pw-start employment.started 2023-11-01 320722 "{\"cert_no\":\"$P2\",\"employer_code\":\"$PWE\",\"channel\":\"public_welfare_post\",\"contract_months\":24,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
    ev biz business.started 2024-03-01 320706 "{\"cert_no\":\"$P1\",\"business_code\":\"$BIZ\",\"kind\":\"individual\"}"
    # example 5: anniversary 2025-02-01, fired at once (today is 2026-01-15): 400 yuan, the agency's 1st of 2025
    ev place employment.started 2024-02-01 320706 "{\"cert_no\":\"$P5\",\"employer_code\":\"$EMP\",\"channel\":\"regular\",\"contract_months\":24,\"monthly_wage_fen\":300000,\"social_insurance\":true,\"agency_code\":\"$AG\"}"
} >"$F"
out=$("$CTL" publish --token "$TOKEN" "$F")
check_eq "16 events accepted" "16 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards" 11
check_eq "rules kept every consumed event" 16 "$(sql "SELECT count(*) FROM rules.events")"
# award EVENT: its awards in the order they were made (a correction's reversal before its new award).
award() { sql "SELECT string_agg(status || ' ' || amount_fen || coalesce(' slot ' || slot, ''), ', ' ORDER BY created_at, reverses_award_id IS NULL, award_id) FROM subsidy.awards WHERE decision_id LIKE 'rp/$1/%'"; }
check_eq "before: example 1 pays 1 500" "granted 150000 slot 1" "$(award t1)"
check_eq "before: the 4th 2024 training is refused" "refused 0" "$(award t4)"
check_eq "before: example 2 pays 70 700" "granted 7070000" "$(award pw-start)"
check_eq "before: example 5 pays the agency 400" "granted 40000 slot 1" "$(award place)"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.outbox" 0

# counts: decisions awards notifications (settled), as one line.
counts() {
    sql "SELECT (SELECT count(*) FROM rules.decisions) || ' ' || (SELECT count(*) FROM subsidy.awards) || ' ' ||
                (SELECT count(*) FROM notify.notifications)"
}
settled() { # every outbox drained and notify caught up with subsidy
    sql_is "SELECT (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)" 0
}
wait_until 30 settled
before=$(counts)

# The policy correction: jq edits the copy; policy check; kill -HUP both services.
jq '.parameters["r01_amount_fen.level4"].series["2024-01-01"] = 160000
    | .parameters["min_wage_fen"].districts["320722"]["2024-01-01"] = 205000
    | .parameters["r08_tier1_fen"].series["2024-01-01"] = 45000' "$PLAN" >"$PLAN.new" && mv "$PLAN.new" "$PLAN"
check "the corrected plan is valid" "$CTL" policy check "$PLAN"
kill -HUP "$(svc_pid rules)" "$(svc_pid subsidy)"
wait_until 10 grep -q 'policy reloaded' "$(svc_log rules)"
check "rules reloaded the corrected plan" grep -q 'policy reloaded' "$(svc_log rules)"

# Refused requests name the field.
out=$("$CTL" replay --from 2024-02-30 --to 2024-12-31 2>&1) && rc=0 || rc=$?
check_eq "a date that does not exist: refused (exit 2)" 2 "$rc"
check "the refusal names the field" grep -q "from: required, a real date" <<<"$out"
out=$("$CTL" replay --from 2024-01-01 --to 2024-12-31 --rule R99 2>&1) && rc=0 || rc=$?
check "an unknown rule: refused with the field" grep -q "rule: one of R01..R17" <<<"$out"
check_eq "GET /v1/replay: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RULES_HTTP_PORT/v1/replay")"

# 1. Dry run: the differences, nothing written.
out=$("$CTL" replay --from 2023-01-01 --to 2024-12-31 --rule R01 --dry-run --json)
check_eq "dry run: R01 examined 7, unchanged 2, corrected 5" "7 2 5 0" \
    "$(jq -r '.rules[] | select(.rule == "R01") | "\(.examined) \(.unchanged) \(.corrected) \(.skipped)"' <<<"$out")"
check_eq "dry run: the corrected events" "t1 t3 t4 t5a t5b" "$(jq -r '[.corrections[].event_id] | sort | join(" ")' <<<"$out")"
check_eq "dry run: t1's difference is the level-4 rate" "parameter r01_amount_fen.level4 150000 (2023-01-01) -> 160000 (2024-01-01)" \
    "$(jq -r '.corrections[] | select(.event_id == "t1") | .differences[] | "\(.field) \(.name) \(.before) -> \(.after)"' <<<"$out")"
check_eq "dry run: no replay id" null "$(jq -r .replay_id <<<"$out")"
sleep 1
check_eq "dry run: nothing written" "$before" "$(counts)"
check_eq "dry run: no replay recorded" 0 "$(sql "SELECT count(*) FROM rules.replays")"
text=$("$CTL" replay --from 2023-01-01 --to 2024-12-31 --rule R01 --dry-run)
check "dry run in text: the table" grep -qE '^R01 +7 +2 +5 +0$' <<<"$text"
check "dry run in text: a correction and its difference" grep -qF "parameter r01_amount_fen.level4: 150000 (2023-01-01) -> 160000 (2024-01-01)" <<<"$text"

# 2. R01 only.
out=$("$CTL" replay --from 2023-01-01 --to 2024-12-31 --rule R01 --json)
check_eq "replay R01: examined 7, unchanged 2, corrected 5" "7 2 5" \
    "$(jq -r '.rules[] | select(.rule == "R01") | "\(.examined) \(.unchanged) \(.corrected)"' <<<"$out")"
check_eq "replay R01: only R01 in the reply" "R01" "$(jq -r '[.rules[].rule] | join(" ")' <<<"$out")"
R1=$(jq -r .replay_id <<<"$out")
check_eq "replay R01: replay #1" 1 "$R1"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards WHERE decision_id LIKE '%/replay/1'" 9
wait_until 30 settled
check_eq "t1: original, reversal, new award in the same slot" "granted 150000 slot 1, granted -150000, granted 160000 slot 1" "$(award t1)"
check_eq "t3: the same in slot 3" "granted 150000 slot 3, granted -150000, granted 160000 slot 3" "$(award t3)"
check_eq "t4: refused before, refused again (the cap holds)" "refused 0, refused 0" "$(award t4)"
check_eq "t5a: replaced in slot 1" "granted 150000 slot 1, granted -150000, granted 160000 slot 1" "$(award t5a)"
check_eq "t5b: replaced in slot 2" "granted 150000 slot 2, granted -150000, granted 160000 slot 2" "$(award t5b)"
check_eq "t-2023 untouched (its rate did not change)" "granted 150000 slot 1" "$(award t-2023)"
check_eq "t2 untouched (level 5)" "granted 100000 slot 2" "$(award t2)"
check_eq "t-2025 untouched (after --to)" "granted 150000 slot 1" "$(award t-2025)"
check_eq "pw-start untouched (another rule)" "granted 7070000" "$(award pw-start)"
check_eq "decisions of unchanged events: one each" "1 1 1 1" \
    "$(sql "SELECT string_agg(n::text, ' ' ORDER BY e) FROM (SELECT event_id e, count(*) n FROM rules.decisions WHERE event_id IN ('t-2023', 't2', 't-2025', 'pw-start') AND rule IN ('R01', 'R04') GROUP BY event_id) x")"
check_eq "the corrective decision of t1 corrects the original" "eligible rp/t1/R01" \
    "$(sql "SELECT outcome || ' ' || (body->>'corrects_decision_id') FROM rules.decisions WHERE decision_id = 'rp/t1/R01/replay/1'")"
check_eq "the reversal points at the award it undoes" "rp/t1/R01/replay/1/TRAINING_SUBSIDY/reversal reverses rp/t1/R01/TRAINING_SUBSIDY" \
    "$(sql "SELECT r.award_id || ' reverses ' || r.reverses_award_id FROM subsidy.awards r WHERE r.reverses_award_id = 'rp/t1/R01/TRAINING_SUBSIDY'")"
check_eq "the new award names the one it replaces" "rp/t1/R01/TRAINING_SUBSIDY" \
    "$(sql "SELECT replaces_award_id FROM subsidy.awards WHERE award_id = 'rp/t1/R01/replay/1/TRAINING_SUBSIDY'")"
check_eq "nothing was edited: every original award is as it was" "4 600000" \
    "$(sql "SELECT count(*) || ' ' || sum(amount_fen) FROM subsidy.awards WHERE award_id IN ('rp/t1/R01/TRAINING_SUBSIDY', 'rp/t3/R01/TRAINING_SUBSIDY', 'rp/t5a/R01/TRAINING_SUBSIDY', 'rp/t5b/R01/TRAINING_SUBSIDY') AND status = 'granted' AND amount_fen = 150000")"
check_eq "R01 replay: 4 reversals, 5 new awards (4 granted, 1 refused), net +40 000 fen" "4 5 4 40000" \
    "$(sql "SELECT count(*) FILTER (WHERE reverses_award_id IS NOT NULL) || ' ' || count(*) FILTER (WHERE reverses_award_id IS NULL) || ' ' || count(*) FILTER (WHERE status = 'granted' AND amount_fen > 0) || ' ' || sum(amount_fen) FROM subsidy.awards WHERE decision_id LIKE '%/replay/1'")"
# A decision that makes awards is told through them: 4 reversals, 4 new awards, 1 refusal.
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE ref_id LIKE '%/replay/1/%'" 9
check_eq "staff told: 4 reversals, 4 new awards, 1 refusal" "4 4 1" \
    "$(sql "SELECT count(*) FILTER (WHERE amount_fen < 0) || ' ' || count(*) FILTER (WHERE amount_fen > 0) || ' ' || count(*) FILTER (WHERE amount_fen = 0) FROM notify.notifications WHERE ref_id LIKE '%/replay/1/%'")"
check_eq "every notification of replay #1 names it" 9 \
    "$(sql "SELECT count(*) FROM notify.notifications WHERE ref_id LIKE '%/replay/1/%' AND body LIKE '%回放 #1%'")"

# 3. The whole range, every rule: only the post is left to correct. Subsidy is down (kill -9):
# the correction waits in rules' outbox, committed with it, and is settled once it is back.
svc_kill9 subsidy
out=$("$CTL" replay --from 2023-01-01 --to 2024-12-31 --json)
check_eq "subsidy down: the correction waits in rules.outbox" 1 \
    "$(sql "SELECT count(*) FROM rules.outbox WHERE message_id LIKE 'rules/replay/%/rp/pw-start'")"
svc_start subsidy || lib_finish
check_eq "replay all: R01 now unchanged" "7 7 0" \
    "$(jq -r '.rules[] | select(.rule == "R01") | "\(.examined) \(.unchanged) \(.corrected)"' <<<"$out")"
check_eq "replay all: R04 corrected once" "1 0 1" \
    "$(jq -r '.rules[] | select(.rule == "R04") | "\(.examined) \(.unchanged) \(.corrected)"' <<<"$out")"
check_eq "replay all: R07 (and its loan notice) unchanged" "2 2 0" \
    "$(jq -r '.rules[] | select(.rule == "R07") | "\(.examined) \(.unchanged) \(.corrected)"' <<<"$out")"
check_eq "replay all: R08 anniversary corrected, the placement notice skipped" "1 0 1 1" \
    "$(jq -r '.rules[] | select(.rule == "R08") | "\(.examined) \(.unchanged) \(.corrected) \(.skipped)"' <<<"$out")"
check_eq "replay all: the corrections in total" 2 "$(jq -r .totals.corrected <<<"$out")"
check_eq "the post's difference: 22 months at the corrected wage" 22 \
    "$(jq -r '[.corrections[] | select(.event_id == "pw-start") | .differences[] | select(.field == "parameter")] | length' <<<"$out")"
check_eq "the placement's difference: the tier-1 rate" "r08_tier1_fen 40000 (2023-01-01) -> 45000 (2024-01-01)" \
    "$(jq -r '.corrections[] | select(.event_id == "place") | .differences[] | "\(.name) \(.before) -> \(.after)"' <<<"$out")"
R2=$(jq -r .replay_id <<<"$out")
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards WHERE decision_id IN ('rp/pw-start/R04/replay/$R2', 'rp/place/R08/anniversary/replay/$R2')" 4
wait_until 30 settled
# 2 × 1 840 + 22 × 2 050 + 24 × 950 = 3 680 + 45 100 + 22 800 = 71 580 yuan
check_eq "example 2 after the correction: −70 700 and +71 580" "granted 7070000, granted -7070000, granted 7158000" "$(award pw-start)"
check_eq "the new post award's breakdown" "2 × 184000|22 × 205000|24 × 95000" \
    "$(sql "SELECT string_agg(l->>'factor', '|' ORDER BY o) FROM subsidy.awards, jsonb_array_elements(body->'breakdown') WITH ORDINALITY AS b(l, o) WHERE decision_id = 'rp/pw-start/R04/replay/$R2' AND reverses_award_id IS NULL")"
check_eq "rules.employment now names the corrected decision (a later end corrects it)" "rp/pw-start/R04/replay/$R2" \
    "$(sql "SELECT decision_id FROM rules.employment WHERE event_id = 'pw-start'")"
check_eq "example 5 after the correction: −400 and +450 as the agency's same 1st placement" \
    "granted 40000 slot 1, granted -40000, granted 45000 slot 1" "$(award place)"
check_eq "rules.employment names the corrected anniversary decision" "rp/place/R08/anniversary/replay/$R2" \
    "$(sql "SELECT decision_id FROM rules.employment WHERE event_id = 'place'")"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE ref_id LIKE 'rp/pw-start/R04/replay/%'" 2
after=$(counts)

# 4. The same replay again: nothing.
out=$("$CTL" replay --from 2023-01-01 --to 2024-12-31 --json)
check_eq "second identical replay: nothing corrected" "0" "$(jq -r .totals.corrected <<<"$out")"
check_eq "second identical replay: every examined decision unchanged" "$(jq -r .totals.examined <<<"$out")" "$(jq -r .totals.unchanged <<<"$out")"
out=$("$CTL" replay --from 2023-01-01 --to 2024-12-31 --rule R01 --json)
check_eq "second R01 replay: nothing corrected" "0" "$(jq -r .totals.corrected <<<"$out")"
sleep 2
wait_until 30 settled
check_eq "no new decision, award or notification" "$after" "$(counts)"

# The cap counts places: P1 holds three 2024 places (two of them replaced), P4 two.
{
    train t6 2024-11-01 "$P1" level4
    train t5c 2024-10-01 "$P4" level4
} >"$F"
check "two more 2024 trainings" "$CTL" publish --token "$TOKEN" "$F"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards WHERE decision_id IN ('rp/t6/R01', 'rp/t5c/R01')" 2
check_eq "P1 is still at the yearly cap" "refused 0" "$(award t6)"
check_eq "P4 still has its third place, at the corrected rate" "granted 160000 slot 3" "$(award t5c)"
check_eq "the ledger's net for P1 in 2024: 1 600 + 1 000 + 1 600" 420000 \
    "$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE beneficiary = '$P1' AND program = 'TRAINING_SUBSIDY' AND year = 2024")"
check_eq "no edit was ever made to subsidy.awards (append-only held)" 0 \
    "$(sql "SELECT count(*) FROM subsidy.awards a JOIN subsidy.awards b ON a.award_id = b.award_id AND a.ctid <> b.ctid")"
# A late end of the placement, before its anniversary: it corrects the replayed decision.
ev place-end employment.ended 2025-01-15 320706 "{\"cert_no\":\"$P5\",\"employer_code\":\"$EMP\",\"reason\":\"辞职\"}" >"$F"
check "the late end of the placement" "$CTL" publish --token "$TOKEN" "$F"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards WHERE decision_id = 'rp/place-end/R08'" 1
check_eq "the end corrects the replayed anniversary decision" "rp/place/R08/anniversary/replay/$R2" \
    "$(sql "SELECT body->>'corrects_decision_id' FROM rules.decisions WHERE decision_id = 'rp/place-end/R08'")"
check_eq "and reverses the corrected award (450), nothing else" "granted -45000 rp/place/R08/anniversary/replay/$R2/AGENCY_PLACEMENT" \
    "$(sql "SELECT status || ' ' || amount_fen || ' ' || reverses_award_id FROM subsidy.awards WHERE decision_id = 'rp/place-end/R08'")"
check_eq "the placement nets to zero" 0 "$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE program = 'AGENCY_PLACEMENT'")"
check_eq "the replays recorded (not the dry runs), with what each corrected" "R01 5, all 2, all 0, R01 0" \
    "$(sql "SELECT string_agg(coalesce(rule, 'all') || ' ' || (summary->'totals'->>'corrected'), ', ' ORDER BY replay_id) FROM rules.replays")"

# jiuyectl trace of example 1 after the replay: the whole chain.
out=$("$CTL" trace t1 2>&1) && rc=0 || rc=$?
check_eq "trace t1 exits 0" 0 "$rc"
has() { check "trace t1: $1" grep -qF -- "$2" <<<"$out"; }
has "the original decision" "rp/t1/R01"
has "the corrective decision and what it corrects" "更正  rp/t1/R01"
has "the corrective decision's reason" "按现行方案重新评估（回放 #$R1）"
has "the new parameter" "r01_amount_fen.level4 = 160000（自 2024-01-01"
has "the original award" "金额 1500.00 元（150000 分）"
has "the reversal" "金额 -1500.00 元（-150000 分）"
has "what the reversal undoes" "冲销 rp/t1/R01/TRAINING_SUBSIDY"
has "the new award" "金额 1600.00 元（160000 分）"
has "what the new award replaces" "接替 rp/t1/R01/TRAINING_SUBSIDY"
has "their notifications" "通知 #"
check_eq "trace t1: two decisions, three awards" "2 3" "$(grep -c '^决定 ' <<<"$out") $(grep -c '  奖补  ' <<<"$out")"
printf '%s\n' "$out" | sed 's/^/# /'
lib_finish
