/* pg.c: libpq helpers (see pg.h). */
#include "pg.h"

#include <assert.h>
#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "strmap.h"
#include "xalloc.h"

PGconn *pg_connect(const char *user, const char *password_env, const char *app_name,
                   volatile sig_atomic_t *stop) {
    return pg_connect_with(user, password_env, app_name, NULL, stop);
}

PGconn *pg_connect_with(const char *user, const char *password_env, const char *app_name, const char *options,
                        volatile sig_atomic_t *stop) {
    const char *keys[7] = {"dbname", "user"}, *vals[7] = {config_str("JIUYE_DB", "host=127.0.0.1 port=5433 dbname=jiuye"), user};
    int n = 2;
    const char *password = password_env ? config_str(password_env, NULL) : NULL;
    if (password) keys[n] = "password", vals[n++] = password; /* else libpq's own lookup applies */
    keys[n] = "application_name", vals[n++] = app_name;
    keys[n] = "connect_timeout", vals[n++] = "5";
    if (options) keys[n] = "options", vals[n++] = options; /* kept by PQreset too */
    keys[n] = NULL, vals[n] = NULL;
    long delay_ms = 200;
    for (int attempt = 1;; attempt++) {
        PGconn *pg = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(pg) == CONNECTION_OK) {
            if (attempt > 1) log_info("connected to PostgreSQL as %s after %d attempts", user, attempt);
            return pg;
        }
        if (attempt == 1 || attempt % 10 == 0)
            log_warn("PostgreSQL not reachable as %s (attempt %d): %s", user, attempt, PQerrorMessage(pg));
        PQfinish(pg);
        if (stop && *stop) return NULL;
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (delay_ms < 5000) delay_ms *= 2;
        if (delay_ms > 5000) delay_ms = 5000;
    }
}

/* ------------------------------------------------------- statement cache
 *
 * Most statements run thousands of times a second with the same text: each
 * is prepared once per connection (PQprepare) and then only executed
 * (PQexecPrepared), which saves the server's parse, analysis and planning
 * of every call. The cache of a connection is keyed by the statement's text;
 * it is forgotten when the connection's backend changes (PQreset after a lost
 * connection gives a new backend pid, whose session has no statements) and
 * when the server says a statement is gone or stale. Statement names come
 * from one process-wide counter and are never reused, so a cache that was
 * dropped while its session lived on cannot collide with the statements it
 * left behind. Only plain DML and queries are prepared; anything else
 * (transaction control, DDL) runs unprepared. Bounded: PG_CACHE_CONNS
 * connections of PG_CACHE_STATEMENTS statements each; beyond that statements
 * run unprepared, as they did before. */
#define PG_CACHE_CONNS 16
#define PG_CACHE_STATEMENTS 256

typedef char pg_stmt_name_t[24];

typedef struct {
    PGconn *conn; /* NULL: free entry */
    int backend_pid;
    int deferring;  /* pg_defer_begin() .. pg_defer_end() */
    int queued;     /* commands sent in pipeline mode, results not yet read */
    int failed;     /* a deferred command failed since pg_defer_begin() */
    strmap_t stmts; /* sql -> the name of its prepared statement (pg_stmt_name_t) */
} pg_cache_t;

static pg_cache_t *pg_caches[PG_CACHE_CONNS];
static unsigned pg_cache_evict_next;
static unsigned long long pg_stmt_counter;
static pthread_mutex_t pg_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void cache_clear(pg_cache_t *c) { strmap_clear(&c->stmts); }

/* The cache of pg, created or taken over as needed; NULL when out of memory.
 * Called with pg_cache_lock held. */
