/* delivery.c: sending webhooks and email with libcurl's multi interface inside the
 * libevent loop (see delivery.h for the states and the formats).
 *
 * The glue, as in libcurl's hiperfifo example:
 *
 *   curl wants socket s watched  --on_curl_socket()--> event_new(s, EV_READ|EV_WRITE|EV_PERSIST)
 *   s becomes ready              --on_socket_ready()--> curl_multi_socket_action(s, IN|OUT)
 *   curl wants a timeout         --on_curl_timer()---> evtimer_add(curl_timer, ms)  (-1: delete)
 *   curl_timer fires             --on_curl_timeout()-> curl_multi_socket_action(CURL_SOCKET_TIMEOUT)
 *   after each socket_action     --check_done()------> curl_multi_info_read: finish() each done transfer
 *
 * Nothing here calls into curl from inside curl's own callbacks, and handles are
 * added only from the poll timer, so no callback re-enters the multi handle. */
#include "delivery.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "pg.h"
#include "token.h"

#define RESPONSE_MAX 2048 /* bytes of a receiver's reply kept (for robot errcodes and last_error) */
#define LEASE_MARGIN_MS 5000
#define POLL_MAX_MS 60000
#define DB_RETRY_MS 1000

typedef enum { OUTCOME_SENT, OUTCOME_RETRY, OUTCOME_FAILED } outcome_t;

typedef struct job {
    delivery_worker_t *w;
    struct job *prev, *next; /* in-flight list */
    long long id;
    int attempts;
    int email;
    char format[16];
    CURL *easy;
    struct curl_slist *headers, *rcpt;
    char *url, *payload;
    size_t len, off;
    char response[RESPONSE_MAX + 1];
    size_t response_len;
    char errbuf[CURL_ERROR_SIZE];
    char event_id[132]; /* the notification's event, for the logs (log.h's context) */
} job_t;

struct delivery_worker {
    struct event_base *base;
    PGconn *pg;
    CURLM *multi;
    struct event *curl_timer, *poll_timer;
    job_t *inflight;
    size_t n_inflight;
    long max_attempts, base_delay_ms, max_delay_ms, timeout_ms, concurrency;
    const char *smtp_url, *smtp_from;
    unsigned long outcomes[3]; /* attempts by outcome_t */
    unsigned long refused;      /* payloads refused for an unmasked cert_no */
};

static void finish(delivery_worker_t *w, job_t *j, outcome_t o, long code, const char *error);
static void schedule_poll(delivery_worker_t *w, long ms);

/* ------------------------------------------------------------------ helpers */

int delivery_has_cert_no(const char *t, size_t len) {
    for (size_t i = 0; i + 20 <= len; i++) {
        size_t k = 0;
        while (k < 17 && t[i + k] >= '0' && t[i + k] <= '9') k++;
        if (k < 17) {
            i += k; /* no run of 17 digits starts before i + k + 1 */
            continue;
        }
        char check = t[i + 17], cat = t[i + 18], grade = t[i + 19];
        if (((check >= '0' && check <= '9') || check == 'X' || check == 'x') && cat >= '1' && cat <= '7' &&
            grade >= '1' && grade <= '4')
            return 1;
    }
    return 0;
}

long delivery_backoff_ms(int attempts, long base_ms, long max_ms) {
    long d = base_ms;
    for (int i = 1; i < attempts && d < max_ms; i++) d *= 2;
    return d < max_ms ? d : max_ms;
}

static char *base64(const unsigned char *in, size_t len) {
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out) EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    return out;
}

static void hmac_sha256(const char *key, const void *data, size_t len, unsigned char out[32]) {
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)strlen(key), data, len, out, &n);
}

/* ------------------------------------------------------------------ payloads */

/* The markdown text of a group-robot message. Caller frees. */
static char *markdown(const char *title, const char *body, const char *ref) {
    size_t n = strlen(title) + strlen(body) + strlen(ref) + 64;
    char *out = malloc(n);
    if (out) snprintf(out, n, "### %s\n%s\n> 通知 %s", title, body, ref);
    return out;
}

static size_t collect_response(char *ptr, size_t size, size_t n, void *arg) {
    job_t *j = arg;
    size_t add = size * n, room = RESPONSE_MAX - j->response_len;
    memcpy(j->response + j->response_len, ptr, add < room ? add : room);
    j->response_len += add < room ? add : room;
    j->response[j->response_len] = '\0';
    return add;
}

