/* http_client.h: jiuyectl's HTTP calls to the services (libcurl), shared by
 * its commands (main.c, cmd_report.c).
 *
 * A response body is collected into a growing buffer capped at
 * HTTP_CLIENT_MAX_BODY; curl_global_init() is the caller's (main()). */
#ifndef JIUYE_JIUYECTL_HTTP_CLIENT_H
#define JIUYE_JIUYECTL_HTTP_CLIENT_H

#include <stddef.h>

#define HTTP_CLIENT_MAX_BODY (64 * 1024 * 1024)

typedef struct http_client_buf {
    char *data; /* NUL-terminated, malloc'd: the caller frees it */
    size_t len;
} http_client_buf_t;

/* GET url, or POST body (JSON) when body is not NULL, with a bearer token:
 * token, or when NULL the environment's JIUYE_TOKEN (jiuyectl --token sets it). Returns the HTTP status, or 0 on a transport failure
 * (err says why); the body is appended to *out. */
long http_client_call(const char *url, const char *token, const char *body, http_client_buf_t *out, char *err,
                      size_t errlen);

/* "http://127.0.0.1:<port from port_env, else port><path>" (malloc'd; caller frees), or NULL. */
char *http_client_default_url(const char *port_env, int port, const char *path);

#endif
