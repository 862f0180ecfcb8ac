/* date.h: calendar dates (Asia/Shanghai) as day numbers.
 *
 * The suite reasons in calendar dates, never in instants: a date is the number
 * of days since 1970-01-01 in the proleptic Gregorian calendar, so that
 * differences and comparisons are plain integer arithmetic. "Today" is the
 * Asia/Shanghai date (UTC+8, no daylight saving) unless JIUYE_TODAY=YYYY-MM-DD
 * fixes it for tests and demos. */
#ifndef JIUYE_DATE_H
#define JIUYE_DATE_H

#include <stdint.h>

typedef int32_t jdate_t;

#define DATE_STRLEN 11 /* "YYYY-MM-DD" and its NUL */

/* Parse a strict "YYYY-MM-DD" (exactly 10 characters, a real date, years
 * 1900-2199). Returns 0 and sets *out, or -1 and leaves *out untouched. */
int date_parse(const char *s, jdate_t *out) __attribute__((warn_unused_result));

/* Build a date from its parts. Returns 0, or -1 when the parts are not a real date. */
int date_from_ymd(int y, int m, int d, jdate_t *out) __attribute__((warn_unused_result));

/* Split a date into year, month (1-12) and day (1-31); any pointer may be NULL. */
void date_to_ymd(jdate_t date, int *y, int *m, int *d);

/* Write "YYYY-MM-DD" into out (at least DATE_STRLEN bytes); returns out. */
char *date_format(jdate_t date, char *out);

/* The calendar year of date (date_to_ymd's y). */
int date_year(jdate_t date);

/* The same day n months later (n may be negative); a day that the target month
 * lacks becomes its last day (2024-02-29 + 12 months = 2025-02-28). */
jdate_t date_add_months(jdate_t date, int n);

/* First and last day of the month that contains date. */
jdate_t date_month_first(jdate_t date);
jdate_t date_month_last(jdate_t date);

/* Full years from birth to on (the age on that date); negative when on < birth. */
int date_full_years(jdate_t birth, jdate_t on);

/* The suite's today: JIUYE_TODAY when set and valid, else the Asia/Shanghai date. */
jdate_t date_today(void);

#endif
