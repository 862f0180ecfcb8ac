/* test_link.c: the delivery protocol (common/link.h) against a real PostgreSQL
 * and real ZeroMQ sockets on loopback: every stored message arrives once in
 * effect, duplicates change nothing, a poison message is dead-lettered alone,
 * and what was stored while the consumer was away is sent after a restart.
 *
 * Needs JIUYE_DB (the harness's test cluster) and a superuser (PGUSER). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "link.h"
#include "pg.h"
#include "pg_rows.h"


typedef struct fixture {
    struct event_base *base;
    PGconn *admin, *producer_pg, *consumer_pg;
    link_producer_t *producer;
    link_consumer_t *consumer;
} fixture_t;

static long count(PGconn *pg, const char *sql) {
    PGresult *r = pg_exec(pg, sql, 0, NULL);
    assert_non_null(r);
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

/* Rows "keep" messages leave for a participant of the consumer's transaction
 * (txn.h, pg_rows.h); it counts what the consumer asks of it. */
static pg_rows_t kept;
static int flushes_with_rows, discards, ends;

static int flush_kept(void *self, txn_t *t) {
    pg_rows_t *rows = self;
    if (pg_rows_count(rows) == 0) return 0;
    flushes_with_rows++;
    PGresult *r = pg_rows_exec(txn_pg(t), rows, "INSERT INTO lt.kept (message_id) SELECT unnest($1::text[])");
    if (!r) return -1;
    PQclear(r);
    return 0;
}

static void discard_kept(void *self, txn_t *t, int whole) {
    (void)t, (void)whole;
    discards++;
    pg_rows_clear(self);
}

static void end_kept(void *self, txn_t *t) {
    (void)self, (void)t;
    ends++;
}

static const txn_part_t kept_part = {.name = "test kept", .flush = flush_kept, .discard = discard_kept, .end = end_kept};

static link_status_t handler(void *ctx, txn_t *t, const Jiuye__Envelope *env, char *err, size_t errlen) {
    (void)ctx;
    PGconn *pg = txn_pg(t);
    assert_ptr_equal(txn_message(t), env);
    if (strncmp(env->message_id, "keep", 4) == 0) { /* no statement now: the participant writes it */
        const char *row[] = {env->message_id};
        pg_rows_add(txn_part(t, &kept_part), row, NULL);
        return LINK_OK;
    }
    if (strncmp(env->message_id, "bad", 3) == 0) {
        snprintf(err, errlen, "poison message");
        return LINK_REJECT;
    }
    /* As the services do: a database error on a live connection is this message's fault. */
    link_status_t failed = PQstatus(pg) == CONNECTION_OK ? LINK_REJECT : LINK_RETRY;
    const char *p[] = {env->message_id};
    if (pg_cmd(pg, "INSERT INTO lt.effects (message_id) VALUES ($1)", 1, p) != 0) {
        snprintf(err, errlen, "effect not written");
        return failed;
    }
    if (strncmp(env->message_id, "read", 4) == 0) { /* a read sees the (possibly deferred) write before it */
        PGresult *r = pg_exec(pg, "SELECT count(*) FROM lt.effects WHERE message_id = $1", 1, p);
        if (!r) return failed;
        int seen = strcmp(PQgetvalue(r, 0, 0), "1") == 0;
        PQclear(r);
        if (!seen) {
            snprintf(err, errlen, "own write not visible");
            return LINK_REJECT;
        }
    }
    return LINK_OK;
}

static void put_messages(PGconn *pg, const char *prefix, int from, int n) {
    assert_int_equal(pg_begin(pg), 0);
    for (int i = from; i < from + n; i++) {
        char id[64];
        snprintf(id, sizeof id, "%s-%d", prefix, i);
        Jiuye__Event ev = JIUYE__EVENT__INIT;
        ev.event_id = id;
        Jiuye__Envelope env = JIUYE__ENVELOPE__INIT;
        env.message_id = id;
        env.producer = "test";
        env.body_case = JIUYE__ENVELOPE__BODY_EVENT;
        env.event = &ev;
        txn_t t;
        txn_init(&t, pg);
        assert_int_equal(link_outbox_put(&t, "lt", &env), 0);
    }
    assert_int_equal(pg_commit(pg), 0);
}

