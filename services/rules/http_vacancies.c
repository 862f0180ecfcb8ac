/* http_vacancies.c: the public vacancy feed (JSON and Atom) and the vacancy
 * KPI (see http_vacancies.h).
 *
 * The feed reads rules.vacancies only, never rules.persons nor
 * rules.vacancy_matches: what it can print is what the employer published.
 * Atom text goes through xml_text(), identifiers through percent-encoding
 * (tag URIs, RFC 4151), so any title an upstream system sends still yields
 * well-formed XML. */
#include "http_vacancies.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "http.h"
#include "ident.h"
#include "money.h"
#include "pg.h"

#define TAG_PREFIX "tag:jiuye,2025:"
#define ATOM_TYPE "application/atom+xml"
#define PARAM_ECHO_MAX 32 /* characters of a bad parameter quoted back in a 400 */
#define STR(x) #x
#define XSTR(x) STR(x)

/* Disability categories (docs/policy.md §1) as the platform shows them. */
static const char *const category_label[8] = {
    NULL, /* 0: not a category */
    "视力", "听力", "言语", "肢体", "智力", "精神", "多重",
};

/* Training courses (docs/policy.md §5) a vacancy may prefer. */
static const struct {
    const char *course;
    const char *label;
} course_label[] = {
    {"vocational", "职业技能"},  {"entrepreneurship", "创业"}, {"blind_massage", "盲人按摩"},
    {"new_media", "新媒体"},     {"ecommerce", "电子商务"},    {"heritage_craft", "非遗手工艺"},
};

static const char *course_name(const char *course) {
    for (size_t i = 0; i < sizeof course_label / sizeof *course_label; i++)
        if (strcmp(course_label[i].course, course) == 0) return course_label[i].label;
    return course;
}

/* Columns of FEED_SQL. */
enum { C_SOURCE, C_ID, C_EMPLOYER, C_DISTRICT, C_TITLE, C_POSITIONS, C_CATEGORIES, C_SEVERITY, C_COURSE, C_WAGE,
       C_OPEN_UNTIL, C_POSTED_ON };

/* $1 today, $2 district or NULL, $3 category or NULL, $4 limit (one more than shown, to see truncation). */
static const char FEED_SQL[] =
    "SELECT source, vacancy_id, employer_code, district, title, positions, array_to_string(categories, ','), "
    "max_severity, course, monthly_wage_fen, open_until::text, posted_on::text FROM rules.vacancies "
    "WHERE closed_on IS NULL AND open_until >= $1::date AND ($2::text IS NULL OR district = $2) "
    "AND ($3::int IS NULL OR $3::int = ANY(categories)) ORDER BY posted_on DESC, source, vacancy_id LIMIT $4::int";

/* A parameter as it may be quoted back: printable ASCII, at most PARAM_ECHO_MAX
 * characters, anything else as '?', so an error body is always valid JSON. */
static const char *param_echo(const char *in, char *out, size_t outlen) {
    size_t i = 0;
    for (; in[i] && i < PARAM_ECHO_MAX && i + 1 < outlen; i++)
        out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
    out[i] = '\0';
    return out;
}

/* A query parameter, NULL when absent or empty (a form's blank field). Caller frees. */
static char *query_param(struct evhttp_request *req, const char *name) {
    char *v = http_query(req, name);
    if (v && !v[0]) {
        free(v);
        return NULL;
    }
    return v;
}

/* Only GET and HEAD: anything else gets 405. Returns 1 when the request may go on. */
static int method_ok(struct evhttp_request *req) {
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD) return 1;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
    http_reply_error(req, 405, "method not allowed: use GET");
    return 0;
}

/* district: NULL (all) or a code district_name() knows. Returns 0, or -1 after a 400. */
static int check_district(struct evhttp_request *req, const char *district) {
    if (!district || district_name(district)) return 0;
    char echo[PARAM_ECHO_MAX + 1];
    http_reply_error(req, 400,
                     "district: unknown district code \"%s\" (320703, 320706, 320707, 320722, 320723, 320724, or "
                     "320700 for city-level units)",
                     param_echo(district, echo, sizeof echo));
    return -1;
}

/* ---- the feed ------------------------------------------------------------ */

typedef struct feed_query {
    char *district;  /* NULL: every district */
    int category;    /* 0: every category */
    int atom;        /* 1: Atom, 0: JSON */
    char today[DATE_STRLEN];
} feed_query_t;

