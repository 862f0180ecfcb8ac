/* ledger.c: reading the award ledger (see ledger.h). */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award_rows.h"
#include "pg.h"

int ledger_replaced(txn_t *t, const char *corrected_id, const char *program, ledger_place_t *place) {
    if (award_rows_before_read(t) != 0) return -1;
    const char *p[] = {corrected_id, program};
    PGresult *r = pg_exec(txn_pg(t),
                          "SELECT award_id, coalesce(limit_key, ''), coalesce(slot, 0), status FROM subsidy.awards a "
                          "WHERE decision_id = $1 AND program = $2 AND amount_fen > 0 "
                          "AND status IN ('granted', 'waiting_budget') "
                          "AND EXISTS (SELECT 1 FROM subsidy.awards x WHERE x.reverses_award_id = a.award_id) "
                          "AND NOT EXISTS (SELECT 1 FROM subsidy.awards y WHERE y.replaces_award_id = a.award_id)",
                          2, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    if (found) {
        snprintf(place->award_id, sizeof place->award_id, "%s", PQgetvalue(r, 0, 0));
        snprintf(place->limit_key, sizeof place->limit_key, "%s", PQgetvalue(r, 0, 1));
        place->slot = (int)strtol(PQgetvalue(r, 0, 2), NULL, 10);
        snprintf(place->status, sizeof place->status, "%s", PQgetvalue(r, 0, 3));
    }
    PQclear(r);
    return found;
}
