/* zmq_ingest.c: EventBatch in, IngestReply out, over a ROUTER socket (see zmq_ingest.h).
 *
 * One message, one batch, one transaction:
 *
 *   on_readable (ZMQ_FD woke the loop, or we re-armed it)
 *     while ZMQ_EVENTS says POLLIN, at most ZMQ_INGEST_PER_WAKEUP times, and while fewer
 *     than ZMQ_INGEST_MAX_PENDING batches are with the store thread:
 *       receive_message   frames -> identity, delimiter?, body
 *       handle_batch      unpack -> authenticate -> size -> validate each -> store thread
 *                         (a refused batch is answered at once: send_error)
 *   batch_stored (the store thread gave the batch back: COMMIT, or nothing stored)
 *       pump the outbox -> count -> send_reply [identity, ("",) IngestReply] -> re-arm
 *     ZMQ_EVENTS is read again after every send (the loop condition does it): a send can
 *     consume the edge of ZMQ_FD, and a missed edge would leave batches waiting.
 *
 * Ownership: events unpacked inside an EventBatch belong to the batch. Each one is taken
 * out of it (batch->events[i] = NULL) as soon as it is looked at: a valid event moves to
 * its ingest_item_t (freed by ingest_items_free), an invalid one is freed at once. Once
 * every pointer is taken, n_events is set to 0 and the batch freed, so free_unpacked never
 * sees a hole and nothing is freed twice. ingest.c's store_one() replaces ev->source and
 * ev->received_at, which in an unpacked event may be protobuf_c_empty_string (it checks). */
#include "zmq_ingest.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "curve.h"
#include "date.h"
#include "event_codec.h"
#include "ident.h"
#include "ingest.h"
#include "ingest.pb-c.h"
#include "log.h"
#include "pg.h"
#include "sources.h"
#include "store_thread.h"

#define ERR_MALFORMED "malformed EventBatch"
#define ERR_UNAUTHORIZED "unauthorized: unknown or revoked token"
#define ERR_REVOKED "unauthorized: the source of this CURVE key is revoked"
#define ERR_OTHER_SOURCE "unauthorized: the token is not the CURVE key's source's"
#define ERR_DATABASE "database unavailable; nothing stored, try again"

struct zmq_ingest {
    void *sock;
    struct event *sock_ev;
    PGconn *pg; /* the loop's: tokens and CURVE keys */
    int curve;  /* 1: a CURVE server, each connection signed in as a source (User-Id) */
    store_thread_t *store;
    link_producer_t *to_rules;
    intake_metrics_t *metrics;
};

static int socket_events(void *sock) {
    int events = 0;
    size_t len = sizeof events;
    if (zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) != 0) return 0;
    return events;
}

/* ---- replies ------------------------------------------------------------------------ */

/* Send reply to identity in the envelope the request came in. A client that went away
 * (EHOSTUNREACH under ROUTER_MANDATORY) or does not read (EAGAIN) loses its reply, never
 * the commit: sending the batch again answers `duplicate` for what was stored. */
