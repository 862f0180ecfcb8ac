/* date.c: calendar dates as day numbers (see date.h).
 *
 * A jdate_t is the number of days since 1970-01-01 in the proleptic
 * Gregorian calendar. The conversions use the era-based algorithms of
 * H. Hinnant ("chrono-compatible low-level date algorithms"): an era is 400
 * years (146097 days) and years are counted from March so that the leap day
 * falls at the end of the year. They are exact for every int32 day number
 * whose year fits in an int.
 *
 * "Today" is JIUYE_TODAY when it holds a valid date, else the calendar date
 * at UTC+8 (Asia/Shanghai has had no daylight saving since 1991). */
#include "date.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DATE_MIN_PARSE_YEAR 1900
#define DATE_MAX_PARSE_YEAR 2199
#define SHANGHAI_UTC_OFFSET_S (8 * 3600)

static int is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1-12) of year y. */
static int month_days(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(m >= 1 && m <= 12);
    return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

/* Day number of a valid (y, m, d); no range check. */
static jdate_t days_from_civil(int y, int m, int d) {
    long yy = (long)y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;                                  /* [0, 399] */
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return (jdate_t)(era * 146097 + doe - 719468);
}

void date_to_ymd(jdate_t date, int *y, int *m, int *d) {
    long z = (long)date + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;                                     /* [0, 146096] */
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
    long mp = (5 * doy + 2) / 153;                                   /* [0, 11] */
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    int yy = (int)(yoe + era * 400 + (mm <= 2));
    if (y) *y = yy;
    if (m) *m = mm;
    if (d) *d = dd;
}

/* Years 1..9999 are accepted so that every date can be formatted in 4 digits. */
int date_from_ymd(int y, int m, int d, jdate_t *out) {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
    if (out) *out = days_from_civil(y, m, d);
    return 0;
}

/* Value of n ASCII digits at s, or -1 if any is not a digit. */
static int parse_digits(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int date_parse(const char *s, jdate_t *out) {
    if (!s) return -1;
    /* Check the exact shape first: reading s[k] is safe because we stop at the NUL. */
    for (int i = 0; i < 10; i++) {
        if (s[i] == '\0') return -1;
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return -1;
    }
    if (s[10] != '\0') return -1;
    int y = parse_digits(s, 4), m = parse_digits(s + 5, 2), d = parse_digits(s + 8, 2);
    if (y < DATE_MIN_PARSE_YEAR || y > DATE_MAX_PARSE_YEAR) return -1;
    jdate_t v;
    if (date_from_ymd(y, m, d, &v) != 0) return -1;
    *out = v;
    return 0;
}

/* Writes "YYYY-MM-DD" by hand; years outside 0..9999 are a programmer error. */
char *date_format(jdate_t date, char *out) {
    int y, m, d;
    assert(out);
    date_to_ymd(date, &y, &m, &d);
    assert(y >= 0 && y <= 9999);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
    return out;
}

int date_year(jdate_t date) {
    int y;
    date_to_ymd(date, &y, NULL, NULL);
    return y;
}

jdate_t date_add_months(jdate_t date, int n) {
    int y, m, d;
    date_to_ymd(date, &y, &m, &d);
    long total = (long)y * 12 + (m - 1) + n;
    long ny = total >= 0 ? total / 12 : (total - 11) / 12;
    int nm = (int)(total - ny * 12) + 1;
    int last = month_days((int)ny, nm);
    return days_from_civil((int)ny, nm, d > last ? last : d);
}

jdate_t date_month_first(jdate_t date) {
    int y, m;
    date_to_ymd(date, &y, &m, NULL);
    return days_from_civil(y, m, 1);
}

jdate_t date_month_last(jdate_t date) {
    int y, m;
    date_to_ymd(date, &y, &m, NULL);
    return days_from_civil(y, m, month_days(y, m));
}

/* The largest n with date_add_months(birth, 12 * n) <= on. This follows the
 * anniversary convention of docs/policy.md §3: someone born on 29 February has a
 * birthday on 28 February in common years. Negative (floored) when on < birth. */
int date_full_years(jdate_t birth, jdate_t on) {
    int n = date_year(on) - date_year(birth);
    while (date_add_months(birth, 12 * n) > on) n--;
    while (date_add_months(birth, 12 * (n + 1)) <= on) n++;
    return n;
}

jdate_t date_today(void) {
    static atomic_int warned;
    const char *env = getenv("JIUYE_TODAY");
    if (env) {
        jdate_t d;
        if (date_parse(env, &d) == 0) return d;
        if (!atomic_exchange(&warned, 1))
            fprintf(stderr, "warning: JIUYE_TODAY is not a valid YYYY-MM-DD date; "
                            "using the Asia/Shanghai date\n");
    }
    time_t now = time(NULL);
    assert(now != (time_t)-1);
    long long s = (long long)now + SHANGHAI_UTC_OFFSET_S;
    long long days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    return (jdate_t)days;
}
