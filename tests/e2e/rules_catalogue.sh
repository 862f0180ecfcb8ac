#!/usr/bin/env bash
# Every rule of docs/policy.md §3 through all four services: a positive case, a
# negative case and the boundaries (age limits, 40 hours, 10 % and 1.5 %,
# 50/67 staff, the 2024-01-01 minimum-wage change, 2023-01-01 and 2025-12-31),
# and worked examples 2-5 of docs/policy.md §6 to the fen.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-01-15
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add cat)
F=$JIUYE_TEST_TMP/catalogue.ndjson
: > "$F"
cc() { make_credit_code "$1"; }
ev() { # ev ID TYPE DATE DISTRICT PAYLOAD-JSON
  printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@" >> "$F"
}
reg() { # reg ID DATE DISTRICT CERT [STATUS] [WANTS] [LOW] [HARD]
  ev "$1" person.registered "$2" "$3" "{\"cert_no\":\"$4\",\"name\":\"测试\",\"employment_status\":\"${5:-employed}\",\"wants_job\":${6:-false},\"low_income\":${7:-false},\"hard_to_employ\":${8:-false}}"
}
PROV=$(cc 91320706MA1111110)
train() { # train ID DATE DISTRICT CERT HOURS CERTIFICATE COST [COURSE]
  ev "$1" training.completed "$2" "$3" "{\"cert_no\":\"$4\",\"provider_code\":\"$PROV\",\"course\":\"${8:-vocational}\",\"hours\":$5,\"certificate\":\"$6\",\"cost_fen\":$7}"
}
start() { # start ID DATE DISTRICT CERT EMPLOYER CHANNEL MONTHS [AGENCY]
  local agency=""; [[ -n "${8:-}" ]] && agency=",\"agency_code\":\"$8\""
  ev "$1" employment.started "$2" "$3" "{\"cert_no\":\"$4\",\"employer_code\":\"$5\",\"channel\":\"$6\",\"contract_months\":$7,\"monthly_wage_fen\":300000,\"social_insurance\":true$agency}"
}
end() { ev "$1" employment.ended "$2" "$3" "{\"cert_no\":\"$4\",\"employer_code\":\"$5\",\"reason\":\"合同终止\"}"; }

EMP=$(cc 91320706MA2222220)
# --- R01 and R02: ages, hours, window --------------------------------------------
P=$(make_cert_no 32070619900307123 4 3)          # male, 1990
OLD_M=$(make_cert_no 32070619640510111 4 3)      # male, 60 on 2024-05-10
OLD_F=$(make_cert_no 32070619690601222 4 3)      # female, 55 on 2024-06-01
YOUNG=$(make_cert_no 32070620080301333 4 3)      # male, 16 on 2024-03-01
for c in P OLD_M OLD_F YOUNG; do reg "reg-$c" 2023-01-01 320706 "${!c}"; done
train t-59 2024-05-09 320706 "$OLD_M" 60 level4 180000
train t-60 2024-05-10 320706 "$OLD_M" 60 level4 180000
train t-f54 2024-05-31 320706 "$OLD_F" 60 level4 180000
train t-f55 2024-06-01 320706 "$OLD_F" 60 level4 180000
train t-15 2024-02-29 320706 "$YOUNG" 60 level4 180000
train t-16 2024-03-01 320706 "$YOUNG" 60 level4 180000
train t-39h 2025-03-01 320706 "$P" 39 level4 180000
train t-40h 2025-03-02 320706 "$P" 40 level4 180000
train t-2022 2022-12-31 320706 "$P" 60 level4 180000
train t-2023 2023-01-01 320706 "$P" 60 special 180000
train t-2025 2025-12-31 320706 "$P" 60 level3 180000
train t-2026 2026-01-01 320706 "$P" 60 level4 180000
train t-massage 2025-04-01 320706 "$P" 60 none 20000 blind_massage