/* Does the Accept header ask for Atom? (No q-value ranking: naming it is enough.) */
static int accepts_atom(struct evhttp_request *req) {
    const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
    return accept && strcasestr(accept, ATOM_TYPE) != NULL;
}

/* Parse and check the query into q. Returns 0, or -1 after answering 400. */
static int feed_query(struct evhttp_request *req, feed_query_t *q) {
    char echo[PARAM_ECHO_MAX + 1];
    char *category = query_param(req, "category"), *format = query_param(req, "format");
    int rc = -1;
    q->district = query_param(req, "district");
    if (check_district(req, q->district) != 0) goto out;
    if (category) {
        if (strlen(category) != 1 || category[0] < '1' || category[0] > '7') {
            http_reply_error(req, 400, "category: must be a disability category 1-7, got \"%s\"",
                             param_echo(category, echo, sizeof echo));
            goto out;
        }
        q->category = category[0] - '0';
    }
    if (format && strcmp(format, "atom") != 0 && strcmp(format, "json") != 0) {
        http_reply_error(req, 400, "format: must be json or atom, got \"%s\"", param_echo(format, echo, sizeof echo));
        goto out;
    }
    q->atom = format ? strcmp(format, "atom") == 0 : accepts_atom(req);
    date_format(date_today(), q->today);
    rc = 0;
out:
    free(category);
    free(format);
    return rc;
}

static json_t *int_text(const char *s) { return json_integer(strtoll(s, NULL, 10)); }

static json_t *categories_json(const char *csv) {
    json_t *list = json_array();
    for (const char *c = csv; *c; c++)
        if (*c >= '1' && *c <= '7') json_array_append_new(list, json_integer(*c - '0'));
    return list;
}

static json_t *feed_json(const feed_query_t *q, PGresult *r, int shown, int truncated) {
    json_t *list = json_array();
    for (int i = 0; i < shown; i++) {
        const char *district = PQgetvalue(r, i, C_DISTRICT), *course = PQgetvalue(r, i, C_COURSE);
        const char *name = district_name(district);
        json_t *v = json_object();
        json_object_set_new(v, "source", json_string(PQgetvalue(r, i, C_SOURCE)));
        json_object_set_new(v, "vacancy_id", json_string(PQgetvalue(r, i, C_ID)));
        json_object_set_new(v, "employer_code", json_string(PQgetvalue(r, i, C_EMPLOYER)));
        json_object_set_new(v, "district", json_string(district));
        json_object_set_new(v, "district_name", name ? json_string(name) : json_null());
        json_object_set_new(v, "title", json_string(PQgetvalue(r, i, C_TITLE)));
        json_object_set_new(v, "positions", int_text(PQgetvalue(r, i, C_POSITIONS)));
        json_object_set_new(v, "categories", categories_json(PQgetvalue(r, i, C_CATEGORIES)));
        json_object_set_new(v, "max_severity", int_text(PQgetvalue(r, i, C_SEVERITY)));
        json_object_set_new(v, "course", course[0] ? json_string(course) : json_null());
        json_object_set_new(v, "monthly_wage_fen", int_text(PQgetvalue(r, i, C_WAGE)));
        json_object_set_new(v, "open_until", json_string(PQgetvalue(r, i, C_OPEN_UNTIL)));
        json_object_set_new(v, "posted_on", json_string(PQgetvalue(r, i, C_POSTED_ON)));
        json_array_append_new(list, v);
    }
    return json_pack("{s:s, s:o, s:o, s:i, s:b, s:o}", "open_on", q->today, "district",
                     q->district ? json_string(q->district) : json_null(), "category",
                     q->category ? json_integer(q->category) : json_null(), "count", shown, "truncated", truncated,
                     "vacancies", list);
}

/* Append s as XML character data (also safe inside a quoted attribute): the
 * five special characters as entities, and the characters XML 1.0 forbids
 * (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) dropped. s is UTF-8. */
static void xml_text(struct evbuffer *out, const char *s) {
    const unsigned char *run = (const unsigned char *)s, *c = run;
    for (; *c; c++) {
        const char *entity = NULL;
        size_t skip = 0;
        switch (*c) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&apos;"; break;
        default:
            if (*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') skip = 1;
            else if (c[0] == 0xEF && c[1] == 0xBF && (c[2] == 0xBE || c[2] == 0xBF)) skip = 3;
        }
        if (!entity && !skip) continue;
        evbuffer_add(out, run, (size_t)(c - run));
        if (entity) evbuffer_add(out, entity, strlen(entity));
        c += skip ? skip - 1 : 0;
        run = c + 1;
    }
    evbuffer_add(out, run, (size_t)(c - run));
}

