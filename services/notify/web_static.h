/* web_static.h: the console's static files (services/notify/web/), served by notify.
 *
 * What may be served is a fixed table of URL paths, each naming its file, type and
 * cache policy; a request path is compared with the table byte for byte, so no
 * request ever names a file: "/console/../x", "/console/%2e%2e/x" or
 * "/console/app.js/" are simply not in the table (404). The files are read once at
 * start (at most WEB_MAX_FILE bytes each) from NOTIFY_WEB_DIR (default
 * services/notify/web); a missing directory or file is logged and its paths answer
 * 404, the APIs are unaffected.
 *
 * Every answer carries Content-Type, Cache-Control (no-cache, with an ETag for
 * revalidation: the console changes with the service), X-Content-Type-Options
 * nosniff, Referrer-Policy no-referrer and the strict WEB_CSP below: scripts, styles
 * and connections from this origin only, no inline script or style, no frames. */
#ifndef JIUYE_NOTIFY_WEB_STATIC_H
#define JIUYE_NOTIFY_WEB_STATIC_H

#include <event2/http.h>
#include <stddef.h>

#define WEB_MAX_FILE (1024 * 1024)
#define WEB_CSP                                                                                                 \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "         \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

typedef struct web_static web_static_t;

/* The table entry for request path (without query), or NULL when path is not served.
 * Pure: the unit tests call it. Returns the file name relative to the web dir. */
const char *web_static_file_for(const char *path);

/* Load every file of the table from dir. Never NULL unless out of memory; files
 * that cannot be read are logged and answer 404. Caller owns the result. */
web_static_t *web_static_load(const char *dir);

/* How many files of the table were loaded. */
size_t web_static_loaded(const web_static_t *w);

/* Serve req from w's table (the console's route for the static paths calls it on
 * the loop thread; arg: the web_static_t): the table's paths with GET or HEAD;
 * "/" and "/console" redirect to "/console/". */
void web_static_handle(struct evhttp_request *req, void *arg);

/* Add the security headers every console answer carries (CSP, nosniff, referrer,
 * frame options) to req's output headers. */
void web_security_headers(struct evhttp_request *req);

/* Accepts NULL, nulls the pointer. */
void web_static_destroy(web_static_t **w);

#endif
