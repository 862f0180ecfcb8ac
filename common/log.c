/* log.c: JSON-lines logging (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *log_service = "jiuye";
static log_level_t log_threshold = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* log_context_set(): per thread, "" when unset. */
static _Thread_local char context_event[256], context_message[256];

void log_init(const char *service) {
    const char *lvl = getenv("JIUYE_LOG_LEVEL");
    log_service = service;
    if (lvl) {
        for (int i = 0; i < 4; i++)
            if (strcasecmp(lvl, level_names[i]) == 0) log_threshold = (log_level_t)i;
    }
}

/* Append s to out as the body of a JSON string, escaping what JSON requires. */
static size_t json_escape(char *out, size_t cap, size_t at, const char *s) {
    for (; s && *s && at + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[at++] = '\\';
            out[at++] = (char)c;
        } else if (c < 0x20) {
            at += (size_t)snprintf(out + at, cap - at, "\\u%04x", c);
        } else {
            out[at++] = (char)c;
        }
    }
    return at;
}

static size_t put(char *out, size_t cap, size_t at, const char *s) {
    size_t n = strlen(s);
    if (at + n >= cap) n = cap - at - 1;
    memcpy(out + at, s, n);
    return at + n;
}

int log_enabled(log_level_t level) {
    return level >= log_threshold;
}

void log_context_set(const char *event_id, const char *message_id) {
    snprintf(context_event, sizeof context_event, "%s", event_id ? event_id : "");
    snprintf(context_message, sizeof context_message, "%s", message_id ? message_id : "");
}

void log_context_clear(void) {
    context_event[0] = context_message[0] = '\0';
}

/* Copy id into out (len bytes), with the middle of any run of 17 digits or more (and a
 * trailing 'X') masked: ids come from upstream systems, and one may hold a cert_no
 * ("leak-3207..."), which a log line must not. The head and tail stay, so the id is still
 * recognisable. */
static const char *mask_id_runs(const char *id, char *out, size_t len) {
    snprintf(out, len, "%s", id);
    for (size_t i = 0; out[i];) {
        size_t run = 0;
        while (out[i + run] >= '0' && out[i + run] <= '9') run++;
        if (run >= 17 && out[i + run] == 'X') run++;
        if (run >= 17)
            for (size_t k = i + 4; k < i + run - 2; k++) out[k] = '*';
        i += run ? run : 1;
    }
    return out;
}

void log_at(log_level_t level, const char *event_id, const char *message_id, const char *fmt, ...) {
    if (level < log_threshold) return;
    if (!event_id && context_event[0]) event_id = context_event;
    if (!message_id && context_message[0]) message_id = context_message;
    char msg[1024], line[4096], ts[40];
    struct timespec now;
    struct tm tm;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);

    size_t at = 0, cap = sizeof line - 4;
    at = put(line, cap, at, "{\"ts\":\"");
    at = put(line, cap, at, ts);
    at = put(line, cap, at, "\",\"level\":\"");
    at = put(line, cap, at, level_names[level]);
    at = put(line, cap, at, "\",\"service\":\"");
    at = json_escape(line, cap, at, log_service);
    at = put(line, cap, at, "\",\"msg\":\"");
    at = json_escape(line, cap, at, msg);
    char masked[256];
    if (event_id) {
        at = put(line, cap, at, "\",\"event_id\":\"");
        at = json_escape(line, cap, at, mask_id_runs(event_id, masked, sizeof masked));
    }
    if (message_id) {
        at = put(line, cap, at, "\",\"message_id\":\"");
        at = json_escape(line, cap, at, mask_id_runs(message_id, masked, sizeof masked));
    }
    at = put(line, sizeof line, at, "\"}\n");
    fwrite(line, 1, at, stderr);
}
