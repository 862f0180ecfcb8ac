/* histogram.c: Prometheus histograms of durations (see histogram.h). */
#include "histogram.h"

#include <event2/buffer.h>

static const double bounds[HISTOGRAM_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,    1,     2.5,  5,     10};

double histogram_bound(int i) { return bounds[i]; }

void histogram_observe(histogram_t *h, double seconds) {
    if (!(seconds > 0)) seconds = 0; /* also NaN */
    int i = 0;
    while (i < HISTOGRAM_BUCKETS && seconds > bounds[i]) i++; /* le: upper bound inclusive */
    h->counts[i]++;
    h->count++;
    h->sum += seconds;
}

void histogram_write(const histogram_t *h, struct evbuffer *out, const char *name, const char *labels) {
    const char *sep = labels && *labels ? "," : "";
    if (!labels) labels = "";
    uint64_t cumulative = 0;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
        cumulative += h->counts[i];
        evbuffer_add_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, bounds[i],
                            (unsigned long long)cumulative);
    }
    cumulative += h->counts[HISTOGRAM_BUCKETS];
    evbuffer_add_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)cumulative);
    if (*labels)
        evbuffer_add_printf(out, "%s_sum{%s} %.9g\n%s_count{%s} %llu\n", name, labels, h->sum, name, labels,
                            (unsigned long long)h->count);
    else
        evbuffer_add_printf(out, "%s_sum %.9g\n%s_count %llu\n", name, h->sum, name, (unsigned long long)h->count);
}
