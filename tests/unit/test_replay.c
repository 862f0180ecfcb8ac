/* test_replay.c: the pure parts of services/rules/replay.c: what counts as a
 * difference between a decision and its re-run, the request body, which
 * decisions belong to an event's chain for a rule, and which rules are re-run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "replay.h"

/* A stored R01 decision as decision_to_json() writes it, with the level4 rate. */
static json_t *r01(const char *outcome, const char *rate, const char *from, const char *sha, const char *reason) {
    return json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s},s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}],s:s,s:s}",
                     "decision_id", "src/t1/R01", "outcome", outcome, "beneficiary", "32070619900307123X43", "reason",
                     reason, "facts", "hours", "60", "certificate", "level4", "registered", "true", "parameters",
                     "name", "r01_min_hours", "value", "40", "effective_from", "2023-01-01", "source", "二(三)9",
                     "name", "r01_amount_fen.level4", "value", rate, "effective_from", from, "source", "二(三)9",
                     "plan_sha256", sha, "decided_on", "2024-05-10");
}

static const char *field_of(json_t *diffs, size_t i, const char *key) {
    return json_string_value(json_object_get(json_array_get(diffs, i), key));
}

static void test_same_decision_no_difference(void **state) {
    (void)state;
    json_t *a = r01("eligible", "150000", "2023-01-01", "aaaa", "理由一");
    /* Another file (its SHA-256), another wording, another day: not a difference. */
    json_t *b = r01("eligible", "150000", "2023-01-01", "bbbb", "理由二");
    json_object_set_new(b, "decided_on", json_string("2026-01-15"));
    json_t *d = replay_diff(a, b);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    /* Nor is a parameter's source text. */
    json_object_set_new(json_array_get(json_object_get(b, "parameters"), 1), "source", json_string("修订说明"));
    d = replay_diff(a, b);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    json_decref(a);
    json_decref(b);
}

static void test_parameter_value_and_date(void **state) {
    (void)state;
    json_t *a = r01("eligible", "150000", "2023-01-01", "aaaa", "");
    json_t *b = r01("eligible", "160000", "2023-01-01", "bbbb", "");
    json_t *d = replay_diff(a, b);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(field_of(d, 0, "field"), "parameter");
    assert_string_equal(field_of(d, 0, "name"), "r01_amount_fen.level4");
    assert_string_equal(field_of(d, 0, "before"), "150000 (2023-01-01)");
    assert_string_equal(field_of(d, 0, "after"), "160000 (2023-01-01)");
    json_decref(d);
    json_decref(b);
    /* Same value from another date is a change of the series in force. */
    b = r01("eligible", "150000", "2024-01-01", "aaaa", "");
    d = replay_diff(a, b);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(field_of(d, 0, "after"), "150000 (2024-01-01)");
    json_decref(d);
    json_decref(a);
    json_decref(b);
}

static void test_outcome_facts_and_missing_parameters(void **state) {
    (void)state;
    json_t *a = r01("eligible", "150000", "2023-01-01", "a", "");
    json_t *b = r01("ineligible", "150000", "2023-01-01", "a", "");
    json_array_remove(json_object_get(b, "parameters"), 1);                /* stopped before the rate */
    json_object_set_new(json_object_get(b, "facts"), "age", json_string("61")); /* a new fact */
    json_object_set_new(json_object_get(b, "facts"), "hours", json_string("30"));
    json_t *d = replay_diff(a, b);
    assert_int_equal(json_array_size(d), 4);
    assert_string_equal(field_of(d, 0, "field"), "outcome");
    assert_string_equal(field_of(d, 0, "before"), "eligible");
    assert_string_equal(field_of(d, 0, "after"), "ineligible");
    assert_string_equal(field_of(d, 1, "name"), "hours");
    assert_string_equal(field_of(d, 2, "name"), "age");
    assert_true(json_is_null(json_object_get(json_array_get(d, 2), "before")));
    assert_string_equal(field_of(d, 3, "name"), "r01_amount_fen.level4");
    assert_true(json_is_null(json_object_get(json_array_get(d, 3), "after")));
    json_decref(d);
    json_decref(a);
    json_decref(b);
}

static void test_decision_appears_or_goes(void **state) {
    (void)state;
    json_t *a = r01("action_required", "1", "2023-01-01", "a", "");
    json_t *d = replay_diff(a, NULL);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(field_of(d, 0, "field"), "decision");
    assert_string_equal(field_of(d, 0, "before"), "action_required");
    assert_true(json_is_null(json_object_get(json_array_get(d, 0), "after")));
    json_decref(d);
    d = replay_diff(NULL, a);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(field_of(d, 0, "after"), "action_required");
    json_decref(d);
    d = replay_diff(NULL, NULL);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    json_decref(a);
}

