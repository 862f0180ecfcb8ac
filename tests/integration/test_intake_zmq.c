/* test_intake_zmq.c: intake's ZeroMQ front door (services/intake/zmq_ingest.h) in process,
 * against the harness's PostgreSQL and real sockets on loopback: the shapes of message it
 * takes (DEALER and REQ envelopes) and the ones it refuses with an IngestReply.error
 * (bytes that are not an EventBatch, extra frames, an unknown or empty token, over 1000
 * events, an empty batch, the database failing mid-batch) or drops unread (a message over
 * ZMQ_MAXMSGSIZE), that unknown protobuf fields
 * and a client's own `source` never reach storage, and that a burst of batches larger than
 * what one wake-up handles is answered in full (the ZMQ_FD edge is never lost); and, with
 * intake's CURVE keys, that a batch is the signed-in key's source's, and that a source
 * revoked after its handshake is refused on the connection it already has.
 * The end-to-end view (jiuyectl publish --zmq, every type) is tests/e2e/intake_all_types.sh.
 *
 * Needs JIUYE_DB and a superuser (PGUSER), as tests/run.sh provides; binds INTAKE_ZMQ.
 * Run one test by name: pass a glob as argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "curve.h"
#include "envelope.pb-c.h"
#include "event_codec.h"
#include "ingest.pb-c.h"
#include "intake_metrics.h"
#include "link.h"
#include "pg.h"
#include "sources.h"
#include "store_thread.h"
#include "token.h"
#include "zmq_ingest.h"

/* A valid cert_no (GB 11643 check digit 4, category 4, grade 3). */
#define CERT "32070619900101000043"

typedef struct fixture {
    struct event_base *base;
    PGconn *pg, *admin;
    link_producer_t *to_rules;
    intake_metrics_t *metrics;
    store_thread_t *store;
    zmq_ingest_t *zi;
    void *dealer;
    char source[40];
    char token[TOKEN_LEN + 1];
    const char *endpoint;
} fixture_t;

static long count(PGconn *pg, const char *sql, const char *param) {
    const char *p[] = {param};
    PGresult *r = pg_exec(pg, sql, param ? 1 : 0, p);
    assert_non_null(r);
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

static void *client(fixture_t *f, int type) {
    void *s = zmq_socket(link_zmq_context(), type);
    assert_non_null(s);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_connect(s, f->endpoint), 0);
    return s;
}

static void cleanup_rows(fixture_t *f) {
    const char *p[] = {f->source};
    char like[64];
    snprintf(like, sizeof like, "intake/%s/%%", f->source);
    const char *q[] = {like};
    assert_int_equal(pg_cmd(f->admin, "DELETE FROM intake.outbox WHERE message_id LIKE $1", 1, q), 0);
    assert_int_equal(pg_cmd(f->admin, "DELETE FROM intake.events WHERE source = $1", 1, p), 0);
    assert_int_equal(pg_cmd(f->admin, "DELETE FROM intake.sources WHERE name = $1", 1, p), 0);
}

/* The fixture; with curve, intake's front door is a CURVE server (keys made here) and the
 * source's key pair is registered with it and used by the DEALER. */