static void send_reply(zmq_ingest_t *z, zmq_msg_t *identity, int delimiter,
                       const Jiuye__IngestReply *reply) {
    size_t len = jiuye__ingest_reply__get_packed_size(reply);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        log_error("zmq ingest: out of memory for a %zu-byte reply", len);
        return;
    }
    jiuye__ingest_reply__pack(reply, buf);
    if (zmq_send(z->sock, zmq_msg_data(identity), zmq_msg_size(identity), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        (delimiter && zmq_send(z->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) ||
        zmq_send(z->sock, buf, len, ZMQ_DONTWAIT) < 0)
        log_warn("zmq ingest: reply not delivered (%s)", zmq_strerror(errno));
    free(buf);
}

static void send_error(zmq_ingest_t *z, zmq_msg_t *identity, int delimiter, const char *error) {
    Jiuye__IngestReply reply = JIUYE__INGEST_REPLY__INIT;
    reply.error = (char *)error;
    send_reply(z, identity, delimiter, &reply);
}

/* The event_id as given, for the reply: cut to the item's buffer, and made valid UTF-8
 * (bytes of a broken sequence become '?') so that any protobuf client can parse the reply. */
static void copy_event_id(char *out, size_t outlen, const char *id) {
    snprintf(out, outlen, "%s", id ? id : "");
    if (utf8_length(out) >= 0) return;
    for (unsigned char *p = (unsigned char *)out; *p; p++)
        if (*p >= 0x80) *p = '?';
}

/* ---- one batch ---------------------------------------------------------------------- */

/* Drop the fields protobuf-c kept because this build does not know them, in msg and every
 * message under it (the set oneof member only: the others share its storage). */
static void drop_unknown_fields(ProtobufCMessage *msg) {
    for (unsigned i = 0; i < msg->n_unknown_fields; i++) free(msg->unknown_fields[i].data);
    free(msg->unknown_fields);
    msg->unknown_fields = NULL;
    msg->n_unknown_fields = 0;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned f = 0; f < d->n_fields; f++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[f];
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE) continue;
        char *member = (char *)msg + fd->offset;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)msg + fd->quantifier_offset);
            ProtobufCMessage **items = *(ProtobufCMessage ***)member;
            for (size_t j = 0; j < n; j++)
                if (items[j]) drop_unknown_fields(items[j]);
            continue;
        }
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((char *)msg + fd->quantifier_offset) != fd->id)
            continue;
        ProtobufCMessage *sub = *(ProtobufCMessage **)member;
        if (sub) drop_unknown_fields(sub);
    }
}

/* Take every event out of batch into items (n = batch->n_events): valid ones move to
 * items[i].ev, invalid ones are freed with their error recorded. Leaves batch empty. */
static void take_events(Jiuye__EventBatch *batch, ingest_item_t *items) {
    jdate_t today = date_today();
    for (size_t i = 0; i < batch->n_events; i++) {
        Jiuye__Event *ev = batch->events[i];
        batch->events[i] = NULL;
        ingest_item_t *it = &items[i];
        it->index = (long)i;
        it->type = ev ? event_type_index(ev->type) : -1;
        copy_event_id(it->event_id, sizeof it->event_id, ev ? ev->event_id : NULL);
        if (event_validate(ev, today, it->error, sizeof it->error) != 0) {
            it->status = INGEST_REJECTED;
            if (ev) jiuye__event__free_unpacked(ev, NULL);
            continue;
        }
        drop_unknown_fields(&ev->base);
        it->ev = ev; /* owned by the item now */
    }
    batch->n_events = 0; /* every pointer taken: free_unpacked frees only the array */
}

/* A batch on its way through the store thread (store_thread.h), with whom to answer. */
typedef struct {
    store_job_t job; /* first: the store thread hands back &job */
    zmq_ingest_t *z;
    zmq_msg_t identity;
    int delimiter;
} zmq_job_t;

/* The reply, once the batch is committed (or nothing was stored). */
static void batch_stored(store_job_t *stored) {
    zmq_job_t *job = (zmq_job_t *)stored;
    zmq_ingest_t *z = job->z;
    ingest_item_t *items = stored->items;
    size_t n = stored->n;
    if (stored->rc != 0) {
        send_error(z, &job->identity, job->delimiter, ERR_DATABASE);
    } else {
        link_producer_pump(z->to_rules);
        intake_metrics_count(z->metrics, stored->source, items, n);
        Jiuye__IngestResult *results = calloc(n, sizeof *results);
        Jiuye__IngestResult **ptrs = calloc(n, sizeof *ptrs);
        if (!results || !ptrs) {
            /* Committed: the client learns the outcome by sending the batch again. */
            log_error("zmq ingest: out of memory for the reply to a stored batch of %zu", n);
            send_error(z, &job->identity, job->delimiter, "stored, but no memory for the results: send again");
        } else {
            for (size_t i = 0; i < n; i++) {
                jiuye__ingest_result__init(&results[i]);
                results[i].event_id = items[i].event_id;
                results[i].status = (char *)ingest_status_name(items[i].status);
                if (items[i].status == INGEST_REJECTED) results[i].error = items[i].error;
                ptrs[i] = &results[i];
            }
            Jiuye__IngestReply reply = JIUYE__INGEST_REPLY__INIT;
            reply.n_results = n;
            reply.results = ptrs;
            send_reply(z, &job->identity, job->delimiter, &reply);
        }
        free(results);
        free(ptrs);
    }
    ingest_items_free(items, n);
    free(items);
    zmq_msg_close(&job->identity);
    free(job);
    /* A send can consume ZMQ_FD's edge, and batches may wait while the store thread was full. */
    if (z->sock_ev) event_active(z->sock_ev, EV_READ, 0);
}

