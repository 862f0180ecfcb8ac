/* intake_metrics.c: per type, source and status event counters (see intake_metrics.h). */
#include "intake_metrics.h"

#include <stdio.h>
#include <string.h>

#include "metric.h"

/* The slot of source name: an existing one, a new one while there is room, else "other".
 * A source that is itself called "other" shares that slot, so no two series get the same
 * labels. */
static intake_metrics_source_t *slot_of(intake_metrics_t *m, const char *name) {
    if (strcmp(name, "other") != 0) {
        for (size_t i = 0; i < m->nsources; i++)
            if (strcmp(m->sources[i].name, name) == 0) return &m->sources[i];
        if (m->nsources < INTAKE_METRICS_SOURCES && strlen(name) < sizeof m->sources[0].name) {
            intake_metrics_source_t *s = &m->sources[m->nsources++];
            snprintf(s->name, sizeof s->name, "%s", name);
            return s;
        }
    }
    if (!m->other.name[0]) snprintf(m->other.name, sizeof m->other.name, "other");
    return &m->other;
}

void intake_metrics_count(intake_metrics_t *m, const char *source, const ingest_item_t *items,
                          size_t n) {
    intake_metrics_source_t *s = slot_of(m, source);
    s->received += n;
    for (size_t i = 0; i < n; i++) {
        int t = items[i].type >= 0 && items[i].type < EVENT_TYPE_COUNT ? items[i].type
                                                                       : EVENT_TYPE_COUNT;
        s->events[t][items[i].status]++;
    }
}

static void write_source(const intake_metrics_source_t *s, struct evbuffer *out) {
    char labels[200];
    for (int t = 0; t < INTAKE_METRICS_TYPES; t++) {
        const char *type = t < EVENT_TYPE_COUNT ? event_type_name(t) : "unknown";
        for (int st = 0; st < INTAKE_METRICS_STATUSES; st++) {
            if (!s->events[t][st]) continue;
            snprintf(labels, sizeof labels, "type=\"%s\",source=\"%s\",status=\"%s\"", type,
                     s->name, ingest_status_name((ingest_status_t)st));
            metric_sample(out, "jiuye_events_total", labels, (double)s->events[t][st]);
        }
    }
}

void intake_metrics_write(const intake_metrics_t *m, struct evbuffer *out) {
    char labels[100];
    evbuffer_add_printf(out, "# HELP jiuye_events_received_total Events received in stored batches, by source.\n"
                             "# TYPE jiuye_events_received_total counter\n");
    for (size_t i = 0; i < m->nsources; i++) {
        snprintf(labels, sizeof labels, "source=\"%s\"", m->sources[i].name);
        metric_sample(out, "jiuye_events_received_total", labels, (double)m->sources[i].received);
    }
    if (m->other.received) {
        snprintf(labels, sizeof labels, "source=\"%s\"", m->other.name);
        metric_sample(out, "jiuye_events_received_total", labels, (double)m->other.received);
    }
    evbuffer_add_printf(out, "# HELP jiuye_events_total Events by type, source and outcome.\n"
                             "# TYPE jiuye_events_total counter\n");
    for (size_t i = 0; i < m->nsources; i++) write_source(&m->sources[i], out);
    write_source(&m->other, out);
}
