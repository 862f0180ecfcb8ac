#!/usr/bin/env bash
# Order of arrival (docs/policy.md §3 "Order of arrival", "Agency tiers (R08)"): caps, once-per-person
# programs and tiers are allocated in date order, whatever order the facts arrive in.
#
# One scenario, published into a fresh database in date order, then again (db_reset, services
# restarted) in reverse date order and in shuffled orders (deterministic seeds):
#   * four 2024 trainings of one person (R01, at most 3 a year): the three earliest are paid;
#   * three enrolments of a blind student in academic year 2024 (R03, 3 000 yuan a year): the cap
#     is crossed by the second in date order (2 000 + 1 000), the third gets nothing;
#   * two businesses and two graduate registrations of one person (R07, R05, once per person);
#   * four agency placements with anniversaries in 2025, the first tier cut to 2 places in a copy
#     of the plan (R08: 400, 400, 600, 600 by anniversary). Each start is published on its own
#     and its anniversary awaited, so the anniversaries reach subsidy in the shuffled order.
# Each run's final ledger (per decision and program: the status of its latest award, the tier,
# the net amount; per beneficiary, program and limit: the net amount) must equal the date-ordered
# run's, which is itself checked against the amounts the plan gives. The reversed run must have
# moved places (reversals and replacements), or it would prove nothing. The last run adds
# faults: its decisions are also delivered a second time under new message ids (already settled:
# nothing changes), and subsidy is killed (-9) mid-stream. Then a decision that becomes
# eligible only through a replay (jiuyectl replay) takes its date-order place, and an award
# settled before migration 014 (no claim) keeps its place ahead of the claims. Nothing is ever
# edited.
. "$(dirname "$0")/../lib.sh"
lib_init
POLICY=$JIUYE_TEST_TMP/policy
mkdir -p "$POLICY"
jq '.parameters["r08_tier1_count"].series["2023-01-01"] = 2' \
    "$(dirname "$0")/../../ops/policy/lianyungang-2023-2025.json" >"$POLICY/lianyungang-2023-2025.json"
export JIUYE_POLICY_DIR=$POLICY JIUYE_TODAY=2025-06-30
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
PROTO=$(cd "$(dirname "$0")/../../proto" && pwd)

