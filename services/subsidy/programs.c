/* programs.c: the rule -> program table and the settlement of one event (see programs.h). */
#include "programs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpi.h"
#include "ledger.h"
#include "money.h"

/* POLICY.md §3: the rules with an award, and how a correction of each is undone. */
static const struct {
    const char *rule;
    const char *program;
    program_award_fn award;       /* eligible decision -> award */
    program_reversal_fn reversal; /* correcting decision -> reversal */
} program_table[] = {
    {"R01", "TRAINING_SUBSIDY", r01_training_award, reversal_full},
    {"R03", "BLIND_TUITION", r03_tuition_award, reversal_full},
    {"R04", "PUBLIC_WELFARE_POST", r04_post_award, r04_post_reversal},
    {"R05", "GRADUATE_JOBSEEK", r05_graduate_award, reversal_full},
    {"R06", "INTERNSHIP", r06_internship_award, reversal_full},
    {"R07", "STARTUP", r07_startup_award, reversal_full},
    {"R08", "AGENCY_PLACEMENT", r08_placement_award, reversal_full},
    {"R09", "EMPLOYER_QUOTA", r09_quota_reward, reversal_full},
};

void award_list_add(award_list_t *l, Jiuye__Award *a) {
    Jiuye__Award **grown = realloc(l->items, (l->n + 1) * sizeof *l->items);
    if (!grown) abort();
    l->items = grown;
    l->items[l->n++] = a;
}

void award_list_clear(award_list_t *l) {
    for (size_t i = 0; i < l->n; i++) award_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void program_replaces(Jiuye__Award *a, const ledger_place_t *replaced) {
    if (!replaced) return;
    free(a->replaces_award_id);
    a->replaces_award_id = strdup(replaced->award_id);
    if (!a->replaces_award_id) abort();
}

int ledger_once(PGconn *pg, Jiuye__Award *a, const char *limit_key, const ledger_place_t *replaced,
                award_list_t *out, char *err, size_t errlen) {
    char yuan[32];
    if (replaced) { /* the place is the replaced award's: granted again, at the new amount */
        program_replaces(a, replaced);
        award_set(a, "granted", a->amount_fen, "核定 %s 元（更正，沿用 %s 的名额）",
                  money_format_yuan(a->amount_fen, yuan, sizeof yuan), replaced->award_id);
        if (award_store(pg, a, limit_key, replaced->slot) != 0) {
            award_free(a);
            snprintf(err, errlen, "storing award failed");
            return -1;
        }
        award_list_add(out, a);
        return 0;
    }
    long granted = ledger_granted_count(pg, a->program, a->beneficiary, limit_key);
    if (granted < 0) {
        award_free(a);
        snprintf(err, errlen, "ledger query failed");
        return -1;
    }
    if (granted > 0) {
        if (strcmp(limit_key, "once") == 0)
            award_set(a, "refused", 0, "已享受过该项补贴（每人一次），不重复发放");
        else
            award_set(a, "refused", 0, "%s 年度已享受过该项奖励，不重复发放", limit_key);
    } else {
        award_set(a, "granted", a->amount_fen, "核定 %s 元", money_format_yuan(a->amount_fen, yuan, sizeof yuan));
    }
    if (award_store(pg, a, limit_key, granted > 0 ? 0 : 1) != 0) {
        award_free(a);
        snprintf(err, errlen, "storing award failed");
        return -1;
    }
    award_list_add(out, a);
    return 0;
}

int programs_settle(PGconn *pg, const Jiuye__Decided *decided, award_list_t *out, Jiuye__Decision **fresh,
                    size_t *n_fresh, char *err, size_t errlen) {
    *n_fresh = 0;
    for (size_t i = 0; i < decided->n_decisions; i++) {
        const Jiuye__Decision *d = decided->decisions[i];
        int is_new = kpi_record(pg, d, decided->event);
        if (is_new < 0) {
            snprintf(err, errlen, "recording decision %s failed", d->decision_id);
            return -1;
        }
        if (!is_new) continue; /* already settled: its awards are in the ledger */
        fresh[(*n_fresh)++] = decided->decisions[i];
        for (size_t j = 0; j < sizeof program_table / sizeof *program_table; j++) {
            if (strcmp(program_table[j].rule, d->rule) != 0) continue;
            if (*d->corrects_decision_id && program_table[j].reversal(pg, d, out, err, errlen) != 0) return -1;
            if (strcmp(d->outcome, "eligible") != 0) continue;
            /* An eligible correction (a replayed decision) replaces what it just reversed. */
            ledger_place_t place;
            int replaces = 0;
            if (*d->corrects_decision_id) {
                replaces = ledger_replaced(pg, d->corrects_decision_id, program_table[j].program, &place);
                if (replaces < 0) {
                    snprintf(err, errlen, "reading the award %s replaces failed", d->decision_id);
                    return -1;
                }
            }
            if (program_table[j].award(pg, d, replaces ? &place : NULL, out, err, errlen) != 0) return -1;
        }
    }
    return 0;
}