/* The ZAP handler's lookup (curve.h): the source whose key this is, as the connection's
 * User-Id. */
static int lookup_source(void *ctx, const char *key, char *user_id, size_t len) {
    zmq_ingest_t *z = ctx;
    int found = sources_by_curve_key(z->pg, key, user_id, len);
    if (found < 0) pg_alive(z->pg);
    return found;
}

/* Who sent the batch in body: 1 with source set, 0 with *error set, -1 on a database
 * error. In the clear, the token says it. Under CURVE, the key the connection signed in
 * with does (its source, still not revoked: a revocation also ends the connections
 * already made); a token, optional then, must be that same source's. */
static int batch_source(zmq_ingest_t *z, zmq_msg_t *body, const char *token, char *source, size_t len,
                        const char **error) {
    int has_token = token && *token;
    int auth = has_token ? sources_authenticate(z->pg, token, source, len) : 0;
    *error = ERR_UNAUTHORIZED;
    if (!z->curve || auth < 0) return auth;
    const char *signed_in = zmq_msg_gets(body, "User-Id");
    if (!signed_in || !*signed_in) return 0; /* never without a ZAP handler's approval */
    if (has_token) {
        if (auth == 1 && strcmp(source, signed_in) != 0) {
            *error = ERR_OTHER_SOURCE;
            return 0;
        }
        return auth;
    }
    auth = sources_active(z->pg, signed_in);
    if (auth == 1) snprintf(source, len, "%s", signed_in);
    if (auth == 0) *error = ERR_REVOKED;
    return auth;
}

/* Check the batch in body and hand it to the store thread, which answers identity. */
static void handle_batch(zmq_ingest_t *z, zmq_msg_t *identity, int delimiter, zmq_msg_t *body) {
    char source[80], too_many[96];
    Jiuye__EventBatch *batch =
        jiuye__event_batch__unpack(NULL, zmq_msg_size(body), zmq_msg_data(body));
    if (!batch) {
        send_error(z, identity, delimiter, ERR_MALFORMED);
        return;
    }
    const char *error = NULL, *refused;
    int auth = batch_source(z, body, batch->token, source, sizeof source, &refused);
    if (auth < 0) {
        pg_alive(z->pg);
        error = ERR_DATABASE;
    } else if (auth == 0) {
        error = refused;
    } else if (batch->n_events > INGEST_MAX_EVENTS) {
        snprintf(too_many, sizeof too_many, "too many events: %zu in one batch; at most %d",
                 batch->n_events, INGEST_MAX_EVENTS);
        error = too_many;
    } else if (batch->n_events == 0) {
        error = "no events in the batch";
    }
    size_t n = batch->n_events;
    ingest_item_t *items = error ? NULL : calloc(n, sizeof *items);
    if (!error && !items) error = "out of memory; nothing stored, try again";
    if (error) {
        jiuye__event_batch__free_unpacked(batch, NULL);
        send_error(z, identity, delimiter, error);
        return;
    }
    zmq_job_t *job = calloc(1, sizeof *job);
    if (!job) {
        jiuye__event_batch__free_unpacked(batch, NULL);
        free(items);
        send_error(z, identity, delimiter, "out of memory; nothing stored, try again");
        return;
    }
    take_events(batch, items);
    jiuye__event_batch__free_unpacked(batch, NULL);
    job->z = z;
    job->delimiter = delimiter;
    zmq_msg_init(&job->identity);
    zmq_msg_copy(&job->identity, identity); /* the frame is closed when this wake-up ends */
    store_thread_push(z->store, &job->job, source, items, n, batch_stored);
}

/* ---- the socket --------------------------------------------------------------------- */