/* <name>text</name> with text escaped. */
static void xml_element(struct evbuffer *out, const char *name, const char *text) {
    evbuffer_add_printf(out, "<%s>", name);
    xml_text(out, text);
    evbuffer_add_printf(out, "</%s>", name);
}

/* A tag URI (RFC 4151) TAG_PREFIX + what + "/" + each part percent-encoded
 * (only unreserved characters stay), so it is both a valid URI and XML-safe. */
static void tag_uri(struct evbuffer *out, const char *what, const char *a, const char *b) {
    evbuffer_add_printf(out, "%s%s", TAG_PREFIX, what);
    const char *parts[] = {a, b};
    for (size_t i = 0; i < 2 && parts[i]; i++) {
        char *enc = evhttp_uriencode(parts[i], -1, 0);
        if (!enc) abort();
        evbuffer_add_printf(out, "/%s", enc);
        free(enc);
    }
}

/* The entry's human-readable summary (Chinese, as the platform shows it). */
static void entry_summary(PGresult *r, int i, char *out, size_t outlen) {
    const char *name = district_name(PQgetvalue(r, i, C_DISTRICT)), *course = PQgetvalue(r, i, C_COURSE);
    char yuan[32], cats[64] = "";
    money_format_yuan(strtoll(PQgetvalue(r, i, C_WAGE), NULL, 10), yuan, sizeof yuan);
    size_t at = 0;
    for (const char *c = PQgetvalue(r, i, C_CATEGORIES); *c; c++)
        if (*c >= '1' && *c <= '7')
            at += (size_t)snprintf(cats + at, at < sizeof cats ? sizeof cats - at : 0, "%s%s", at ? "、" : "",
                                   category_label[*c - '0']);
    const char *severity = PQgetvalue(r, i, C_SEVERITY); /* the most severe grade accepted, up to 4 */
    int n = snprintf(out, outlen, "%s · 招 %s 人 · 月薪 %s 元 · 接受%s残疾（%s%s级）· 报名截止 %s",
                     name ? name : PQgetvalue(r, i, C_DISTRICT), PQgetvalue(r, i, C_POSITIONS), yuan, cats, severity,
                     strcmp(severity, "4") == 0 ? " " : "–4 ", PQgetvalue(r, i, C_OPEN_UNTIL));
    if (course[0] && n > 0 && (size_t)n < outlen)
        snprintf(out + n, outlen - (size_t)n, " · 优先：已完成%s培训", course_name(course));
}

static void feed_atom_entry(struct evbuffer *out, PGresult *r, int i) {
    const char *posted = PQgetvalue(r, i, C_POSTED_ON), *district = PQgetvalue(r, i, C_DISTRICT);
    const char *name = district_name(district), *course = PQgetvalue(r, i, C_COURSE);
    char summary[1024];
    evbuffer_add_printf(out, "<entry>\n<id>");
    tag_uri(out, "vacancy", PQgetvalue(r, i, C_SOURCE), PQgetvalue(r, i, C_ID));
    evbuffer_add_printf(out, "</id>\n");
    xml_element(out, "title", PQgetvalue(r, i, C_TITLE));
    /* Dates are Asia/Shanghai calendar days: midnight there, as RFC 3339 wants a time. */
    evbuffer_add_printf(out, "\n<updated>%sT00:00:00+08:00</updated>\n<published>%sT00:00:00+08:00</published>\n",
                        posted, posted);
    evbuffer_add_printf(out, "<author><name>");
    xml_text(out, PQgetvalue(r, i, C_EMPLOYER));
    evbuffer_add_printf(out, "</name></author>\n");
    for (const char *c = PQgetvalue(r, i, C_CATEGORIES); *c; c++)
        if (*c >= '1' && *c <= '7')
            evbuffer_add_printf(out, "<category scheme=\"%sdisability-category\" term=\"%c\" label=\"%s残疾\"/>\n",
                                TAG_PREFIX, *c, category_label[*c - '0']);
    entry_summary(r, i, summary, sizeof summary);
    evbuffer_add_printf(out, "<content type=\"text\">");
    xml_text(out, summary);
    evbuffer_add_printf(out, "</content>\n");
    /* The same fields as the JSON feed, machine-readable, in our namespace. */
    const struct {
        const char *element;
        int column;
    } fields[] = {
        {"jy:source", C_SOURCE},         {"jy:vacancy_id", C_ID},          {"jy:employer_code", C_EMPLOYER},
        {"jy:positions", C_POSITIONS},   {"jy:categories", C_CATEGORIES},  {"jy:max_severity", C_SEVERITY},
        {"jy:monthly_wage_fen", C_WAGE}, {"jy:open_until", C_OPEN_UNTIL}, {"jy:posted_on", C_POSTED_ON},
    };
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
        xml_element(out, fields[f].element, PQgetvalue(r, i, fields[f].column));
        evbuffer_add(out, "\n", 1);
    }
    evbuffer_add_printf(out, "<jy:district name=\"");
    xml_text(out, name ? name : "");
    evbuffer_add_printf(out, "\">");
    xml_text(out, district);
    evbuffer_add_printf(out, "</jy:district>\n");
    if (course[0]) {
        xml_element(out, "jy:course", course);
        evbuffer_add(out, "\n", 1);
    }
    evbuffer_add_printf(out, "</entry>\n");
}

