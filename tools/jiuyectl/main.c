/* jiuyectl: the operator's command-line tool.
 *
 *   jiuyectl source add NAME [--curve-public KEY]
 *                                            create an upstream source, print its token; with
 *                                            KEY, the CURVE public key it signs in with to
 *                                            intake's ZeroMQ front door
 *   jiuyectl source revoke NAME              its token stops working at once
 *   jiuyectl source list                     name, created_at, active or revoked (when)
 *   jiuyectl source sync FILE                add the sources of FILE ("NAME TOKEN [KEY]"
 *                                            lines, a compose secret) not there yet
 *                                            (cmd_source_sync.c)
 *   jiuyectl publish [--url U | --zmq ENDPOINT [CURVE]] [--token T] [--batch N] FILE...
 *                                            send JSON / NDJSON events to intake, N (1000) per
 *                                            request, over HTTP or as EventBatch messages
 *                                            over ZeroMQ; print each result. CURVE:
 *                                            --curve-public K --curve-secret K [--server-key K]
 *                                            (the source's pair, intake's public key)
 *   jiuyectl notifications [--url U] [--district D] [--audience A]
 *                          [--wait-count N] [--timeout S]
 *                                            print what staff received
 *   jiuyectl COMMAND --help                  that command's usage (every command; the
 *                                            ones in cmd_*.c check cmd_help_requested)
 *
 * Also subscribe, keygen, report, trace, replay and staff, each in its own cmd_NAME.c (commands.h).
 *
 * Configuration from the environment like the services: JIUYE_DB for the
 * database, INTAKE_HTTP_PORT / NOTIFY_HTTP_PORT for the default URLs,
 * JIUYE_TOKEN (or jiuyectl --token T) for every call to a service: a source's token
 * for publish, an operator's for trace, replay, report and notifications, an
 * auditor's for audit; operator, auditor and metrics add make them (cmd_token.c).
 * JIUYE_CURVE_PUBLIC / JIUYE_CURVE_SECRET (or their _FILE) and INTAKE_CURVE_PUBLIC stand
 * for the three CURVE options of publish --zmq (a secret key is better in a file than on a
 * command line, which any local user can list).
 *
 * publish --zmq sends the events as they are in the file, converted to protobuf without
 * any check (event_from_json_lenient): intake's validation judges them, as it does over
 * HTTP, and each result is printed the same way. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "commands.h"
#include "config.h"
#include "curve.h"
#include "event_codec.h"
#include "http_client.h"
#include "ident.h"
#include "ingest.pb-c.h"
#include "log.h"
#include "money.h"
#include "pg.h"
#include "policy.h"
#include "sources.h"
#include "token.h"
#include "zmq_ingest.h"

#define PUBLISH_CHUNK 1000     /* intake's per-request limit */
#define PUBLISH_TIMEOUT_S 120  /* for one request's reply */
#define PUBLISH_SEND_TIMEOUT_S 10 /* --zmq: for intake to be there at all */

static const char usage_text[] =
    "usage:\n"
    "  jiuyectl source add NAME [--curve-public KEY]\n"
    "  jiuyectl source revoke NAME\n"
    "  jiuyectl source list\n"
    "  jiuyectl source sync FILE     (lines \"NAME TOKEN [CURVE_PUBLIC_KEY]\"; tokens jy_ + 64 hex, made by you)\n"
    "  jiuyectl publish [--url URL | --zmq ENDPOINT] [--token TOKEN] [--batch N] FILE...\n"
    "                   [--curve-public KEY --curve-secret KEY [--server-key KEY]]   (--zmq under CURVE)\n"
    "  jiuyectl notifications [--url URL] [--district CODE] [--audience CODE] [--wait-count N] [--timeout S]\n"
    "  jiuyectl policy check FILE...\n"
    "  jiuyectl subscribe add NAME --channel inbox|webhook|email [--target URL|ADDRESS] [--format json|wecom|dingtalk]\n"
    "                         [--secret S] [--district CODE]... [--audience CODE]... [--rule RNN]...\n"
    "  jiuyectl subscribe list | remove NAME\n"
    "  jiuyectl keygen NAME...\n"
    "  jiuyectl report --year YYYY [--district CODE] [--out DIR] [--url URL]\n"
    "  jiuyectl trace EVENT [--source S] [--json]\n"
    "  jiuyectl replay --from YYYY-MM-DD --to YYYY-MM-DD [--rule RNN] [--dry-run] [--json] [--url URL]\n"
    "  jiuyectl staff add NAME --district CODE --department AUDIENCE [--expires YYYY-MM-DD] | staff revoke NAME | staff list\n"
    "  jiuyectl operator|auditor|metrics add NAME [--expires YYYY-MM-DD] | ... revoke NAME | ... list\n"
    "  jiuyectl audit [--subject CERT_NO] [--who NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL]\n"
    "  jiuyectl --token TOKEN COMMAND ...   (the token of the calls to the services; else JIUYE_TOKEN)\n"
    "  jiuyectl --help | COMMAND --help\n";

