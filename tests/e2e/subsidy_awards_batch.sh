#!/usr/bin/env bash
# Subsidy inserts a transaction's awards with few statements (services/subsidy/award_rows.h,
# docs/performance.md): the awards are kept in memory and written by one statement
# before any statement that reads subsidy.awards (each such read calls
# award_rows_before_read() first) and before COMMIT.
# Subsidy is started after rules has decided everything, so that it takes the backlog in a
# burst: a person's four 2024 trainings (each claim after the first reads the limit back:
# the kept awards go out first, and the yearly cap still grants three and refuses the fourth),
# then twenty persons' first trainings (no read of the ledger between them). Every award row
# carries the command id of the statement that inserted it (cmin): one statement per award,
# as before, gives as many command ids as awards and fails the second check; without the
# flush before the claims' read the third fails.
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2024-12-31
for s in notify rules intake; do svc_start $s; done
CTL=$JIUYE_BIN/jiuyectl
T=$JIUYE_TEST_TMP
TOKEN=$("$CTL" source add e2e-awards-batch)
PROV=$(make_credit_code 91320706MA1111110)
ev_reg() { printf '{"event_id":"%s","type":"person.registered","occurred_on":"2024-01-15","district":"320706","payload":{"cert_no":"%s","name":"张三","employment_status":"employed","wants_job":false}}\n' "$@"; }
ev_train() { printf '{"event_id":"%s","type":"training.completed","occurred_on":"%s","district":"320706","payload":{"cert_no":"%s","provider_code":"%s","course":"vocational","hours":60,"certificate":"level4","cost_fen":180000}}\n' "$1" "$2" "$3" "$PROV"; }
P=$(make_cert_no 32070619900307123 4 3)
{
  ev_reg p-r "$P"
  for i in 1 2 3 4; do ev_train "p-t$i" "2024-0$((i + 4))-10" "$P"; done
  for i in $(seq 10 29); do
    c=$(make_cert_no "320706199003${i}125" 4 3)
    ev_reg "q$i-r" "$c"
    ev_train "q$i-t" 2024-05-10 "$c"
  done
} > "$T/batch.ndjson"
check_eq "one request" "45 accepted, 0 duplicate, 0 rejected" "$("$CTL" publish --token "$TOKEN" "$T/batch.ndjson" | tail -1)"
wait_until 60 sql_is "SELECT count(*) FROM rules.consumed" 45
wait_until 30 sql_is "SELECT count(*) FROM rules.decisions WHERE rule = 'R01'" 24
svc_start subsidy
wait_until 60 sql_is "SELECT count(*) FROM subsidy.awards" 24

read -r awards statements transactions <<<"$(sql "SELECT sum(n), sum(k), count(*) FROM (SELECT count(*) n,
    count(DISTINCT cmin::text) k FROM subsidy.awards GROUP BY xmin::text) t" | tr '|' ' ')"
check_eq "24 awards read back by insert transaction" "24" "$awards"
check "at most half as many statements inserted them ($statements, in $transactions transactions)" \
  test "$((2 * ${statements:-99}))" -le "${awards:-0}"
# Without the flush before its read a claim misses the kept awards, takes a place already held, and the
# guard trigger fails the transaction (it is then run again message by message).
check_eq "no claim took a place already held (the reads saw the kept awards)" "0" \
  "$(grep -c "already held" "$(svc_log subsidy)" || true)"
check_eq "the yearly cap within the burst: three granted, the fourth refused" \
  "granted 150000 1, granted 150000 2, granted 150000 3, refused 0 -" \
  "$(sql "SELECT string_agg(status || ' ' || amount_fen || ' ' || coalesce(slot::text, '-'), ', ' ORDER BY decision_id)
            FROM subsidy.awards WHERE decision_id LIKE 'e2e-awards-batch/p-t%/R01'")"
check_eq "each of the twenty others granted once" "20" \
  "$(sql "SELECT count(*) FROM subsidy.awards WHERE decision_id LIKE 'e2e-awards-batch/q%/R01' AND status = 'granted'")"
wait_until 60 sql_is "SELECT count(*) FROM notify.notifications WHERE kind = 'award'" 24
check_eq "a notification for each award" "24" "$(sql "SELECT count(*) FROM notify.notifications WHERE kind = 'award'")"
lib_finish