static int setup_with(void **state, int curve) {
    fixture_t *f = calloc(1, sizeof *f);
    if (!f) return -1;
    *state = f;
    setenv("JIUYE_TODAY", "2025-06-30", 1);
    /* The shapes of message are tested in the clear: under intake's keys (which
     * tests/run.sh exports) the front door is a CURVE server, set up here only with curve. */
    unsetenv("INTAKE_CURVE_PUBLIC");
    unsetenv("INTAKE_CURVE_SECRET");
    char server_public[41], server_secret[41], client_public[41] = "", client_secret[41];
    if (curve) {
        if (zmq_curve_keypair(server_public, server_secret) != 0 || zmq_curve_keypair(client_public, client_secret) != 0)
            return -1;
        setenv("INTAKE_CURVE_PUBLIC", server_public, 1);
        setenv("INTAKE_CURVE_SECRET", server_secret, 1);
        setenv("RULES_CURVE_PUBLIC", server_public, 0); /* the intake->rules producer's: any key */
    }
    f->endpoint = getenv("INTAKE_ZMQ") ? getenv("INTAKE_ZMQ") : "tcp://127.0.0.1:15550";
    const char *rules = getenv("RULES_ZMQ") ? getenv("RULES_ZMQ") : "tcp://127.0.0.1:15551";
    const char *user = getenv("PGUSER") ? getenv("PGUSER") : "postgres";
    f->base = event_base_new();
    f->pg = pg_connect(user, NULL, "test_intake_zmq", NULL);
    f->admin = pg_connect(user, NULL, "test_intake_zmq_admin", NULL);
    if (!f->base || !f->pg || !f->admin) return -1;
    snprintf(f->source, sizeof f->source, "it-zmq-%ld", (long)getpid());
    char err[256];
    if (sources_add(f->admin, f->source, curve ? client_public : NULL, f->token, err, sizeof err) != 0) return -1;
    f->metrics = calloc(1, sizeof *f->metrics);
    f->to_rules = link_producer_new(f->base, f->pg, "intake->rules", "intake", rules);
    if (!f->metrics || !f->to_rules) return -1;
    /* The store thread's connection: a batch waiting on a lock fails after 1 s (see
     * test_database_failure_stores_nothing_and_recovers). */
    PGconn *store_pg = pg_connect_with(user, NULL, "test_intake_zmq_store", "-c statement_timeout=1000", NULL);
    if (!store_pg) return -1;
    f->store = store_thread_start(f->base, store_pg);
    if (!f->store) return -1;
    f->zi = zmq_ingest_new(f->base, f->pg, f->store, f->endpoint, f->to_rules, f->metrics);
    if (!f->zi) return -1;
    if (!curve) {
        f->dealer = client(f, ZMQ_DEALER);
        return 0;
    }
    f->dealer = zmq_socket(link_zmq_context(), ZMQ_DEALER);
    int zero = 0;
    if (!f->dealer || zmq_setsockopt(f->dealer, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(f->dealer, ZMQ_CURVE_SERVERKEY, server_public, 40) != 0 ||
        zmq_setsockopt(f->dealer, ZMQ_CURVE_PUBLICKEY, client_public, 40) != 0 ||
        zmq_setsockopt(f->dealer, ZMQ_CURVE_SECRETKEY, client_secret, 40) != 0 || zmq_connect(f->dealer, f->endpoint) != 0)
        return -1;
    return 0;
}

static int setup(void **state) { return setup_with(state, 0); }
static int setup_curve(void **state) { return setup_with(state, 1); }

static int teardown(void **state) {
    fixture_t *f = *state;
    if (f->dealer) zmq_close(f->dealer);
    store_thread_stop(&f->store);
    zmq_ingest_destroy(&f->zi);
    link_producer_destroy(&f->to_rules);
    if (f->admin) cleanup_rows(f);
    curve_shutdown(); /* its ZAP socket, before the context ends */
    link_term();
    PQfinish(f->pg);
    PQfinish(f->admin);
    if (f->base) event_base_free(f->base);
    free(f->metrics);
    free(f);
    return 0;
}

/* ---- messages ----------------------------------------------------------------------- */

static Jiuye__Event *event(const char *event_id, const char *cert_no) {
    char json[512];
    snprintf(json, sizeof json,
             "{\"event_id\":\"%s\",\"type\":\"person.registered\",\"occurred_on\":\"2024-01-02\","
             "\"district\":\"320706\",\"payload\":{\"cert_no\":\"%s\",\"name\":\"测试\","
             "\"employment_status\":\"unemployed\",\"wants_job\":true}}",
             event_id, cert_no);
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    Jiuye__Event *ev = event_from_json_lenient(j);
    json_decref(j);
    assert_non_null(ev);
    return ev;
}

/* The packed EventBatch (caller frees *out); takes ownership of the n events. */
static size_t batch_of(const char *token, Jiuye__Event **events, size_t n, uint8_t **out) {
    Jiuye__EventBatch b = JIUYE__EVENT_BATCH__INIT;
    b.token = (char *)token;
    b.events = events;
    b.n_events = n;
    size_t len = jiuye__event_batch__get_packed_size(&b);
    *out = malloc(len ? len : 1);
    assert_non_null(*out);
    jiuye__event_batch__pack(&b, *out);
    for (size_t i = 0; i < n; i++) jiuye__event__free_unpacked(events[i], NULL);
    return len;
}

/* Run intake's loop until sock has a message to read (10 s at most). */
static void pump_until_readable(fixture_t *f, void *sock) {
    time_t deadline = time(NULL) + 10;
    zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
    while (time(NULL) < deadline) {
        event_base_loop(f->base, EVLOOP_NONBLOCK);
        if (zmq_poll(&item, 1, 10) == 1) return;
    }
    fail_msg("no reply within 10 s");
}

/* Send the frames (the last one without SNDMORE) and return the unpacked reply. */
static Jiuye__IngestReply *ask(fixture_t *f, void *sock, size_t nframes, const void *const *data,
                               const size_t *lens) {
    for (size_t i = 0; i < nframes; i++)
        assert_true(zmq_send(sock, data[i], lens[i], i + 1 < nframes ? ZMQ_SNDMORE : 0) >= 0);
    pump_until_readable(f, sock);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, sock, 0) >= 0);
    assert_false(zmq_msg_more(&msg)); /* one frame back to a DEALER or a REQ */
    Jiuye__IngestReply *r = jiuye__ingest_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    zmq_msg_close(&msg);
    assert_non_null(r);
    return r;
}

