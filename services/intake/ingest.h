/* ingest.h: the one storage path for accepted events, shared by HTTP and ZeroMQ.
 *
 * A batch is stored in one transaction (which several batches may share): each
 * valid event is inserted into intake.events and, in the same transaction, its
 * Envelope into intake.outbox for the rules service. Idempotency is on (source, event_id): the same event
 * again is `duplicate`; the same event_id with other content is `rejected`.
 * The caller replies only after ingest_store_batches() returned 0 (committed). */
#ifndef JIUYE_INTAKE_INGEST_H
#define JIUYE_INTAKE_INGEST_H

#include <libpq-fe.h>
#include <stddef.h>

#include "events.pb-c.h"

#define INGEST_MAX_EVENTS 1000

typedef enum { INGEST_ACCEPTED, INGEST_DUPLICATE, INGEST_REJECTED } ingest_status_t;

typedef struct ingest_item {
    Jiuye__Event *ev;   /* owned; NULL when rejected before storage */
    char event_id[132]; /* as given, for the reply ("" if none) */
    long index;         /* position in the request */
    int type;           /* event_type_index() of the type it names, -1 if none (metrics) */
    ingest_status_t status;
    char error[320];
} ingest_item_t;

/* One caller's batch, for ingest_store_batches(). */
typedef struct ingest_batch {
    const char *source;
    ingest_item_t *items;
    size_t n;
} ingest_batch_t;

/* A store thread's transaction on pg with its outbox rows and the buffers of
 * its statements, made once and reused by every transaction (nothing of it is
 * per process: each store thread has its own). Caller owns it; pg stays the
 * caller's. Aborts when out of memory. */
typedef struct ingest ingest_t;
ingest_t *ingest_new(PGconn *pg);
void ingest_destroy(ingest_t **g); /* NULL *g is fine; sets *g to NULL */

/* Store the valid items (those with ev != NULL) of one or more batches, at most
 * INGEST_MAX_EVENTS items in all, in one transaction, and set each item's status:
 * one commit, so one WAL flush, for all of them (the store thread takes the
 * batches that queued while it stored the one before). Each status is what
 * storing the batches one after the other, in this order, would give: an
 * event_id a source sends twice is `accepted` the first time. Returns 0 when
 * committed, -1 when the database failed (nothing stored; the caller answers
 * 503). Not thread-safe: one store thread calls it with its own g. */
int ingest_store_batches(ingest_t *g, const ingest_batch_t *batches, size_t n_batches)
    __attribute__((warn_unused_result));

/* "accepted", "duplicate" or "rejected": a static string. st must be one of
 * the three. */
const char *ingest_status_name(ingest_status_t st);

/* Free the events held by items. */
void ingest_items_free(ingest_item_t *items, size_t n);

#endif
