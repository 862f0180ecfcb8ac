/* same_rows.h: the ceiling of docs/performance.md, "the same rows written to the same
 * PostgreSQL by a plain batched insert".
 *
 * same_rows_snapshot() reads, per table of the four services' schemas, how many rows
 * were inserted, updated and deleted so far (pg_stat_user_tables). same_rows_write()
 * then writes what the suite wrote since: for each table, as many rows as it inserted,
 * copied from the table itself, into an empty clone in bench_scratch (LIKE ... INCLUDING
 * ALL: the same columns, defaults, constraints and indexes; no triggers, no foreign
 * keys) by COPY FROM STDIN of SAME_ROWS_CHUNK rows per transaction, then as many updates
 * and deletes, SAME_ROWS_CHUNK rows per statement and transaction, all on one
 * connection with synchronous_commit on. Rows updated or deleted in the window but
 * inserted before it (an acknowledgement of the previous scenario's last message) are
 * put into the clone first, untimed. Outbox rows are deleted on acknowledgement, so
 * none are left to copy: their clones get rows of the same count whose payload is an
 * event as rules stored it (rules.events.event), which is what intake's outbox carries
 * and smaller than what the later stages' carry. Only the writing is timed. */
#ifndef JIUYE_BENCH_SAME_ROWS_H
#define JIUYE_BENCH_SAME_ROWS_H

#include <libpq-fe.h>

#define SAME_ROWS_CHUNK 1000
#define SAME_ROWS_TABLES 64

typedef struct {
    int n;
    struct {
        char schema[32], table[64];
        long long ins, upd, del;
    } t[SAME_ROWS_TABLES];
} same_rows_t;

typedef struct {
    long long counted;  /* rows the suite inserted + updated + deleted since the snapshot */
    long long writes;   /* rows inserted + updated + deleted by the timed part */
    long long missing;  /* writes that had no row to copy (counted, not written) */
    double seconds;     /* time spent writing */
    char slowest[400];  /* "table seconds, ..." of the three that took longest */
} same_rows_result_t;

void same_rows_snapshot(PGconn *db, same_rows_t *snap);

/* Returns 0, or -1 (with the server's message on stderr) when a statement failed. */
int same_rows_write(PGconn *db, const same_rows_t *before, same_rows_result_t *out);

#endif
