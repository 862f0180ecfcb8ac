/* jiuye_bench.c: load generator and end-to-end meter for the four services
 * (docs/performance.md).
 *
 * One invocation runs one scenario against a running suite:
 *
 *   1. registers a source of its own (intake.sources, through sources_add as the
 *      PostgreSQL superuser), so that everything it later counts is its own;
 *   2. generates valid events of a mixed stream (below), every identity computed here
 *      with its check character and checked by the suite's own validators;
 *   3. publishes them over ZeroMQ (DEALER -> intake's ROUTER, EventBatch -> IngestReply)
 *      or HTTP (POST /v1/events, a JSON array per request), as fast as possible or at
 *      --rate events/s, and keeps each batch's acknowledgement time (intake answers
 *      after its commit); with --intake-alone, rules, subsidy and notify are stopped
 *      (SIGSTOP) until the last acknowledgement, so that the rate is intake's own;
 *   4. waits until the pipeline has processed every accepted event: rules consumed it
 *      and the rules and subsidy outboxes hold nothing of this source any more (an
 *      outbox row is deleted only on an Ack, sent after the consumer's commit);
 *   5. reads, as superuser and read-only, the commit time of each notification
 *      (pg_xact_commit_timestamp when track_commit_timestamp is on, else created_at,
 *      which is now() at the start of notify's transaction) and computes
 *        throughput  = events processed / (last commit in rules or notify - first ack)
 *        latency     = notification commit - acknowledgement of its event,
 *      p50/p99/max over the training.completed events (R01 award notifications) and
 *      over every event that made a notification;
 *   6. with --ceiling, writes the same number of rows, shaped like intake.events, into a
 *      scratch table by a plain multi-row INSERT of 1 000 rows per transaction
 *      (synchronous_commit on), prints that rate and the ratio, and the rows the pipeline
 *      wrote per event (pg_stat_user_tables, the four schemas); then the ceiling as the
 *      issue defines it, the same rows as the pipeline wrote, each table's written into a
 *      copy of it by COPY of 1 000 rows per transaction (same_rows.h), as events/s and the
 *      ratio to it;
 *   7. prints peak (VmHWM) and current (VmRSS) memory of each service whose pid is in
 *      JIUYE_BENCH_PIDS ("intake=123 rules=456 ..."), sampled every second while it runs.
 *
 * The mixed stream, in cycles of 21 events: ten persons, each a person.registered (no
 * decision: employed, not hard to employ) followed by one of training.completed (R01),
 * employment.started on a public-welfare post through an agency (R04, R08's timer),
 * graduate.registered (R05) and business.started (R07, R07-loan); then one
 * employer.annual_report listing two of those persons (R09). Dates are in 2024; run the
 * services with JIUYE_TODAY=2024-12-31 so that no timer falls due during the run.
 *
 * Output: human lines, then one line "SUMMARY key=value ..." that tests/bench/run.sh
 * tabulates. Exit status 0 when every event was accepted and processed, 1 otherwise.
 *
 * Env: JIUYE_BENCH_DB (superuser conninfo; default host=127.0.0.1 port=25499
 * dbname=jiuye user=postgres), INTAKE_ZMQ, INTAKE_HTTP_PORT, JIUYE_BENCH_PIDS, JIUYE_TODAY. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "date.h"
#include "event_codec.h"
#include "ident.h"
#include "ingest.pb-c.h"
#include "same_rows.h"
#include "sources.h"
#include "token.h"

#define CYCLE 21                 /* events per cycle of the mixed stream */
#define PERSONS_PER_CYCLE 10
#define ID_BLOCK 8000000LL       /* persons reserved per scenario (bench_scratch.blocks) */
#define CEILING_ROWS 1000        /* rows per INSERT (and per transaction) of the ceiling */
#define STALL_S 120              /* no progress for this long while draining: give up */
#define MAX_SERVICES 8

/* ------------------------------------------------------------------ small helpers */

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "jiuye_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

/* A growable byte buffer. */
typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

/* ------------------------------------------------------------------ identities */

static const char *const DISTRICTS[] = {"320703", "320706", "320707", "320722", "320723", "320724"};

/* GB 11643 check character over 17 digits, then category and grade. */
static void make_cert_no(const char *base17, int category, int grade, char out[CERT_NO_LEN + 1]) {
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (base17[i] - '0') * w[i];
    memcpy(out, base17, 17);
    out[17] = checks[sum % 11];
    out[18] = (char)('0' + category);
    out[19] = (char)('0' + grade);
    out[20] = '\0';
}

/* GB 32100 unified social credit code: 17 characters and the mod-31 check character. */
static void make_credit_code(const char *base17, char out[CREDIT_CODE_LEN + 1]) {
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (int)(strchr(alphabet, base17[i]) - alphabet) * w[i];
    memcpy(out, base17, 17);
    out[17] = alphabet[(31 - sum % 31) % 31];
    out[18] = '\0';
}

/* Person p (global index): district p % 6, born 1975-01-01 + (p / 6000) days (always of
 * working age in 2024), sequence (p / 6) % 1000. Distinct for the first 60 million. */
static const char *person(long long p, char cert[CERT_NO_LEN + 1]) {
    int d = (int)(p % 6);
    long long q = p / 6;
    jdate_t birth;
    if (date_from_ymd(1975, 1, 1, &birth) != 0) die("date_from_ymd");
    birth += (jdate_t)((q / 1000) % 10000);
    int y, m, day;
    date_to_ymd(birth, &y, &m, &day);
    char base[18];
    snprintf(base, sizeof base, "%s%04d%02d%02d%03d", DISTRICTS[d], y, m, day, (int)(q % 1000));
    make_cert_no(base, 4, 1 + (int)(p % 4), cert);
    return DISTRICTS[d];
}

/* A credit code of kind letter k (P provider, E employer, A agency, B business, R reporting
 * employer) and number n. */
static void org(char k, long long n, char out[CREDIT_CODE_LEN + 1]) {
    char base[18] = "91320706";
    base[8] = k;
    unsigned long long v = (unsigned long long)n % 100000000ULL;
    for (int i = 16; i >= 9; i--, v /= 10) base[i] = (char)('0' + v % 10);
    base[17] = '\0';
    make_credit_code(base, out);
}

/* ------------------------------------------------------------------ the mixed stream */

typedef enum { K_REGISTER, K_TRAINING, K_EMPLOYMENT, K_GRADUATE, K_BUSINESS, K_REPORT, K_KINDS } kind_t;
static const char *const KIND_NAMES[K_KINDS] = {"person.registered",   "training.completed", "employment.started",
                                                "graduate.registered", "business.started",   "employer.annual_report"};

static kind_t event_kind(long long e) {
    long long r = e % CYCLE;
    if (r == CYCLE - 1) return K_REPORT;
    if (r % 2 == 0) return K_REGISTER;
    long long p = (e / CYCLE) * PERSONS_PER_CYCLE + r / 2;
    return (kind_t)(K_TRAINING + p % 4);
}

