#!/usr/bin/env bash
# jiuyectl trace on worked examples 1 and 2 of docs/policy.md §6: the stored event,
# its decision with clause, outcome, reason, facts and parameters, the award with its
# breakdown, the notification with its acknowledgement and delivery status, in one view;
# example 2's end of post shows the corrective decision and the reversal. Also the
# event_id/source filters of GET /v1/awards and GET /v1/notifications (paging kept),
# an event id used by two sources, a database or a service that does not answer, and
# `jiuyectl COMMAND --help` for every command.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-01-15
CTL=$JIUYE_BIN/jiuyectl
JIUYE_TOKEN=$(token_for operator) # trace reads the services as an operator
export JIUYE_TOKEN

# --help: every command prints its usage on stdout and exits 0.
for c in source publish notifications policy subscribe keygen report trace replay; do
    out=$("$CTL" $c --help 2>/dev/null) && rc=0 || rc=$?
    check_eq "jiuyectl $c --help exits 0" 0 "$rc"
    check "jiuyectl $c --help prints its own usage" grep -q "jiuyectl $c" <<<"$out"
done
out=$("$CTL" subscribe add x --channel webhook --help 2>/dev/null) && rc=0 || rc=$?
check_eq "--help after other arguments still helps (and adds nothing)" "0 usage" "$rc $(head -c5 <<<"$out")"
out=$("$CTL" --help)
check "jiuyectl --help lists trace" grep -q "jiuyectl trace EVENT" <<<"$out"
out=$("$CTL" trace 2>&1) && rc=0 || rc=$?
check_eq "trace without EVENT is a usage error" 2 "$rc"

# A webhook that cannot be reached: one attempt, failed, visible in the trace.
export JIUYE_WEBHOOK_MAX_ATTEMPTS=1 JIUYE_WEBHOOK_TIMEOUT_MS=1000
check "subscribe a webhook that is down" "$CTL" subscribe add hook-down --channel webhook \
    --target "http://127.0.0.1:$((NOTIFY_HTTP_PORT + 101))/down" --rule R01
for s in notify subsidy rules intake; do svc_start $s || lib_finish; done

