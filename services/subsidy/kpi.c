/* kpi.c: the plan targets (see kpi.h). */
#include "kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ident.h"
#include "money.h"
#include "pg.h"

int kpi_record_employment(PGconn *pg, const Jiuye__Event *ev) {
    const char *kind, *cert_no, *employer;
    if (!ev) return 0;
    if (ev->payload_case == JIUYE__EVENT__PAYLOAD_EMPLOYMENT_STARTED) {
        kind = "started", cert_no = ev->employment_started->cert_no, employer = ev->employment_started->employer_code;
    } else if (ev->payload_case == JIUYE__EVENT__PAYLOAD_EMPLOYMENT_ENDED) {
        kind = "ended", cert_no = ev->employment_ended->cert_no, employer = ev->employment_ended->employer_code;
    } else {
        return 0;
    }
    jdate_t on;
    char year[16];
    if (date_parse(ev->occurred_on, &on) != 0) return -1;
    snprintf(year, sizeof year, "%d", date_year(on));
    const char *p[] = {ev->source, ev->event_id, kind, cert_no, employer, ev->district, ev->occurred_on, year};
    return pg_cmd(pg,
                  "INSERT INTO subsidy.employment_facts (source, event_id, kind, cert_no, employer_code, district, "
                  "occurred_on, year) VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::int) ON CONFLICT DO NOTHING",
                  8, p);
}

/* Distinct persons who started minus distinct persons whose job ended, years $1..$2, district $3,
 * facts dated up to $4 (NULL: all; the monthly figures). */
#define NET_EMPLOYED                                                                                             \
    "SELECT count(DISTINCT cert_no) FILTER (WHERE kind = 'started') - count(DISTINCT cert_no) FILTER (WHERE kind " \
    "= 'ended') FROM subsidy.employment_facts WHERE year BETWEEN $1::int AND $2::int AND ($3::text IS NULL OR "   \
    "district = $3) AND ($4::date IS NULL OR occurred_on <= $4::date)"

/* Per event and rule, the latest decision recorded, of the years $1..$2 and
 * district $3 (NULL: every district), about facts dated up to $4 (NULL: all). Decisions recorded before migration 007
 * have no outcome and are not counted. */
#define LATEST                                                                                                   \
    "WITH latest AS (SELECT DISTINCT ON (source, event_id, rule) * FROM subsidy.decisions WHERE outcome <> '' " \
    "AND year BETWEEN $1::int AND $2::int AND ($3::text IS NULL OR district = $3) "                             \
    "AND ($4::date IS NULL OR occurred_on <= $4::date) "                                                         \
    "ORDER BY source, event_id, rule, seq DESC) "
#define WANTS_JOB "rule = 'R05' AND outcome <> 'not_in_force' AND facts->>'event.wants_job' = 'true'"

typedef enum { KPI_COUNT, KPI_GRADUATES_SERVED, KPI_GRADUATES_EMPLOYED, KPI_QUOTA_RATIO, KPI_NULL } kpi_kind_t;