static pg_cache_t *cache_of(PGconn *pg) {
    pg_cache_t *free_entry = NULL;
    for (size_t i = 0; i < PG_CACHE_CONNS; i++) {
        if (pg_caches[i] && pg_caches[i]->conn == pg) {
            if (pg_caches[i]->backend_pid != PQbackendPID(pg)) { /* reconnected: a new session */
                cache_clear(pg_caches[i]);
                pg_caches[i]->backend_pid = PQbackendPID(pg);
            }
            return pg_caches[i];
        }
        if (!free_entry && pg_caches[i] && !pg_caches[i]->conn) free_entry = pg_caches[i];
    }
    if (!free_entry) {
        for (size_t i = 0; i < PG_CACHE_CONNS && !free_entry; i++)
            if (!pg_caches[i] && (free_entry = pg_caches[i] = calloc(1, sizeof *pg_caches[i])))
                free_entry->stmts = (strmap_t)STRMAP_INIT(pg_stmt_name_t);
    }
    if (!free_entry) { /* every entry taken (connections finished without pg_forget()): reuse one */
        free_entry = pg_caches[pg_cache_evict_next++ % PG_CACHE_CONNS];
        cache_clear(free_entry);
    }
    if (!free_entry) return NULL;
    free_entry->conn = pg;
    free_entry->backend_pid = PQbackendPID(pg);
    free_entry->deferring = free_entry->queued = free_entry->failed = 0;
    return free_entry;
}

static int preparable(const char *sql) {
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(') sql++;
    static const char *const verbs[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strncasecmp(sql, verbs[i], strlen(verbs[i])) == 0) return 1;
    return 0;
}

static void log_failure(PGconn *pg, const PGresult *r, const char *sql) {
    const char *msg = r ? PQresultErrorMessage(r) : NULL;
    char first[120];
    snprintf(first, sizeof first, "%s", sql);
    for (char *p = first; *p; p++)
        if (*p == '\n') *p = ' ';
    log_error("sql failed: %s -- in: %s", (msg && *msg) ? msg : PQerrorMessage(pg), first);
}

/* The name of sql's prepared statement on pg, preparing it first when needed:
 * 1 with *name set, 0 when it is to run unprepared, -1 when preparing failed
 * (logged; *failed holds the server's result, caller clears it). */
static int statement_for(PGconn *pg, const char *sql, int n, char name[24], PGresult **failed) {
    if (!preparable(sql)) return 0;
    pthread_mutex_lock(&pg_cache_lock);
    pg_cache_t *c = cache_of(pg);
    const char *known = c ? strmap_get(&c->stmts, sql) : NULL;
    if (known) {
        memcpy(name, known, 24);
        pthread_mutex_unlock(&pg_cache_lock);
        return 1;
    }
    if (!c || strmap_count(&c->stmts) >= PG_CACHE_STATEMENTS) {
        pthread_mutex_unlock(&pg_cache_lock);
        return 0;
    }
    snprintf(name, 24, "jy%llu", ++pg_stmt_counter);
    pthread_mutex_unlock(&pg_cache_lock);

    PGresult *r = PQprepare(pg, name, sql, n, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *failed = r;
        return -1;
    }
    PQclear(r);
    pthread_mutex_lock(&pg_cache_lock);
    c = cache_of(pg); /* the same entry: nothing else runs on pg meanwhile */
    if (c && strmap_count(&c->stmts) < PG_CACHE_STATEMENTS) memcpy(strmap_put(&c->stmts, sql, NULL), name, 24);
    pthread_mutex_unlock(&pg_cache_lock);
    return 1;
}

/* After an error that says the session lost its statements (or a schema
 * change made one stale), forget them all: the next calls prepare again. */
static void forget_statements(PGconn *pg) {
    pthread_mutex_lock(&pg_cache_lock);
    for (size_t i = 0; i < PG_CACHE_CONNS; i++)
        if (pg_caches[i] && pg_caches[i]->conn == pg) cache_clear(pg_caches[i]);
    pthread_mutex_unlock(&pg_cache_lock);
}

static void forget_if_stale(PGconn *pg, const PGresult *r) {
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0)) forget_statements(pg);
}

void pg_forget(PGconn *pg) {
    pthread_mutex_lock(&pg_cache_lock);
    for (size_t i = 0; i < PG_CACHE_CONNS; i++)
        if (pg_caches[i] && pg_caches[i]->conn == pg) {
            cache_clear(pg_caches[i]);
            pg_caches[i]->conn = NULL;
        }
    pthread_mutex_unlock(&pg_cache_lock);
}

