#!/usr/bin/env bash
# R17 VACANCY_MATCH (docs/policy.md §3, plan 二(三)10): the ranking order (matching
# course, then hard-to-employ, then longest waiting, then cert_no), each
# exclusion (employed, not wanting a job, category, grade, district, age, a job
# started since), at most 10, an expired vacancy, a closed one, and a new
# registration matched against the open vacancies.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add vac)
F=$JIUYE_TEST_TMP/vac.ndjson; : > "$F"
EMP=$(make_credit_code 91320706MA2222220); PROV=$(make_credit_code 91320706MA1111110)
reg() { # reg ID DATE DISTRICT CERT [STATUS] [WANTS] [HARD]
  printf '{"event_id":"%s","type":"person.registered","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","name":"测试","employment_status":"%s","wants_job":%s,"hard_to_employ":%s}}\n' \
    "$1" "$2" "$3" "$4" "${5:-unemployed}" "${6:-true}" "${7:-false}" >> "$F"
}
vacancy() { # vacancy ID DATE OPEN_UNTIL [COURSE]
  printf '{"event_id":"%s","type":"vacancy.posted","occurred_on":"%s","district":"320706","payload":{"vacancy_id":"%s","employer_code":"%s","title":"电商客服","positions":3,"categories":[2,4],"max_severity":2,"course":"%s","monthly_wage_fen":300000,"open_until":"%s"}}\n' \
    "$1" "$2" "$1" "$EMP" "${4:-}" "$3" >> "$F"
}
A=$(make_cert_no 32070619900101111 4 3); B=$(make_cert_no 32070619900101122 4 3)
C=$(make_cert_no 32070619900101133 4 4); D=$(make_cert_no 32070619900101144 2 3)
L=$(make_cert_no 32070619900101155 4 2)
E=$(make_cert_no 32070619900101166 4 3); Fw=$(make_cert_no 32070619900101177 4 3)
G=$(make_cert_no 32070619900101188 1 3); H=$(make_cert_no 32070619900101199 4 1)
I=$(make_cert_no 32070719900101211 4 3); J=$(make_cert_no 32070619640101222 4 3)
K=$(make_cert_no 32070619900101233 4 3)
reg r-a 2025-01-10 320706 "$A"
reg r-b 2025-02-01 320706 "$B" unemployed true true
reg r-c 2025-01-05 320706 "$C"
reg r-d 2025-01-20 320706 "$D"
reg r-l 2025-01-20 320706 "$L"
reg r-e 2025-01-01 320706 "$E" employed false
reg r-f 2025-01-01 320706 "$Fw" unemployed false
reg r-g 2025-01-01 320706 "$G"
reg r-h 2025-01-01 320706 "$H"
reg r-i 2025-01-01 320707 "$I"
reg r-j 2025-01-01 320706 "$J"
reg r-k 2025-01-01 320706 "$K"
printf '{"event_id":"t-a","type":"training.completed","occurred_on":"2025-02-10","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"ecommerce","hours":60,"certificate":"none","cost_fen":10000}}\n' "$A" "$PROV" >> "$F"
printf '{"event_id":"k-job","type":"employment.started","occurred_on":"2025-02-15","district":"320706","payload":{"cert_no":"%s","employer_code":"%s","channel":"regular","contract_months":12,"monthly_wage_fen":300000,"social_insurance":true}}\n' "$K" "$EMP" >> "$F"
vacancy v1 2025-03-01 2025-12-31 ecommerce
vacancy v2 2025-03-01 2025-05-31
vacancy v3 2025-03-02 2025-12-31
printf '{"event_id":"v3-closed","type":"vacancy.closed","occurred_on":"2025-03-20","district":"320706","payload":{"vacancy_id":"v3","employer_code":"%s","filled":1}}\n' "$EMP" >> "$F"
M=$(make_cert_no 32070619950101456 4 3)
reg r-m 2025-04-01 320706 "$M"
# Registered while v1 is open but not job seekers: no R17 decision (rules.c is_job_seeker).
N=$(make_cert_no 32070619950101467 4 3); O=$(make_cert_no 32070619950101478 4 3)
reg r-n 2025-04-01 320706 "$N" employed false
reg r-o 2025-04-01 320706 "$O" unemployed false
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "all events accepted" "$(grep -c . "$F") accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
fact() { sql "SELECT body->'facts'->>'$2' FROM rules.decisions WHERE decision_id = 'vac/$1'"; }
wait_until 30 output_nonempty fact r-m/R17 vacancies_matched

