#!/usr/bin/env bash
# Back up and restore (docs/operations.md "Back up and restore"): the suite
# continues from a backup restored into a NEW PostgreSQL cluster without loss, as after
# losing the server. The commands are docs/operations.md's, with -h/-p for the two clusters.
#
#   reference  on the harness's cluster, all services up: batches A1, A2, B and A again;
#              every table's row count and a fingerprint of the awards and notifications
#   real run   db_reset; A1 processed; notify stopped and A2 published, so its award
#              messages wait in subsidy.outbox; backup: pg_dumpall --roles-only (with a
#              password on every service role, to see the hashes carried over) and
#              pg_dump -Fc; every service stopped; the old cluster STOPPED (nothing can be
#              read from it after this point); a second cluster initialised by
#              ops/pg-local.sh (data in the scratch dir, port PGPORT+1, 127.0.0.1 only);
#              the roles restored, the empty jiuye database it made dropped, pg_restore
#              --create; migrate.sh applies nothing; JIUYE_DB and PGPORT pointed at the new
#              cluster, services started: subsidy re-sends A2's messages; then B (new
#              persons, plus a 4th training of a year whose first three are in the dump,
#              and the end of a post whose award is in the dump) and A again
#   checks     the new cluster holds every row of the dump, the same roles (attributes and
#              password hashes), owners and per-database role settings; every table of the
#              four schemas counts exactly what the reference does; the same awards (ids,
#              amounts, statuses) and notifications; A again is all duplicates; the ledger
#              cap and the reversal saw the restored rows; no dead letters (tables and
#              /metrics); jiuyectl trace reads the restored chain.
#   cleanup    the new cluster stopped and its directories removed, and the harness's
#              cluster started again for the next test (also on failure: lib_at_exit).
. "$(dirname "$0")/../lib.sh"
lib_init
db_reset
export JIUYE_TODAY=2026-01-15
CTL=$JIUYE_BIN/jiuyectl
DB=$(sed -n 's/.*dbname=\([^ ]*\).*/\1/p' <<<"$JIUYE_DB")
DUMP=$JIUYE_TEST_TMP/jiuye.dump ROLES=$JIUYE_TEST_TMP/jiuye-roles.sql
[[ -n "$DB" ]] || { not_ok "JIUYE_DB names a database" "$JIUYE_DB"; lib_finish; }
OPS=$(cd "$(dirname "$0")/../../ops" && pwd)
# The harness's cluster (run.sh: JIUYE_PGDATA, JIUYE_PGPORT = PGPORT) and the new one,
# beside it in the scratch dir (owned by postgres) on the next port.
OLD_PORT=$PGPORT NEW_PORT=$((PGPORT + 1))
NEW_PGDATA=$JIUYE_TEST_TMP/pg-restored
new_cluster() { JIUYE_PGDATA=$NEW_PGDATA JIUYE_PGPORT=$NEW_PORT "$OPS/pg-local.sh" "$@"; }
reachable() { pg_isready -q -h 127.0.0.1 -p "$1"; }
# Idempotent; quiet, so it can run from the exit trap after a failure too.
restore_cleanup() {
    if [[ -d "$NEW_PGDATA" ]]; then
        new_cluster stop >/dev/null 2>&1 || true
        cp "$NEW_PGDATA.log" "$JIUYE_TEST_TMP/logs/pg-restored.log" 2>/dev/null || true
        rm -rf "$NEW_PGDATA" "$NEW_PGDATA.sock" "$NEW_PGDATA.log" "$NEW_PGDATA.initdb.log"
    fi
    reachable "$OLD_PORT" || "$OPS/pg-local.sh" start >/dev/null
}
lib_at_exit restore_cleanup
if reachable "$NEW_PORT"; then
    not_ok "port $NEW_PORT is free for the new cluster" "something answers there already"
    lib_finish
fi

