/* web_static.c: the console's files from a fixed table (see web_static.h). */
#include "web_static.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "token.h"

/* Every path the console is served under: data, not code. */
static const struct {
    const char *path; /* exact request path */
    const char *file; /* under the web dir */
    const char *type;
} web_files[] = {
    {"/console/", "index.html", "text/html; charset=utf-8"},
    {"/console/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/console/style.css", "style.css", "text/css; charset=utf-8"},
    {"/console/print.css", "print.css", "text/css; charset=utf-8"},
    {"/console/favicon.svg", "favicon.svg", "image/svg+xml"},
};
#define N_WEB_FILES (sizeof web_files / sizeof *web_files)

struct web_static {
    char *body[N_WEB_FILES]; /* NULL: not loaded */
    size_t len[N_WEB_FILES];
    char etag[N_WEB_FILES][36]; /* "\"" + 32 hex + "\"" */
};

static int index_of(const char *path) {
    for (size_t i = 0; i < N_WEB_FILES; i++)
        if (strcmp(web_files[i].path, path) == 0) return (int)i;
    return -1;
}

const char *web_static_file_for(const char *path) {
    int i = path ? index_of(path) : -1;
    return i < 0 ? NULL : web_files[i].file;
}

/* Read at most WEB_MAX_FILE bytes of dir/name into *body. Returns 0 or -1 (logged). */
static int read_file(const char *dir, const char *name, char **body, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        log_warn("console: cannot read %s: the console answers 404 for it", path);
        return -1;
    }
    char *buf = malloc(WEB_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, WEB_MAX_FILE + 1, f) : 0;
    int bad = !buf || ferror(f) || n > WEB_MAX_FILE;
    fclose(f);
    if (bad) {
        log_warn("console: %s is unreadable or larger than %d bytes", path, WEB_MAX_FILE);
        free(buf);
        return -1;
    }
    *body = buf;
    *len = n;
    return 0;
}

web_static_t *web_static_load(const char *dir) {
    web_static_t *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    for (size_t i = 0; i < N_WEB_FILES; i++) {
        if (read_file(dir, web_files[i].file, &w->body[i], &w->len[i]) != 0) continue;
        uint8_t d[32];
        char hex[65];
        sha256(w->body[i], w->len[i], d);
        hex_encode(d, 16, hex);
        snprintf(w->etag[i], sizeof w->etag[i], "\"%.32s\"", hex);
    }
    log_info("console: %zu of %zu files loaded from %s", web_static_loaded(w), N_WEB_FILES, dir);
    return w;
}

size_t web_static_loaded(const web_static_t *w) {
    size_t n = 0;
    for (size_t i = 0; i < N_WEB_FILES; i++) n += w->body[i] != NULL;
    return n;
}

void web_security_headers(struct evhttp_request *req) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Security-Policy", WEB_CSP);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
}

static void redirect(struct evhttp_request *req) {
    web_security_headers(req);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/console/");
    http_reply_text(req, 302, "text/plain; charset=utf-8", "/console/\n", 10);
}

void web_static_handle(struct evhttp_request *req, void *arg) {
    web_static_t *w = arg;
    char *path = http_path(req);
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    int i = index_of(path);
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
        http_reply_error(req, 405, "the console is read with GET");
    } else if (strcmp(path, "/") == 0 || strcmp(path, "/console") == 0) {
        redirect(req);
    } else if (i < 0 || !w->body[i]) {
        web_security_headers(req);
        http_reply_error(req, 404, "no such resource: %.200s", path);
    } else {
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
        web_security_headers(req);
        evhttp_add_header(h, "Cache-Control", "no-cache");
        evhttp_add_header(h, "ETag", w->etag[i]);
        if (inm && strcmp(inm, w->etag[i]) == 0) {
            evhttp_send_reply(req, 304, "Not Modified", NULL);
        } else {
            http_reply_text(req, 200, web_files[i].type, w->body[i], w->len[i]);
        }
    }
    free(path);
}

void web_static_destroy(web_static_t **wp) {
    web_static_t *w = *wp;
    if (!w) return;
    for (size_t i = 0; i < N_WEB_FILES; i++) free(w->body[i]);
    free(w);
    *wp = NULL;
}