static size_t read_payload(char *buf, size_t size, size_t n, void *arg) {
    job_t *j = arg;
    size_t room = size * n, left = j->len - j->off;
    if (room > left) room = left;
    memcpy(buf, j->payload + j->off, room);
    j->off += room;
    return room;
}

/* Webhook: URL, headers and body by format. Returns 0 or -1 (out of memory). */
static int build_webhook(delivery_worker_t *w, job_t *j, const char *target, const char *secret, const char *json,
                         const char *title, const char *body, const char *ref) {
    (void)w;
    char header[128];
    json_t *doc = NULL;
    char *md = NULL;
    if (strcmp(j->format, "json") == 0) {
        doc = json_loads(json, 0, NULL); /* PostgreSQL's json text, made compact */
        j->payload = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
    } else {
        md = markdown(title, body, ref);
        if (!md) return -1;
        if (strcmp(j->format, "wecom") == 0)
            doc = json_pack("{s:s,s:{s:s}}", "msgtype", "markdown", "markdown", "content", md);
        else
            doc = json_pack("{s:s,s:{s:s,s:s}}", "msgtype", "markdown", "markdown", "title", title, "text", md);
        j->payload = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        free(md);
    }
    if (!j->payload) return -1;
    j->len = strlen(j->payload);
    if (strcmp(j->format, "dingtalk") == 0 && secret) {
        /* sign = urlencode(base64(HMAC-SHA256(key = secret, "timestamp\nsecret"))) */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        size_t n = strlen(secret) + 32;
        char *to_sign = malloc(n);
        if (!to_sign) return -1;
        int tn = snprintf(to_sign, n, "%lld\n%s", ms, secret);
        unsigned char mac[32];
        hmac_sha256(secret, to_sign, (size_t)tn, mac);
        free(to_sign);
        char *b64 = base64(mac, 32), *sign = b64 ? curl_easy_escape(j->easy, b64, 0) : NULL;
        free(b64);
        if (!sign) return -1;
        n = strlen(target) + strlen(sign) + 64;
        j->url = malloc(n);
        if (j->url)
            snprintf(j->url, n, "%s%ctimestamp=%lld&sign=%s", target, strchr(target, '?') ? '&' : '?', ms, sign);
        curl_free(sign);
    } else {
        j->url = strdup(target);
    }
    if (!j->url) return -1;
    j->headers = curl_slist_append(j->headers, "Content-Type: application/json; charset=utf-8");
    snprintf(header, sizeof header, "Idempotency-Key: %lld", j->id);
    j->headers = curl_slist_append(j->headers, header);
    if (strcmp(j->format, "json") == 0 && secret) {
        unsigned char mac[32];
        char hex[65], sig[96];
        hmac_sha256(secret, j->payload, j->len, mac);
        hex_encode(mac, 32, hex);
        snprintf(sig, sizeof sig, "X-Signature: sha256=%s", hex);
        j->headers = curl_slist_append(j->headers, sig);
    }
    if (!j->headers) return -1;
    curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->payload);
    curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)j->len);
    curl_easy_setopt(j->easy, CURLOPT_USERAGENT, "jiuye-notify");
    return 0;
}

/* Append s as RFC 2047 encoded words ("=?UTF-8?B?...?="), each at most 75 characters,
 * split only between UTF-8 characters, folded with CRLF SP. */
static int append_encoded_words(struct evbuffer *out, const char *s) {
    size_t len = strlen(s), at = 0;
    while (at < len) {
        size_t take = len - at < 45 ? len - at : 45;
        while (take > 0 && at + take < len && ((unsigned char)s[at + take] & 0xC0) == 0x80) take--;
        if (take == 0) take = len - at < 45 ? len - at : 45; /* invalid UTF-8: split anyway */
        char *b64 = base64((const unsigned char *)s + at, take);
        if (!b64) return -1;
        evbuffer_add_printf(out, "%s=?UTF-8?B?%s?=", at ? "\r\n " : "", b64);
        free(b64);
        at += take;
    }
    return 0;
}