# --- R03 blind tuition -------------------------------------------------------------
BLIND=$(make_cert_no 32070619950101456 1 2)
DEAF=$(make_cert_no 32070619950101467 2 2)
reg reg-blind 2024-01-01 320706 "$BLIND"; reg reg-deaf 2024-01-01 320706 "$DEAF"
SCHOOL='"school":"连云港特殊教育学校"'
ev tu-1 education.enrolled 2024-09-01 320706 "{\"cert_no\":\"$BLIND\",$SCHOOL,\"academic_year\":2024,\"tuition_fen\":400000}"
ev tu-2 education.enrolled 2024-09-02 320706 "{\"cert_no\":\"$BLIND\",$SCHOOL,\"academic_year\":2024,\"tuition_fen\":400000}"
ev tu-4 education.enrolled 2024-09-03 320706 "{\"cert_no\":\"$BLIND\",$SCHOOL,\"academic_year\":2024,\"tuition_fen\":100000}"
ev tu-3 education.enrolled 2025-09-01 320706 "{\"cert_no\":\"$BLIND\",$SCHOOL,\"academic_year\":2025,\"tuition_fen\":400000}"
ev tu-deaf education.enrolled 2024-09-01 320706 "{\"cert_no\":\"$DEAF\",$SCHOOL,\"academic_year\":2024,\"tuition_fen\":400000}"

# --- R04 public-welfare post: example 2 (东海县, tier 3) --------------------------
PW=$(make_cert_no 32072219800101456 4 3)
PWE=$(cc 12320722MB0000000)
reg reg-pw 2023-01-01 320722 "$PW"
start pw-start 2023-11-01 320722 "$PW" "$PWE" public_welfare_post 24
end pw-end 2024-04-30 320722 "$PW" "$PWE"
PW2=$(make_cert_no 32072219800101467 4 3)
reg reg-pw2 2023-01-01 320722 "$PW2"
start pw2-start 2024-01-01 320722 "$PW2" "$PWE" public_welfare_post 48   # 48 months -> paid 36
start pw-regular 2024-01-01 320706 "$P" "$EMP" regular 24                  # not a post: no R04

# --- R05, R06, R07 -----------------------------------------------------------------
G=$(make_cert_no 32070620020202456 4 3)
reg reg-g 2025-01-01 320706 "$G"
ev grad-1 graduate.registered 2025-05-01 320706 "{\"cert_no\":\"$G\",$SCHOOL,\"graduation_year\":2025,\"wants_job\":true}"
ev grad-2 graduate.registered 2025-06-01 320706 "{\"cert_no\":\"$G\",$SCHOOL,\"graduation_year\":2025,\"wants_job\":false}"
G2=$(make_cert_no 32070620020202467 4 3)
reg reg-g2 2025-01-01 320706 "$G2"
ev grad-late graduate.registered 2025-05-01 320706 "{\"cert_no\":\"$G2\",$SCHOOL,\"graduation_year\":2024,\"wants_job\":false}"
BASE=$(cc 91320706MA3333330)
ev intern-6 internship.completed 2025-03-31 320706 "{\"cert_no\":\"$G\",\"base_code\":\"$BASE\",\"months\":6}"
ev intern-14 internship.completed 2025-04-30 320722 "{\"cert_no\":\"$G\",\"base_code\":\"$BASE\",\"months\":14}"
ev intern-no internship.completed 2025-03-31 320706 "{\"cert_no\":\"$P\",\"base_code\":\"$BASE\",\"months\":6}"
BIZ=$(cc 92320706MA4444440)
ev biz-1 business.started 2025-02-01 320706 "{\"cert_no\":\"$P\",\"business_code\":\"$BIZ\",\"kind\":\"individual\"}"
ev biz-2 business.started 2025-03-01 320706 "{\"cert_no\":\"$P\",\"business_code\":\"$BIZ\",\"kind\":\"ecommerce\"}"

