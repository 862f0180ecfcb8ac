/* pending.c: events waiting for their person's registration (see pending.h). */
#include "pending.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persons.h"
#include "pg.h"
#include "timers.h"

int pending_hold(txn_t *t, const Jiuye__Event *ev, const Jiuye__Decision *d, jdate_t today) {
    PGconn *pg = txn_pg(t);
    size_t len = jiuye__event__get_packed_size(ev);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -1;
    jiuye__event__pack(ev, buf);
    const char *p[] = {ev->source, ev->event_id, d->subject, (const char *)buf, d->decision_id};
    int lengths[] = {0, 0, 0, (int)len, 0}, formats[] = {0, 0, 0, 1, 0};
    /* Deferred in the consumer's fast mode: nothing here needs its answer. */
    int rc = pg_cmd_bin(pg,
                        "INSERT INTO rules.pending (source, event_id, cert_no, event, decision_id) "
                        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                        5, p, lengths, formats);
    free(buf);
    if (rc != 0) return -1;
    persons_pending_known(t, d->subject, 1);
    char timer_id[400];
    snprintf(timer_id, sizeof timer_id, "pending/%s", d->decision_id);
    return timers_schedule(pg, timer_id, "pending_expiry", today + PENDING_DAYS, d->subject, ev, d->decision_id);
}
