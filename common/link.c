/* link.c: outbox, DEALER->ROUTER transport and consumed-message table (see link.h). */
#include "link.h"

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "config.h"
#include "curve.h"
#include "histogram.h"
#include "log.h"
#include "metric.h"
#include "pg.h"

#define SQL_MAX 512

static void *zmq_context_singleton;

void *link_zmq_context(void) {
    if (!zmq_context_singleton) zmq_context_singleton = zmq_ctx_new();
    return zmq_context_singleton;
}

void link_term(void) {
    curve_shutdown();
    if (zmq_context_singleton) zmq_ctx_term(zmq_context_singleton);
    zmq_context_singleton = NULL;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Options both ends share: no lingering (the outbox is the truth, not the
 * socket's queue), heartbeats to notice a dead peer, a cap on message size. */
static void *link_socket(int type) {
    void *s = zmq_socket(link_zmq_context(), type);
    if (!s) return NULL;
    int zero = 0, ivl = 1000, timeout = 5000, reconnect = 100, reconnect_max = 2000;
    int64_t maxmsg = LINK_MAX_MSG;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    return s;
}

/* Split a link name "client->server" into its two service names. */
static int link_ends(const char *name, char *client, char *server, size_t len) {
    const char *arrow = strstr(name, "->");
    if (!arrow || (size_t)(arrow - name) >= len || strlen(arrow + 2) >= len) return -1;
    snprintf(client, len, "%.*s", (int)(arrow - name), name);
    snprintf(server, len, "%s", arrow + 2);
    return 0;
}

static int socket_events(void *sock) {
    int events = 0;
    size_t len = sizeof events;
    if (zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) != 0) return 0;
    return events;
}

static struct event *watch_socket(struct event_base *base, void *sock, event_callback_fn cb, void *arg) {
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0) return NULL;
    struct event *ev = event_new(base, fd, EV_READ | EV_PERSIST, cb, arg);
    if (ev) event_add(ev, NULL);
    return ev;
}

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Outbox rows kept for one transaction (link.h): one INSERT of arrays for a
 * whole batch instead of a statement per row. The buffers are kept for the
 * next transaction. */
#define OUTBOX_COLLECT_MAX 1024           /* rows: written early beyond this */
#define OUTBOX_COLLECT_BYTES (8u << 20)   /* payload bytes: the same */
struct link_outbox {
    char schema[32];
    pg_array_t ids, payloads;
    size_t bytes;
};