P1=$(make_cert_no 32070619900307123 4 3)    # trainings
P2=$(make_cert_no 32070619950505111 1 2)    # blind student (category 1)
P3=$(make_cert_no 32070620000101222 4 3)    # businesses and graduate registrations
Q=()
for i in 1 2 3 4; do Q+=("$(make_cert_no "3207061985010${i}3${i}7" 4 3)"); done
AG=$(make_credit_code 91320706MA5555550)
EMP=$(make_credit_code 91320706MA2222220)
PROV=$(make_credit_code 91320706MA1111110)
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"320706","payload":%s}\n' "$@"; }
reg() { ev "reg-$1" person.registered 2023-01-10 "{\"cert_no\":\"$2\",\"name\":\"张三\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
train() { ev "$1" training.completed "$2" "{\"cert_no\":\"$P1\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"$3\",\"cost_fen\":$4}"; }
enrol() { ev "$1" education.enrolled "$2" "{\"cert_no\":\"$P2\",\"school\":\"连云港特殊教育中心\",\"academic_year\":2024,\"tuition_fen\":$3}"; }
biz() { ev "$1" business.started "$2" "{\"cert_no\":\"$P3\",\"business_code\":\"$(make_credit_code "$3")\",\"kind\":\"individual\"}"; }
grad() { ev "$1" graduate.registered "$2" "{\"cert_no\":\"$P3\",\"school\":\"淮海工学院\",\"graduation_year\":2024,\"wants_job\":false}"; }
start() { ev "$1" employment.started "$2" "{\"cert_no\":\"$3\",\"employer_code\":\"$EMP\",\"channel\":\"regular\",\"contract_months\":24,\"monthly_wage_fen\":300000,\"social_insurance\":true,\"agency_code\":\"$AG\"}"; }

{
    reg p1 "$P1"; reg p2 "$P2"; reg p3 "$P3"
    for i in 0 1 2 3; do reg "q$i" "${Q[$i]}"; done
} >"$T/registrations.ndjson"
# The facts, in date order (occurred_on, then event_id).
{
    train t-2023 2023-11-01 level4 180000 # another year: its own three places
    biz b1 2024-03-01 92320706MA3333330
    train t1 2024-03-05 level4 180000     # 1 500
    train t2 2024-04-01 level5 180000     # 1 000
    train t3 2024-05-01 level4 120000     # 1 200 (the cost)
    train t4 2024-06-01 level3 300000     # 2 000 asked: the 4th of 2024, refused
    grad g1 2024-06-15
    grad g2 2024-07-20                    # once per person: refused
    biz b2 2024-07-01 92320706MA4444440   # once per person: refused
    enrol e1 2024-09-01 400000            # half: 2 000
    enrol e2 2024-10-01 300000            # half 1 500, 1 000 left under the cap
    enrol e3 2024-11-01 100000            # half 500, nothing left
} >"$T/facts.ndjson"
# The placements, in anniversary order: 2025-01-10, 02-10, 03-10, 04-10.
{
    start s1 2024-01-10 "${Q[0]}"
    start s2 2024-02-10 "${Q[1]}"
    start s3 2024-03-10 "${Q[2]}"
    start s4 2024-04-10 "${Q[3]}"
} >"$T/starts.ndjson"
N_FACTS=$(wc -l <"$T/facts.ndjson")
N_REG=$(wc -l <"$T/registrations.ndjson")

# shuffled FILE ORDER: the lines of FILE as written ("dated"), last first ("reverse"), or in an
# order fixed by a numeric seed.
shuffled() {
    case $2 in
    dated) cat "$1" ;;
    reverse) tac "$1" ;;
    *) awk -v seed="$2" 'BEGIN { srand(seed) } { printf "%.12f\t%s\n", rand(), $0 }' "$1" | sort -k1,1 | cut -f2- ;;
    esac
}

drained() {
    sql_is "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)" 0
}

# publish FILE: publish and wait until rules has consumed it all and every outbox is empty.
publish() {
    local want
    want=$(($(sql "SELECT count(*) FROM rules.events") + $(wc -l <"$1")))
    "$CTL" publish --token "$TOKEN" "$1" >/dev/null || { not_ok "publish $1" "jiuyectl publish failed"; return; }
    wait_until 60 sql_is "SELECT count(*) FROM rules.events" "$want" || not_ok "rules consumed $1" "$(sql "SELECT count(*) FROM rules.events") of $want"
    wait_until 60 drained || not_ok "outboxes drained after $1" ""
}

# publish_starts ORDER: one start at a time, waiting for its anniversary to be settled by subsidy.
publish_starts() {
    local k=0 line
    while IFS= read -r line; do
        k=$((k + 1))
        printf '%s\n' "$line" >"$T/one.ndjson"
        "$CTL" publish --token "$TOKEN" "$T/one.ndjson" >/dev/null || not_ok "publish a start" "$line"
        wait_until 60 sql_is "SELECT count(*) FROM subsidy.decisions WHERE decision_id LIKE '%/R08/anniversary'" "$k" ||
            not_ok "anniversary $k settled" "$(sql "SELECT count(*) FROM subsidy.decisions WHERE decision_id LIKE '%/R08/anniversary'")"
    done < <(shuffled "$T/starts.ndjson" "$1")
    wait_until 60 drained || not_ok "outboxes drained after the starts" ""
}

