#!/usr/bin/env bash
# SQL injection attempts in every free-text field are stored as data and do
# nothing else: every statement is parameterized.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
# The tables of the four schemas before the attempts, to compare with after them.
tables() { sql "SELECT string_agg(schemaname || '.' || tablename, ' ' ORDER BY 1) FROM pg_tables WHERE schemaname IN ('intake','rules','subsidy','notify')"; }
TABLES=$(tables)
check "the tables to keep are there before" grep -qw 'intake.events' <<<"$TABLES"
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add inj)
P=$(make_cert_no 32070619900307123 4 3); EMP=$(make_credit_code 91320706MA2222220)
BAD="x'); DROP TABLE intake.events; --"
# The name its own (the privacy scan looks for every published name; the title is no name).
BADN="张'); DROP TABLE intake.events; --"
BAD2='"; DELETE FROM subsidy.awards; SELECT $$'
esc() { sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1"; }
B=$(esc "$BAD"); B2=$(esc "$BAD2"); BN=$(esc "$BADN")
F=$JIUYE_TEST_TMP/inj.ndjson
cat > "$F" <<JSON
{"event_id":"i1","type":"person.registered","occurred_on":"2025-01-02","district":"320706","payload":{"cert_no":"$P","name":"$BN","employment_status":"unemployed","wants_job":true}}
{"event_id":"i2","type":"graduate.registered","occurred_on":"2025-03-01","district":"320706","payload":{"cert_no":"$P","school":"$B2","graduation_year":2025,"wants_job":true}}
{"event_id":"i3","type":"service.delivered","occurred_on":"2025-03-02","district":"320706","payload":{"cert_no":"$P","service":"info_check","staff_id":"$B"}}
{"event_id":"i4","type":"employment.ended","occurred_on":"2025-03-03","district":"320706","payload":{"cert_no":"$P","employer_code":"$EMP","reason":"$B2"}}
{"event_id":"i5","type":"vacancy.posted","occurred_on":"2025-03-04","district":"320706","payload":{"vacancy_id":"v-1","employer_code":"$EMP","title":"$B","positions":1,"categories":[4],"max_severity":1,"monthly_wage_fen":300000,"open_until":"2025-12-31"}}
{"event_id":"i6'; DROP TABLE rules.decisions; --","type":"person.registered","occurred_on":"2025-01-02","district":"320706","payload":{"cert_no":"$P","name":"x","employment_status":"employed"}}
JSON
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F" || true)
check_eq "five events with injection attempts accepted as data" "5 accepted, 0 duplicate, 1 rejected" "$(tail -1 <<<"$out")"
check "an event_id outside its character set is rejected, not run" grep -q 'rejected  i6.*event_id: ' <<<"$out"
wait_until 30 sql_ge "SELECT count(*) FROM rules.consumed" 5
check_eq "the name is stored verbatim" "$BADN" "$(sql "SELECT body->'payload'->>'name' FROM intake.events WHERE event_id = 'i1'")"
check_eq "and in the rules' registry" "$BADN" "$(sql "SELECT name FROM rules.persons WHERE cert_no = '$P'")"
check_eq "the school verbatim" "$BAD2" "$(sql "SELECT school FROM rules.graduates WHERE cert_no = '$P'")"
check_eq "the staff id verbatim" "$BAD" "$(sql "SELECT staff_id FROM rules.services WHERE event_id = 'i3'")"
check_eq "the vacancy title verbatim" "$BAD" "$(sql "SELECT title FROM rules.vacancies WHERE vacancy_id = 'v-1'")"
check_eq "every table still there" "$TABLES" "$(tables)"
check_eq "nothing deleted" "5" "$(sql "SELECT count(*) FROM intake.events")"
code=$(api -s -o "$JIUYE_TEST_TMP/q.json" -w '%{http_code}' -G --data-urlencode "subject=$BAD" "http://127.0.0.1:$RULES_HTTP_PORT/v1/decisions")
check_eq "a query parameter carrying SQL is just a value" "200" "$code"
check "and matches nothing" grep -q '"decisions":\[\]' "$JIUYE_TEST_TMP/q.json"
lib_finish
