/* console.h: the staff web console's API on notify, behind staff tokens (staff.h).
 *
 *   GET  /                                         302 to /console/
 *   GET  /console/, /console/app.js, ...           the static files (web_static.h)
 *   GET  /v1/me                                    {name, district, district_name,
 *                                                   department, department_label}
 *   GET  /v1/console/notifications?after=&limit=   the inbox of the staff member's district
 *                                                   and department (as GET /v1/notifications)
 *   POST /v1/console/notifications/{id}/ack        acknowledged in the staff member's name;
 *                                                   404 outside their inbox, 409 if done before
 *   GET  /v1/console/notifications/{id}/trace      {notification, decisions, awards, errors}:
 *                                                   the decisions of its event from rules and
 *                                                   their awards from subsidy (upstream.h)
 *   POST /v1/console/ticket                        sets the stream cookie (below)
 *   GET  /v1/console/stream                        the inbox as Server-Sent Events (stream.h),
 *                                                   authenticated by the cookie
 *   GET  /v1/console/kpi?year=[&district=]          subsidy's GET /v1/kpi with monthly figures
 *
 * Authentication: every /v1/me and /v1/console/ call but the stream carries
 * `Authorization: Bearer <staff token>` (svc.c checks it: 401 without a valid one, 403
 * for a token of another role; the console keeps the
 * token in sessionStorage). An EventSource cannot send that header, and a token in the
 * URL would end up in logs, history and proxies, so the console first POSTs to
 * /v1/console/ticket with its token and gets a random ticket as a cookie:
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
 * Path=/v1/console/stream (sent nowhere else), Max-Age NOTIFY_TICKET_TTL_S (60). Only
 * its hash is stored, in PostgreSQL, so any notify instance honours it and revoking the
 * staff member ends it. A stream outlives its ticket; a reconnection after expiry gets
 * 401 and the console asks for a new ticket. The cookie is a read permission for one
 * URL: nothing that changes state accepts it, so it opens no CSRF hole.
 *
 * Every answer carries Cache-Control: no-store (identities are shown in full to staff)
 * and the console's security headers. A trace forwards the staff member's own
 * Authorization header to rules and subsidy, which answer within their district and
 * log the look in their name. */
#ifndef JIUYE_NOTIFY_CONSOLE_H
#define JIUYE_NOTIFY_CONSOLE_H

#include "stream.h"
#include "svc.h"

#define CONSOLE_COOKIE "jiuye_ticket"

typedef struct console console_t;

/* Add the console's route table to svc (svc_routes), before svc_init: the handlers
 * find the console at *where, which must hold console_new()'s result before the loop
 * runs. Returns 0 or -1 (logged). */
int console_routes(svc_t *svc, console_t **where) __attribute__((warn_unused_result));

/* Load the web files and set up the upstream clients. Returns NULL (logged) on
 * failure. Caller owns the result. */
console_t *console_new(svc_t *svc, stream_hub_t *streams);

/* The value of cookie name in a Cookie header, copied into out (outlen bytes), or
 * NULL when absent or too long. Pure: the unit tests call it. */
const char *console_cookie(const char *header, const char *name, char *out, size_t outlen);

/* Cancel the upstream calls in flight and free; call before svc_destroy. Accepts
 * NULL, nulls the pointer. */
void console_destroy(console_t **c);

#endif
