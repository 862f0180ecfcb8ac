/* r17_vacancy_match.c: R17 VACANCY_MATCH 人岗适配 (plan 二(三)10, 一(一)3).
 *
 * When a vacancy is posted, and whenever a person registers or completes a
 * training while vacancies of their district are open (today ≤ open_until,
 * not closed), district staff receive a shortlist of at most 10 registered,
 * unemployed, job-wanting, working-age persons of the district whose category
 * and grade the vacancy accepts, ranked: a completed training in the
 * vacancy's course first, then the hard-to-employ, then the longest waiting
 * (earliest registration), then cert_no. The database narrows and orders the
 * candidates; working age, which needs the plan's limits and our birthday
 * convention, is checked here page by page. Everyone listed is remembered in
 * rules.vacancy_matches (first date only), in the decision's transaction, for
 * the KPI "positions filled after a match" (http_vacancies.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "pg.h"
#include "rules.h"

#define SHORTLIST_MAX 10
#define CANDIDATE_PAGE 200
#define PERSON_VACANCIES_MAX 20 /* vacancies re-ranked for one new candidate; beyond, the decision says so */

typedef struct vacancy {
    char source[80], id[80], district[8], course[32], categories[64];
    int max_severity;
} vacancy_t;

static int working_age(const rule_ctx_t *ctx, const char *cert_no, int64_t min, int64_t max_m, int64_t max_f) {
    cert_info_t info;
    char err[128];
    if (cert_no_parse(cert_no, &info, err, sizeof err) != 0) return 0;
    int age = date_full_years(info.birth, ctx->occurred_on);
    return age >= min && age <= (info.male ? max_m : max_f);
}

/* Comma-separated shortlist of v into out. Returns the number listed or -1. */
static int shortlist(const rule_ctx_t *ctx, Jiuye__Decision *d, const vacancy_t *v, char *out, size_t outlen) {
    policy_value_t min, max_m, max_f;
    if (rule_param(ctx, d, "working_age_min", ctx->occurred_on, &min) != 0 ||
        rule_param(ctx, d, "working_age_max_male", ctx->occurred_on, &max_m) != 0 ||
        rule_param(ctx, d, "working_age_max_female", ctx->occurred_on, &max_f) != 0)
        return -1;
    char severity[16], limit[16], offset[16];
    snprintf(severity, sizeof severity, "%d", v->max_severity);
    snprintf(limit, sizeof limit, "%d", CANDIDATE_PAGE);
    int listed = 0, page = 0;
    size_t at = 0;
    out[0] = '\0';
    for (;;) {
        snprintf(offset, sizeof offset, "%d", page * CANDIDATE_PAGE);
        const char *p[] = {v->district, v->categories, severity, v->course, limit, offset};
        PGresult *r = pg_exec(ctx->pg,
                              "SELECT p.cert_no FROM rules.persons p WHERE p.district = $1 "
                              "AND p.employment_status = 'unemployed' AND p.wants_job "
                              "AND substr(p.cert_no, 19, 1)::int = ANY($2::int[]) AND substr(p.cert_no, 20, 1)::int >= $3::int "
                              "ORDER BY EXISTS (SELECT 1 FROM rules.trainings t WHERE t.cert_no = p.cert_no "
                              "AND $4 <> '' AND t.course = $4) DESC, p.hard_to_employ DESC, p.registered_on, p.cert_no "
                              "LIMIT $5::int OFFSET $6::int",
                              6, p);
        if (!r) return -1;
        int rows = PQntuples(r);
        for (int i = 0; i < rows && listed < SHORTLIST_MAX; i++) {
            const char *cert = PQgetvalue(r, i, 0);
            if (!working_age(ctx, cert, min.value, max_m.value, max_f.value)) continue;
            at += (size_t)snprintf(out + at, outlen > at ? outlen - at : 0, "%s%s", listed ? "," : "", cert);
            listed++;
        }
        PQclear(r);
        if (listed >= SHORTLIST_MAX || rows < CANDIDATE_PAGE) return listed;
        page++;
    }
}

/* Remember that the persons of list (comma-separated cert_no) are on v's
 * shortlist as of the triggering event's date (never before the vacancy was
 * posted); a person listed before keeps the earlier date. Returns 0 or -1. */
static int record_matches(const rule_ctx_t *ctx, const Jiuye__Decision *d, const vacancy_t *v, const char *list) {
    if (!list[0]) return 0;
    char on[DATE_STRLEN];
    const char *p[] = {v->source, v->id, date_format(ctx->occurred_on, on), d->decision_id, list};
    return pg_cmd(ctx->pg,
                  "INSERT INTO rules.vacancy_matches (source, vacancy_id, cert_no, matched_on, decision_id) "
                  "SELECT v.source, v.vacancy_id, c, greatest($3::date, v.posted_on), $4 FROM rules.vacancies v, "
                  "unnest(string_to_array($5, ',')) c WHERE v.source = $1 AND v.vacancy_id = $2 "
                  "ON CONFLICT (source, vacancy_id, cert_no) DO UPDATE SET matched_on = EXCLUDED.matched_on, "
                  "decision_id = EXCLUDED.decision_id WHERE EXCLUDED.matched_on < rules.vacancy_matches.matched_on",
                  5, p);
}