static Jiuye__IngestReply *ask_batch(fixture_t *f, void *sock, const uint8_t *buf, size_t len) {
    const void *data[] = {buf};
    return ask(f, sock, 1, data, &len);
}

static void assert_refused(Jiuye__IngestReply *r, const char *error) {
    assert_string_equal(r->error, error);
    assert_int_equal(r->n_results, 0);
    jiuye__ingest_reply__free_unpacked(r, NULL);
}

static long stored(fixture_t *f) {
    return count(f->admin, "SELECT count(*) FROM intake.events WHERE source = $1", f->source);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_dealer_batch_is_stored_and_answered_in_order(void **state) {
    fixture_t *f = *state;
    Jiuye__Event *evs[] = {event("d-1", CERT), event("d-2", "32070619900101000143"), event("d-1", CERT)};
    uint8_t *buf;
    size_t len = batch_of(f->token, evs, 3, &buf);
    Jiuye__IngestReply *r = ask_batch(f, f->dealer, buf, len);
    free(buf);
    assert_string_equal(r->error, "");
    assert_int_equal(r->n_results, 3);
    assert_string_equal(r->results[0]->event_id, "d-1");
    assert_string_equal(r->results[0]->status, "accepted");
    assert_string_equal(r->results[0]->error, "");
    assert_string_equal(r->results[1]->event_id, "d-2");
    assert_string_equal(r->results[1]->status, "rejected");
    assert_string_equal(r->results[1]->error, "payload.cert_no: check digit should be 0");
    assert_string_equal(r->results[2]->status, "duplicate"); /* the same event twice in a batch */
    jiuye__ingest_reply__free_unpacked(r, NULL);
    assert_int_equal(stored(f), 1);
    /* Counted like HTTP: by type, source and status. */
    assert_int_equal(f->metrics->nsources, 1);
    assert_int_equal(f->metrics->sources[0].received, 3);
    int t = event_type_index("person.registered");
    assert_int_equal(f->metrics->sources[0].events[t][INGEST_ACCEPTED], 1);
    assert_int_equal(f->metrics->sources[0].events[t][INGEST_DUPLICATE], 1);
    assert_int_equal(f->metrics->sources[0].events[t][INGEST_REJECTED], 1);
    /* Sent again: answered from storage. */
    len = batch_of(f->token, (Jiuye__Event *[]){event("d-1", CERT)}, 1, &buf);
    r = ask_batch(f, f->dealer, buf, len);
    free(buf);
    assert_string_equal(r->results[0]->status, "duplicate");
    jiuye__ingest_reply__free_unpacked(r, NULL);
}

static void test_req_envelope_is_answered_in_kind(void **state) {
    fixture_t *f = *state;
    void *req = client(f, ZMQ_REQ);
    uint8_t *buf;
    size_t len = batch_of(f->token, (Jiuye__Event *[]){event("req-1", CERT)}, 1, &buf);
    /* A REQ socket adds the empty delimiter and accepts only a reply that has one. */
    Jiuye__IngestReply *r = ask_batch(f, req, buf, len);
    free(buf);
    assert_int_equal(r->n_results, 1);
    assert_string_equal(r->results[0]->status, "accepted");
    jiuye__ingest_reply__free_unpacked(r, NULL);
    /* And a refusal too. */
    len = batch_of("jy_nope", (Jiuye__Event *[]){event("req-2", CERT)}, 1, &buf);
    assert_refused(ask_batch(f, req, buf, len), "unauthorized: unknown or revoked token");
    free(buf);
    zmq_close(req);
    assert_int_equal(stored(f), 1);
}

static void test_refused_batches_store_nothing(void **state) {
    fixture_t *f = *state;
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x0f};
    assert_refused(ask_batch(f, f->dealer, garbage, sizeof garbage), "malformed EventBatch");

    /* [identity, a, b, c] is no shape of the protocol. */
    const void *three[] = {"x", "y", "z"};
    const size_t lens[] = {1, 1, 1};
    assert_refused(ask(f, f->dealer, 3, three, lens), "malformed EventBatch");

    uint8_t *buf;
    size_t len = batch_of("jy_0000", (Jiuye__Event *[]){event("u-1", CERT)}, 1, &buf);
    assert_refused(ask_batch(f, f->dealer, buf, len), "unauthorized: unknown or revoked token");
    free(buf);
    len = batch_of("", (Jiuye__Event *[]){event("u-2", CERT)}, 1, &buf);
    assert_refused(ask_batch(f, f->dealer, buf, len), "unauthorized: unknown or revoked token");
    free(buf);
    /* An empty message is an empty EventBatch: no token. */
    assert_refused(ask_batch(f, f->dealer, (const uint8_t *)"", 0), "unauthorized: unknown or revoked token");

    len = batch_of(f->token, NULL, 0, &buf);
    assert_refused(ask_batch(f, f->dealer, buf, len), "no events in the batch");
    free(buf);

    Jiuye__Event **many = calloc(INGEST_MAX_EVENTS + 1, sizeof *many);
    assert_non_null(many);
    for (int i = 0; i <= INGEST_MAX_EVENTS; i++) {
        char id[32];
        snprintf(id, sizeof id, "m-%d", i);
        many[i] = event(id, CERT);
    }
    len = batch_of(f->token, many, INGEST_MAX_EVENTS + 1, &buf);
    free(many);
    assert_refused(ask_batch(f, f->dealer, buf, len), "too many events: 1001 in one batch; at most 1000");
    free(buf);
    assert_int_equal(stored(f), 0);
    assert_int_equal(f->metrics->nsources, 0); /* refusals are not events */

    /* The front door still works after all that. */
    len = batch_of(f->token, (Jiuye__Event *[]){event("ok-1", CERT)}, 1, &buf);
    Jiuye__IngestReply *r = ask_batch(f, f->dealer, buf, len);
    free(buf);
    assert_string_equal(r->results[0]->status, "accepted");
    jiuye__ingest_reply__free_unpacked(r, NULL);
}