void pg_finish(PGconn *pg) {
    if (!pg) return;
    pg_forget(pg);
    PQfinish(pg);
}

/* ------------------------------------------------------- deferred commands
 *
 * Between pg_defer_begin() and pg_defer_end(), pg_cmd() of a statement that
 * is already prepared does not wait for its result: it is sent in libpq's
 * pipeline mode and its result read at the next statement that needs one
 * (pg_exec*, a transaction command, pg_defer_end()), so a run of writes
 * costs one round trip instead of one each. A deferred command that fails
 * makes that next statement fail as well (the transaction is aborted anyway)
 * and is remembered for pg_defer_end(). At most DEFER_MAX commands wait, so
 * what the server sends back stays far below a socket buffer (blocking
 * libpq could otherwise stall on a long pipeline). */
#define DEFER_MAX 256

static pg_cache_t *deferring_cache(PGconn *pg) {
    pthread_mutex_lock(&pg_cache_lock);
    pg_cache_t *c = NULL;
    for (size_t i = 0; i < PG_CACHE_CONNS && !c; i++)
        if (pg_caches[i] && pg_caches[i]->conn == pg && pg_caches[i]->deferring) c = pg_caches[i];
    pthread_mutex_unlock(&pg_cache_lock);
    return c;
}

/* Read the results of every command sent in pipeline mode, up to the sync
 * point, and leave pipeline mode. With tail (a statement that needs its
 * result), that statement is sent last in the same pipeline, so the writes
 * before it and the read cost one round trip: *tail_result is its result
 * when it succeeded, else NULL. Returns 0, or -1 when a deferred command (or
 * the pipeline) failed. A pipeline that cannot be left (lost connection) is
 * reset, which gives a new session. */
typedef struct {
    const char *name;
    int n;
    const char *const *params;
    const int *lengths, *formats;
    int result_format;
    const char *sql; /* for the log */
} pg_tail_t;

static int drain(PGconn *pg, pg_cache_t *c, const pg_tail_t *tail, PGresult **tail_result) {
    if (tail_result) *tail_result = NULL;
    if (!c || PQpipelineStatus(pg) == PQ_PIPELINE_OFF) return 0;
    int rc = 0, commands = c->queued, done = 0, synced = 0;
    if (tail) {
        if (PQsendQueryPrepared(pg, tail->name, tail->n, tail->params, tail->lengths, tail->formats,
                                tail->result_format) == 1) {
            commands++;
        } else {
            log_error("sql not sent: %s", PQerrorMessage(pg));
            tail = NULL;
            rc = -1;
        }
    }
    if (PQpipelineSync(pg) != 1) rc = -1;
    while (rc == 0 || PQstatus(pg) == CONNECTION_OK) {
        PGresult *r = PQgetResult(pg);
        if (!r) { /* end of one command's results */
            if (++done > commands) break; /* more ends than commands: nothing left to read */
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            synced = 1;
            break;
        }
        int is_tail = tail && done == commands - 1;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            if (is_tail && tail_result && !*tail_result) {
                *tail_result = r;
                continue;
            }
        } else if (st != PGRES_PIPELINE_ABORTED) {
            log_failure(pg, r, is_tail ? tail->sql : "(deferred command)");
            forget_if_stale(pg, r);
            if (!is_tail) rc = -1;
        } else if (!is_tail) {
            rc = -1;
        }
        PQclear(r);
    }
    c->queued = 0;
    if (!synced || PQexitPipelineMode(pg) != 1) {
        log_error("leaving pipeline mode: %s; resetting the connection", PQerrorMessage(pg));
        if (tail_result) PQclear(*tail_result), *tail_result = NULL;
        PQreset(pg);
        forget_statements(pg); /* a new session, whatever its pid */
        rc = -1;
    }
    if (rc != 0) c->failed = 1;
    return rc;
}

void pg_defer_begin(PGconn *pg) {
    pthread_mutex_lock(&pg_cache_lock);
    pg_cache_t *c = cache_of(pg);
    if (c) c->deferring = 1, c->queued = 0, c->failed = 0;
    pthread_mutex_unlock(&pg_cache_lock);
}

