/* curve.h: CURVE encryption and authentication of the ZeroMQ links.
 *
 * Every service has a key pair, <SERVICE>_CURVE_PUBLIC and <SERVICE>_CURVE_SECRET
 * (Z85, 40 characters; `jiuyectl keygen NAME` makes them). On a link A->B,
 * B's ROUTER is the CURVE server with B's secret key; A's DEALER is the client
 * with A's pair and B's public key. B admits only the client keys listed in
 * <B>_CURVE_CLIENTS (comma-separated), by default A's public key: a ZAP handler
 * in B's event loop answers each handshake, and ZMQ_ZAP_ENFORCE_DOMAIN makes
 * libzmq refuse every peer the handler does not approve.
 *
 * Without any key configured a link runs in the clear (development only: the
 * local run, the tests and docker-compose configure keys). A half-configured
 * link is an error naming the missing variable, never a silent downgrade. */
#ifndef JIUYE_CURVE_H
#define JIUYE_CURVE_H

#include <event2/event.h>

#define CURVE_KEY_LEN 40

/* Configure sock as the CURVE server of link "client->server" (names as in
 * link names: "intake->rules"), registering its admitted client keys with the
 * process's ZAP handler (started on first use in base, in zmq_ctx: sock's
 * context). Returns 1 when CURVE is on, 0 when no key is configured (plain),
 * -1 on a configuration error (logged). */
int curve_server_setup(void *sock, void *zmq_ctx, struct event_base *base, const char *client, const char *server);

/* Configure sock as the CURVE client of link "client->server". Returns 1, 0 or -1 as above. */
int curve_client_setup(void *sock, const char *client, const char *server);

/* Handshakes refused by the ZAP handler so far (for /metrics and tests). */
unsigned long curve_refused_count(void);

/* Stop the ZAP handler (before the ZeroMQ context is terminated). */
void curve_shutdown(void);

#endif
