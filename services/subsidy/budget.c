/* budget.c: yearly budgets (see budget.h). */
#include "budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award_rows.h"
#include "ident.h"
#include "money.h"
#include "pg.h"

static const policy_set_t *budget_plans;

void budget_use(const policy_set_t *plans) { budget_plans = plans; }

/* Net granted money of program in year, in district (NULL: every district), into *used. Returns 0 or -1. */
static int budget_used(txn_t *t, const char *program, int year, const char *district, int64_t *used) {
    if (award_rows_before_read(t) != 0) return -1;
    char year_text[16];
    snprintf(year_text, sizeof year_text, "%d", year);
    const char *p[] = {program, year_text, district};
    PGresult *r = pg_exec(txn_pg(t),
                          "SELECT coalesce(sum(amount_fen), 0) FROM subsidy.awards WHERE program = $1 "
                          "AND year = $2::int AND status = 'granted' AND ($3::text IS NULL OR district = $3)",
                          3, p);
    if (!r) return -1;
    *used = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int budget_judge(txn_t *t, const Jiuye__Award *a, char *reason, size_t len) {
    if (!budget_plans || strcmp(a->status, "granted") != 0 || a->amount_fen <= 0 || *a->reverses_award_id) return 0;
    /* The district's budget first: it names the office that must ask for money. */
    const char *keys[] = {a->district, POLICY_BUDGET_CITY};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        int64_t budget, used;
        if (policy_set_budget(budget_plans, a->program, a->year, keys[i], &budget) != 0) continue;
        int city = strcmp(keys[i], POLICY_BUDGET_CITY) == 0;
        if (budget_used(t, a->program, a->year, city ? NULL : a->district, &used) != 0) return -1;
        if (used + a->amount_fen <= budget) continue;
        const char *name = city ? "全市" : district_name(a->district);
        char b[32], u[32], left[32], want[32];
        int64_t remaining = budget - used > 0 ? budget - used : 0;
        snprintf(reason, len, "等待预算：%s %d 年该项预算 %s 元，已发放 %s 元，余 %s 元，不足本次 %s 元；金额保留，预算到位后发放（%s）",
                 name ? name : a->district, a->year, money_format_yuan(budget, b, sizeof b),
                 money_format_yuan(used, u, sizeof u), money_format_yuan(remaining, left, sizeof left),
                 money_format_yuan(a->amount_fen, want, sizeof want), a->reason);
        return 1;
    }
    return 0;
}