check_eq "ranked: matching course, hard-to-employ, longest waiting, then cert_no" "$A,$B,$C,$D,$L" "$(fact v1/R17 shortlist)"
check_eq "shortlist size" "5" "$(fact v1/R17 shortlist_size)"
check_eq "R17 decisions are info" "info" "$(sql "SELECT outcome FROM rules.decisions WHERE decision_id = 'vac/v1/R17'")"
check_eq "without a course: hard-to-employ, then by registration date" "$B,$C,$A,$D,$L" "$(fact v3/R17 shortlist)"
check_eq "a vacancy already past open_until gets no shortlist" "0" "$(fact v2/R17 shortlist_size)"
check_eq "a new registration matches the open vacancies only (not expired v2, not closed v3)" "1" "$(fact r-m/R17 vacancies_matched)"
check_eq "its shortlist for v1 now holds the newcomer last" "$A,$B,$C,$D,$L,$M" "$(fact r-m/R17 shortlist.vac/v1)"
for x in E Fw G H I J K; do
  check_eq "excluded: $x" "0" "$(grep -c "${!x}" <<<"$(fact v1/R17 shortlist)")"
done
check_eq "no match for someone who is not a candidate" "" "$(fact r-e/R17 vacancies_matched)"
check_eq "registered with v1 open, employed or not wanting a job: no R17 decision" "0" \
    "$(sql "SELECT count(*) FROM rules.decisions WHERE decision_id IN ('vac/r-n/R17', 'vac/r-o/R17')")"
n=$(sql "SELECT count(*) FROM notify.notifications WHERE rule = 'R17'")
check "staff are told about matches" test "$n" -ge 2
check_eq "notifications name no one in full" "0" "$(sql "SELECT count(*) FROM notify.notifications WHERE rule = 'R17' AND body ~ '[0-9]{17}[0-9X][1-7][1-4]'")"

# At most ten.
: > "$F"
for i in $(seq 10 24); do reg "r-many-$i" "2025-05-$i" 320706 "$(make_cert_no "3207061991010$(printf '%02d' $i)13" 4 3)"; done
vacancy v4 2025-06-01 2025-12-31
"$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" >/dev/null
wait_until 30 output_nonempty fact v4/R17 shortlist_size
check_eq "at most 10 on a shortlist" "10" "$(fact v4/R17 shortlist_size)"
check_eq "with few vacancies open, none is left out" "false" "$(fact r-m/R17 more_vacancies_open)"

# More open vacancies than one new candidate is re-ranked against: said, not silently cut.
: > "$F"
for i in $(seq 5 24); do vacancy "v$i" 2025-06-02 2025-12-31; done
Q=$(make_cert_no 32070619960101456 4 3)
reg r-q 2025-06-10 320706 "$Q"
"$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" >/dev/null
wait_until 30 output_nonempty fact r-q/R17 vacancies_matched
check_eq "22 open vacancies accept the newcomer: the first 20 are re-ranked" "20 true" \
  "$(fact r-q/R17 vacancies_matched) $(fact r-q/R17 more_vacancies_open)"
check "and the decision says there are more" grep -q '本区有超过 20 个在招岗位' <<<"$(sql "SELECT body->>'reason' FROM rules.decisions WHERE decision_id = 'vac/r-q/R17'")"
lib_finish
