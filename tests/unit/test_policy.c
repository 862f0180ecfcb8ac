/* test_policy.c: plan files (common/policy.h): the values in force on a
 * date, district overrides, budgets, and errors that name the key and the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

static char path[64];

static void write_plan(const char *text) {
    snprintf(path, sizeof path, "/tmp/jiuye-plan-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static policy_plan_t *load(const char *text, char *err, size_t errlen) {
    write_plan(text);
    policy_plan_t *plan = policy_plan_load(path, err, errlen);
    unlink(path);
    return plan;
}

static void assert_error(const char *text, const char *expected) {
    char err[400] = "";
    policy_plan_t *plan = load(text, err, sizeof err);
    assert_null(plan);
    const char *colon = strstr(err, ": "); /* after the file name */
    assert_non_null(colon);
    assert_string_equal(colon + 2, expected);
}

static jdate_t d(const char *s) {
    jdate_t out = 0;
    assert_int_equal(date_parse(s, &out), 0);
    return out;
}

static void test_shipped_plan_loads(void **state) {
    (void)state;
    char err[400] = "";
    policy_set_t set = {0};
    assert_int_equal(policy_set_load_dir(&set, "ops/policy", err, sizeof err), 0);
    assert_int_equal(set.n, 1);
    const policy_plan_t *plan = policy_for_date(&set, d("2024-05-10"));
    assert_non_null(plan);
    assert_string_equal(policy_plan_id(plan), "lianyungang-2023-2025");
    assert_int_equal(strlen(policy_plan_sha256(plan)), 64);
    assert_true(policy_rule_enabled(plan, "R01"));
    assert_null(policy_for_date(&set, d("2026-03-01"))); /* example 6: outside the window */
    assert_null(policy_for_date(&set, d("2022-12-31")));
    policy_value_t v;
    assert_int_equal(policy_value_at(plan, "r01_amount_fen.level4", "320706", d("2024-05-10"), &v), 0);
    assert_int_equal(v.value, 150000);
    policy_set_clear(&set);
}

static void test_values_by_date_and_district(void **state) {
    (void)state;
    char err[400] = "";
    policy_set_t set = {0};
    assert_int_equal(policy_set_load_dir(&set, "ops/policy", err, sizeof err), 0);
    const policy_plan_t *plan = set.plans[0];
    policy_value_t v;
    char on[DATE_STRLEN];
    /* docs/policy.md §2: tier 2 (海州区) 2070 then 2260; tier 3 (东海县) 1840 then 2010. */
    assert_int_equal(policy_value_at(plan, "min_wage_fen", "320706", d("2023-12-31"), &v), 0);
    assert_int_equal(v.value, 207000);
    assert_int_equal(policy_value_at(plan, "min_wage_fen", "320706", d("2024-01-01"), &v), 0);
    assert_int_equal(v.value, 226000);
    assert_string_equal(date_format(v.effective_from, on), "2024-01-01");
    assert_int_equal(policy_value_at(plan, "min_wage_fen", "320722", d("2023-11-01"), &v), 0);
    assert_int_equal(v.value, 184000);
    assert_int_equal(policy_value_at(plan, "min_wage_fen", "320722", d("2024-02-01"), &v), 0);
    assert_int_equal(v.value, 201000);
    assert_int_equal(policy_value_at(plan, "min_wage_fen", "320700", d("2024-02-01"), &v), 0);
    assert_int_equal(v.value, 226000); /* city-level units: tier 2 */
    assert_int_equal(policy_value_at(plan, "no_such_parameter", NULL, d("2024-02-01"), &v), -1);
    assert_int_equal(policy_value_at(plan, "min_wage_fen", NULL, d("2022-06-01"), &v), -1); /* not yet in force */
    policy_set_clear(&set);
}

static void test_errors_name_key_and_reason(void **state) {
    (void)state;
    assert_error("{", "not valid JSON (line 1: string or '}' expected near end of file)");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],"
                 "\"parameters\":{},\"colour\":1}",
                 "colour: unknown key");
    assert_error("{\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],\"parameters\":{}}",
                 "plan_id: required, a non-empty string");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-02-30\",\"to\":\"2025-12-31\"},\"rules\":[],"
                 "\"parameters\":{}}",
                 "window.from: required, a date (YYYY-MM-DD)");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2025-01-01\",\"to\":\"2023-12-31\"},\"rules\":[],"
                 "\"parameters\":{}}",
                 "window.to: 2023-12-31 is before window.from 2025-01-01");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[\"R99\"],"
                 "\"parameters\":{}}",
                 "rules[0]: unknown rule (R01..R17)");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],"
                 "\"parameters\":{\"min_wage_fen\":{\"source\":\"s\",\"series\":{\"2024-13-01\":1}}}}",
                 "parameters.min_wage_fen.series.2024-13-01: not a date (YYYY-MM-DD)");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],"
                 "\"parameters\":{\"min_wage_fen\":{\"source\":\"s\",\"series\":{\"2024-01-01\":20.7}}}}",
                 "parameters.min_wage_fen.series.2024-01-01: must be an integer (money in fen)");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],"
                 "\"parameters\":{\"min_wage_fen\":{\"series\":{\"2024-01-01\":1}}}}",
                 "parameters.min_wage_fen.source: required (the clause or regulation the value comes from)");
    assert_error("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],"
                 "\"parameters\":{\"min_wage_fen\":{\"source\":\"s\",\"series\":{\"2024-01-01\":1},"
                 "\"districts\":{\"999999\":{\"2024-01-01\":1}}}}}",
                 "parameters.min_wage_fen.districts.999999: unknown district code");
}