/* Email: an RFC 5322 message with a base64 text/plain UTF-8 body. Returns 0 or -1. */
static int build_email(delivery_worker_t *w, job_t *j, const char *to, const char *title, const char *body,
                       const char *ref) {
    char date[64], rcpt[300], from[300];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    struct evbuffer *m = evbuffer_new();
    if (!m) return -1;
    evbuffer_add_printf(m, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date, w->smtp_from, to);
    int rc = append_encoded_words(m, title);
    evbuffer_add_printf(m,
                        "\r\nMessage-ID: <jiuye-delivery-%lld@jiuye>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                        j->id);
    size_t tn = strlen(title) + strlen(body) + strlen(ref) + 32;
    char *text = malloc(tn);
    if (!text) rc = -1;
    else {
        int n = snprintf(text, tn, "%s\r\n\r\n%s\r\n\r\n通知 %s\r\n", title, body, ref);
        for (int at = 0; at < n && rc == 0; at += 57) { /* 57 bytes -> one 76-character line */
            char *line = base64((unsigned char *)text + at, (size_t)(n - at < 57 ? n - at : 57));
            if (!line) rc = -1;
            else evbuffer_add_printf(m, "%s\r\n", line);
            free(line);
        }
        free(text);
    }
    j->len = evbuffer_get_length(m);
    j->payload = malloc(j->len + 1);
    if (j->payload) {
        evbuffer_remove(m, j->payload, j->len);
        j->payload[j->len] = '\0';
    }
    evbuffer_free(m);
    if (rc != 0 || !j->payload) return -1;
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    snprintf(from, sizeof from, "<%s>", w->smtp_from);
    j->rcpt = curl_slist_append(NULL, rcpt);
    if (!j->rcpt) return -1;
    curl_easy_setopt(j->easy, CURLOPT_URL, w->smtp_url);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(j->easy, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(j->easy, CURLOPT_MAIL_RCPT, j->rcpt);
    curl_easy_setopt(j->easy, CURLOPT_READFUNCTION, read_payload);
    curl_easy_setopt(j->easy, CURLOPT_READDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(j->easy, CURLOPT_UPLOAD, 1L);
    return 0;
}

/* ------------------------------------------------------------------ jobs */

static void job_free(job_t *j) {
    if (!j) return;
    if (j->easy) curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    curl_slist_free_all(j->rcpt);
    free(j->url);
    free(j->payload);
    free(j);
}

static void unlink_job(delivery_worker_t *w, job_t *j) {
    if (j->prev) j->prev->next = j->next;
    else w->inflight = j->next;
    if (j->next) j->next->prev = j->prev;
    w->n_inflight--;
}

/* Columns of a claimed row (see claim()). */
enum { C_ID, C_ATTEMPTS, C_CHANNEL, C_FORMAT, C_TARGET, C_SECRET, C_JSON, C_TITLE, C_BODY, C_REF, C_EVENT };

static void start_job(delivery_worker_t *w, const PGresult *r, int row) {
    job_t *j = calloc(1, sizeof *j);
    if (!j) return; /* the lease ends and the row is claimed again */
    j->w = w;
    j->id = strtoll(PQgetvalue(r, row, C_ID), NULL, 10);
    j->attempts = (int)strtol(PQgetvalue(r, row, C_ATTEMPTS), NULL, 10);
    j->email = strcmp(PQgetvalue(r, row, C_CHANNEL), "email") == 0;
    snprintf(j->format, sizeof j->format, "%s", PQgetvalue(r, row, C_FORMAT));
    snprintf(j->event_id, sizeof j->event_id, "%s", PQgetvalue(r, row, C_EVENT));
    log_context_set(j->event_id, NULL);
    const char *target = PQgetvalue(r, row, C_TARGET), *secret = PQgetisnull(r, row, C_SECRET) ? NULL : PQgetvalue(r, row, C_SECRET),
               *title = PQgetvalue(r, row, C_TITLE), *body = PQgetvalue(r, row, C_BODY), *ref = PQgetvalue(r, row, C_REF);
    j->prev = NULL;
    j->next = w->inflight;
    if (w->inflight) w->inflight->prev = j;
    w->inflight = j;
    w->n_inflight++;
    /* What leaves the suite is masked (docs/architecture.md "Access"): the stored texts are, and this is the last guard. */
    const char *json = PQgetvalue(r, row, C_JSON);
    if (delivery_has_cert_no(title, strlen(title)) || delivery_has_cert_no(body, strlen(body)) ||
        delivery_has_cert_no(json, strlen(json))) {
        w->refused++;
        log_error("delivery %lld refused: its text holds an unmasked cert_no", j->id);
        finish(w, j, OUTCOME_FAILED, 0, "refused: the text holds an unmasked cert_no");
        return;
    }
    j->easy = curl_easy_init();
    int rc = j->easy ? 0 : -1;
    if (rc == 0)
        rc = j->email ? build_email(w, j, target, title, body, ref)
                      : build_webhook(w, j, target, secret, json, title, body, ref);
    if (rc != 0) {
        log_error("delivery %lld: out of memory building the request", j->id);
        finish(w, j, OUTCOME_RETRY, 0, "out of memory");
        return;
    }
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, w->timeout_ms);
    curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, collect_response);
    curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
    CURLMcode mc = curl_multi_add_handle(w->multi, j->easy);
    if (mc != CURLM_OK) finish(w, j, OUTCOME_RETRY, 0, curl_multi_strerror(mc));
    log_context_clear();
}

/* Robot webhooks answer 200 with {"errcode": n, "errmsg": "..."}; n != 0 is a refusal. */
static int robot_error(const job_t *j, char *err, size_t errlen) {
    if (strcmp(j->format, "wecom") != 0 && strcmp(j->format, "dingtalk") != 0) return 0;
    json_t *doc = json_loads(j->response, 0, NULL);
    json_int_t code = json_integer_value(json_object_get(doc, "errcode"));
    if (code) snprintf(err, errlen, "errcode %lld: %.200s", (long long)code,
                       json_string_value(json_object_get(doc, "errmsg")) ? json_string_value(json_object_get(doc, "errmsg")) : "");
    json_decref(doc);
    return code != 0;
}

/* Judge a finished transfer: sent, retry later, or failed for good. */
static outcome_t judge(const job_t *j, CURLcode res, long code, char *err, size_t errlen) {
    if (res != CURLE_OK) {
        snprintf(err, errlen, "%s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(res));
        if (j->email && code >= 500 && code < 600) return OUTCOME_FAILED; /* permanent SMTP reply */
        if (res == CURLE_URL_MALFORMAT || res == CURLE_UNSUPPORTED_PROTOCOL) return OUTCOME_FAILED;
        return OUTCOME_RETRY; /* connection refused, timeout, transient SMTP reply, ... */
    }
    if (j->email) return OUTCOME_SENT;
    if (code >= 200 && code < 300) return robot_error(j, err, errlen) ? OUTCOME_FAILED : OUTCOME_SENT;
    snprintf(err, errlen, "HTTP %ld%s%.200s", code, j->response_len ? ": " : "", j->response);
    return code >= 500 ? OUTCOME_RETRY : OUTCOME_FAILED;
}

/* Record the outcome of attempt j->attempts and free the job. */
static void finish(delivery_worker_t *w, job_t *j, outcome_t o, long code, const char *error) {
    log_context_set(j->event_id, NULL);
    if (o == OUTCOME_RETRY && j->attempts >= w->max_attempts) o = OUTCOME_FAILED;
    w->outcomes[o]++;
    static const char *const status[] = {"sent", "pending", "failed"};
    char id[24], delay[24], code_t[16];
    snprintf(id, sizeof id, "%lld", j->id);
    snprintf(delay, sizeof delay, "%ld", delivery_backoff_ms(j->attempts, w->base_delay_ms, w->max_delay_ms));
    snprintf(code_t, sizeof code_t, "%ld", code);
    const char *p[] = {id, status[o], delay, code ? code_t : NULL, error && *error ? error : NULL};
    if (pg_cmd(w->pg,
               "UPDATE notify.deliveries SET status = $2, last_code = $4::int, last_error = $5, "
               "next_attempt_at = CASE WHEN $2 = 'pending' THEN now() + $3::bigint * interval '1 millisecond' "
               "ELSE next_attempt_at END, done_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END "
               "WHERE delivery_id = $1::bigint AND status = 'pending'",
               5, p) != 0)
        log_warn("delivery %lld: outcome not recorded; it is sent again when its lease ends", j->id);
    if (o == OUTCOME_SENT)
        log_info("delivery %lld sent (attempt %d)", j->id, j->attempts);
    else
        log_warn("delivery %lld attempt %d: %s%s", j->id, j->attempts, error ? error : "",
                 o == OUTCOME_FAILED ? " (failed)" : " (will retry)");
    log_context_clear();
    unlink_job(w, j);
    job_free(j);
    schedule_poll(w, 0);
}

static void check_done(delivery_worker_t *w) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(w->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *easy = msg->easy_handle;
        CURLcode res = msg->data.result;
        job_t *j = NULL;
        long code = 0;
        char err[512] = "";
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
        curl_multi_remove_handle(w->multi, easy);
        outcome_t o = judge(j, res, code, err, sizeof err);
        finish(w, j, o, code, err);
    }
}

/* ------------------------------------------------------------------ libcurl <-> libevent */

typedef struct sock_watch {
    struct event *ev;
} sock_watch_t;

static void on_socket_ready(evutil_socket_t fd, short what, void *arg) {
    delivery_worker_t *w = arg;
    int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0), running;
    curl_multi_socket_action(w->multi, fd, action, &running);
    check_done(w);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
    (void)easy;
    delivery_worker_t *w = userp;
    sock_watch_t *sw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sw) {
            event_free(sw->ev);
            free(sw);
        }
        return 0;
    }
    short kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
    if (!sw) {
        sw = calloc(1, sizeof *sw);
        if (!sw) return -1;
        curl_multi_assign(w->multi, s, sw);
    } else {
        event_free(sw->ev);
    }
    sw->ev = event_new(w->base, s, kind, on_socket_ready, w);
    if (!sw->ev || event_add(sw->ev, NULL) != 0) return -1;
    return 0;
}