/* Run the loop until sql counts want, or 20 s pass. Returns the last count. */
static long run_until(fixture_t *f, const char *sql, long want) {
    time_t deadline = time(NULL) + 20;
    long n = -1;
    while (time(NULL) < deadline) {
        event_base_loop(f->base, EVLOOP_ONCE);
        n = count(f->admin, sql);
        if (n == want) break;
    }
    return n;
}

/* tests/run.sh sets it, so parallel runs do not share a port. */
static const char *endpoint(void) {
    const char *e = getenv("JIUYE_TEST_LINK_ENDPOINT");
    return e ? e : "tcp://127.0.0.1:15599";
}

static void start_consumer(fixture_t *f) {
    f->consumer = link_consumer_new(f->base, f->consumer_pg, "test-consumer", "lt", endpoint(), handler, NULL, NULL);
    assert_non_null(f->consumer);
    txn_join(link_consumer_txn(f->consumer), &kept_part, &kept);
}

static void start_producer(fixture_t *f) {
    f->producer = link_producer_new(f->base, f->producer_pg, "test-producer", "lt", endpoint());
    assert_non_null(f->producer);
}

static int setup(void **state) {
    fixture_t *f = calloc(1, sizeof *f);
    setenv("JIUYE_ACK_TIMEOUT_MS", "500", 1);
    f->base = event_base_new();
    const char *user = getenv("PGUSER") ? getenv("PGUSER") : "postgres";
    f->admin = pg_connect(user, NULL, "test_link", NULL);
    f->producer_pg = pg_connect(user, NULL, "test_link_producer", NULL);
    f->consumer_pg = pg_connect(user, NULL, "test_link_consumer", NULL);
    if (!f->admin || !f->producer_pg || !f->consumer_pg) return -1;
    PGresult *r = PQexec(f->admin,
                         "SET client_min_messages = warning;"
                         "DROP SCHEMA IF EXISTS lt CASCADE; CREATE SCHEMA lt;"
                         "CREATE TABLE lt.outbox (seq bigserial PRIMARY KEY, message_id text NOT NULL UNIQUE,"
                         " payload bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
                         "CREATE TABLE lt.consumed (message_id text PRIMARY KEY, consumed_at timestamptz DEFAULT now());"
                         "CREATE TABLE lt.dead_letters (message_id text, error text, payload bytea, at timestamptz DEFAULT now());"
                         "CREATE TABLE lt.effects (message_id text NOT NULL CHECK (message_id NOT LIKE 'fail%'));"
                         "CREATE TABLE lt.kept (message_id text NOT NULL CHECK (message_id NOT LIKE 'keepfail%'));");
    pg_rows_init(&kept, 1, NULL);
    flushes_with_rows = discards = ends = 0;
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    *state = f;
    return ok ? 0 : -1;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    link_producer_destroy(&f->producer);
    link_consumer_destroy(&f->consumer);
    PGresult *r = PQexec(f->admin, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS lt CASCADE");
    PQclear(r);
    pg_rows_free(&kept);
    PQfinish(f->admin);
    PQfinish(f->producer_pg);
    PQfinish(f->consumer_pg);
    link_term();
    event_base_free(f->base);
    free(f);
    return 0;
}

static void test_every_message_takes_effect_once(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "m", 0, 2500); /* more than the window and many batches */
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects"), 2500);
    assert_int_equal(count(f->admin, "SELECT count(DISTINCT message_id) FROM lt.effects"), 2500);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.consumed"), 2500);
    assert_int_equal(link_producer_inflight(f->producer), 0);
}

static void test_duplicate_has_no_effect(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "d", 0, 10);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    /* The same ten again, as a producer that lost its acks would send them. */
    put_messages(f->producer_pg, "d", 0, 10);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects"), 10);
}