# --- R08 agency placements: example 5 ----------------------------------------------
A1=$(cc 91320706MA5555550); A2=$(cc 91320706MA6666660)
for i in $(seq 1 20); do   # twenty placements whose anniversaries come first in 2025
  c=$(make_cert_no "320706198501$(printf '%02d' $i)$(printf '%03d' $((i + 100)))" 4 3)
  reg "reg-a$i" 2023-06-01 320706 "$c"
  start "a1-$i" "2024-01-$(printf '%02d' $i)" 320706 "$c" "$EMP" regular 24 "$A1"
done
PA=$(make_cert_no 32070619850201456 4 3); reg reg-pa 2023-06-01 320706 "$PA"
start a1-21 2024-02-01 320706 "$PA" "$EMP" regular 24 "$A1"
PB=$(make_cert_no 32070619850202456 4 3); reg reg-pb 2023-06-01 320706 "$PB"
start a2-1 2024-02-01 320706 "$PB" "$EMP" regular 24 "$A2"
PE=$(make_cert_no 32070619850203456 4 3); reg reg-pe 2023-06-01 320706 "$PE"
start a2-early 2024-03-01 320706 "$PE" "$EMP" regular 24 "$A2"
end a2-early-end 2025-02-28 320706 "$PE" "$EMP"                           # a day short of 12 months
PK=$(make_cert_no 32070619850204456 4 3); reg reg-pk 2023-06-01 320706 "$PK"
start a2-kept 2024-03-01 320706 "$PK" "$EMP" regular 24 "$A2"
end a2-kept-end 2025-03-01 320706 "$PK" "$EMP"                            # on the anniversary: kept

# --- R09 / R10 reports: examples 3 and 4 ---------------------------------------------
g2=$(make_cert_no 32070619800101111 4 2); g4a=$(make_cert_no 32070619800101122 4 4); g4b=$(make_cert_no 32070619800101133 4 4)
staff() { printf '{"cert_no":"%s","contract_months":%s,"monthly_wage_fen":%s,"social_insurance":true}' "$@"; }
E3=$(cc 91320706MA7777770); E4=$(cc 91320706MA8888880); E5=$(cc 91320706MA9999990)
report() { # report ID DATE DISTRICT EMPLOYER KIND YEAR STAFF AVG LEVY_PAID STAFF-LIST
  ev "$1" employer.annual_report "$2" "$3" "{\"employer_code\":\"$4\",\"employer_kind\":\"$5\",\"year\":$6,\"staff_count\":$7,\"avg_wage_fen\":$8,\"levy_paid\":$9,\"disabled_staff\":[${10}]}"
}
report rep-ex3 2025-03-01 320706 "$E3" private 2024 200 900000 true "$(staff "$g2" 12 226000),$(staff "$g4a" 24 300000),$(staff "$g4b" 12 226000)"
report rep-ex4 2025-03-01 320706 "$E4" private 2024 200 900000 false "$(staff "$g4a" 24 300000)"
report rep-ex4b 2025-03-02 320706 "$E5" private 2024 150 900000 false "$(staff "$g4a" 24 300000),$(staff "$g4b" 12 226000)"
E6=$(cc 91320706MB1111110)   # 2023 wages: 210000 qualifies (min 207000), not in 2024 (226000)
report rep-2023 2024-03-01 320706 "$E6" private 2023 60 600000 true "$(staff "$g4a" 12 210000)"
report rep-2024 2025-03-01 320706 "$E6" private 2024 60 600000 true "$(staff "$g4a" 12 210000)"
E7=$(cc 91320706MB2222220); report rep-11m 2025-03-01 320706 "$E7" private 2024 60 600000 true "$(staff "$g4a" 11 300000)"
E8=$(cc 91320706MB3333330); report rep-small 2025-03-01 320706 "$E8" private 2024 30 600000 false ""
O50=$(cc 11320700MB0000000); O49=$(cc 11320700MC0000000); I67=$(cc 12320700MB0000000); I66=$(cc 12320700MC0000000)
S99=$(cc 12320700MD0000000)
report rep-o50 2025-03-01 320700 "$O50" organ 2024 50 800000 true ""
report rep-o49 2025-03-01 320700 "$O49" organ 2024 49 800000 true ""
report rep-i67 2025-03-01 320700 "$I67" institution 2024 67 800000 true ""
report rep-i66 2025-03-01 320700 "$I66" institution 2024 66 800000 true ""
report rep-school 2025-03-01 320700 "$S99" school 2024 99 800000 true ""
DO=$(cc 11320706MB0000000)
report rep-levy 2025-03-01 320706 "$DO" organ 2024 20 800000 false ""

