/* link.h: the delivery protocol between two services (docs/architecture.md "Delivery").
 *
 *   producer                                      consumer
 *   --------                                      --------
 *   BEGIN; effect; link_outbox_put(); COMMIT
 *   link_producer_pump() --Envelope--> ROUTER     BEGIN
 *       (DEALER, ZMQ_IMMEDIATE)                   INSERT consumed(the batch's ids)  -- one
 *                                                   statement; an id not taken is a duplicate:
 *                                                   skip the effect, still ack
 *                                                 handler() per new message: effect + its own
 *                                                   outbox rows (collected, written in one
 *                                                   INSERT; writes deferred: pg_defer_begin;
 *                                                   rows kept by participants: txn_flush)
 *                                                 COMMIT
 *   DELETE outbox row  <------Ack------------     ack every message of the batch
 *
 * An outbox row moves:  stored --pump--> in flight --Ack--> deleted
 *                                           \--no Ack within JIUYE_ACK_TIMEOUT_MS--> sent again
 * After a restart every stored row is loaded and sent again.
 * A consumer takes what its socket holds (up to LINK_BATCH) and, when that is
 * less than a full batch (a burst, not a backlog), commits and acknowledges it
 * in slices, so that the next stage starts before this one finishes the burst.
 *
 * Invariants:
 *   - a row is deleted only on an Ack, and an Ack leaves only after the consumer's
 *     commit: a kill -9 anywhere loses nothing;
 *   - consumed(message_id) is a primary key written in the effect's transaction:
 *     a message delivered twice takes effect once;
 *   - at most LINK_WINDOW messages are in flight (bounded memory); the rest wait
 *     in the outbox table, which is the backlog;
 *   - one writer per outbox (the service's single loop thread), so loading rows
 *     by increasing seq never skips one.
 * A message the handler rejects for good (bad data, a bug) is kept in the
 * consumer's dead_letters table with its error and acknowledged: visible to
 * operators, never retried forever, never silently dropped.
 *
 * A consumer transaction (consumer_run_batch in link.c; the participants'
 * calls are txn.h's):
 *
 *   fast ──begin hook, every handler, txn_flush, pg_defer_end──▶ COMMIT ─▶ txn_end, ack
 *     │  any of them failed on a live connection:
 *     │  txn_discard(whole), ROLLBACK, txn_end
 *     ▼
 *   careful: per message  SAVEPOINT; handler; txn_flush
 *     ├─ ok ─────────────▶ RELEASE SAVEPOINT ─▶ next message ─▶ COMMIT ─▶ txn_end, ack
 *     └─ LINK_REJECT ────▶ txn_discard(message), ROLLBACK TO SAVEPOINT,
 *                          INSERT dead_letters ─▶ next message
 *   LINK_RETRY, a lost connection, or a failure in careful mode outside a
 *   message: txn_discard(whole), ROLLBACK, txn_end; no ack (the producer
 *   sends again).
 *
 * Both ends watch their socket's ZMQ_FD in the libevent loop. ZMQ_FD is
 * edge-triggered: after every wake-up and every send, ZMQ_EVENTS is read and
 * the socket drained until it says no more. */
#ifndef JIUYE_LINK_H
#define JIUYE_LINK_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "envelope.pb-c.h"
#include "txn.h"

#define LINK_WINDOW 1000 /* messages in flight per producer */
#define LINK_BATCH 256   /* messages per consumer transaction */
#define LINK_MAX_MSG (16 * 1024 * 1024)

typedef struct link_producer link_producer_t;
typedef struct link_consumer link_consumer_t;

typedef enum {
    LINK_OK = 0,      /* effect written in the open transaction */
    LINK_REJECT = -1, /* this message can never succeed: dead-letter it */
    LINK_RETRY = -2,  /* transient (database down): roll back, no ack, try later */
} link_status_t;

/* Called inside the consumer's open transaction for each new message: t is
 * that transaction (txn.h): txn_pg(t) its connection, txn_careful(t) its
 * mode, the participants the service joined to it (link_consumer_txn). */
typedef link_status_t (*link_handler_fn)(void *ctx, txn_t *t, const Jiuye__Envelope *env, char *err, size_t errlen);
/* Called after each committed batch (typically: pump the service's own producer). */
typedef void (*link_committed_fn)(void *ctx);

/* Outbox rows collected for a transaction and written with one INSERT of
 * arrays instead of one a row: a participant of the transaction (txn.h).
 * link_outbox_put(t, schema, env) keeps env when t has an outbox of that
 * schema joined (writing early past 1 024 rows or 8 MiB), else inserts it at
 * once; the outbox's flush writes what is kept, its discard drops it. The
 * consumer joins one to its transaction; intake's store thread joins its own.
 * The buffers are kept from one transaction to the next. */
typedef struct link_outbox link_outbox_t;
extern const txn_part_t link_outbox_part;
link_outbox_t *link_outbox_new(const char *schema); /* caller owns; aborts when out of memory */
void link_outbox_destroy(link_outbox_t **o); /* NULL *o is fine; sets *o to NULL */