int pg_defer_end(PGconn *pg) {
    pg_cache_t *c = deferring_cache(pg);
    if (!c) return 0;
    int rc = drain(pg, c, NULL, NULL) != 0 || c->failed ? -1 : 0;
    c->deferring = c->failed = 0;
    return rc;
}

/* The name of sql's statement when c already prepared it on pg's session. */
static int cached_name(PGconn *pg, pg_cache_t *c, const char *sql, char name[24]) {
    if (PQbackendPID(pg) != c->backend_pid) return 0;
    pthread_mutex_lock(&pg_cache_lock);
    const char *known = strmap_get(&c->stmts, sql);
    if (known) memcpy(name, known, 24);
    pthread_mutex_unlock(&pg_cache_lock);
    return known != NULL;
}

/* Send a prepared command without waiting: 1 when sent, 0 when it is to run
 * the ordinary way (not deferring, not prepared yet, pipeline full). */
static int defer_cmd(PGconn *pg, const char *sql, int n, const char *const *params, const int *lengths,
                     const int *formats) {
    pg_cache_t *c = deferring_cache(pg);
    if (!c || !preparable(sql)) return 0;
    if (c->queued >= DEFER_MAX && drain(pg, c, NULL, NULL) != 0) return -1;
    char name[24];
    if (!cached_name(pg, c, sql, name)) return 0;
    if (PQpipelineStatus(pg) == PQ_PIPELINE_OFF && PQenterPipelineMode(pg) != 1) return 0;
    if (PQsendQueryPrepared(pg, name, n, params, lengths, formats, 0) != 1) { /* libpq copies the values now */
        log_error("sql not sent: %s", PQerrorMessage(pg));
        c->failed = 1;
        return -1;
    }
    c->queued++;
    return 1;
}

PGresult *pg_exec_bin(PGconn *pg, const char *sql, int n, const char *const *params,
                      const int *lengths, const int *formats, int result_format) {
    char name[24];
    PGresult *r = NULL;
    pg_cache_t *deferring = deferring_cache(pg);
    if (deferring && PQpipelineStatus(pg) != PQ_PIPELINE_OFF) {
        /* Writes are waiting: send this after them when it is prepared (one
         * round trip for all), else read theirs first. Either way a failed
         * write fails this statement too (the transaction is aborted). */
        if (cached_name(pg, deferring, sql, name)) {
            pg_tail_t tail = {name, n, params, lengths, formats, result_format, sql};
            if (drain(pg, deferring, &tail, &r) != 0) {
                PQclear(r);
                return NULL;
            }
            return r; /* NULL when this statement failed (logged) */
        }
        if (drain(pg, deferring, NULL, NULL) != 0) return NULL;
    }
    int prepared = statement_for(pg, sql, n, name, &r);
    if (prepared == 1)
        r = PQexecPrepared(pg, name, n, params, lengths, formats, result_format);
    else if (prepared == 0)
        r = PQexecParams(pg, sql, n, NULL, params, lengths, formats, result_format);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    log_failure(pg, r, sql);
    if (r) forget_if_stale(pg, r);
    PQclear(r);
    return NULL;
}

PGresult *pg_exec(PGconn *pg, const char *sql, int n, const char *const *params) {
    return pg_exec_bin(pg, sql, n, params, NULL, NULL, 0);
}

