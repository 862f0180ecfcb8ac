/* pg.h: the few libpq patterns every service uses.
 *
 * Every statement is parameterized: no value is ever spliced into SQL text.
 * Queries and DML are prepared once per connection and then only executed
 * (a cache keyed by the statement's text, renewed after a reconnect; pg.c). A service holds one connection, used by its single event
 * loop thread; pg_connect() retries with backoff until the database answers,
 * so a service started before PostgreSQL waits for it instead of dying.
 *
 * Errors: functions returning int give 0 on success and -1 on failure, after
 * logging the server's message. pg_exec() returns NULL on failure. */
#ifndef JIUYE_PG_H
#define JIUYE_PG_H

#include <libpq-fe.h>
#include <signal.h>

/* Connect as role `user` (password from env `password_env` when set) to the
 * database named by the conninfo in JIUYE_DB. Retries every 0.2 s..5 s until
 * connected or *stop becomes non-zero (then returns NULL). Caller owns the result. */
PGconn *pg_connect(const char *user, const char *password_env, const char *app_name,
                   volatile sig_atomic_t *stop);
/* The same with session settings for the server ("-c name=value ..."), which
 * a reset connection keeps. */
PGconn *pg_connect_with(const char *user, const char *password_env, const char *app_name, const char *options,
                        volatile sig_atomic_t *stop);

/* Run sql with n text parameters (NULL entries are SQL NULL). Returns the
 * result (caller PQclear()s it) when its status is COMMAND_OK or TUPLES_OK,
 * else logs, clears and returns NULL. */
PGresult *pg_exec(PGconn *pg, const char *sql, int n, const char *const *params)
    __attribute__((warn_unused_result));

/* Like pg_exec() with per-parameter lengths and formats (for bytea) and a
 * result format (0 text, 1 binary). */
PGresult *pg_exec_bin(PGconn *pg, const char *sql, int n, const char *const *params,
                      const int *lengths, const int *formats, int result_format)
    __attribute__((warn_unused_result));

/* Run a statement whose result is not needed. Returns 0 or -1. */
int pg_cmd(PGconn *pg, const char *sql, int n, const char *const *params)
    __attribute__((warn_unused_result));
/* The same with per-parameter lengths and formats (bytea), as pg_exec_bin(). */
int pg_cmd_bin(PGconn *pg, const char *sql, int n, const char *const *params, const int *lengths,
               const int *formats) __attribute__((warn_unused_result));

/* Forget pg's prepared statements (before PQfinish, or when its session was
 * replaced behind pg.c's back). pg_finish() forgets, then PQfinish()es; NULL is fine. */
void pg_forget(PGconn *pg);
void pg_finish(PGconn *pg);

/* For a statement whose plan must probe indexes whatever the statistics say:
 * a generic plan made while its tables were new and nearly empty (or just
 * analyzed so) keeps scanning them whole as they grow (docs/performance.md
 * "Registry lookup forced to probe indexes"). pg_index_probes(pg, 0) turns sequential scans, hash and
 * merge joins off in the open transaction, pg_index_probes(pg, 1) back on;
 * put the statement between them. Both are deferred like other commands
 * (pg_defer_begin). Returns 0 or -1. */
int pg_index_probes(PGconn *pg, int on) __attribute__((warn_unused_result));

/* Deferred commands (one round trip for a run of writes): between
 * pg_defer_begin() and pg_defer_end(), pg_cmd() of an already prepared
 * statement is sent without waiting for its result and returns 0; its
 * failure shows at the next pg_exec*() / pg_commit() (which then fail) and in
 * pg_defer_end(), which reads what is outstanding and returns -1 when any
 * deferred command failed since pg_defer_begin() (0 otherwise). Call
 * pg_defer_end() before COMMIT to tell a deferred failure apart. */
void pg_defer_begin(PGconn *pg);
int pg_defer_end(PGconn *pg) __attribute__((warn_unused_result));

/* BEGIN, COMMIT: pg_cmd() of that word, so 0 or -1 (logged). pg_rollback()
 * first reads the results of deferred commands still outstanding, then sends
 * ROLLBACK and ignores its outcome: it is called on paths that already
 * failed, the connection perhaps lost. */
int pg_begin(PGconn *pg) __attribute__((warn_unused_result));
int pg_commit(PGconn *pg) __attribute__((warn_unused_result));
void pg_rollback(PGconn *pg);

/* Is the connection usable? If not, try one reset. Returns 1 when up. */
int pg_alive(PGconn *pg);

/* Refuse to run on a schema older than `version` (docs/architecture.md "Data ownership": services refuse
 * to start on a schema they don't know). Returns 0 when public.schema_migrations
 * holds `version`, else logs what was found and returns -1. */
int pg_check_schema(PGconn *pg, int version) __attribute__((warn_unused_result));

/* Build a PostgreSQL text[] literal ("{\"a\",\"b\"}") from n strings into a
 * malloc'd string; caller frees. */
char *pg_text_array(const char *const *items, int n);

/* A one-dimensional array parameter in PostgreSQL's binary format, for
 * statements that take a whole batch at once ("... unnest($1::text[])").
 * Pass pg_array_data()/pg_array_len() with format 1. The buffer is kept
 * between batches (pg_array_reset()), so a batch costs no allocation once
 * the largest one was seen. Allocation failure aborts (xalloc.h). */
#define PG_OID_BYTEA 17
#define PG_OID_TEXT 25
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int count;
} pg_array_t;

/* Start (or restart) an empty array of elements of type elem_oid. */
void pg_array_reset(pg_array_t *a, unsigned elem_oid);
/* Append an element: a copy of data's len bytes. Reset a first. */
void pg_array_add(pg_array_t *a, const void *data, size_t len);
/* Append a NULL element. */
void pg_array_add_null(pg_array_t *a);
/* Append an element of len bytes and return where to write them (valid until the next add). */
void *pg_array_add_space(pg_array_t *a, size_t len);
/* The array in PostgreSQL's binary format and its length in bytes, to pass
 * as a binary parameter: owned by a, valid until it changes. */
const char *pg_array_data(const pg_array_t *a);
int pg_array_len(const pg_array_t *a);
/* Free a's buffer and zero it. */
void pg_array_free(pg_array_t *a);

#endif