/* docs/policy.md §4, in its order. */
static const struct {
    const char *id;
    const char *title;
    const char *clause;
    const char *goal_text;
    const char *goal; /* a count, or a percentage "90.00" (as the figures); NULL: none */
    const char *unit;
    kpi_kind_t kind;
    const char *sql;    /* KPI_COUNT: one count over $1..$2 years, district $3 */
    const char *source; /* what the figure is counted from, or why it is null */
} kpi_table[] = {
    {"net_employed_increase", "残疾人新增就业（净增人数）", "一", "2025 年底前全市净增 ≥ 2500 人", "2500", "persons",
     KPI_COUNT, NET_EMPLOYED,
     "employment.started minus employment.ended in the period, distinct persons (every job event, forwarded by rules)"},
    {"training_person_times", "残疾人职业技能培训人次", "一", "2025 年底前全市 ≥ 3500 人次", "3500", "person-times",
     KPI_COUNT, LATEST "SELECT count(*) FROM latest WHERE rule = 'R01' AND outcome NOT IN ('not_in_force', 'pending')",
     "R01 decisions on training.completed, any outcome but not_in_force or pending"},
    {"blind_massage_trained", "盲人医疗按摩培训人数", "二(二)8", "每年 ≥ 80 人", "80", "persons per year", KPI_COUNT,
     LATEST "SELECT count(*) FROM latest WHERE rule = 'R02' AND outcome = 'info'", "R02 info decisions"},
    {"public_welfare_posts", "开发残疾人公益性岗位", "二(二)5", "开发 100 个", "100", "posts", KPI_COUNT,
     LATEST "SELECT count(*) FROM latest WHERE rule = 'R04' AND event_type = 'employment.started' "
            "AND outcome = 'eligible'",
     "R04 eligible decisions on employment.started (public_welfare_post)"},
    {"graduates_served", "有就业意愿的残疾人高校毕业生服务率", "二(二)7", "100 %", "100.00", "percent",
     KPI_GRADUATES_SERVED, NULL,
     "graduate.registered with wants_job (R05 decisions) minus those R16 found without graduate_guidance within 30 "
     "days; a graduate still within the 30 days counts as served"},
    {"graduates_employed", "有就业意愿的残疾人高校毕业生就业率", "二(二)7", "≥ 90 %", "90.00", "percent",
     KPI_GRADUATES_EMPLOYED, NULL,
     "graduate.registered with wants_job (R05 decisions) who have an employment.started, of all of them"},
    {"demo_sites", "就业创业示范基地（每县区 ≥ 1 个；全市 1 个美丽工坊）", "一(一)4", "每县区 ≥ 1 个", "1", "sites",
     KPI_NULL, NULL, "not in any event: no upstream system reports demo sites"},
    {"vacancies_published", "收集发布岗位信息", "二(三)10", "数量", NULL, "vacancies", KPI_NULL, NULL,
     "not yet reported by rules: counted by the rules service, GET /v1/vacancies/kpi (vacancies_published)"},
    {"positions_filled_after_match", "人岗匹配后实现就业", "二(三)10", "数量", NULL, "positions", KPI_NULL, NULL,
     "not yet reported by rules: counted by the rules service, GET /v1/vacancies/kpi (positions_filled_after_match)"},
    {"district_organs_quota_ratio", "县区级机关事业单位按比例安排残疾人就业", "一(一)1", "≥ 1.5 %", "1.50", "percent", KPI_QUOTA_RATIO, NULL,
     "R09/R10 decisions on employer.annual_report of district-level organs and institutions: Σ counted ÷ Σ "
     "staff_count, the latest report of each unit for the report year"},
};

/* "12.34" for num/den as a percentage, rounded half up to the hundredth. */
static json_t *percent(long long num, long long den) {
    if (den <= 0) return json_null();
    long long bp = (num * 10000 * 2 + den) / (2 * den);
    char text[32];
    snprintf(text, sizeof text, "%lld.%02lld", bp / 100, bp % 100);
    return json_string(text);
}

/* One count with params years from..to, district and facts dated up to until (NULL:
 * all) into *n. A count may be negative (net employment: more ended than started), so
 * the error is the return value, 0 or -1, never a value of *n. */
static int count_until(PGconn *pg, const char *sql, int from, int to, const char *district, const char *until,
                       long long *n) {
    char f[16], t[16];
    snprintf(f, sizeof f, "%d", from);
    snprintf(t, sizeof t, "%d", to);
    const char *p[] = {f, t, district, until};
    PGresult *r = pg_exec(pg, sql, 4, p);
    if (!r) return -1;
    *n = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return 0;
}

static int count(PGconn *pg, const char *sql, int from, int to, const char *district, long long *n) {
    return count_until(pg, sql, from, to, district, NULL, n);
}

/* Graduates wanting a job (R05 decisions with wants_job), and those of them that
 * part_sql counts, years from..to. The figure is part ÷ wanting, or, with
 * subtract, (wanting − part) ÷ wanting; both counts are shown beside it. */
static int graduate_rate(PGconn *pg, json_t *t, int year, const char *district, const char *part_sql,
                         const char *part_key, int subtract) {
    static const char *const wanting_sql = LATEST "SELECT count(DISTINCT subject) FROM latest WHERE " WANTS_JOB;
    const struct {
        const char *key;
        int from;
    } spans[] = {{"actual", year}, {"cumulative", 0}};
    for (size_t i = 0; i < 2; i++) {
        long long wanting, part;
        if (count(pg, wanting_sql, spans[i].from, year, district, &wanting) != 0 ||
            count(pg, part_sql, spans[i].from, year, district, &part) != 0)
            return -1;
        json_object_set_new(t, spans[i].key, percent(subtract ? wanting - part : part, wanting));
        char key[64];
        snprintf(key, sizeof key, "%s_wanting_job", spans[i].key);
        json_object_set_new(t, key, json_integer(wanting));
        snprintf(key, sizeof key, "%s_%s", spans[i].key, part_key);
        json_object_set_new(t, key, json_integer(part));
    }
    return 0;
}

/* Served: those R16 did not find without graduate_guidance within 30 days. */
static const char *const graduates_overdue_sql =
    LATEST "SELECT count(DISTINCT l.subject) FROM latest l WHERE l.rule = 'R16' AND l.outcome = 'action_required' "
           "AND EXISTS (SELECT 1 FROM latest w WHERE w.subject = l.subject AND w." WANTS_JOB ")";
