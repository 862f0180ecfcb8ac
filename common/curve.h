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
 * A server may instead look its clients' keys up at each handshake (intake's front door
 * for upstream publishers: the keys registered per source, curve_server_setup_lookup);
 * the name the lookup returns is attached by libzmq to every message of that connection
 * as its "User-Id" property (zmq_msg_gets), so the server knows who sent it.
 *
 * Without any key configured a link runs in the clear (development only: the
 * local run, the tests and docker-compose configure keys). A half-configured
 * link is an error naming the missing variable, never a silent downgrade. */
#ifndef JIUYE_CURVE_H
#define JIUYE_CURVE_H

#include <event2/event.h>
#include <stddef.h>

#define CURVE_KEY_LEN 40
#define CURVE_USER_ID_MAX 256 /* a ZAP user id, with its NUL */

/* A lookup of the client key of a handshake (Z85, CURVE_KEY_LEN characters): 1 when it is
 * admitted, with the connection's user id written into user_id (len bytes, NUL-terminated);
 * 0 when not; -1 when it cannot tell (the handshake is refused too). Runs in the event loop. */
typedef int (*curve_lookup_fn)(void *ctx, const char *client_key, char *user_id, size_t len);

/* Configure sock as the CURVE server of link "client->server" (names as in
 * link names: "intake->rules"), registering its admitted client keys with the
 * process's ZAP handler (started on first use in base, in zmq_ctx: sock's
 * context). Returns 1 when CURVE is on, 0 when no key is configured (plain),
 * -1 on a configuration error (logged). */
int curve_server_setup(void *sock, void *zmq_ctx, struct event_base *base, const char *client, const char *server);

/* Configure sock as a CURVE server with <SERVER>_CURVE_SECRET / _PUBLIC whose clients are
 * admitted by lookup(ctx, ...) at each handshake, in ZAP domain "jiuye:DOMAIN" (also the
 * name in the logs); zmq_ctx and base as above. Returns 1, 0 (no key configured: plain) or
 * -1 as above. */
int curve_server_setup_lookup(void *sock, void *zmq_ctx, struct event_base *base, const char *server, const char *domain,
                              curve_lookup_fn lookup, void *ctx);

/* Configure sock as the CURVE client of link "client->server". Returns 1, 0 or -1 as above. */
int curve_client_setup(void *sock, const char *client, const char *server);

/* Handshakes refused by the ZAP handler so far (for /metrics and tests). */
unsigned long curve_refused_count(void);

/* Stop the ZAP handler (before the ZeroMQ context is terminated). */
void curve_shutdown(void);

#endif
