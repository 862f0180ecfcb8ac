/* programs.c: the rule -> program table and the settlement of one event (see programs.h). */
#include "programs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "ledger.h"
#include "settled.h"
#include "xalloc.h"

/* docs/policy.md §3: the rules with an award, and how a correction of each is
 * undone. A program with a limit (claim) is allocated in date order
 * (claims.h), and has no .award; the others are paid as their decisions
 * arrive (award), and have no .limit.claim. */
static const struct {
    const char *rule;
    program_limit_t limit;        /* .program always; .claim NULL: no limit */
    program_award_fn award;       /* eligible decision -> award (no limit) */
    program_reversal_fn reversal; /* correcting decision -> reversal */
} program_table[] = {
    {.rule = "R01", .limit = {.program = "TRAINING_SUBSIDY", .kind = ALLOC_COUNT, .claim = r01_training_claim},
     .reversal = reversal_full},
    {.rule = "R03", .limit = {.program = "BLIND_TUITION", .kind = ALLOC_SUM, .claim = r03_tuition_claim},
     .reversal = reversal_full},
    {.rule = "R04", .limit = {.program = "PUBLIC_WELFARE_POST", .kind = ALLOC_COUNT},
     .award = r04_post_award, .reversal = r04_post_reversal},
    {.rule = "R05", .limit = {.program = "GRADUATE_JOBSEEK", .kind = ALLOC_ONCE, .claim = r05_graduate_claim},
     .reversal = reversal_full},
    {.rule = "R06", .limit = {.program = "INTERNSHIP", .kind = ALLOC_COUNT},
     .award = r06_internship_award, .reversal = reversal_full},
    {.rule = "R07", .limit = {.program = "STARTUP", .kind = ALLOC_ONCE, .claim = r07_startup_claim},
     .reversal = reversal_full},
    {.rule = "R08", .limit = {.program = "AGENCY_PLACEMENT", .kind = ALLOC_TIERS, .claim = r08_placement_claim},
     .reversal = reversal_full},
    {.rule = "R09", .limit = {.program = "EMPLOYER_QUOTA", .kind = ALLOC_ONCE, .claim = r09_quota_claim},
     .reversal = reversal_full},
};

/* programs_settle's work on the decisions settled_record found new. */
static int settle_fresh(txn_t *t, const Jiuye__Decided *decided, const int *is_new, award_list_t *out,
                        Jiuye__Decision **fresh, size_t *n_fresh, char *err, size_t errlen) {
    for (size_t i = 0; i < decided->n_decisions; i++) {
        const Jiuye__Decision *d = decided->decisions[i];
        if (!is_new[i]) continue; /* already settled: its awards are in the ledger */
        fresh[(*n_fresh)++] = decided->decisions[i];
        for (size_t j = 0; j < sizeof program_table / sizeof *program_table; j++) {
            if (strcmp(program_table[j].rule, d->rule) != 0) continue;
            if (*d->corrects_decision_id && program_table[j].reversal(t, d, out, err, errlen) != 0) return -1;
            if (program_table[j].limit.claim) { /* places in date order, whatever the order of arrival */
                if (claims_settle(t, d, &program_table[j].limit, out, err, errlen) != 0) return -1;
                continue;
            }
            if (strcmp(d->outcome, "eligible") != 0) continue;
            /* An eligible correction (a replayed decision) replaces what it just reversed. */
            ledger_place_t place;
            int replaces = 0;
            if (*d->corrects_decision_id) {
                replaces = ledger_replaced(t, d->corrects_decision_id, program_table[j].limit.program, &place);
                if (replaces < 0) {
                    snprintf(err, errlen, "reading the award %s replaces failed", d->decision_id);
                    return -1;
                }
            }
            if (program_table[j].award(t, d, replaces ? &place : NULL, out, err, errlen) != 0) return -1;
        }
    }
    return 0;
}

int programs_settle(txn_t *t, const Jiuye__Decided *decided, award_list_t *out, Jiuye__Decision **fresh,
                    size_t *n_fresh, char *err, size_t errlen) {
    *n_fresh = 0;
    int *is_new = xrealloc(NULL, (decided->n_decisions + 1) * sizeof *is_new);
    if (settled_record(t, decided, is_new) != 0) {
        snprintf(err, errlen, "recording the decisions of event %s failed",
                 decided->event ? decided->event->event_id : "?");
        free(is_new);
        return -1;
    }
    int rc = settle_fresh(t, decided, is_new, out, fresh, n_fresh, err, errlen);
    free(is_new);
    return rc;
}

int programs_read_ahead(txn_t *t, const Jiuye__Decided *const *msgs, size_t n) {
    for (size_t m = 0; m < n; m++)
        for (size_t i = 0; i < msgs[m]->n_decisions; i++) {
            const Jiuye__Decision *d = msgs[m]->decisions[i];
            for (size_t j = 0; j < sizeof program_table / sizeof *program_table; j++)
                if (program_table[j].limit.claim && strcmp(program_table[j].rule, d->rule) == 0)
                    claims_ahead_add(t, d, program_table[j].limit.program);
        }
    return claims_ahead_read(t);
}