static void on_curl_timeout(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    delivery_worker_t *w = arg;
    int running;
    curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(w);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp) {
    (void)multi;
    delivery_worker_t *w = userp;
    if (timeout_ms < 0) {
        evtimer_del(w->curl_timer);
    } else {
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        evtimer_add(w->curl_timer, &tv);
    }
    return 0;
}

/* ------------------------------------------------------------------ polling the table */

static void schedule_poll(delivery_worker_t *w, long ms) {
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000}, pending;
    if (event_pending(w->poll_timer, EV_TIMEOUT, &pending)) {
        struct timeval now, want;
        event_base_gettimeofday_cached(w->base, &now);
        evutil_timeradd(&now, &tv, &want);
        if (evutil_timercmp(&pending, &want, <=)) return; /* an earlier poll is already set */
    }
    evtimer_add(w->poll_timer, &tv);
}

/* Claim up to room due rows and start them; then arm the poll for the next due row. */
static void on_poll(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    delivery_worker_t *w = arg;
    if ((size_t)w->concurrency <= w->n_inflight) return; /* a finishing job polls again */
    char room[24], lease[24];
    snprintf(room, sizeof room, "%zu", (size_t)w->concurrency - w->n_inflight);
    snprintf(lease, sizeof lease, "%ld", w->timeout_ms + LEASE_MARGIN_MS);
    const char *p[] = {room, lease};
    PGresult *r = pg_exec(
        w->pg,
        "UPDATE notify.deliveries d SET attempts = d.attempts + 1, "
        "next_attempt_at = now() + $2::bigint * interval '1 millisecond' "
        "FROM notify.subscriptions s, notify.notifications n "
        "WHERE d.delivery_id IN (SELECT delivery_id FROM notify.deliveries WHERE status = 'pending' "
        "AND next_attempt_at <= now() ORDER BY next_attempt_at, delivery_id LIMIT $1::int FOR UPDATE SKIP LOCKED) "
        "AND s.subscription_id = d.subscription_id AND n.notification_id = d.notification_id "
        "RETURNING d.delivery_id, d.attempts, d.channel, coalesce(s.format, ''), s.target, s.secret, "
        "json_build_object('delivery_id', d.delivery_id, 'id', n.notification_id, 'ref_id', n.ref_id, "
        "'kind', n.kind, 'rule', n.rule, 'district', n.district, 'audience', n.audience, 'event_id', n.event_id, "
        "'source', n.source, 'title', n.title, 'body', n.body, 'amount_fen', n.amount_fen, 'clause', n.clause, "
        "'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))::text, "
        "n.title, n.body, '#' || n.notification_id || '，事件 ' || n.source || '/' || n.event_id, n.event_id",
        2, p);
    if (!r) {
        pg_alive(w->pg);
        schedule_poll(w, DB_RETRY_MS);
        return;
    }
    for (int i = 0; i < PQntuples(r); i++) start_job(w, r, i);
    PQclear(r);
    r = pg_exec(w->pg,
                "SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::bigint "
                "FROM notify.deliveries WHERE status = 'pending'",
                0, NULL);
    if (!r) {
        schedule_poll(w, DB_RETRY_MS);
        return;
    }
    if (!PQgetisnull(r, 0, 0)) {
        long ms = strtol(PQgetvalue(r, 0, 0), NULL, 10);
        schedule_poll(w, ms < 5 ? 5 : ms > POLL_MAX_MS ? POLL_MAX_MS : ms);
    }
    PQclear(r);
}