# --- R11, R12 ----------------------------------------------------------------------
SOE=$(cc 91320700MA0000000)
ev soe-short recruitment.plan 2025-02-01 320700 "{\"employer_code\":\"$SOE\",\"employer_kind\":\"soe\",\"year\":2025,\"positions_total\":200,\"positions_reserved\":2}"
ev soe-ok recruitment.plan 2025-02-02 320700 "{\"employer_code\":\"$SOE\",\"employer_kind\":\"soe\",\"year\":2025,\"positions_total\":200,\"positions_reserved\":3}"
ev soe-private recruitment.plan 2025-02-02 320706 "{\"employer_code\":\"$EMP\",\"employer_kind\":\"private\",\"year\":2025,\"positions_total\":200,\"positions_reserved\":0}"
ev pwp-9 public_welfare_posts.created 2025-02-01 320723 '{"year":2025,"posts_total":100,"posts_for_disabled":9}'
ev pwp-10 public_welfare_posts.created 2025-02-02 320724 '{"year":2025,"posts_total":100,"posts_for_disabled":10}'

# --- R13, R14, R15, R16 ------------------------------------------------------------
H=$(make_cert_no 32070619900101456 4 3); reg reg-hard 2025-05-01 320706 "$H" employed false true true
AUX=$(cc 52320706MA0000000)
start aux-low 2025-05-02 320706 "$H" "$AUX" auxiliary 12
start aux-p 2025-05-02 320706 "$P" "$AUX" auxiliary 12                       # not low income: no R14
U=$(make_cert_no 32070619900101467 4 3); reg reg-u 2025-05-01 320706 "$U" unemployed true
U2=$(make_cert_no 32070619900101478 4 3); reg reg-u2 2025-05-01 320706 "$U2" unemployed false
svc() { ev "$1" service.delivered "$2" 320706 "{\"cert_no\":\"$3\",\"service\":\"$4\",\"staff_id\":\"s001\"}"; }
svc sv-1 2025-05-31 "$U2" info_check                                          # on the deadline: in time
svc sv-2 2025-06-30 "$U" capability_assessment                                # on the 60-day deadline
svc sv-3 2025-05-31 "$G" graduate_guidance                                    # R16 in time for grad-1

# --- pending: an event before its registration ----------------------------------------
LATE=$(make_cert_no 32070619910101456 4 3)
train t-pending 2025-04-01 320706 "$LATE" 60 level5 100000
reg reg-late 2025-04-20 320706 "$LATE"

out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
total=$(grep -c . "$F")
check_eq "catalogue: all $total events accepted" "$total accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
grep -v '^accepted' <<<"$out" | head -5
# Settled when intake's, rules' and subsidy's outboxes are empty and no timer is due.
settled() {
  [[ "$(sql "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox) + (SELECT count(*) FROM rules.timers WHERE due_on <= '$JIUYE_TODAY' AND fired_at IS NULL AND cancelled_at IS NULL)")" == 0 ]] &&
  [[ "$(sql "SELECT count(*) FROM rules.consumed")" -ge "$total" ]]
}
wait_until 60 settled; sleep 1; wait_until 30 settled

outcome() { sql "SELECT string_agg(outcome, ',' ORDER BY decision_id) FROM rules.decisions WHERE decision_id = 'cat/$1/$2'"; }
award() { sql "SELECT string_agg(status || ' ' || amount_fen, ',' ORDER BY award_id) FROM subsidy.awards WHERE decision_id = 'cat/$1/$2'"; }
fact() { sql "SELECT body->'facts'->>'$3' FROM rules.decisions WHERE decision_id = 'cat/$1/$2'"; }

