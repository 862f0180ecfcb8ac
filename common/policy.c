/* policy.c: loading plan files and reading dated parameters (see policy.h). */
#include "policy.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "log.h"
#include "token.h"

#define MAX_RULES 32
#define MAX_POINTS 64
#define MAX_BUDGETS 1024 /* (program, year, key) entries in one plan */

typedef struct series {
    char district[8]; /* "" for the default series */
    size_t n;
    jdate_t from[MAX_POINTS]; /* increasing */
    int64_t value[MAX_POINTS];
} series_t;

typedef struct parameter {
    char *name;
    char *source;
    series_t *series; /* [0] is the default; then district overrides */
    size_t n_series;
} parameter_t;

typedef struct budget {
    char program[24];
    int year;
    char key[8]; /* district code or POLICY_BUDGET_CITY */
    int64_t fen;
} budget_t;

struct policy_plan {
    budget_t *budgets;
    size_t n_budgets;
    char *plan_id;
    char sha256[65];
    jdate_t from, to;
    char rules[MAX_RULES][8];
    size_t n_rules;
    parameter_t *params;
    size_t n_params;
};

static const char *const known_rules[] = {"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09",
                                          "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17"};

void policy_plan_free(policy_plan_t *plan) {
    if (!plan) return;
    for (size_t i = 0; i < plan->n_params; i++) {
        free(plan->params[i].name);
        free(plan->params[i].source);
        free(plan->params[i].series);
    }
    free(plan->params);
    free(plan->budgets);
    free(plan->plan_id);
    free(plan);
}

/* Parse {"YYYY-MM-DD": integer, ...} into s. */
static int parse_series(json_t *obj, series_t *s, const char *key, char *err, size_t errlen) {
    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        snprintf(err, errlen, "%s: must be an object of \"YYYY-MM-DD\": integer, with at least one entry", key);
        return -1;
    }
    if (json_object_size(obj) > MAX_POINTS) {
        snprintf(err, errlen, "%s: at most %d dated values", key, MAX_POINTS);
        return -1;
    }
    const char *date;
    json_t *v;
    s->n = 0;
    json_object_foreach(obj, date, v) {
        jdate_t d;
        if (date_parse(date, &d) != 0) {
            snprintf(err, errlen, "%s.%s: not a date (YYYY-MM-DD)", key, date);
            return -1;
        }
        if (!json_is_integer(v)) {
            snprintf(err, errlen, "%s.%s: must be an integer (money in fen)", key, date);
            return -1;
        }
        /* insertion sort by date: series are short */
        size_t at = s->n;
        while (at > 0 && s->from[at - 1] > d) {
            s->from[at] = s->from[at - 1];
            s->value[at] = s->value[at - 1];
            at--;
        }
        if (at > 0 && s->from[at - 1] == d) {
            snprintf(err, errlen, "%s.%s: date given twice", key, date);
            return -1;
        }
        s->from[at] = d;
        s->value[at] = json_integer_value(v);
        s->n++;
    }
    return 0;
}

static int parse_parameter(const char *name, json_t *obj, parameter_t *p, char *err, size_t errlen) {
    char key[200];
    snprintf(key, sizeof key, "parameters.%s", name);
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "%s: must be an object with source and series", key);
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (strcmp(k, "source") && strcmp(k, "series") && strcmp(k, "districts")) {
            snprintf(err, errlen, "%s.%s: unknown key", key, k);
            return -1;
        }
    }
    json_t *source = json_object_get(obj, "source");
    if (!json_is_string(source) || !*json_string_value(source)) {
        snprintf(err, errlen, "%s.source: required (the clause or regulation the value comes from)", key);
        return -1;
    }
    json_t *districts = json_object_get(obj, "districts");
    if (districts && !json_is_object(districts)) {
        snprintf(err, errlen, "%s.districts: must be an object of district code to series", key);
        return -1;
    }
    p->name = strdup(name);
    p->source = strdup(json_string_value(source));
    p->n_series = 1 + (districts ? json_object_size(districts) : 0);
    p->series = calloc(p->n_series, sizeof *p->series);
    if (!p->name || !p->source || !p->series) {
        snprintf(err, errlen, "%s: out of memory", key);
        return -1;
    }
    char sub[260];
    snprintf(sub, sizeof sub, "%s.series", key);
    if (parse_series(json_object_get(obj, "series"), &p->series[0], sub, err, errlen) != 0) return -1;
    size_t i = 1;
    const char *code;
    json_object_foreach(districts, code, v) {
        snprintf(sub, sizeof sub, "%s.districts.%s", key, code);
        if (!district_name(code)) {
            snprintf(err, errlen, "%s: unknown district code", sub);
            return -1;
        }
        snprintf(p->series[i].district, sizeof p->series[i].district, "%s", code);
        if (parse_series(v, &p->series[i], sub, err, errlen) != 0) return -1;
        i++;
    }
    return 0;
}