static void usage(FILE *out) { fputs(usage_text, out); }

/* COMMAND --help for the commands of this file: their lines of usage_text (a line
 * "  jiuyectl NAME ..." and the deeper-indented lines after it) on stdout. Returns 0. */
static int command_usage(const char *name) {
    size_t n = strlen(name);
    int in = 0;
    fputs("usage:\n", stdout);
    for (const char *line = usage_text; *line;) {
        size_t len = strcspn(line, "\n");
        if (strncmp(line, "  jiuyectl ", 11) == 0)
            in = strncmp(line + 11, name, n) == 0 && (line[11 + n] == ' ' || line[11 + n] == '\n');
        if (in) printf("%.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
    return 0;
}

/* --------------------------------------------------------------- source */

static int cmd_source(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) return command_usage(argv[0]);
    const char *sub = argc >= 2 ? argv[1] : "", *curve_public = NULL;
    int takes_name = strcmp(sub, "add") == 0 || strcmp(sub, "revoke") == 0 || strcmp(sub, "sync") == 0;
    if (strcmp(sub, "add") == 0 && argc == 5 && strcmp(argv[3], "--curve-public") == 0) {
        curve_public = argv[4];
        argc = 3;
    }
    if (!(takes_name && argc == 3) && !(strcmp(sub, "list") == 0 && argc == 2)) {
        usage(stderr);
        return 2;
    }
    PGconn *pg = pg_connect("jiuye_intake", "INTAKE_DB_PASSWORD", "jiuyectl", NULL);
    if (!pg) return 1;
    char token[TOKEN_LEN + 1], err[256];
    int rc = 0;
    if (strcmp(sub, "sync") == 0) {
        rc = cmd_source_sync(pg, argv[2]);
    } else if (strcmp(sub, "add") == 0) {
        if (sources_add(pg, argv[2], curve_public, token, err, sizeof err) != 0) {
            fprintf(stderr, "jiuyectl: cannot add source: %s\n", err);
            rc = 1;
        } else {
            printf("%s\n", token);
        }
    } else if (strcmp(sub, "revoke") == 0) {
        int r = sources_revoke(pg, argv[2], err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "jiuyectl: cannot revoke source: %s\n", err);
            rc = 1;
        } else {
            printf("source '%s' %s\n", argv[2], r ? "revoked" : "was already revoked");
        }
    } else {
        source_info_t *list = NULL;
        long n = sources_list(pg, &list, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "jiuyectl: cannot list sources: %s\n", err);
            rc = 1;
        }
        for (long i = 0; i < n; i++)
            printf("%-32s %s  %s%s\n", list[i].name, list[i].created_at,
                   list[i].revoked_at[0] ? "revoked " : "active", list[i].revoked_at);
        free(list);
    }
    PQfinish(pg);
    return rc;
}

/* --------------------------------------------------------------- publish */

/* Read FILE as one JSON document (object or array) or as NDJSON. Returns an
 * array of elements, or NULL with a message on stderr. */