static int outbox_insert(PGconn *pg, const char *schema, const char *ids, int ids_len, const char *payloads,
                         int payloads_len) {
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.outbox (message_id, payload) SELECT * FROM unnest($1::text[], $2::bytea[])", schema);
    const char *params[] = {ids, payloads};
    int lengths[] = {ids_len, payloads_len}, formats[] = {1, 1};
    PGresult *r = pg_exec_bin(pg, sql, 2, params, lengths, formats, 0);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

static void outbox_restart(link_outbox_t *o) {
    pg_array_reset(&o->ids, PG_OID_TEXT);
    pg_array_reset(&o->payloads, PG_OID_BYTEA);
    o->bytes = 0;
}

link_outbox_t *link_outbox_new(const char *schema) {
    link_outbox_t *o = calloc(1, sizeof *o);
    if (!o) abort(); /* out of memory at start: let the supervisor restart us */
    snprintf(o->schema, sizeof o->schema, "%s", schema);
    outbox_restart(o);
    return o;
}

void link_outbox_destroy(link_outbox_t **op) {
    link_outbox_t *o = *op;
    if (!o) return;
    pg_array_free(&o->ids);
    pg_array_free(&o->payloads);
    free(o);
    *op = NULL;
}

/* Write what was kept, keep collecting. */
static int outbox_flush(void *self, txn_t *t) {
    link_outbox_t *o = self;
    if (o->ids.count == 0) return 0;
    int rc = outbox_insert(txn_pg(t), o->schema, pg_array_data(&o->ids), pg_array_len(&o->ids),
                           pg_array_data(&o->payloads), pg_array_len(&o->payloads));
    outbox_restart(o);
    return rc;
}

static void outbox_discard(void *self, txn_t *t, int whole) {
    (void)t, (void)whole; /* in careful mode earlier messages' rows were flushed: only this one's are here */
    outbox_restart(self);
}

const txn_part_t link_outbox_part = {.name = "outbox", .flush = outbox_flush, .discard = outbox_discard, .end = NULL};

int link_outbox_put(txn_t *t, const char *schema, const Jiuye__Envelope *env) {
    Jiuye__Envelope stamped = *env; /* enqueue time, for jiuye_stage_seconds at the consumer */
    if (!stamped.created_at_ms) stamped.created_at_ms = wall_ms();
    size_t len = jiuye__envelope__get_packed_size(&stamped);
    if (len > LINK_MAX_MSG) {
        log_error("outbox: message %s is %zu bytes, over the %d limit", env->message_id, len, LINK_MAX_MSG);
        return -1;
    }
    link_outbox_t *o = txn_part(t, &link_outbox_part);
    if (o && strcmp(o->schema, schema) == 0) {
        pg_array_add(&o->ids, env->message_id, strlen(env->message_id));
        jiuye__envelope__pack(&stamped, pg_array_add_space(&o->payloads, len));
        o->bytes += len;
        if (o->ids.count >= OUTBOX_COLLECT_MAX || o->bytes >= OUTBOX_COLLECT_BYTES) return outbox_flush(o, t);
        return 0;
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -1;
    jiuye__envelope__pack(&stamped, buf);
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql, "INSERT INTO %s.outbox (message_id, payload) VALUES ($1, $2)", schema);
    const char *params[] = {env->message_id, (const char *)buf};
    int lengths[] = {0, (int)len}, formats[] = {0, 1};
    PGresult *r = pg_exec_bin(txn_pg(t), sql, 2, params, lengths, formats, 0);
    free(buf);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

/* ------------------------------------------------------------------ producer */

typedef struct inflight {
    int64_t seq;
    char *message_id;
    uint8_t *payload;
    size_t len;
    int64_t sent_at; /* 0: not yet handed to the socket */
    int attempts;
} inflight_t;

struct link_producer {
    char name[64];
    char schema[32];
    struct event_base *base;
    PGconn *pg;
    void *sock;
    struct event *sock_ev, *timer_ev;
    inflight_t window[LINK_WINDOW];
    size_t count;     /* entries in window, in seq order */
    int64_t last_seq; /* highest seq loaded */
    int64_t ack_timeout_ms;
    int may_have_rows; /* the outbox may hold rows not yet loaded */
    unsigned long sent, resent, acked;
};

static void producer_send_due(link_producer_t *p) {
    int64_t now = now_ms();
    for (size_t i = 0; i < p->count; i++) {
        inflight_t *m = &p->window[i];
        if (m->sent_at && now - m->sent_at < p->ack_timeout_ms) continue;
        if (zmq_send(p->sock, m->payload, m->len, ZMQ_DONTWAIT) < 0) {
            if (errno != EAGAIN) log_warn("%s: send failed: %s", p->name, zmq_strerror(errno));
            break; /* no peer yet, or its queue is full: the timer tries again */
        }
        if (m->sent_at) {
            p->resent++;
            if (m->attempts == 1 || m->attempts % 10 == 0)
                log_at(LOG_WARN, NULL, m->message_id, "%s: no ack after %d attempts; sending again",
                       p->name, m->attempts);
        } else {
            p->sent++;
        }
        m->sent_at = now;
        m->attempts++;
    }
    event_active(p->sock_ev, EV_READ, 0); /* a send can consume the edge of ZMQ_FD */
}

/* Rows appear only through this process's own commits, each followed by a
 * pump, so the outbox is read only when a pump asked for it or a read came
 * back full (more rows than the window took) or failed. */
static void producer_load(link_producer_t *p) {
    size_t room = LINK_WINDOW - p->count;
    if (!p->may_have_rows || room == 0 || PQstatus(p->pg) != CONNECTION_OK) return;
    char sql[SQL_MAX], after[24], limit[24];
    snprintf(sql, sizeof sql,
             "SELECT seq, message_id, payload FROM %s.outbox WHERE seq > $1::bigint ORDER BY seq LIMIT $2::int",
             p->schema);
    snprintf(after, sizeof after, "%lld", (long long)p->last_seq);
    snprintf(limit, sizeof limit, "%zu", room);
    const char *params[] = {after, limit};
    PGresult *r = pg_exec_bin(p->pg, sql, 2, params, NULL, NULL, 1);
    if (!r) return;
    for (int i = 0; i < PQntuples(r); i++) {
        inflight_t *m = &p->window[p->count];
        uint64_t be;
        memcpy(&be, PQgetvalue(r, i, 0), sizeof be);
        m->seq = (int64_t)be64toh(be);
        m->message_id = strndup(PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
        m->len = (size_t)PQgetlength(r, i, 2);
        m->payload = malloc(m->len ? m->len : 1);
        if (!m->message_id || !m->payload) abort(); /* out of memory: let the supervisor restart us */
        memcpy(m->payload, PQgetvalue(r, i, 2), m->len);
        m->sent_at = 0;
        m->attempts = 0;
        p->count++;
        p->last_seq = m->seq;
    }
    p->may_have_rows = (size_t)PQntuples(r) == room;
    PQclear(r);
}

void link_producer_pump(link_producer_t *p) {
    p->may_have_rows = 1;
    producer_load(p);
    producer_send_due(p);
}

/* Forget acknowledged entries and delete their rows in one statement. */
static void producer_acked(link_producer_t *p, const Jiuye__Ack *ack) {
    if (ack->n_message_ids == 0) return;
    char *arr = pg_text_array((const char *const *)ack->message_ids, (int)ack->n_message_ids);
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql, "DELETE FROM %s.outbox WHERE message_id = ANY($1::text[])", p->schema);
    const char *params[] = {arr};
    if (!arr || pg_cmd(p->pg, sql, 1, params) != 0) {
        free(arr);
        return; /* rows stay; the re-send will be acknowledged again as a duplicate */
    }
    free(arr);
    /* An Ack lists a batch in the order it was sent, which is the window's order:
     * one merge pass finds them; ids it did not meet in that order are searched. */
    unsigned char acked[LINK_WINDOW] = {0};
    size_t j = 0;
    for (size_t i = 0; i < p->count && j < ack->n_message_ids; i++)
        if (strcmp(p->window[i].message_id, ack->message_ids[j]) == 0) acked[i] = 1, j++;
    for (; j < ack->n_message_ids; j++)
        for (size_t i = 0; i < p->count; i++)
            if (!acked[i] && strcmp(p->window[i].message_id, ack->message_ids[j]) == 0) {
                acked[i] = 1;
                break;
            }
    size_t kept = 0;
    for (size_t i = 0; i < p->count; i++) {
        inflight_t *m = &p->window[i];
        if (acked[i]) {
            free(m->message_id);
            free(m->payload);
            p->acked++;
        } else {
            p->window[kept++] = *m;
        }
    }
    p->count = kept;
}

static void producer_readable(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    link_producer_t *p = arg;
    int got = 0;
    while (socket_events(p->sock) & ZMQ_POLLIN) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, p->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        Jiuye__Ack *ack = jiuye__ack__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        zmq_msg_close(&msg);
        if (!ack) {
            log_warn("%s: ignoring a reply that is not an Ack", p->name);
            continue;
        }
        producer_acked(p, ack);
        jiuye__ack__free_unpacked(ack, NULL);
        got = 1;
    }
    /* Room in the window: load only what a full window left in the outbox
     * (may_have_rows); rows of later commits come with their own pump. */
    if (got) {
        producer_load(p);
        producer_send_due(p);
    }
}

static void producer_tick(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    link_producer_t *p = arg;
    if (!pg_alive(p->pg)) return;
    producer_load(p);
    producer_send_due(p);
}

link_producer_t *link_producer_new(struct event_base *base, PGconn *pg, const char *name,
                                   const char *schema, const char *endpoint) {
    link_producer_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->schema, sizeof p->schema, "%s", schema);
    p->base = base;
    p->pg = pg;
    p->ack_timeout_ms = config_int("JIUYE_ACK_TIMEOUT_MS", 5000, 50, 3600000);
    p->may_have_rows = 1; /* whatever an earlier run left unacknowledged */
    p->sock = link_socket(ZMQ_DEALER);
    int one = 1;
    if (!p->sock) goto err;
    zmq_setsockopt(p->sock, ZMQ_IMMEDIATE, &one, sizeof one);
    char client[32], server[32];
    if (link_ends(name, client, server, sizeof client) == 0 && curve_client_setup(p->sock, client, server) < 0) goto err;
    if (zmq_connect(p->sock, endpoint) != 0) {
        log_error("%s: cannot connect to %s: %s", name, endpoint, zmq_strerror(errno));
        goto err;
    }
    p->sock_ev = watch_socket(base, p->sock, producer_readable, p);
    p->timer_ev = event_new(base, -1, EV_PERSIST, producer_tick, p);
    if (!p->sock_ev || !p->timer_ev) goto err;
    struct timeval tick = {0, 250000};
    event_add(p->timer_ev, &tick);
    log_info("%s: sending to %s", name, endpoint);
    return p;
err:
    link_producer_destroy(&p);
    return NULL;
}