/* Employed: those with an employment.started. */
static const char *const graduates_employed_sql =
    LATEST "SELECT count(DISTINCT l.subject) FROM latest l WHERE l." WANTS_JOB " AND EXISTS (SELECT 1 FROM "
           "subsidy.employment_facts e WHERE e.cert_no = l.subject AND e.kind = 'started')";

/* Σ counted and Σ staff of district-level organs and institutions for report year, by district. */
static int quota_ratio(PGconn *pg, json_t *t, int year, const char *district) {
    char y[16];
    snprintf(y, sizeof y, "%d", year);
    const char *p[] = {y, district};
    PGresult *r = pg_exec(pg,
                          "SELECT district, sum((facts->>'counted')::int), sum((facts->>'staff_count')::int), count(*) "
                          "FROM (SELECT DISTINCT ON (subject) district, facts FROM subsidy.decisions "
                          "WHERE rule IN ('R09', 'R10') AND facts->>'year' = $1 AND facts ? 'counted' "
                          "AND facts ? 'staff_count' AND facts->>'employer_kind' IN ('organ', 'institution') "
                          "AND district <> '320700' AND ($2::text IS NULL OR district = $2) "
                          "ORDER BY subject, seq DESC) u GROUP BY district ORDER BY district",
                          2, p);
    if (!r) return -1;
    long long counted = 0, staff = 0, units = 0;
    json_t *by = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        long long c = strtoll(PQgetvalue(r, i, 1), NULL, 10), s = strtoll(PQgetvalue(r, i, 2), NULL, 10),
                  n = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        counted += c, staff += s, units += n;
        const char *name = district_name(PQgetvalue(r, i, 0));
        json_array_append_new(by, json_pack("{s:s,s:s,s:I,s:I,s:I,s:o,s:b}", "district", PQgetvalue(r, i, 0),
                                            "district_name", name ? name : "", "units", (json_int_t)n, "counted",
                                            (json_int_t)c, "staff", (json_int_t)s, "actual", percent(c, s), "met",
                                            s > 0 && c * 1000 >= s * 15));
    }
    PQclear(r);
    json_object_set_new(t, "actual", percent(counted, staff));
    json_object_set_new(t, "cumulative", json_null());
    json_object_set_new(t, "units", json_integer(units));
    json_object_set_new(t, "counted", json_integer(counted));
    json_object_set_new(t, "staff", json_integer(staff));
    /* The target is per district: the city view lists each district's figure. */
    json_object_set_new(t, "by_district", by);
    return 0;
}

/* The award programs of docs/policy.md §3, in its order, as the report lists them. */
static const struct {
    const char *program;
    const char *title;
} award_programs[] = {
    {"TRAINING_SUBSIDY", "培训补贴"},          {"BLIND_TUITION", "盲人学费补贴"},
    {"PUBLIC_WELFARE_POST", "公益性岗位补贴"}, {"GRADUATE_JOBSEEK", "求职创业补贴"},
    {"INTERNSHIP", "就业见习补贴"},            {"STARTUP", "一次性创业补贴"},
    {"AGENCY_PLACEMENT", "职业介绍补贴"},      {"EMPLOYER_QUOTA", "超比例奖励"},
};

/* The money of one program (or the totals): counts and sums in fen and yuan. */
static json_t *award_row(const char *program, const char *title, const long long v[6]) {
    char granted[32], waiting[32];
    return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:I,s:s}", "program", program, "title", title, "granted",
                     (json_int_t)v[0], "refused", (json_int_t)v[1], "waiting_budget", (json_int_t)v[2], "reversals",
                     (json_int_t)v[3], "granted_fen", (json_int_t)v[4], "granted_yuan",
                     money_format_yuan(v[4], granted, sizeof granted), "waiting_fen", (json_int_t)v[5], "waiting_yuan",
                     money_format_yuan(v[5], waiting, sizeof waiting));
}

