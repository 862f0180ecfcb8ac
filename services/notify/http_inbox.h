/* http_inbox.h: GET /v1/notifications?district=&audience=&after=&limit= (cursor
 * paging by notification_id: pass the last id seen as after). arg is the PGconn. */
#ifndef JIUYE_NOTIFY_HTTP_INBOX_H
#define JIUYE_NOTIFY_HTTP_INBOX_H

#include <event2/http.h>

#define INBOX_DEFAULT_LIMIT 100
#define INBOX_MAX_LIMIT 1000

void http_inbox(struct evhttp_request *req, void *arg);

#endif