check_eq "R01 male aged 59: eligible" "eligible" "$(outcome t-59 R01)"
check_eq "R01 male aged 60: ineligible" "ineligible" "$(outcome t-60 R01)"
check_eq "R01 female aged 54: eligible" "eligible" "$(outcome t-f54 R01)"
check_eq "R01 female aged 55: ineligible" "ineligible" "$(outcome t-f55 R01)"
check_eq "R01 aged 15 (eve of 16th birthday, leap day): ineligible" "ineligible" "$(outcome t-15 R01)"
check_eq "R01 aged 16: eligible" "eligible" "$(outcome t-16 R01)"
check_eq "R01 39 hours: ineligible" "ineligible" "$(outcome t-39h R01)"
check_eq "R01 40 hours: eligible" "eligible" "$(outcome t-40h R01)"
check_eq "R01 2022-12-31: not_in_force" "not_in_force" "$(outcome t-2022 R01)"
check_eq "R01 2023-01-01: eligible, special certificate 600 yuan" "granted 60000" "$(award t-2023 R01)"
check_eq "R01 2025-12-31: eligible, level3 2000 yuan capped by cost 1800" "granted 180000" "$(award t-2025 R01)"
check_eq "R01 2026-01-01: not_in_force, no award" "not_in_force|" "$(outcome t-2026 R01)|$(award t-2026 R01)"
check_eq "R02 blind massage counts toward the KPI" "info" "$(outcome t-massage R02)"
check_eq "R01 decides the blind-massage training too (cost caps it)" "granted 20000" "$(award t-massage R01)"
check_eq "R02 not for other courses" "" "$(outcome t-40h R02)"

check_eq "R03 first enrolment: 50 % of 4000 yuan" "granted 200000" "$(award tu-1 R03)"
check_eq "R03 second in the same academic year: what is left under 3000 yuan" "granted 100000" "$(award tu-2 R03)"
check_eq "R03 third in the same academic year: cap reached" "refused 0" "$(award tu-4 R03)"
check_eq "R03 next academic year: a new cap" "granted 200000" "$(award tu-3 R03)"
check_eq "R03 not visual: ineligible" "ineligible" "$(outcome tu-deaf R03)"

check_eq "example 2: R04 award 70 700 yuan" "granted 7070000" "$(award pw-start R04)"
check_eq "example 2: ended 2024-04-30, 6 months served" "6" "$(fact pw-end R04 months_served)"
check_eq "example 2: reversal -53 280 yuan" "granted -5328000" "$(award pw-end R04)"
check_eq "example 2: the reversal points at the award" "cat/pw-start/R04/PUBLIC_WELFARE_POST" "$(sql "SELECT reverses_award_id FROM subsidy.awards WHERE decision_id = 'cat/pw-end/R04'")"
check_eq "R04 48-month contract paid 36 months at 2010 + 950" "granted $((36 * (201000 + 95000)))" "$(award pw2-start R04)"
check_eq "R04 not for a regular job" "" "$(outcome pw-regular R04)"

check_eq "R05 graduation year: 1500 yuan" "granted 150000" "$(award grad-1 R05)"
check_eq "R05 twice: refused, once per person" "refused 0" "$(award grad-2 R05)"
check_eq "R05 not the graduation year: ineligible" "ineligible" "$(outcome grad-late R05)"
check_eq "R06 6 months, 海州区 2025: 60 % × 2260 × 6" "granted 813600" "$(award intern-6 R06)"
check_eq "R06 14 months paid as 12 (东海县 2010)" "granted $((201000 * 12 * 60 / 100))" "$(award intern-14 R06)"
check_eq "R06 not a registered graduate: ineligible" "ineligible" "$(outcome intern-no R06)"
check_eq "R07 start-up 5000 yuan" "granted 500000" "$(award biz-1 R07)"
check_eq "R07 loan information" "info" "$(outcome biz-1 R07-loan)"
check_eq "R07 second business: refused, once per person" "refused 0" "$(award biz-2 R07)"