/* Awards of year (the year their limits count them in) by program, and the totals, into report. */
static int awards_by_program(PGconn *pg, json_t *report, int year, const char *district) {
    char y[16];
    snprintf(y, sizeof y, "%d", year);
    const char *p[] = {y, district};
    PGresult *r = pg_exec(pg,
                          "SELECT program, count(*) FILTER (WHERE status = 'granted' AND amount_fen >= 0), "
                          "count(*) FILTER (WHERE status = 'refused'), "
                          "count(*) FILTER (WHERE status = 'waiting_budget' AND amount_fen >= 0), "
                          "count(*) FILTER (WHERE amount_fen < 0), "
                          "coalesce(sum(amount_fen) FILTER (WHERE status = 'granted'), 0), "
                          "coalesce(sum(amount_fen) FILTER (WHERE status = 'waiting_budget'), 0) "
                          "FROM subsidy.awards WHERE year = $1::int AND ($2::text IS NULL OR district = $2) "
                          "GROUP BY program",
                          2, p);
    if (!r) return -1;
    json_t *rows = json_array();
    long long total[6] = {0};
    for (size_t i = 0; i < sizeof award_programs / sizeof *award_programs; i++) {
        long long v[6] = {0};
        for (int k = 0; k < PQntuples(r); k++) {
            if (strcmp(PQgetvalue(r, k, 0), award_programs[i].program) != 0) continue;
            for (int c = 0; c < 6; c++) v[c] = strtoll(PQgetvalue(r, k, c + 1), NULL, 10);
        }
        for (int c = 0; c < 6; c++) total[c] += v[c];
        json_array_append_new(rows, award_row(award_programs[i].program, award_programs[i].title, v));
    }
    PQclear(r);
    json_object_set_new(report, "awards", rows);
    json_object_set_new(report, "award_totals", award_row("TOTAL", "合计", total));
    return 0;
}

json_t *kpi_report(PGconn *pg, int year, const char *district) {
    json_t *targets = json_array();
    for (size_t i = 0; i < sizeof kpi_table / sizeof *kpi_table; i++) {
        json_t *t = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", kpi_table[i].id, "title", kpi_table[i].title, "clause",
                              kpi_table[i].clause, "goal_text", kpi_table[i].goal_text, "unit", kpi_table[i].unit,
                              "source", kpi_table[i].source);
        const char *goal = kpi_table[i].goal;
        json_object_set_new(t, "goal", !goal                ? json_null()
                                       : strchr(goal, '.') ? json_string(goal)
                                                           : json_integer(strtoll(goal, NULL, 10)));
        json_array_append_new(targets, t);
        int rc = 0;
        switch (kpi_table[i].kind) {
        case KPI_COUNT: {
            long long actual = 0, cumulative = 0;
            rc = count(pg, kpi_table[i].sql, year, year, district, &actual) != 0 ||
                         count(pg, kpi_table[i].sql, 0, year, district, &cumulative) != 0
                     ? -1
                     : 0;
            json_object_set_new(t, "actual", json_integer(actual));
            json_object_set_new(t, "cumulative", json_integer(cumulative));
            break;
        }
        case KPI_GRADUATES_SERVED:
            rc = graduate_rate(pg, t, year, district, graduates_overdue_sql, "guidance_overdue", 1);
            break;
        case KPI_GRADUATES_EMPLOYED:
            rc = graduate_rate(pg, t, year, district, graduates_employed_sql, "employed", 0);
            break;
        case KPI_QUOTA_RATIO: rc = quota_ratio(pg, t, year, district); break;
        case KPI_NULL:
            json_object_set_new(t, "actual", json_null());
            json_object_set_new(t, "cumulative", json_null());
            break;
        }
        if (rc != 0) {
            json_decref(targets);
            return NULL;
        }
    }
    const char *name = district ? district_name(district) : "全市";
    json_t *report = json_pack("{s:i,s:o,s:s,s:o}", "year", year, "district",
                               district ? json_string(district) : json_null(), "district_name", name ? name : "",
                               "targets", targets);
    if (report && awards_by_program(pg, report, year, district) != 0) {
        json_decref(report);
        return NULL;
    }
    return report;
}

json_t *kpi_monthly(PGconn *pg, int year, const char *district) {
    jdate_t today = date_today();
    json_t *months = json_array(), *series = json_object();
    for (int m = 1; m <= 12; m++) {
        char label[32];
        snprintf(label, sizeof label, "%04d-%02d", year, m);
        json_array_append_new(months, json_string(label));
    }
    for (size_t i = 0; i < sizeof kpi_table / sizeof *kpi_table; i++) {
        if (kpi_table[i].kind != KPI_COUNT) continue;
        json_t *line = json_array();
        json_object_set_new(series, kpi_table[i].id, line);
        for (int m = 1; m <= 12; m++) {
            jdate_t first;
            if (date_from_ymd(year, m, 1, &first) != 0 || first > today) {
                json_array_append_new(line, json_null()); /* a month still to come */
                continue;
            }
            char until[DATE_STRLEN];
            date_format(date_month_last(first), until);
            long long n;
            if (count_until(pg, kpi_table[i].sql, year, year, district, until, &n) != 0) {
                json_decref(months);
                json_decref(series);
                return NULL;
            }
            json_array_append_new(line, json_integer(n));
        }
    }
    return json_pack("{s:o,s:o}", "months", months, "series", series);
}
