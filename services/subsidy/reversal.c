/* reversal.c: undoing an award in full when a later fact corrects its decision
 * (an R08 placement that ended before its anniversary, a pending decision
 * decided again, ...). The old award is never edited: a new award with the
 * negative amount points at it, and is the only one that ever will (unique
 * index on reverses_award_id). A reversal takes the status of the award it
 * undoes: granted money is freed, waiting money nets out (budget.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award_rows.h"
#include "money.h"
#include "pg.h"
#include "programs.h"

int reversal_full(txn_t *t, const Jiuye__Decision *d, award_list_t *out, char *err, size_t errlen) {
    const char *p[] = {d->corrects_decision_id};
    PGresult *r = award_rows_before_read(t) != 0 ? NULL : pg_exec(txn_pg(t),
                          "SELECT award_id, program, amount_fen, year, limit_key, status FROM subsidy.awards a "
                          "WHERE decision_id = $1 AND status IN ('granted', 'waiting_budget') AND amount_fen > 0 "
                          "AND NOT EXISTS "
                          "(SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = a.award_id) ORDER BY award_id",
                          1, p);
    if (!r) {
        snprintf(err, errlen, "reading the awards to reverse failed");
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        int64_t amount = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        Jiuye__Award *a = award_new(d, PQgetvalue(r, i, 1), (int)strtol(PQgetvalue(r, i, 3), NULL, 10));
        award_reverses(a, PQgetvalue(r, i, 0));
        char factor[300], yuan[32];
        snprintf(factor, sizeof factor, "−%lld（冲回 %s）", (long long)amount, PQgetvalue(r, i, 0));
        award_line(a, "冲回原补贴", factor, -amount, "", "");
        /* A waiting award is undone by a waiting reversal: its money was never granted (budget.h). */
        award_set(a, PQgetvalue(r, i, 5), -amount, "%s；冲回 %s 元", d->reason, money_format_yuan(-amount, yuan, sizeof yuan));
        const char *limit_key = PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4);
        rc = award_store_into(t, a, limit_key, 0, out, "a reversal", err, errlen);
    }
    PQclear(r);
    return rc;
}