TOKEN=$("$CTL" source add e2e-trace)
OTHER=$("$CTL" source add e2e-other)
P=$(make_cert_no 32070619900307123 4 3)       # 海州区, born 1990
PW=$(make_cert_no 32072219800101456 4 3)      # 东海县
PROV=$(make_credit_code 91320706MA1111110)
PWE=$(make_credit_code 12320722MB0000000)
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@"; }
reg() { ev "$1" person.registered "$2" "$3" "{\"cert_no\":\"$4\",\"name\":\"张三\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
F=$JIUYE_TEST_TMP/trace.ndjson
{
    reg r1 2024-01-15 320706 "$P"
    ev t1 training.completed 2024-05-10 320706 "{\"cert_no\":\"$P\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}"
    reg reg-pw 2023-01-01 320722 "$PW"
    ev pw-start employment.started 2023-11-01 320722 "{\"cert_no\":\"$PW\",\"employer_code\":\"$PWE\",\"channel\":\"public_welfare_post\",\"contract_months\":24,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
    ev pw-end employment.ended 2024-04-30 320722 "{\"cert_no\":\"$PW\",\"employer_code\":\"$PWE\",\"reason\":\"合同终止\"}"
} >"$F"
out=$("$CTL" publish --token "$TOKEN" "$F")
check_eq "five events accepted" "5 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
# The same id from another source: a different event (the key is source + event_id).
reg t1 2024-01-16 320706 "$(make_cert_no 32070619910101111 4 3)" >"$F.other"
out=$("$CTL" publish --token "$OTHER" "$F.other")
check_eq "t1 from another source accepted" "1 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 30 sql_is "SELECT count(*) FROM notify.notifications WHERE event_id IN ('t1', 'pw-start', 'pw-end') AND source = 'e2e-trace'" 3
wait_until 15 sql_is "SELECT count(*) FROM notify.deliveries WHERE status = 'failed'" 1
NID=$(sql "SELECT notification_id FROM notify.notifications WHERE event_id = 't1' AND source = 'e2e-trace'")
H7=$("$CTL" staff add hz-staff-07 --district 320706 --department cdpf) # acknowledgements are in the token's name
curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $H7" "http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications/$NID/ack"

# The filters the trace relies on.
A=http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/awards
N=http://127.0.0.1:$NOTIFY_HTTP_PORT/v1/notifications
count() { grep -o "\"$1\"" <<<"$2" | wc -l; }
check_eq "awards?event_id=t1: one award" 1 "$(count award_id "$(api -fsS "$A?event_id=t1")")"
check_eq "awards?event_id=t1&source=e2e-other: none" 0 "$(count award_id "$(api -fsS "$A?event_id=t1&source=e2e-other")")"
check_eq "awards?event_id=pw-end&source=e2e-trace: the reversal" 1 "$(count reverses_award_id "$(api -fsS "$A?event_id=pw-end&source=e2e-trace")")"
check_eq "awards without filters: all three" 3 "$(count award_id "$(api -fsS "$A")")"
check_eq "notifications?event_id=t1&source=e2e-trace: one" 1 "$(count ref_id "$(api -fsS "$N?event_id=t1&source=e2e-trace")")"
check_eq "notifications?event_id=t1 with another district: none" 0 "$(count ref_id "$(api -fsS "$N?event_id=t1&district=320722")")"
pw=$(api -fsS "$N?event_id=pw-start&limit=1")
next=$(sed -n 's/.*"next_after":\([0-9]*\).*/\1/p' <<<"$pw")
check_eq "notifications?event_id= pages with after=" 0 "$(count ref_id "$(api -fsS "$N?event_id=pw-start&after=$next")")"
check_eq "notifications paging without event_id still works" "$(($(sql "SELECT count(*) FROM notify.notifications") - 1))" \
    "$(count ref_id "$(api -fsS "$N?after=$(sql "SELECT min(notification_id) FROM notify.notifications")&limit=1000")")"

# Example 1 in one view.
out=$("$CTL" trace t1 2>&1) && rc=0 || rc=$?
check_eq "t1 is used by two sources: trace asks for --source" 2 "$rc"
check "the message names both sources" grep -q "used by 2 sources: e2e-other e2e-trace; give --source" <<<"$out"
out=$("$CTL" trace t1 --source e2e-trace 2>&1) && rc=0 || rc=$?
check_eq "trace t1 --source e2e-trace exits 0" 0 "$rc"
# has NAME TEXT: the last trace output ($out, of trace $what) holds TEXT.
has() { check "trace $what: $1" grep -qF -- "$2" <<<"$out"; }
what=t1
has "the stored event" "事件 t1（来源 e2e-trace）"
has "its type, date and district" "类型  training.completed，发生 2024-05-10，区县 320706 海州区"
has "its payload" "\"cost_fen\":180000"
has "the decision and outcome" "R01"
has "the outcome in words" "eligible（符合条件）"
has "the clause" "条款  二(三)9"
has "the reason" "理由  已登记、劳动年龄、培训 60 学时"
has "the facts" "age = 34"
has "the parameters with effective date" "r01_amount_fen.level4 = 150000（自 2023-01-01；二(三)9"
has "the plan and its SHA-256" "方案  lianyungang-2023-2025，sha256 $(sha256sum "$(dirname "$0")/../../ops/policy/lianyungang-2023-2025.json" | cut -d' ' -f1)"
has "the award and status" "granted（发放）"
has "the amount" "金额 1500.00 元（150000 分）"
has "the breakdown" "min(150000, 培训费用 180000)"
has "the notification" "通知 #$NID [320706 海州区"
has "its acknowledgement" "已确认：hz-staff-07"
has "its delivery status" "投递 hook-down（webhook）failed（投递失败），1 次"
has "the totals" "1 条决定，1 项奖补，1 条通知"
check_eq "the other source's t1 is not in this view" 0 "$(grep -c "e2e-other" <<<"$out")"
printf '%s\n' "$out" | sed 's/^/# /'

# Example 2: the end of the post, its corrective decision and the reversal.
out=$("$CTL" trace pw-end 2>&1) && rc=0 || rc=$?
check_eq "trace pw-end exits 0 (one source: no --source needed)" 0 "$rc"
what="pw-end"
has "the stored event" "事件 pw-end（来源 e2e-trace）"
has "the R04 correction" "更正  e2e-trace/pw-start/R04"
has "the months served" "months_served = 6"
has "the reversal" "金额 -53280.00 元（-5328000 分）"
has "what it reverses" "冲销 e2e-trace/pw-start/R04/"
has "its notification" "通知 #"

out=$("$CTL" trace t1 --source e2e-trace --json)
check "--json: one object with the chain" grep -q '"decisions": \[' <<<"$out"
check "--json: the award's breakdown" grep -q '"breakdown": \[' <<<"$out"
check "--json: the deliveries" grep -q '"status": "failed"' <<<"$out"
check "--json: no internal marks" bash -c '! grep -q _shown <<<"$1"' _ "$out"

out=$("$CTL" trace no-such-event 2>&1) && rc=0 || rc=$?
check_eq "an unknown event: exit 1" 1 "$rc"
check "an unknown event: says so" grep -q "nothing known about event 'no-such-event'" <<<"$out"
out=$(JIUYE_DB="host=127.0.0.1 port=1 dbname=jiuye" "$CTL" trace t1 --source e2e-trace 2>/dev/null) && rc=0 || rc=$?
check_eq "database unreachable: the chain is still shown" "0 1" "$rc $(grep -c '^决定 1/1' <<<"$out")"
check "database unreachable: with a note" grep -q "注意：intake: the database is not reachable" <<<"$out"
svc_stop notify
out=$("$CTL" trace t1 --source e2e-trace 2>&1) && rc=0 || rc=$?
check_eq "notify down: exit 1" 1 "$rc"
check "notify down: a note names the API" grep -q "注意：.*/v1/notifications.*HTTP 0" <<<"$out"
lib_finish
