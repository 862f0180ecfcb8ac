/* ledger.h: limits that depend on money already granted (POLICY.md §3).
 * Everything is read inside the consumer's transaction; the unique index on
 * (program, beneficiary, year, slot) makes the database refuse a slot taken twice. */
#ifndef JIUYE_SUBSIDY_LEDGER_H
#define JIUYE_SUBSIDY_LEDGER_H

#include <libpq-fe.h>

/* Granted awards of program for beneficiary in year, or -1 on a database error. */
long ledger_granted_count(PGconn *pg, const char *program, const char *beneficiary, int year);

#endif
