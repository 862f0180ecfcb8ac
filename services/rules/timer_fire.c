/* timer_fire.c: firing the durable timers that are due (see timers.h). Apart
 * from timers.c, which rule files call to set and cancel timers: the table
 * here names the rule files' fire functions. */
#include "timers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "log.h"
#include "pg.h"

static const struct {
    const char *kind;
    timer_fire_fn fire;
} timer_kinds[] = {
    {"r08_anniversary", r08_anniversary_fire},
    {"r15_deadline", r15_deadline_fire},
    {"r16_deadline", r16_deadline_fire},
    {"pending_expiry", pending_expire_fire},
};

/* Fire one timer inside the open transaction. Returns 0 or -1. */
static int fire_one(PGconn *pg, const policy_set_t *plans, jdate_t today, PGresult *r, int row) {
    const char *timer_id = PQgetvalue(r, row, 0), *kind = PQgetvalue(r, row, 1), *detail = PQgetvalue(r, row, 3);
    Jiuye__Event *ev = jiuye__event__unpack(NULL, (size_t)PQgetlength(r, row, 2), (const uint8_t *)PQgetvalue(r, row, 2));
    timer_fire_fn fire = NULL;
    for (size_t i = 0; i < sizeof timer_kinds / sizeof *timer_kinds; i++)
        if (strcmp(timer_kinds[i].kind, kind) == 0) fire = timer_kinds[i].fire;
    decision_list_t out = {0};
    int rc = -1;
    if (!ev || !fire) {
        log_error("timer %s: unknown kind '%s' or unreadable event; marked fired without effect", timer_id, kind);
        rc = 0;
    } else {
        jdate_t on;
        txn_t t; /* a plain transaction: the timer's decisions are written at once */
        txn_init(&t, pg);
        rule_ctx_t ctx = {.txn = &t, .pg = pg, .plans = plans, .plan = NULL, .today = today, .replay_facts = NULL};
        if (date_parse(ev->occurred_on, &on) == 0) {
            ctx.occurred_on = on;
            ctx.plan = policy_for_date(plans, on); /* the plan of the fact that set the timer */
            char message_id[300];
            snprintf(message_id, sizeof message_id, "rules/timer/%s", timer_id);
            if (fire(&ctx, ev, detail, &out) == 0 && decisions_emit(&t, ev, &out, message_id) == 0) rc = 0;
        }
    }
    const char *p[] = {timer_id};
    if (rc == 0 && pg_cmd(pg, "UPDATE rules.timers SET fired_at = now() WHERE timer_id = $1", 1, p) != 0) rc = -1;
    if (rc == 0 && out.n) log_info("timer %s (%s) fired: %zu decision(s)", timer_id, kind, out.n);
    decision_list_clear(&out);
    if (ev) jiuye__event__free_unpacked(ev, NULL);
    return rc;
}

int timers_fire_due(PGconn *pg, const policy_set_t *plans, jdate_t today, int max) {
    char today_text[DATE_STRLEN];
    const char *p[] = {date_format(today, today_text)};
    int fired = 0;
    while (fired < max) {
        if (pg_begin(pg) != 0) return -1;
        /* One timer per transaction: a timer whose decisions fail does not hold back the others' effects. */
        PGresult *r = pg_exec_bin(pg,
                                  "SELECT timer_id, kind, event, detail FROM rules.timers WHERE due_on <= $1::date "
                                  "AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_on, timer_id LIMIT 1 "
                                  "FOR UPDATE SKIP LOCKED",
                                  1, p, NULL, NULL, 1);
        if (!r) {
            pg_rollback(pg);
            return -1;
        }
        if (PQntuples(r) == 0) {
            PQclear(r);
            pg_rollback(pg);
            break;
        }
        int rc = fire_one(pg, plans, today, r, 0);
        PQclear(r);
        if (rc != 0 || pg_commit(pg) != 0) {
            pg_rollback(pg);
            return -1;
        }
        fired++;
    }
    return fired;
}
