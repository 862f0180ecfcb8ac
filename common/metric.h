/* metric.h: one Prometheus sample line, for every module that reports on /metrics
 * (svc.c serves the page; link.c, the services and intake's counters write to it). */
#ifndef JIUYE_METRIC_H
#define JIUYE_METRIC_H

struct evbuffer;

/* Append "name{labels} value\n" to out (just "name value\n" when labels is NULL or
 * empty). labels is written as given: the caller escapes any value it puts there. */
void metric_sample(struct evbuffer *out, const char *name, const char *labels, double value);

#endif
