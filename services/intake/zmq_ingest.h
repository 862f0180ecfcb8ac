/* zmq_ingest.h: the ZeroMQ front door for upstream systems (docs/architecture.md "Public interfaces").
 *
 * A ROUTER socket, bound at INTAKE_ZMQ_BIND (else INTAKE_ZMQ, default tcp://127.0.0.1:5550)
 * and watched in the service's libevent loop, takes one EventBatch (proto/ingest.proto) per
 * message and answers each with one IngestReply, in the envelope it came in:
 *
 *   DEALER client:  [EventBatch]      -> ROUTER sees [identity, EventBatch]
 *                   [IngestReply]     <-             [identity, IngestReply]
 *   REQ client:     the same with an empty delimiter frame after the identity, both ways.
 *
 * With intake's key pair configured (INTAKE_CURVE_PUBLIC / _SECRET, common/curve.h) the
 * ROUTER is a CURVE server: at each handshake the ZAP handler admits exactly the keys
 * registered for sources that are not revoked (intake.sources.curve_public, `jiuyectl
 * source add NAME --curve-public KEY`), and every batch of that connection is attributed
 * to the source whose key signed in; a token is then optional, and must be that source's
 * when given. A plain client, or one whose key is unknown, never completes its handshake:
 * nothing it sends is read, nothing is answered. Without the keys (local development) the
 * socket runs in the clear and the token alone says who sends.
 *
 * A batch goes the way of an HTTP request (http_events.h), through the same functions:
 * its token is checked by sources_authenticate, each event by event_validate (the codec's
 * rules, in the same order, with the same "field: reason" texts), and the valid ones are
 * stored by the store thread (store_thread.h) in one transaction with their outbox
 * messages. The reply leaves only after that commit, with one IngestResult per event in batch order (event_id as
 * given, status accepted | duplicate | rejected, error when rejected). A batch refused as a
 * whole stores nothing and has no results, only IngestReply.error:
 *
 *   "malformed EventBatch"                                   bytes that do not parse, or
 *                                                            frames of another shape
 *   "unauthorized: unknown or revoked token"
 *   "unauthorized: the source of this CURVE key is revoked"  revoked after the handshake
 *   "unauthorized: the token is not the CURVE key's source's"
 *   "too many events: N in one batch; at most 1000"          INGEST_MAX_EVENTS
 *   "no events in the batch"
 *   "database unavailable; nothing stored, try again"       the client may send it again:
 *                                                            (source, event_id) idempotency
 *
 * Limits: a message over ZMQ_INGEST_MAX_MSG bytes makes libzmq drop the connection
 * (ZMQ_MAXMSGSIZE), so it is never read into memory; at most ZMQ_INGEST_PER_WAKEUP batches
 * are handled per wake-up before the loop serves HTTP again. Fields this build does not
 * know (protobuf unknown fields) are dropped from accepted events, so what is stored and
 * forwarded is exactly the validated event. */
#ifndef JIUYE_INTAKE_ZMQ_INGEST_H
#define JIUYE_INTAKE_ZMQ_INGEST_H

#include <event2/event.h>
#include <libpq-fe.h>

#include "intake_metrics.h"
#include "link.h"

#define ZMQ_INGEST_MAX_MSG (16 * 1024 * 1024)
#define ZMQ_INGEST_PER_WAKEUP 16
/* Batches handed to the store thread and not yet answered, beyond which the socket is
 * not read (libzmq's queue and the client's window hold the rest): bounds memory. */
#define ZMQ_INGEST_MAX_PENDING 16

typedef struct zmq_ingest zmq_ingest_t;
struct store_thread;

/* Bind a ROUTER at endpoint and serve it in base's loop, checking tokens on pg, storing
 * through store, pumping to_rules after each commit and counting into metrics (all
 * borrowed: pg, to_rules and metrics must outlive the front door, which must outlive
 * store: stop the store thread first). Returns NULL, logged, when the socket cannot be bound. */
zmq_ingest_t *zmq_ingest_new(struct event_base *base, PGconn *pg, struct store_thread *store, const char *endpoint,
                             link_producer_t *to_rules, intake_metrics_t *metrics);

/* Close the socket (before link_term()) and free; accepts NULL and sets *z to NULL. */
void zmq_ingest_destroy(zmq_ingest_t **z);

#endif
