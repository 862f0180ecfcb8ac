/* quota.h: counting an employer's disabled staff against the 1.5 % ratio
 * (docs/policy.md §3 R09, used by R09 and R10). */
#ifndef JIUYE_RULES_QUOTA_H
#define JIUYE_RULES_QUOTA_H

#include <stdint.h>

#include "rules.h"

typedef struct quota {
    int counted;               /* Σ weights of qualifying listed staff (grade 1-2 weigh 2) */
    int64_t required_permille; /* staff × ratio in thousandths of a person: 200 staff -> 3000 */
    int quota_persons;         /* ⌈required⌉ */
    policy_value_t min_wage;   /* on 1 January of the report year */
} quota_t;

/* Count the report's staff (every valid cert_no, registered with us or not:
 * the certificate is the proof) and record facts and parameters in d.
 * Returns 0, or -1 when the plan lacks a parameter (d says which). */
int quota_count(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d, quota_t *q);

#endif