/* Yearly budgets (common/policy.h "budgets"): by program, year and district or city. */
static void test_budgets(void **state) {
    (void)state;
    char err[400] = "";
    policy_plan_t *plan = load("{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},"
                               "\"rules\":[],\"parameters\":{},\"budgets\":{\"TRAINING_SUBSIDY\":{\"source\":\"s\","
                               "\"2024\":{\"320706\":500000,\"city\":2000000}}}}",
                               err, sizeof err);
    assert_non_null(plan);
    int64_t fen = 0;
    assert_int_equal(policy_budget(plan, "TRAINING_SUBSIDY", 2024, "320706", &fen), 0);
    assert_int_equal(fen, 500000);
    assert_int_equal(policy_budget(plan, "TRAINING_SUBSIDY", 2024, POLICY_BUDGET_CITY, &fen), 0);
    assert_int_equal(fen, 2000000);
    assert_int_equal(policy_budget(plan, "TRAINING_SUBSIDY", 2024, "320722", &fen), -1); /* no limit */
    assert_int_equal(policy_budget(plan, "TRAINING_SUBSIDY", 2025, "320706", &fen), -1);
    assert_int_equal(policy_budget(plan, "STARTUP", 2024, "320706", &fen), -1);
    policy_set_t set = {.plans = {plan}, .n = 1};
    assert_int_equal(policy_set_budget(&set, "TRAINING_SUBSIDY", 2024, "320706", &fen), 0);
    policy_plan_free(plan);
#define PLAN_WITH(budgets)                                                                                          \
    "{\"plan_id\":\"p\",\"window\":{\"from\":\"2023-01-01\",\"to\":\"2025-12-31\"},\"rules\":[],\"parameters\":{}," \
    "\"budgets\":" budgets "}"
    assert_error(PLAN_WITH("{\"TRAINING\":{\"2024\":{\"city\":1}}}"),
                 "budgets.TRAINING: unknown program (TRAINING_SUBSIDY, BLIND_TUITION, ...)");
    assert_error(PLAN_WITH("{\"STARTUP\":{\"24\":{\"city\":1}}}"), "budgets.STARTUP.24: not a year (2000..2100)");
    assert_error(PLAN_WITH("{\"STARTUP\":{\"2024\":{\"999999\":1}}}"),
                 "budgets.STARTUP.2024.999999: unknown district code (or \"city\")");
    assert_error(PLAN_WITH("{\"STARTUP\":{\"2024\":{\"city\":-1}}}"),
                 "budgets.STARTUP.2024.city: must be an integer >= 0 (money in fen)");
    assert_error(PLAN_WITH("{\"STARTUP\":{\"2024\":{\"city\":1.5}}}"),
                 "budgets.STARTUP.2024.city: must be an integer >= 0 (money in fen)");
#undef PLAN_WITH
}

/* Write text as NAME in dir. */
static void write_in(const char *dir, const char *name, const char *text) {
    char file[256];
    snprintf(file, sizeof file, "%s/%s", dir, name);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define PLAN(id, from, to, rate)                                                                      \
    "{\"plan_id\":\"" id "\",\"window\":{\"from\":\"" from "\",\"to\":\"" to "\"},\"rules\":[\"R01\"]," \
    "\"parameters\":{\"r01_amount_fen.level4\":{\"source\":\"s\",\"series\":{\"" from "\":" rate "}}}}"

static void test_successor_plans_and_overlap(void **state) {
    (void)state;
    char dir[] = "/tmp/jiuye-plans-XXXXXX", err[400] = "";
    assert_non_null(mkdtemp(dir));
    write_in(dir, "a.json", PLAN("first", "2023-01-01", "2025-12-31", "150000"));
    write_in(dir, "b.json", PLAN("successor", "2026-01-01", "2028-12-31", "170000"));
    policy_set_t set = {0};
    assert_int_equal(policy_set_load_dir(&set, dir, err, sizeof err), 0);
    assert_int_equal(set.n, 2);
    const policy_plan_t *p1 = policy_for_date(&set, d("2025-12-31")), *p2 = policy_for_date(&set, d("2026-01-01"));
    assert_non_null(p1);
    assert_non_null(p2);
    assert_string_equal(policy_plan_id(p1), "first");
    assert_string_equal(policy_plan_id(p2), "successor");
    assert_string_not_equal(policy_plan_sha256(p1), policy_plan_sha256(p2));
    policy_value_t v;
    assert_int_equal(policy_value_at(p2, "r01_amount_fen.level4", "320706", d("2026-03-01"), &v), 0);
    assert_int_equal(v.value, 170000);
    assert_null(policy_for_date(&set, d("2029-01-01")));
    policy_set_clear(&set);

    write_in(dir, "c.json", PLAN("overlapping", "2025-06-01", "2026-06-30", "1"));
    assert_int_equal(policy_set_load_dir(&set, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "c.json: window overlaps plan"));
    assert_int_equal(set.n, 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_plan_loads),
        cmocka_unit_test(test_values_by_date_and_district),
        cmocka_unit_test(test_errors_name_key_and_reason),
        cmocka_unit_test(test_successor_plans_and_overlap),
        cmocka_unit_test(test_budgets),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