/* The programs of the subsidy service (docs/policy.md §3), the only budget keys. */
static const char *const budget_programs[] = {"TRAINING_SUBSIDY", "BLIND_TUITION", "PUBLIC_WELFARE_POST",
                                              "GRADUATE_JOBSEEK", "INTERNSHIP",     "STARTUP",
                                              "AGENCY_PLACEMENT", "EMPLOYER_QUOTA"};

/* Parse "budgets" (see policy.h) into plan->budgets. */
static int parse_budgets(json_t *budgets, policy_plan_t *plan, char *err, size_t errlen) {
    if (!json_is_object(budgets)) {
        snprintf(err, errlen, "budgets: must be an object of program to {year: {district: fen}}");
        return -1;
    }
    plan->budgets = calloc(MAX_BUDGETS, sizeof *plan->budgets);
    if (!plan->budgets) {
        snprintf(err, errlen, "budgets: out of memory");
        return -1;
    }
    const char *program, *year_text, *key;
    json_t *years, *keys, *v;
    json_object_foreach(budgets, program, years) {
        int known = 0;
        for (size_t i = 0; i < sizeof budget_programs / sizeof *budget_programs; i++)
            known |= strcmp(program, budget_programs[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "budgets.%s: unknown program (TRAINING_SUBSIDY, BLIND_TUITION, ...)", program);
            return -1;
        }
        if (!json_is_object(years)) {
            snprintf(err, errlen, "budgets.%s: must be an object of year to {district: fen}", program);
            return -1;
        }
        json_object_foreach(years, year_text, keys) {
            if (strcmp(year_text, "source") == 0) {
                if (!json_is_string(keys) || !*json_string_value(keys)) {
                    snprintf(err, errlen, "budgets.%s.source: must be a non-empty string", program);
                    return -1;
                }
                continue;
            }
            char *end;
            long year = strtol(year_text, &end, 10);
            if (strlen(year_text) != 4 || *end || year < 2000 || year > 2100) {
                snprintf(err, errlen, "budgets.%s.%s: not a year (2000..2100)", program, year_text);
                return -1;
            }
            if (!json_is_object(keys) || json_object_size(keys) == 0) {
                snprintf(err, errlen, "budgets.%s.%s: must be an object of district code or \"city\" to fen",
                         program, year_text);
                return -1;
            }
            json_object_foreach(keys, key, v) {
                if (strcmp(key, POLICY_BUDGET_CITY) != 0 && !district_name(key)) {
                    snprintf(err, errlen, "budgets.%s.%s.%s: unknown district code (or \"city\")", program,
                             year_text, key);
                    return -1;
                }
                if (!json_is_integer(v) || json_integer_value(v) < 0) {
                    snprintf(err, errlen, "budgets.%s.%s.%s: must be an integer >= 0 (money in fen)", program,
                             year_text, key);
                    return -1;
                }
                if (plan->n_budgets == MAX_BUDGETS) {
                    snprintf(err, errlen, "budgets: at most %d entries", MAX_BUDGETS);
                    return -1;
                }
                budget_t *b = &plan->budgets[plan->n_budgets++];
                snprintf(b->program, sizeof b->program, "%s", program);
                snprintf(b->key, sizeof b->key, "%s", key);
                b->year = (int)year;
                b->fen = json_integer_value(v);
            }
        }
    }
    return 0;
}

