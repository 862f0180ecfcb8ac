/* store_thread.h: accepted batches stored on a thread of their own.
 *
 * The loop thread authenticates, parses and validates a request (HTTP or an
 * EventBatch), then hands its items to this thread, which stores them
 * on a PostgreSQL connection of its own and hands the batch back; the loop then
 * answers the caller. So the loop parses the next request while PostgreSQL
 * stores this one, instead of each waiting for the other (parsing and storing
 * cost about the same, and done one after the other each left a core idle).
 *
 * One thread, one connection, batches stored in the order handed: intake.outbox
 * has one writer, so its seq order is its commit order, which link.c's producer
 * needs (it reads rows after the last seq it saw). The batches that queued while
 * one transaction ran are stored together in the next (up to INGEST_MAX_EVENTS
 * events, ingest_store_batches): one commit, one WAL flush for all of them, which
 * with synchronous_commit on is much of what a transaction of 100 events waits for.
 * A caller is answered only from the done callback, after its transaction
 * ended, so nothing is acknowledged before its COMMIT (kill -9 at any moment
 * loses only batches no one was told were stored).
 *
 *   loop thread                          store thread
 *   store_thread_push(job) ──queue──▶    ingest_store_batches(pg, jobs queued)
 *                                        (a dead connection: reset, tried once more)
 *   job->done(job)          ◀─eventfd──  done list
 */
#ifndef JIUYE_INTAKE_STORE_THREAD_H
#define JIUYE_INTAKE_STORE_THREAD_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "ingest.h"

typedef struct store_job store_job_t;
struct store_job {
    char source[80];
    ingest_item_t *items; /* the caller's; storing sets their statuses */
    size_t n;
    int rc; /* when done runs: 0 committed, -1 nothing stored */
    /* Called on the loop thread once the batch is stored or refused (and, with rc -1,
     * for batches never stored when the thread stops). Owns job from then on. */
    void (*done)(store_job_t *job);
    store_job_t *next; /* the queue's */
};

typedef struct store_thread store_thread_t;

/* Start the thread, which owns pg from now on (pg_finish()ed by store_thread_stop).
 * Its done callbacks run in base's loop. Returns NULL (logged) on failure; pg is
 * then still the caller's. */
store_thread_t *store_thread_start(struct event_base *base, PGconn *pg);

/* Queue the batch (items[0..n) from source; items stay the caller's, but are not to be
 * touched until done(job) runs) to be stored after those queued before it. job is
 * usually the first member of the caller's own struct, which done casts back. */
void store_thread_push(store_thread_t *t, store_job_t *job, const char *source, ingest_item_t *items, size_t n,
                       void (*done)(store_job_t *job));

/* Batches handed and not yet given back (queued, being stored, or stored and
 * waiting for the loop): what /metrics shows and what the ZeroMQ door bounds. */
size_t store_thread_pending(const store_thread_t *t);

/* Wait for the batch being stored, then call done with rc -1 for every batch
 * never stored, run the done callbacks of those stored, join the thread and
 * free it; accepts NULL and sets *t to NULL. */
void store_thread_stop(store_thread_t **t);

#endif