/* ------------------------------------------------------------------ lifecycle */

delivery_worker_t *delivery_worker_new(struct event_base *base, PGconn *pg) {
    delivery_worker_t *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->base = base;
    w->pg = pg;
    w->max_attempts = config_int("JIUYE_WEBHOOK_MAX_ATTEMPTS", 6, 1, 100);
    w->base_delay_ms = config_int("JIUYE_WEBHOOK_BASE_DELAY_MS", 1000, 1, 3600000);
    w->max_delay_ms = config_int("JIUYE_WEBHOOK_MAX_DELAY_MS", 300000, 1, 86400000);
    w->timeout_ms = config_int("JIUYE_WEBHOOK_TIMEOUT_MS", 10000, 100, 600000);
    w->concurrency = config_int("NOTIFY_DELIVERY_CONCURRENCY", 32, 1, 1000);
    w->smtp_url = config_str("NOTIFY_SMTP_URL", "smtp://127.0.0.1:25");
    w->smtp_from = config_str("NOTIFY_SMTP_FROM", "jiuye@localhost");
    if (strpbrk(w->smtp_from, "\r\n<>")) {
        log_error("NOTIFY_SMTP_FROM: an address without CR, LF or angle brackets is expected");
        goto err;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) goto err;
    w->multi = curl_multi_init();
    w->curl_timer = evtimer_new(base, on_curl_timeout, w);
    w->poll_timer = evtimer_new(base, on_poll, w);
    if (!w->multi || !w->curl_timer || !w->poll_timer) goto err;
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
    schedule_poll(w, 0); /* what an earlier run left due */
    log_info("deliveries: at most %ld attempts, backoff %ld ms doubling up to %ld ms, %ld ms per attempt",
             w->max_attempts, w->base_delay_ms, w->max_delay_ms, w->timeout_ms);
    return w;
err:
    delivery_worker_destroy(&w);
    return NULL;
}