/* The whole feed; its <updated> is the suite's today (the feed lists what is open on that day). */
static struct evbuffer *feed_atom(const feed_query_t *q, PGresult *r, int shown) {
    struct evbuffer *out = evbuffer_new();
    if (!out) abort();
    char category[4];
    snprintf(category, sizeof category, "%d", q->category);
    evbuffer_add_printf(out,
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:jy=\"%svacancy-fields\">\n<id>",
                        TAG_PREFIX);
    tag_uri(out, "vacancies", q->district ? q->district : "city", q->category ? category : NULL);
    evbuffer_add_printf(out, "</id>\n<title>连云港市残疾人就业岗位");
    if (q->district) {
        evbuffer_add_printf(out, "（");
        xml_text(out, district_name(q->district));
        evbuffer_add_printf(out, "）");
    }
    if (q->category) evbuffer_add_printf(out, " · 接受%s残疾", category_label[q->category]);
    evbuffer_add_printf(out,
                        "</title>\n<subtitle>人岗适配：%s 在招岗位（连云港市促进残疾人就业三年行动方案 二(三)10）"
                        "</subtitle>\n<updated>%sT00:00:00+08:00</updated>\n"
                        "<author><name>jiuye 就业</name></author>\n<generator>jiuye</generator>\n",
                        q->today, q->today);
    for (int i = 0; i < shown; i++) feed_atom_entry(out, r, i);
    evbuffer_add_printf(out, "</feed>\n");
    return out;
}