static json_t *read_events(const char *path) {
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (doc && json_is_array(doc)) return doc;
    if (doc) {
        json_t *arr = json_array();
        json_array_append_new(arr, doc);
        return arr;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "jiuyectl: cannot open %s\n", path);
        return NULL;
    }
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    long line_no = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        line_no++;
        if (strspn(line, " \t\r\n") == (size_t)n) continue;
        json_t *ev = json_loadb(line, (size_t)n, 0, &jerr);
        if (!ev) {
            fprintf(stderr, "jiuyectl: %s:%ld: malformed JSON: %s\n", path, line_no, jerr.text);
            json_decref(arr);
            arr = NULL;
            break;
        }
        json_array_append_new(arr, ev);
    }
    free(line);
    fclose(f);
    return arr;
}

typedef struct tally {
    long accepted, duplicate, rejected;
} tally_t;

static void print_result(tally_t *t, const char *status, const char *event_id, const char *error) {
    int has_error = error && *error;
    printf("%-9s %s%s%s\n", status ? status : "?", event_id && *event_id ? event_id : "(no event_id)",
           has_error ? "  " : "", has_error ? error : "");
    if (status && strcmp(status, "accepted") == 0) t->accepted++;
    else if (status && strcmp(status, "duplicate") == 0) t->duplicate++;
    else t->rejected++;
}

/* POST events [from, to) of file to url and print the results. Returns 0, or 2 after a
 * message on stderr when the request as a whole failed. */
static int publish_http(const char *url, const char *token, const char *file, json_t *events,
                        size_t from, size_t to, tally_t *t) {
    json_t *chunk = json_array();
    for (size_t k = from; k < to; k++) json_array_append(chunk, json_array_get(events, k));
    char *body = json_dumps(chunk, JSON_COMPACT);
    json_decref(chunk);
    http_client_buf_t out = {0};
    char err[512] = "";
    long status = http_client_call(url, token, body, &out, err, sizeof err);
    free(body);
    json_t *reply = out.data ? json_loads(out.data, 0, NULL) : NULL;
    int rc = 0;
    if (status != 200 || !reply) {
        const char *msg = json_string_value(json_object_get(reply, "error"));
        fprintf(stderr, "jiuyectl: %s: HTTP %ld: %s\n", file, status, msg ? msg : (err[0] ? err : "no reply"));
        rc = 2;
    } else {
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(reply, "results"), k, r) {
            print_result(t, json_string_value(json_object_get(r, "status")),
                         json_string_value(json_object_get(r, "event_id")),
                         json_string_value(json_object_get(r, "error")));
        }
    }
    json_decref(reply);
    free(out.data);
    return rc;
}

/* The CURVE keys of publish --zmq: all three, or none (in the clear). */
typedef struct publish_curve {
    const char *public_key, *secret_key, *server_key;
} publish_curve_t;

/* 0 when the keys are none or a whole valid set, else 2 after naming what is wrong. */
static int curve_options_check(const publish_curve_t *c) {
    static const struct {
        size_t offset;
        const char *option;
    } keys[] = {
        {offsetof(publish_curve_t, public_key), "--curve-public (or JIUYE_CURVE_PUBLIC)"},
        {offsetof(publish_curve_t, secret_key), "--curve-secret (or JIUYE_CURVE_SECRET)"},
        {offsetof(publish_curve_t, server_key), "--server-key (or INTAKE_CURVE_PUBLIC)"},
    };
    int given = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *key = *(const char *const *)((const char *)c + keys[k].offset);
        uint8_t bin[32];
        if (!key) continue;
        given++;
        if (strlen(key) != CURVE_KEY_LEN || !zmq_z85_decode(bin, key)) {
            fprintf(stderr, "jiuyectl publish: %s must be a 40-character Z85 key (jiuyectl keygen)\n", keys[k].option);
            return 2;
        }
    }
    if (given == 0 || given == 3 || (given == 1 && c->server_key)) return 0;
    fprintf(stderr, "jiuyectl publish: CURVE needs %s, %s and %s\n", keys[0].option, keys[1].option, keys[2].option);
    return 2;
}

/* publish --zmq's side of the connection: a DEALER that sends only over a connection whose
 * handshake is done (ZMQ_IMMEDIATE), and a PAIR on its monitor, which tells a handshake
 * intake refused apart from an intake that is not there at all. */