void delivery_worker_wake(delivery_worker_t *w) {
    if (w) schedule_poll(w, 0);
}

void delivery_worker_metrics(delivery_worker_t *w, struct evbuffer *out) {
    static const char *const channels[] = {"webhook", "email"}, *const states[] = {"pending", "sent", "failed"};
    long counts[2][3] = {{0}};
    PGresult *r = pg_exec(w->pg, "SELECT channel, status, count(*) FROM notify.deliveries GROUP BY 1, 2", 0, NULL);
    for (int i = 0; r && i < PQntuples(r); i++)
        for (int c = 0; c < 2; c++)
            for (int s = 0; s < 3; s++)
                if (strcmp(PQgetvalue(r, i, 0), channels[c]) == 0 && strcmp(PQgetvalue(r, i, 1), states[s]) == 0)
                    counts[c][s] = strtol(PQgetvalue(r, i, 2), NULL, 10);
    PQclear(r);
    char labels[96];
    evbuffer_add_printf(out, "# TYPE jiuye_deliveries_total gauge\n");
    for (int c = 0; c < 2; c++)
        for (int s = 0; s < 3; s++) {
            snprintf(labels, sizeof labels, "channel=\"%s\",status=\"%s\"", channels[c], states[s]);
            evbuffer_add_printf(out, "jiuye_deliveries_total{%s} %ld\n", labels, counts[c][s]);
        }
    static const char *const outcomes[] = {"sent", "retry", "failed"};
    for (int o = 0; o < 3; o++)
        evbuffer_add_printf(out, "jiuye_delivery_attempts_total{outcome=\"%s\"} %lu\n", outcomes[o], w->outcomes[o]);
    evbuffer_add_printf(out, "jiuye_deliveries_refused_unmasked_total %lu\n", w->refused);
    evbuffer_add_printf(out, "jiuye_deliveries_in_flight %zu\n", w->n_inflight);
}

void delivery_worker_destroy(delivery_worker_t **wp) {
    delivery_worker_t *w = *wp;
    if (!w) return;
    while (w->inflight) {
        job_t *j = w->inflight;
        if (j->easy && w->multi) curl_multi_remove_handle(w->multi, j->easy);
        unlink_job(w, j);
        job_free(j);
    }
    if (w->multi) {
        curl_multi_cleanup(w->multi);
        curl_global_cleanup();
    }
    if (w->curl_timer) event_free(w->curl_timer);
    if (w->poll_timer) event_free(w->poll_timer);
    free(w);
    *wp = NULL;
}