static int parse_plan(json_t *doc, policy_plan_t *plan, char *err, size_t errlen) {
    static const char *const top_keys[] = {"plan_id", "title", "window", "rules", "parameters", "budgets"};
    const char *k;
    json_t *v;
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "(top): must be a JSON object");
        return -1;
    }
    json_object_foreach(doc, k, v) {
        int known = 0;
        for (size_t i = 0; i < sizeof top_keys / sizeof *top_keys; i++) known |= strcmp(k, top_keys[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "%s: unknown key", k);
            return -1;
        }
    }
    json_t *id = json_object_get(doc, "plan_id");
    if (!json_is_string(id) || !*json_string_value(id)) {
        snprintf(err, errlen, "plan_id: required, a non-empty string");
        return -1;
    }
    plan->plan_id = strdup(json_string_value(id));
    json_t *window = json_object_get(doc, "window");
    const char *from = json_string_value(json_object_get(window, "from"));
    const char *to = json_string_value(json_object_get(window, "to"));
    if (!from || date_parse(from, &plan->from) != 0) {
        snprintf(err, errlen, "window.from: required, a date (YYYY-MM-DD)");
        return -1;
    }
    if (!to || date_parse(to, &plan->to) != 0) {
        snprintf(err, errlen, "window.to: required, a date (YYYY-MM-DD)");
        return -1;
    }
    if (plan->to < plan->from) {
        snprintf(err, errlen, "window.to: %s is before window.from %s", to, from);
        return -1;
    }
    json_t *rules = json_object_get(doc, "rules");
    if (!json_is_array(rules) || json_array_size(rules) > MAX_RULES) {
        snprintf(err, errlen, "rules: required, a list of rule ids (R01..R17)");
        return -1;
    }
    size_t i;
    json_array_foreach(rules, i, v) {
        const char *r = json_string_value(v);
        int known = 0;
        for (size_t j = 0; r && j < sizeof known_rules / sizeof *known_rules; j++) known |= strcmp(r, known_rules[j]) == 0;
        if (!known) {
            snprintf(err, errlen, "rules[%zu]: unknown rule (R01..R17)", i);
            return -1;
        }
        snprintf(plan->rules[plan->n_rules++], sizeof plan->rules[0], "%s", r);
    }
    json_t *params = json_object_get(doc, "parameters");
    if (!json_is_object(params)) {
        snprintf(err, errlen, "parameters: required, an object");
        return -1;
    }
    plan->params = calloc(json_object_size(params) + 1, sizeof *plan->params);
    if (!plan->params) return -1;
    json_object_foreach(params, k, v) {
        parameter_t *p = &plan->params[plan->n_params++];
        if (parse_parameter(k, v, p, err, errlen) != 0) return -1;
    }
    json_t *budgets = json_object_get(doc, "budgets");
    if (budgets && parse_budgets(budgets, plan, err, errlen) != 0) return -1;
    return 0;
}

policy_plan_t *policy_plan_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > 4 * 1024 * 1024) { /* a plan file is a few KiB */
                fclose(f);
                free(text);
                snprintf(err, errlen, "%s: larger than 4 MiB", path);
                return NULL;
            }
            char *grown = realloc(text, cap);
            if (!grown) break;
            text = grown;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    json_error_t jerr;
    json_t *doc = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    policy_plan_t *plan = calloc(1, sizeof *plan);
    if (!doc || !plan) {
        snprintf(err, errlen, "%s: not valid JSON (line %d: %s)", path, doc ? 0 : jerr.line, doc ? "" : jerr.text);
        goto fail;
    }
    uint8_t digest[32];
    sha256(text, len, digest);
    hex_encode(digest, 32, plan->sha256);
    char inner[400];
    if (parse_plan(doc, plan, inner, sizeof inner) != 0) {
        snprintf(err, errlen, "%s: %s", path, inner);
        goto fail;
    }
    free(text);
    json_decref(doc);
    return plan;