/* The JSON text of event e of the stream (persons numbered from pbase). Returns its length. */
static int event_json(long long e, long long pbase, char *out, size_t len) {
    long long c = e / CYCLE, r = e % CYCLE;
    char cert[CERT_NO_LEN + 1], cert2[CERT_NO_LEN + 1], code[CREDIT_CODE_LEN + 1], code2[CREDIT_CODE_LEN + 1];
    kind_t k = event_kind(e);
    if (k == K_REPORT) {
        long long p = pbase + c * PERSONS_PER_CYCLE;
        person(p, cert);
        person(p + 1, cert2);
        org('R', pbase / 10 + c, code);
        return snprintf(out, len,
                        "{\"event_id\":\"e%lld\",\"type\":\"employer.annual_report\",\"occurred_on\":\"2024-03-15\","
                        "\"district\":\"320706\",\"payload\":{\"employer_code\":\"%s\",\"employer_kind\":\"private\","
                        "\"year\":2023,\"staff_count\":100,\"avg_wage_fen\":900000,\"levy_paid\":true,"
                        "\"disabled_staff\":[{\"cert_no\":\"%s\",\"contract_months\":24,\"monthly_wage_fen\":300000,"
                        "\"social_insurance\":true},{\"cert_no\":\"%s\",\"contract_months\":12,"
                        "\"monthly_wage_fen\":250000,\"social_insurance\":true}]}}",
                        e, code, cert, cert2);
    }
    long long p = pbase + c * PERSONS_PER_CYCLE + r / 2;
    const char *district = person(p, cert);
    switch (k) {
    case K_REGISTER:
        return snprintf(out, len,
                        "{\"event_id\":\"e%lld\",\"type\":\"person.registered\",\"occurred_on\":\"2024-01-02\","
                        "\"district\":\"%s\",\"payload\":{\"cert_no\":\"%s\",\"name\":\"测试\","
                        "\"employment_status\":\"employed\",\"wants_job\":false,\"low_income\":false,"
                        "\"hard_to_employ\":false}}",
                        e, district, cert);
    case K_TRAINING:
        org('P', 1, code);
        return snprintf(out, len,
                        "{\"event_id\":\"e%lld\",\"type\":\"training.completed\",\"occurred_on\":\"2024-05-10\","
                        "\"district\":\"%s\",\"payload\":{\"cert_no\":\"%s\",\"provider_code\":\"%s\","
                        "\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}}",
                        e, district, cert, code);
    case K_EMPLOYMENT:
        org('E', p, code);
        org('A', p % 50, code2);
        return snprintf(out, len,
                        "{\"event_id\":\"e%lld\",\"type\":\"employment.started\",\"occurred_on\":\"2024-06-01\","
                        "\"district\":\"%s\",\"payload\":{\"cert_no\":\"%s\",\"employer_code\":\"%s\","
                        "\"channel\":\"public_welfare_post\",\"contract_months\":12,\"monthly_wage_fen\":230000,"
                        "\"social_insurance\":true,\"agency_code\":\"%s\"}}",
                        e, district, cert, code, code2);
    case K_GRADUATE:
        return snprintf(out, len,
                        "{\"event_id\":\"e%lld\",\"type\":\"graduate.registered\",\"occurred_on\":\"2024-06-20\","
                        "\"district\":\"%s\",\"payload\":{\"cert_no\":\"%s\",\"school\":\"连云港职业技术学院\","
                        "\"graduation_year\":2024,\"wants_job\":false}}",
                        e, district, cert);
    case K_BUSINESS:
        org('B', p, code);
        return snprintf(out, len,
                        "{\"event_id\":\"e%lld\",\"type\":\"business.started\",\"occurred_on\":\"2024-07-01\","
                        "\"district\":\"%s\",\"payload\":{\"cert_no\":\"%s\",\"business_code\":\"%s\","
                        "\"kind\":\"individual\"}}",
                        e, district, cert, code);
    default:
        die("unreachable event kind");
    }
}

/* Parse and validate event e with intake's own codec. Returns the protobuf event. */
static Jiuye__Event *event_proto(const char *json, jdate_t today) {
    json_error_t jerr;
    json_t *obj = json_loads(json, 0, &jerr);
    if (!obj) die("generated JSON does not parse: %s: %s", jerr.text, json);
    char err[256];
    Jiuye__Event *ev = event_from_json(obj, today, err, sizeof err);
    json_decref(obj);
    if (!ev) die("generated event is not valid (%s): %s (JIUYE_TODAY must be 2024-12-31 or later)", err, json);
    return ev;
}

/* ------------------------------------------------------------------ batches */

typedef struct {
    long long first; /* index of its first event */
    int n;
    char *body;      /* packed EventBatch or JSON array */
    size_t len;
    int64_t sent_us, ack_us;
    int accepted, duplicate, rejected;
} batch_t;

typedef struct {
    int zmq; /* else HTTP */
    const char *token;
    long long pbase;
    jdate_t today;
    int batch;
    int validate; /* validate HTTP bodies through the codec too */
} gen_t;

static void make_batch(const gen_t *g, batch_t *b, long long first, int n) {
    memset(b, 0, sizeof *b);
    b->first = first;
    b->n = n;
    char ev[4096];
    if (g->zmq) {
        Jiuye__Event **evs = xmalloc((size_t)n * sizeof *evs);
        for (int i = 0; i < n; i++) {
            int len = event_json(first + i, g->pbase, ev, sizeof ev);
            if (len < 0 || (size_t)len >= sizeof ev) die("event too long");
            evs[i] = event_proto(ev, g->today);
        }
        Jiuye__EventBatch eb = JIUYE__EVENT_BATCH__INIT;
        eb.token = (char *)g->token;
        eb.n_events = (size_t)n;
        eb.events = evs;
        b->len = jiuye__event_batch__get_packed_size(&eb);
        b->body = xmalloc(b->len);
        jiuye__event_batch__pack(&eb, (uint8_t *)b->body);
        for (int i = 0; i < n; i++) jiuye__event__free_unpacked(evs[i], NULL);
        free(evs);
    } else {
        buf_t out = {0};
        buf_add(&out, "[", 1);
        for (int i = 0; i < n; i++) {
            int len = event_json(first + i, g->pbase, ev, sizeof ev);
            if (len < 0 || (size_t)len >= sizeof ev) die("event too long");
            if (g->validate) jiuye__event__free_unpacked(event_proto(ev, g->today), NULL);
            if (i) buf_add(&out, ",", 1);
            buf_add(&out, ev, (size_t)len);
        }
        buf_add(&out, "]", 1);
        b->body = out.data;
        b->len = out.len;
    }
}

/* ------------------------------------------------------------------ services' memory */

typedef struct {
    char name[32];
    int pid;
    long hwm_kb, rss_kb;            /* latest reading */
    long rss_first_kb, rss_max_kb;  /* over the samples of this run */
} svc_mem_t;

static svc_mem_t services[MAX_SERVICES];
static int n_services;