/* Read one whole message and handle it. Returns 0, or -1 when nothing was waiting. */
static int receive_message(zmq_ingest_t *z) {
    zmq_msg_t frames[3];
    size_t nf = 0;
    int extra = 0, more = 1;
    while (more) {
        zmq_msg_t scratch; /* a fourth frame or later: read and dropped */
        zmq_msg_t *part = nf < 3 ? &frames[nf] : &scratch;
        zmq_msg_init(part);
        if (zmq_msg_recv(part, z->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(part); /* EAGAIN: parts of a message arrive together, so only at its start */
            break;
        }
        more = zmq_msg_more(part);
        if (part == &scratch) {
            zmq_msg_close(&scratch);
            extra = 1;
        } else {
            nf++;
        }
    }
    if (nf == 0) return -1;
    if (nf >= 2) {
        /* [identity, body] from a DEALER, [identity, "", body] from a REQ. */
        int delimiter = zmq_msg_size(&frames[1]) == 0 && nf == 3;
        if (!extra && (nf == 2 || delimiter))
            handle_batch(z, &frames[0], delimiter, &frames[nf - 1]);
        else
            send_error(z, &frames[0], zmq_msg_size(&frames[1]) == 0, ERR_MALFORMED);
    }
    for (size_t i = 0; i < nf; i++) zmq_msg_close(&frames[i]);
    return 0;
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    zmq_ingest_t *z = arg;
    for (int handled = 0; socket_events(z->sock) & ZMQ_POLLIN; handled++) {
        /* Enough batches wait for the store thread: read more when one comes back (batch_stored). */
        if (store_thread_pending(z->store) >= ZMQ_INGEST_MAX_PENDING) return;
        if (handled == ZMQ_INGEST_PER_WAKEUP) {
            /* Let HTTP and the link have a turn; come back without waiting for an edge. */
            event_active(z->sock_ev, EV_READ, 0);
            return;
        }
        if (receive_message(z) != 0) break;
    }
}

zmq_ingest_t *zmq_ingest_new(struct event_base *base, PGconn *pg, store_thread_t *store, const char *endpoint,
                             link_producer_t *to_rules, intake_metrics_t *metrics) {
    zmq_ingest_t *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    z->pg = pg;
    z->store = store;
    z->to_rules = to_rules;
    z->metrics = metrics;
    z->sock = zmq_socket(link_zmq_context(), ZMQ_ROUTER);
    if (!z->sock) {
        log_error("zmq ingest: cannot create a socket: %s", zmq_strerror(errno));
        goto err;
    }
    int zero = 0, one = 1, fd;
    int64_t maxmsg = ZMQ_INGEST_MAX_MSG;
    size_t fdlen = sizeof fd;
    if (zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(z->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0 ||
        zmq_setsockopt(z->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0) {
        log_error("zmq ingest: cannot set socket options: %s", zmq_strerror(errno));
        goto err;
    }
    /* Before the bind: no peer may connect to a socket that is not yet a CURVE server. */
    z->curve = curve_server_setup_lookup(z->sock, link_zmq_context(), base, "intake", "intake-sources", lookup_source, z);
    if (z->curve < 0) goto err;
    if (zmq_bind(z->sock, endpoint) != 0) {
        log_error("zmq ingest: cannot bind %s (INTAKE_ZMQ_BIND / INTAKE_ZMQ): %s", endpoint,
                  zmq_strerror(errno));
        goto err;
    }
    if (zmq_getsockopt(z->sock, ZMQ_FD, &fd, &fdlen) != 0) goto err;
    z->sock_ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, z);
    if (!z->sock_ev || event_add(z->sock_ev, NULL) != 0) goto err;
    event_active(z->sock_ev, EV_READ, 0); /* anything that came before the first edge */
    log_info("receiving event batches on %s (%s)", endpoint,
             z->curve ? "CURVE: sources sign in with their registered keys" : "in the clear: no INTAKE_CURVE_* keys");
    return z;
err:
    zmq_ingest_destroy(&z);
    return NULL;
}

void zmq_ingest_destroy(zmq_ingest_t **zp) {
    zmq_ingest_t *z = *zp;
    if (!z) return;
    if (z->sock_ev) event_free(z->sock_ev);
    if (z->sock) zmq_close(z->sock);
    free(z);
    *zp = NULL;
}
