/* http_decisions.h: the decisions API of the rules service. arg is the svc_t. */
#ifndef JIUYE_RULES_HTTP_DECISIONS_H
#define JIUYE_RULES_HTTP_DECISIONS_H

#include <event2/http.h>

#include "access.h"

void http_decisions(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
