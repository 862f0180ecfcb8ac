/* test_histogram.c: unit tests of common/histogram.c (Prometheus histograms of
 * durations: bucket boundaries are inclusive upper bounds, output is cumulative). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"

static char *render(const histogram_t *h, const char *labels) {
    struct evbuffer *out = evbuffer_new();
    histogram_write(h, out, "jiuye_stage_seconds", labels);
    size_t len = evbuffer_get_length(out);
    char *text = malloc(len + 1);
    assert_non_null(text);
    evbuffer_remove(out, text, len);
    text[len] = '\0';
    evbuffer_free(out);
    return text;
}

static void test_bounds_increase(void **state) {
    (void)state;
    for (int i = 1; i < HISTOGRAM_BUCKETS; i++) assert_true(histogram_bound(i) > histogram_bound(i - 1));
    assert_true(histogram_bound(0) == 0.001);
    assert_true(histogram_bound(HISTOGRAM_BUCKETS - 1) == 10);
}

static void test_observe_boundaries(void **state) {
    (void)state;
    histogram_t h = {0};
    histogram_observe(&h, 0.005);  /* exactly a bound: counts in that bucket (le) */
    histogram_observe(&h, 0.0051); /* just above: the next one */
    histogram_observe(&h, -1);     /* clock skew between processes: 0 */
    histogram_observe(&h, 99);     /* beyond the last bound: +Inf only */
    assert_int_equal(h.count, 4);
    assert_int_equal(h.counts[0], 1);                 /* the -1 as 0 */
    assert_int_equal(h.counts[2], 1);                 /* le 0.005 */
    assert_int_equal(h.counts[3], 1);                 /* le 0.01 */
    assert_int_equal(h.counts[HISTOGRAM_BUCKETS], 1); /* +Inf */
    assert_true(h.sum > 99.0101 - 1e-9 && h.sum < 99.0101 + 1e-9);
}

static void test_write_cumulative(void **state) {
    (void)state;
    histogram_t h = {0};
    histogram_observe(&h, 0.0005);
    histogram_observe(&h, 0.02);
    histogram_observe(&h, 0.02);
    histogram_observe(&h, 3);
    char *text = render(&h, "link=\"a->b\",span=\"delivered\"");
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{link=\"a->b\",span=\"delivered\",le=\"0.001\"} 1\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{link=\"a->b\",span=\"delivered\",le=\"0.01\"} 1\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{link=\"a->b\",span=\"delivered\",le=\"0.025\"} 3\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{link=\"a->b\",span=\"delivered\",le=\"2.5\"} 3\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{link=\"a->b\",span=\"delivered\",le=\"5\"} 4\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{link=\"a->b\",span=\"delivered\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_sum{link=\"a->b\",span=\"delivered\"} 3.0405\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_count{link=\"a->b\",span=\"delivered\"} 4\n"));
    /* one line per bucket, +Inf, sum and count */
    int lines = 0;
    for (const char *p = text; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, HISTOGRAM_BUCKETS + 3);
    free(text);
}

static void test_write_without_labels(void **state) {
    (void)state;
    histogram_t h = {0};
    char *text = render(&h, "");
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{le=\"0.001\"} 0\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_bucket{le=\"+Inf\"} 0\n"));
    assert_non_null(strstr(text, "jiuye_stage_seconds_count 0\n"));
    free(text);
}

/* Usage: test_histogram [PATTERN]: runs the tests whose name matches PATTERN (* and ? wildcards). */
int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds_increase),
        cmocka_unit_test(test_observe_boundaries),
        cmocka_unit_test(test_write_cumulative),
        cmocka_unit_test(test_write_without_labels),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