# The final ledger, one line per decision and program (the latest award's status, the R08 tier,
# the net of every row of the decision) and per beneficiary, program and limit (the net).
ledger() {
    sql "SELECT string_agg(line, E'\n' ORDER BY line) FROM (
           SELECT 'decision ' || h.decision_id || ' ' || h.program || ' ' || h.status
                  || CASE WHEN h.program = 'AGENCY_PLACEMENT' THEN ' ' || (h.body->'breakdown'->0->>'parameter') ELSE '' END
                  || CASE WHEN EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = h.award_id) THEN ' reversed' ELSE '' END
                  || ' net ' || (SELECT sum(n.amount_fen) FROM subsidy.awards n WHERE n.decision_id = h.decision_id AND n.program = h.program) AS line
             FROM subsidy.awards h
            WHERE h.reverses_award_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = h.award_id)
           UNION ALL
           SELECT 'limit ' || program || ' ' || coalesce(limit_key, '-') || ' ' || left(beneficiary, 6) || '…' || right(beneficiary, 4)
                  || ' net ' || sum(amount_fen)
             FROM subsidy.awards GROUP BY program, limit_key, beneficiary) l"
}

moves() { sql "SELECT count(*) FILTER (WHERE reverses_award_id IS NOT NULL) || ' reversals, ' || count(*) FILTER (WHERE replaces_award_id IS NOT NULL) || ' replacements' FROM subsidy.awards"; }

fresh_suite() {
    svc_stop_all
    db_reset
    for s in notify subsidy rules intake; do svc_start $s || lib_finish; done
    TOKEN=$("$CTL" source add ord)
    publish "$T/registrations.ndjson"
}

# run ORDER: the whole scenario in ORDER ("dated", "reverse" or a seed) into a fresh database.
run() {
    fresh_suite
    shuffled "$T/facts.ndjson" "$1" >"$T/facts-$1.ndjson"
    publish "$T/facts-$1.ndjson"
    publish_starts "$1"
}

# 1. Date order: the reference, checked against the plan's amounts.
run dated
REF=$(ledger)
printf '%s\n' "$REF" | sed 's/^/# dated: /'
line() { grep -F "decision ord/$1 " <<<"$REF" | sed "s|^decision ord/$1 ||"; }
check_eq "t1 granted 1 500" "TRAINING_SUBSIDY granted net 150000" "$(line t1/R01)"
check_eq "t2 granted 1 000" "TRAINING_SUBSIDY granted net 100000" "$(line t2/R01)"
check_eq "t3 granted 1 200 (its cost)" "TRAINING_SUBSIDY granted net 120000" "$(line t3/R01)"
check_eq "t4, the 4th of 2024, refused" "TRAINING_SUBSIDY refused net 0" "$(line t4/R01)"
check_eq "the 2023 training has its own year" "TRAINING_SUBSIDY granted net 150000" "$(line t-2023/R01)"
check_eq "e1: half of 4 000" "BLIND_TUITION granted net 200000" "$(line e1/R03)"
check_eq "e2: what is left of the 3 000 cap" "BLIND_TUITION granted net 100000" "$(line e2/R03)"
check_eq "e3: nothing left" "BLIND_TUITION refused net 0" "$(line e3/R03)"
check_eq "b1 startup granted" "STARTUP granted net 500000" "$(line b1/R07)"
check_eq "b2 startup refused (once)" "STARTUP refused net 0" "$(line b2/R07)"
check_eq "g1 graduate granted" "GRADUATE_JOBSEEK granted net 150000" "$(line g1/R05)"
check_eq "g2 graduate refused (once)" "GRADUATE_JOBSEEK refused net 0" "$(line g2/R05)"
for s in s1 s2; do check_eq "$s: first tier (400)" "AGENCY_PLACEMENT granted r08_tier1_fen net 40000" "$(line $s/R08/anniversary)"; done
for s in s3 s4; do check_eq "$s: second tier (600)" "AGENCY_PLACEMENT granted r08_tier2_fen net 60000" "$(line $s/R08/anniversary)"; done
check_eq "date order moves nothing" "0 reversals, 0 replacements" "$(moves)"
check_eq "the R08 numbers follow the anniversaries" "s1 1|s2 2|s3 3|s4 4" \
    "$(sql "SELECT string_agg(split_part(decision_id, '/', 2) || ' ' || (regexp_match(body->>'reason', '第 ([0-9]+) 个'))[1], '|' ORDER BY decision_id) FROM subsidy.awards WHERE program = 'AGENCY_PLACEMENT'")"

