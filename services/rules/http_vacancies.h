/* http_vacancies.h: the public vacancy feed and the vacancy KPI of the rules
 * service (plan 二(三)10: collect and publish vacancies suitable for persons
 * with disabilities, fit people to posts, through the 网上残疾人之家 platform
 * and social media).
 *
 * GET /v1/vacancies?district=&category=[&format=json|atom]
 *   The vacancies open on the suite's today (not closed, open_until >= today),
 *   newest first, at most VACANCY_FEED_MAX. JSON by default; an Atom feed
 *   (RFC 4287, application/atom+xml; charset=utf-8) when format=atom or the
 *   Accept header names application/atom+xml. Public: it holds what the
 *   employer published and nothing about any person (no shortlist, cert_no or
 *   name ever leaves through it). 400 for an unknown district, a category
 *   outside 1-7 or an unknown format.
 *
 * GET /v1/vacancies/kpi?year=[&district=]
 *   For one district or the whole city, the year and cumulatively up to it:
 *   vacancies and positions collected (by posted_on), and positions filled
 *   after a match (by the start date of the job). A position is filled after
 *   a match when a person R17 shortlisted for the vacancy starts a job at its
 *   employer within VACANCY_MATCH_WINDOW_DAYS of their first shortlisting
 *   (rules.vacancy_matches); each person counts once per vacancy, one job
 *   fills at most one vacancy (the one they were matched to first), and a
 *   vacancy never counts more fills than its positions.
 *
 * Both handlers take the service's svc_t as arg (its pg) and answer 503 when the
 * database does not. */
#ifndef JIUYE_RULES_HTTP_VACANCIES_H
#define JIUYE_RULES_HTTP_VACANCIES_H

#include <event2/http.h>

#include "access.h"
#include "svc.h"

#define VACANCY_FEED_MAX 1000        /* entries per response; "truncated" says when more are open */
#define VACANCY_MATCH_WINDOW_DAYS 90 /* a job started within this many days after the first match counts */

/* The route handlers of the two GETs above (svc_route_fn), on the loop
 * thread: each answers req itself (400 naming the field, 405 for another
 * method, 503 when the database fails); who is unused (public routes). */
void http_vacancies(struct evhttp_request *req, const access_who_t *who, void *arg);
void http_vacancies_kpi(struct evhttp_request *req, const access_who_t *who, void *arg);

#endif
