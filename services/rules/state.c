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

static int training_completed(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__TrainingCompleted *t = ev->training_completed;
    const char *p[] = {t->cert_no, t->course, ev->occurred_on, ev->source, ev->event_id};
    return pg_cmd(pg,
                  "INSERT INTO rules.trainings (cert_no, course, completed_on, source, event_id) "
                  "VALUES ($1, $2, $3::date, $4, $5) ON CONFLICT DO NOTHING",
                  5, p);
}

static int vacancy_posted(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__VacancyPosted *v = ev->vacancy_posted;
    char positions[16], severity[16], wage[32], categories[64];
    size_t at = 0;
    categories[at++] = '{';
    for (size_t i = 0; i < v->n_categories && at + 4 < sizeof categories; i++)
        at += (size_t)snprintf(categories + at, sizeof categories - at, "%s%d", i ? "," : "", v->categories[i]);
    snprintf(categories + at, sizeof categories - at, "}");
    snprintf(positions, sizeof positions, "%d", v->positions);
    snprintf(severity, sizeof severity, "%d", v->max_severity);
    snprintf(wage, sizeof wage, "%lld", (long long)v->monthly_wage_fen);
    const char *p[] = {ev->source, v->vacancy_id, v->employer_code, ev->district, v->title, positions,
                       categories, severity, v->course, wage, ev->occurred_on, v->open_until};
    return pg_cmd(pg,
                  "INSERT INTO rules.vacancies (source, vacancy_id, employer_code, district, title, positions, "
                  "categories, max_severity, course, monthly_wage_fen, posted_on, open_until) VALUES ($1, $2, $3, $4, "
                  "$5, $6::int, $7::int[], $8::int, $9, $10::bigint, $11::date, $12::date) ON CONFLICT DO NOTHING",
                  12, p);
}

static int vacancy_closed(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__VacancyClosed *v = ev->vacancy_closed;
    char filled[16];
    snprintf(filled, sizeof filled, "%d", v->filled);
    const char *p[] = {ev->source, v->vacancy_id, ev->occurred_on, filled};
    return pg_cmd(pg,
                  "UPDATE rules.vacancies SET closed_on = $3::date, filled = $4::int WHERE source = $1 "
                  "AND vacancy_id = $2 AND closed_on IS NULL",
                  4, p);
}

int state_update(txn_t *t, const Jiuye__Event *ev) {
    PGconn *pg = txn_pg(t);
    switch (ev->payload_case) {
    case JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED: return persons_register(t, ev);
    case JIUYE__EVENT__PAYLOAD_TRAINING_COMPLETED: return training_completed(pg, ev);
    case JIUYE__EVENT__PAYLOAD_EMPLOYMENT_STARTED:
        return employment_started(pg, ev) || persons_employment(t, ev->employment_started->cert_no, 1) ? -1 : 0;
    case JIUYE__EVENT__PAYLOAD_EMPLOYMENT_ENDED:
        return employment_ended(pg, ev) || persons_employment(t, ev->employment_ended->cert_no, 0) ? -1 : 0;
    case JIUYE__EVENT__PAYLOAD_VACANCY_POSTED: return vacancy_posted(pg, ev);
    case JIUYE__EVENT__PAYLOAD_VACANCY_CLOSED: return vacancy_closed(pg, ev);
    case JIUYE__EVENT__PAYLOAD_GRADUATE_REGISTERED: return graduate_registered(pg, ev);
    case JIUYE__EVENT__PAYLOAD_SERVICE_DELIVERED: return service_delivered(pg, ev);
    default: return 0;
    }
}
