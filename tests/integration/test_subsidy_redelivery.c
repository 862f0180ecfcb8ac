/* test_subsidy_redelivery.c: "delivering the same decision ten times yields one
 * award", against the real jiuye-subsidy binary, real ZeroMQ on
 * loopback and the harness's PostgreSQL.
 *
 * The test plays the rules service: a DEALER connected to SUBSIDY_ZMQ sends one
 * Envelope{Decided} carrying an R01 eligible decision as rules makes it (facts
 * and dated parameters of r01_training_subsidy.c), first ten times under the
 * same message_id (the link's consumed table makes nine of them no-ops), then
 * ten times under ten new message_ids (what a rules outbox that lost its
 * delivered marks would send: the subsidy.decisions primary key makes them
 * "already settled", not dead letters). It waits for every Ack (sent after
 * the consumer's commit), then reads subsidy.* as the superuser: one award,
 * one settled decision, no dead letter, one message for notify.
 *
 * It starts $JIUYE_BIN/jiuye-subsidy itself (fork/exec, log under
 * $JIUYE_TEST_TMP/logs) and stops it with SIGTERM like tests/lib.sh does: a
 * nonzero exit (LeakSanitizer) or a sanitizer report in the log fails it.
 * Needs what tests/run.sh sets: JIUYE_DB, PGUSER (superuser), JIUYE_BIN,
 * JIUYE_TEST_TMP, SUBSIDY_ZMQ, SUBSIDY_HTTP_PORT, NOTIFY_ZMQ, and the CURVE
 * keys when set (the DEALER uses the rules service's pair, common/curve.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "curve.h"
#include "envelope.pb-c.h"
#include "pg.h"

#define COPIES 10
#define ACK_WAIT_S 60 /* a sanitized subsidy starting up and committing */

typedef struct fixture {
    PGconn *admin;
    pid_t subsidy;
    char log[1024];
    void *ctx, *dealer;
} fixture_t;