/* Append a varint to p; returns the bytes written. */
static size_t put_varint(uint8_t *p, uint64_t v) {
    size_t n = 0;
    do {
        p[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) p[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

static void test_unknown_fields_and_client_source_do_not_reach_storage(void **state) {
    fixture_t *f = *state;
    /* Build the event by hand: its fields without the payload, the payload with an unknown
     * field 99, then an unknown field 98 on the event itself, and a `source` of its own. */
    Jiuye__Event *ev = event("unk-1", CERT);
    free(ev->source);
    ev->source = strdup("somebody-else");
    Jiuye__PersonRegistered *p = ev->person_registered;
    uint8_t pbuf[512], ebuf[1024], bbuf[2048];
    size_t plen = jiuye__person_registered__pack(p, pbuf);
    plen += put_varint(pbuf + plen, 99 << 3 | 0);
    plen += put_varint(pbuf + plen, 7);
    const ProtobufCFieldDescriptor *pf =
        protobuf_c_message_descriptor_get_field_by_name(&jiuye__event__descriptor, "person_registered");
    ev->payload_case = JIUYE__EVENT__PAYLOAD__NOT_SET; /* pack the rest without it */
    size_t elen = jiuye__event__pack(ev, ebuf);
    ev->payload_case = JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED;
    jiuye__event__free_unpacked(ev, NULL);
    elen += put_varint(ebuf + elen, (uint64_t)pf->id << 3 | 2);
    elen += put_varint(ebuf + elen, plen);
    memcpy(ebuf + elen, pbuf, plen);
    elen += plen;
    elen += put_varint(ebuf + elen, 98 << 3 | 2);
    elen += put_varint(ebuf + elen, 3);
    memcpy(ebuf + elen, "abc", 3);
    elen += 3;
    /* EventBatch: token = 1, events = 2. */
    size_t blen = 0, tlen = strlen(f->token);
    blen += put_varint(bbuf + blen, 1 << 3 | 2);
    blen += put_varint(bbuf + blen, tlen);
    memcpy(bbuf + blen, f->token, tlen);
    blen += tlen;
    blen += put_varint(bbuf + blen, 2 << 3 | 2);
    blen += put_varint(bbuf + blen, elen);
    memcpy(bbuf + blen, ebuf, elen);
    blen += elen;

    Jiuye__IngestReply *r = ask_batch(f, f->dealer, bbuf, blen);
    assert_int_equal(r->n_results, 1);
    assert_string_equal(r->results[0]->status, "accepted");
    jiuye__ingest_reply__free_unpacked(r, NULL);

    char id[80];
    snprintf(id, sizeof id, "intake/%s/unk-1", f->source);
    const char *params[] = {id};
    PGresult *res = pg_exec_bin(f->admin, "SELECT payload FROM intake.outbox WHERE message_id = $1", 1, params,
                                NULL, NULL, 1);
    assert_non_null(res);
    assert_int_equal(PQntuples(res), 1);
    Jiuye__Envelope *env = jiuye__envelope__unpack(NULL, (size_t)PQgetlength(res, 0, 0),
                                                   (const uint8_t *)PQgetvalue(res, 0, 0));
    PQclear(res);
    assert_non_null(env);
    assert_int_equal(env->body_case, JIUYE__ENVELOPE__BODY_EVENT);
    assert_int_equal(env->event->base.n_unknown_fields, 0);
    assert_int_equal(env->event->person_registered->base.n_unknown_fields, 0);
    assert_string_equal(env->event->source, f->source); /* who authenticated, not who claimed */
    assert_string_not_equal(env->event->received_at, "");
    assert_string_equal(env->event->person_registered->cert_no, CERT);
    jiuye__envelope__free_unpacked(env, NULL);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM intake.events WHERE source = $1 AND body->>'event_id' = 'unk-1'",
                           f->source),
                     1);
}

static void test_database_failure_stores_nothing_and_recovers(void **state) {
    fixture_t *f = *state;
    /* Hold a lock on intake.events so that the batch's INSERT, on the store thread's
     * connection, times out (statement_timeout 1 s: setup). */
    assert_int_equal(pg_cmd(f->admin, "BEGIN", 0, NULL), 0);
    assert_int_equal(pg_cmd(f->admin, "LOCK TABLE intake.events IN ACCESS EXCLUSIVE MODE", 0, NULL), 0);
    uint8_t *buf;
    size_t len = batch_of(f->token, (Jiuye__Event *[]){event("db-1", CERT), event("db-2", CERT)}, 2, &buf);
    assert_refused(ask_batch(f, f->dealer, buf, len), "database unavailable; nothing stored, try again");
    assert_int_equal(pg_cmd(f->admin, "ROLLBACK", 0, NULL), 0);
    assert_int_equal(stored(f), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM intake.outbox WHERE message_id LIKE 'intake/' || $1 || '/%'",
                           f->source),
                     0);

    /* The connection itself dies: the token check fails, the next batch reconnects. */
    char pid[16];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(f->pg));
    const char *p[] = {pid};
    PGresult *r = pg_exec(f->admin, "SELECT pg_terminate_backend($1::int)", 1, p);
    PQclear(r);
    usleep(100 * 1000);
    assert_refused(ask_batch(f, f->dealer, buf, len), "database unavailable; nothing stored, try again");
    Jiuye__IngestReply *ok = ask_batch(f, f->dealer, buf, len);
    free(buf);
    assert_int_equal(ok->n_results, 2);
    assert_string_equal(ok->results[0]->status, "accepted");
    assert_string_equal(ok->results[1]->status, "accepted");
    jiuye__ingest_reply__free_unpacked(ok, NULL);
    assert_int_equal(stored(f), 2);
}

