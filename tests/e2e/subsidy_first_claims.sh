#!/usr/bin/env bash
# The first claim of a limit is allocated alone (services/subsidy/claims.h): its
# insert says the limit held no other claim, so subsidy does not read the limit back. The
# same story, told to two persons, once as one request (one transaction in subsidy: later
# claims see the earlier ones of the same transaction) and once event by event, gives the
# same awards: in 2024 three trainings granted and the fourth refused by the yearly cap, a
# 2025 training granted (a new year, a new limit). /metrics counts read="none" once per limit
# and read="claims" for every other claim. Allocating every claim alone would grant the
# fourth training and count too many read="none": both checks fail then.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2025-12-31
for s in notify subsidy rules intake; do svc_start $s; done
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
TOKEN=$("$CTL" source add e2e-first-claims)
PROV=$(make_credit_code 91320706MA1111110)
A=$(make_cert_no 32070619900307123 4 3)
B=$(make_cert_no 32070619900308125 4 3)
ev_reg() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$@"; }
ev_train() { printf '{"event_id":"%s","type":"training.completed","occurred_on":"%s","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}\n' "$1" "$2" "$3" "$PROV"; }
story() { # story PREFIX CERT
  ev_reg "$1-r" "$2"
  ev_train "$1-t1" 2024-05-10 "$2"
  ev_train "$1-t2" 2024-06-10 "$2"
  ev_train "$1-t3" 2024-07-10 "$2"
  ev_train "$1-t4" 2024-08-10 "$2"
  ev_train "$1-t5" 2025-03-10 "$2"
}
story a "$A" > "$T/a.ndjson"
story b "$B" > "$T/b.ndjson"
metric() { api -fsS "http://127.0.0.1:$SUBSIDY_HTTP_PORT/metrics" | sed -n "s/^jiuye_claims_allocated_total{read=\"$1\"} //p"; }
none0=$(metric none) claims0=$(metric claims)

check_eq "a: one request" "6 accepted, 0 duplicate, 0 rejected" "$("$CTL" publish --token "$TOKEN" "$T/a.ndjson" | tail -1)"
check_eq "b: event by event" "6 accepted, 0 duplicate, 0 rejected" \
  "$("$CTL" publish --token "$TOKEN" --batch 1 "$T/b.ndjson" | tail -1)"
wait_until 60 sql_is "SELECT count(*) FROM notify.notifications WHERE rule = 'R01' AND event_id ~ '^[ab]-t'" 10
awards() { # awards PREFIX: status, amount and place token of each training's R01 award, in order
  sql "SELECT string_agg(status || ' ' || amount_fen || ' ' || coalesce(slot::text, '-'), ', ' ORDER BY decision_id)
         FROM subsidy.awards WHERE decision_id LIKE 'e2e-first-claims/$1-t%/R01' AND reverses_award_id IS NULL"
}
want="granted 150000 1, granted 150000 2, granted 150000 3, refused 0 -, granted 150000 1"
check_eq "one request: three granted, the fourth refused, 2025 anew" "$want" "$(awards a)"
check_eq "event by event: the same" "$want" "$(awards b)"
check_eq "no award reversed or replaced" "0" \
  "$(sql "SELECT count(*) FROM subsidy.awards WHERE reverses_award_id IS NOT NULL OR replaces_award_id IS NOT NULL")"
limits=$(sql "SELECT count(DISTINCT (program, beneficiary, limit_key)) FROM subsidy.claims")
claims=$(sql "SELECT count(*) FROM subsidy.claims")
check "claims of several limits were made" test "$limits" -ge 4
check_eq "allocated alone: the first claim of each limit" "$limits" "$(($(metric none) - none0))"
check_eq "allocated after reading the limit: every other claim" "$((claims - limits))" "$(($(metric claims) - claims0))"

# Whether a claim is the first of its limit is read ahead, once per transaction, from
# subsidy.claims and subsidy.decisions (claims_ahead, docs/performance.md). The
# consumer's generic plan of that statement was made above, on tables of a few rows; with
# 20 000 claims and 20 000 corrections it must still probe the indexes: a plan of sequential
# scans read both tables whole on every transaction. Five trainings of a new person, one request each.
sql "INSERT INTO subsidy.claims (decision_id, program, beneficiary, limit_key, order_on, order_tie, event_id, source,
       want_fen, tier2_fen, cap, year, decision)
     SELECT 'plan/' || i, 'TRAINING_SUBSIDY', 'P' || lpad(i::text, 17, '0'), '2024', '2024-05-10', '', i::text, 'plan',
            150000, 0, 3, 2024, '\\x00' FROM generate_series(1, 20000) i" >/dev/null
sql "INSERT INTO subsidy.decisions (decision_id, source, event_id, event_type, rule, outcome, district, subject,
       corrects_decision_id, facts)
     SELECT 'plan/' || i || '/c', 'plan', i::text, 'training.completed', 'R01', 'ineligible', '320706', 'x',
            'plan/' || i, '{}' FROM generate_series(1, 20000) i" >/dev/null
scans() { sql "SELECT sum(coalesce(seq_scan, 0)) || ' ' || sum(coalesce(idx_scan, 0)) FROM pg_stat_user_tables
                WHERE relid IN ('subsidy.claims'::regclass, 'subsidy.decisions'::regclass)"; }
read -r seq0 idx0 <<<"$(scans)"
C=$(make_cert_no 32070619900309127 4 3)
{ ev_reg c-r "$C"; } > "$T/c.ndjson"
"$CTL" publish --token "$TOKEN" "$T/c.ndjson" >/dev/null
for i in 1 2 3 4 5; do
  ev_train "c-t$i" "2024-0$i-10" "$C" > "$T/c.ndjson"
  "$CTL" publish --token "$TOKEN" "$T/c.ndjson" >/dev/null
  wait_until 30 sql_is "SELECT count(*) FROM subsidy.claims WHERE decision_id = 'e2e-first-claims/c-t$i/R01'" 1
done
# Statistics reach pg_stat_user_tables when the backend flushes them (within ~10 s).
idx_at_least() { local s i; read -r s i <<<"$(scans)"; ((i >= idx0 + 5)); }
wait_until 20 idx_at_least || true
read -r seq1 idx1 <<<"$(scans)"
check_eq "five transactions over 20 000 claims and corrections: no sequential scan of either" 0 $((seq1 - seq0))
check "five transactions: index probes ($idx0 -> $idx1)" test "$idx1" -ge $((idx0 + 5))
check_eq "the new person: three trainings granted in 2024, the fourth and fifth refused" \
  "granted 150000 1, granted 150000 2, granted 150000 3, refused 0 -, refused 0 -" "$(awards c)"
lib_finish
