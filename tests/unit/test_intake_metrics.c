/* test_intake_metrics.c: intake's event counters (services/intake/intake_metrics.h): by
 * type (unknown types together), source and status; bounded to INTAKE_METRICS_SOURCES
 * named sources, the rest under source="other"; written as Prometheus text.
 * Run one test by name: pass a glob as argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intake_metrics.h"

static char *text_of(const intake_metrics_t *m) {
    struct evbuffer *out = evbuffer_new();
    assert_non_null(out);
    intake_metrics_write(m, out);
    size_t len = evbuffer_get_length(out);
    char *s = malloc(len + 1);
    assert_non_null(s);
    evbuffer_remove(out, s, len);
    s[len] = '\0';
    evbuffer_free(out);
    return s;
}

static ingest_item_t item(const char *type, ingest_status_t st) {
    ingest_item_t it = {.type = event_type_index(type), .status = st};
    return it;
}

static void test_counts_by_type_source_and_status(void **state) {
    (void)state;
    intake_metrics_t *m = calloc(1, sizeof *m);
    assert_non_null(m);
    ingest_item_t batch[] = {
        item("training.completed", INGEST_ACCEPTED), item("training.completed", INGEST_ACCEPTED),
        item("training.completed", INGEST_REJECTED), item("person.registered", INGEST_DUPLICATE),
        item("no.such", INGEST_REJECTED),            item(NULL, INGEST_REJECTED),
    };
    intake_metrics_count(m, "hrss", batch, 6);
    intake_metrics_count(m, "dpf", batch + 3, 1);
    char *text = text_of(m);
    assert_string_equal(text,
                        "# HELP jiuye_events_received_total Events received in stored batches, by source.\n"
                        "# TYPE jiuye_events_received_total counter\n"
                        "jiuye_events_received_total{source=\"hrss\"} 6\n"
                        "jiuye_events_received_total{source=\"dpf\"} 1\n"
                        "# HELP jiuye_events_total Events by type, source and outcome.\n"
                        "# TYPE jiuye_events_total counter\n"
                        "jiuye_events_total{type=\"person.registered\",source=\"hrss\",status=\"duplicate\"} 1\n"
                        "jiuye_events_total{type=\"training.completed\",source=\"hrss\",status=\"accepted\"} 2\n"
                        "jiuye_events_total{type=\"training.completed\",source=\"hrss\",status=\"rejected\"} 1\n"
                        "jiuye_events_total{type=\"unknown\",source=\"hrss\",status=\"rejected\"} 2\n"
                        "jiuye_events_total{type=\"person.registered\",source=\"dpf\",status=\"duplicate\"} 1\n");
    free(text);
    free(m);
}

static void test_sources_beyond_the_table_are_other(void **state) {
    (void)state;
    intake_metrics_t *m = calloc(1, sizeof *m);
    assert_non_null(m);
    ingest_item_t one = item("vacancy.closed", INGEST_ACCEPTED);
    char name[32];
    for (int i = 0; i < INTAKE_METRICS_SOURCES + 10; i++) {
        snprintf(name, sizeof name, "src-%03d", i);
        intake_metrics_count(m, name, &one, 1);
    }
    intake_metrics_count(m, "src-000", &one, 1); /* a known one still has its slot */
    intake_metrics_count(m, "other", &one, 1);   /* a source called "other" shares the bucket */
    assert_int_equal(m->nsources, INTAKE_METRICS_SOURCES);
    assert_int_equal(m->sources[0].received, 2);
    assert_int_equal(m->other.received, 11);
    char *text = text_of(m);
    assert_non_null(strstr(text, "jiuye_events_received_total{source=\"src-255\"} 1\n"));
    assert_null(strstr(text, "src-256"));
    assert_non_null(strstr(text, "jiuye_events_received_total{source=\"other\"} 11\n"));
    assert_non_null(
        strstr(text, "jiuye_events_total{type=\"vacancy.closed\",source=\"other\",status=\"accepted\"} 11\n"));
    /* Bounded output: one received line and one event line per slot. */
    size_t lines = 0;
    for (const char *p = text; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 4 + 2 * (INTAKE_METRICS_SOURCES + 1));
    free(text);
    free(m);
}

static void test_empty_table_writes_only_headers(void **state) {
    (void)state;
    intake_metrics_t *m = calloc(1, sizeof *m);
    assert_non_null(m);
    char *text = text_of(m);
    assert_null(strstr(text, "jiuye_events_total{"));
    assert_null(strstr(text, "jiuye_events_received_total{"));
    assert_non_null(strstr(text, "# TYPE jiuye_events_total counter\n"));
    free(text);
    free(m);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_type_source_and_status),
        cmocka_unit_test(test_sources_beyond_the_table_are_other),
        cmocka_unit_test(test_empty_table_writes_only_headers),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