typedef struct zmq_publisher {
    void *sock, *monitor;
    const char *endpoint;
    int secure; /* CURVE keys given */
} zmq_publisher_t;

#define PUBLISH_MONITOR "inproc://jiuyectl-publish-monitor"

/* Connect p to endpoint, a CURVE client when curve has the keys. Returns 0, or -1 after a
 * message (p's sockets closed). */
static int zmq_publisher_open(zmq_publisher_t *p, void *ctx, const char *endpoint, const publish_curve_t *curve) {
    int zero = 0, one = 1;
    int64_t maxmsg = ZMQ_INGEST_MAX_MSG;
    *p = (zmq_publisher_t){.endpoint = endpoint, .secure = curve->secret_key != NULL};
    p->sock = zmq_socket(ctx, ZMQ_DEALER);
    if (!p->sock || zmq_setsockopt(p->sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(p->sock, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
        zmq_setsockopt(p->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0)
        goto err;
    if (p->secure && (zmq_setsockopt(p->sock, ZMQ_CURVE_SERVERKEY, curve->server_key, CURVE_KEY_LEN) != 0 ||
                      zmq_setsockopt(p->sock, ZMQ_CURVE_PUBLICKEY, curve->public_key, CURVE_KEY_LEN) != 0 ||
                      zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY, curve->secret_key, CURVE_KEY_LEN) != 0))
        goto err;
    if (zmq_socket_monitor(p->sock, PUBLISH_MONITOR,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
        goto err;
    p->monitor = zmq_socket(ctx, ZMQ_PAIR);
    if (!p->monitor || zmq_setsockopt(p->monitor, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(p->monitor, PUBLISH_MONITOR) != 0 || zmq_connect(p->sock, endpoint) != 0)
        goto err;
    return 0;
err:
    fprintf(stderr, "jiuyectl: zmq %s: %s\n", endpoint, zmq_strerror(errno));
    if (p->monitor) zmq_close(p->monitor);
    if (p->sock) zmq_close(p->sock);
    p->sock = p->monitor = NULL;
    return -1;
}

static void zmq_publisher_close(zmq_publisher_t *p) {
    if (p->monitor) zmq_close(p->monitor);
    if (p->sock) zmq_close(p->sock);
    p->sock = p->monitor = NULL;
}

/* Why the handshake failed, from the monitor's event (its value: the ZAP status code for
 * AUTH, the ZMTP error for PROTOCOL), for the operator. */
static const char *handshake_failure(const zmq_publisher_t *p, uint16_t event, uint32_t value) {
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return value == 500 ? "intake could not look the CURVE key up (its database?): nothing sent, try again"
                            : "intake refused this CURVE key: it is not registered for an active source "
                              "(jiuyectl source add NAME --curve-public KEY; a revoked source's key stays refused)";
    /* In the clear, either side may see the mismatch first (then this side sees only the
     * connection end): any failure means intake wants CURVE. */
    if (!p->secure)
        return "the handshake with intake failed: it requires CURVE there (give --curve-public, --curve-secret "
               "and --server-key)";
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        return "intake does not speak CURVE there: send without the CURVE options";
    return "the CURVE handshake with intake failed: is --server-key intake's public key?";
}

/* Wait until p can send (its handshake done), at most PUBLISH_SEND_TIMEOUT_S. Returns 0, or
 * 2 after a message naming why not. */
static int zmq_publisher_ready(const zmq_publisher_t *p, const char *file) {
    zmq_pollitem_t items[] = {{.socket = p->sock, .events = ZMQ_POLLOUT}, {.socket = p->monitor, .events = ZMQ_POLLIN}};
    int n = zmq_poll(items, 2, PUBLISH_SEND_TIMEOUT_S * 1000L);
    if (n > 0 && (items[0].revents & ZMQ_POLLOUT)) return 0;
    if (n > 0 && (items[1].revents & ZMQ_POLLIN)) {
        uint8_t head[6] = {0};
        uint16_t event;
        uint32_t value;
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, p->monitor, 0) >= 0 && zmq_msg_size(&m) >= sizeof head)
            memcpy(head, zmq_msg_data(&m), sizeof head);
        while (zmq_msg_more(&m) && zmq_msg_recv(&m, p->monitor, 0) >= 0) {} /* the endpoint frame */
        zmq_msg_close(&m);
        memcpy(&event, head, sizeof event);
        memcpy(&value, head + 2, sizeof value);
        fprintf(stderr, "jiuyectl: %s: zmq %s: %s\n", file, p->endpoint, handshake_failure(p, event, value));
        return 2;
    }
    fprintf(stderr, "jiuyectl: %s: zmq %s: not sent within %ds: is intake listening there?\n", file, p->endpoint,
            PUBLISH_SEND_TIMEOUT_S);
    return 2;
}

/* Send events [from, to) of file as one EventBatch through p and print the IngestReply.
 * Returns 0, or 2 after a message on stderr (whole-batch error, no reply). */
static int publish_zmq(const zmq_publisher_t *p, const char *token, const char *file, json_t *events, size_t from,
                       size_t to, tally_t *t) {
    void *sock = p->sock;
    const char *endpoint = p->endpoint;
    size_t n = to - from, len = 0;
    int rc = 2;
    uint8_t *buf = NULL;
    Jiuye__EventBatch batch = JIUYE__EVENT_BATCH__INIT;
    batch.token = (char *)(token ? token : "");
    batch.events = calloc(n, sizeof *batch.events);
    if (!batch.events) goto oom;
    for (batch.n_events = 0; batch.n_events < n; batch.n_events++) {
        batch.events[batch.n_events] = event_from_json_lenient(json_array_get(events, from + batch.n_events));
        if (!batch.events[batch.n_events]) goto oom;
    }
    len = jiuye__event_batch__get_packed_size(&batch);
    if (len > ZMQ_INGEST_MAX_MSG) {
        fprintf(stderr, "jiuyectl: %s: a batch of %zu events is %zu bytes, over intake's %d; use a smaller --batch\n",
                file, n, len, ZMQ_INGEST_MAX_MSG);
        goto out;
    }
    buf = malloc(len ? len : 1);
    if (!buf) goto oom;
    jiuye__event_batch__pack(&batch, buf);
    if (zmq_publisher_ready(p, file) != 0) goto out;
    if (zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0) {
        fprintf(stderr, "jiuyectl: %s: zmq %s: not sent: %s\n", file, endpoint, zmq_strerror(errno));
        goto out;
    }
    zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, PUBLISH_TIMEOUT_S * 1000L) != 1) {
        fprintf(stderr, "jiuyectl: %s: zmq %s: no reply within %ds\n", file, endpoint, PUBLISH_TIMEOUT_S);
        goto out;
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    Jiuye__IngestReply *reply = NULL;
    if (zmq_msg_recv(&msg, sock, 0) >= 0)
        reply = jiuye__ingest_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    zmq_msg_close(&msg);
    if (!reply) {
        fprintf(stderr, "jiuyectl: %s: zmq %s: the reply is not an IngestReply\n", file, endpoint);
    } else if (reply->error && *reply->error) {
        fprintf(stderr, "jiuyectl: %s: zmq %s: %s\n", file, endpoint, reply->error);
    } else if (reply->n_results != n) {
        fprintf(stderr, "jiuyectl: %s: zmq %s: %zu results for %zu events\n", file, endpoint, reply->n_results, n);
    } else {
        for (size_t k = 0; k < n; k++)
            print_result(t, reply->results[k]->status, reply->results[k]->event_id, reply->results[k]->error);
        rc = 0;
    }
    if (reply) jiuye__ingest_reply__free_unpacked(reply, NULL);
    goto out;
oom:
    fprintf(stderr, "jiuyectl: %s: out of memory\n", file);
out:
    for (size_t k = 0; k < batch.n_events; k++) jiuye__event__free_unpacked(batch.events[k], NULL);
    free(batch.events);
    free(buf);
    return rc;
}

static int cmd_publish(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) return command_usage(argv[0]);
    const char *token = config_str("JIUYE_TOKEN", NULL), *endpoint = NULL;
    publish_curve_t curve = {config_str("JIUYE_CURVE_PUBLIC", NULL), config_str("JIUYE_CURVE_SECRET", NULL),
                             config_str("INTAKE_CURVE_PUBLIC", NULL)};
    char *url = http_client_default_url("INTAKE_HTTP_PORT", 8080, "/v1/events");
    int i = 1, rc = 0;
    long batch = PUBLISH_CHUNK;
    tally_t t = {0};
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc) break;
        if (strcmp(argv[i], "--url") == 0) {
            free(url);
            url = strdup(argv[i + 1]);
        } else if (strcmp(argv[i], "--zmq") == 0) {
            endpoint = argv[i + 1];
        } else if (strcmp(argv[i], "--token") == 0) {
            token = argv[i + 1];
        } else if (strcmp(argv[i], "--curve-public") == 0) {
            curve.public_key = argv[i + 1];
        } else if (strcmp(argv[i], "--curve-secret") == 0) {
            curve.secret_key = argv[i + 1];
        } else if (strcmp(argv[i], "--server-key") == 0) {
            curve.server_key = argv[i + 1];
        } else if (strcmp(argv[i], "--batch") == 0) {
            char *end;
            batch = strtol(argv[i + 1], &end, 10);
            if (*end || batch < 1 || batch > 1000000) {
                fprintf(stderr, "jiuyectl publish: --batch takes 1-1000000 events\n");
                free(url);
                return 2;
            }
        } else {
            fprintf(stderr, "jiuyectl publish: unknown option %s\n", argv[i]);
            free(url);
            return 2;
        }
    }
    /* Under CURVE the key says which source sends; otherwise only a token can. */
    if (i >= argc || (!token && !(endpoint && curve.secret_key))) {
        fprintf(stderr, "jiuyectl publish: need a token (--token or JIUYE_TOKEN), or --zmq with CURVE keys, "
                        "and at least one FILE\n");
        free(url);
        return 2;
    }
    if (endpoint && curve_options_check(&curve) != 0) {
        free(url);
        return 2;
    }
    void *ctx = NULL;
    zmq_publisher_t zp = {0};
    if (endpoint) {
        ctx = zmq_ctx_new();
        if (!ctx || zmq_publisher_open(&zp, ctx, endpoint, &curve) != 0) rc = 2;
    }
    for (; i < argc && rc < 2; i++) {
        json_t *events = read_events(argv[i]);
        if (!events) {
            rc = 2;
            break;
        }
        size_t total = json_array_size(events);
        for (size_t from = 0; from < total && rc < 2; from += (size_t)batch) {
            size_t to = from + (size_t)batch < total ? from + (size_t)batch : total;
            rc = zp.sock ? publish_zmq(&zp, token, argv[i], events, from, to, &t)
                      : publish_http(url, token, argv[i], events, from, to, &t);
        }
        json_decref(events);
    }
    zmq_publisher_close(&zp);
    if (ctx) zmq_ctx_term(ctx);
    printf("%ld accepted, %ld duplicate, %ld rejected\n", t.accepted, t.duplicate, t.rejected);
    free(url);
    if (rc) return rc;
    return t.rejected ? 1 : 0;
}

