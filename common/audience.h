/* audience.h: the departments a clause names as responsible (docs/policy.md §3,
 * column "audience"). Code travel in messages and API filters; labels are
 * what staff read. */
#ifndef JIUYE_AUDIENCE_H
#define JIUYE_AUDIENCE_H

/* The Chinese label of an audience code ("cdpf" -> "残联"), or NULL if unknown. */
const char *audience_label(const char *code);

#endif