# --- the events -----------------------------------------------------------------
PROV=$(make_credit_code 91320706MA1111110)
PWE=$(make_credit_code 12320722MB0000000)
ev() { printf '{"event_id":"%s","type":"%s","occurred_on":"%s","district":"%s","payload":%s}\n' "$@"; }
reg() { ev "$1" person.registered "$2" "$3" "{\"cert_no\":\"$4\",\"name\":\"测试\",\"employment_status\":\"employed\",\"wants_job\":false}"; }
train() { ev "$1" training.completed "$2" "$3" "{\"cert_no\":\"$4\",\"provider_code\":\"$PROV\",\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":$5}"; }
person() { make_cert_no "$(printf '32070619900301%03d' "$1")" 4 3; } # 海州区, born 1990-03-01
CAP=$(person 999)
PW=$(make_cert_no 32072219800101456 4 3)
A1=$JIUYE_TEST_TMP/a1.ndjson A2=$JIUYE_TEST_TMP/a2.ndjson B=$JIUYE_TEST_TMP/b.ndjson
{
    for i in $(seq 1 30); do
        reg "a1-reg-$i" 2024-01-10 320706 "$(person "$i")"
        train "a1-train-$i" 2024-05-10 320706 "$(person "$i")" $((100000 + i * 1000))
    done
    reg cap-reg 2024-01-10 320706 "$CAP"
    for m in 03 04 05; do train "cap-train-$m" "2024-$m-10" 320706 "$CAP" 180000; done
    reg pw-reg 2023-01-01 320722 "$PW"
    ev pw-start employment.started 2023-11-01 320722 "{\"cert_no\":\"$PW\",\"employer_code\":\"$PWE\",\"channel\":\"public_welfare_post\",\"contract_months\":24,\"monthly_wage_fen\":300000,\"social_insurance\":true}"
} >"$A1"
{
    for i in $(seq 31 40); do
        reg "a2-reg-$i" 2024-01-10 320706 "$(person "$i")"
        train "a2-train-$i" 2024-06-10 320706 "$(person "$i")" 150000
    done
} >"$A2"
{
    for i in $(seq 41 60); do
        reg "b-reg-$i" 2024-02-10 320706 "$(person "$i")"
        train "b-train-$i" 2024-07-10 320706 "$(person "$i")" 120000
    done
    train cap-train-06 2024-06-10 320706 "$CAP" 180000 # the 4th of 2024: refused by the restored ledger
    ev pw-end employment.ended 2024-04-30 320722 "{\"cert_no\":\"$PW\",\"employer_code\":\"$PWE\",\"reason\":\"合同终止\"}"
} >"$B"
NA=$(($(wc -l <"$A1") + $(wc -l <"$A2")))
NB=$(wc -l <"$B")

# publish NAME TOKEN FILE EXPECTED: the summary line must be EXPECTED.
publish() {
    local out
    out=$("$CTL" publish --token "$2" "$3" 2>&1 || true)
    check_eq "$1" "$4" "$(tail -1 <<<"$out")"
}
OUTBOXES="SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) + (SELECT count(*) FROM subsidy.outbox)"
# drained NAME EVENTS: every outbox empty and rules has consumed EVENTS messages.
drained() {
    if wait_until 60 sql_is "SELECT ($OUTBOXES) = 0 AND (SELECT count(*) FROM rules.consumed) = $2" t; then
        ok "$1: processed"
    else
        not_ok "$1: processed" "outboxes $(sql "$OUTBOXES"), rules.consumed $(sql "SELECT count(*) FROM rules.consumed") of $2"
    fi
}
# Every table of the four schemas with its row count, one "schema.table n" a line.
counts() {
    local t
    for t in $(sql "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                    WHERE schemaname IN ('intake', 'rules', 'subsidy', 'notify') ORDER BY 1"); do
        echo "$t $(sql "SELECT count(*) FROM $t")"
    done
}
fingerprint() {
    sql "SELECT md5(string_agg(award_id || ':' || amount_fen || ':' || status, ',' ORDER BY award_id)) FROM subsidy.awards" \
        "SELECT md5(string_agg(ref_id || ':' || title, ',' ORDER BY ref_id)) FROM notify.notifications" \
        "SELECT count(*) || ' decisions, ' || count(DISTINCT outcome) || ' outcomes' FROM rules.decisions"
}
start_all() { local s; for s in notify subsidy rules intake; do svc_start $s || lib_finish; done; }

# --- reference: no backup in between ------------------------------------------------
start_all
TOKEN=$("$CTL" source add e2e-backup)
publish "reference: A1 accepted" "$TOKEN" "$A1" "$(wc -l <"$A1") accepted, 0 duplicate, 0 rejected"
publish "reference: A2 accepted" "$TOKEN" "$A2" "$(wc -l <"$A2") accepted, 0 duplicate, 0 rejected"
publish "reference: B accepted" "$TOKEN" "$B" "$NB accepted, 0 duplicate, 0 rejected"
drained "reference" $((NA + NB))
publish "reference: A again, duplicates" "$TOKEN" "$A1" "0 accepted, $(wc -l <"$A1") duplicate, 0 rejected"
REF_COUNTS=$(counts)
REF_PRINT=$(fingerprint)
svc_stop_all

