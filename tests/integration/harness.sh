#!/usr/bin/env bash
# harness.sh: self-test of tests/lib.sh and the environment tests/run.sh provides,
# so a broken harness shows up as itself rather than as every other test failing.
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
lib_init

check_eq "sql reaches the test database" "jiuye|postgres" "$(sql "SELECT current_database(), current_user")"
check_eq "migration 001 recorded" "1" "$(sql "SELECT count(*) FROM public.schema_migrations WHERE version = 1")"
check_eq "service schemas exist" "intake notify rules subsidy" \
    "$(sql "SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace
            WHERE nspname IN ('intake', 'rules', 'subsidy', 'notify')")"

# db_reset empties service tables, restarts their sequences and keeps the migrations.
sql "CREATE TABLE intake.harness_probe (id bigserial PRIMARY KEY, v text)" \
    "INSERT INTO intake.harness_probe (v) VALUES ('a'), ('b')"
db_reset
check_eq "db_reset empties service tables" "0" "$(sql "SELECT count(*) FROM intake.harness_probe")"
sql "INSERT INTO intake.harness_probe (v) VALUES ('c')"
check_eq "db_reset restarts identities" "1" "$(sql "SELECT id FROM intake.harness_probe")"
check_eq "db_reset keeps schema_migrations" "1" "$(sql "SELECT count(*) FROM public.schema_migrations WHERE version = 1")"
sql "DROP TABLE intake.harness_probe"

# GB 11643 / GB 32100 check characters against published examples.
check_eq "make_cert_no check X" "11010519491231002X41" "$(make_cert_no 11010519491231002 4 1)"
check_eq "make_cert_no check digit" "11010519800101001631" "$(make_cert_no 11010519800101001 3 1)"
check_eq "make_credit_code" "91350100M000100Y43" "$(make_credit_code 91350100M000100Y4)"
check_eq "make_credit_code letter check" "91110000600037341L" "$(make_credit_code 91110000600037341)"

check "wait_until succeeds" wait_until 2 true
if wait_until 0.5 false; then not_ok "wait_until times out"; else ok "wait_until times out"; fi

lib_finish