# 2. Reverse date order: the latest of everything arrives first and every place moves.
run reverse
check_eq "reverse order: the same final ledger" "$REF" "$(ledger)"
got=$(moves)
check "reverse order moved places (reversals and replacements)" test "$got" != "0 reversals, 0 replacements"
echo "# reverse: $got"
check_eq "reverse: t4 was granted, then reversed and refused when t1-t3 arrived" \
    "granted 200000|granted -200000|refused 0" \
    "$(sql "SELECT string_agg(status || ' ' || amount_fen, '|' ORDER BY created_at, award_id) FROM subsidy.awards WHERE decision_id = 'ord/t4/R01'")"
check_eq "reverse: the refused award names the one it replaces, the reversal the one it undoes" \
    "ord/t4/R01/TRAINING_SUBSIDY ord/t4/R01/TRAINING_SUBSIDY" \
    "$(sql "SELECT (SELECT replaces_award_id FROM subsidy.awards WHERE decision_id = 'ord/t4/R01' AND status = 'refused') || ' ' || (SELECT reverses_award_id FROM subsidy.awards WHERE decision_id = 'ord/t4/R01' AND amount_fen < 0)")"
check_eq "reverse: e2 moved from 1 500 to 1 000 when e1 arrived" "granted 150000|granted -150000|granted 100000" \
    "$(sql "SELECT string_agg(status || ' ' || amount_fen, '|' ORDER BY created_at, award_id) FROM subsidy.awards WHERE decision_id = 'ord/e2/R03'")"
check_eq "reverse: s3 was the agency's 2nd (400), now its 3rd (600)" "granted 40000|granted -40000|granted 60000" \
    "$(sql "SELECT string_agg(status || ' ' || amount_fen, '|' ORDER BY created_at, award_id) FROM subsidy.awards WHERE decision_id = 'ord/s3/R08/anniversary'")"
check_eq "reverse: no place token is held twice" 0 \
    "$(sql "SELECT count(*) FROM (SELECT program, beneficiary, limit_key, slot FROM subsidy.awards a WHERE slot IS NOT NULL AND status IN ('granted', 'waiting_budget') AND amount_fen > 0 AND NOT EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = a.award_id) GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d")"
wait_until 30 sql_is "SELECT count(*) FROM subsidy.awards a WHERE NOT EXISTS (SELECT 1 FROM notify.notifications n WHERE n.ref_id = a.award_id)" 0
check_eq "reverse: staff were told of every award, reversal and move" 0 \
    "$(sql "SELECT count(*) FROM subsidy.awards a WHERE NOT EXISTS (SELECT 1 FROM notify.notifications n WHERE n.ref_id = a.award_id)")"
check "reverse: a move's notification says why" test "$(sql "SELECT count(*) FROM notify.notifications WHERE ref_id LIKE 'ord/t4/R01/TRAINING_SUBSIDY/%' AND body LIKE '%按发生日期%'")" -ge 1

# 3. Shuffled orders.
for seed in 7 42 2024; do
    run "$seed"
    check_eq "seed $seed: the same final ledger as date order" "$REF" "$(ledger)"
    echo "# seed $seed: $(moves)"
done

