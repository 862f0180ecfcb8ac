/* http_inbox.h: the staff inbox API.
 *
 *   GET  /v1/notifications?district=&audience=&event_id=&source=&after=&limit=   cursor paging by
 *        notification_id (pass next_after as after); each notification carries its
 *        acknowledgement and a `deliveries` array (subscription, channel, status,
 *        attempts, last_code, last_error) for its webhooks and emails
 *   POST /v1/notifications/{id}/ack  (no body, or {"by": <the caller's own name>})
 *        200 {id, acked_by, acked_at}, acked_by the name of the caller's token;
 *        404 unknown id; 409 already acknowledged (the body says by whom and when)
 *
 * The route handlers take the svc_t as arg. stream.c sends the same JSON objects. */
#ifndef JIUYE_NOTIFY_HTTP_INBOX_H
#define JIUYE_NOTIFY_HTTP_INBOX_H

#include <event2/http.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "access.h"

#define INBOX_DEFAULT_LIMIT 100
#define INBOX_MAX_LIMIT 1000
#define INBOX_MAX_ACK_BODY 4096
#define INBOX_MAX_ACK_BY 64 /* characters of "by" */

/* The select list and FROM clause of a notification as inbox_row_json() reads it
 * (the notification table is aliased n): append WHERE/ORDER/LIMIT. */
#define INBOX_SELECT                                                                                           \
    "SELECT n.notification_id, n.ref_id, n.kind, n.rule, n.district, n.audience, n.event_id, n.source, "     \
    "n.title, n.body, n.amount_fen, n.clause, "                                                               \
    "to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), n.acked_by, "                 \
    "to_char(n.acked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "                               \
    "(SELECT coalesce(json_agg(json_build_object('delivery_id', d.delivery_id, 'subscription', s.name, "      \
    "'channel', d.channel, 'status', d.status, 'attempts', d.attempts, 'last_code', d.last_code, "            \
    "'last_error', d.last_error) ORDER BY d.delivery_id), '[]') FROM notify.deliveries d "                    \
    "JOIN notify.subscriptions s USING (subscription_id) WHERE d.notification_id = n.notification_id) "       \
    "FROM notify.notifications n "

/* Row `row` of a result selected with INBOX_SELECT as a JSON object (new reference). */
json_t *inbox_row_json(const PGresult *r, int row);

/* The notification id of row `row` of such a result. */
long long inbox_row_id(const PGresult *r, int row);

/* The routes take the svc_t; a staff caller sees (and acknowledges) their own
 * district and department alone, an operator every notification. */
void http_inbox(struct evhttp_request *req, const access_who_t *who, void *arg);

/* The same page limited to one district and audience (the console's staff member):
 * the query's own district and audience are ignored. */
void http_inbox_scoped(struct evhttp_request *req, PGconn *pg, const char *district, const char *audience);

/* Acknowledge notification id as `by` when it belongs to district and has audience
 * among its audiences; replies as the ack route does (404 outside the scope). */
void http_inbox_ack_as(struct evhttp_request *req, PGconn *pg, long long id, const char *by, const char *district,
                       const char *audience);

/* Prefix route for /v1/notifications/: handles /v1/notifications/{id}/ack, 404 otherwise. */
void http_inbox_ack(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
