/* test_strset.c: common/strmap.c and the set on it (strset.h), the one hash
 * table: add and contains, copies of the keys, growth past the first table
 * (keys placed again), clear keeps the memory and forgets every key, free;
 * a map's values: zeroed when made, the same one for the same key, kept
 * through growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strmap.h"
#include "strset.h"

static void test_add_and_has(void **state) {
    (void)state;
    strset_t s = STRSET_INIT;
    assert_false(strset_has(&s, "a")); /* empty, nothing allocated */
    assert_int_equal(strset_add(&s, "a"), 1);
    assert_int_equal(strset_add(&s, "a"), 0);
    assert_int_equal(strset_add(&s, ""), 1);
    assert_true(strset_has(&s, "a"));
    assert_true(strset_has(&s, ""));
    assert_false(strset_has(&s, "b"));
    assert_false(strset_has(&s, "aa"));
    assert_int_equal(strset_count(&s), 2);
    strset_free(&s);
}

static void test_keys_are_copied(void **state) {
    (void)state;
    strset_t s = STRSET_INIT;
    char key[16] = "R01\x1f" "320706";
    strset_add(&s, key);
    memcpy(key, "XXX", 3);
    assert_true(strset_has(&s, "R01\x1f" "320706"));
    assert_false(strset_has(&s, key));
    strset_free(&s);
}

/* Enough keys to grow the table several times and the arena past its first size. */
static void test_grows(void **state) {
    (void)state;
    strset_t s = STRSET_INIT;
    char key[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "decision/%d/with-a-longer-id-%d", i, i * 7);
        assert_int_equal(strset_add(&s, key), 1);
    }
    assert_int_equal(strset_count(&s), 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "decision/%d/with-a-longer-id-%d", i, i * 7);
        assert_true(strset_has(&s, key));
        assert_int_equal(strset_add(&s, key), 0);
    }
    assert_false(strset_has(&s, "decision/5000/with-a-longer-id-35000"));
    strset_free(&s);
}

static void test_clear_reuses_memory(void **state) {
    (void)state;
    strset_t s = STRSET_INIT;
    char key[32];
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%d", i);
        strset_add(&s, key);
    }
    size_t *slots = s.slots;
    char *arena = s.arena;
    size_t cap = s.cap;
    strset_clear(&s);
    assert_int_equal(strset_count(&s), 0);
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_false(strset_has(&s, key));
    }
    for (int i = 0; i < 300; i++) { /* the same keys again: new to the set, no new allocation */
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(strset_add(&s, key), 1);
    }
    assert_ptr_equal(s.slots, slots);
    assert_ptr_equal(s.arena, arena);
    assert_int_equal(s.cap, cap);
    assert_int_equal(strset_count(&s), 300);
    assert_true(strset_has(&s, "k299"));
    assert_false(strset_has(&s, "j299"));
    strset_free(&s);
    assert_int_equal(strset_count(&s), 0);
    assert_int_equal(strset_add(&s, "again"), 1); /* usable after free */
    strset_free(&s);
}

typedef struct {
    int n;
    char tag[12];
} value_t;

static void test_map_values(void **state) {
    (void)state;
    strmap_t m = STRMAP_INIT(value_t);
    int added = -1;
    value_t *v = strmap_put(&m, "320706199003071234", &added);
    assert_int_equal(added, 1);
    assert_int_equal(v->n, 0); /* made zeroed */
    assert_string_equal(v->tag, "");
    v->n = 42;
    snprintf(v->tag, sizeof v->tag, "present");
    assert_ptr_equal(strmap_put(&m, "320706199003071234", &added), v);
    assert_int_equal(added, 0);
    assert_null(strmap_get(&m, "320706199003071235"));
    char key[32];
    for (int i = 0; i < 3000; i++) { /* grow: the table and the values move */
        snprintf(key, sizeof key, "k%d", i);
        ((value_t *)strmap_put(&m, key, NULL))->n = i;
    }
    v = strmap_get(&m, "320706199003071234");
    assert_non_null(v);
    assert_int_equal(v->n, 42);
    assert_string_equal(v->tag, "present");
    for (int i = 0; i < 3000; i += 37) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(((value_t *)strmap_get(&m, key))->n, i);
    }
    strmap_clear(&m);
    assert_null(strmap_get(&m, "320706199003071234"));
    v = strmap_put(&m, "320706199003071234", &added); /* after clear: new, zeroed again */
    assert_int_equal(added, 1);
    assert_int_equal(v->n, 0);
    strmap_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_has),
        cmocka_unit_test(test_keys_are_copied),
        cmocka_unit_test(test_grows),
        cmocka_unit_test(test_clear_reuses_memory),
        cmocka_unit_test(test_map_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
