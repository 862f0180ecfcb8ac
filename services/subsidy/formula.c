/* formula.c: what the programs' formulas share (see programs.h): the date
 * order of a claim, the once-per-period place, the fixed amount once per
 * person, the award that replaces a reversed one. Kept apart from
 * programs.c, whose table names the formulas: they call these, it calls them. */
#include "programs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"

void program_replaces(Jiuye__Award *a, const ledger_place_t *replaced) {
    if (!replaced) return;
    free(a->replaces_award_id);
    a->replaces_award_id = strdup(replaced->award_id);
    if (!a->replaces_award_id) abort();
}

void program_claim_order(const Jiuye__Decision *d, program_claim_t *c) {
    snprintf(c->place.on, sizeof c->place.on, "%s", d->occurred_on);
    c->place.tie[0] = '\0';
    c->place.event_id = d->event_id;
    c->place.source = d->source;
}

void program_once_place(Jiuye__Award *a, const program_claim_t *c) {
    char yuan[32];
    if (c->place.granted)
        award_set(a, "granted", c->place.want_fen, "核定 %s 元", money_format_yuan(c->place.want_fen, yuan, sizeof yuan));
    else if (strcmp(c->limit_key, "once") == 0)
        award_set(a, "refused", 0, "已享受过该项补贴（每人一次，按发生日期在先者享受），不重复发放");
    else
        award_set(a, "refused", 0, "%s 年度已享受过该项奖励（按发生日期在先者享受），不重复发放", c->limit_key);
}

int program_once_fixed_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, const char *param,
                             const char *program, const char *line, char *err, size_t errlen) {
    const Jiuye__ParameterValue *p = decision_parameter(d, param);
    int64_t amount;
    jdate_t on;
    if (!p || decision_param_int(d, param, &amount) != 0 || date_parse(d->occurred_on, &on) != 0) {
        snprintf(err, errlen, "decision %s lacks %s", d->decision_id, param);
        return -1;
    }
    snprintf(c->limit_key, sizeof c->limit_key, "once");
    c->year = date_year(on);
    program_claim_order(d, c);
    c->place.want_fen = amount;
    if (!award) return 0;
    Jiuye__Award *a = award_new(d, program, c->year);
    award_line(a, line, p->value, amount, p->name, p->effective_from);
    program_once_place(a, c);
    *award = a;
    return 0;
}