static int parse(const char *body, replay_request_t *rq, char *err, size_t errlen) {
    return replay_parse_request(body, strlen(body), rq, err, errlen);
}

static void test_request(void **state) {
    (void)state;
    replay_request_t rq;
    char err[256];
    assert_int_equal(parse("{\"from\":\"2024-01-01\",\"to\":\"2024-12-31\",\"rule\":\"R04\",\"dry_run\":true}", &rq, err,
                           sizeof err),
                     0);
    assert_string_equal(rq.rule, "R04");
    assert_int_equal(rq.dry_run, 1);
    assert_int_equal(rq.to - rq.from, 365); /* 2024 is a leap year */
    assert_int_equal(parse("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\"}", &rq, err, sizeof err), 0);
    assert_string_equal(rq.rule, "");
    assert_int_equal(rq.dry_run, 0);
    static const struct {
        const char *body, *error;
    } bad[] = {
        {"", "body: a JSON object"},
        {"[]", "body: a JSON object"},
        {"{\"to\":\"2024-01-01\"}", "from: required, a real date"},
        {"{\"from\":\"2024-02-30\",\"to\":\"2024-03-01\"}", "from: required, a real date"},
        {"{\"from\":\"2024-01-01\"}", "to: required, a real date"},
        {"{\"from\":\"2024-02-01\",\"to\":\"2024-01-31\"}", "to: must not be before from"},
        {"{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\",\"rule\":\"R18\"}", "rule: one of R01..R17"},
        {"{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\",\"rule\":\"r01\"}", "rule: one of R01..R17"},
        {"{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\",\"rule\":1}", "rule: one of R01..R17"},
        {"{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\",\"dry_run\":\"yes\"}", "dry_run: true or false"},
        {"{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\",\"since\":1}", "since: unknown field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(parse(bad[i].body, &rq, err, sizeof err), -1);
        if (strncmp(err, bad[i].error, strlen(bad[i].error)) != 0) fail_msg("%s: got '%s'", bad[i].body, err);
    }
    char big[REPLAY_MAX_BODY + 2];
    memset(big, ' ', sizeof big);
    assert_int_equal(replay_parse_request(big, sizeof big, &rq, err, sizeof err), -1);
    assert_string_equal(err, "body: at most 4096 bytes");
}

static void test_chain(void **state) {
    (void)state;
    assert_true(replay_chain_member("src/t1/R01", "src", "t1", "R01"));
    assert_true(replay_chain_member("src/t1/R01/registered", "src", "t1", "R01"));
    assert_true(replay_chain_member("src/t1/R01/expired", "src", "t1", "R01"));
    assert_true(replay_chain_member("src/t1/R01/replay/12", "src", "t1", "R01"));
    assert_false(replay_chain_member("src/t1/R01/replay/", "src", "t1", "R01"));
    assert_false(replay_chain_member("src/t1/R01/replay/x", "src", "t1", "R01"));
    assert_false(replay_chain_member("src/t1/R07-loan", "src", "t1", "R07"));
    assert_true(replay_chain_member("src/t1/R07-loan", "src", "t1", "R07-loan"));
    assert_false(replay_chain_member("src/t1/R08/anniversary", "src", "t1", "R08"));
    assert_false(replay_chain_member("src/t10/R01", "src", "t1", "R01"));
    assert_false(replay_chain_member("other/t1/R01", "src", "t1", "R01"));
    assert_false(replay_chain_member("src/t1/R010", "src", "t1", "R01"));
    /* Event ids may hold a slash: the prefix is matched whole. */
    assert_true(replay_chain_member("src/a/b/R01/replay/3", "src", "a/b", "R01"));
}

static void test_which_rules(void **state) {
    (void)state;
    static const char *const rerun[] = {"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R07-loan", "R09", "R11", "R12"};
    static const char *const never[] = {"R08", "R10", "R13", "R14", "R15", "R16", "R17"};
    for (size_t i = 0; i < sizeof rerun / sizeof *rerun; i++) {
        const rule_def_t *r = rules_find(rerun[i]);
        assert_non_null(r);
        if (replay_not_rerun(r)) fail_msg("%s should be re-run", rerun[i]);
    }
    for (size_t i = 0; i < sizeof never / sizeof *never; i++) {
        const rule_def_t *r = rules_find(never[i]);
        assert_non_null(r);
        if (!replay_not_rerun(r)) fail_msg("%s should not be re-run", never[i]);
    }
    rule_def_t correction = *rules_find("R04");
    correction.correction = 1;
    assert_non_null(replay_not_rerun(&correction));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_decision_no_difference),
        cmocka_unit_test(test_parameter_value_and_date),
        cmocka_unit_test(test_outcome_facts_and_missing_parameters),
        cmocka_unit_test(test_decision_appears_or_goes),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_which_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