/* --------------------------------------------------------------- notifications */

static int cmd_notifications(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) return command_usage(argv[0]);
    char *base = http_client_default_url("NOTIFY_HTTP_PORT", 8083, "/v1/notifications");
    const char *district = NULL, *audience = NULL;
    long wait_count = 0, timeout = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0) {
            free(base);
            base = strdup(argv[i + 1]);
        } else if (strcmp(argv[i], "--district") == 0) district = argv[i + 1];
        else if (strcmp(argv[i], "--audience") == 0) audience = argv[i + 1];
        else if (strcmp(argv[i], "--wait-count") == 0) wait_count = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0) timeout = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "jiuyectl notifications: unknown option %s\n", argv[i]);
            free(base);
            return 2;
        }
    }
    json_t *all = json_array();
    long long after = 0;
    time_t deadline = time(NULL) + timeout;
    int rc = 0;
    for (;;) {
        char url[512];
        snprintf(url, sizeof url, "%s?after=%lld&limit=1000%s%s%s%s", base, after, district ? "&district=" : "",
                 district ? district : "", audience ? "&audience=" : "", audience ? audience : "");
        http_client_buf_t out = {0};
        char err[512] = "";
        long status = http_client_call(url, NULL, NULL, &out, err, sizeof err);
        json_t *reply = status == 200 && out.data ? json_loads(out.data, 0, NULL) : NULL;
        free(out.data);
        if (!reply) {
            fprintf(stderr, "jiuyectl: %s: HTTP %ld %s\n", url, status, err);
            rc = 2;
            break;
        }
        json_t *list = json_object_get(reply, "notifications");
        json_array_extend(all, list);
        after = json_integer_value(json_object_get(reply, "next_after"));
        size_t got = json_array_size(list);
        json_decref(reply);
        if (got == 1000) continue;
        if ((long)json_array_size(all) >= wait_count) break;
        if (time(NULL) >= deadline) {
            fprintf(stderr, "jiuyectl: %zu notifications after %lds, expected %ld\n", json_array_size(all), timeout,
                    wait_count);
            rc = 1;
            break;
        }
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
    size_t k;
    json_t *n;
    json_array_foreach(all, k, n) {
        printf("#%lld [%s] %s\n    %s\n", (long long)json_integer_value(json_object_get(n, "id")),
               json_string_value(json_object_get(n, "district")), json_string_value(json_object_get(n, "title")),
               json_string_value(json_object_get(n, "body")));
    }
    printf("%zu notifications\n", json_array_size(all));
    json_decref(all);
    free(base);
    return rc;
}

