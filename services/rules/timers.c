/* timers.c: durable timers (see timers.h). */
#include "timers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

int timers_schedule(PGconn *pg, const char *timer_id, const char *kind, jdate_t due, const char *cert_no,
                    const Jiuye__Event *ev, const char *detail) {
    size_t len = jiuye__event__get_packed_size(ev);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -1;
    jiuye__event__pack(ev, buf);
    char due_text[DATE_STRLEN];
    const char *p[] = {timer_id, kind, date_format(due, due_text), cert_no, (const char *)buf, detail};
    int lengths[] = {0, 0, 0, 0, (int)len, 0}, formats[] = {0, 0, 0, 0, 1, 0};
    /* Deferred in the consumer's fast mode (no answer needed): one round trip less a timer. */
    int rc = pg_cmd_bin(pg,
                        "INSERT INTO rules.timers (timer_id, kind, due_on, cert_no, event, detail) "
                        "VALUES ($1, $2, $3::date, $4, $5, $6) ON CONFLICT (timer_id) DO NOTHING",
                        6, p, lengths, formats);
    free(buf);
    return rc;
}

int timers_cancel(PGconn *pg, const char *timer_id) {
    const char *p[] = {timer_id};
    return pg_cmd(pg,
                  "UPDATE rules.timers SET cancelled_at = now() WHERE timer_id = $1 AND fired_at IS NULL "
                  "AND cancelled_at IS NULL",
                  1, p);
}
