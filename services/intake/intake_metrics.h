/* intake_metrics.h: what intake counts for GET /metrics (Prometheus text).
 *
 *   jiuye_events_received_total{source="hrss"} 1200
 *   jiuye_events_total{type="training.completed",source="hrss",status="accepted"} 1100
 *   jiuye_events_total{type="unknown",source="hrss",status="rejected"} 3
 *
 * Every event of a batch that reached storage (authenticated, not refused as a whole) is
 * counted once, over HTTP and ZeroMQ alike, under the type it named: one of the
 * EVENT_TYPE_COUNT types of docs/policy.md §5, or "unknown" for anything else (a rejected event
 * with a misspelt or missing type). Whole-batch refusals (401, 413, malformed bodies) are
 * not events and are not counted here.
 *
 * The table is bounded, whatever upstream sends: type names come from the codec's table,
 * and at most INTAKE_METRICS_SOURCES source names are kept; events of any later source are
 * counted under source="other". Source names are [a-z0-9._-] (sources_add), so labels need
 * no escaping. Counters live as long as the process (Prometheus handles the reset). */
#ifndef JIUYE_INTAKE_METRICS_H
#define JIUYE_INTAKE_METRICS_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "event_codec.h"
#include "ingest.h"

#define INTAKE_METRICS_SOURCES 256   /* named sources; then "other" */
#define INTAKE_METRICS_TYPES (EVENT_TYPE_COUNT + 1) /* the §5 types and "unknown" */
#define INTAKE_METRICS_STATUSES 3    /* ingest_status_t: accepted, duplicate, rejected */

typedef struct intake_metrics_source {
    char name[72]; /* a source name (1-64 characters) or "other" */
    uint64_t received;
    uint64_t events[INTAKE_METRICS_TYPES][INTAKE_METRICS_STATUSES];
} intake_metrics_source_t;

/* Caller-owned (about 100 KiB: keep it static or on the heap); zeroed means empty. */
typedef struct intake_metrics {
    size_t nsources; /* named slots in use, in order of first appearance */
    intake_metrics_source_t sources[INTAKE_METRICS_SOURCES];
    intake_metrics_source_t other; /* every source beyond the first INTAKE_METRICS_SOURCES */
} intake_metrics_t;

/* Count the n items of one stored batch from `source` (after its transaction committed): each
 * item's type (item->type: an event_type_index, -1 for unknown) and status. */
void intake_metrics_count(intake_metrics_t *m, const char *source, const ingest_item_t *items,
                          size_t n);

/* Append the counters to out as Prometheus text (# TYPE lines, then one line per counter
 * that is not zero, sources in order of first appearance). */
void intake_metrics_write(const intake_metrics_t *m, struct evbuffer *out);

#endif
