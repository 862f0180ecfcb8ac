/* policy.h: plan files (docs/policy.md §2).
 *
 * A plan file holds one plan: its id, the window of dates it covers, the rules
 * it switches on, and every parameter as a dated series of integers (money in
 * fen), optionally overridden per district, each with its source:
 *
 *   {"plan_id": "...", "window": {"from": "2023-01-01", "to": "2025-12-31"},
 *    "rules": ["R01", ...],
 *    "parameters": {"min_wage_fen": {"source": "...",
 *        "series": {"2023-01-01": 207000, "2024-01-01": 226000},
 *        "districts": {"320722": {"2023-01-01": 184000}}}}}
 *
 * The value used is the one in force on the date asked for (the event's
 * occurred_on, not the processing day). Each plan keeps the SHA-256 of its
 * file, recorded in every decision made under it.
 *
 * Optional yearly budgets (docs/policy.md §8), per award program, calendar year and
 * district, in fen, read by the subsidy service:
 *
 *   "budgets": {"TRAINING_SUBSIDY": {"source": "2024 年残疾人就业保障金预算",
 *        "2024": {"320706": 500000, "320700": 200000, "city": 2000000}}}
 *
 * A program is one of the award programs (TRAINING_SUBSIDY, BLIND_TUITION,
 * PUBLIC_WELFARE_POST, GRADUATE_JOBSEEK, INTERNSHIP, STARTUP, AGENCY_PLACEMENT,
 * EMPLOYER_QUOTA); "source" (optional) says where the money comes from; a year
 * ("2000".."2100") is the award's year (the year its limits count it in); a
 * key is a district code (320700: city-level units) or "city", the total over
 * every district. An award fits when the money already granted under each
 * budget that applies to it (its district's, the city's), plus the award,
 * stays within that budget; a program, year or district without a budget has
 * no limit. Budgets live in the plan file so that the operator changes them
 * like any parameter (and kill -HUP makes the services reload). */
#ifndef JIUYE_POLICY_H
#define JIUYE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "date.h"

#define POLICY_MAX_PLANS 16

typedef struct policy_plan policy_plan_t;

typedef struct policy_set {
    policy_plan_t *plans[POLICY_MAX_PLANS];
    size_t n;
} policy_set_t;

typedef struct policy_value {
    int64_t value;
    jdate_t effective_from;
    const char *source; /* owned by the plan */
} policy_value_t;

/* Load one plan file. Returns the plan (caller owns; policy_plan_free) or NULL
 * with err naming the key and the reason ("parameters.min_wage_fen.series: ..."). */
policy_plan_t *policy_plan_load(const char *path, char *err, size_t errlen);
/* Free plan and what it owns; NULL is fine. */
void policy_plan_free(policy_plan_t *plan);

/* Load every *.json of dir into set (windows must not overlap). Returns 0 or -1 with err. */
int policy_set_load_dir(policy_set_t *set, const char *dir, char *err, size_t errlen);
/* Free every plan of set and leave it empty: pointers into them die. */
void policy_set_clear(policy_set_t *set);

/* Load dir into an empty set, logging each plan and its SHA-256, or the error.
 * Returns 0 or -1. */
int policy_set_load_logged(policy_set_t *set, const char *dir) __attribute__((warn_unused_result));

/* kill -HUP: load dir afresh and, only if every file is valid, replace *set
 * with it; otherwise log why and keep *set. Returns 0 (replaced) or -1 (kept). */
int policy_set_reload(policy_set_t *set, const char *dir);

/* The plan whose window contains date, or NULL (the decision is then not_in_force). */
const policy_plan_t *policy_for_date(const policy_set_t *set, jdate_t date);

/* The plan's "plan_id", and the hex SHA-256 of its file: both owned by the
 * plan (valid until its set is cleared). */
const char *policy_plan_id(const policy_plan_t *plan);
const char *policy_plan_sha256(const policy_plan_t *plan);
/* 1 when the plan's "rules" list switches rule ("R07") on, else 0. */
int policy_rule_enabled(const policy_plan_t *plan, const char *rule);

#define POLICY_BUDGET_CITY "city" /* the budget key for the city-wide total */

/* The budget of program for year under key (a district code or
 * POLICY_BUDGET_CITY) in fen into *fen. Returns 0, or -1 when plan sets none
 * (that budget does not limit anything). */
int policy_budget(const policy_plan_t *plan, const char *program, int year, const char *key, int64_t *fen)
    __attribute__((warn_unused_result));

/* The same over every plan of set (the first that sets it; budgets are per
 * year, not per plan window). Returns 0 or -1 as policy_budget. */
int policy_set_budget(const policy_set_t *set, const char *program, int year, const char *key, int64_t *fen)
    __attribute__((warn_unused_result));

/* The value of parameter name in district on date (district override first;
 * district may be NULL) into *out. Returns 0, or -1 when the plan has no such
 * parameter or no value in force yet. */
int policy_value_at(const policy_plan_t *plan, const char *name, const char *district, jdate_t date,
                    policy_value_t *out) __attribute__((warn_unused_result));

#endif
