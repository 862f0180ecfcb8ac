/* http.h: small helpers over libevent's evhttp for the JSON APIs. */
#ifndef JIUYE_HTTP_H
#define JIUYE_HTTP_H

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>

/* Send body (stolen: freed here) as application/json with status code. */
void http_reply_json(struct evhttp_request *req, int code, json_t *body);

/* Send {"error": "<message>"} with status code. Bytes of the message that are not
 * UTF-8 (a quoted value cut mid-character, or sent so) go out as '?'. */
void http_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Send text with a content type. */
void http_reply_text(struct evhttp_request *req, int code, const char *content_type, const char *text, size_t len);

/* The decoded value of query parameter name, or NULL. Caller frees. */
char *http_query(struct evhttp_request *req, const char *name);

/* The request body as one contiguous block (NUL-terminated copy, caller frees)
 * and its length in *len; NULL when out of memory. */
char *http_body(struct evhttp_request *req, size_t *len);

/* The path of the request URI without the query ("/v1/events"); caller frees. */
char *http_path(struct evhttp_request *req);

#endif
