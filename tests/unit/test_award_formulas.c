/* test_award_formulas.c: the award formulas against the worked examples of docs/policy.md §6,
 * one row per example, to the fen.
 *
 * Each row builds the decision the rules service would send (its facts, and its parameters
 * read from the shipped plan, ops/policy/, on the dates the policy names: the event's date,
 * each month's first day for R04, 1 January of the report year for R09) and calls the
 * subsidy formula directly: the claim functions of R01, R08 and R09 (with alloc_places for
 * the places of a limit: the yearly cap, the tiers), r04_post_amount for R04 and its
 * reversal. The expected amounts are those the examples state, not what the code gives; so a
 * row fails when a formula or a plan value drifts from the policy. The breakdown leads to
 * the amount (a clerk recomputes the amount from it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocation.h"
#include "award.h"
#include "date.h"
#include "policy.h"
#include "programs.h"

typedef enum { F_R01, F_R04, F_R04_REVERSAL, F_R08, F_R09 } formula_t;

typedef struct row {
    const char *example;     /* the worked example it checks (docs/policy.md §6) */
    formula_t formula;
    const char *district;
    const char *occurred_on; /* the event's date (R08: the anniversary) */
    const char *facts;       /* "name=value,..." as rules records them */
    int nth;                 /* the row's claim is the nth of its limit in date order (1: alone) */
    const char *months_from; /* R04: the first month listed (YYYY-MM-01) */
    int months;              /* R04: how many months are listed */
    const char *status;
    int64_t amount_fen;
} row_t;

/* Example 5's placement (rules records these facts with the anniversary's decision). */
#define PLACEMENT "started_on=2024-02-01,anniversary=2025-02-01,cert_no=32070619850201456X43"

static const row_t rows[] = {
    {"example 1: level4, 60 h, cost 1 800 yuan, 2024-05-10: 1 500 yuan", F_R01, "320706", "2024-05-10",
     "certificate=level4,cost_fen=180000", 1, NULL, 0, "granted", 150000},
    {"example 1: the same with cost 1 200 yuan: 1 200 yuan", F_R01, "320706", "2024-05-10",
     "certificate=level4,cost_fen=120000", 1, NULL, 0, "granted", 120000},
    {"example 1: a 4th eligible training in 2024: refused by the yearly cap", F_R01, "320706", "2024-05-10",
     "certificate=level4,cost_fen=180000", 4, NULL, 0, "refused", 0},
    {"example 2: 东海县 post from 2023-11-01, 24 months: 70 700 yuan", F_R04, "320722", "2023-11-01",
     "contract_months=24", 1, "2023-11-01", 24, "granted", 7070000},
    {"example 2: ended 2024-04-30, the 18 months not served: -53 280 yuan", F_R04_REVERSAL, "320722", "2024-04-30", "",
     1, "2024-05-01", 18, "granted", -5328000},
    {"example 3: 海州区, report year 2024, counted 4, quota 3: 22 600 yuan", F_R09, "320706", "2025-03-01",
     "counted=4,quota_persons=3,year=2024", 1, NULL, 0, "granted", 2260000},
    {"example 5: placement from 2024-02-01, anniversary 2025-02-01: 400 yuan", F_R08, "320706", "2025-02-01",
     PLACEMENT, 1, NULL, 0, "granted", 40000},
    {"example 5: the 20th placement of that year: 400 yuan", F_R08, "320706", "2025-02-01",
     PLACEMENT, 20, NULL, 0, "granted", 40000},
    {"example 5: the 21st placement of that year: 600 yuan", F_R08, "320706", "2025-02-01",
     PLACEMENT, 21, NULL, 0, "granted", 60000},
};

#define MAX_FACTS 8
#define MAX_PARAMS 48
#define MAX_CLAIMS 32

/* A decision as rules sends it, in fixed storage. */
typedef struct built {
    Jiuye__Decision d;
    Jiuye__Fact facts[MAX_FACTS], *fact_p[MAX_FACTS];
    Jiuye__ParameterValue params[MAX_PARAMS], *param_p[MAX_PARAMS];
    char fact_text[MAX_FACTS][2][64];
    char param_text[MAX_PARAMS][3][40];
    char event_id[16];
} built_t;

static policy_set_t plans;

static jdate_t day(const char *s) {
    jdate_t d;
    assert_int_equal(date_parse(s, &d), 0);
    return d;
}