static void test_a_burst_is_answered_in_full(void **state) {
    fixture_t *f = *state;
    enum { BURST = 5 * ZMQ_INGEST_PER_WAKEUP + 3 };
    for (int i = 0; i < BURST; i++) {
        char id[32];
        snprintf(id, sizeof id, "burst-%d", i);
        uint8_t *buf;
        size_t len = batch_of(f->token, (Jiuye__Event *[]){event(id, CERT)}, 1, &buf);
        assert_true(zmq_send(f->dealer, buf, len, 0) >= 0);
        free(buf);
    }
    int replies = 0;
    while (replies < BURST) {
        pump_until_readable(f, f->dealer);
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        while (zmq_msg_recv(&msg, f->dealer, ZMQ_DONTWAIT) >= 0) {
            Jiuye__IngestReply *r = jiuye__ingest_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            assert_non_null(r);
            assert_int_equal(r->n_results, 1);
            char want[32];
            snprintf(want, sizeof want, "burst-%d", replies); /* one DEALER: replies in order */
            assert_string_equal(r->results[0]->event_id, want);
            assert_string_equal(r->results[0]->status, "accepted");
            jiuye__ingest_reply__free_unpacked(r, NULL);
            replies++;
        }
        zmq_msg_close(&msg);
    }
    assert_int_equal(stored(f), BURST);
}

