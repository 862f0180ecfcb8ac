#!/usr/bin/env bash
# The public vacancy feed and the vacancy KPI of the rules service
# (plan 二(三)10; services/rules/http_vacancies.c):
#   GET /v1/vacancies: open vacancies only (an expired and a closed one are
#   absent), district and category filters, JSON and Atom (by Accept and by
#   ?format=atom; the Atom parses as XML with `xmllint`, special characters
#   escaped and read back intact), no cert_no and no name in either format,
#   400s naming the bad parameter;
#   GET /v1/vacancies/kpi: a person shortlisted then employed at the vacancy's
#   employer within 90 days counts, one employed on day 91 or at another
#   employer does not, a later shortlisting does not move the first match.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add vac)
F=$JIUYE_TEST_TMP/feed.ndjson; : > "$F"
URL=http://127.0.0.1:$(svc_port rules)/v1/vacancies
EMP=$(make_credit_code 91320706MA3333330); EMP2=$(make_credit_code 91320707MA4444440)
EMP3=$(make_credit_code 91320707MA5555550); PROV=$(make_credit_code 91320706MA1111110)
reg() { # reg ID DATE DISTRICT CERT NAME
  printf '{"event_id":"%s","type":"person.registered","occurred_on":"%s","district":"%s","payload":{"cert_no":"%s","name":"%s","employment_status":"unemployed","wants_job":true,"hard_to_employ":false}}\n' \
    "$1" "$2" "$3" "$4" "$5" >> "$F"
}
vacancy() { # vacancy ID DATE DISTRICT EMPLOYER TITLE CATEGORIES SEVERITY COURSE OPEN_UNTIL [POSITIONS]
  jq -cn --arg id "$1" --arg on "$2" --arg d "$3" --arg emp "$4" --arg title "$5" --argjson cats "$6" \
    --argjson sev "$7" --arg course "$8" --arg until "$9" --argjson pos "${10:-3}" \
    '{event_id: $id, type: "vacancy.posted", occurred_on: $on, district: $d, payload: {vacancy_id: $id,
      employer_code: $emp, title: $title, positions: $pos, categories: $cats, max_severity: $sev, course: $course,
      monthly_wage_fen: 300000, open_until: $until}}' >> "$F"
}
job() { # job ID DATE CERT EMPLOYER
  printf '{"event_id":"%s","type":"employment.started","occurred_on":"%s","district":"320707","payload":{"cert_no":"%s","employer_code":"%s","channel":"regular","contract_months":12,"monthly_wage_fen":300000,"social_insurance":true}}\n' \
    "$1" "$2" "$3" "$4" >> "$F"
}
# Persons in both districts, so that every vacancy has a shortlist the feed must not show.
A=$(make_cert_no 32070619900101111 4 3); B=$(make_cert_no 32070619900101122 2 3)
C=$(make_cert_no 32070619900101133 1 2)
P1=$(make_cert_no 32070719900101211 4 4); P2=$(make_cert_no 32070719900101222 4 3)
P3=$(make_cert_no 32070719900101233 4 3)
NAMES=(张三丰 李秀英 王建国 赵小明 钱美丽 孙志强)
reg r-a 2025-01-10 320706 "$A" "${NAMES[0]}"
reg r-b 2025-01-11 320706 "$B" "${NAMES[1]}"
reg r-c 2025-01-12 320706 "$C" "${NAMES[2]}"
reg r-p1 2025-01-10 320707 "$P1" "${NAMES[3]}"
reg r-p2 2025-01-11 320707 "$P2" "${NAMES[4]}"
reg r-p3 2025-01-12 320707 "$P3" "${NAMES[5]}"
TRICKY=$'客服 & "助理" <远程> \'A\''
vacancy f-open1 2025-04-01 320706 "$EMP" "$TRICKY" '[2,4]' 2 ecommerce 2025-12-31
vacancy f-open2 2025-04-02 320706 "$EMP" 盲人按摩师 '[1]' 1 '' 2025-06-30
vacancy f-expired 2025-03-01 320706 "$EMP" 已过期岗位 '[2,4]' 1 '' 2025-06-29
vacancy f-closed 2025-03-05 320706 "$EMP" 已关闭岗位 '[2,4]' 1 '' 2025-12-31
printf '{"event_id":"f-closed-c","type":"vacancy.closed","occurred_on":"2025-03-20","district":"320706","payload":{"vacancy_id":"f-closed","employer_code":"%s","filled":1}}\n' "$EMP" >> "$F"
# KPI: a vacancy of 2 positions in 赣榆区, P1..P3 shortlisted on 2025-03-01; and one of the same
# employer for grade 4 only, P1 shortlisted on 2025-03-02: P1's one job must fill one of them only.
vacancy k1 2025-03-01 320707 "$EMP2" 包装工 '[4]' 1 '' 2025-12-31 2
vacancy k2 2025-03-02 320707 "$EMP2" 包装工二 '[4]' 4 '' 2025-12-31 1
# P2 shortlisted again on 2025-04-10 (a training re-matches): the first match stays 2025-03-01.
printf '{"event_id":"t-p2","type":"training.completed","occurred_on":"2025-04-10","district":"320707","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"none","cost_fen":10000}}\n' "$P2" "$PROV" >> "$F"
job j-p3 2025-04-01 "$P3" "$EMP3" # another employer, within 90 days: not a fill
job j-p1 2025-05-30 "$P1" "$EMP2" # day 90 after 2025-03-01: a fill
job j-p2 2025-05-31 "$P2" "$EMP2" # day 91: not a fill
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$F")
check_eq "all events accepted" "$(grep -c . "$F") accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 30 sql_is "SELECT count(*) FROM rules.employment WHERE event_id = 'j-p2'" 1

