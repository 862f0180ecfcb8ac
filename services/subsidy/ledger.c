/* ledger.c: reading the award ledger (see ledger.h). */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>

#include "pg.h"

long ledger_granted_count(PGconn *pg, const char *program, const char *beneficiary, const char *limit_key) {
    const char *p[] = {program, beneficiary, limit_key};
    PGresult *r = pg_exec(pg,
                          "SELECT count(*) FROM subsidy.awards WHERE program = $1 AND beneficiary = $2 "
                          "AND limit_key = $3 AND status IN ('granted', 'waiting_budget') AND amount_fen > 0",
                          3, p);
    if (!r) return -1;
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

int ledger_granted_sum(PGconn *pg, const char *program, const char *beneficiary, const char *limit_key,
                       int64_t *sum) {
    const char *p[] = {program, beneficiary, limit_key};
    PGresult *r = pg_exec(pg,
                          "SELECT coalesce(sum(amount_fen), 0) FROM subsidy.awards WHERE program = $1 "
                          "AND beneficiary = $2 AND limit_key = $3 AND status IN ('granted', 'waiting_budget')",
                          3, p);
    if (!r) return -1;
    *sum = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}