static void test_oversized_message_is_never_read(void **state) {
    fixture_t *f = *state;
    /* Over ZMQ_MAXMSGSIZE: libzmq drops the connection instead of reading it into memory. */
    size_t big = ZMQ_INGEST_MAX_MSG + 1;
    uint8_t *huge = calloc(1, big);
    assert_non_null(huge);
    assert_true(zmq_send(f->dealer, huge, big, 0) >= 0);
    free(huge);
    zmq_pollitem_t item = {.socket = f->dealer, .events = ZMQ_POLLIN};
    for (int i = 0; i < 100; i++) { /* 1 s: no answer comes */
        event_base_loop(f->base, EVLOOP_NONBLOCK);
        assert_int_equal(zmq_poll(&item, 1, 10), 0);
    }
    /* The client reconnects by itself and is served again. */
    uint8_t *buf;
    size_t len = batch_of(f->token, (Jiuye__Event *[]){event("after-big", CERT)}, 1, &buf);
    Jiuye__IngestReply *r = ask_batch(f, f->dealer, buf, len);
    free(buf);
    assert_string_equal(r->results[0]->status, "accepted");
    jiuye__ingest_reply__free_unpacked(r, NULL);
    assert_int_equal(stored(f), 1);
}

static void test_curve_batch_is_the_keys_source_until_revoked(void **state) {
    fixture_t *f = *state;
    uint8_t *buf;
    size_t len = batch_of("", (Jiuye__Event *[]){event("c-1", CERT)}, 1, &buf); /* no token */
    Jiuye__IngestReply *r = ask_batch(f, f->dealer, buf, len);
    free(buf);
    assert_string_equal(r->error, "");
    assert_int_equal(r->n_results, 1);
    assert_string_equal(r->results[0]->status, "accepted");
    jiuye__ingest_reply__free_unpacked(r, NULL);
    assert_int_equal(stored(f), 1); /* under the source whose key signed in */
    /* Revoked now: the connection made before is refused from its next batch on. */
    char err[256];
    assert_int_equal(sources_revoke(f->admin, f->source, err, sizeof err), 1);
    len = batch_of("", (Jiuye__Event *[]){event("c-2", CERT)}, 1, &buf);
    assert_refused(ask_batch(f, f->dealer, buf, len), "unauthorized: the source of this CURVE key is revoked");
    free(buf);
    /* Its own token does not help either. */
    len = batch_of(f->token, (Jiuye__Event *[]){event("c-3", CERT)}, 1, &buf);
    assert_refused(ask_batch(f, f->dealer, buf, len), "unauthorized: unknown or revoked token");
    free(buf);
    assert_int_equal(stored(f), 1);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dealer_batch_is_stored_and_answered_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_req_envelope_is_answered_in_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_batches_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_fields_and_client_source_do_not_reach_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_failure_stores_nothing_and_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_burst_is_answered_in_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_message_is_never_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_curve_batch_is_the_keys_source_until_revoked, setup_curve, teardown),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