static void services_parse(const char *spec) {
    if (!spec) return;
    char *copy = strdup(spec), *save = NULL;
    if (!copy) die("out of memory");
    for (char *tok = strtok_r(copy, " ,", &save); tok && n_services < MAX_SERVICES; tok = strtok_r(NULL, " ,", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = '\0';
        svc_mem_t *s = &services[n_services++];
        snprintf(s->name, sizeof s->name, "%s", tok);
        s->pid = atoi(eq + 1);
    }
    free(copy);
}

static long status_kb(int pid, const char *field) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            kb = strtol(line + flen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static void services_sample(void) {
    for (int i = 0; i < n_services; i++) {
        svc_mem_t *s = &services[i];
        s->hwm_kb = status_kb(s->pid, "VmHWM");
        s->rss_kb = status_kb(s->pid, "VmRSS");
        if (s->rss_kb < 0) continue;
        if (s->rss_first_kb <= 0) s->rss_first_kb = s->rss_kb;
        if (s->rss_kb > s->rss_max_kb) s->rss_max_kb = s->rss_kb;
    }
}

/* --intake-alone: the services after intake stopped while publishing (SIGSTOP), so that
 * intake has the machine to itself, and let go (SIGCONT) after the last acknowledgement,
 * or at exit whatever happens (a stopped service would outlive the bench). */
static int paused;

static void downstream_signal(int sig) {
    for (int i = 0; i < n_services; i++)
        if (strcmp(services[i].name, "intake") != 0 && services[i].pid > 0) kill(services[i].pid, sig);
}

static void downstream_resume(void) {
    if (!paused) return;
    downstream_signal(SIGCONT);
    paused = 0;
}

static void downstream_pause(void) {
    if (n_services < 2) die("--intake-alone: JIUYE_BENCH_PIDS names no service to stop");
    atexit(downstream_resume);
    paused = 1;
    downstream_signal(SIGSTOP);
}

/* Every second during a run; in long runs a line a minute shows whether memory is flat. */
static int64_t last_sample_us, run_start_us;
static int minute_lines;
static void services_tick(void) {
    int64_t now = now_us();
    if (now - last_sample_us < 1000000) return;
    last_sample_us = now;
    services_sample();
    if (minute_lines && n_services && (now - run_start_us) / 60000000 >= minute_lines) {
        printf("  rss at %3d min:", minute_lines);
        for (int i = 0; i < n_services; i++) printf(" %s %.1f MiB", services[i].name, services[i].rss_kb / 1024.0);
        printf("\n");
        fflush(stdout);
        minute_lines++;
    }
}

/* ------------------------------------------------------------------ CPU */

/* CPU time (user + system, clock ticks) of pid, or -1. */
static long long proc_ticks(int pid) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    if (!ok) return -1;
    char *p = strrchr(line, ')'); /* the command may hold spaces */
    if (!p) return -1;
    unsigned long long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
    return (long long)(ut + st);
}

/* Busy and total ticks of the whole machine (/proc/stat). */
static void machine_ticks(long long *busy, long long *total) {
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[10] = {0};
    *busy = *total = 0;
    if (!f) return;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 8) return;
    for (int i = 0; i < 8; i++) *total += (long long)v[i];
    *busy = *total - (long long)(v[3] + v[4]); /* idle + iowait */
}

#define MAX_PG_PROCS 64
typedef struct {
    int64_t at_us;
    long long busy, total;
    long long svc[MAX_SERVICES];
    int n_pg;
    int pg_pid[MAX_PG_PROCS];
    char pg_label[MAX_PG_PROCS][32];
    long long pg[MAX_PG_PROCS];
} cpu_snap_t;

static PGconn *db;
static PGresult *q(const char *sql, int n, const char *const *params);

/* The services, and every process of the cluster that pg_stat_activity lists (the
 * services' backends by role, the bench's own, and the background processes). */
static void cpu_snapshot(cpu_snap_t *c, const cpu_snap_t *like) {
    c->at_us = now_us();
    machine_ticks(&c->busy, &c->total);
    for (int i = 0; i < n_services; i++) c->svc[i] = proc_ticks(services[i].pid);
    if (like) { /* the same processes as the first snapshot */
        c->n_pg = like->n_pg;
        for (int i = 0; i < c->n_pg; i++) {
            c->pg_pid[i] = like->pg_pid[i];
            memcpy(c->pg_label[i], like->pg_label[i], sizeof c->pg_label[i]);
            c->pg[i] = proc_ticks(c->pg_pid[i]);
        }
        return;
    }
    PGresult *r = q("SELECT pid, CASE WHEN usename LIKE 'jiuye\\_%' THEN substr(usename, 7) "
                    "WHEN backend_type = 'client backend' THEN 'bench' ELSE 'background' END "
                    "FROM pg_stat_activity ORDER BY 2",
                    0, NULL);
    c->n_pg = 0;
    for (int i = 0; i < PQntuples(r) && c->n_pg < MAX_PG_PROCS; i++) {
        c->pg_pid[c->n_pg] = atoi(PQgetvalue(r, i, 0));
        snprintf(c->pg_label[c->n_pg], sizeof c->pg_label[0], "%s", PQgetvalue(r, i, 1));
        c->pg[c->n_pg] = proc_ticks(c->pg_pid[c->n_pg]);
        c->n_pg++;
    }
    PQclear(r);
}

static void cpu_report(const cpu_snap_t *a, const cpu_snap_t *b, char *summary, size_t len) {
    double hz = (double)sysconf(_SC_CLK_TCK), wall = (double)(b->at_us - a->at_us) / 1e6;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double busy = b->total > a->total ? 100.0 * (double)(b->busy - a->busy) / (double)(b->total - a->total) : 0;
    printf("   cpu over %.1f s: machine %.0f%% busy (%ld cores, other users of the machine included)\n", wall, busy, ncpu);
    printf("     services:");
    size_t at = (size_t)snprintf(summary, len, " cpu_busy_pct=%.0f", busy);
    for (int i = 0; i < n_services; i++) {
        double sec = a->svc[i] >= 0 && b->svc[i] >= 0 ? (double)(b->svc[i] - a->svc[i]) / hz : 0;
        printf(" %s %.1f s (%.0f%%)", services[i].name, sec, 100 * sec / wall);
        if (at < len) at += (size_t)snprintf(summary + at, len - at, " cpu_%s_s=%.1f", services[i].name, sec);
    }
    printf("\n     postgres backends:");
    for (int i = 0; i < a->n_pg;) { /* grouped by label (sorted) */
        double sec = 0;
        int j = i;
        for (; j < a->n_pg && strcmp(a->pg_label[j], a->pg_label[i]) == 0; j++)
            if (a->pg[j] >= 0 && b->pg[j] >= 0) sec += (double)(b->pg[j] - a->pg[j]) / hz;
        printf(" %s %.1f s (%.0f%%)", a->pg_label[i], sec, 100 * sec / wall);
        if (at < len) at += (size_t)snprintf(summary + at, len - at, " cpu_pg_%s_s=%.1f", a->pg_label[i], sec);
        i = j;
    }
    printf("\n");
}

/* Per stage: messages, transactions that committed them, and the span of those commits. */
static void stage_report(const char *label, const char *table, const char *where, const char *param, int commit_ts) {
    char sql[512];
    const char *ts = commit_ts ? "pg_xact_commit_timestamp(xmin)" : "now()";
    snprintf(sql, sizeof sql,
             "SELECT count(*), count(DISTINCT xmin::text), "
             "extract(epoch FROM max(%s) - min(%s)) FROM %s WHERE %s",
             ts, ts, table, where);
    const char *params[] = {param};
    PGresult *r = q(sql, 1, params);
    long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10), tx = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    double span = PQgetisnull(r, 0, 2) ? 0 : atof(PQgetvalue(r, 0, 2));
    PQclear(r);
    printf("     %-8s %7lld rows in %6lld transactions (%5.1f per commit), first to last commit %6.2f s: %6.0f/s\n",
           label, n, tx, tx ? (double)n / (double)tx : 0, span, span > 0 ? (double)n / span : 0);
}

/* ------------------------------------------------------------------ PostgreSQL */

