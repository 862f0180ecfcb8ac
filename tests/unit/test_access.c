/* test_access.c: unit tests of the route tables' checks and printing (common/svc.c:
 * a route without a rule stops a service before it connects to anything), of the
 * bearer header's parsing and the role texts (common/access.c), and of the throttle
 * on guessed tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "svc.h"

static void handler(struct evhttp_request *req, const access_who_t *who, void *ctx) { (void)req, (void)who, (void)ctx; }

static const svc_route_t good[] = {
    {.path = "/v1/x", .get = ACCESS_STAFF | ACCESS_OPERATOR, .fn = handler},
    {.path = "/v1/x/{id}/ack", .post = ACCESS_STAFF, .fn = handler},
    {.path = "/open", .get = ACCESS_PUBLIC, .fn = handler},
};

static void test_a_route_without_a_rule_is_refused(void **state) {
    (void)state;
    static const svc_route_t no_rule[] = {{.path = "/v1/forgotten", .fn = handler}};
    static const svc_route_t public_and_role[] = {{.path = "/v1/x", .get = ACCESS_PUBLIC | ACCESS_STAFF, .fn = handler}};
    static const svc_route_t unknown_bit[] = {{.path = "/v1/x", .post = 1u << 20, .fn = handler}};
    svc_t s = {0};
    assert_int_equal(svc_routes(&s, no_rule, 1, NULL), -1);
    assert_int_equal(svc_routes(&s, public_and_role, 1, NULL), -1);
    assert_int_equal(svc_routes(&s, unknown_bit, 1, NULL), -1);
    assert_int_equal(s.n_tables, 0);
    assert_int_equal(svc_routes(&s, good, sizeof good / sizeof good[0], NULL), 0);
    assert_int_equal(s.n_tables, 1);
}

static void test_routes_print_one_line_per_method(void **state) {
    (void)state;
    svc_t s = {0};
    assert_int_equal(svc_routes(&s, good, sizeof good / sizeof good[0], NULL), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    svc_routes_print(&s, f);
    fclose(f);
    assert_string_equal(text, "GET /healthz public\n"
                              "GET /readyz public\n"
                              "GET /metrics operator,metrics\n"
                              "GET /v1/x staff,operator\n"
                              "POST /v1/x/{id}/ack staff\n"
                              "GET /open public\n");
    free(text);
}

static void test_bearer(void **state) {
    (void)state;
    char h[100];
    snprintf(h, sizeof h, "Bearer jy_%064d", 0);
    assert_non_null(access_bearer(h));
    snprintf(h, sizeof h, "bearer   jy_%064d", 0);
    assert_non_null(access_bearer(h));
    snprintf(h, sizeof h, "Bearer jy_%063d", 0);
    assert_null(access_bearer(h));
    snprintf(h, sizeof h, "Basic jy_%064d", 0);
    assert_null(access_bearer(h));
    snprintf(h, sizeof h, "Bearer jy_%064d x", 0);
    assert_null(access_bearer(h));
    assert_null(access_bearer(NULL));
}

static void test_role_texts(void **state) {
    (void)state;
    char out[64];
    assert_string_equal(access_rule_text(ACCESS_OPERATOR | ACCESS_STAFF, out, sizeof out), "staff,operator");
    assert_string_equal(access_rule_text(ACCESS_PUBLIC, out, sizeof out), "public");
    assert_int_equal(access_role_bit("auditor"), ACCESS_AUDITOR);
    assert_int_equal(access_role_bit("root"), 0);
    assert_null(access_role_name(ACCESS_STAFF | ACCESS_OPERATOR));
}

static void test_throttle(void **state) {
    (void)state;
    access_throttle_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->max_failures = 10;
    for (int i = 0; i < 9; i++) access_throttle_fail(t, "10.0.0.1", 1000);
    assert_int_equal(access_throttle_wait(t, "10.0.0.1", 1000), 0);
    access_throttle_fail(t, "10.0.0.1", 1001);
    assert_int_equal(access_throttle_wait(t, "10.0.0.1", 1001), 60);
    assert_int_equal(access_throttle_wait(t, "10.0.0.2", 1001), 0); /* per address */
    assert_int_equal(access_throttle_wait(t, "10.0.0.1", 1061), 0); /* a minute later */
    /* failures more than a minute apart never add up to a block */
    for (int i = 0; i < 30; i++) access_throttle_fail(t, "10.0.0.3", 2000 + 61L * i);
    assert_int_equal(access_throttle_wait(t, "10.0.0.3", 2000 + 61L * 29), 0);
    /* bounded: many addresses reuse the slots of the oldest */
    char addr[32];
    for (int i = 0; i < ACCESS_THROTTLE_SLOTS + 100; i++) {
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 256, i % 256);
        access_throttle_fail(t, addr, 5000 + i);
    }
    assert_int_equal(t->used, ACCESS_THROTTLE_SLOTS);
    assert_int_equal(t->failures_total, 10 + 30 + ACCESS_THROTTLE_SLOTS + 100);
    assert_int_equal(t->throttled_total, 1);
    free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_route_without_a_rule_is_refused),
        cmocka_unit_test(test_routes_print_one_line_per_method),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_role_texts),
        cmocka_unit_test(test_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
