/* kpi.h: the plan targets of docs/policy.md §4, counted from the decisions the
 * subsidy service settles (GET /v1/kpi, the November-10 annual report).
 *
 * The service reads no other schema: every decision it settles is recorded in
 * subsidy.decisions in the transaction of its awards (settled.h), with its
 * facts and the few event fields the targets need. Counting takes, per event
 * and rule, the latest decision recorded (a pending decision decided later
 * counts once, as decided). What the decisions carry decides what can be
 * counted; a target whose facts never reach this service is reported with a
 * null figure and a "source" saying why, never with an invented number:
 *
 *   target                          counted from
 *   net employed increase           every employment.started / employment.ended (rules
 *                                   forwards each, decided on or not; kpi_record_employment):
 *                                   distinct persons started minus distinct persons ended
 *   training person-times           R01 decisions of any outcome but not_in_force / pending
 *   blind massage trained           R02 info decisions
 *   public-welfare posts            R04 eligible decisions on employment.started
 *   graduates served                graduate.registered wanting a job (R05 decisions, the
 *                                   event's wants_job) minus those R16 found without
 *                                   guidance within 30 days
 *   graduates employed              graduates wanting a job (as above) who have an
 *                                   employment.started
 *   demo sites                      null: no event reports them
 *   vacancies / filled after match  null here: the rules service counts them
 *                                   (GET /v1/vacancies/kpi), and the figure says so
 *   district organs at 1.5 %        R09/R10 facts (counted, staff_count) of organs and
 *                                   institutions of the district, latest report per unit */
#ifndef JIUYE_SUBSIDY_KPI_H
#define JIUYE_SUBSIDY_KPI_H

#include <jansson.h>
#include <libpq-fe.h>

#include "decisions.pb-c.h"

/* Every target with its figure for year (and cumulatively up to it), for one
 * district or the whole city (district NULL), and the money behind it: the
 * awards of the year by program (granted, refused, waiting_budget and
 * reversal counts; net granted and waiting fen and yuan) and their totals.
 *   {"year", "district", "district_name",
 *    "targets": [{"id", "title", "clause", "goal", "goal_text", "unit",
 *                 "actual", "cumulative", "source", ...}],
 *    "awards": [{"program", "title", "granted", "refused", "waiting_budget",
 *                "reversals", "granted_fen", "granted_yuan", "waiting_fen",
 *                "waiting_yuan"}], "award_totals": {...}}
 * Counts are integers; percentages are decimal strings ("1.50"), as money is
 * never a float. Returns a new JSON object (caller owns), or NULL when the
 * database does not answer. */
json_t *kpi_report(PGconn *pg, int year, const char *district);

/* The count targets of year month by month, each figure as it stood at the end of the
 * month (facts dated up to that day; null for months after the suite's today):
 *   {"months": ["2024-01", ...12], "series": {"training_person_times": [n|null x12], ...}}
 * The line a progress chart draws. Returns a new object (caller owns), or NULL when the
 * database does not answer. */
json_t *kpi_monthly(PGconn *pg, int year, const char *district);

/* Keep a job start or end (ev) for the employment targets, inside the open
 * transaction; other events are ignored, a repeated one changes nothing.
 * Returns 0 or -1. */
int kpi_record_employment(PGconn *pg, const Jiuye__Event *ev) __attribute__((warn_unused_result));

#endif
