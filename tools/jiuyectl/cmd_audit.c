/* cmd_audit.c: `jiuyectl audit` (see commands.h): the access log, read the way an
 * auditor reads it, through notify's GET /v1/audit with their token. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "http_client.h"

static void audit_usage(FILE *out) {
    fputs("usage: jiuyectl audit [--subject CERT_NO] [--who NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL]\n"
          "  the access log (an auditor's token in JIUYE_TOKEN or jiuyectl --token T audit ...)\n"
          "  --url URL    default http://127.0.0.1:NOTIFY_HTTP_PORT/v1/audit (8083)\n",
          out);
}

/* "&key=<encoded value>" appended to q (len bytes); 0 or -1 when it does not fit. */
static int add_param(char *q, size_t len, const char *key, const char *value) {
    if (!value) return 0;
    char *enc = curl_easy_escape(NULL, value, 0);
    if (!enc) return -1;
    size_t at = strlen(q);
    int n = snprintf(q + at, len - at, "&%s=%s", key, enc);
    curl_free(enc);
    return n < 0 || (size_t)n >= len - at ? -1 : 0;
}

int cmd_audit(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        audit_usage(stdout);
        return 0;
    }
    const char *subject = NULL, *who = NULL, *from = NULL, *to = NULL, *url = NULL;
    for (int i = 1; i < argc; i += 2) {
        const char **slot = strcmp(argv[i], "--subject") == 0 ? &subject
                            : strcmp(argv[i], "--who") == 0   ? &who
                            : strcmp(argv[i], "--from") == 0  ? &from
                            : strcmp(argv[i], "--to") == 0    ? &to
                            : strcmp(argv[i], "--url") == 0   ? &url
                                                              : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "jiuyectl audit: unknown option or missing value: %s\n", argv[i]);
            audit_usage(stderr);
            return 2;
        }
        *slot = argv[i + 1];
    }
    char *base = url ? strdup(url) : http_client_default_url("NOTIFY_HTTP_PORT", 8083, "/v1/audit");
    char filters[1024] = "";
    if (!base || add_param(filters, sizeof filters, "subject", subject) != 0 ||
        add_param(filters, sizeof filters, "who", who) != 0 || add_param(filters, sizeof filters, "from", from) != 0 ||
        add_param(filters, sizeof filters, "to", to) != 0) {
        fprintf(stderr, "jiuyectl audit: the filters are too long\n");
        free(base);
        return 2;
    }
    long long after = 0, total = 0;
    int rc = 0;
    for (;;) {
        char q[2048];
        snprintf(q, sizeof q, "%s?after=%lld&limit=1000%s", base, after, filters);
        http_client_buf_t out = {0};
        char err[512] = "";
        long status = http_client_call(q, NULL, NULL, &out, err, sizeof err);
        json_t *reply = out.data ? json_loads(out.data, 0, NULL) : NULL;
        free(out.data);
        if (status != 200 || !reply) {
            const char *msg = json_string_value(json_object_get(reply, "error"));
            fprintf(stderr, "jiuyectl audit: HTTP %ld: %s\n", status, msg ? msg : err);
            json_decref(reply);
            rc = status == 400 ? 2 : 1;
            break;
        }
        json_t *list = json_object_get(reply, "entries"), *e;
        size_t k;
        json_array_foreach(list, k, e) {
            printf("%s %s (%s) %s %s %s", json_string_value(json_object_get(e, "at")),
                   json_string_value(json_object_get(e, "who")), json_string_value(json_object_get(e, "role")),
                   json_string_value(json_object_get(e, "service")), json_string_value(json_object_get(e, "method")),
                   json_string_value(json_object_get(e, "route")));
            json_t *s;
            size_t j;
            json_array_foreach(json_object_get(e, "subjects"), j, s) printf("%s%s", j ? "," : " ", json_string_value(s));
            printf("\n");
        }
        total += (long long)json_array_size(list);
        after = json_integer_value(json_object_get(reply, "next_after"));
        size_t got = json_array_size(list);
        json_decref(reply);
        if (got < 1000) break;
    }
    if (rc == 0) printf("%lld entries\n", total);
    free(base);
    return rc;
}