rule_result_t r17_vacancy_posted(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__VacancyPosted *p = ev->vacancy_posted;
    vacancy_t v = {0};
    snprintf(v.source, sizeof v.source, "%s", ev->source);
    snprintf(v.id, sizeof v.id, "%s", p->vacancy_id);
    snprintf(v.district, sizeof v.district, "%s", ev->district);
    snprintf(v.course, sizeof v.course, "%s", p->course);
    v.max_severity = p->max_severity;
    size_t at = 0;
    v.categories[at++] = '{';
    for (size_t i = 0; i < p->n_categories; i++)
        at += (size_t)snprintf(v.categories + at, sizeof v.categories - at, "%s%d", i ? "," : "", p->categories[i]);
    snprintf(v.categories + at, sizeof v.categories - at, "}");
    decision_fact(d, "vacancy_id", "%s", p->vacancy_id);
    decision_fact(d, "positions", "%d", p->positions);
    jdate_t until;
    if (date_parse(p->open_until, &until) != 0 || until < ctx->today) {
        decision_fact(d, "shortlist_size", "0");
        decision_set(d, "info", "岗位“%s”已过报名截止日 %s，不再匹配", p->title, p->open_until);
        return RULE_DECIDED;
    }
    char list[SHORTLIST_MAX * 24];
    int n = shortlist(ctx, d, &v, list, sizeof list);
    if (n < 0) return PQstatus(ctx->pg) == CONNECTION_OK ? RULE_DECIDED : RULE_ERROR;
    if (record_matches(ctx, d, &v, list) != 0) return RULE_ERROR;
    decision_fact(d, "shortlist_size", "%d", n);
    decision_fact(d, "shortlist", "%s", list);
    decision_set(d, "info", "岗位“%s”（%d 人，至 %s）：本区符合条件的求职残疾人推荐 %d 人，请联系用人单位对接", p->title, p->positions,
                 p->open_until, n);
    return RULE_DECIDED;
}

/* A person event: the open vacancies of the district that accept this person, each with its shortlist. */
rule_result_t r17_person_match(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const char *cert_no = rules_event_subject(ev);
    char today[DATE_STRLEN];
    char limit[16];
    snprintf(limit, sizeof limit, "%d", PERSON_VACANCIES_MAX + 1); /* one more tells that there are more */
    const char *p[] = {cert_no, date_format(ctx->today, today), limit};
    /* Only if this person is a candidate at all: registered, unemployed, wanting a job. */
    PGresult *r = pg_exec(ctx->pg,
                          "SELECT v.source, v.vacancy_id, v.district, v.course, v.categories::text, v.max_severity, v.title "
                          "FROM rules.vacancies v JOIN rules.persons p ON p.cert_no = $1 AND p.district = v.district "
                          "WHERE v.closed_on IS NULL AND v.open_until >= $2::date AND p.employment_status = 'unemployed' "
                          "AND p.wants_job AND substr(p.cert_no, 19, 1)::int = ANY(v.categories) "
                          "AND substr(p.cert_no, 20, 1)::int >= v.max_severity ORDER BY v.posted_on, v.vacancy_id LIMIT $3::int",
                          3, p);
    if (!r) return RULE_ERROR;
    int rows = PQntuples(r), matched = 0, more = rows > PERSON_VACANCIES_MAX;
    if (more) rows = PERSON_VACANCIES_MAX;
    policy_value_t min, max_m, max_f;
    if (rows == 0 || rule_param(ctx, d, "working_age_min", ctx->occurred_on, &min) != 0 ||
        rule_param(ctx, d, "working_age_max_male", ctx->occurred_on, &max_m) != 0 ||
        rule_param(ctx, d, "working_age_max_female", ctx->occurred_on, &max_f) != 0 ||
        !working_age(ctx, cert_no, min.value, max_m.value, max_f.value)) {
        PQclear(r);
        return RULE_NONE;
    }
    vacancy_t *vs = calloc((size_t)rows, sizeof *vs);
    if (!vs) abort();
    for (int i = 0; i < rows; i++) {
        snprintf(vs[i].source, sizeof vs[i].source, "%s", PQgetvalue(r, i, 0));
        snprintf(vs[i].id, sizeof vs[i].id, "%s", PQgetvalue(r, i, 1));
        snprintf(vs[i].district, sizeof vs[i].district, "%s", PQgetvalue(r, i, 2));
        snprintf(vs[i].course, sizeof vs[i].course, "%s", PQgetvalue(r, i, 3));
        snprintf(vs[i].categories, sizeof vs[i].categories, "%s", PQgetvalue(r, i, 4));
        vs[i].max_severity = (int)strtol(PQgetvalue(r, i, 5), NULL, 10);
    }
    PQclear(r);
    rule_result_t res = RULE_DECIDED;
    for (int i = 0; i < rows; i++) {
        char list[SHORTLIST_MAX * 24], name[200];
        int n = shortlist(ctx, d, &vs[i], list, sizeof list);
        if (n < 0 || record_matches(ctx, d, &vs[i], list) != 0) {
            res = RULE_ERROR;
            break;
        }
        snprintf(name, sizeof name, "shortlist.%s/%s", vs[i].source, vs[i].id);
        decision_fact(d, name, "%s", list);
        matched++;
    }
    free(vs);
    if (res != RULE_DECIDED) return res;
    decision_fact(d, "vacancies_matched", "%d", matched);
    decision_fact(d, "more_vacancies_open", "%s", more ? "true" : "false");
    if (more)
        decision_set(d, "info", "本区有超过 %d 个在招岗位接受该残疾人，已更新最早发布的 %d 个岗位的推荐名单，其余见岗位公开信息（/v1/vacancies）",
                     PERSON_VACANCIES_MAX, matched);
    else
        decision_set(d, "info", "本区有 %d 个在招岗位接受该残疾人，已更新推荐名单，请对接", matched);
    return RULE_DECIDED;
}
