/* http_decisions.h: the decisions API of the rules service. arg is the PGconn. */
#ifndef JIUYE_RULES_HTTP_DECISIONS_H
#define JIUYE_RULES_HTTP_DECISIONS_H

#include <event2/http.h>

void http_decisions(struct evhttp_request *req, void *arg);

#endif