static long count(PGconn *pg, const char *sql) {
    PGresult *r = pg_exec(pg, sql, 0, NULL);
    assert_non_null(r);
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int setup(void **state) {
    fixture_t *f = calloc(1, sizeof *f);
    if (!f) return -1;
    *state = f;
    f->admin = pg_connect(env_or("PGUSER", "postgres"), NULL, "test_subsidy_redelivery", NULL);
    if (!f->admin) return -1;
    PGresult *r = PQexec(f->admin, "TRUNCATE subsidy.awards, subsidy.decisions, subsidy.claims, subsidy.consumed, "
                                   "subsidy.outbox, subsidy.dead_letters RESTART IDENTITY CASCADE");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return -1;
    snprintf(f->log, sizeof f->log, "%s/logs/test_subsidy_redelivery.subsidy.log", env_or("JIUYE_TEST_TMP", "/tmp"));
    char bin[1024];
    snprintf(bin, sizeof bin, "%s/jiuye-subsidy", env_or("JIUYE_BIN", "build/san/bin"));
    f->subsidy = fork();
    if (f->subsidy < 0) return -1;
    if (f->subsidy == 0) {
        int fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    f->ctx = zmq_ctx_new();
    f->dealer = zmq_socket(f->ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(f->dealer, ZMQ_LINGER, &linger, sizeof linger);
    /* The link runs under CURVE when run.sh configured keys: we are its rules end. */
    if (curve_client_setup(f->dealer, "rules", "subsidy") < 0) return -1;
    return zmq_connect(f->dealer, env_or("SUBSIDY_ZMQ", "tcp://127.0.0.1:5552"));
}

/* SIGTERM and wait up to 10 s; the service must exit 0 with a clean log. */
static void stop_subsidy(fixture_t *f) {
    if (f->subsidy <= 0) return;
    kill(f->subsidy, SIGTERM);
    int status = 0, done = 0;
    for (int i = 0; i < 100 && !done; i++) {
        done = waitpid(f->subsidy, &status, WNOHANG) == f->subsidy;
        if (!done) usleep(100 * 1000);
    }
    if (!done) {
        kill(f->subsidy, SIGKILL);
        waitpid(f->subsidy, &status, 0);
    }
    f->subsidy = 0;
    assert_true(done);
    FILE *log = fopen(f->log, "r");
    char line[1024];
    int reports = 0;
    while (log && fgets(line, sizeof line, log))
        reports += strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
                   strstr(line, "runtime error:");
    if (log) fclose(log);
    if (reports || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("jiuye-subsidy: exit status %d, %d sanitizer report(s); see %s", WEXITSTATUS(status), reports, f->log);
}

static int teardown(void **state) {
    fixture_t *f = *state;
    if (f->subsidy > 0) {
        kill(f->subsidy, SIGKILL);
        waitpid(f->subsidy, NULL, 0);
    }
    if (f->dealer) zmq_close(f->dealer);
    if (f->ctx) zmq_ctx_term(f->ctx);
    if (f->admin) PQfinish(f->admin);
    free(f);
    return 0;
}

/* The decision of r01_training_subsidy.c for a level-4, 60-hour, 1 800-yuan
 * training in 海州区 on 2024-05-10 (docs/policy.md §6 example 1: 1 500 yuan). */
/* An Envelope{Decided} under message_id carrying the R01 decision `copies` times (1 or 2);
 * event_type NULL: "training.completed"; decision_id NULL: "redelivery/t1/R01", outcome NULL:
 * "eligible", corrects NULL: a decision that corrects none. */
typedef struct {
    const char *decision_id, *outcome, *corrects;
} variant_t;

static uint8_t *decided_envelope_of(const char *message_id, int copies, const char *event_type, const variant_t *v,
                                    size_t *len) {
    static const char *cert_no = "32070619900307123X43";
    Jiuye__TrainingCompleted t = JIUYE__TRAINING_COMPLETED__INIT;
    t.cert_no = (char *)cert_no;
    t.provider_code = "91320706MA11111108";
    t.course = "vocational";
    t.hours = 60;
    t.certificate = "level4";
    t.cost_fen = 180000;
    Jiuye__Event ev = JIUYE__EVENT__INIT;
    ev.event_id = "t1";
    ev.type = "training.completed";
    ev.occurred_on = "2024-05-10";
    ev.district = "320706";
    ev.source = "redelivery";
    ev.payload_case = JIUYE__EVENT__PAYLOAD_TRAINING_COMPLETED;
    ev.training_completed = &t;

    static const char *const fact_names[] = {"course", "hours", "certificate", "cost_fen", "registered", "age", "sex"};
    static const char *const fact_values[] = {"vocational", "60", "level4", "180000", "true", "34", "male"};
    Jiuye__Fact facts[7], *fact_ptrs[7];
    for (size_t i = 0; i < 7; i++) {
        jiuye__fact__init(&facts[i]);
        facts[i].name = (char *)fact_names[i];
        facts[i].value = (char *)fact_values[i];
        fact_ptrs[i] = &facts[i];
    }
    static const char *const param[][3] = {
        {"r01_min_hours", "40", "二(三)9 职业技能培训"},
        {"r01_amount_fen.level4", "150000", "二(三)9 培训补贴（四级）"},
        {"r01_max_awards_per_year", "3", "二(三)9 每人每年至多3次"},
    };
    Jiuye__ParameterValue params[3], *param_ptrs[3];
    for (size_t i = 0; i < 3; i++) {
        jiuye__parameter_value__init(&params[i]);
        params[i].name = (char *)param[i][0];
        params[i].value = (char *)param[i][1];
        params[i].effective_from = "2023-01-01";
        params[i].source = (char *)param[i][2];
        param_ptrs[i] = &params[i];
    }
    static char *audience[] = {"cdpf", "hrss"};
    Jiuye__Decision d = JIUYE__DECISION__INIT;
    d.decision_id = (char *)(v && v->decision_id ? v->decision_id : "redelivery/t1/R01");
    d.event_id = "t1";
    d.source = "redelivery";
    d.event_type = (char *)(event_type ? event_type : "training.completed");
    d.rule = "R01";
    d.rule_name = "TRAINING_SUBSIDY";
    d.outcome = (char *)(v && v->outcome ? v->outcome : "eligible");
    if (v && v->corrects) d.corrects_decision_id = (char *)v->corrects;
    d.clause = "二(三)9";
    d.n_facts = 7;
    d.facts = fact_ptrs;
    d.n_parameters = 3;
    d.parameters = param_ptrs;
    d.plan_id = "lianyungang-2023-2025";
    d.plan_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    d.reason = "已登记、劳动年龄、培训 60 学时（证书 level4），符合培训补贴条件";
    d.district = "320706";
    d.subject = (char *)cert_no;
    d.occurred_on = "2024-05-10";
    d.n_audience = 2;
    d.audience = audience;
    d.decided_on = "2024-05-10";
    d.beneficiary = (char *)cert_no;
    d.beneficiary_kind = "person";
    Jiuye__Decision *decisions[] = {&d, &d};
    Jiuye__Decided decided = JIUYE__DECIDED__INIT;
    decided.event = &ev;
    decided.n_decisions = (size_t)copies;
    decided.decisions = decisions;
    Jiuye__Envelope env = JIUYE__ENVELOPE__INIT;
    env.message_id = (char *)message_id;
    env.producer = "rules";
    env.body_case = JIUYE__ENVELOPE__BODY_DECIDED;
    env.decided = &decided;
    *len = jiuye__envelope__get_packed_size(&env);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    jiuye__envelope__pack(&env, buf);
    return buf;
}

static void send_variant(fixture_t *f, const char *message_id, const variant_t *v) {
    size_t len;
    uint8_t *buf = decided_envelope_of(message_id, 1, NULL, v, &len);
    assert_int_equal(zmq_send(f->dealer, buf, len, 0), (int)len);
    free(buf);
}

static void send_decided_as(fixture_t *f, const char *message_id, int copies, const char *event_type) {
    size_t len;
    uint8_t *buf = decided_envelope_of(message_id, copies, event_type, NULL, &len);
    assert_int_equal(zmq_send(f->dealer, buf, len, 0), (int)len);
    free(buf);
}

static void send_decided_copies(fixture_t *f, const char *message_id, int copies) {
    send_decided_as(f, message_id, copies, NULL);
}

static void send_decided(fixture_t *f, const char *message_id) { send_decided_copies(f, message_id, 1); }

/* Read Acks until want message ids were acknowledged (duplicates included) or time runs out. */
static long await_acks(fixture_t *f, long want) {
    long acked = 0;
    time_t deadline = time(NULL) + ACK_WAIT_S;
    while (acked < want && time(NULL) < deadline) {
        zmq_pollitem_t item = {f->dealer, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 500) <= 0) continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, f->dealer, 0) >= 0) {
            Jiuye__Ack *ack = jiuye__ack__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            if (ack) acked += (long)ack->n_message_ids;
            jiuye__ack__free_unpacked(ack, NULL);
        }
        zmq_msg_close(&msg);
    }
    return acked;
}

/* The decision under COPIES new message ids "rules/redelivery/t1/<kind>-<n>", back to back; all acknowledged. */
static void send_under_new_ids(fixture_t *f, const char *kind) {
    for (int i = 0; i < COPIES; i++) {
        char id[64];
        snprintf(id, sizeof id, "rules/redelivery/t1/%s-%d", kind, i);
        send_decided(f, id);
    }
    assert_int_equal(await_acks(f, COPIES), COPIES);
}

static void ten_deliveries_one_award(void **state) {
    fixture_t *f = *state;
    /* The same message ten times: the link's consumed table. */
    for (int i = 0; i < COPIES; i++) send_decided(f, "rules/redelivery/t1");
    assert_int_equal(await_acks(f, COPIES), COPIES);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.awards"), 1);
    /* The same decision under ten new message ids: already settled. */
    send_under_new_ids(f, "again");
    stop_subsidy(f);

    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.awards"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.awards WHERE award_id = "
                                     "'redelivery/t1/R01/TRAINING_SUBSIDY' AND status = 'granted' AND amount_fen = 150000 "
                                     "AND slot = 1"),
                     1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.decisions"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.consumed"), 1 + COPIES);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.dead_letters"), 0);
    /* One Settled message for notify (no notify runs here, so it waits in the outbox). */
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.outbox"), 1);
}

