/* r07_startup_award.c: R07 STARTUP 一次性创业补贴 (plan 一(一)3): a fixed amount,
 * once per person: to the earliest-dated eligible business (docs/policy.md §3
 * "Order of arrival"). */
#include "programs.h"

int r07_startup_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
    return program_once_fixed_claim(d, c, award, "r07_amount_fen", "STARTUP", "一次性创业补贴（每人一次）", err, errlen);
}