check_eq "example 5: placement from 2024-02-01, 400 yuan to A2 on 2025-02-01" "granted 40000" "$(award a2-1 R08/anniversary)"
check_eq "example 5: the 21st placement of A1 that year: 600 yuan" "granted 60000" "$(award a1-21 R08/anniversary)"
check_eq "example 5: the 20th: 400 yuan" "granted 40000" "$(award a1-20 R08/anniversary)"
check_eq "R08 ended a day before the anniversary: ineligible, no award" "ineligible|" "$(outcome a2-early-end R08)|$(award a2-early R08/anniversary)"
check_eq "R08 ended on the anniversary: kept" "granted 40000|" "$(award a2-kept R08/anniversary)|$(outcome a2-kept-end R08)"

check_eq "example 3: counted 4, quota 3" "4 3" "$(fact rep-ex3 R09 counted) $(fact rep-ex3 R09 quota_persons)"
check_eq "example 3: reward 22 600 yuan" "granted 2260000" "$(award rep-ex3 R09)"
check_eq "example 4: action_required" "action_required" "$(outcome rep-ex4 R09)"
check_eq "example 4: levy estimate 194 400 yuan at 90 %" "19440000 90" "$(fact rep-ex4 R09 levy_estimate_fen) $(fact rep-ex4 R09 levy_rate_pct)"
check_eq "example 4, staff 150: levy 13 500 yuan at 50 %" "1350000 50" "$(fact rep-ex4b R09 levy_estimate_fen) $(fact rep-ex4b R09 levy_rate_pct)"
check_eq "2024-01-01 minimum-wage change: 2100 yuan qualifies in 2023" "1" "$(fact rep-2023 R09 counted)"
check_eq "2024-01-01 minimum-wage change: not in 2024" "0" "$(fact rep-2024 R09 counted)"
check_eq "R09 11-month contract does not count" "0" "$(fact rep-11m R09 counted)"
check_eq "R09 30 staff: exempt from the levy" "action_required 0" "$(outcome rep-small R09) $(fact rep-small R09 levy_estimate_fen)"
check_eq "R10 city organ with 50 staff and nobody: must place one" "action_required true" "$(outcome rep-o50 R10) $(fact rep-o50 R10 must_place_one)"
check_eq "R10 city organ with 49 staff, levy paid: no decision" "" "$(outcome rep-o49 R10)"
check_eq "R10 city institution with 67 staff: must place one" "action_required" "$(outcome rep-i67 R10)"
check_eq "R10 city institution with 66 staff: no decision" "" "$(outcome rep-i66 R10)"
check_eq "R10 schools never" "" "$(outcome rep-school R10)"
check_eq "R10 district organ below the ratio with the levy unpaid: no honours" "action_required true" "$(outcome rep-levy R10) $(fact rep-levy R10 honours_barred)"

check_eq "R11 200 positions, 2 reserved (< 3): action_required" "action_required" "$(outcome soe-short R11)"
check_eq "R11 3 reserved: no decision" "" "$(outcome soe-ok R11)"
check_eq "R11 only for state-owned enterprises" "" "$(outcome soe-private R11)"
check_eq "R12 9 of 100 posts: action_required" "action_required" "$(outcome pwp-9 R12)"
check_eq "R12 10 of 100: no decision" "" "$(outcome pwp-10 R12)"
check_eq "R13 hard to employ: action_required" "action_required" "$(outcome reg-hard R13)"
check_eq "R13 not for others" "" "$(outcome reg-u R13)"
check_eq "R14 auxiliary job of a low-income person: info" "info" "$(outcome aux-low R14)"
check_eq "R14 not for others" "" "$(outcome aux-p R14)"
check_eq "R15 info check missed: overdue" "action_required" "$(outcome reg-u R15-info_check)"
check_eq "R15 capability assessment on the 60th day: in time" "" "$(outcome reg-u R15-capability_assessment)"
check_eq "R15 demand registration missed: overdue" "action_required" "$(outcome reg-u R15-demand_registration)"
check_eq "R15 info check on the 30th day: in time" "" "$(outcome reg-u2 R15-info_check)"
check_eq "R15 not wanting a job: no 60-day services" "" "$(outcome reg-u2 R15-employment_service)"
check_eq "R15 not for the employed" "" "$(outcome reg-hard R15-info_check)"
check_eq "R16 guidance in time: no decision" "" "$(outcome grad-1 R16-graduate_guidance)"
# Each due deadline timer ends fired or cancelled (one of the two), and each overdue service's
# decision comes from exactly one fired timer and is the only one for its registration and service.
check_eq "R15/R16 due timers: fired or cancelled, never both or neither" "0" \
  "$(sql "SELECT count(*) FROM rules.timers WHERE kind IN ('r15_deadline', 'r16_deadline') AND due_on <= '$JIUYE_TODAY' AND (fired_at IS NULL) = (cancelled_at IS NULL)")"
