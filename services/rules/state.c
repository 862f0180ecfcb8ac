/* state.c: keeping the rules' facts (see state.h). */
#include "state.h"

#include <stdio.h>

#include "persons.h"
#include "pg.h"

static int employment_started(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__EmploymentStarted *e = ev->employment_started;
    char months[16];
    snprintf(months, sizeof months, "%d", e->contract_months);
    const char *p[] = {e->cert_no, e->employer_code, ev->occurred_on, e->channel, months,
                       e->agency_code[0] ? e->agency_code : NULL, ev->district, ev->source, ev->event_id};
    return pg_cmd(pg,
                  "INSERT INTO rules.employment (cert_no, employer_code, started_on, channel, contract_months, "
                  "agency_code, district, source, event_id) VALUES ($1, $2, $3::date, $4, $5::int, $6, $7, $8, $9) "
                  "ON CONFLICT DO NOTHING",
                  9, p);
}

/* The open spell at this employer that started on or before the end. */
static int employment_ended(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__EmploymentEnded *e = ev->employment_ended;
    const char *p[] = {e->cert_no, e->employer_code, ev->occurred_on};
    return pg_cmd(pg,
                  "UPDATE rules.employment SET ended_on = $3::date WHERE cert_no = $1 AND employer_code = $2 "
                  "AND ended_on IS NULL AND started_on <= $3::date",
                  3, p);
}

static int graduate_registered(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__GraduateRegistered *g = ev->graduate_registered;
    char year[16];
    snprintf(year, sizeof year, "%d", g->graduation_year);
    const char *p[] = {g->cert_no, g->school, year, g->wants_job ? "t" : "f", ev->occurred_on, ev->district};
    return pg_cmd(pg,
                  "INSERT INTO rules.graduates (cert_no, school, graduation_year, wants_job, registered_on, district) "
                  "VALUES ($1, $2, $3::int, $4::boolean, $5::date, $6) ON CONFLICT (cert_no) DO UPDATE SET "
                  "school = EXCLUDED.school, graduation_year = EXCLUDED.graduation_year, wants_job = EXCLUDED.wants_job",
                  6, p);
}

/* A service delivered in time cancels the deadline timer waiting for it (R15, R16). */
static int service_delivered(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__ServiceDelivered *s = ev->service_delivered;
    const char *p[] = {s->cert_no, s->service, ev->occurred_on, s->staff_id, ev->source, ev->event_id};
    if (pg_cmd(pg,
               "INSERT INTO rules.services (cert_no, service, delivered_on, staff_id, source, event_id) "
               "VALUES ($1, $2, $3::date, $4, $5, $6) ON CONFLICT DO NOTHING",
               6, p) != 0)
        return -1;
    return pg_cmd(pg,
                  "UPDATE rules.timers SET cancelled_at = now() WHERE cert_no = $1 AND detail = $2 "
                  "AND kind IN ('r15_deadline', 'r16_deadline') AND fired_at IS NULL AND cancelled_at IS NULL "
                  "AND $3::date < due_on",
                  3, p);
}

int state_update(PGconn *pg, const Jiuye__Event *ev) {
    switch (ev->payload_case) {
    case JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED: return persons_register(pg, ev);
    case JIUYE__EVENT__PAYLOAD_EMPLOYMENT_STARTED: return employment_started(pg, ev);
    case JIUYE__EVENT__PAYLOAD_EMPLOYMENT_ENDED: return employment_ended(pg, ev);
    case JIUYE__EVENT__PAYLOAD_GRADUATE_REGISTERED: return graduate_registered(pg, ev);
    case JIUYE__EVENT__PAYLOAD_SERVICE_DELIVERED: return service_delivered(pg, ev);
    default: return 0;
    }
}