/* --------------------------------------------------------------- policy */

/* Validate plan files exactly as the rules service loads them. */
static int cmd_policy(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) return command_usage(argv[0]);
    if (argc < 3 || strcmp(argv[1], "check") != 0) {
        usage(stderr);
        return 2;
    }
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        char err[512];
        policy_plan_t *plan = policy_plan_load(argv[i], err, sizeof err);
        if (!plan) {
            fprintf(stderr, "jiuyectl: %s\n", err);
            rc = 1;
            continue;
        }
        printf("%s: ok, plan %s, sha256 %s\n", argv[i], policy_plan_id(plan), policy_plan_sha256(plan));
        policy_plan_free(plan);
    }
    return rc;
}

int main(int argc, char **argv) {
    log_init("jiuyectl");
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--token") == 0) {
        if (argc < 4) {
            usage(stderr);
            return 2;
        }
        setenv("JIUYE_TOKEN", argv[2], 1);
        argc -= 2, argv += 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (strcmp(argv[1], "source") == 0) rc = cmd_source(argc - 1, argv + 1);
    else if (strcmp(argv[1], "publish") == 0) rc = cmd_publish(argc - 1, argv + 1);
    else if (strcmp(argv[1], "notifications") == 0) rc = cmd_notifications(argc - 1, argv + 1);
    else if (strcmp(argv[1], "policy") == 0) rc = cmd_policy(argc - 1, argv + 1);
    else if (strcmp(argv[1], "subscribe") == 0) rc = cmd_subscribe(argc - 1, argv + 1);
    else if (strcmp(argv[1], "keygen") == 0) rc = cmd_keygen(argc - 1, argv + 1);
    else if (strcmp(argv[1], "report") == 0) rc = cmd_report(argc - 1, argv + 1);
    else if (strcmp(argv[1], "trace") == 0) rc = cmd_trace(argc - 1, argv + 1);
    else if (strcmp(argv[1], "replay") == 0) rc = cmd_replay(argc - 1, argv + 1);
    else if (strcmp(argv[1], "staff") == 0) rc = cmd_staff(argc - 1, argv + 1);
    else if (strcmp(argv[1], "operator") == 0 || strcmp(argv[1], "auditor") == 0 || strcmp(argv[1], "metrics") == 0)
        rc = cmd_token(argc - 1, argv + 1);
    else if (strcmp(argv[1], "audit") == 0) rc = cmd_audit(argc - 1, argv + 1);
    else {
        fprintf(stderr, "jiuyectl: unknown command '%s'\n", argv[1]);
        usage(stderr);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