# reg-u: the four services of R15; reg-u2 (not wanting a job): the info check; grad-1: R16's guidance.
check_eq "R15/R16 six deadline timers set" "6" "$(sql "SELECT count(*) FROM rules.timers WHERE kind IN ('r15_deadline', 'r16_deadline')")"
check_eq "R15/R16 each overdue service decided once, by one fired timer" "" \
  "$(sql "SELECT d.decision_id || ': ' || count(DISTINCT d2.decision_id) || ' decisions, ' || count(DISTINCT t.timer_id) || ' timers'
            FROM rules.decisions d
            JOIN rules.decisions d2 ON d2.event_id = d.event_id AND d2.rule = d.rule AND d2.body->'facts'->>'service' = d.body->'facts'->>'service'
            LEFT JOIN rules.timers t ON t.cert_no = d.subject AND t.kind = lower(d.rule) || '_deadline'
                                    AND t.detail = d.body->'facts'->>'service' AND t.fired_at IS NOT NULL
           WHERE d.rule IN ('R15', 'R16')
           GROUP BY d.decision_id HAVING count(DISTINCT d2.decision_id) <> 1 OR count(DISTINCT t.timer_id) <> 1")"

check_eq "pending: a training before its registration waits" "pending" "$(outcome t-pending R01)"
check_eq "pending: decided after the registration, correcting it" "eligible cat/t-pending/R01" "$(sql "SELECT outcome || ' ' || (body->>'corrects_decision_id') FROM rules.decisions WHERE decision_id = 'cat/t-pending/R01/registered'")"
check_eq "pending: awarded once decided" "granted 100000" "$(award t-pending R01/registered)"

check "every decision has a plan hash or is not_in_force" test "$(sql "SELECT count(*) FROM rules.decisions WHERE outcome <> 'not_in_force' AND length(body->>'plan_sha256') <> 64")" = 0
check_eq "no dead letters anywhere" "0" "$(sql "SELECT (SELECT count(*) FROM rules.dead_letters) + (SELECT count(*) FROM subsidy.dead_letters) + (SELECT count(*) FROM notify.dead_letters)")"
check "every decision has a reason" test "$(sql "SELECT count(*) FROM rules.decisions WHERE coalesce(body->>'reason', '') = ''")" = 0
check "every award's breakdown adds up (reversals excepted)" test "$(sql "SELECT count(*) FROM subsidy.awards WHERE status = 'granted' AND amount_fen > 0 AND rule IN ('R04', 'R09') AND amount_fen <> (SELECT sum((l->>'amount_fen')::bigint) FROM jsonb_array_elements(body->'breakdown') l)")" = 0
check_eq "a notification for every decision without an award and every award" "0" "$(sql "SELECT count(*) FROM rules.decisions d WHERE NOT EXISTS (SELECT 1 FROM notify.notifications n WHERE n.ref_id = d.decision_id OR n.ref_id LIKE d.decision_id || '/%')")"
lib_finish
