#!/usr/bin/env bash
# Plan targets and the annual report (docs/policy.md §4, plan 三(四)):
# a scenario through all four services, then GET /v1/kpi for a district and
# for the city compared with what was published, the figures rules does not
# forward reported as null with their reason, and jiuyectl report's JSON and
# CSV files (the CSV parsed by PostgreSQL's COPY; its sums match the ledger).
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-01-15
for s in notify subsidy rules intake; do svc_start $s; done
JIUYE_TOKEN=$(token_for operator) # jiuyectl report reads subsidy's KPI as an operator
export JIUYE_TOKEN
TOKEN=$("$JIUYE_BIN/jiuyectl" source add kpi)
F=$JIUYE_TEST_TMP/kpi.ndjson
: > "$F"
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@" >> "$F"; }
reg() { ev "$1" person.registered "$2" "$3" "{\"cert_no\":\"$4\",\"name\":\"测试\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
PROV=$(make_credit_code 91320706MA1111110)
train() { # ID DATE DISTRICT CERT HOURS CERTIFICATE COST COURSE
  ev "$1" training.completed "$2" "$3" "{\"cert_no\":\"$4\",\"provider_code\":\"$PROV\",\"course\":\"$8\",\"hours\":$5,\"certificate\":\"$6\",\"cost_fen\":$7}"
}
P1=$(make_cert_no 32070619900307123 4 3); P2=$(make_cert_no 32070619900307134 1 2)
NOBODY=$(make_cert_no 32070619910101456 4 3); D=$(make_cert_no 32072219900307156 4 3)
reg reg-p1 2023-01-01 320706 "$P1"; reg reg-p2 2023-01-01 320706 "$P2"; reg reg-d 2023-01-01 320722 "$D"
train k1 2024-03-01 320706 "$P1" 60 level4 180000 vocational       # eligible: 1500 yuan
train k2 2024-04-01 320706 "$P1" 39 level4 180000 vocational       # ineligible (39 h): counts as a training
train k3 2024-05-01 320706 "$P2" 60 none 30000 blind_massage       # eligible 300 yuan, and R02
train k4 2024-06-01 320706 "$NOBODY" 60 level4 180000 vocational   # pending: not counted
train k5 2023-05-01 320706 "$P1" 60 level5 180000 vocational       # 2023: cumulative only
train k6 2024-03-01 320722 "$D" 60 level4 180000 vocational        # 东海县
train k7 2026-01-01 320706 "$P1" 60 level4 180000 vocational       # not_in_force: never counted

# A public-welfare post in 东海县 (12 months from 2024-03-01) and a regular job (not a post).
EMP=$(make_credit_code 12320722MB0000000); W=$(make_cert_no 32072219800101456 4 3)
reg reg-w 2023-01-01 320722 "$W"
ev pw employment.started 2024-03-01 320722 "{\"cert_no\":\"$W\",\"employer_code\":\"$EMP\",\"channel\":\"public_welfare_post\",\"contract_months\":12,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
ev job employment.started 2024-03-01 320706 "{\"cert_no\":\"$P1\",\"employer_code\":\"$EMP\",\"channel\":\"regular\",\"contract_months\":12,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
ev job-end employment.ended 2024-12-31 320706 "{\"cert_no\":\"$P1\",\"employer_code\":\"$EMP\",\"reason\":\"合同到期\"}"
# X in 东海县: a job from 2023 that ends in 2025, so 2025's net employment there is negative.
X=$(make_cert_no 32072219800101467 4 3)
reg reg-x 2023-01-01 320722 "$X"
ev x-job employment.started 2023-06-01 320722 "{\"cert_no\":\"$X\",\"employer_code\":\"$EMP\",\"channel\":\"regular\",\"contract_months\":36,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
ev x-end employment.ended 2025-03-01 320722 "{\"cert_no\":\"$X\",\"employer_code\":\"$EMP\",\"reason\":\"辞职\"}"

# Graduates of 2024 in 海州区: two want a job, one of them gets guidance in time.
SCHOOL='"school":"连云港职业技术学院"'
G1=$(make_cert_no 32070620020202456 4 3); G2=$(make_cert_no 32070620020202467 4 3); G3=$(make_cert_no 32070620020202478 4 3)
for g in G1 G2 G3; do reg "reg-$g" 2024-01-01 320706 "${!g}"; done
ev grad-1 graduate.registered 2024-06-01 320706 "{\"cert_no\":\"$G1\",$SCHOOL,\"graduation_year\":2024,\"wants_job\":true}"
ev grad-2 graduate.registered 2024-06-01 320706 "{\"cert_no\":\"$G2\",$SCHOOL,\"graduation_year\":2024,\"wants_job\":true}"
ev grad-3 graduate.registered 2024-06-01 320706 "{\"cert_no\":\"$G3\",$SCHOOL,\"graduation_year\":2024,\"wants_job\":false}"
ev guide-1 service.delivered 2024-06-20 320706 "{\"cert_no\":\"$G1\",\"service\":\"graduate_guidance\",\"staff_id\":\"hz-01\"}"
ev job-g1 employment.started 2024-09-01 320706 "{\"cert_no\":\"$G1\",\"employer_code\":\"$EMP\",\"channel\":\"regular\",\"contract_months\":24,\"monthly_wage_fen\":300000,\"social_insurance\":true}"

# 2024 annual reports: district-level organs and institutions (counted), others (not).
staff() { printf '{"cert_no":"%s","contract_months":%s,"monthly_wage_fen":%s,"social_insurance":true}' "$@"; }
report() { # ID DISTRICT EMPLOYER KIND STAFF STAFF-LIST
  ev "$1" employer.annual_report 2025-01-20 "$2" "{\"employer_code\":\"$3\",\"employer_kind\":\"$4\",\"year\":2024,\"staff_count\":$5,\"avg_wage_fen\":800000,\"levy_paid\":true,\"disabled_staff\":[$6]}"
}
s4a=$(make_cert_no 32070619800101122 4 4); s4b=$(make_cert_no 32070619800101133 4 4); s2=$(make_cert_no 32070619800101111 4 2)
report rep-organ 320706 "$(make_credit_code 11320706MB0000000)" organ 200 "$(staff "$s4a" 24 300000),$(staff "$s4b" 12 226000)"
report rep-inst 320706 "$(make_credit_code 12320706MB0000000)" institution 100 "$(staff "$s2" 24 300000)"
report rep-priv 320706 "$(make_credit_code 91320706MA7777770)" private 500 "$(staff "$s4a" 24 300000)"
report rep-city 320700 "$(make_credit_code 11320700MB0000000)" organ 300 ""
report rep-dh 320722 "$(make_credit_code 12320722MC0000000)" institution 100 "$(staff "$s2" 24 300000)"
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "all events accepted" "30 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
# Settled: every training decided, R16's overdue timer for G2 fired (due 2024-07-02), reports decided.
wait_until 60 sql_is "SELECT count(*) FROM subsidy.decisions WHERE rule = 'R16'" 1
wait_until 30 sql_is "SELECT count(*) FROM subsidy.decisions WHERE rule = 'R09'" 5
wait_until 30 sql_is "SELECT count(*) FROM subsidy.decisions WHERE rule = 'R01'" 7
wait_until 30 sql_is "SELECT count(*) FROM subsidy.employment_facts" 6
wait_until 30 sql_is "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)" 0

# JSON through PostgreSQL (no jq or python on the test machines): field of target ID.
jsql() { psql -X -tAq -v ON_ERROR_STOP=1 -U postgres -v j="$1" <<<"$2"; }
target() { jsql "$1" "SELECT coalesce(t->>'$3', 'null') FROM jsonb_array_elements((:'j')::jsonb->'targets') t WHERE t->>'id' = '$2';"; }
award_field() { jsql "$1" "SELECT a->>'$3' FROM jsonb_array_elements((:'j')::jsonb->'awards') a WHERE a->>'program' = '$2';"; }
URL=http://127.0.0.1:$SUBSIDY_HTTP_PORT/v1/kpi
hz=$(api -fsS "$URL?year=2024&district=320706")
city=$(api -fsS "$URL?year=2024")
check_eq "the district report names its district" "320706 海州区 2024" "$(jsql "$hz" "SELECT (:'j')::jsonb->>'district', (:'j')::jsonb->>'district_name', (:'j')::jsonb->>'year';" | tr '|' ' ')"
check_eq "every target of docs/policy.md §4 is listed" "10" "$(jsql "$hz" "SELECT jsonb_array_length((:'j')::jsonb->'targets');")"
check_eq "海州区 2024 training person-times (any outcome but pending / not_in_force)" "3" "$(target "$hz" training_person_times actual)"
check_eq "海州区 cumulative training person-times (2023 too)" "4" "$(target "$hz" training_person_times cumulative)"
check_eq "the city's 2024 training person-times" "4" "$(target "$city" training_person_times actual)"
check_eq "training goal: 3500" "3500" "$(target "$city" training_person_times goal)"
check_eq "blind massage trained in 2024" "1" "$(target "$hz" blind_massage_trained actual)"
check_eq "public-welfare posts: none in 海州区" "0" "$(target "$hz" public_welfare_posts actual)"
check_eq "public-welfare posts: one in the city" "1" "$(target "$city" public_welfare_posts actual)"
check_eq "graduates wanting a job" "2" "$(target "$hz" graduates_served actual_wanting_job)"
check_eq "graduates whose guidance was overdue (R16)" "1" "$(target "$hz" graduates_served actual_guidance_overdue)"
check_eq "graduates served: 1 of 2" "50.00" "$(target "$hz" graduates_served actual)"
check_eq "organs and institutions of 海州区: counted 2 + 2 of staff 200 + 100" "4 300 1.33" \
  "$(target "$hz" district_organs_quota_ratio counted) $(target "$hz" district_organs_quota_ratio staff) $(target "$hz" district_organs_quota_ratio actual)"
check_eq "the city figure: 6 of 400, without city-level units or private employers" "6 400 1.50" \
  "$(target "$city" district_organs_quota_ratio counted) $(target "$city" district_organs_quota_ratio staff) $(target "$city" district_organs_quota_ratio actual)"
check_eq "the city lists each district's ratio" "320706 1.33 f,320722 2.00 t" \
  "$(jsql "$city" "SELECT string_agg(d->>'district' || ' ' || (d->>'actual') || ' ' || left(d->>'met', 1), ',' ORDER BY d->>'district') FROM jsonb_array_elements((:'j')::jsonb->'targets'->9->'by_district') d;")"
check_eq "net employed increase, city 2024: W, P1, G1 started, P1 ended" "2" "$(target "$city" net_employed_increase actual)"
check_eq "net employed increase, 海州区 2024: P1 and G1 started, P1 ended" "1" "$(target "$hz" net_employed_increase actual)"
dh25=$(api -sS "$URL?year=2025&district=320722")
check_eq "a negative count is a figure, not an error: 东海县 2025, X ended, nobody started" "-1" "$(target "$dh25" net_employed_increase actual)"
check_eq "graduates employed: G1 of G1 and G2 (G3 wants no job)" "50.00 2 1" \
  "$(target "$city" graduates_employed actual) $(target "$city" graduates_employed actual_wanting_job) $(target "$city" graduates_employed actual_employed)"
for t in vacancies_published positions_filled_after_match; do
  check_eq "$t: null, not yet reported by rules" "null not yet reported by rules" \
    "$(target "$city" "$t" actual) $(target "$city" "$t" source | cut -d: -f1)"
done
check_eq "demo sites: null, in no event" "null not in any event" "$(target "$city" demo_sites actual) $(target "$city" demo_sites source | cut -d: -f1)"

# The money behind it, against the ledger.
check_eq "海州区 2024 training awards: 2 granted (1500 + 300 yuan)" "2 180000 1800.00" \
  "$(award_field "$hz" TRAINING_SUBSIDY granted) $(award_field "$hz" TRAINING_SUBSIDY granted_fen) $(award_field "$hz" TRAINING_SUBSIDY granted_yuan)"
ledger=$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE year = 2024 AND district = '320706' AND status = 'granted'")
check_eq "海州区 totals equal the ledger" "$ledger" "$(jsql "$hz" "SELECT (:'j')::jsonb->'award_totals'->>'granted_fen';")"
ledger_city=$(sql "SELECT sum(amount_fen) FROM subsidy.awards WHERE year = 2024 AND status = 'granted'")
check_eq "city totals equal the ledger" "$ledger_city" "$(jsql "$city" "SELECT (:'j')::jsonb->'award_totals'->>'granted_fen';")"
check_eq "bad year: 400" "400" "$(api -s -o /dev/null -w '%{http_code}' "$URL?year=24")"
check_eq "unknown district: 400" "400" "$(api -s -o /dev/null -w '%{http_code}' "$URL?year=2024&district=999999")"

# jiuyectl report: JSON and CSV for the district and the city.
OUT=$JIUYE_TEST_TMP/report
mkdir -p "$OUT"
check "jiuyectl report for 海州区" "$JIUYE_BIN/jiuyectl" report --year 2024 --district 320706 --out "$OUT"
check "jiuyectl report for the city" "$JIUYE_BIN/jiuyectl" report --year 2024 --out "$OUT"
for who in 320706 city; do
  check "report-2024-$who.json and .csv written" test -s "$OUT/report-2024-$who.json" -a -s "$OUT/report-2024-$who.csv"
done
j=$(cat "$OUT/report-2024-320706.json")
check_eq "the JSON report is due on November 10" "2024-11-10 三(四)" "$(jsql "$j" "SELECT (:'j')::jsonb->>'due_on', (:'j')::jsonb->>'clause';" | tr '|' ' ')"
check_eq "the JSON report holds the targets and awards of the API" \
  "$(jsql "$hz" "SELECT (:'j')::jsonb->'targets', (:'j')::jsonb->'awards', (:'j')::jsonb->'award_totals';")" \
  "$(jsql "$j" "SELECT (:'j')::jsonb->'targets', (:'j')::jsonb->'awards', (:'j')::jsonb->'award_totals';")"
csv_sql() { # FILE SQL: load the CSV into table r with PostgreSQL's CSV parser, then run SQL
  psql -X -tAq -v ON_ERROR_STOP=1 -U postgres \
    -c "CREATE TEMP TABLE r (section text, id text, title text, granted bigint, refused bigint, waiting_budget bigint,
          reversals bigint, granted_fen bigint, granted_yuan numeric, waiting_fen bigint, waiting_yuan numeric,
          goal text, actual text, cumulative text, source text)" \
    -c "\\copy r FROM '$1' WITH (FORMAT csv, HEADER true)" -c "$2"
}
for who in 320706 city; do
  csv=$OUT/report-2024-$who.csv
  check_eq "$who CSV: 8 programs, a total, 10 targets" "award 8,target 10,total 1" \
    "$(csv_sql "$csv" "SELECT string_agg(section || ' ' || n, ',' ORDER BY section) FROM (SELECT section, count(*) n FROM r GROUP BY section) s")"
  check_eq "$who CSV: the programs sum to the total row" "t t t" \
    "$(csv_sql "$csv" "SELECT (SELECT sum(granted_fen) FROM r WHERE section = 'award') = (SELECT granted_fen FROM r WHERE section = 'total'),
                             (SELECT sum(granted) FROM r WHERE section = 'award') = (SELECT granted FROM r WHERE section = 'total'),
                             (SELECT granted_yuan * 100 FROM r WHERE section = 'total') = (SELECT granted_fen FROM r WHERE section = 'total')" | tr '|' ' ')"
done
check_eq "district CSV total equals the ledger" "$ledger" \
  "$(csv_sql "$OUT/report-2024-320706.csv" "SELECT granted_fen FROM r WHERE section = 'total'")"
check_eq "city CSV total equals the ledger" "$ledger_city" \
  "$(csv_sql "$OUT/report-2024-city.csv" "SELECT granted_fen FROM r WHERE section = 'total'")"
check_eq "district CSV: training person-times as in the API" "3 4 3500" \
  "$(csv_sql "$OUT/report-2024-320706.csv" "SELECT actual, cumulative, goal FROM r WHERE id = 'training_person_times'" | tr '|' ' ')"
check_eq "CSV: a null figure is an empty field with its reason" "t not yet reported by rules" \
  "$(csv_sql "$OUT/report-2024-city.csv" "SELECT actual IS NULL, split_part(source, ':', 1) FROM r WHERE id = 'vacancies_published'" | tr '|' ' ')"
out=$("$JIUYE_BIN/jiuyectl" report --district 320706 2>&1; echo "rc=$?")
check "report without --year is a usage error" grep -q 'rc=2' <<<"$out"
lib_finish
