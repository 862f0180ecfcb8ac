/* match_bench.c: R17 VACANCY_MATCH at the city's scale (matching must stay
 * fast with 50 000 registered persons and 2 000 open vacancies).
 *
 * What it measures, and why this way: the time jiuye-rules spends deciding
 * one new vacancy.posted and one new person.registered, in the service's own
 * code path, rules_apply() from librules (state update, then every rule the
 * event triggers: R17's ranked shortlists and the rows of
 * rules.vacancy_matches; for a registration also R13/R15 and the pending
 * release), against a database holding the full population. Calling it
 * in-process, each time in a transaction that is rolled back, keeps every
 * repetition on the same data and leaves out what does not grow with the
 * population (ZeroMQ hops, the outbox, subsidy and notify), which the
 * pipeline benchmark (jiuye_bench, `make bench`) already covers. The
 * connection is the superuser's (the loader needs it), over TCP to 127.0.0.1
 * like the services'.
 *
 *   1. refuses a database whose rules.persons holds rows of another source
 *      (so it cannot wipe a real one), then deletes its own earlier rows;
 *   2. COPYs into rules.persons BENCH_PERSONS persons (valid cert_no, the six
 *      districts, categories 1-7, grades 1-4, ages about 21-59, 60 %
 *      unemployed, 70 % wanting a job, 10 % hard to employ), BENCH_TRAININGS
 *      completed trainings and BENCH_VACANCIES vacancies open until
 *      2025-12-31 (1-3 categories, a most severe grade, half naming a course);
 *      ANALYZE;
 *   3. decides REPS new vacancies (each district, rotating categories) and
 *      REPS new persons, each in BEGIN ... ROLLBACK, and prints min / median
 *      / p95 / max in ms, with the shortlist sizes as a sanity check; a last
 *      "wide" vacancy accepts every category and grade (the largest candidate set).
 *
 * Output: human lines and one "SUMMARY ..." line. Exit status 0, or 1 on any error.
 * Env: JIUYE_MATCH_BENCH_DB (superuser conninfo; default host=127.0.0.1 port=55498
 * dbname=jiuye user=postgres), JIUYE_POLICY_DIR (ops/policy), JIUYE_TODAY (set to
 * 2025-06-30 when unset). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "event_rows.h"
#include "events.pb-c.h"
#include "log.h"
#include "policy.h"
#include "rules.h"

#define BENCH_PERSONS 50000
#define BENCH_TRAININGS 20000
#define BENCH_VACANCIES 2000
#define REPS 21
#define SOURCE "match-bench"
#define COPY_CHUNK 65536

static const char *const districts[] = {"320703", "320706", "320707", "320722", "320723", "320724"};
static const char *const courses[] = {"vocational", "entrepreneurship", "blind_massage",
                                      "new_media",  "ecommerce",        "heritage_craft"};
#define N_DISTRICTS (sizeof districts / sizeof *districts)
#define N_COURSES (sizeof courses / sizeof *courses)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) { /* xorshift64*, deterministic */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static jdate_t day(const char *s) {
    jdate_t d = 0;
    if (date_parse(s, &d) != 0) abort();
    return d;
}

/* A valid cert_no for person i: district, a birth date, a sequence, the GB 11643 check character,
 * category and grade. (i % 14000, i / 14000) is unique per i, hence the ID. */
static void cert_no(int i, const char *district, int category, int grade, char out[21]) {
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    char birth[DATE_STRLEN], id[18];
    date_format(day("1966-01-01") + i % 14000, birth);
    snprintf(id, sizeof id, "%s%.4s%.2s%.2s%03d", district, birth, birth + 5, birth + 8, i / 14000);
    int sum = 0;
    for (int k = 0; k < 17; k++) sum += (id[k] - '0') * w[k];
    snprintf(out, 21, "%s%c%c%c", id, "10X98765432"[sum % 11], (char)('0' + category), (char)('0' + grade));
}

static int cmd(PGconn *pg, const char *sql) {
    PGresult *r = PQexec(pg, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) fprintf(stderr, "match_bench: %s: %s", sql, PQerrorMessage(pg));
    PQclear(r);
    return ok ? 0 : -1;
}