/* One message carrying the same decision twice (subsidy records a message's
 * decisions with one statement, settled_record): its first copy is settled, the
 * second is "already settled". */
static void twice_in_one_message_one_award(void **state) {
    fixture_t *f = *state;
    send_decided_copies(f, "rules/redelivery/t1/twice", 2);
    assert_int_equal(await_acks(f, 1), 1);
    stop_subsidy(f);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.awards"), 1);
    assert_int_equal(
        count(f->admin, "SELECT count(*) FROM subsidy.awards WHERE status = 'granted' AND amount_fen = 150000"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.decisions"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.dead_letters"), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.outbox"), 1);
}

/* A decision never settled before, under several message ids sent back to back
 * (a consumer transaction takes them together, and records the decisions of all
 * its messages with one statement, settled_ahead): the first message settles
 * it, the others find it settled. */
static void new_decision_under_many_ids_one_award(void **state) {
    fixture_t *f = *state;
    send_under_new_ids(f, "burst");
    stop_subsidy(f);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.awards"), 1);
    assert_int_equal(
        count(f->admin, "SELECT count(*) FROM subsidy.awards WHERE status = 'granted' AND amount_fen = 150000"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.decisions"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.consumed"), COPIES);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.dead_letters"), 0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.outbox"), 1);
    /* ... in the fast mode: no transaction had to be run again message by message
     * (which would end the same, but one statement per message again). */
    FILE *log = fopen(f->log, "r");
    assert_non_null(log);
    char line[2048];
    int careful = 0;
    while (fgets(line, sizeof line, log))
        if (strstr(line, "running them again one by one")) careful++;
    fclose(log);
    assert_int_equal(careful, 0);
}

