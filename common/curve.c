/* curve.c: CURVE keys from the environment and the ZAP handler (see curve.h). */
#include "curve.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "config.h"
#include "log.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* libzmq >= 4.3: a draft option in its header, supported by the library */
#endif

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MAX_DOMAINS 8
#define MAX_CLIENTS 32

/* A ZAP domain admits either the keys listed in keys[] or, when lookup is set, the keys
 * lookup admits (then keys[] is unused). */
typedef struct zap_domain {
    char name[64];
    uint8_t keys[MAX_CLIENTS][32]; /* admitted client public keys, binary */
    int n;
    curve_lookup_fn lookup; /* NULL: the list above */
    void *lookup_ctx;
} zap_domain_t;

static struct {
    void *sock;
    struct event *ev;
    zap_domain_t domains[MAX_DOMAINS];
    int n_domains;
    unsigned long refused;
} zap;

unsigned long curve_refused_count(void) { return zap.refused; }

/* The value of <NAME>_<suffix>, with NAME upper-cased. */
static const char *key_env(const char *name, const char *suffix, char *var, size_t len) {
    size_t at = 0;
    for (const char *p = name; *p && at + 1 < len; p++) var[at++] = (char)toupper((unsigned char)*p);
    snprintf(var + at, len - at, "_%s", suffix);
    return config_str(var, NULL); /* or <VAR>_FILE: keys as compose secrets */
}

static int valid_key(const char *var, const char *key) {
    uint8_t bin[32];
    if (strlen(key) != CURVE_KEY_LEN || !zmq_z85_decode(bin, key)) {
        log_error("curve: %s must be a 40-character Z85 key (jiuyectl keygen)", var);
        return 0;
    }
    return 1;
}

/* Read one frame into buf (NUL-terminated, truncated to len-1). Returns its size or -1. */
static int recv_frame(void *sock, char *buf, size_t len, int *more) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    size_t n = zmq_msg_size(&m);
    memcpy(buf, zmq_msg_data(&m), n < len - 1 ? n : len - 1);
    buf[n < len - 1 ? n : len - 1] = '\0';
    *more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    return (int)n;
}

/* status: "200", "400" (key not admitted) or "500" (the lookup failed); user_id is what
 * libzmq attaches to every message of the connection as its "User-Id" property. */
