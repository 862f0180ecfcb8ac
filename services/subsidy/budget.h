/* budget.h: yearly budgets per program and district (docs/policy.md §3, §8).
 *
 * The plan files may set, per award program and year, a budget for a district
 * (320700: the city-level units) and one for the whole city ("budgets" in
 * common/policy.h). A positive award the rules make due is granted only when
 * it fits every budget that applies to it:
 *
 *   used(program, year, district) + amount <= budget(program, year, district)
 *   used(program, year, every district) + amount <= budget(program, year, "city")
 *
 * where used is the net money granted (positive awards minus the reversals of
 * granted ones) in subsidy.awards. An award that does not fit is stored with
 * status waiting_budget, its amount kept and a reason that says which budget
 * is short by how much: staff are told like for any award, and it is never
 * dropped (it keeps its place in the ledger's limits). A reversal of a
 * granted award frees its money; a reversal of a waiting one frees nothing
 * (it had none) and is itself waiting_budget, so the waiting money nets out.
 *
 * Budgets are read inside the consumer's transaction: one consumer thread, so
 * two awards never see the same remaining money. */
#ifndef JIUYE_SUBSIDY_BUDGET_H
#define JIUYE_SUBSIDY_BUDGET_H

#include <stddef.h>

#include "awards.pb-c.h"
#include "policy.h"
#include "txn.h"

/* The plans whose budgets apply from now on (the service's loaded plan set;
 * NULL: no budgets). The set stays owned by the caller and must outlive its
 * use; the service sets it at startup and again after a reload. */
void budget_use(const policy_set_t *plans);

/* Judge a granted positive award a (not a reversal) against its budgets, in
 * t (the ledger it reads includes t's kept awards). Returns 1 when a budget
 * is short: a must wait, and reason says which budget, by how much, ending
 * with a's own reason; 0 when it fits or no budget applies (other statuses,
 * reversals); -1 when the database does not answer. */
int budget_judge(txn_t *t, const Jiuye__Award *a, char *reason, size_t len) __attribute__((warn_unused_result));

#endif