/* A message whose decision PostgreSQL refuses (a field that is not UTF-8) sent just before a
 * good one: the statement that records the decisions of the whole transaction ahead fails, so
 * the transaction runs again message by message: the bad one is dead-lettered, the good one
 * settled, both acknowledged (not a batch refused on every redelivery). */
static void refused_decision_dead_lettered_alone(void **state) {
    fixture_t *f = *state;
    send_decided_as(f, "rules/redelivery/t1/bad", 1, "training.completed\xff");
    send_decided(f, "rules/redelivery/t1/good");
    assert_int_equal(await_acks(f, 2), 2);
    stop_subsidy(f);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.dead_letters WHERE message_id = "
                                     "'rules/redelivery/t1/bad'"),
                     1);
    assert_int_equal(
        count(f->admin, "SELECT count(*) FROM subsidy.awards WHERE status = 'granted' AND amount_fen = 150000"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.decisions"), 1);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.consumed"), 2);
}

/* A correction settled before the decision it corrects (an ineligible re-decision, so it
 * records no claim of its own): the decision that then arrives is the first claim of its
 * limit, but it is corrected already, so it holds no place and gets no award. Whether a
 * claim may be allocated alone is read ahead for the whole transaction (claims_ahead): a
 * set that forgot the recorded corrections would grant it 1 500 yuan. Told twice: the
 * correction acknowledged before the decision is sent (read from subsidy.decisions), and
 * both back to back (in one transaction, the correction first). */
static void decision_corrected_before_it_arrives(void **state) {
    fixture_t *f = *state;
    variant_t correction = {"redelivery/t1/R01/c1", "ineligible", "redelivery/t1/R01"};
    send_variant(f, "rules/redelivery/t1/c1", &correction);
    assert_int_equal(await_acks(f, 1), 1);
    send_decided(f, "rules/redelivery/t1/late");
    assert_int_equal(await_acks(f, 1), 1);
    variant_t correction2 = {"redelivery/t2/R01/c1", "ineligible", "redelivery/t2/R01"};
    variant_t original2 = {"redelivery/t2/R01", NULL, NULL};
    send_variant(f, "rules/redelivery/t2/c1", &correction2);
    send_variant(f, "rules/redelivery/t2/late", &original2);
    assert_int_equal(await_acks(f, 2), 2);
    stop_subsidy(f);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.claims WHERE decision_id IN "
                                     "('redelivery/t1/R01', 'redelivery/t2/R01')"),
                     2);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.awards WHERE status = 'granted' "
                                     "AND amount_fen > 0"),
                     0);
    assert_int_equal(count(f->admin, "SELECT count(*) FROM subsidy.dead_letters"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ten_deliveries_one_award, setup, teardown),
        cmocka_unit_test_setup_teardown(twice_in_one_message_one_award, setup, teardown),
        cmocka_unit_test_setup_teardown(new_decision_under_many_ids_one_award, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_decision_dead_lettered_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(decision_corrected_before_it_arrives, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
