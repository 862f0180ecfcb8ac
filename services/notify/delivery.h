/* delivery.h: the sender of notify.deliveries (webhooks and email).
 *
 * A delivery row is created with its notification (SUBSCRIPTIONS_FAN_OUT); this
 * worker sends the due ones from the service's libevent loop with libcurl's multi
 * interface, never blocking the loop: libcurl tells which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION -> one libevent event per socket) and when to call it
 * back (CURLMOPT_TIMERFUNCTION -> one libevent timer); both end in
 * curl_multi_socket_action(), and finished transfers are read with
 * curl_multi_info_read(). The states of a delivery are drawn in
 * ops/migrations/008_notify_channels.sql:
 *
 *   poll_due(): claim due rows (attempts+1, next_attempt_at = now + lease) -> start_job()
 *   finish():   2xx/250 -> sent; 4xx, refused body, last attempt -> failed;
 *               else pending again after base * 2^(attempts-1) (capped)
 *
 * Formats: json (the notification as JSON, `X-Signature: sha256=<hex HMAC-SHA256
 * of the body>` when the subscription has a secret), wecom and dingtalk group
 * robots (markdown messages; DingTalk's `timestamp` and `sign` query parameters
 * when it has a secret); every webhook carries `Idempotency-Key: <delivery id>`.
 * Email: SMTP to NOTIFY_SMTP_URL from NOTIFY_SMTP_FROM, UTF-8 subject as RFC 2047
 * encoded words, text/plain UTF-8 body in base64.
 * A payload holding an unmasked cert_no is never sent: the delivery fails and
 * the refusal is logged (without the number).
 *
 * Configuration: JIUYE_WEBHOOK_MAX_ATTEMPTS (6), JIUYE_WEBHOOK_BASE_DELAY_MS (1000),
 * JIUYE_WEBHOOK_MAX_DELAY_MS (300000), JIUYE_WEBHOOK_TIMEOUT_MS (10000, per attempt),
 * NOTIFY_DELIVERY_CONCURRENCY (32 transfers at once), NOTIFY_SMTP_URL
 * (smtp://127.0.0.1:25), NOTIFY_SMTP_FROM (jiuye@localhost). The same attempts and
 * delays apply to email. */
#ifndef JIUYE_NOTIFY_DELIVERY_H
#define JIUYE_NOTIFY_DELIVERY_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <stddef.h>

typedef struct delivery_worker delivery_worker_t;

/* A worker on base using pg (the service's connection, used between its other
 * callbacks). Due deliveries left by an earlier run are sent at once. Calls
 * curl_global_init. Returns NULL (logged) on failure. Caller owns the result. */
delivery_worker_t *delivery_worker_new(struct event_base *base, PGconn *pg);

/* New deliveries may be due (call after a commit that stored notifications). */
void delivery_worker_wake(delivery_worker_t *w);

/* Prometheus lines: jiuye_deliveries_total{channel,status} (rows by state, from the
 * table, so they survive restarts), attempts by outcome, transfers in flight. */
void delivery_worker_metrics(delivery_worker_t *w, struct evbuffer *out);

/* Abandon transfers in flight (their rows are sent again when the lease ends) and
 * free everything; accepts NULL and nulls the caller's pointer. */
void delivery_worker_destroy(delivery_worker_t **w);

/* Does text hold what looks like a full cert_no (17 digits, a check character
 * 0-9/X, a category 1-7 and a grade 1-4)? Masked forms ("3207**********123441") do not. */
int delivery_has_cert_no(const char *text, size_t len);

/* The delay before attempt `attempts`+1 after `attempts` failed ones:
 * base_ms * 2^(attempts-1), at most max_ms. */
long delivery_backoff_ms(int attempts, long base_ms, long max_ms);

#endif