static void add_fact(built_t *b, const char *name, const char *value) {
    size_t i = b->d.n_facts++;
    assert_true(i < MAX_FACTS);
    jiuye__fact__init(&b->facts[i]);
    snprintf(b->fact_text[i][0], sizeof b->fact_text[i][0], "%s", name);
    snprintf(b->fact_text[i][1], sizeof b->fact_text[i][1], "%s", value);
    b->facts[i].name = b->fact_text[i][0];
    b->facts[i].value = b->fact_text[i][1];
    b->fact_p[i] = &b->facts[i];
}

/* Record parameter name of the plan in force on `on`, read in the decision's district on `on`,
 * under the name `as` (NULL: its own), as rules does (rule_param, decision_param). */
static void add_param(built_t *b, const char *name, const char *as, jdate_t on) {
    const policy_plan_t *plan = policy_for_date(&plans, on);
    assert_non_null(plan);
    policy_value_t v;
    if (policy_value_at(plan, name, b->d.district, on, &v) != 0) fail_msg("the plan has no %s on that date", name);
    size_t i = b->d.n_parameters++;
    assert_true(i < MAX_PARAMS);
    jiuye__parameter_value__init(&b->params[i]);
    snprintf(b->param_text[i][0], sizeof b->param_text[i][0], "%s", as ? as : name);
    snprintf(b->param_text[i][1], sizeof b->param_text[i][1], "%lld", (long long)v.value);
    date_format(v.effective_from, b->param_text[i][2]);
    b->params[i].name = b->param_text[i][0];
    b->params[i].value = b->param_text[i][1];
    b->params[i].effective_from = b->param_text[i][2];
    b->param_p[i] = &b->params[i];
}

