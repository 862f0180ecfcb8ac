/* histogram.h: a Prometheus histogram of durations in seconds (for
 * jiuye_stage_seconds on /metrics).
 *
 * Fixed, conventional buckets (Prometheus client defaults, plus 1 ms and
 * 2.5 ms for the sub-batch scale), so that histograms of every service can be
 * summed and compared. Observing is a few comparisons and no allocation; the
 * struct is the caller's (zero-initialized is empty). Not thread-safe: each
 * belongs to one event loop. */
#ifndef JIUYE_HISTOGRAM_H
#define JIUYE_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_BUCKETS 13 /* upper bounds, excluding +Inf */

typedef struct {
    uint64_t counts[HISTOGRAM_BUCKETS + 1]; /* per bucket, not cumulative; last is +Inf */
    uint64_t count;
    double sum;
} histogram_t;

/* The upper bound (le) of bucket i < HISTOGRAM_BUCKETS. */
double histogram_bound(int i);

/* Count one duration; negative values (clocks of two processes) count as 0. */
void histogram_observe(histogram_t *h, double seconds);

/* Append the histogram's series (cumulative name_bucket{labels,le=...}, name_sum,
 * name_count) to out; labels is "k=\"v\",..." or "". The "# TYPE name histogram"
 * line is the caller's, once per metric name. */
struct evbuffer;
void histogram_write(const histogram_t *h, struct evbuffer *out, const char *name, const char *labels);

#endif