# ---- the feed, JSON ------------------------------------------------------------------
json=$(curl -fsS "$URL")
check_eq "JSON: open vacancies only, newest first (not expired, not closed; open_until = today still open)" \
  "f-open2 f-open1 k2 k1" "$(jq -r '[.vacancies[].vacancy_id] | join(" ")' <<<"$json")"
check_eq "JSON: count, open_on, not truncated" "4 2025-06-30 false" "$(jq -r '"\(.count) \(.open_on) \(.truncated)"' <<<"$json")"
check_eq "JSON: the fields of a vacancy" \
  "vac|f-open1|$EMP|320706|海州区|$TRICKY|3|[2,4]|2|ecommerce|300000|2025-12-31|2025-04-01" \
  "$(jq -r '.vacancies[] | select(.vacancy_id == "f-open1") | [.source, .vacancy_id, .employer_code, .district,
     .district_name, .title, .positions, (.categories | tojson), .max_severity, .course, .monthly_wage_fen,
     .open_until, .posted_on] | map(tostring) | join("|")' <<<"$json")"
check_eq "JSON: no course is null" "null" "$(jq -c '.vacancies[] | select(.vacancy_id == "f-open2") | .course' <<<"$json")"
check_eq "JSON: nothing but published fields" \
  '["categories","course","district","district_name","employer_code","max_severity","monthly_wage_fen","open_until","positions","posted_on","source","title","vacancy_id"]' \
  "$(jq -c '[.vacancies[] | keys] | add | unique' <<<"$json")"
check_eq "filter district=320706" "f-open2 f-open1" \
  "$(curl -fsS "$URL?district=320706" | jq -r '[.vacancies[].vacancy_id] | join(" ")')"