# 4. Faults: a shuffled order whose decisions reach subsidy twice (the second time under new
# message ids: already settled) and with subsidy killed (-9) while it settles.
fresh_suite
shuffled "$T/facts.ndjson" 99 >"$T/facts-99.ndjson"
head -n 6 "$T/facts-99.ndjson" >"$T/first.ndjson"
tail -n +7 "$T/facts-99.ndjson" >"$T/second.ndjson"
svc_stop subsidy
"$CTL" publish --token "$TOKEN" "$T/first.ndjson" >/dev/null
wait_until 60 sql_is "SELECT count(*) FROM rules.events" $((N_REG + 6))
wait_until 30 sql_ge "SELECT count(*) FROM rules.outbox" 6
svc_stop rules
copied=0
while IFS='|' read -r id hex; do
    again=$(printf '%s' "$hex" | xxd -r -p | protoc-c --decode=jiuye.Envelope -I"$PROTO" "$PROTO/envelope.proto" |
        sed "s|^message_id: \"$id\"|message_id: \"$id/again\"|" | protoc-c --encode=jiuye.Envelope -I"$PROTO" "$PROTO/envelope.proto" | xxd -p | tr -d '\n')
    sql "INSERT INTO rules.outbox (message_id, payload) VALUES ('$id/again', decode('$again', 'hex'))"
    copied=$((copied + 1))
done < <(sql "SELECT message_id, encode(payload, 'hex') FROM rules.outbox ORDER BY seq")
check "faults: rules' undelivered messages copied under new message ids" test "$copied" -ge 6
svc_start rules || lib_finish
svc_start subsidy || lib_finish
wait_until 60 sql_is "SELECT count(*) FROM subsidy.consumed WHERE message_id LIKE '%/again'" "$copied"
check_eq "faults: every copy consumed and acknowledged, none a dead letter" "$copied 0" \
    "$(sql "SELECT (SELECT count(*) FROM subsidy.consumed WHERE message_id LIKE '%/again') || ' ' || (SELECT count(*) FROM subsidy.dead_letters)")"
settled_before=$(sql "SELECT count(*) FROM subsidy.decisions")
"$CTL" publish --token "$TOKEN" "$T/second.ndjson" >/dev/null
wait_until 30 sql_ge "SELECT count(*) FROM subsidy.decisions" $((settled_before + 1))
svc_kill9 subsidy # mid-stream: what it committed stays, what it had not is sent again
svc_start subsidy || lib_finish
wait_until 60 sql_is "SELECT count(*) FROM rules.events" $((N_REG + N_FACTS))
wait_until 60 drained
publish_starts 99
check_eq "faults: the same final ledger as date order" "$REF" "$(ledger)"
echo "# faults: $(moves)"
check_eq "faults: each decision settled once" 0 \
    "$(sql "SELECT count(*) FROM (SELECT decision_id, program FROM subsidy.awards WHERE reverses_award_id IS NULL AND replaces_award_id IS NULL GROUP BY 1, 2 HAVING count(*) > 1) d")"
check_eq "faults: no dead letter anywhere" "0 0" \
    "$(sql "SELECT (SELECT count(*) FROM subsidy.dead_letters) || ' ' || (SELECT count(*) FROM rules.dead_letters)")"

# 5. A decision that becomes eligible only through a replay takes its date-order place: a 2024
# training of 30 hours (ineligible under the 40-hour minimum), then the minimum corrected to 30
# hours and the year replayed. t0, the earliest of 2024, now holds a place: t3, the latest of
# the three granted, gives its place up (reversed, then refused with the reason).
train t0 2024-02-01 level4 180000 | sed 's/"hours":60/"hours":30/' >"$T/t0.ndjson"
publish "$T/t0.ndjson"
check_eq "replay: t0 ineligible at 30 hours, no award" "ineligible 0" \
    "$(sql "SELECT outcome || ' ' || (SELECT count(*) FROM subsidy.awards WHERE decision_id LIKE 'ord/t0/%') FROM subsidy.decisions WHERE decision_id = 'ord/t0/R01'")"
jq '.parameters["r01_min_hours"].series["2023-01-01"] = 30' "$POLICY/lianyungang-2023-2025.json" >"$T/plan.json" &&
    mv "$T/plan.json" "$POLICY/lianyungang-2023-2025.json"
