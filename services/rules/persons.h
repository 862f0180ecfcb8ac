/* persons.h: the registry facts the rules need (rules.persons), fed by
 * person.registered events. */
#ifndef JIUYE_RULES_PERSONS_H
#define JIUYE_RULES_PERSONS_H

#include <stddef.h>

#include "date.h"
#include "events.pb-c.h"
#include "txn.h"

typedef struct person {
    char cert_no[24];
    char district[8];
    jdate_t registered_on;
    char employment_status[16];
    int wants_job, low_income, hard_to_employ;
} person_t;

/* The registry rows of one consumer transaction, read once (a round trip per
 * lookup would wait on every event, and R04 and R08 ask for the same person
 * of one event): a persons_t is a participant of the transaction
 * (txn.h), made once by the service. persons_cache_begin() reads the rows of
 * the n cert_nos (any may be absent or repeated), and whether events of each
 * wait in rules.pending, with one statement and keeps them, and what
 * persons_find() reads or persons_register(), persons_employment() and
 * pending.c write after, until the transaction ends or any of it is rolled
 * back (a savepoint). A registration of a person so known is written without
 * waiting for an answer: its row and whether events wait follow from what is
 * kept. A transaction with no persons_t joined, or before begin, keeps
 * nothing. Returns 0 or -1 (database error). */
typedef struct persons persons_t;
extern const txn_part_t persons_part;
persons_t *persons_new(void); /* caller owns; aborts when out of memory */
void persons_destroy(persons_t **c); /* NULL *c is fine; sets *c to NULL */
int persons_cache_begin(txn_t *t, const char *const *cert_nos, size_t n) __attribute__((warn_unused_result));
/* Events of cert_no now wait in rules.pending (waiting = 1), none do (0), or
 * some may (-1): pending.c tells the cache, so that a registration knows
 * without asking. */
void persons_pending_known(txn_t *t, const char *cert_no, int waiting);
/* How many persons_find() calls of transactions with c joined the cache
 * answered, and how many PostgreSQL did. */
void persons_lookups(const persons_t *c, unsigned long *from_cache, unsigned long *from_database);

/* Record (or update) a registration, inside t. Returns 1 when events of this
 * person wait in rules.pending, 0 when none do, -1 on a database error. */
int persons_register(txn_t *t, const Jiuye__Event *ev) __attribute__((warn_unused_result));

/* Look up cert_no. Returns 1 and fills *p when registered, 0 when not, -1 on a database error. */
int persons_find(txn_t *t, const char *cert_no, person_t *p) __attribute__((warn_unused_result));

/* employment.started (employed = 1) or .ended: the status the rules read, as
 * kept in rules.persons (an end leaves "employed" while another job is open),
 * written in t. Call after rules.employment has the change. Returns 0 or -1. */
int persons_employment(txn_t *t, const char *cert_no, int employed) __attribute__((warn_unused_result));

#endif
