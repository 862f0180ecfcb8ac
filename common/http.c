/* http.c: evhttp helpers (see http.h). */
#include "http.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void http_reply_text(struct evhttp_request *req, int code, const char *content_type, const char *text, size_t len) {
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, text, len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
    evhttp_send_reply(req, code, NULL, buf);
    evbuffer_free(buf);
}

void http_reply_json(struct evhttp_request *req, int code, json_t *body) {
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        http_reply_text(req, 500, "application/json", "{\"error\":\"encoding failed\"}", 27);
        return;
    }
    size_t len = strlen(text);
    char *with_nl = realloc(text, len + 2);
    if (with_nl) {
        text = with_nl;
        text[len++] = '\n';
        text[len] = '\0';
    }
    http_reply_text(req, code, "application/json; charset=utf-8", text, len);
    free(text);
}

/* Replace with '?' every byte of s that does not start a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), as jansson
 * refuses to encode such a string. An error that quotes a caller's value cut at a byte
 * count ("'%.8s'") can end mid-character, and the caller may have sent any bytes. */
static void utf8_scrub(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
        unsigned long cp = n == 2 ? p[0] & 0x1fu : n == 3 ? p[0] & 0x0fu : p[0] & 0x07u;
        size_t i = 1;
        for (; i < n && (p[i] & 0xc0) == 0x80; i++) cp = cp << 6 | (p[i] & 0x3fu);
        int ok = n == 1 || (n > 1 && i == n && cp >= (n == 2 ? 0x80ul : n == 3 ? 0x800ul : 0x10000ul) &&
                            cp <= 0x10fffful && (cp < 0xd800ul || cp > 0xdffful));
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

void http_reply_error(struct evhttp_request *req, int code, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_scrub(msg);
    http_reply_json(req, code, json_pack("{s:s}", "error", msg));
}

char *http_query(struct evhttp_request *req, const char *name) {
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    if (!q) return NULL;
    struct evkeyvalq params;
    if (evhttp_parse_query_str(q, &params) != 0) return NULL;
    const char *v = evhttp_find_header(&params, name);
    char *out = v ? strdup(v) : NULL;
    evhttp_clear_headers(&params);
    return out;
}

char *http_body(struct evhttp_request *req, size_t *len) {
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    evbuffer_copyout(in, out, n);
    out[n] = '\0';
    *len = n;
    return out;
}

char *http_path(struct evhttp_request *req) {
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *p = uri ? evhttp_uri_get_path(uri) : NULL;
    return strdup(p && *p ? p : "/");
}
