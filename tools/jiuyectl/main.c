/* jiuyectl: the operator's command-line tool.
 *
 *   jiuyectl source add NAME                 create an upstream source, print its token
 *   jiuyectl publish [--url U] [--token T] FILE...
 *                                            send JSON / NDJSON events to intake, print each result
 *   jiuyectl notifications [--url U] [--district D] [--audience A]
 *                          [--wait-count N] [--timeout S]
 *                                            print what staff received
 *
 * Configuration from the environment like the services: JIUYE_DB for the
 * database, INTAKE_HTTP_PORT / NOTIFY_HTTP_PORT for the default URLs,
 * JIUYE_TOKEN for publish. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ident.h"
#include "log.h"
#include "money.h"
#include "pg.h"
#include "sources.h"
#include "token.h"

#define PUBLISH_CHUNK 1000 /* intake's per-request limit */

static void usage(FILE *out) {
    fputs("usage:\n"
          "  jiuyectl source add NAME\n"
          "  jiuyectl publish [--url URL] [--token TOKEN] FILE...\n"
          "  jiuyectl notifications [--url URL] [--district CODE] [--audience CODE] [--wait-count N] [--timeout S]\n"
          "  jiuyectl --help\n",
          out);
}

/* --------------------------------------------------------------- HTTP */

typedef struct buf {
    char *data;
    size_t len;
} buf_t;

static size_t collect(char *ptr, size_t size, size_t n, void *arg) {
    buf_t *b = arg;
    size_t add = size * n;
    if (b->len + add > 64 * 1024 * 1024) return 0;
    char *grown = realloc(b->data, b->len + add + 1);
    if (!grown) return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* GET or POST url; returns the HTTP status (0 on transport failure) and the body in *out. */
static long http_call(const char *url, const char *token, const char *body, buf_t *out, char *err, size_t errlen) {
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char auth[128];
    long status = 0;
    if (!c) return 0;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static char *default_url(const char *port_env, int port, const char *path) {
    char *url = malloc(128);
    if (url) snprintf(url, 128, "http://127.0.0.1:%ld%s", config_int(port_env, port, 1, 65535), path);
    return url;
}

/* --------------------------------------------------------------- source */

static int cmd_source(int argc, char **argv) {
    if (argc != 3 || strcmp(argv[1], "add") != 0) {
        usage(stderr);
        return 2;
    }
    PGconn *pg = pg_connect("jiuye_intake", "INTAKE_DB_PASSWORD", "jiuyectl", NULL);
    if (!pg) return 1;
    char token[TOKEN_LEN + 1], err[256];
    int rc = 0;
    if (sources_add(pg, argv[2], token, err, sizeof err) != 0) {
        fprintf(stderr, "jiuyectl: cannot add source: %s\n", err);
        rc = 1;
    } else {
        printf("%s\n", token);
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

static int cmd_publish(int argc, char **argv) {
    const char *token = config_str("JIUYE_TOKEN", NULL);
    char *url = default_url("INTAKE_HTTP_PORT", 8080, "/v1/events");
    int i = 1, rc = 0;
    long accepted = 0, duplicate = 0, rejected = 0;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc) break;
        if (strcmp(argv[i], "--url") == 0) {
            free(url);
            url = strdup(argv[i + 1]);
        } else if (strcmp(argv[i], "--token") == 0) {
            token = argv[i + 1];
        } else {
            fprintf(stderr, "jiuyectl publish: unknown option %s\n", argv[i]);
            free(url);
            return 2;
        }
    }
    if (i >= argc || !token) {
        fprintf(stderr, "jiuyectl publish: need a token (--token or JIUYE_TOKEN) and at least one FILE\n");
        free(url);
        return 2;
    }
    for (; i < argc && rc < 2; i++) {
        json_t *events = read_events(argv[i]);
        if (!events) {
            rc = 2;
            break;
        }
        for (size_t from = 0; from < json_array_size(events) && rc < 2; from += PUBLISH_CHUNK) {
            json_t *chunk = json_array();
            for (size_t k = from; k < from + PUBLISH_CHUNK && k < json_array_size(events); k++)
                json_array_append(chunk, json_array_get(events, k));
            char *body = json_dumps(chunk, JSON_COMPACT);
            json_decref(chunk);
            buf_t out = {0};
            char err[512] = "";
            long status = http_call(url, token, body, &out, err, sizeof err);
            free(body);
            json_t *reply = out.data ? json_loads(out.data, 0, NULL) : NULL;
            if (status != 200 || !reply) {
                const char *msg = json_string_value(json_object_get(reply, "error"));
                fprintf(stderr, "jiuyectl: %s: HTTP %ld: %s\n", argv[i], status, msg ? msg : (err[0] ? err : "no reply"));
                rc = 2;
            } else {
                size_t k;
                json_t *r;
                json_array_foreach(json_object_get(reply, "results"), k, r) {
                    const char *st = json_string_value(json_object_get(r, "status"));
                    const char *id = json_string_value(json_object_get(r, "event_id"));
                    const char *e = json_string_value(json_object_get(r, "error"));
                    printf("%-9s %s%s%s\n", st ? st : "?", id ? id : "(no event_id)", e ? "  " : "", e ? e : "");
                    if (st && strcmp(st, "accepted") == 0) accepted++;
                    else if (st && strcmp(st, "duplicate") == 0) duplicate++;
                    else rejected++;
                }
            }
            json_decref(reply);
            free(out.data);
        }
        json_decref(events);
    }
    printf("%ld accepted, %ld duplicate, %ld rejected\n", accepted, duplicate, rejected);
    free(url);
    if (rc) return rc;
    return rejected ? 1 : 0;
}

/* --------------------------------------------------------------- notifications */

static int cmd_notifications(int argc, char **argv) {
    char *base = default_url("NOTIFY_HTTP_PORT", 8083, "/v1/notifications");
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
        buf_t out = {0};
        char err[512] = "";
        long status = http_call(url, NULL, NULL, &out, err, sizeof err);
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

int main(int argc, char **argv) {
    log_init("jiuyectl");
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (strcmp(argv[1], "source") == 0) rc = cmd_source(argc - 1, argv + 1);
    else if (strcmp(argv[1], "publish") == 0) rc = cmd_publish(argc - 1, argv + 1);
    else if (strcmp(argv[1], "notifications") == 0) rc = cmd_notifications(argc - 1, argv + 1);
    else {
        fprintf(stderr, "jiuyectl: unknown command '%s'\n", argv[1]);
        usage(stderr);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