static void zap_reply(const char *request_id, int request_id_len, const char *status, const char *user_id) {
    const char *text = strcmp(status, "200") == 0 ? "OK"
                       : strcmp(status, "400") == 0 ? "client key not admitted"
                                                    : "client key lookup failed";
    zmq_send(zap.sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(zap.sock, request_id, (size_t)request_id_len, ZMQ_SNDMORE);
    zmq_send(zap.sock, status, 3, ZMQ_SNDMORE);
    zmq_send(zap.sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(zap.sock, user_id, strlen(user_id), ZMQ_SNDMORE);
    zmq_send(zap.sock, "", 0, 0); /* metadata */
}

/* Whether domain d admits the 32-byte key; writes the connection's user id. 1 admitted,
 * 0 not, -1 the lookup failed. */
static int zap_admits(const zap_domain_t *d, const uint8_t *key, char *user_id, size_t len) {
    user_id[0] = '\0';
    if (!d->lookup) {
        for (int k = 0; k < d->n; k++)
            if (memcmp(d->keys[k], key, 32) == 0) return 1;
        return 0;
    }
    char z85[CURVE_KEY_LEN + 1];
    zmq_z85_encode(z85, key, 32);
    int found = d->lookup(d->lookup_ctx, z85, user_id, len);
    if (found != 1) user_id[0] = '\0';
    return found;
}

/* One ZAP request: version, request id, domain, address, identity, mechanism, credentials. */
static void zap_handle_one(void) {
    char frames[7][256];
    int sizes[7] = {0}, more = 1, n = 0;
    while (more && n < 7) {
        sizes[n] = recv_frame(zap.sock, frames[n], sizeof frames[n], &more);
        if (sizes[n] < 0) return;
        n++;
    }
    while (more) { /* never expected: drain a malformed request */
        char skip[8];
        if (recv_frame(zap.sock, skip, sizeof skip, &more) < 0) break;
    }
    if (n < 6) return;
    int ok = 0;
    char user_id[CURVE_USER_ID_MAX] = "";
    if (strcmp(frames[5], "CURVE") == 0 && n == 7 && sizes[6] == 32) {
        for (int d = 0; d < zap.n_domains && ok == 0; d++)
            if (strcmp(zap.domains[d].name, frames[2]) == 0)
                ok = zap_admits(&zap.domains[d], (const uint8_t *)frames[6], user_id, sizeof user_id);
    }
    if (ok != 1) {
        char z85[41] = "";
        if (n == 7 && sizes[6] == 32) zmq_z85_encode(z85, (const uint8_t *)frames[6], 32);
        zap.refused++;
        log_warn("curve: refused %s from %s on %s: key %s %s", frames[5], frames[3], frames[2],
                 z85[0] ? z85 : "(none)", ok < 0 ? "could not be looked up" : "is not admitted");
    }
    zap_reply(frames[1], sizes[1], ok == 1 ? "200" : ok < 0 ? "500" : "400", user_id);
}

static void zap_readable(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what, (void)arg;
    for (;;) {
        int events = 0;
        size_t len = sizeof events;
        if (zmq_getsockopt(zap.sock, ZMQ_EVENTS, &events, &len) != 0 || !(events & ZMQ_POLLIN)) break;
        zap_handle_one();
    }
}

static int zap_start(void *zmq_ctx, struct event_base *base) {
    if (zap.sock) return 0;
    zap.sock = zmq_socket(zmq_ctx, ZMQ_REP);
    int zero = 0, fd;
    size_t len = sizeof fd;
    if (!zap.sock || zmq_setsockopt(zap.sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(zap.sock, ZAP_ENDPOINT) != 0 || zmq_getsockopt(zap.sock, ZMQ_FD, &fd, &len) != 0) {
        log_error("curve: cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    zap.ev = event_new(base, fd, EV_READ | EV_PERSIST, zap_readable, NULL);
    if (!zap.ev) return -1;
    event_add(zap.ev, NULL);
    return 0;
}

void curve_shutdown(void) {
    if (zap.ev) event_free(zap.ev);
    if (zap.sock) zmq_close(zap.sock);
    memset(&zap, 0, sizeof zap);
}

/* The server's own key pair, <SERVER>_CURVE_SECRET and _PUBLIC: 1 with *secret set, 0 when
 * neither is configured, -1 (logged) when only one is or one is not a key. */
static int server_keys(const char *server, const char **secret) {
    char var_secret[64], var_public[64];
    *secret = key_env(server, "CURVE_SECRET", var_secret, sizeof var_secret);
    const char *public_key = key_env(server, "CURVE_PUBLIC", var_public, sizeof var_public);
    if (!*secret && !public_key) return 0;
    if (!*secret || !public_key) {
        log_error("curve: %s is set but %s is not", *secret ? var_secret : var_public, *secret ? var_public : var_secret);
        return -1;
    }
    if (!valid_key(var_secret, *secret) || !valid_key(var_public, public_key)) return -1;
    return 1;
}

/* A new ZAP domain "jiuye:NAME" (the ZAP handler started in base, in zmq_ctx), or NULL (logged). */
static zap_domain_t *domain_new(void *zmq_ctx, struct event_base *base, const char *name) {
    if (zap_start(zmq_ctx, base) != 0) return NULL;
    if (zap.n_domains == MAX_DOMAINS) {
        log_error("curve: more than %d CURVE servers in one process", MAX_DOMAINS);
        return NULL;
    }
    zap_domain_t *d = &zap.domains[zap.n_domains];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "jiuye:%s", name);
    return d;
}

/* Make sock the CURVE server of domain d (then counted in) with secret. 0, or -1 (logged). */
static int server_socket(void *sock, zap_domain_t *d, const char *secret) {
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, CURVE_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, d->name, strlen(d->name)) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0) {
        log_error("curve: cannot configure the server socket: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    zap.n_domains++;
    return 0;
}

int curve_server_setup(void *sock, void *zmq_ctx, struct event_base *base, const char *client, const char *server) {
    char var_clients[64], var_client[64];
    const char *secret;
    int keys = server_keys(server, &secret);
    if (keys <= 0) return keys;
    const char *clients = key_env(server, "CURVE_CLIENTS", var_clients, sizeof var_clients);
    if (!clients) clients = key_env(client, "CURVE_PUBLIC", var_client, sizeof var_client);
    if (!clients) {
        log_error("curve: %s has a key but no admitted clients: set %s or %s", server, var_clients, var_client);
        return -1;
    }
    zap_domain_t *d = domain_new(zmq_ctx, base, server);
    if (!d) return -1;
    char list[MAX_CLIENTS * 42];
    snprintf(list, sizeof list, "%s", clients);
    for (char *save = NULL, *k = strtok_r(list, ", ", &save); k && d->n < MAX_CLIENTS; k = strtok_r(NULL, ", ", &save)) {
        if (!valid_key(var_clients, k)) return -1;
        zmq_z85_decode(d->keys[d->n++], k);
    }
    if (server_socket(sock, d, secret) != 0) return -1;
    log_info("curve: %s->%s encrypted; %d client key(s) admitted", client, server, d->n);
    return 1;
}

int curve_server_setup_lookup(void *sock, void *zmq_ctx, struct event_base *base, const char *server, const char *domain,
                              curve_lookup_fn lookup, void *ctx) {
    const char *secret;
    int keys = server_keys(server, &secret);
    if (keys <= 0) return keys;
    zap_domain_t *d = domain_new(zmq_ctx, base, domain);
    if (!d) return -1;
    d->lookup = lookup;
    d->lookup_ctx = ctx;
    if (server_socket(sock, d, secret) != 0) return -1;
    log_info("curve: %s encrypted; client keys looked up at each handshake", domain);
    return 1;
}

int curve_client_setup(void *sock, const char *client, const char *server) {
    char var_secret[64], var_public[64], var_server[64];
    const char *secret = key_env(client, "CURVE_SECRET", var_secret, sizeof var_secret);
    const char *public_key = key_env(client, "CURVE_PUBLIC", var_public, sizeof var_public);
    const char *server_key = key_env(server, "CURVE_PUBLIC", var_server, sizeof var_server);
    if (!secret && !public_key) return 0;
    if (!secret || !public_key || !server_key) {
        log_error("curve: %s->%s needs %s, %s and %s", client, server, var_public, var_secret, var_server);
        return -1;
    }
    if (!valid_key(var_secret, secret) || !valid_key(var_public, public_key) || !valid_key(var_server, server_key))
        return -1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key, CURVE_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_key, CURVE_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, CURVE_KEY_LEN) != 0) {
        log_error("curve: cannot configure the client socket: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 1;
}