/* COPY rows produced by row(i, buf) for i in [0, n). Returns 0 or -1. */
static int copy_rows(PGconn *pg, const char *copy_sql, int n, int (*row)(int i, char *buf, size_t len)) {
    PGresult *r = PQexec(pg, copy_sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "match_bench: %s: %s", copy_sql, PQerrorMessage(pg));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    char *chunk = malloc(COPY_CHUNK);
    if (!chunk) abort();
    size_t at = 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char line[512];
        int len = row(i, line, sizeof line);
        if (at + (size_t)len > COPY_CHUNK) {
            if (PQputCopyData(pg, chunk, (int)at) != 1) rc = -1;
            at = 0;
        }
        memcpy(chunk + at, line, (size_t)len);
        at += (size_t)len;
    }
    if (rc == 0 && at > 0 && PQputCopyData(pg, chunk, (int)at) != 1) rc = -1;
    free(chunk);
    if (PQputCopyEnd(pg, rc == 0 ? NULL : "aborted") != 1) rc = -1;
    while ((r = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "match_bench: %s: %s", copy_sql, PQerrorMessage(pg));
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

/* Person i's fixed traits, drawn once so that trainings can refer to persons. */
typedef struct person {
    char cert_no[21];
    int district;
} person_t;
static person_t *persons;

static int person_row(int i, char *buf, size_t len) {
    static const int category_weights[7] = {15, 20, 5, 35, 10, 10, 5}; /* roughly the national mix */
    int c = (int)rnd(100), category = 1;
    while (category < 7 && c >= category_weights[category - 1]) c -= category_weights[category++ - 1];
    persons[i].district = (int)rnd(N_DISTRICTS);
    cert_no(i, districts[persons[i].district], category, 1 + (int)rnd(4), persons[i].cert_no);
    char registered[DATE_STRLEN];
    date_format(day("2023-01-01") + (jdate_t)rnd(900), registered);
    return snprintf(buf, len, "%s\t%s\t%s\t测试\t%s\t%s\tf\t%s\t" SOURCE "\tp-%d\n", persons[i].cert_no,
                    districts[persons[i].district], registered, rnd(10) < 6 ? "unemployed" : "employed",
                    rnd(10) < 7 ? "t" : "f", rnd(10) < 1 ? "t" : "f", i);
}

static int training_row(int i, char *buf, size_t len) {
    char on[DATE_STRLEN];
    date_format(day("2023-03-01") + (jdate_t)rnd(800), on);
    return snprintf(buf, len, "%s\t%s\t%s\t" SOURCE "\tt-%d\n", persons[rnd(BENCH_PERSONS)].cert_no,
                    courses[rnd(N_COURSES)], on, i);
}

static int vacancy_row(int i, char *buf, size_t len) {
    char cats[16], posted[DATE_STRLEN];
    int n = 1 + (int)rnd(3), at = 0, first = 1 + (int)rnd(7);
    cats[at++] = '{';
    for (int k = 0; k < n; k++) at += snprintf(cats + at, sizeof cats - (size_t)at, "%s%d", k ? "," : "", 1 + (first + k * 2) % 7);
    snprintf(cats + at, sizeof cats - (size_t)at, "}");
    date_format(day("2025-01-01") + (jdate_t)rnd(180), posted);
    return snprintf(buf, len, SOURCE "\tv-%d\t91320700MA%08d\t%s\t岗位 %d\t%d\t%s\t%d\t%s\t%d\t%s\t2025-12-31\n", i, i,
                    districts[rnd(N_DISTRICTS)], i, 1 + (int)rnd(5), cats, 1 + (int)rnd(4),
                    rnd(2) ? courses[rnd(N_COURSES)] : "", 250000 + (int)rnd(300000), posted);
}

static int load(PGconn *pg) {
    PGresult *r = PQexec(pg, "SELECT count(*) FROM rules.persons WHERE source <> '" SOURCE "'");
    int foreign = PQresultStatus(r) == PGRES_TUPLES_OK ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    if (foreign != 0) {
        fprintf(stderr, "match_bench: rules.persons holds %d rows of other sources (or is missing): give a "
                        "scratch database (make bench-match starts one)\n", foreign);
        return -1;
    }
    double t0 = now_ms();
    if (cmd(pg, "DELETE FROM rules.vacancy_matches WHERE source = '" SOURCE "'") != 0 ||
        cmd(pg, "DELETE FROM rules.vacancies WHERE source = '" SOURCE "'") != 0 ||
        cmd(pg, "DELETE FROM rules.trainings WHERE source = '" SOURCE "'") != 0 ||
        cmd(pg, "DELETE FROM rules.persons WHERE source = '" SOURCE "'") != 0)
        return -1;
    if (copy_rows(pg, "COPY rules.persons (cert_no, district, registered_on, name, employment_status, wants_job, "
                      "low_income, hard_to_employ, source, event_id) FROM STDIN", BENCH_PERSONS, person_row) != 0 ||
        copy_rows(pg, "COPY rules.trainings (cert_no, course, completed_on, source, event_id) FROM STDIN",
                  BENCH_TRAININGS, training_row) != 0 ||
        copy_rows(pg, "COPY rules.vacancies (source, vacancy_id, employer_code, district, title, positions, "
                      "categories, max_severity, course, monthly_wage_fen, posted_on, open_until) FROM STDIN",
                  BENCH_VACANCIES, vacancy_row) != 0 ||
        cmd(pg, "ANALYZE rules.persons, rules.trainings, rules.vacancies, rules.vacancy_matches") != 0)
        return -1;
    r = PQexec(pg, "SELECT (SELECT count(*) FROM rules.persons), (SELECT count(*) FROM rules.persons "
                   "WHERE employment_status = 'unemployed' AND wants_job), (SELECT count(*) FROM rules.trainings), "
                   "(SELECT count(*) FROM rules.vacancies WHERE closed_on IS NULL AND open_until >= '2025-06-30')");
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        printf("loaded in %.0f ms: %s persons (%s unemployed and wanting a job), %s trainings, %s open vacancies\n",
               now_ms() - t0, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
    PQclear(r);
    return 0;
}

/* The R17 decision's fact name, or "-". */
static const char *r17_fact(const decision_list_t *l, const char *name) {
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i]->rule, "R17") == 0)
            for (size_t f = 0; f < l->items[i]->n_facts; f++)
                if (strcmp(l->items[i]->facts[f]->name, name) == 0) return l->items[i]->facts[f]->value;
    return "-";
}

