#!/usr/bin/env bash
# Rules' registry rows read once per transaction (services/rules/persons.h):
# what a rule reads of a person must be what PostgreSQL holds at that point of the
# transaction, whether the events come in one batch or one by one. Two sets of the same
# story, one published as a single request (one burst: one or a few transactions in
# rules, the registrations and the events that need them side by side), the other event
# by event (a transaction each), must decide the same:
#   - a training before its person's registration waits, and the registration after it
#     in the batch releases it (the cache knew the person as absent, then registered);
#   - a second registration changes low income to true and keeps the first, earlier
#     registration date (rules.persons keeps least(registered_on)): R14 on the job
#     started after it, and R01's registered_on fact, see the row as stored, not the
#     event's fields;
#   - R04 and R08 of one employment.started ask for the same person once.
# /metrics shows lookups answered by the transaction's cache.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-06-30
for s in notify subsidy rules intake; do svc_start $s; done
TOKEN=$("$JIUYE_BIN/jiuyectl" source add cache)
PROV=$(make_credit_code 91320706MA1111110)
EMP=$(make_credit_code 91320706MA2222220)
AUX=$(make_credit_code 91320706MA3333330)
AGENCY=$(make_credit_code 91320706MA4444440)

ev() { # ev FILE ID TYPE DATE PAYLOAD-JSON
  printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"320706","payload":%s}\n' "$2" "$3" "$4" "$5" >> "$1"
}
story() { # story FILE PREFIX CERT_A CERT_B: the same events for two persons
  local f=$1 p=$2 a=$3 b=$4
  ev "$f" "$p-train-a" training.completed 2025-03-01 "{\"cert_no\":\"$a\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}"
  ev "$f" "$p-reg-a" person.registered 2025-03-02 "{\"cert_no\":\"$a\",\"name\":\"测试\",\"employment_status\":\"unemployed\",\"wants_job\":true,\"low_income\":false,\"hard_to_employ\":false}"
  ev "$f" "$p-reg-b1" person.registered 2025-01-10 "{\"cert_no\":\"$b\",\"name\":\"测试\",\"employment_status\":\"unemployed\",\"wants_job\":true,\"low_income\":false,\"hard_to_employ\":false}"
  ev "$f" "$p-reg-b2" person.registered 2025-04-01 "{\"cert_no\":\"$b\",\"name\":\"测试\",\"employment_status\":\"unemployed\",\"wants_job\":true,\"low_income\":true,\"hard_to_employ\":false}"
  ev "$f" "$p-aux-b" employment.started 2025-04-10 "{\"cert_no\":\"$b\",\"employer_code\":\"$AUX\",\"channel\":\"auxiliary\",\"contract_months\":12,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
  ev "$f" "$p-train-b" training.completed 2025-04-20 "{\"cert_no\":\"$b\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}"
  ev "$f" "$p-post-a" employment.started 2025-05-01 "{\"cert_no\":\"$a\",\"employer_code\":\"$EMP\",\"channel\":\"public_welfare_post\",\"contract_months\":12,\"monthly_wage_fen\":300000,\"social_insurance\":true,\"agency_code\":\"$AGENCY\"}"
}
lookups() { api -fsS "http://127.0.0.1:$(svc_port rules)/metrics" | awk -v by="$1" '$1 ~ "^jiuye_rules_person_lookups_total" && $1 ~ by { print $2 }'; }

A1=$(make_cert_no 32070619900101111 4 3); B1=$(make_cert_no 32070619900101122 4 3)
A2=$(make_cert_no 32070619900101133 4 3); B2=$(make_cert_no 32070619900101144 4 3)
BATCH=$JIUYE_TEST_TMP/cache-batch.ndjson; : > "$BATCH"
story "$BATCH" one "$A1" "$B1"
ONE=$JIUYE_TEST_TMP/cache-one.ndjson; : > "$ONE"
story "$ONE" each "$A2" "$B2"

cached0=$(lookups transaction_cache)
out=$("$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$BATCH")
check_eq "the batch accepted in one request" "7 accepted, 0 duplicate, 0 rejected" "$(tail -1 <<<"$out")"
wait_until 30 sql_is "SELECT count(*) FROM rules.consumed" 7
cached1=$(lookups transaction_cache)
check "lookups answered by the transaction's cache" test "${cached1%.*}" -gt "${cached0%.*}"
while read -r line; do
  f=$JIUYE_TEST_TMP/cache-line.ndjson; printf '%s\n' "$line" > "$f"
  "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$f" >/dev/null
  n=$(sql "SELECT count(*) FROM intake.events WHERE event_id LIKE 'each-%'")
  wait_until 30 sql_is "SELECT count(*) FROM rules.consumed" "$((7 + n))"
