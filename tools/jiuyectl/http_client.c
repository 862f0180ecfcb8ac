/* http_client.c: jiuyectl's HTTP calls (see http_client.h). */
#include "http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static size_t collect(char *ptr, size_t size, size_t n, void *arg) {
    http_client_buf_t *b = arg;
    size_t add = size * n;
    if (b->len + add > HTTP_CLIENT_MAX_BODY) return 0;
    char *grown = realloc(b->data, b->len + add + 1);
    if (!grown) return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

long http_client_call(const char *url, const char *token, const char *body, http_client_buf_t *out, char *err,
                      size_t errlen) {
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char auth[128];
    long status = 0;
    if (!c) return 0;
    if (!token) token = getenv("JIUYE_TOKEN"); /* the caller's own: an operator's, an auditor's */
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

char *http_client_default_url(const char *port_env, int port, const char *path) {
    char *url = malloc(128);
    if (url) snprintf(url, 128, "http://127.0.0.1:%ld%s", config_int(port_env, port, 1, 65535), path);
    return url;
}