/* Decide ev in a rolled-back transaction t (with rules' event rows joined, as
 * its consumer's: kept, never written); its time in ms, or -1. note gets a fact to show. */
static double decide(txn_t *t, const policy_set_t *plans, const Jiuye__Event *ev, const char *fact, char *note,
                     size_t notelen) {
    PGconn *pg = txn_pg(t);
    decision_list_t out = {0};
    if (cmd(pg, "BEGIN") != 0) return -1;
    double t0 = now_ms();
    int rc = rules_apply(t, plans, ev, &out);
    double ms = now_ms() - t0;
    snprintf(note, notelen, "%s", rc == 0 ? r17_fact(&out, fact) : "error");
    decision_list_clear(&out);
    txn_discard(t, 1); /* what rules' consumer would have written before COMMIT */
    int rolled_back = cmd(pg, "ROLLBACK") == 0;
    txn_end(t);
    if (!rolled_back || rc != 0) return -1;
    return ms;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats(const char *what, double *ms, int n, const char *notes, char *summary, size_t len) {
    qsort(ms, (size_t)n, sizeof *ms, by_value);
    double p95 = ms[(int)(0.95 * (n - 1) + 0.5)];
    printf("%-34s n=%d  min %.2f  median %.2f  p95 %.2f  max %.2f ms   (%s)\n", what, n, ms[0], ms[n / 2], p95,
           ms[n - 1], notes);
    size_t at = strlen(summary);
    snprintf(summary + at, len - at, " %s_median_ms=%.2f %s_p95_ms=%.2f", what, ms[n / 2], what, p95);
}

int main(void) {
    log_init("match_bench");
    if (!getenv("JIUYE_TODAY")) setenv("JIUYE_TODAY", "2025-06-30", 1);
    const char *conninfo = getenv("JIUYE_MATCH_BENCH_DB");
    if (!conninfo) conninfo = "host=127.0.0.1 port=55498 dbname=jiuye user=postgres";
    const char *policy_dir = getenv("JIUYE_POLICY_DIR");
    if (!policy_dir) policy_dir = "ops/policy";
    policy_set_t plans = {0};
    char err[512];
    if (policy_set_load_dir(&plans, policy_dir, err, sizeof err) != 0) {
        fprintf(stderr, "match_bench: %s\n", err);
        return 1;
    }
    PGconn *pg = PQconnectdb(conninfo);
    pg_rows_kept_t *events = event_rows_new();
    persons = calloc(BENCH_PERSONS, sizeof *persons);
    int rc = 1;
    if (!persons) abort();
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "match_bench: %s", PQerrorMessage(pg));
        goto out;
    }
    if (load(pg) != 0) goto out;
    txn_t txn;
    txn_init(&txn, pg);
    txn_join(&txn, &event_rows_part, events);

    char summary[512] = "SUMMARY", notes[REPS * 8 + 16] = "", note[32];
    double ms[REPS];
    /* New vacancies: each district in turn, categories rotating, a course on every other one. */
    for (int i = 0; i < REPS; i++) {
        char id[32], until[] = "2025-12-31";
        int32_t cats[2] = {1 + i % 7, 1 + (i + 3) % 7};
        snprintf(id, sizeof id, "new-v-%d", i);
        Jiuye__VacancyPosted vp = JIUYE__VACANCY_POSTED__INIT;
        vp.vacancy_id = id;
        vp.employer_code = "91320706MA00000000";
        vp.title = "新岗位";
        vp.positions = 2;
        vp.n_categories = 2;
        vp.categories = cats;
        vp.max_severity = 2;
        vp.course = i % 2 ? "ecommerce" : "";
        vp.monthly_wage_fen = 300000;
        vp.open_until = until;
        Jiuye__Event ev = JIUYE__EVENT__INIT;
        ev.event_id = id;
        ev.type = "vacancy.posted";
        ev.occurred_on = "2025-06-30";
        ev.district = (char *)districts[i % N_DISTRICTS];
        ev.source = SOURCE;
        ev.payload_case = JIUYE__EVENT__PAYLOAD_VACANCY_POSTED;
        ev.vacancy_posted = &vp;
        if ((ms[i] = decide(&txn, &plans, &ev, "shortlist_size", note, sizeof note)) < 0) goto out;
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s%s", i ? "," : "shortlists ", note);
    }
    stats("new_vacancy", ms, REPS, notes, summary, sizeof summary);

    /* The widest vacancy: every category, every grade, a course. */
    {
        int32_t all[7] = {1, 2, 3, 4, 5, 6, 7};
        Jiuye__VacancyPosted vp = JIUYE__VACANCY_POSTED__INIT;
        vp.vacancy_id = "new-v-wide";
        vp.employer_code = "91320706MA00000000";
        vp.title = "新岗位";
        vp.positions = 2;
        vp.n_categories = 7;
        vp.categories = all;
        vp.max_severity = 1;
        vp.course = "vocational";
        vp.monthly_wage_fen = 300000;
        vp.open_until = "2025-12-31";
        Jiuye__Event ev = JIUYE__EVENT__INIT;
        ev.event_id = "new-v-wide";
        ev.type = "vacancy.posted";
        ev.occurred_on = "2025-06-30";
        ev.district = "320706";
        ev.source = SOURCE;
        ev.payload_case = JIUYE__EVENT__PAYLOAD_VACANCY_POSTED;
        ev.vacancy_posted = &vp;
        for (int i = 0; i < REPS; i++)
            if ((ms[i] = decide(&txn, &plans, &ev, "shortlist_size", note, sizeof note)) < 0) goto out;
        snprintf(notes, sizeof notes, "shortlist %s", note);
        stats("new_vacancy_wide", ms, REPS, notes, summary, sizeof summary);
    }

    /* New persons: unemployed, wanting a job, of working age, each district in turn. */
    notes[0] = '\0';
    for (int i = 0; i < REPS; i++) {
        char cert[21], id[32];
        cert_no(BENCH_PERSONS + i, districts[i % N_DISTRICTS], 1 + i % 7, 2 + i % 3, cert);
        snprintf(id, sizeof id, "new-p-%d", i);
        Jiuye__PersonRegistered pr = JIUYE__PERSON_REGISTERED__INIT;
        pr.cert_no = cert;
        pr.name = "测试";
        pr.employment_status = "unemployed";
        pr.wants_job = 1;
        Jiuye__Event ev = JIUYE__EVENT__INIT;
        ev.event_id = id;
        ev.type = "person.registered";
        ev.occurred_on = "2025-06-30";
        ev.district = (char *)districts[i % N_DISTRICTS];
        ev.source = SOURCE;
        ev.payload_case = JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED;
        ev.person_registered = &pr;
        if ((ms[i] = decide(&txn, &plans, &ev, "vacancies_matched", note, sizeof note)) < 0) goto out;
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s%s", i ? "," : "vacancies matched ", note);
    }
    stats("new_person", ms, REPS, notes, summary, sizeof summary);
    printf("%s persons=%d vacancies=%d\n", summary, BENCH_PERSONS, BENCH_VACANCIES);
    rc = 0;
out:
    PQfinish(pg);
    pg_rows_kept_destroy(&events);
    free(persons);
    policy_set_clear(&plans);
    return rc;
}