static PGresult *q(const char *sql, int n, const char *const *params) {
    PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) die("SQL failed: %s\n  %s", PQerrorMessage(db), sql);
    return r;
}

static long long q_int(const char *sql, int n, const char *const *params) {
    PGresult *r = q(sql, n, params);
    long long v = PQntuples(r) && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

/* Rows inserted, updated and deleted in the four schemas so far, once the statistics
 * have settled (backends report them up to ~10 s after going idle). */
static long long writes_settled(void) {
    const char *sql = "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables "
                      "WHERE schemaname IN ('intake', 'rules', 'subsidy', 'notify')";
    long long prev = q_int(sql, 0, NULL);
    for (int i = 0; i < 25; i++) {
        usleep(1000000);
        services_tick();
        long long v = q_int(sql, 0, NULL);
        if (v == prev && i >= 1) return v;
        prev = v;
    }
    return prev;
}

/* ------------------------------------------------------------------ options */

typedef struct {
    const char *name;
    int zmq;
    long long events;
    double rate;
    int batch, window;
    int duration_s;
    int ceiling;
    int timeline;
    int timeout_s;
    int intake_alone;
} opts_t;

static void usage(void) {
    fprintf(stderr,
            "usage: jiuye_bench [--zmq|--http] [--events N | --duration S] [--rate EVENTS_PER_S]\n"
            "                   [--batch N] [--window N] [--ceiling] [--timeline] [--name NAME] [--timeout S]\n"
            "                   [--intake-alone]\n"
            "  --zmq        EventBatch over ZeroMQ to INTAKE_ZMQ (default)\n"
            "  --http       POST /v1/events to 127.0.0.1:INTAKE_HTTP_PORT\n"
            "  --events N   how many events (default 20000)\n"
            "  --duration S publish for S seconds instead (memory runs)\n"
            "  --rate R     events per second (default 0: as fast as possible)\n"
            "  --batch N    events per EventBatch or request (default 100)\n"
            "  --window N   batches in flight (ZeroMQ) or concurrent requests (HTTP) (default 4)\n"
            "  --ceiling    also measure the plain batched INSERT ceiling and print the ratio\n"
            "  --intake-alone  stop rules, subsidy and notify (SIGSTOP, pids from JIUYE_BENCH_PIDS)\n"
            "               while publishing, so that intake's rate is its own; they go on after\n"
            "               the last acknowledgement (end-to-end figures then include the pause)\n"
            "  --timeline   print, per second, the messages each stage committed\n"
            "  --name NAME  scenario label (lower case, digits, '-')\n"
            "  --timeout S  give up waiting for the pipeline after S seconds (default 900)\n");
    exit(2);
}

static opts_t parse_opts(int argc, char **argv) {
    opts_t o = {.name = "bench", .zmq = 1, .events = 20000, .batch = 100, .window = 4, .timeout_s = 900};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--zmq") == 0) o.zmq = 1;
        else if (strcmp(a, "--http") == 0) o.zmq = 0;
        else if (strcmp(a, "--ceiling") == 0) o.ceiling = 1;
        else if (strcmp(a, "--timeline") == 0) o.timeline = 1;
        else if (strcmp(a, "--intake-alone") == 0) o.intake_alone = 1;
        else if (!v) usage();
        else if (strcmp(a, "--events") == 0) o.events = atoll(v), i++;
        else if (strcmp(a, "--duration") == 0) o.duration_s = atoi(v), i++;
        else if (strcmp(a, "--rate") == 0) o.rate = atof(v), i++;
        else if (strcmp(a, "--batch") == 0) o.batch = atoi(v), i++;
        else if (strcmp(a, "--window") == 0) o.window = atoi(v), i++;
        else if (strcmp(a, "--name") == 0) o.name = v, i++;
        else if (strcmp(a, "--timeout") == 0) o.timeout_s = atoi(v), i++;
        else usage();
    }
    if (o.batch < 1 || o.batch > 1000) die("--batch must be 1..1000 (intake's limit)");
    if (o.window < 1 || o.window > 64) die("--window must be 1..64");
    if (o.duration_s <= 0 && o.events < 1) die("--events must be positive");
    if (o.rate < 0) die("--rate must not be negative");
    for (const char *c = o.name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) die("--name: a-z, 0-9 and '-' only");
    return o;
}

/* ------------------------------------------------------------------ the run */

typedef struct {
    opts_t o;
    gen_t g;
    batch_t *batches;
    size_t n_batches, cap_batches; /* created so far */
    long long planned;             /* events to send; -1 in duration mode */
    size_t next;                   /* next batch to send */
    size_t done;                   /* batches answered */
    int inflight;
    int64_t t0_us;                 /* start of publishing */
    int64_t stop_us;               /* duration mode: no new batch after this */
    long long accepted, duplicate, rejected;
    char errors[512];
} run_t;

/* The batch to send next, created on demand; NULL when everything is sent. */
static batch_t *next_batch(run_t *r) {
    if (r->next < r->n_batches) return &r->batches[r->next];
    long long first = (long long)r->n_batches * r->o.batch;
    int n = r->o.batch;
    if (r->planned >= 0) {
        if (first >= r->planned) return NULL;
        if (first + n > r->planned) n = (int)(r->planned - first);
    } else if (now_us() >= r->stop_us) {
        return NULL;
    }
    if (r->n_batches == r->cap_batches) {
        r->cap_batches = r->cap_batches ? r->cap_batches * 2 : 1024;
        r->batches = xrealloc(r->batches, r->cap_batches * sizeof *r->batches);
    }
    make_batch(&r->g, &r->batches[r->n_batches], first, n);
    return &r->batches[r->n_batches++];
}

/* When batch k may leave at the fixed rate (0 as fast as possible). */
static int64_t due_us(const run_t *r, size_t k) {
    if (r->o.rate <= 0) return 0;
    return r->t0_us + (int64_t)((double)k * r->o.batch * 1e6 / r->o.rate);
}

