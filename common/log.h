/* log.h: one JSON object per line on stderr.
 *
 * {"ts":"2024-05-10T08:00:00.123Z","level":"info","service":"rules",
 *  "msg":"...","event_id":"...","message_id":"..."}
 * Operators feed these lines to whatever collects logs; a line never holds a
 * full cert_no or name (callers pass masked values: see mask_cert_no()). */
#ifndef JIUYE_LOG_H
#define JIUYE_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Name the service once at start; defaults to "jiuye". JIUYE_LOG_LEVEL
 * (debug|info|warn|error) sets the threshold. */
void log_init(const char *service);

/* Log msg (printf format) with optional ids (NULL to leave out). */
void log_at(log_level_t level, const char *event_id, const char *message_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_debug(...) log_at(LOG_DEBUG, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, NULL, NULL, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, NULL, NULL, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, NULL, NULL, __VA_ARGS__)

#endif