void http_vacancies(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who; /* public: no personal data */
    PGconn *pg = ((svc_t *)arg)->pg;
    feed_query_t q = {0};
    if (!method_ok(req) || feed_query(req, &q) != 0) goto out;
    char category[4], limit[16];
    snprintf(category, sizeof category, "%d", q.category);
    snprintf(limit, sizeof limit, "%d", VACANCY_FEED_MAX + 1);
    const char *p[] = {q.today, q.district, q.category ? category : NULL, limit};
    PGresult *r = pg_exec(pg, FEED_SQL, 4, p);
    if (!r) {
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    int rows = PQntuples(r), shown = rows > VACANCY_FEED_MAX ? VACANCY_FEED_MAX : rows;
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Vary", "Accept");
    evhttp_add_header(headers, "Cache-Control", "public, max-age=300");
    if (q.atom) {
        struct evbuffer *body = feed_atom(&q, r, shown);
        evhttp_add_header(headers, "Content-Type", ATOM_TYPE "; charset=utf-8");
        evhttp_send_reply(req, 200, "OK", body);
        evbuffer_free(body);
    } else {
        http_reply_json(req, 200, feed_json(&q, r, shown, rows > shown));
    }
    PQclear(r);
out:
    free(q.district);
}

/* ---- the KPI ------------------------------------------------------------- */

/* $1 year, $2 district or NULL, $3 window in days. Six counts: vacancies,
 * positions and positions filled after a match, each for the year and up to it.
 *   fill:   per (vacancy, person shortlisted for it): the first job at its
 *           employer starting within the window after the first match;
 *   job:    one job fills one vacancy, the one the person was matched to first;
 *   placed: numbered per vacancy by start, so at most `positions` count. */
static const char KPI_SQL[] =
    "WITH fill AS (SELECT DISTINCT ON (m.source, m.vacancy_id, m.cert_no) m.source, m.vacancy_id, m.cert_no, "
    "  m.matched_on, v.employer_code, v.posted_on, e.started_on FROM rules.vacancy_matches m "
    "  JOIN rules.vacancies v ON v.source = m.source AND v.vacancy_id = m.vacancy_id "
    "  JOIN rules.employment e ON e.cert_no = m.cert_no AND e.employer_code = v.employer_code "
    "   AND e.started_on BETWEEN m.matched_on AND m.matched_on + $3::int "
    "  ORDER BY m.source, m.vacancy_id, m.cert_no, e.started_on), "
    "job AS (SELECT DISTINCT ON (cert_no, employer_code, started_on) source, vacancy_id, cert_no, started_on "
    "  FROM fill ORDER BY cert_no, employer_code, started_on, matched_on, posted_on, source, vacancy_id), "
    "placed AS (SELECT j.started_on, v.district, v.positions, row_number() OVER (PARTITION BY j.source, j.vacancy_id "
    "  ORDER BY j.started_on, j.cert_no) AS nth FROM job j "
    "  JOIN rules.vacancies v ON v.source = j.source AND v.vacancy_id = j.vacancy_id), "
    "vac AS (SELECT extract(year FROM posted_on)::int AS y, positions FROM rules.vacancies "
    "  WHERE $2::text IS NULL OR district = $2), "
    "hired AS (SELECT extract(year FROM started_on)::int AS y FROM placed WHERE nth <= positions "
    "  AND ($2::text IS NULL OR district = $2)) "
    "SELECT (SELECT count(*) FROM vac WHERE y = $1::int), (SELECT count(*) FROM vac WHERE y <= $1::int), "
    "(SELECT coalesce(sum(positions), 0) FROM vac WHERE y = $1::int), "
    "(SELECT coalesce(sum(positions), 0) FROM vac WHERE y <= $1::int), "
    "(SELECT count(*) FROM hired WHERE y = $1::int), (SELECT count(*) FROM hired WHERE y <= $1::int)";

/* The figures of KPI_SQL, in its column order (actual, cumulative); ids and
 * titles as subsidy's /v1/kpi names the same targets. */
static const struct {
    const char *id, *title, *unit, *source;
} kpi_targets[] = {
    {"vacancies_published", "收集发布岗位信息", "vacancies", "vacancy.posted events, by posted_on"},
    {"positions_published", "收集发布岗位数", "positions", "positions of the vacancies posted, by posted_on"},
    {"positions_filled_after_match", "人岗匹配后实现就业", "positions",
     "employment.started at the vacancy's employer within " XSTR(VACANCY_MATCH_WINDOW_DAYS) " days after the person's first R17 shortlisting "
     "for it, by start date; a person once per vacancy, a job for one vacancy, at most the vacancy's positions"},
};

void http_vacancies_kpi(struct evhttp_request *req, const access_who_t *who, void *arg) {
    (void)who; /* public: counts, no personal data */
    PGconn *pg = ((svc_t *)arg)->pg;
    char *year = query_param(req, "year"), *district = query_param(req, "district");
    if (!method_ok(req)) goto out;
    long y = year && strlen(year) == 4 && strspn(year, "0123456789") == 4 ? strtol(year, NULL, 10) : 0;
    if (y < 2000 || y > 2100) {
        http_reply_error(req, 400, "year: required, a year 2000-2100");
        goto out;
    }
    if (check_district(req, district) != 0) goto out;
    char window[16];
    snprintf(window, sizeof window, "%d", VACANCY_MATCH_WINDOW_DAYS);
    const char *p[] = {year, district, window};
    PGresult *r = pg_exec(pg, KPI_SQL, 3, p);
    if (!r || PQntuples(r) != 1) {
        if (r) PQclear(r);
        http_reply_error(req, 503, "database unavailable");
        goto out;
    }
    json_t *targets = json_array();
    for (size_t i = 0; i < sizeof kpi_targets / sizeof *kpi_targets; i++)
        json_array_append_new(targets,
                              json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id", kpi_targets[i].id, "title",
                                        kpi_targets[i].title, "clause", "二(三)10", "unit", kpi_targets[i].unit,
                                        "actual", int_text(PQgetvalue(r, 0, (int)(2 * i))), "cumulative",
                                        int_text(PQgetvalue(r, 0, (int)(2 * i + 1))), "source",
                                        kpi_targets[i].source));
    PQclear(r);
    http_reply_json(req, 200,
                    json_pack("{s:i, s:o, s:s, s:i, s:o}", "year", (int)y, "district",
                              district ? json_string(district) : json_null(), "district_name",
                              district ? district_name(district) : "连云港市", "match_window_days",
                              VACANCY_MATCH_WINDOW_DAYS, "targets", targets));
out:
    free(year);
    free(district);
}
