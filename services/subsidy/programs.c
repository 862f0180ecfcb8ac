/* programs.c: the rule -> program table and the settlement of one event (see programs.h). */
#include "programs.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *rule;
    program_award_fn award;
} program_table[] = {
    {"R01", r01_training_award},
};

int programs_settle(PGconn *pg, const Jiuye__Decided *decided, Jiuye__Award ***awards, size_t *n, char *err,
                    size_t errlen) {
    for (size_t i = 0; i < decided->n_decisions; i++) {
        const Jiuye__Decision *d = decided->decisions[i];
        if (strcmp(d->outcome, "eligible") != 0) continue;
        for (size_t j = 0; j < sizeof program_table / sizeof *program_table; j++) {
            if (strcmp(program_table[j].rule, d->rule) != 0) continue;
            Jiuye__Award *a = NULL;
            if (program_table[j].award(pg, decided->event, d, &a, err, errlen) != 0) return -1;
            if (!a) continue;
            Jiuye__Award **grown = realloc(*awards, (*n + 1) * sizeof **awards);
            if (!grown) abort();
            *awards = grown;
            (*awards)[(*n)++] = a;
        }
    }
    return 0;
}
