/* persons.h: the registry facts the rules need (rules.persons), fed by
 * person.registered events. */
#ifndef JIUYE_RULES_PERSONS_H
#define JIUYE_RULES_PERSONS_H

#include <libpq-fe.h>

#include "date.h"
#include "events.pb-c.h"

typedef struct person {
    char cert_no[24];
    char district[8];
    jdate_t registered_on;
    char employment_status[16];
    int wants_job, low_income, hard_to_employ;
} person_t;

/* Record (or update) a registration, inside the open transaction. Returns 1
 * when events of this person wait in rules.pending, 0 when none do, -1 on a
 * database error. */
int persons_register(PGconn *pg, const Jiuye__Event *ev) __attribute__((warn_unused_result));

/* Look up cert_no. Returns 1 and fills *p when registered, 0 when not, -1 on a database error. */
int persons_find(PGconn *pg, const char *cert_no, person_t *p) __attribute__((warn_unused_result));

#endif