done < "$ONE"

decided() { # decided PREFIX: every decision of the story, ids without the prefix, with the facts read of the person
  sql "SELECT substr(event_id, length('$1') + 2) || '/' || rule || ' ' || outcome || ' registered=' ||
              coalesce(body->'facts'->>'registered', '-') || ' registered_on=' || coalesce(body->'facts'->>'registered_on', '-')
         FROM rules.decisions WHERE event_id LIKE '$1-%' AND decision_id NOT LIKE '%/expired%' ORDER BY 1"
}
wait_until 30 output_is "$(decided one)" decided each
check_eq "one batch and one by one decide the same" "$(decided each)" "$(decided one)"
check_eq "the waiting training, released by the registration after it in the batch" \
  $'train-a/R01 eligible registered=true registered_on=2025-03-02\ntrain-a/R01 pending registered=false registered_on=-' \
  "$(decided one | grep '^train-a/R01 ')"
check_eq "R14 sees low income from the second registration of the batch" "info" \
  "$(sql "SELECT outcome FROM rules.decisions WHERE event_id = 'one-aux-b' AND rule = 'R14'")"
check_eq "R01 sees the first registration date, kept by rules.persons" \
  "train-b/R01 eligible registered=true registered_on=2025-01-10" "$(decided one | grep '^train-b/R01 ')"
check_eq "R04 and R08 of one job: both decided" "2" \
  "$(sql "SELECT count(*) FROM rules.decisions WHERE event_id = 'one-post-a' AND rule IN ('R04', 'R08')")"

# The lookup's plan, made while rules.persons is new and small, must still probe the
# key when the registry has grown (docs/performance.md): a plain join kept a
# hash join over a sequential scan of the whole table. The consumer's transactions
# already run with force_generic_plan (common/link.c); the role's setting makes the
# test keep the plan of the first lookup whatever link.c does.
lib_at_exit "sql 'ALTER ROLE jiuye_rules RESET plan_cache_mode' >/dev/null"
sql "ALTER ROLE jiuye_rules SET plan_cache_mode = force_generic_plan" >/dev/null
svc_stop rules
svc_start rules
C0=$(make_cert_no 32070619900101155 4 3)
PLAN=$JIUYE_TEST_TMP/cache-plan.ndjson
consumed=$(sql "SELECT count(*) FROM rules.consumed")
publish_one() { # publish_one ID: a training of C0, one request, waits until rules consumed it
  : > "$PLAN"
  consumed=$((consumed + 1))
  ev "$PLAN" "$1" training.completed 2025-03-01 "{\"cert_no\":\"$C0\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}"
  "$JIUYE_BIN/jiuyectl" publish --token "$TOKEN" "$PLAN" >/dev/null
  wait_until 30 sql_is "SELECT count(*) FROM rules.consumed" "$consumed"
}
# Statistics that say the tables are tiny (as after autovacuum's first ANALYZE, which a slow
# machine reaches before this point): a LATERAL ... LIMIT 1 alone was then planned as a
# sequential scan of one page (scans, no probe), hence the settings of
# pg_index_probes() around the lookup.
sql "ANALYZE rules.persons, rules.pending" >/dev/null
svc_stop rules
svc_start rules
publish_one plan-0 # the plan is made here, with four persons in rules.persons
sql "INSERT INTO rules.persons (cert_no, district, registered_on, name, employment_status, wants_job, low_income,
       hard_to_employ, source, event_id)
     SELECT 'T' || lpad(i::text, 19, '0'), '320706', '2025-01-01', 'x', 'unemployed', true, false, false, 'plan', i::text
       FROM generate_series(1, 20000) i" >/dev/null
scans() { sql "SELECT coalesce(seq_scan, 0) || ' ' || coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relid = 'rules.persons'::regclass"; }
read -r seq0 idx0 <<<"$(scans)"
for i in 1 2 3 4 5; do publish_one "plan-$i"; done
# Statistics reach pg_stat_user_tables when the backend flushes them (within ~10 s);
# the index probes of the five lookups show that the flush happened.
idx_at_least() { local s i; read -r s i <<<"$(scans)"; ((i >= idx0 + 5)); }
wait_until 20 idx_at_least || true
read -r seq1 idx1 <<<"$(scans)"
check_eq "five lookups in a registry of 20 000: no sequential scan of rules.persons" 0 $((seq1 - seq0))
check "five lookups in a registry of 20 000: index probes ($idx0 -> $idx1)" test "$idx1" -ge $((idx0 + 5))
lib_finish
