/* programs.h: which decisions become awards, and how (docs/policy.md §3).
 *
 * One file per program's formula (r01_training_award.c, ...); the table in
 * programs.c maps a rule to its program. A formula reads only the decision
 * (its facts and parameters, each with its effective date), builds the award
 * with a breakdown line per factor. A decision that corrects an earlier one
 * (corrects_decision_id) first reverses what the earlier one was granted: in
 * full, or, for a public-welfare post that ended early, the months not
 * served. A correction that is itself eligible (a replayed decision, rules
 * replay.h) then makes a new award that replaces the reversed one
 * (replaces_award_id; ledger_replaced for the programs without a limit).
 *
 * The limited programs (R01, R03, R05, R07, R08, R09), whose limits depend on
 * money already granted, do not take the next free place: their eligible
 * decisions are claims on a limit, and the places go in date order whatever
 * the order of arrival (docs/policy.md §3 "Order of arrival"; allocation.h,
 * claims.h), so a replayed decision keeps the place its event's date gives,
 * and one that becomes eligible only through a replay takes it. A formula of
 * theirs describes the claim and builds the award for the place it was
 * given. */
#ifndef JIUYE_SUBSIDY_PROGRAMS_H
#define JIUYE_SUBSIDY_PROGRAMS_H

#include <stddef.h>

#include "award.h"
#include "allocation.h"
#include "decisions.pb-c.h"
#include "ledger.h"
#include "txn.h"

/* Build and store the award for an eligible decision, appending it to out.
 * replaced is NULL, or, when d corrects a decision whose award was just
 * reversed (a replayed decision), the place in its limit that award held: the
 * new award keeps it (same slot, same tier number, the once-per-person place)
 * instead of taking a new one, and names it in replaces_award_id.
 * Returns 0, or -1 on a database error or a decision that lacks what the
 * formula needs (err says which). */
typedef int (*program_award_fn)(txn_t *t, const Jiuye__Decision *d, const ledger_place_t *replaced,
                                award_list_t *out, char *err, size_t errlen);
/* Undo what the corrected decision (d->corrects_decision_id) was granted. */
typedef int (*program_reversal_fn)(txn_t *t, const Jiuye__Decision *d, award_list_t *out, char *err, size_t errlen);

/* What an eligible decision of a limited program claims (allocation.h): the
 * limit (program, beneficiary, limit_key), the award's year, the date order
 * and the amounts. */
typedef struct program_claim {
    char limit_key[32]; /* "2024", "AY2024", "once" */
    int year;           /* the award's year */
    alloc_claim_t place;
} program_claim_t;

/* Describe in *c what the eligible decision d claims; when award is not NULL,
 * also build (not store) the award d gets for the place c->place was given by
 * alloc_places: status, amount, reason and breakdown, caller owns it.
 * Returns 0, or -1 when d lacks what the formula needs (err says what). */
typedef int (*program_claim_fn)(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err,
                                size_t errlen);

/* Each program's functions, one file each (the table in programs.c says
 * which rule uses which): a program_claim_fn for a limited program,
 * a program_award_fn / program_reversal_fn for the others (R04, R06), called
 * inside the consumer's transaction t. */
int r01_training_claim(const Jiuye__Decision *, program_claim_t *, Jiuye__Award **, char *, size_t);
int r03_tuition_claim(const Jiuye__Decision *, program_claim_t *, Jiuye__Award **, char *, size_t);
int r04_post_award(txn_t *, const Jiuye__Decision *, const ledger_place_t *, award_list_t *, char *, size_t);
/* R04's formula, pure: the post subsidy of each month d lists (min_wage_fen.YYYY-MM, the
 * rate in force that month) plus r04_social_insurance_fen a month, its breakdown lines added
 * to a. Returns the total in fen (months in *months), or -1 when d lacks the monthly rates
 * or the social-insurance rate (a may hold some lines then). Both the award of a post and
 * the reversal of its months not served are this amount (the reversal negated). */
int64_t r04_post_amount(Jiuye__Award *a, const Jiuye__Decision *d, int64_t *months);
int r04_post_reversal(txn_t *, const Jiuye__Decision *, award_list_t *, char *, size_t);
int r05_graduate_claim(const Jiuye__Decision *, program_claim_t *, Jiuye__Award **, char *, size_t);
int r06_internship_award(txn_t *, const Jiuye__Decision *, const ledger_place_t *, award_list_t *, char *, size_t);
int r07_startup_claim(const Jiuye__Decision *, program_claim_t *, Jiuye__Award **, char *, size_t);
int r08_placement_claim(const Jiuye__Decision *, program_claim_t *, Jiuye__Award **, char *, size_t);
int r09_quota_claim(const Jiuye__Decision *, program_claim_t *, Jiuye__Award **, char *, size_t);

/* Mark a as the replacement of replaced (NULL: nothing). */
void program_replaces(Jiuye__Award *a, const ledger_place_t *replaced);

/* The program_reversal_fn of most programs: reverse in full every granted
 * award of the corrected decision not yet reversed, appending the reversals
 * to out. Returns 0, or -1 with err set. */
int reversal_full(txn_t *, const Jiuye__Decision *, award_list_t *, char *, size_t);

/* The date order of d's claim: occurred_on, then event_id and source. */
void program_claim_order(const Jiuye__Decision *d, program_claim_t *c);

/* The reason and status of a once-per-period award (R05 and R07 "once", R09
 * per report year) for the place it was given: granted, or refused because an
 * earlier-dated claim holds the period's place. */
void program_once_place(Jiuye__Award *a, const program_claim_t *c);

/* The claim of a fixed amount once per person (R05, R07): the amount is the
 * decision's parameter `param`, the award one breakdown line `line` under
 * program; `award` and the return value as for program_claim_fn. */
int program_once_fixed_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, const char *param,
                             const char *program, const char *line, char *err, size_t errlen);

/* Apply every program to the decisions of one event, inside the consumer's
 * transaction t. Its decisions are first recorded as settled, all with one
 * statement (settled_record, which also keeps the facts the plan targets are
 * counted from), then settled in their order; one settled before
 * (the same decision delivered again under another message id) is skipped as
 * already settled: no award, no notification, no second count. The decisions
 * settled now are put in fresh (room for decided->n_decisions, pointers into
 * decided) and counted in *n_fresh. Returns 0 or -1 (err set). */
int programs_settle(txn_t *t, const Jiuye__Decided *decided, award_list_t *out, Jiuye__Decision **fresh,
                    size_t *n_fresh, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The consumer's fast mode, before the first message: what claims_settle()
 * needs to know of the limits of these messages' decisions, read with one
 * statement (claims_ahead_read(); kept until the transaction ends).
 * Returns 0 or -1 (a database error). */
int programs_read_ahead(txn_t *t, const Jiuye__Decided *const *msgs, size_t n) __attribute__((warn_unused_result));

#endif