int pg_cmd_bin(PGconn *pg, const char *sql, int n, const char *const *params, const int *lengths,
               const int *formats) {
    int deferred = defer_cmd(pg, sql, n, params, lengths, formats);
    if (deferred) return deferred == 1 ? 0 : -1;
    PGresult *r = pg_exec_bin(pg, sql, n, params, lengths, formats, 0);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

int pg_cmd(PGconn *pg, const char *sql, int n, const char *const *params) {
    return pg_cmd_bin(pg, sql, n, params, NULL, NULL);
}

int pg_begin(PGconn *pg) { return pg_cmd(pg, "BEGIN", 0, NULL); }
int pg_commit(PGconn *pg) { return pg_cmd(pg, "COMMIT", 0, NULL); }

void pg_rollback(PGconn *pg) {
    drain(pg, deferring_cache(pg), NULL, NULL);
    PGresult *r = PQexec(pg, "ROLLBACK");
    PQclear(r);
}

int pg_alive(PGconn *pg) {
    if (PQstatus(pg) == CONNECTION_OK) return 1;
    log_warn("PostgreSQL connection lost; reconnecting");
    PQreset(pg);
    forget_statements(pg); /* a new session, whatever its pid */
    return PQstatus(pg) == CONNECTION_OK;
}

int pg_check_schema(PGconn *pg, int version) {
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {v};
    PGresult *r = pg_exec(pg, "SELECT coalesce(max(version), 0) FROM public.schema_migrations WHERE version <= $1::int", 1, p);
    if (!r) return -1;
    int found = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10); /* server-produced integer */
    PQclear(r);
    if (found != version) {
        log_error("database schema is at migration %d, this build needs %d: run the migrate step", found, version);
        return -1;
    }
    return 0;
}

char *pg_text_array(const char *const *items, int n) {
    size_t cap = 3;
    for (int i = 0; i < n; i++) cap += 2 * strlen(items[i]) + 3;
    char *out = malloc(cap), *p = out;
    if (!out) return NULL;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        if (i) *p++ = ',';
        *p++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\') *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* Binary array: ndim, has-nulls flag, element oid, then (size, lower bound)
 * per dimension, then (length, bytes) per element; integers big-endian. */
static void array_put32(pg_array_t *a, size_t at, uint32_t v) {
    v = htobe32(v);
    memcpy(a->buf + at, &v, 4);
}

static void array_reserve(pg_array_t *a, size_t more) {
    if (a->len + more <= a->cap) return;
    size_t cap = a->cap ? a->cap : 4096;
    while (cap < a->len + more) cap *= 2;
    a->buf = xrealloc(a->buf, cap);
    a->cap = cap;
}

void pg_array_reset(pg_array_t *a, unsigned elem_oid) {
    a->len = 0;
    a->count = 0;
    array_reserve(a, 20);
    array_put32(a, 0, 1);        /* one dimension */
    array_put32(a, 4, 0);        /* no NULLs */
    array_put32(a, 8, elem_oid); /* element type */
    array_put32(a, 12, 0);       /* size: set as elements come */
    array_put32(a, 16, 1);       /* lower bound */
    a->len = 20;
}

void *pg_array_add_space(pg_array_t *a, size_t len) {
    assert(a->len >= 20 && len <= INT32_MAX);
    array_reserve(a, 4 + len);
    array_put32(a, a->len, (uint32_t)len);
    void *at = a->buf + a->len + 4;
    a->len += 4 + len;
    array_put32(a, 12, (uint32_t)++a->count);
    return at;
}

void pg_array_add(pg_array_t *a, const void *data, size_t len) {
    void *at = pg_array_add_space(a, len);
    if (len) memcpy(at, data, len);
}

void pg_array_add_null(pg_array_t *a) {
    assert(a->len >= 20);
    array_reserve(a, 4);
    array_put32(a, a->len, UINT32_MAX); /* length -1: NULL */
    a->len += 4;
    array_put32(a, 4, 1); /* has NULLs */
    array_put32(a, 12, (uint32_t)++a->count);
}

const char *pg_array_data(const pg_array_t *a) { return (const char *)a->buf; }
int pg_array_len(const pg_array_t *a) { return (int)a->len; }

void pg_array_free(pg_array_t *a) {
    free(a->buf);
    memset(a, 0, sizeof *a);
}

int pg_index_probes(PGconn *pg, int on) {
    return pg_cmd(pg,
                  on ? "SELECT set_config('enable_seqscan', 'on', true), set_config('enable_hashjoin', 'on', true), "
                       "set_config('enable_mergejoin', 'on', true)"
                     : "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                       "set_config('enable_mergejoin', 'off', true)",
                  0, NULL);
}