# --- the real run: back up with messages in flight, restore, continue -----------------
db_reset
start_all
TOKEN=$("$CTL" source add e2e-backup)
publish "A1 accepted" "$TOKEN" "$A1" "$(wc -l <"$A1") accepted, 0 duplicate, 0 rejected"
drained "A1" "$(wc -l <"$A1")"
svc_stop notify
publish "A2 accepted (notify stopped)" "$TOKEN" "$A2" "$(wc -l <"$A2") accepted, 0 duplicate, 0 rejected"
# rules' outbox empty: subsidy has committed every decision (rows go on its ack, after its commit)
wait_until 60 sql_is "SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM rules.outbox) = 0 AND
                             (SELECT count(*) FROM rules.consumed) = $NA" t
held=$(sql "SELECT count(*) FROM subsidy.outbox")
check "A2's award messages wait in subsidy.outbox at backup time ($held)" test "$held" -gt 0
# The roles' attributes and password hashes, their per-database settings (001's
# search_path) and the tables' owners: what the new cluster must hold as well.
ROLE_PRINT="SELECT string_agg(concat_ws(':', rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, md5(rolpassword)), ' ' ORDER BY rolname)
              FROM pg_authid WHERE rolname LIKE 'jiuye\_%'"
ROLE_SETTINGS="SELECT string_agg(r.rolname || '=' || array_to_string(s.setconfig, ','), ' ' ORDER BY r.rolname)
                 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                 JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()"
for r in intake rules subsidy notify; do sql "ALTER ROLE jiuye_$r PASSWORD 'restore-test-$r'"; done
check "pg_dumpall --roles-only" pg_dumpall -h 127.0.0.1 -p "$OLD_PORT" -U postgres --roles-only -f "$ROLES"
check "pg_dump -Fc" pg_dump -h 127.0.0.1 -p "$OLD_PORT" -U postgres -d "$DB" -Fc -f "$DUMP"
check "pg_restore --list reads the dump" pg_restore --list "$DUMP"
before=$(counts)
old_roles=$(sql "$ROLE_PRINT")
old_settings=$(sql "$ROLE_SETTINGS")
check_eq "the four service roles, each with a password hash" 4 "$(grep -o ':[0-9a-f]\{32\}' <<<"$old_roles" | wc -l)"
check "the roles file carries the hashes" grep -q "ROLE jiuye_notify .*PASSWORD 'SCRAM-SHA-256" "$ROLES"
# Under trust the passwords mean nothing here; the harness's cluster goes back as it was.
for r in intake rules subsidy notify; do sql "ALTER ROLE jiuye_$r PASSWORD NULL"; done
svc_stop_all

# --- the server is lost: a new cluster from the backup ---------------------------------
check "the old cluster stops" "$OPS/pg-local.sh" stop
if reachable "$OLD_PORT"; then not_ok "the old cluster is unreachable"; lib_finish; fi
ok "the old cluster is unreachable (127.0.0.1:$OLD_PORT)"
if ! out=$(new_cluster start 2>&1); then
    not_ok "a new cluster starts (ops/pg-local.sh, port $NEW_PORT)" "$out"
    lib_finish
fi
ok "a new cluster starts (ops/pg-local.sh, port $NEW_PORT)"
export PGPORT=$NEW_PORT
restore_roles() (
    set -o pipefail
    grep -vx 'CREATE ROLE postgres;' "$ROLES" |
        psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$NEW_PORT" -U postgres -d postgres
)
check "the roles first (all but the bootstrap superuser, which initdb made)" restore_roles
check "drop the empty database the new cluster was made with" \
    dropdb -h 127.0.0.1 -p "$NEW_PORT" -U postgres --if-exists "$DB"
check "pg_restore --create" \
    pg_restore -h 127.0.0.1 -p "$NEW_PORT" -U postgres -d postgres --create --exit-on-error "$DUMP"