/* The decision of row r (its claim number nth in date order: event "e01", "e02", ...). */
static void build(built_t *b, const row_t *r, int nth) {
    memset(b, 0, sizeof *b);
    jiuye__decision__init(&b->d);
    snprintf(b->event_id, sizeof b->event_id, "e%02d", nth);
    b->d.event_id = b->event_id;
    b->d.source = "formulas";
    b->d.decision_id = b->event_id;
    b->d.district = (char *)r->district;
    b->d.occurred_on = (char *)r->occurred_on;
    b->d.outcome = "eligible";
    b->d.facts = b->fact_p;
    b->d.parameters = b->param_p;
    char facts[256];
    snprintf(facts, sizeof facts, "%s", r->facts);
    for (char *save = NULL, *f = strtok_r(facts, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(f, '=');
        assert_non_null(eq);
        *eq = '\0';
        add_fact(b, f, eq + 1);
    }
    jdate_t on = day(r->occurred_on);
    switch (r->formula) {
    case F_R01: {
        char name[64];
        snprintf(name, sizeof name, "r01_amount_fen.%s", decision_fact_text(&b->d, "certificate"));
        add_param(b, name, NULL, on);
        add_param(b, "r01_max_awards_per_year", NULL, on);
        break;
    }
    case F_R04:
    case F_R04_REVERSAL: {
        /* Each month at the minimum wage in force on its first day (rules' r04_public_welfare_post.c). */
        jdate_t first = day(r->months_from);
        for (int m = 0; m < r->months; m++) {
            jdate_t month = date_add_months(first, m);
            char name[40], text[DATE_STRLEN];
            snprintf(name, sizeof name, "min_wage_fen.%.7s", date_format(month, text));
            add_param(b, "min_wage_fen", name, month);
        }
        add_param(b, "r04_social_insurance_fen", NULL, r->formula == F_R04 ? on : day(r->months_from));
        break;
    }
    case F_R08: {
        jdate_t started = day(decision_fact_text(&b->d, "started_on"));
        add_param(b, "r08_tier1_fen", NULL, started);
        add_param(b, "r08_tier2_fen", NULL, started);
        add_param(b, "r08_tier1_count", NULL, started);
        break;
    }
    case F_R09: {
        /* The minimum wage of 1 January of the report year. */
        int64_t year;
        assert_int_equal(decision_fact_int(&b->d, "year", &year), 0);
        jdate_t jan1;
        assert_int_equal(date_from_ymd((int)year, 1, 1, &jan1), 0);
        add_param(b, "min_wage_fen", NULL, jan1);
        add_param(b, "r09_reward_quota_months", NULL, jan1);
        add_param(b, "r09_reward_extra_months", NULL, jan1);
        break;
    }
    }
}

static int64_t breakdown_sum(const Jiuye__Award *a) {
    int64_t sum = 0;
    for (size_t i = 0; i < a->n_breakdown; i++) sum += a->breakdown[i]->amount_fen;
    return sum;
}

/* A limited program: the row's claim and the nth - 1 claims dated before it share one limit;
 * the row's award is built for the place alloc_places gives it. Caller frees the award. */
static Jiuye__Award *claim_award(const row_t *r, program_claim_fn claim, alloc_kind_t kind) {
    static built_t b[MAX_CLAIMS];
    program_claim_t c[MAX_CLAIMS];
    alloc_claim_t places[MAX_CLAIMS];
    char err[256];
    assert_true(r->nth >= 1 && r->nth <= MAX_CLAIMS);
    for (int i = 0; i < r->nth; i++) {
        build(&b[i], r, i + 1);
        memset(&c[i], 0, sizeof c[i]);
        if (claim(&b[i].d, &c[i], NULL, err, sizeof err) != 0) fail_msg("claim: %s", err);
        places[i] = c[i].place;
        places[i].live = 1;
        places[i].data = &c[i];
    }
    alloc_sort(places, (size_t)r->nth);
    alloc_places(kind, NULL, places, (size_t)r->nth);
    /* The row's claim is the last in date order (event e<nth> of the same day). */
    program_claim_t *mine = places[r->nth - 1].data;
    assert_ptr_equal(mine, &c[r->nth - 1]);
    mine->place = places[r->nth - 1];
    Jiuye__Award *a = NULL;
    if (claim(&b[r->nth - 1].d, mine, &a, err, sizeof err) != 0) fail_msg("claim: %s", err);
    assert_non_null(a);
    return a;
}

static void test_row(void **state) {
    const row_t *r = *state;
    Jiuye__Award *a = NULL;
    switch (r->formula) {
    case F_R01: a = claim_award(r, r01_training_claim, ALLOC_COUNT); break;
    case F_R08: a = claim_award(r, r08_placement_claim, ALLOC_TIERS); break;
    case F_R09: a = claim_award(r, r09_quota_claim, ALLOC_ONCE); break;
    case F_R04:
    case F_R04_REVERSAL: {
        static built_t b;
        build(&b, r, 1);
        a = award_new(&b.d, "PUBLIC_WELFARE_POST", 2023);
        int64_t months, total = r04_post_amount(a, &b.d, &months);
        if (months != r->months || total < 0) {
            award_free(a);
            fail_msg("r04_post_amount: %lld months, total %lld", (long long)months, (long long)total);
        }
        /* The award of a post is the amount; its reversal the amount negated (r04_post_reversal). */
        award_set(a, "granted", r->formula == F_R04 ? total : -total, "%s", r->example);
        break;
    }
    }
    /* Compared after the award is freed: a failed assertion leaves the function. */
    char status[32], reason[512];
    snprintf(status, sizeof status, "%s", a->status);
    snprintf(reason, sizeof reason, "%s", a->reason);
    int64_t amount = a->amount_fen, sum = breakdown_sum(a);
    int64_t last = a->n_breakdown ? a->breakdown[a->n_breakdown - 1]->amount_fen : -1;
    award_free(a);
    if (strcmp(status, r->status) != 0 || amount != r->amount_fen)
        fail_msg("%s\n  expected %s %lld fen\n  got      %s %lld fen (%s)", r->example, r->status,
                 (long long)r->amount_fen, status, (long long)amount, reason);
    /* The breakdown of a granted award: R01's lines are steps (the rate, then capped by the cost), the last one
     * the amount; the others' lines add up to it (a reversal's to the amount it takes back). */
    if (strcmp(status, "granted") != 0) return;
    if (r->formula == F_R01)
        assert_int_equal(last, amount);
    else
        assert_int_equal(sum, r->formula == F_R04_REVERSAL ? -amount : amount);
}

static int load_plans(void **state) {
    (void)state;
    char err[256];
    if (policy_set_load_dir(&plans, "ops/policy", err, sizeof err) != 0) {
        fprintf(stderr, "ops/policy: %s (run from the checkout's top)\n", err);
        return -1;
    }
    return 0;
}

static int free_plans(void **state) {
    (void)state;
    policy_set_clear(&plans);
    return 0;
}

int main(void) {
    enum { N = sizeof rows / sizeof *rows };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++) {
        struct CMUnitTest t = {rows[i].example, test_row, NULL, NULL, (void *)&rows[i]};
        tests[i] = t;
    }
    return cmocka_run_group_tests_name("award formulas, docs/policy.md §6", tests, load_plans, free_plans);
}
