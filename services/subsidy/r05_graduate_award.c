/* r05_graduate_award.c: R05 GRADUATE_JOBSEEK 求职创业补贴 (plan 二(二)7): a fixed
 * amount, once per person: to the earliest-dated eligible registration
 * (docs/policy.md §3 "Order of arrival"). */
#include "programs.h"

int r05_graduate_claim(const Jiuye__Decision *d, program_claim_t *c, Jiuye__Award **award, char *err, size_t errlen) {
    return program_once_fixed_claim(d, c, award, "r05_amount_fen", "GRADUATE_JOBSEEK", "求职创业补贴（每人一次）", err,
                                    errlen);
}