static void test_poison_message_is_dead_lettered_alone(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "good", 0, 5);
    put_messages(f->producer_pg, "bad", 0, 1);
    put_messages(f->producer_pg, "good", 5, 5);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects"), 10);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters WHERE message_id = 'bad-0' AND error = 'poison message'"), 1);
}

/* The consumer's fast mode defers the handlers' writes (pg_defer_begin): a write
 * that fails only shows at the end of the batch, after its handler said OK. The
 * batch is then run again in careful mode, where that message alone is dead-lettered. */
static void test_failing_deferred_write_is_dead_lettered_alone(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "good", 0, 5);
    put_messages(f->producer_pg, "fail", 0, 1);
    put_messages(f->producer_pg, "good", 5, 5);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects"), 10);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects WHERE message_id LIKE 'good-%'"), 10);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters WHERE message_id = 'fail-0'"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.consumed"), 11);
}

/* Rows a handler keeps are written by their participant's flush, a statement per
 * transaction, not per message; a kept row that fails dead-letters its own
 * message alone (careful mode flushes after each message, under its savepoint)
 * and the other messages' rows are written once. */
static void test_kept_rows_flushed_per_transaction(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "keep", 0, 60);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.kept"), 60);
    assert_int_equal(count(f->admin, "SELECT count(DISTINCT message_id) FROM lt.kept"), 60);
    assert_true(flushes_with_rows >= 1 && flushes_with_rows < 60 / 4); /* 60 messages: a few transactions */
    assert_true(ends >= flushes_with_rows); /* every transaction ended: its participants told */
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters"), 0);
}

static void test_failing_kept_row_is_dead_lettered_alone(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "keep", 0, 20);
    put_messages(f->producer_pg, "keepfail", 0, 1);
    put_messages(f->producer_pg, "keep", 20, 20);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.kept"), 40);
    assert_int_equal(count(f->admin, "SELECT count(DISTINCT message_id) FROM lt.kept"), 40);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters WHERE message_id = 'keepfail-0'"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.consumed"), 41);
    assert_true(discards >= 1); /* the fast attempt was rolled back, its kept rows dropped */
}

/* A read in a handler sees the writes sent before it in the same pipeline. */
static void test_read_after_deferred_write(void **state) {
    fixture_t *f = *state;
    start_consumer(f);
    start_producer(f);
    put_messages(f->producer_pg, "read", 0, 50);
    link_producer_pump(f->producer);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects"), 50);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.dead_letters"), 0);
}

static void test_stored_while_consumer_away_is_sent_after_restart(void **state) {
    fixture_t *f = *state;
    start_producer(f);
    put_messages(f->producer_pg, "away", 0, 50);
    link_producer_pump(f->producer);
    for (int i = 0; i < 4; i++) event_base_loop(f->base, EVLOOP_ONCE); /* nobody listening: nothing acked */
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.outbox"), 50);
    link_producer_destroy(&f->producer); /* the producer "crashes" */
    start_consumer(f);
    start_producer(f); /* restart: loads and re-sends every stored row */
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM lt.effects"), 50);
}

static void test_consumer_restart_while_in_flight(void **state) {
    fixture_t *f = *state;
    start_producer(f);
    put_messages(f->producer_pg, "late", 0, 30);
    link_producer_pump(f->producer); /* sent into the void (ZMQ_IMMEDIATE: not even queued) */
    start_consumer(f);               /* appears later: the resend timer delivers */
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.effects", 30), 30);
    assert_int_equal(run_until(f, "SELECT count(*) FROM lt.outbox", 0), 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_message_takes_effect_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_has_no_effect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poison_message_is_dead_lettered_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_deferred_write_is_dead_lettered_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_after_deferred_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_rows_flushed_per_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_kept_row_is_dead_lettered_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_while_consumer_away_is_sent_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_restart_while_in_flight, setup, teardown),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
