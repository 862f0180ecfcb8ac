/* ledger.c: reading the award ledger (see ledger.h). */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>

#include "pg.h"

long ledger_granted_count(PGconn *pg, const char *program, const char *beneficiary, int year) {
    char y[16];
    snprintf(y, sizeof y, "%d", year);
    const char *p[] = {program, beneficiary, y};
    PGresult *r = pg_exec(pg,
                          "SELECT count(*) FROM subsidy.awards WHERE program = $1 AND beneficiary = $2 "
                          "AND year = $3::int AND status = 'granted' AND amount_fen > 0",
                          3, p);
    if (!r) return -1;
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}