kill -HUP "$(svc_pid rules)"
wait_until 10 grep -q 'policy reloaded' "$(svc_log rules)"
out=$(JIUYE_TOKEN=$(token_for operator) "$CTL" replay --from 2024-01-01 --to 2024-12-31 --rule R01 --json)
check_eq "replay: the 2024 trainings corrected (the minimum is a parameter of each)" 5 "$(jq -r .totals.corrected <<<"$out")"
wait_until 60 sql_is "SELECT count(*) FROM subsidy.decisions WHERE decision_id LIKE 'ord/%/R01/replay/%'" 5
wait_until 60 drained
# per event: the net of all its decisions' awards, and the status of the one award left standing
event_state() {
    sql "SELECT coalesce(sum(amount_fen), 0) || ' ' || coalesce((SELECT string_agg(h.status, ',') FROM subsidy.awards h
           WHERE h.decision_id LIKE 'ord/$1/R01%' AND h.reverses_award_id IS NULL
             AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = h.award_id)
             AND NOT EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = h.award_id)), '-')
           FROM subsidy.awards WHERE decision_id LIKE 'ord/$1/R01%'"
}
check_eq "replay: t0 now holds the first 2024 place" "150000 granted" "$(event_state t0)"
check_eq "replay: t1 keeps its place" "150000 granted" "$(event_state t1)"
check_eq "replay: t2 keeps its place" "100000 granted" "$(event_state t2)"
check_eq "replay: t3 gives its place up to t0" "0 refused" "$(event_state t3)"
check_eq "replay: t4 still refused" "0 refused" "$(event_state t4)"
check "replay: t3's refusal gives the cap as the reason" test \
    "$(sql "SELECT count(*) FROM subsidy.awards WHERE decision_id LIKE 'ord/t3/R01%' AND status = 'refused' AND body->>'reason' LIKE '%至多 3 次%'")" -ge 1

# 6. An award settled before migration 014 has no claim: it keeps its place ahead of every claim.
P4=$(make_cert_no 32070619930303444 4 3)
reg p4 "$P4" >"$T/p4.ndjson"
publish "$T/p4.ndjson"
sql "INSERT INTO subsidy.awards (award_id, decision_id, program, rule, beneficiary, district, year, amount_fen, status, slot, body, limit_key)
     VALUES ('old/x/R01/TRAINING_SUBSIDY', 'old/x/R01', 'TRAINING_SUBSIDY', 'R01', '$P4', '320706', 2024, 150000, 'granted', 1, '{}', '2024')" >/dev/null
# Such awards exist only before the first start of a version with claims: subsidy looks for them
# when it starts (claims_open), so it starts again, as after the upgrade.
svc_stop subsidy
svc_start subsidy || lib_finish
check "subsidy noticed the award settled before claims" grep -q "awards settled before claims" "${LIB_LOG[subsidy]}"
{
    train p4-c 2024-12-01 level4 180000
    train p4-a 2024-01-05 level4 180000
    train p4-b 2024-02-05 level4 180000
} | sed "s/$P1/$P4/" >"$T/p4-trainings.ndjson"
publish "$T/p4-trainings.ndjson"
heads="FROM subsidy.awards a WHERE beneficiary = '$P4' AND decision_id LIKE 'ord/%' AND reverses_award_id IS NULL
       AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = a.award_id)"
check_eq "before claims: the old award keeps a place, p4-a and p4-b take the other two, p4-c (latest) is refused" \
    "p4-a granted|p4-b granted|p4-c refused" \
    "$(sql "SELECT string_agg(split_part(decision_id, '/', 2) || ' ' || status, '|' ORDER BY decision_id) $heads")"
# p4-c arrived first and took token 2, p4-a token 3; p4-b took the token p4-c gave up: never 1
check_eq "before claims: the old award's place token is never taken" "2,3" \
    "$(sql "SELECT string_agg(slot::text, ',' ORDER BY slot) $heads AND status = 'granted'")"
check_eq "the ledger was never edited (append-only held)" 0 \
    "$(sql "SELECT count(*) FROM subsidy.awards a JOIN subsidy.awards b ON a.award_id = b.award_id AND a.ctid <> b.ctid")"
lib_finish
