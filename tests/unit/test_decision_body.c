/* test_decision_body.c: the body rules stores for a decision
 * (services/rules/decision.c, decision_body) is the document the API shows
 * (decision_to_json): same members and values, read back by jansson, for
 * decisions with every kind of part; a fact named twice keeps its last value;
 * a long value is cut at a character boundary, not inside one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "decision.h"

static Jiuye__Decision *sample(const char *const *audience) {
    Jiuye__Event ev = JIUYE__EVENT__INIT;
    ev.source = "registry";
    ev.event_id = "e-1 \"quoted\"";
    ev.type = "training.completed";
    ev.district = "320706";
    ev.occurred_on = "2024-05-10";
    return decision_new(&ev, "R01", "R01", "培训补贴", "二(三)9", audience, "32070619900307123X");
}

/* decision_body(d) read back equals decision_to_json(d). */
static void assert_same_document(const Jiuye__Decision *d) {
    const char *body = decision_body(d);
    assert_non_null(body);
    json_error_t e;
    json_t *got = json_loads(body, 0, &e);
    if (!got) fail_msg("body is not JSON: %s (%s)", e.text, body);
    json_t *want = decision_to_json(d);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *w = json_dumps(want, JSON_COMPACT);
        fail_msg("body %s\n want %s", body, w);
    }
    json_decref(got);
    json_decref(want);
}

static void test_plain_decision(void **state) {
    (void)state;
    Jiuye__Decision *d = sample(NULL);
    assert_same_document(d); /* no facts, parameters or audience */
    decision_free(d);
}

static void test_full_decision(void **state) {
    (void)state;
    const char *aud[] = {"district_federation", "training_provider", NULL};
    Jiuye__Decision *d = sample(aud);
    decision_fact(d, "hours", "%d", 60);
    decision_fact(d, "name", "%s", "王\"小\\明\n\t");
    decision_fact(d, "certificate", "level4");
    decision_fact(d, "hours", "%d", 72); /* named twice: the last value, the first place */
    policy_value_t v = {.value = 150000, .effective_from = 0, .source = "二(三)9 \"quoted\""};
    assert_int_equal(date_parse("2023-01-01", &v.effective_from), 0);
    decision_param(d, "r01_amount_fen.level4", &v);
    decision_param(d, "r01_min_hours", &v);
    decision_set(d, "eligible", "培训合格 %d 小时", 72);
    decision_beneficiary(d, "32070619900307123X", "person");
    assert_same_document(d);
    json_t *j = json_loads(decision_body(d), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "facts"), "hours")), "72");
    assert_int_equal(json_object_size(json_object_get(j, "facts")), 3);
    json_decref(j);
    decision_correct(d, "registry/e-0/R01");
    assert_same_document(d); /* corrects_decision_id only when set */
    decision_free(d);
}

static void test_long_value_cut_at_character(void **state) {
    (void)state;
    char name[1200] = "";
    for (int i = 0; i < 300; i++) strcat(name, "张"); /* 900 bytes, cut at 255 */
    Jiuye__Decision *d = sample(NULL);
    decision_fact(d, "x", "%s", name);
    decision_fact(d, "odd", "a%s", name); /* 1 + 3k: 255 falls inside a character */
    decision_set(d, "eligible", "%s", name);
    assert_same_document(d);
    const char *odd = NULL;
    for (size_t i = 0; i < d->n_facts; i++)
        if (strcmp(d->facts[i]->name, "odd") == 0) odd = d->facts[i]->value;
    assert_non_null(odd);
    assert_int_equal(strlen(odd), 253); /* "a" and 84 whole characters */
    decision_free(d);
}

static void test_invalid_utf8_refused(void **state) {
    (void)state;
    Jiuye__Decision *d = sample(NULL);
    decision_set(d, "eligible", "%s", "bad \xC3 byte");
    assert_null(decision_body(d));
    json_t *j = decision_to_json(d); /* jansson refuses it too */
    assert_null(j);
    decision_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_decision),
        cmocka_unit_test(test_full_decision),
        cmocka_unit_test(test_long_value_cut_at_character),
        cmocka_unit_test(test_invalid_utf8_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