fail:
    free(text);
    json_decref(doc);
    policy_plan_free(plan);
    return NULL;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int policy_set_load_dir(policy_set_t *set, const char *dir, char *err, size_t errlen) {
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open the plan directory (JIUYE_POLICY_DIR)", dir);
        return -1;
    }
    char *names[POLICY_MAX_PLANS + 1];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n <= POLICY_MAX_PLANS) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int rc = 0;
    if (n == 0 || n > POLICY_MAX_PLANS) {
        snprintf(err, errlen, "%s: expected 1 to %d plan files (*.json), found %zu", dir, POLICY_MAX_PLANS, n);
        rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        policy_plan_t *plan = policy_plan_load(path, err, errlen);
        if (!plan) {
            rc = -1;
            break;
        }
        for (size_t j = 0; j < set->n; j++) {
            const policy_plan_t *o = set->plans[j];
            if (plan->from <= o->to && o->from <= plan->to) {
                snprintf(err, errlen, "%s: window overlaps plan %s", path, o->plan_id);
                policy_plan_free(plan);
                rc = -1;
                break;
            }
        }
        if (rc == 0) set->plans[set->n++] = plan;
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    if (rc != 0) policy_set_clear(set);
    return rc;
}

void policy_set_clear(policy_set_t *set) {
    for (size_t i = 0; i < set->n; i++) policy_plan_free(set->plans[i]);
    set->n = 0;
}

const policy_plan_t *policy_for_date(const policy_set_t *set, jdate_t date) {
    for (size_t i = 0; i < set->n; i++)
        if (set->plans[i]->from <= date && date <= set->plans[i]->to) return set->plans[i];
    return NULL;
}

const char *policy_plan_id(const policy_plan_t *plan) { return plan->plan_id; }
const char *policy_plan_sha256(const policy_plan_t *plan) { return plan->sha256; }

int policy_rule_enabled(const policy_plan_t *plan, const char *rule) {
    for (size_t i = 0; i < plan->n_rules; i++)
        if (strcmp(plan->rules[i], rule) == 0) return 1;
    return 0;
}

static int series_at(const series_t *s, jdate_t date, const char *source, policy_value_t *out) {
    for (size_t i = s->n; i > 0; i--) {
        if (s->from[i - 1] <= date) {
            out->value = s->value[i - 1];
            out->effective_from = s->from[i - 1];
            out->source = source;
            return 0;
        }
    }
    return -1;
}

int policy_value_at(const policy_plan_t *plan, const char *name, const char *district, jdate_t date,
                    policy_value_t *out) {
    for (size_t i = 0; i < plan->n_params; i++) {
        const parameter_t *p = &plan->params[i];
        if (strcmp(p->name, name) != 0) continue;
        for (size_t j = 1; district && j < p->n_series; j++)
            if (strcmp(p->series[j].district, district) == 0) return series_at(&p->series[j], date, p->source, out);
        return series_at(&p->series[0], date, p->source, out);
    }
    return -1;
}

int policy_budget(const policy_plan_t *plan, const char *program, int year, const char *key, int64_t *fen) {
    for (size_t i = 0; i < plan->n_budgets; i++) {
        const budget_t *b = &plan->budgets[i];
        if (b->year == year && strcmp(b->program, program) == 0 && strcmp(b->key, key) == 0) {
            *fen = b->fen;
            return 0;
        }
    }
    return -1;
}

int policy_set_budget(const policy_set_t *set, const char *program, int year, const char *key, int64_t *fen) {
    for (size_t i = 0; i < set->n; i++)
        if (policy_budget(set->plans[i], program, year, key, fen) == 0) return 0;
    return -1;
}

int policy_set_load_logged(policy_set_t *set, const char *dir) {
    char err[512];
    if (policy_set_load_dir(set, dir, err, sizeof err) != 0) {
        log_error("policy: %s", err);
        return -1;
    }
    for (size_t i = 0; i < set->n; i++)
        log_info("plan %s loaded (sha256 %s)", policy_plan_id(set->plans[i]), policy_plan_sha256(set->plans[i]));
    return 0;
}

int policy_set_reload(policy_set_t *set, const char *dir) {
    policy_set_t fresh = {0};
    if (policy_set_load_logged(&fresh, dir) != 0) {
        log_error("policy reload refused; the plans loaded before stay in force");
        return -1;
    }
    policy_set_clear(set);
    *set = fresh;
    log_info("policy reloaded: %zu plan(s)", set->n);
    return 0;
}