check_eq "filter district=320707" "k2 k1" "$(curl -fsS "$URL?district=320707" | jq -r '[.vacancies[].vacancy_id] | join(" ")')"
check_eq "filter category=1" "f-open2" "$(curl -fsS "$URL?category=1" | jq -r '[.vacancies[].vacancy_id] | join(" ")')"
check_eq "filter category=4" "f-open1 k2 k1" "$(curl -fsS "$URL?category=4" | jq -r '[.vacancies[].vacancy_id] | join(" ")')"
check_eq "filters together: district=320706&category=4" "f-open1" \
  "$(curl -fsS "$URL?district=320706&category=4" | jq -r '[.vacancies[].vacancy_id] | join(" ")')"
check_eq "empty parameters mean no filter" "4" "$(curl -fsS "$URL?district=&category=" | jq .count)"
check_eq "the shortlists exist (so their absence from the feed means something)" "t" \
  "$(sql "SELECT count(*) >= 3 FROM rules.vacancy_matches")"

# ---- the feed, Atom ------------------------------------------------------------------
ATOM=$JIUYE_TEST_TMP/feed.atom
ctype=$(curl -fsS -H 'Accept: application/atom+xml' -o "$ATOM" -w '%{content_type}' "$URL")
check_eq "Atom by Accept: its content type" "application/atom+xml; charset=utf-8" "$ctype"
check "Atom parses as XML (xmllint --noout)" xmllint --noout "$ATOM"
xp() { xmllint --xpath "$1" "$ATOM" 2>/dev/null; }
E="//*[local-name()='entry']"
check_eq "Atom: the same open vacancies" "4" "$(xp "count($E)")"
check_eq "Atom: entry id is a tag URI" "tag:jiuye,2025:vacancy/vac/f-open1" \
  "$(xp "string($E[*[local-name()='vacancy_id']='f-open1']/*[local-name()='id'])")"
check_eq "Atom: & < > \" ' escaped and read back intact" "$TRICKY" \
  "$(xp "string($E[*[local-name()='vacancy_id']='f-open1']/*[local-name()='title'])")"
check_eq "Atom: the district and its name" "320706 海州区" \
  "$(xp "concat(string($E[*[local-name()='vacancy_id']='f-open1']/*[local-name()='district']), ' ', string($E[*[local-name()='vacancy_id']='f-open1']/*[local-name()='district']/@name))")"
upd=$(xp "string(/*[local-name()='feed']/*[local-name()='updated'])")
check "Atom: updated is RFC 3339 ($upd)" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$' <<<"$upd"
check_eq "Atom: entry updated is posted_on, RFC 3339" "2025-04-01T00:00:00+08:00" \
  "$(xp "string($E[*[local-name()='vacancy_id']='f-open1']/*[local-name()='updated'])")"
ATOM2=$JIUYE_TEST_TMP/feed2.atom
ctype=$(curl -fsS -o "$ATOM2" -w '%{content_type}' "$URL?format=atom&district=320706&category=1")
check_eq "Atom by ?format=atom, filtered: content type" "application/atom+xml; charset=utf-8" "$ctype"
check "Atom filtered parses as XML" xmllint --noout "$ATOM2"
check_eq "Atom filtered: one entry" "1" "$(xmllint --xpath "count($E)" "$ATOM2")"
check_eq "?format=json wins over Accept" "4" "$(curl -fsS -H 'Accept: application/atom+xml' "$URL?format=json" | jq .count)"

# ---- no personal data ----------------------------------------------------------------
all=$(printf '%s\n' "$json" "$(cat "$ATOM" "$ATOM2")" "$(curl -fsS "$URL?district=320707")" \
  "$(curl -fsS "$URL?format=atom&district=320707")")
check_eq "no cert_no (20-char pattern) in either format" "0" "$(grep -cE '[0-9]{17}[0-9X][1-7][1-4]' <<<"$all" || true)"
found=0
for c in "$A" "$B" "$C" "$P1" "$P2" "$P3"; do grep -qF "${c:0:18}" <<<"$all" && found=$((found + 1)); done
check_eq "none of the citizen IDs in either format" "0" "$found"
leaked=""
for n in "${NAMES[@]}"; do grep -qF "$n" <<<"$all" && leaked+="$n "; done
check_eq "no name of anyone registered in either format" "" "$leaked"
check_eq "no shortlist in either format" "0" "$(grep -ci 'shortlist' <<<"$all" || true)"

# ---- bad requests --------------------------------------------------------------------
code() { curl -s -o "$JIUYE_TEST_TMP/body" -w '%{http_code}' "$@"; }
check_eq "unknown district: 400" "400" "$(code "$URL?district=999999")"
check "the 400 names the district" grep -q '999999' "$JIUYE_TEST_TMP/body"
check_eq "category 8: 400" "400" "$(code "$URL?category=8")"
check "the 400 names the category" grep -q 'category' "$JIUYE_TEST_TMP/body"
check_eq "category 0: 400" "400" "$(code "$URL?category=0")"
check_eq "category x: 400" "400" "$(code "$URL?category=x")"
check_eq "category 44: 400" "400" "$(code "$URL?category=44")"
check_eq "format rss: 400" "400" "$(code "$URL?format=rss")"
check_eq "a bad parameter as Atom is still 400" "400" "$(code -H 'Accept: application/atom+xml' "$URL?district=12%FF")"
check "its error body is valid JSON with an error" jq -en 'input | .error' "$JIUYE_TEST_TMP/body"
check_eq "POST: 405" "405" "$(code -X POST "$URL")"

# ---- KPI -----------------------------------------------------------------------------
check_eq "first match kept: P1..P3 on k1 since 2025-03-01 (P2 again on 2025-04-10), P1 on k2 since 2025-03-02" \
  "k1 $P1 2025-03-01,k1 $P2 2025-03-01,k1 $P3 2025-03-01,k2 $P1 2025-03-02" \
  "$(sql "SELECT string_agg(vacancy_id || ' ' || cert_no || ' ' || matched_on, ',' ORDER BY vacancy_id, cert_no)
          FROM rules.vacancy_matches WHERE vacancy_id IN ('k1', 'k2')")"
kpi() { curl -fsS "$URL/kpi?$1" | jq -r "[.targets[] | \"\(.id)=\(.actual)/\(.cumulative)\"] | join(\" \")"; }
check_eq "KPI 赣榆区 2025: 2 vacancies, 3 positions, 1 filled (day 90 at the employer, once for two vacancies; not day 91, not another employer)" \
  "vacancies_published=2/2 positions_published=3/3 positions_filled_after_match=1/1" "$(kpi 'year=2025&district=320707')"
check_eq "KPI 海州区 2025: 4 collected (expired and closed too), none filled" \
  "vacancies_published=4/4 positions_published=12/12 positions_filled_after_match=0/0" "$(kpi 'year=2025&district=320706')"
check_eq "KPI city 2025" "vacancies_published=6/6 positions_published=15/15 positions_filled_after_match=1/1" \
  "$(kpi 'year=2025')"
check_eq "KPI city 2026: nothing that year, the cumulative carries" \
  "vacancies_published=0/6 positions_published=0/15 positions_filled_after_match=0/1" "$(kpi 'year=2026')"
check_eq "KPI city 2024: nothing yet" "vacancies_published=0/0 positions_published=0/0 positions_filled_after_match=0/0" \
  "$(kpi 'year=2024')"
check_eq "KPI names the district" "320707 赣榆区 90" \
  "$(curl -fsS "$URL/kpi?year=2025&district=320707" | jq -r '"\(.district) \(.district_name) \(.match_window_days)"')"
check_eq "KPI without year: 400" "400" "$(code "$URL/kpi")"
check_eq "KPI bad year: 400" "400" "$(code "$URL/kpi?year=25")"
check_eq "KPI unknown district: 400" "400" "$(code "$URL/kpi?year=2025&district=320799")"
check "the 400 names the district" grep -q '320799' "$JIUYE_TEST_TMP/body"

lib_finish