static void note_error(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_error(run_t *r, const char *fmt, ...) {
    if (r->errors[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errors, sizeof r->errors, fmt, ap);
    va_end(ap);
}

static void batch_answered(run_t *r, batch_t *b, int accepted, int duplicate, int rejected) {
    b->ack_us = now_us();
    b->accepted = accepted;
    b->duplicate = duplicate;
    b->rejected = rejected;
    free(b->body); /* in long runs the bodies would add up */
    b->body = NULL;
    r->accepted += accepted;
    r->duplicate += duplicate;
    r->rejected += rejected;
    r->done++;
    r->inflight--;
}

/* ---- ZeroMQ */

/* The key pair our source signs in with when intake's front door is a CURVE server (its
 * keys in the environment, as run.sh sets them): made and registered with the source. */
static char curve_public[41], curve_secret[41];

static void publish_zmq(run_t *r) {
    const char *endpoint = getenv("INTAKE_ZMQ");
    if (!endpoint || !*endpoint) endpoint = "tcp://127.0.0.1:5550";
    void *ctx = zmq_ctx_new();
    void *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    int zero = 0, hwm = 10000;
    int64_t maxmsg = 64 * 1024 * 1024;
    const char *server_key = getenv("INTAKE_CURVE_PUBLIC");
    if (sock && curve_public[0] &&
        (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key, strlen(server_key)) != 0 ||
         zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, curve_public, 40) != 0 ||
         zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve_secret, 40) != 0))
        die("zmq %s: CURVE keys: %s", endpoint, zmq_strerror(errno));
    if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 || zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 || zmq_connect(sock, endpoint) != 0)
        die("zmq %s: %s", endpoint, zmq_strerror(errno));
    int64_t last_progress = now_us();
    r->t0_us = now_us();
    if (r->planned < 0) r->stop_us = r->t0_us + (int64_t)r->o.duration_s * 1000000;
    for (;;) {
        if (interrupted) die("interrupted");
        services_tick();
        int64_t now = now_us(), wait_us = 1000000;
        batch_t *b;
        while (r->inflight < r->o.window && (b = next_batch(r)) != NULL) {
            int64_t due = due_us(r, r->next);
            if (due > now) {
                wait_us = due - now;
                break;
            }
            if (zmq_send(sock, b->body, b->len, 0) < 0) die("zmq send: %s", zmq_strerror(errno));
            b->sent_us = now_us();
            r->next++;
            r->inflight++;
        }
        if (r->inflight == 0 && r->next == r->n_batches && next_batch(r) == NULL) break;
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        long timeout_ms = (long)(wait_us / 1000);
        if (timeout_ms > 1000) timeout_ms = 1000;
        int rc = zmq_poll(&item, 1, timeout_ms);
        if (rc < 0) {
            if (errno == EINTR) continue;
            die("zmq_poll: %s", zmq_strerror(errno));
        }
        while (rc > 0) {
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&msg);
                break;
            }
            Jiuye__IngestReply *reply = jiuye__ingest_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            zmq_msg_close(&msg);
            if (!reply) die("an answer that is not an IngestReply");
            if (reply->error && *reply->error) die("intake refused a batch: %s", reply->error);
            if (reply->n_results == 0) die("an IngestReply without results");
            long long idx = strtoll(reply->results[0]->event_id + 1, NULL, 10);
            size_t k = (size_t)(idx / r->o.batch);
            if (k >= r->n_batches || r->batches[k].ack_us) die("an unexpected reply (event %lld)", idx);
            int acc = 0, dup = 0, rej = 0;
            for (size_t i = 0; i < reply->n_results; i++) {
                const char *st = reply->results[i]->status;
                if (strcmp(st, "accepted") == 0) acc++;
                else if (strcmp(st, "duplicate") == 0) dup++;
                else {
                    rej++;
                    note_error(r, "%s rejected: %s", reply->results[i]->event_id, reply->results[i]->error);
                }
            }
            jiuye__ingest_reply__free_unpacked(reply, NULL);
            batch_answered(r, &r->batches[k], acc, dup, rej);
            last_progress = now_us();
        }
        if (r->inflight > 0 && now_us() - last_progress > 60 * 1000000LL)
            die("no IngestReply for 60 s (%d batches in flight)", r->inflight);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
}

/* ---- HTTP */

typedef struct {
    CURL *easy;
    buf_t response;
    batch_t *batch;
    int busy;
} http_slot_t;

static size_t http_write(char *data, size_t size, size_t n, void *arg) {
    buf_add(arg, data, size * n);
    return size * n;
}

static void http_done(run_t *r, http_slot_t *s, CURLcode code) {
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK) die("POST /v1/events: %s", curl_easy_strerror(code));
    if (status != 200) die("POST /v1/events: HTTP %ld: %.300s", status, s->response.data ? s->response.data : "");
    json_error_t jerr;
    json_t *doc = json_loadb(s->response.data, s->response.len, 0, &jerr);
    json_t *results = doc ? json_object_get(doc, "results") : NULL;
    if (!json_is_array(results)) die("POST /v1/events: no results in %.300s", s->response.data);
    int acc = 0, dup = 0, rej = 0;
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res) {
        const char *st = json_string_value(json_object_get(res, "status"));
        if (st && strcmp(st, "accepted") == 0) acc++;
        else if (st && strcmp(st, "duplicate") == 0) dup++;
        else {
            rej++;
            note_error(r, "%s rejected: %s", json_string_value(json_object_get(res, "event_id")),
                       json_string_value(json_object_get(res, "error")));
        }
    }
    json_decref(doc);
    batch_answered(r, s->batch, acc, dup, rej);
    s->busy = 0;
    s->response.len = 0;
}

static void publish_http(run_t *r) {
    const char *port = getenv("INTAKE_HTTP_PORT");
    char url[128], auth[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%s/v1/events", port && *port ? port : "8080");
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->g.token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    CURLM *multi = curl_multi_init();
    if (!multi || !headers) die("curl init");
    http_slot_t *slots = calloc((size_t)r->o.window, sizeof *slots);
    if (!slots) die("out of memory");
    for (int i = 0; i < r->o.window; i++) {
        CURL *e = curl_easy_init();
        if (!e) die("curl_easy_init");
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &slots[i].response);
        curl_easy_setopt(e, CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
        slots[i].easy = e;
    }
    r->t0_us = now_us();
    if (r->planned < 0) r->stop_us = r->t0_us + (int64_t)r->o.duration_s * 1000000;
    for (;;) {
        if (interrupted) die("interrupted");
        services_tick();
        int64_t now = now_us(), wait_us = 1000000;
        batch_t *b;
        for (int i = 0; i < r->o.window; i++) {
            if (slots[i].busy) continue;
            if ((b = next_batch(r)) == NULL) break;
            int64_t due = due_us(r, r->next);
            if (due > now) {
                wait_us = due - now;
                break;
            }
            curl_easy_setopt(slots[i].easy, CURLOPT_POSTFIELDS, b->body);
            curl_easy_setopt(slots[i].easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
            slots[i].batch = b;
            slots[i].busy = 1;
            b->sent_us = now_us();
            r->next++;
            r->inflight++;
            curl_multi_add_handle(multi, slots[i].easy);
        }
        if (r->inflight == 0 && next_batch(r) == NULL) break;
        int running = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE) continue;
            http_slot_t *s;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode code = m->data.result;
            curl_multi_remove_handle(multi, m->easy_handle);
            http_done(r, s, code);
        }
        if (r->inflight > 0) {
            int timeout_ms = (int)(wait_us / 1000);
            if (timeout_ms > 100) timeout_ms = 100;
            curl_multi_poll(multi, NULL, 0, timeout_ms, NULL);
        } else if (wait_us > 0) {
            usleep((useconds_t)(wait_us > 100000 ? 100000 : wait_us));
        }
    }
    for (int i = 0; i < r->o.window; i++) {
        curl_easy_cleanup(slots[i].easy);
        free(slots[i].response.data);
    }
    free(slots);
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
}

/* ------------------------------------------------------------------ results */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct {
    size_t n;
    double p50, p99, max; /* ms */
} pct_t;

static pct_t percentiles(int64_t *v, size_t n) {
    pct_t p = {.n = n};
    if (n == 0) return p;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t i50 = (size_t)ceil(0.50 * (double)n) - 1, i99 = (size_t)ceil(0.99 * (double)n) - 1;
    p.p50 = (double)v[i50] / 1000.0;
    p.p99 = (double)v[i99] / 1000.0;
    p.max = (double)v[n - 1] / 1000.0;
    return p;
}