size_t link_producer_inflight(const link_producer_t *p) { return p->count; }
const char *link_producer_name(const link_producer_t *p) { return p->name; }

long link_producer_backlog(link_producer_t *p) {
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.outbox", p->schema);
    PGresult *r = pg_exec(p->pg, sql, 0, NULL);
    if (!r) return -1;
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

void link_producer_destroy(link_producer_t **pp) {
    link_producer_t *p = *pp;
    if (!p) return;
    if (p->sock_ev) event_free(p->sock_ev);
    if (p->timer_ev) event_free(p->timer_ev);
    if (p->sock) zmq_close(p->sock);
    for (size_t i = 0; i < p->count; i++) {
        free(p->window[i].message_id);
        free(p->window[i].payload);
    }
    free(p);
    *pp = NULL;
}

/* ------------------------------------------------------------------ consumer */

typedef struct received {
    zmq_msg_t identity;
    zmq_msg_t body;
    Jiuye__Envelope *env; /* NULL when the body does not parse */
    int ack;              /* acknowledge after commit */
    int is_new;           /* first delivery: the handler runs */
} received_t;

struct link_consumer {
    char name[64];
    char schema[32];
    PGconn *pg;
    void *sock;
    struct event *sock_ev;
    link_handler_fn handler;
    link_committed_fn committed;
    link_begin_fn begin;
    void *ctx;
    txn_t txn;              /* the transaction of every batch, with its participants */
    link_outbox_t *outbox;  /* joined to txn: the handlers' outbox rows */
    received_t batch[LINK_BATCH];
    size_t n;          /* received, not yet cleared */
    size_t off, end;   /* the slice in the current transaction: batch[off..end) */
    pg_array_t ids; /* the batch's message ids, for one INSERT into consumed */
    unsigned long processed, duplicates, rejected;
    unsigned long careful; /* transactions run again message by message */
    histogram_t delivered; /* per message: producer's enqueue -> this consumer's commit */
    histogram_t batch_time; /* per batch: BEGIN .. COMMIT here, handlers included */
};

typedef enum { BATCH_DONE, BATCH_CAREFUL, BATCH_RETRY } batch_result_t;

/* Record every message id of the batch in consumed with one statement, and
 * mark the ones seen for the first time (the statement returns those; a
 * message that came twice in one batch is new only the first time). Returns 0 or -1. */
static int consumer_mark_consumed(link_consumer_t *c) {
    pg_array_reset(&c->ids, PG_OID_TEXT);
    for (size_t i = c->off; i < c->end; i++) {
        received_t *m = &c->batch[i];
        m->ack = m->is_new = 0;
        if (m->env) pg_array_add(&c->ids, m->env->message_id, strlen(m->env->message_id));
    }
    if (c->ids.count == 0) return 0;
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.consumed (message_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING "
             "RETURNING message_id",
             c->schema);
    const char *params[] = {pg_array_data(&c->ids)};
    int lengths[] = {pg_array_len(&c->ids)}, formats[] = {1};
    PGresult *r = pg_exec_bin(c->pg, sql, 1, params, lengths, formats, 0);
    if (!r) return -1;
    int rows = PQntuples(r), next = 0; /* rows come back in the array's order; searched if not */
    char taken[LINK_BATCH] = {0};
    for (size_t i = c->off; i < c->end; i++) {
        received_t *m = &c->batch[i];
        if (!m->env) continue;
        m->ack = 1;
        int at = -1;
        if (next < rows && !taken[next] && strcmp(PQgetvalue(r, next, 0), m->env->message_id) == 0)
            at = next++;
        for (int j = 0; at < 0 && j < rows; j++)
            if (!taken[j] && strcmp(PQgetvalue(r, j, 0), m->env->message_id) == 0) at = j;
        if (at >= 0) {
            taken[at] = 1;
            m->is_new = 1;
        }
    }
    PQclear(r);
    return 0;
}

static int consumer_dead_letter(link_consumer_t *c, received_t *m, const char *error) {
    char sql[SQL_MAX];
    snprintf(sql, sizeof sql, "INSERT INTO %s.dead_letters (message_id, error, payload) VALUES ($1, $2, $3)",
             c->schema);
    const char *params[] = {m->env->message_id, error, zmq_msg_data(&m->body)};
    int lengths[] = {0, 0, (int)zmq_msg_size(&m->body)}, formats[] = {0, 0, 1};
    PGresult *r = pg_exec_bin(c->pg, sql, 3, params, lengths, formats, 0);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

static int consumer_begin(link_consumer_t *c) {
    const Jiuye__Envelope *envs[LINK_BATCH];
    size_t n = 0;
    for (size_t i = c->off; i < c->end; i++)
        if (c->batch[i].is_new) envs[n++] = c->batch[i].env;
    return c->begin(c->ctx, &c->txn, envs, n);
}

/* A fast transaction that failed before COMMIT: drop what the participants
 * keep, read the deferred results, roll back; then careful mode. */
static batch_result_t consumer_abandon(link_consumer_t *c) {
    txn_discard(&c->txn, 1);
    if (pg_defer_end(c->pg) != 0) {
        /* already failing: the rollback follows */
    }
    pg_rollback(c->pg);
    txn_end(&c->txn);
    return BATCH_CAREFUL;
}

/* One transaction for the whole batch. In careful mode each message runs
 * under a savepoint so that a rejected one is dead-lettered alone; the fast
 * mode is tried first because savepoints cost two round trips a message.
 * The fast mode also defers the handlers' writes (pg_defer_begin(): no round
 * trip per write) and flushes the participants' kept rows (the outbox's among
 * them) once, before COMMIT; if any of that fails, careful mode (each
 * statement waited for, kept rows flushed per message) finds the message at
 * fault. */
static batch_result_t consumer_run_batch(link_consumer_t *c, int careful) {
    char err[512];
    txn_t *t = &c->txn;
    t->careful = careful;
    t->msg = NULL;
    if (pg_begin(c->pg) != 0) return BATCH_RETRY;
    if (consumer_mark_consumed(c) != 0) goto retry;
    if (!careful) pg_defer_begin(c->pg);
    /* The handlers' statements are lookups and writes by key, whose generic
     * plans are the right ones; PostgreSQL's default (auto) kept planning some
     * of them again on every call as the tables grew (subsidy's claims of a
     * limit). For this transaction only (is_local), deferred in fast mode. */
    if (pg_cmd(c->pg, "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)", 0, NULL) != 0) goto retry;
    if (c->begin && consumer_begin(c) != 0) {
        /* What begin wrote ahead for all the messages failed: message by
         * message, the one at fault is dead-lettered instead of the whole
         * batch failing on every redelivery. */
        if (careful || PQstatus(c->pg) != CONNECTION_OK) goto retry;
        return consumer_abandon(c);
    }
    for (size_t i = c->off; i < c->end; i++) {
        received_t *m = &c->batch[i];
        if (!m->is_new) continue;
        if (careful && pg_cmd(c->pg, "SAVEPOINT msg", 0, NULL) != 0) goto retry;
        err[0] = '\0';
        t->msg = m->env;
        log_context_set(link_envelope_event_id(m->env), m->env->message_id);
        link_status_t st = c->handler(c->ctx, t, m->env, err, sizeof err);
        log_debug("%s: message handled (status %d)", c->name, (int)st);
        log_context_clear();
        if (careful && st == LINK_OK && txn_flush(t) != 0) {
            snprintf(err, sizeof err, "writing its rows failed (see the log)");
            st = LINK_REJECT;
        }
        t->msg = NULL;
        if (careful && st != LINK_OK) txn_discard(t, 0);
        if (st == LINK_RETRY || (st != LINK_OK && PQstatus(c->pg) != CONNECTION_OK)) goto retry;
        if (st == LINK_REJECT) {
            if (!careful) return consumer_abandon(c);
            log_at(LOG_ERROR, link_envelope_event_id(m->env), m->env->message_id,
                   "%s: message rejected, kept in dead_letters: %s", c->name, err);
            if (pg_cmd(c->pg, "ROLLBACK TO SAVEPOINT msg", 0, NULL) != 0 ||
                consumer_dead_letter(c, m, err[0] ? err : "rejected") != 0)
                goto retry;
        } else if (careful && pg_cmd(c->pg, "RELEASE SAVEPOINT msg", 0, NULL) != 0) {
            goto retry;
        }
    }
    if (!careful && (txn_flush(t) != 0 || pg_defer_end(c->pg) != 0)) {
        if (PQstatus(c->pg) != CONNECTION_OK) goto retry;
        return consumer_abandon(c);
    }
    if (pg_commit(c->pg) != 0) goto retry;
    txn_end(t);
    return BATCH_DONE;
retry:
    txn_discard(t, 1);
    batch_result_t res = BATCH_RETRY;
    if (!careful && pg_defer_end(c->pg) != 0 && PQstatus(c->pg) == CONNECTION_OK)
        res = BATCH_CAREFUL; /* a deferred write failed: find out which message */
    pg_rollback(c->pg);
    txn_end(t);
    return res;
}

static void consumer_send_acks(link_consumer_t *c) {
    /* Group by identity: with one producer per link this is one Ack per batch. */
    char *ids[LINK_BATCH];
    int sent[LINK_BATCH] = {0};
    for (size_t i = c->off; i < c->end; i++) {
        if (!c->batch[i].ack || sent[i]) continue;
        size_t k = 0;
        zmq_msg_t *who = &c->batch[i].identity;
        for (size_t j = i; j < c->end; j++) {
            zmq_msg_t *other = &c->batch[j].identity;
            if (!c->batch[j].ack || sent[j] || zmq_msg_size(other) != zmq_msg_size(who) ||
                memcmp(zmq_msg_data(other), zmq_msg_data(who), zmq_msg_size(who)) != 0)
                continue;
            ids[k++] = c->batch[j].env->message_id;
            sent[j] = 1;
        }
        Jiuye__Ack ack = JIUYE__ACK__INIT;
        ack.n_message_ids = k;
        ack.message_ids = ids;
        size_t len = jiuye__ack__get_packed_size(&ack);
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf) abort();
        jiuye__ack__pack(&ack, buf);
        /* A producer that went away gets EHOSTUNREACH (ROUTER_MANDATORY): it will
         * send again and be acknowledged then. */
        if (zmq_send(c->sock, zmq_msg_data(who), zmq_msg_size(who), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(c->sock, buf, len, ZMQ_DONTWAIT) < 0)
            log_warn("%s: ack not delivered (%s); the producer will send again", c->name, zmq_strerror(errno));
        free(buf);
    }
}

static void consumer_clear_batch(link_consumer_t *c) {
    for (size_t i = 0; i < c->n; i++) {
        zmq_msg_close(&c->batch[i].identity);
        zmq_msg_close(&c->batch[i].body);
        if (c->batch[i].env) jiuye__envelope__free_unpacked(c->batch[i].env, NULL);
    }
    c->n = c->off = c->end = 0;
}

/* Read up to LINK_BATCH messages. Returns how many. */
static size_t consumer_receive(link_consumer_t *c) {
    while (c->n < LINK_BATCH) {
        received_t *m = &c->batch[c->n];
        zmq_msg_init(&m->identity);
        zmq_msg_init(&m->body);
        if (zmq_msg_recv(&m->identity, c->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m->identity);
            zmq_msg_close(&m->body);
            break;
        }
        if (!zmq_msg_more(&m->identity) || zmq_msg_recv(&m->body, c->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m->identity);
            zmq_msg_close(&m->body);
            continue;
        }
        while (zmq_msg_more(&m->body)) { /* extra frames are not part of the protocol */
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            zmq_msg_recv(&extra, c->sock, ZMQ_DONTWAIT);
            zmq_msg_close(&extra);
        }
        m->env = jiuye__envelope__unpack(NULL, zmq_msg_size(&m->body), zmq_msg_data(&m->body));
        if (!m->env || !m->env->message_id || !*m->env->message_id) {
            log_error("%s: dropping a %zu-byte message that is not an Envelope", c->name, zmq_msg_size(&m->body));
            if (m->env) jiuye__envelope__free_unpacked(m->env, NULL);
            m->env = NULL;
        }
        c->n++;
    }
    return c->n;
}

/* jiuye_stage_seconds after a commit: the batch's time here, and for each
 * message taking effect for the first time, the time since its producer put
 * it in its outbox (wall clocks of two processes on one host). */
static void consumer_observe(link_consumer_t *c, int64_t started_us) {
    histogram_observe(&c->batch_time, (double)(now_us() - started_us) / 1e6);
    int64_t now = wall_ms();
    for (size_t i = c->off; i < c->end; i++) {
        const received_t *m = &c->batch[i];
        if (m->is_new && m->env->created_at_ms > 0)
            histogram_observe(&c->delivered, (double)(now - m->env->created_at_ms) / 1000.0);
    }
}

size_t link_slice(size_t received, size_t done) {
    size_t left = received - done;
    if (received >= LINK_BATCH) return left;
    size_t slice = (received + LINK_SLICES - 1) / LINK_SLICES;
    if (slice < LINK_MIN_SLICE) slice = LINK_MIN_SLICE;
    /* no tail shorter than half a slice: it would cost a commit for little */
    return left < slice + slice / 2 ? left : slice;
}

/* One transaction per wake-up: a service that both consumes and produces must
 * get back to its loop between transactions to read its own acks, or its window
 * fills and the next stage idles while this one drains its backlog. The event
 * is re-activated while messages wait, after whatever else is ready. */
static void consumer_readable(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    link_consumer_t *c = arg;
    if (c->off == c->n) {
        consumer_clear_batch(c);
        if (!(socket_events(c->sock) & ZMQ_POLLIN) || consumer_receive(c) == 0) return;
    }
    c->end = c->off + link_slice(c->n, c->off);
    int64_t started = now_us();
    batch_result_t res = consumer_run_batch(c, 0);
    if (res == BATCH_CAREFUL) {
        /* Correct, but slow: a message or a write of the batch failed (see the
         * log above). */
        c->careful++;
        log_info("%s: a transaction of %zu messages failed; running them again one by one", c->name,
                 c->end - c->off);
        res = consumer_run_batch(c, 1);
    }
    if (res == BATCH_DONE) {
        consumer_observe(c, started);
        consumer_send_acks(c);
        c->processed += c->end - c->off;
        c->off = c->end;
        if (c->committed) c->committed(c->ctx);
    } else {
        /* Not committed, not acknowledged: the producer sends these again,
         * and the rest of what was received with them. */
        log_warn("%s: batch of %zu not committed; waiting for the producer to resend", c->name, c->n - c->off);
        pg_alive(c->pg);
        c->off = c->n;
    }
    if (c->off < c->n || (socket_events(c->sock) & ZMQ_POLLIN)) event_active(c->sock_ev, EV_READ, 0);
}

link_consumer_t *link_consumer_new(struct event_base *base, PGconn *pg, const char *name,
                                   const char *schema, const char *endpoint,
                                   link_handler_fn handler, link_committed_fn committed, void *ctx) {
    link_consumer_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->schema, sizeof c->schema, "%s", schema);
    c->pg = pg;
    txn_init(&c->txn, pg);
    c->outbox = link_outbox_new(schema);
    txn_join(&c->txn, &link_outbox_part, c->outbox);
    c->handler = handler;
    c->committed = committed;
    c->ctx = ctx;
    c->sock = link_socket(ZMQ_ROUTER);
    int one = 1;
    if (!c->sock) goto err;
    zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    char client[32], server[32];
    if (link_ends(name, client, server, sizeof client) == 0 && curve_server_setup(c->sock, link_zmq_context(), base, client, server) < 0)
        goto err;
    if (zmq_bind(c->sock, endpoint) != 0) {
        log_error("%s: cannot bind %s: %s", name, endpoint, zmq_strerror(errno));
        goto err;
    }
    c->sock_ev = watch_socket(base, c->sock, consumer_readable, c);
    if (!c->sock_ev) goto err;
    event_active(c->sock_ev, EV_READ, 0);
    log_info("%s: receiving on %s", name, endpoint);
    return c;
err:
    link_consumer_destroy(&c);
    return NULL;
}

txn_t *link_consumer_txn(link_consumer_t *c) { return &c->txn; }

void link_consumer_on_begin(link_consumer_t *c, link_begin_fn begin) { c->begin = begin; }

void link_consumer_destroy(link_consumer_t **cp) {
    link_consumer_t *c = *cp;
    if (!c) return;
    consumer_clear_batch(c);
    pg_array_free(&c->ids);
    link_outbox_destroy(&c->outbox);
    if (c->sock_ev) event_free(c->sock_ev);
    if (c->sock) zmq_close(c->sock);
    free(c);
    *cp = NULL;
}

void link_producer_metrics(link_producer_t *p, struct evbuffer *out) {
    char labels[96];
    snprintf(labels, sizeof labels, "link=\"%s\"", p->name);
    evbuffer_add_printf(out, "# TYPE jiuye_link_backlog gauge\n");
    metric_sample(out, "jiuye_link_backlog", labels, (double)link_producer_backlog(p));
    evbuffer_add_printf(out, "# TYPE jiuye_link_inflight gauge\n");
    metric_sample(out, "jiuye_link_inflight", labels, (double)p->count);
}

static void consumer_stage_metrics(link_consumer_t *c, struct evbuffer *out) {
    char labels[128];
    evbuffer_add_printf(out, "# HELP jiuye_stage_seconds Time per stage of the delivery protocol: "
                             "span=\"delivered\" from the producer's outbox insert to the consumer's commit, "
                             "per message; span=\"batch\" the consumer's transaction, per batch.\n"
                             "# TYPE jiuye_stage_seconds histogram\n");
    snprintf(labels, sizeof labels, "link=\"%s\",span=\"delivered\"", c->name);
    histogram_write(&c->delivered, out, "jiuye_stage_seconds", labels);
    snprintf(labels, sizeof labels, "link=\"%s\",span=\"batch\"", c->name);
    histogram_write(&c->batch_time, out, "jiuye_stage_seconds", labels);
}

void link_consumer_metrics(link_consumer_t *c, struct evbuffer *out) {
    consumer_stage_metrics(c, out);
    char sql[SQL_MAX], labels[128];
    snprintf(labels, sizeof labels, "link=\"%s\"", c->name);
    evbuffer_add_printf(out, "# TYPE jiuye_link_careful_transactions_total counter\n");
    metric_sample(out, "jiuye_link_careful_transactions_total", labels, (double)c->careful);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.dead_letters", c->schema);
    PGresult *r = pg_exec(c->pg, sql, 0, NULL);
    if (!r) return;
    /* rows at scrape time: messages this consumer could never process (RUNBOOK) */
    snprintf(labels, sizeof labels, "service=\"%s\"", c->schema);
    evbuffer_add_printf(out, "# TYPE jiuye_dead_letters gauge\n");
    metric_sample(out, "jiuye_dead_letters", labels, strtod(PQgetvalue(r, 0, 0), NULL));
    PQclear(r);
}

const char *link_envelope_event_id(const Jiuye__Envelope *env) {
    switch (env->body_case) {
    case JIUYE__ENVELOPE__BODY_EVENT: return env->event->event_id;
    case JIUYE__ENVELOPE__BODY_DECIDED: return env->decided->event ? env->decided->event->event_id : NULL;
    case JIUYE__ENVELOPE__BODY_SETTLED:
        return env->settled->n_decisions ? env->settled->decisions[0]->event_id : NULL;
    case JIUYE__ENVELOPE__BODY_NOTIFICATION: return env->notification->event_id;
    default: return NULL;
    }
}
