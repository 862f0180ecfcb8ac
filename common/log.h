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

/* Log msg (printf format) with optional ids (NULL: the thread's context, below). The ids
 * are written with the middle of any run of 17 digits or more masked (an upstream's id may
 * hold a cert_no); msg is the caller's to keep free of one. */
void log_at(log_level_t level, const char *event_id, const char *message_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 1 when a line of level would be written (skip building what would not). */
int log_enabled(log_level_t level);

/* The calling thread's context: the event and message it is handling now, written as
 * "event_id" and "message_id" in every line it logs until log_context_clear(), unless the
 * call names its own. So `grep <event_id>` over the four services' logs follows one event:
 * the link consumers set it around each message's handler (link.c), intake per event it
 * stores, notify per delivery. Copies the strings (at most 255 bytes each); NULL leaves that
 * one unset. Ids only: never a cert_no or a name. */
void log_context_set(const char *event_id, const char *message_id);
void log_context_clear(void);

#define log_debug(...) log_at(LOG_DEBUG, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, NULL, NULL, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, NULL, NULL, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, NULL, NULL, __VA_ARGS__)

#endif
