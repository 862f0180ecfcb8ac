/* stream.h: GET /v1/notifications/stream, the inbox as Server-Sent Events.
 *
 * Each notification is one event, its data the object the inbox API returns:
 *
 *   id: 42
 *   event: notification
 *   data: {"id":42,"title":"培训补贴 1500.00 元：3207**********123441",...}
 *
 * A client resumes with the Last-Event-ID header (what EventSource sends when it
 * reconnects) or ?after=ID; ?district= and ?audience= filter as in the inbox. The
 * stream first sends what is newer, then each notification once it is committed
 * (stream_hub_wake after the commit), and a ": heartbeat" comment every
 * NOTIFY_SSE_HEARTBEAT_MS (15000) so proxies keep it open. At most
 * NOTIFY_SSE_MAX_STREAMS (256) streams at once (503 beyond); a slow reader is sent
 * more only when less than STREAM_MAX_BUFFERED bytes wait for it. */
#ifndef JIUYE_NOTIFY_STREAM_H
#define JIUYE_NOTIFY_STREAM_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <libpq-fe.h>

#include "access.h"

#define STREAM_PAGE 200                        /* notifications per query */
#define STREAM_MAX_BUFFERED (1024 * 1024)      /* unsent bytes per stream before it waits */

typedef struct stream_hub stream_hub_t;

/* Returns NULL on failure. Caller owns the result. */
stream_hub_t *stream_hub_new(struct event_base *base, PGconn *pg);

/* The route handler (arg: where the hub's pointer is, filled in once it exists). A
 * staff caller's stream is their district's and department's whatever the query says. */
void stream_handle(struct evhttp_request *req, const access_who_t *who, void *arg);

/* Open a stream on req from notification id after, limited to district and audience
 * (NULL: any), or reply 503 when the hub is full or the database is down. For callers
 * that authenticated and validated the request themselves. staff_id, when not 0, is the
 * console's staff member: the stream ends at the first heartbeat after their
 * revocation (notify.staff.revoked_at). */
void stream_open(stream_hub_t *hub, struct evhttp_request *req, long long after, const char *district,
                 const char *audience, long long staff_id);

/* The resume point of req: Last-Event-ID, else ?after=, else 0. Returns 0, or -1 when
 * malformed. */
int stream_resume_point(struct evhttp_request *req, long long *after) __attribute__((warn_unused_result));

/* Notifications were committed: send each stream what is new for it. */
void stream_hub_wake(stream_hub_t *hub);

/* jiuye_sse_streams (open now). */
void stream_hub_metrics(stream_hub_t *hub, struct evbuffer *out);

/* Drop every stream (their connections are freed by evhttp_free afterwards, so call
 * this before svc_destroy) and free the hub; accepts NULL, nulls the pointer. */
void stream_hub_destroy(stream_hub_t **hub);

#endif
