/* persons.c: registered persons (see persons.h). */
#include "persons.h"

#include <stdio.h>
#include <string.h>

#include "pg.h"

int persons_register(PGconn *pg, const Jiuye__Event *ev) {
    const Jiuye__PersonRegistered *r = ev->person_registered;
    const char *p[] = {r->cert_no, ev->district, ev->occurred_on, r->name, r->employment_status,
                       r->wants_job ? "t" : "f", r->low_income ? "t" : "f", r->hard_to_employ ? "t" : "f",
                       ev->source, ev->event_id};
    /* A later registration (a move, a new status) replaces the earlier facts;
     * the first registration date is kept for "longest waiting" (R17). The
     * same statement tells whether events wait for this person (pending.h):
     * the usual registration, with none, needs no other statement. */
    PGresult *res =
        pg_exec(pg,
                "INSERT INTO rules.persons (cert_no, district, registered_on, name, employment_status, wants_job, "
                "low_income, hard_to_employ, source, event_id) VALUES ($1, $2, $3::date, $4, $5, $6::boolean, "
                "$7::boolean, $8::boolean, $9, $10) ON CONFLICT (cert_no) DO UPDATE SET district = EXCLUDED.district, "
                "name = EXCLUDED.name, employment_status = EXCLUDED.employment_status, wants_job = EXCLUDED.wants_job, "
                "low_income = EXCLUDED.low_income, hard_to_employ = EXCLUDED.hard_to_employ, "
                "registered_on = least(rules.persons.registered_on, EXCLUDED.registered_on) "
                "RETURNING EXISTS (SELECT 1 FROM rules.pending WHERE cert_no = $1)",
                10, p);
    if (!res) return -1;
    int waiting = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return waiting;
}

int persons_find(PGconn *pg, const char *cert_no, person_t *out) {
    const char *p[] = {cert_no};
    PGresult *r = pg_exec(pg,
                          "SELECT cert_no, district, registered_on::text, employment_status, wants_job, low_income, "
                          "hard_to_employ FROM rules.persons WHERE cert_no = $1",
                          1, p);
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    if (found) {
        snprintf(out->cert_no, sizeof out->cert_no, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->district, sizeof out->district, "%s", PQgetvalue(r, 0, 1));
        if (date_parse(PQgetvalue(r, 0, 2), &out->registered_on) != 0) out->registered_on = 0;
        snprintf(out->employment_status, sizeof out->employment_status, "%s", PQgetvalue(r, 0, 3));
        out->wants_job = PQgetvalue(r, 0, 4)[0] == 't';
        out->low_income = PQgetvalue(r, 0, 5)[0] == 't';
        out->hard_to_employ = PQgetvalue(r, 0, 6)[0] == 't';
    }
    PQclear(r);
    return found;
}
