/* programs.h: which eligible decisions become awards, and how.
 *
 * One file per program's formula (r01_training_award.c, ...); the table in
 * programs.c maps a rule to its program. A formula builds the award with its
 * breakdown and consults the ledger for the limits that depend on money
 * already granted (POLICY.md §3: the yearly count of training awards, ...). */
#ifndef JIUYE_SUBSIDY_PROGRAMS_H
#define JIUYE_SUBSIDY_PROGRAMS_H

#include <libpq-fe.h>
#include <stddef.h>

#include "award.h"
#include "decisions.pb-c.h"

/* Build and store the award(s) for an eligible decision; append them to *out.
 * Returns 0, or -1 on a database error or a decision that lacks what the
 * formula needs (err says which). */
typedef int (*program_award_fn)(PGconn *pg, const Jiuye__Event *ev, const Jiuye__Decision *d, Jiuye__Award **out,
                                char *err, size_t errlen);

int r01_training_award(PGconn *pg, const Jiuye__Event *ev, const Jiuye__Decision *d, Jiuye__Award **out, char *err,
                       size_t errlen);

/* Apply every program to the decisions of one event. Awards are appended to
 * *awards / *n. Returns 0 or -1 (err set). */
int programs_settle(PGconn *pg, const Jiuye__Decided *decided, Jiuye__Award ***awards, size_t *n, char *err,
                    size_t errlen) __attribute__((warn_unused_result));

#endif
