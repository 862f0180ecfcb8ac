/* metric.c: Prometheus sample lines (metric.h). */
#include "metric.h"

#include <event2/buffer.h>

void metric_sample(struct evbuffer *out, const char *name, const char *labels, double value) {
    if (labels && *labels)
        evbuffer_add_printf(out, "%s{%s} %.17g\n", name, labels, value);
    else
        evbuffer_add_printf(out, "%s %.17g\n", name, value);
}