/* The ceiling: rows shaped like intake.events, CEILING_ROWS per INSERT and per commit. */
static double measure_ceiling(const run_t *r, long long rows) {
    PQclear(q("SET synchronous_commit = on", 0, NULL));
    PQclear(q("CREATE SCHEMA IF NOT EXISTS bench_scratch", 0, NULL));
    PQclear(q("DROP TABLE IF EXISTS bench_scratch.events", 0, NULL));
    PQclear(q("CREATE TABLE bench_scratch.events (LIKE intake.events INCLUDING ALL)", 0, NULL));
    buf_t sql = {0};
    const char *head = "INSERT INTO bench_scratch.events (source, event_id, type, occurred_on, district, body, body_sha256) VALUES ";
    buf_add(&sql, head, strlen(head));
    for (int i = 0; i < CEILING_ROWS; i++) {
        char row[128];
        int b = i * 7;
        int n = snprintf(row, sizeof row, "%s($%d, $%d, $%d, $%d::date, $%d, $%d::jsonb, $%d::bytea)", i ? ", " : "",
                         b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
        buf_add(&sql, row, (size_t)n);
    }
    PGresult *pr = PQprepare(db, "ceiling", sql.data, CEILING_ROWS * 7, NULL);
    if (PQresultStatus(pr) != PGRES_COMMAND_OK) die("prepare: %s", PQerrorMessage(db));
    PQclear(pr);
    free(sql.data);
    /* The same rows as the pipeline stored, prepared before the clock starts. */
    size_t nrows = (size_t)rows;
    char **bodies = xmalloc(nrows * sizeof *bodies);
    char(*ids)[24] = xmalloc(nrows * sizeof *ids);
    char(*dig)[70] = xmalloc(nrows * sizeof *dig);
    const char **types = xmalloc(nrows * sizeof *types);
    char(*dates)[11] = xmalloc(nrows * sizeof *dates);
    char(*districts)[7] = xmalloc(nrows * sizeof *districts);
    for (size_t i = 0; i < nrows; i++) {
        char ev[4096];
        event_json((long long)i, r->g.pbase, ev, sizeof ev);
        json_t *obj = json_loads(ev, 0, NULL);
        if (!obj) die("ceiling: bad JSON");
        bodies[i] = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(dates[i], sizeof dates[i], "%s", json_string_value(json_object_get(obj, "occurred_on")));
        snprintf(districts[i], sizeof districts[i], "%s", json_string_value(json_object_get(obj, "district")));
        json_decref(obj);
        uint8_t d[32];
        char hex[65];
        sha256(bodies[i], strlen(bodies[i]), d);
        hex_encode(d, 32, hex);
        snprintf(dig[i], sizeof dig[i], "\\x%s", hex);
        snprintf(ids[i], sizeof ids[i], "e%zu", i);
        types[i] = KIND_NAMES[event_kind((long long)i)];
    }
    const char **params = xmalloc(CEILING_ROWS * 7 * sizeof *params);
    int64_t t0 = now_us();
    for (size_t at = 0; at < nrows; at += CEILING_ROWS) {
        size_t n = nrows - at < CEILING_ROWS ? nrows - at : CEILING_ROWS;
        for (size_t i = 0; i < CEILING_ROWS; i++) {
            size_t k = at + (i < n ? i : 0);
            const char **p = params + i * 7;
            p[0] = "ceiling";
            p[1] = ids[k];
            p[2] = types[k];
            p[3] = dates[k];
            p[4] = districts[k];
            p[5] = bodies[k];
            p[6] = dig[k];
        }
        PGresult *res;
        if (n == CEILING_ROWS) {
            res = PQexecPrepared(db, "ceiling", CEILING_ROWS * 7, params, NULL, NULL, 0);
        } else { /* the last, shorter batch: a statement of its own */
            buf_t s = {0};
            buf_add(&s, head, strlen(head));
            for (size_t i = 0; i < n; i++) {
                char row[128];
                int b = (int)i * 7;
                int len = snprintf(row, sizeof row, "%s($%d, $%d, $%d, $%d::date, $%d, $%d::jsonb, $%d::bytea)",
                                   i ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
                buf_add(&s, row, (size_t)len);
            }
            res = PQexecParams(db, s.data, (int)n * 7, NULL, params, NULL, NULL, 0);
            free(s.data);
        }
        if (PQresultStatus(res) != PGRES_COMMAND_OK) die("ceiling insert: %s", PQerrorMessage(db));
        PQclear(res);
    }
    int64_t t1 = now_us();
    for (size_t i = 0; i < nrows; i++) free(bodies[i]);
    free(bodies);
    free(ids);
    free(dig);
    free(types);
    free(dates);
    free(districts);
    free(params);
    PQclear(q("DROP TABLE bench_scratch.events", 0, NULL));
    return (double)rows / ((double)(t1 - t0) / 1e6);
}

int main(int argc, char **argv) {
    opts_t o = parse_opts(argc, argv);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    services_parse(getenv("JIUYE_BENCH_PIDS"));
    curl_global_init(CURL_GLOBAL_DEFAULT);

    const char *conninfo = getenv("JIUYE_BENCH_DB");
    if (!conninfo || !*conninfo) conninfo = "host=127.0.0.1 port=25499 dbname=jiuye user=postgres";
    db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) die("cannot connect (%s): %s", conninfo, PQerrorMessage(db));
    PQclear(q("SET client_min_messages = warning", 0, NULL));
    PQclear(q("SET application_name = 'jiuye_bench'", 0, NULL));

    /* Commit times of the notifications, or their transaction's start as a fallback. */
    PGresult *res = q("SELECT current_setting('track_commit_timestamp') = 'on', current_setting('synchronous_commit'), "
                      "current_setting('fsync')",
                      0, NULL);
    int commit_ts = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    char pace[64];
    if (o.rate > 0) snprintf(pace, sizeof pace, "%.0f events/s", o.rate);
    else snprintf(pace, sizeof pace, "as fast as possible");
    printf("== %s: %s, %s, batch %d, window %d; synchronous_commit=%s fsync=%s; times from %s\n", o.name,
           o.zmq ? "ZeroMQ EventBatch" : "HTTP POST /v1/events", pace, o.batch, o.window, PQgetvalue(res, 0, 1),
           PQgetvalue(res, 0, 2), commit_ts ? "commit timestamps" : "created_at (transaction start: latencies slightly low)");
    PQclear(res);

    /* A block of persons of our own and a source of our own. */
    PQclear(q("CREATE SCHEMA IF NOT EXISTS bench_scratch", 0, NULL));
    PQclear(q("CREATE SEQUENCE IF NOT EXISTS bench_scratch.blocks", 0, NULL));
    long long block = q_int("SELECT nextval('bench_scratch.blocks')", 0, NULL);
    char source[80], token[TOKEN_LEN + 1], err[256];
    snprintf(source, sizeof source, "bench-%s-%lld", o.name, block);
    const char *server_key = getenv("INTAKE_CURVE_PUBLIC");
    if (server_key && *server_key && zmq_curve_keypair(curve_public, curve_secret) != 0)
        die("CURVE key pair: %s", zmq_strerror(errno));
    if (sources_add(db, source, curve_public[0] ? curve_public : NULL, token, err, sizeof err) != 0)
        die("source %s: %s", source, err);

    run_t r = {.o = o};
    r.g = (gen_t){.zmq = o.zmq, .token = token, .pbase = block * ID_BLOCK, .today = date_today(), .batch = o.batch,
                  .validate = 1};
    r.planned = o.duration_s > 0 ? -1 : o.events;
    long long writes0 = o.ceiling ? writes_settled() : 0;
    same_rows_t tables0 = {0};
    if (o.ceiling) same_rows_snapshot(db, &tables0);

    /* Everything to send is generated (and validated) before the clock starts, except in
     * duration runs, which make each batch just before sending it. */
    if (r.planned >= 0) {
        int64_t g0 = now_us();
        while (next_batch(&r)) r.next++;
        r.next = 0;
        printf("   %lld events in %zu batches generated and validated in %.1f s\n", r.planned, r.n_batches,
               (double)(now_us() - g0) / 1e6);
    } else {
        r.g.validate = 0;
        printf("   publishing for %d s\n", o.duration_s);
        minute_lines = 1;
    }
    run_start_us = now_us();
    services_sample();
    cpu_snap_t cpu0, cpu1;
    cpu_snapshot(&cpu0, NULL);
    if (o.intake_alone) downstream_pause();
    if (o.zmq) publish_zmq(&r);
    else publish_http(&r);
    long long taken_while_stopped = -1; /* by rules, of this run's messages: 0 when the pause held */
    if (o.intake_alone) {
        char like[128];
        snprintf(like, sizeof like, "intake/%s/%%", source);
        const char *p[] = {like};
        PGresult *t = q("SELECT count(*) FROM rules.consumed WHERE message_id LIKE $1", 1, p);
        taken_while_stopped = strtoll(PQgetvalue(t, 0, 0), NULL, 10);
        PQclear(t);
        downstream_resume();
        printf("   rules, subsidy and notify were stopped while intake took them; rules had consumed %lld\n",
               taken_while_stopped);
    }
    long long sent = 0;
    int64_t first_ack = INT64_MAX, last_ack = 0;
    for (size_t k = 0; k < r.n_batches; k++) {
        sent += r.batches[k].n;
        if (r.batches[k].ack_us && r.batches[k].ack_us < first_ack) first_ack = r.batches[k].ack_us;
        if (r.batches[k].ack_us > last_ack) last_ack = r.batches[k].ack_us;
    }
    double publish_s = (double)(last_ack - r.t0_us) / 1e6;
    double intake_eps = (double)r.accepted / publish_s;
    printf("   intake: %lld sent, %lld accepted, %lld duplicate, %lld rejected in %.2f s: %.0f events/s acknowledged\n",
           sent, r.accepted, r.duplicate, r.rejected, publish_s, intake_eps);
    if (r.errors[0]) printf("   first rejection: %s\n", r.errors);

    /* Drain: every accepted event consumed by rules, nothing of ours left in the outboxes. */
    char like_intake[128], like_rules[128], like_subsidy[128];
    snprintf(like_intake, sizeof like_intake, "intake/%s/%%", source);
    snprintf(like_rules, sizeof like_rules, "rules/%s/%%", source);
    snprintf(like_subsidy, sizeof like_subsidy, "subsidy/rules/%s/%%", source);
    const char *drain_params[] = {like_intake, like_rules, like_subsidy};
    const char *drain_sql = "SELECT (SELECT count(*) FROM rules.consumed WHERE message_id LIKE $1), "
                            "(SELECT count(*) FROM rules.outbox WHERE message_id LIKE $2) + "
                            "(SELECT count(*) FROM subsidy.outbox WHERE message_id LIKE $3)";
    int64_t drain_start = now_us(), progress_at = drain_start;
    long long last_consumed = -1, last_outbox = -1, consumed = 0, outbox = 0;
    int drained = 0;
    while (!interrupted) {
        services_tick();
        res = q(drain_sql, 3, drain_params);
        consumed = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        outbox = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        PQclear(res);
        if (consumed >= r.accepted && outbox == 0) {
            drained = 1;
            break;
        }
        int64_t now = now_us();
        if (consumed != last_consumed || outbox != last_outbox) progress_at = now;
        last_consumed = consumed;
        last_outbox = outbox;
        if (now - progress_at > STALL_S * 1000000LL || now - drain_start > (int64_t)o.timeout_s * 1000000) break;
        usleep(200000);
    }
    cpu_snapshot(&cpu1, &cpu0);
    if (!drained)
        printf("   NOT DRAINED after %.0f s: rules consumed %lld of %lld, %lld message(s) still in outboxes\n",
               (double)(now_us() - drain_start) / 1e6, consumed, r.accepted, outbox);

    /* End of processing: the last commit in rules (events without decisions) or notify. */
    const char *ts_consumed = commit_ts ? "pg_xact_commit_timestamp(xmin)" : "consumed_at";
    const char *ts_notified = commit_ts ? "pg_xact_commit_timestamp(xmin)" : "created_at";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT (extract(epoch FROM greatest((SELECT max(%s) FROM rules.consumed WHERE message_id LIKE $1), "
             "(SELECT max(%s) FROM notify.consumed WHERE message_id LIKE $2))) * 1000000)::bigint, "
             "(SELECT count(*) FROM notify.consumed WHERE message_id LIKE $2), "
             "(SELECT count(*) FROM rules.decisions WHERE source = $3), "
             "(SELECT count(*) FROM rules.dead_letters WHERE message_id LIKE $1) + "
             "(SELECT count(*) FROM subsidy.dead_letters WHERE message_id LIKE $4) + "
             "(SELECT count(*) FROM notify.dead_letters WHERE message_id LIKE $2)",
             ts_consumed, ts_consumed);
    const char *end_params[] = {like_intake, like_subsidy, source, like_rules};
    res = q(sql, 4, end_params);
    int64_t end_us = PQgetisnull(res, 0, 0) ? 0 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    long long notified_msgs = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    long long decisions = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    long long dead = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    PQclear(res);
    double e2e_s = end_us > first_ack ? (double)(end_us - first_ack) / 1e6 : 0;
    double e2e_eps = e2e_s > 0 ? (double)consumed / e2e_s : 0;

    /* Latency of each notified event: its first notification's commit minus its ack. */
    snprintf(sql, sizeof sql,
             "SELECT event_id, bool_or(rule = 'R01'), (extract(epoch FROM min(%s)) * 1000000)::bigint, count(*) "
             "FROM notify.notifications WHERE source = $1 GROUP BY event_id",
             ts_notified);
    const char *lat_params[] = {source};
    res = q(sql, 1, lat_params);
    size_t rows = (size_t)PQntuples(res);
    int64_t *lat_all = xmalloc(rows * sizeof *lat_all), *lat_r01 = xmalloc(rows * sizeof *lat_r01);
    size_t n_all = 0, n_r01 = 0;
    long long notifications = 0;
    for (size_t i = 0; i < rows; i++) {
        long long idx = strtoll(PQgetvalue(res, (int)i, 0) + 1, NULL, 10);
        size_t k = (size_t)(idx / o.batch);
        notifications += strtoll(PQgetvalue(res, (int)i, 3), NULL, 10);
        if (k >= r.n_batches || !r.batches[k].ack_us) continue;
        int64_t lat = strtoll(PQgetvalue(res, (int)i, 2), NULL, 10) - r.batches[k].ack_us;
        lat_all[n_all++] = lat;
        if (PQgetvalue(res, (int)i, 1)[0] == 't') lat_r01[n_r01++] = lat;
    }
    PQclear(res);
    pct_t p_r01 = percentiles(lat_r01, n_r01), p_all = percentiles(lat_all, n_all);
    free(lat_all);
    free(lat_r01);

    printf("   pipeline: %lld events processed by rules, %lld decisions, %lld messages to notify, "
           "%lld notifications, %lld dead letters\n",
           consumed, decisions, notified_msgs, notifications, dead);
    printf("   end to end: %lld events in %.2f s (first ack to last commit): %.0f events/s\n", consumed, e2e_s, e2e_eps);
    printf("   latency ack -> notification stored, training.completed (R01), %zu events: p50 %.1f ms, p99 %.1f ms, "
           "max %.1f ms\n",
           p_r01.n, p_r01.p50, p_r01.p99, p_r01.max);
    printf("   latency ack -> first notification, every notified event, %zu events: p50 %.1f ms, p99 %.1f ms, "
           "max %.1f ms\n",
           p_all.n, p_all.p50, p_all.p99, p_all.max);

    printf("   per stage (commit times):\n");
    stage_report("intake", "intake.events", "source = $1", source, commit_ts);
    stage_report("rules", "rules.consumed", "message_id LIKE $1", like_intake, commit_ts);
    stage_report("subsidy", "subsidy.consumed", "message_id LIKE $1", like_rules, commit_ts);
    stage_report("notify", "notify.consumed", "message_id LIKE $1", like_subsidy, commit_ts);
    char cpu_summary[1024];
    cpu_report(&cpu0, &cpu1, cpu_summary, sizeof cpu_summary);
    if (o.timeline && commit_ts) {
        char t0[32];
        snprintf(t0, sizeof t0, "%lld", (long long)r.t0_us);
        const char *tl_params[] = {source, like_intake, like_rules, like_subsidy, t0};
        res = q("WITH c AS ("
                " SELECT 1 AS stage, pg_xact_commit_timestamp(xmin) AS ts FROM intake.events WHERE source = $1"
                " UNION ALL SELECT 2, pg_xact_commit_timestamp(xmin) FROM rules.consumed WHERE message_id LIKE $2"
                " UNION ALL SELECT 3, pg_xact_commit_timestamp(xmin) FROM subsidy.consumed WHERE message_id LIKE $3"
                " UNION ALL SELECT 4, pg_xact_commit_timestamp(xmin) FROM notify.consumed WHERE message_id LIKE $4) "
                "SELECT floor(extract(epoch FROM ts) - $5::bigint / 1e6)::int AS s, "
                "count(*) FILTER (WHERE stage = 1), count(*) FILTER (WHERE stage = 2), "
                "count(*) FILTER (WHERE stage = 3), count(*) FILTER (WHERE stage = 4) FROM c GROUP BY 1 ORDER BY 1",
                5, tl_params);
        printf("   timeline (messages committed per second since the first send):\n");
        printf("     %4s %7s %7s %7s %7s\n", "s", "intake", "rules", "subsidy", "notify");
        for (int i = 0; i < PQntuples(res); i++)
            printf("     %4s %7s %7s %7s %7s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                   PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
        PQclear(res);
    }

    double ceiling_eps = 0, writes_per_event = 0, same_eps = 0;
    long long pipeline_writes = 0, same_writes = 0;
    if (o.ceiling && r.planned > 0) {
        long long writes1 = writes_settled();
        pipeline_writes = writes1 - writes0;
        writes_per_event = consumed > 0 ? (double)pipeline_writes / (double)consumed : 0;
        ceiling_eps = measure_ceiling(&r, r.planned);
        printf("   ceiling: %lld rows shaped like intake.events, plain INSERT of %d rows per transaction, "
               "synchronous_commit on: %.0f rows/s\n",
               r.planned, CEILING_ROWS, ceiling_eps);
        printf("   ratio end to end / ceiling: %.3f (1 : %.0f); the pipeline wrote %.1f rows per event "
               "(inserts + updates + deletes, pg_stat_user_tables)\n",
               e2e_eps / ceiling_eps, ceiling_eps / (e2e_eps > 0 ? e2e_eps : 1), writes_per_event);
        same_rows_result_t same;
        if (same_rows_write(db, &tables0, &same) != 0) die("same rows: see above");
        same_eps = same.seconds > 0 ? (double)consumed / same.seconds : 0;
        same_writes = same.writes;
        pipeline_writes = same.counted; /* the snapshot it wrote from (statistics can lag a query) */
        printf("   ceiling, the same rows: the %lld rows the pipeline wrote (inserts, updates, deletes), each table's "
               "into a copy of it, COPY of %d rows per transaction, one connection: %.2f s, %.0f events/s; "
               "ratio end to end / that: %.3f%s\n",
               same.writes, SAME_ROWS_CHUNK, same.seconds, same_eps, same_eps > 0 ? e2e_eps / same_eps : 0,
               same.missing ? " (some rows were gone: fewer written)" : "");
        printf("     longest: %s\n", same.slowest);
    }

    services_sample();
    for (int i = 0; i < n_services; i++) {
        svc_mem_t *s = &services[i];
        printf("   memory %-8s peak (VmHWM) %6.1f MiB, now %6.1f MiB; during this run %6.1f -> max %6.1f MiB\n",
               s->name, s->hwm_kb / 1024.0, s->rss_kb / 1024.0, s->rss_first_kb / 1024.0, s->rss_max_kb / 1024.0);
    }

    printf("SUMMARY name=%s transport=%s alone=%d rate=%.0f batch=%d events=%lld accepted=%lld rejected=%lld intake_eps=%.0f "
           "processed=%lld e2e_s=%.2f e2e_eps=%.0f decisions=%lld notifications=%lld dead=%lld "
           "r01_n=%zu r01_p50_ms=%.1f r01_p99_ms=%.1f r01_max_ms=%.1f all_n=%zu all_p50_ms=%.1f all_p99_ms=%.1f "
           "all_max_ms=%.1f",
           o.name, o.zmq ? "zmq" : "http", o.intake_alone, o.rate, o.batch, sent, r.accepted, r.rejected, intake_eps,
           consumed, e2e_s,
           e2e_eps, decisions, notifications, dead, p_r01.n, p_r01.p50, p_r01.p99, p_r01.max, p_all.n, p_all.p50,
           p_all.p99, p_all.max);
    if (ceiling_eps > 0)
        printf(" ceiling_eps=%.0f ratio=%.3f writes_per_event=%.1f", ceiling_eps, e2e_eps / ceiling_eps, writes_per_event);
    if (same_eps > 0)
        printf(" same_rows_eps=%.0f same_rows_ratio=%.3f pipeline_writes=%lld same_rows_writes=%lld", same_eps,
               e2e_eps / same_eps, pipeline_writes, same_writes);
    if (o.intake_alone) printf(" taken_while_stopped=%lld", taken_while_stopped);
    printf("%s", cpu_summary);
    for (int i = 0; i < n_services; i++)
        printf(" hwm_%s_mib=%.1f rss_%s_mib=%.1f rss0_%s_mib=%.1f", services[i].name, services[i].hwm_kb / 1024.0,
               services[i].name, services[i].rss_kb / 1024.0, services[i].name, services[i].rss_first_kb / 1024.0);
    printf("\n");

    for (size_t k = 0; k < r.n_batches; k++) free(r.batches[k].body);
    free(r.batches);
    PQfinish(db);
    curl_global_cleanup();
    int ok = drained && r.rejected == 0 && r.duplicate == 0 && dead == 0 && r.accepted == sent && consumed == r.accepted;
    if (!ok) fprintf(stderr, "jiuye_bench: %s: not every event went through (see above)\n", o.name);
    return ok ? 0 : 1;
}