out=$(PGHOST=127.0.0.1 PGDATABASE=$DB "$OPS/migrate.sh" 2>&1) && rc=0 || rc=$?
check_eq "migrate.sh on the restored database applies nothing (the dump is at this version)" "0:" "$rc:$out"
check_eq "the restored database holds every row of the dump" "$before" "$(counts)"
check_eq "the same roles: attributes and password hashes" "$old_roles" "$(sql "$ROLE_PRINT")"
check_eq "the roles' per-database settings (001's search_path) came with the dump" "$old_settings" "$(sql "$ROLE_SETTINGS")"
check_eq "the settings compared are 001's search_path of the four roles" \
    "jiuye_intake=search_path=intake, public jiuye_notify=search_path=notify, public jiuye_rules=search_path=rules, public jiuye_subsidy=search_path=subsidy, public" \
    "$old_settings"
check_eq "tables keep their owners (the service roles)" \
    "intake:jiuye_intake notify:jiuye_notify rules:jiuye_rules subsidy:jiuye_subsidy" \
    "$(sql "SELECT string_agg(DISTINCT schemaname || ':' || tableowner, ' ') FROM pg_tables
            WHERE schemaname IN ('intake', 'rules', 'subsidy', 'notify')")"
# Point the services (and jiuyectl) at the new cluster; the old one is down.
export JIUYE_DB="host=127.0.0.1 port=$NEW_PORT dbname=$DB"
start_all
wait_until 60 sql_is "SELECT count(*) FROM subsidy.outbox" 0 ||
    not_ok "subsidy re-sends what notify had not acknowledged at backup time" "$(sql "SELECT count(*) FROM subsidy.outbox") left"
publish "B accepted after the restore" "$TOKEN" "$B" "$NB accepted, 0 duplicate, 0 rejected"
publish "A1 again: duplicates (the dump kept intake.events)" "$TOKEN" "$A1" "0 accepted, $(wc -l <"$A1") duplicate, 0 rejected"
publish "A2 again: duplicates" "$TOKEN" "$A2" "0 accepted, $(wc -l <"$A2") duplicate, 0 rejected"
drained "after the restore" $((NA + NB))
sleep 1 # anything late would show now

# --- compare ----------------------------------------------------------------------
check_eq "every table counts exactly what the run without a backup counts" "$REF_COUNTS" "$(counts)"
check_eq "the same awards and notifications, to the fen" "$REF_PRINT" "$(fingerprint)"
check_eq "one notification per award or decision: nothing doubled" "0" \
    "$(sql "SELECT count(*) FROM (SELECT ref_id FROM notify.notifications GROUP BY 1 HAVING count(*) > 1) d")"
check_eq "the 4th training of 2024 is refused by the restored ledger" "refused 0" \
    "$(sql "SELECT status || ' ' || amount_fen FROM subsidy.awards WHERE decision_id = 'e2e-backup/cap-train-06/R01'")"
check_eq "the end of the post reverses the restored award (-53 280 yuan)" "granted -5328000" \
    "$(sql "SELECT status || ' ' || amount_fen FROM subsidy.awards WHERE decision_id = 'e2e-backup/pw-end/R04'")"
check_eq "no dead letters" "0" \
    "$(sql "SELECT (SELECT count(*) FROM rules.dead_letters) + (SELECT count(*) FROM subsidy.dead_letters) + (SELECT count(*) FROM notify.dead_letters)")"
for s in rules subsidy notify; do
    check_eq "$s /metrics: jiuye_dead_letters 0" "jiuye_dead_letters{service=\"$s\"} 0" \
        "$(api -fsS "http://127.0.0.1:$(svc_port $s)/metrics" | grep '^jiuye_dead_letters')"
done
out=$(JIUYE_TOKEN=$(token_for operator) "$CTL" trace pw-end 2>&1) && rc=0 || rc=$?
check_eq "jiuyectl trace on the restored database" 0 "$rc"
check "trace shows the stored event from the restored intake.events" grep -q "事件 pw-end（来源 e2e-backup）" <<<"$out"
check "trace shows the reversal" grep -qF "金额 -53280.00 元" <<<"$out"
svc_stop_all
restore_cleanup
check "the new cluster is stopped" test -z "$(reachable "$NEW_PORT" && echo up)"
check "its directories are removed" test ! -e "$NEW_PGDATA" -a ! -e "$NEW_PGDATA.sock"
check "the harness's cluster is back for the next test" reachable "$OLD_PORT"
lib_finish