/* Store env in <schema>.outbox inside t's open transaction. Returns 0 or -1. */
int link_outbox_put(txn_t *t, const char *schema, const Jiuye__Envelope *env) __attribute__((warn_unused_result));

/* A producer that sends <schema>.outbox to the consumer at endpoint (connect).
 * name is for logs and metrics ("intake->rules"). Returns NULL on a socket
 * error or out of memory. Caller owns it (link_producer_destroy). */
link_producer_t *link_producer_new(struct event_base *base, PGconn *pg, const char *name,
                                   const char *schema, const char *endpoint);
/* Load newly stored rows (up to the window) and send what is unsent. Call after each commit. */
void link_producer_pump(link_producer_t *p);
/* Messages in flight (loaded, not yet acknowledged). */
size_t link_producer_inflight(const link_producer_t *p);
/* The name given to link_producer_new (owned by p). */
const char *link_producer_name(const link_producer_t *p);
/* Prometheus lines for a link: the producer's backlog (rows in its outbox) and
 * messages in flight (gauges); the consumer's jiuye_stage_seconds histograms
 * (span="delivered": a message's producer outbox insert to this consumer's
 * commit; span="batch": the consumer's transaction) and dead letters (gauge). */
struct evbuffer;
void link_producer_metrics(link_producer_t *p, struct evbuffer *out);
void link_consumer_metrics(link_consumer_t *c, struct evbuffer *out);

/* Rows in the outbox (the backlog), or -1 when the database does not answer. */
long link_producer_backlog(link_producer_t *p);
/* Close p's socket and free it with what is in flight (still in the outbox
 * table: sent again after a restart); NULL *p is fine; *p is set to NULL. */
void link_producer_destroy(link_producer_t **p);

/* The consumer's transaction, made once and reused by every batch: the
 * service joins its participants to it (txn_join) before the loop starts.
 * The consumer calls them as txn.h draws it; in fast mode it flushes them
 * once, after every handler of the transaction; in careful mode after each
 * message's handler, under its savepoint, so that a row that fails is
 * dead-lettered with its message alone. */
txn_t *link_consumer_txn(link_consumer_t *c);

/* Before the handlers of each transaction, after the consumed marks: begin
 * gets the messages that take effect for the first time, so that a consumer
 * can read what its handlers will look up with one statement (rules: the
 * registry rows of the events' persons), or write ahead what they would each
 * write (subsidy: the decisions as settled) — the latter in fast mode only
 * (txn_careful(t) = 0): in careful mode each message runs under its own
 * savepoint, and a write made before it would outlive a message rolled back.
 * What begin keeps belongs to a participant of t, which forgets it at
 * txn_end (commit or rollback) or when a careful mode's message is rolled
 * back to its savepoint (discard). A non-zero return in fast mode runs the
 * transaction again in careful mode (where the message at fault is
 * dead-lettered); in careful mode, or with the connection lost, the batch is
 * retried. */
typedef int (*link_begin_fn)(void *ctx, txn_t *t, const Jiuye__Envelope *const *envs, size_t n);
void link_consumer_on_begin(link_consumer_t *c, link_begin_fn begin);

/* How many of `received` messages, `done` of them committed, go into the
 * consumer's next transaction. A full batch (LINK_BATCH) means a backlog: all
 * of it in one transaction, for throughput. A smaller one is a burst that a
 * quiet stream brings (an upstream batch): it is cut in LINK_SLICES slices of
 * at least LINK_MIN_SLICE (no tail under half a slice), each committed,
 * acknowledged and passed on before the next, so that the next stage works on
 * the first slice while this one decides the rest: a burst's last event waits
 * for this stage's burst and the next stages' last slice, not for every
 * stage's whole burst one after the other (latency at a fixed rate). */
#define LINK_SLICES 4
#define LINK_MIN_SLICE 16
size_t link_slice(size_t received, size_t done);

/* A consumer bound at endpoint; consumed ids go to <schema>.consumed. handler
 * runs for each new message, committed after each batch, both with ctx, on
 * base's thread. Returns NULL on a socket error or out of memory. Caller owns
 * it: link_consumer_destroy()
 * closes and frees it (NULL *c is fine) and sets *c to NULL. */
link_consumer_t *link_consumer_new(struct event_base *base, PGconn *pg, const char *name,
                                   const char *schema, const char *endpoint,
                                   link_handler_fn handler, link_committed_fn committed, void *ctx);
void link_consumer_destroy(link_consumer_t **c);

/* Process-wide ZeroMQ context; link_term() ends it after every socket is closed. */
void *link_zmq_context(void);
void link_term(void);

/* The id of the event an envelope is about, for the logs (log.h's context): the event's
 * (intake -> rules), the decided event's (rules -> subsidy), the first decision's (subsidy ->
 * notify: the decisions of one event), the notification's; NULL when the body names none.
 * Points into env. */
const char *link_envelope_event_id(const Jiuye__Envelope *env);

#endif
