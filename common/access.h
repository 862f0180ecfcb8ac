/* access.h: who is calling, what their role lets them do, and the record of
 * every look at a person's data.
 *
 * Every route of every service names the roles that may call it per method
 * (svc.h's route tables); a caller is a principal found by the SHA-256 of the
 * bearer token they send, in access.principals (migration 016: sources, staff
 * and the operator, auditor and metrics tokens, each with its expiry and
 * revocation). The table is read on every call, never cached, so a revoked or
 * expired token stops working at once.
 *
 * The access log (audit.access_log) gets one row per answer that shows a
 * person's data, written before the answer is sent: no row, no answer.
 *
 * The throttle: an address that sent max_failures (JIUYE_AUTH_MAX_FAILURES,
 * ACCESS_MAX_FAILURES by default) unknown tokens within
 * ACCESS_WINDOW_S seconds is answered 429 for ACCESS_WINDOW_S seconds. It lives
 * in process memory (per service instance), ACCESS_THROTTLE_SLOTS addresses at
 * most: when full, the address not heard of for longest is forgotten. */
#ifndef JIUYE_ACCESS_H
#define JIUYE_ACCESS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <time.h>

/* Roles, as bits of a route's rule. ACCESS_PUBLIC means "no token needed" and
 * stands alone; ACCESS_TICKET marks a route whose handler authenticates the
 * caller itself (the console's stream, by a ticket cookie: an EventSource cannot
 * send an Authorization header). */
enum {
    ACCESS_PUBLIC = 1u << 0,
    ACCESS_SOURCE = 1u << 1,
    ACCESS_STAFF = 1u << 2,
    ACCESS_OPERATOR = 1u << 3,
    ACCESS_AUDITOR = 1u << 4,
    ACCESS_METRICS = 1u << 5,
    ACCESS_TICKET = 1u << 6,
};
#define ACCESS_ALL_BITS 0x7fu

#define ACCESS_MAX_FAILURES 10
#define ACCESS_WINDOW_S 60
#define ACCESS_THROTTLE_SLOTS 4096

/* The caller of a request. role is one ACCESS_* bit (0: nobody, on a public
 * route); district and department are a staff member's scope, "" otherwise. */
typedef struct access_who {
    unsigned role;
    long long id; /* notify.staff.staff_id for staff, access.tokens.token_id for the new roles, 0 for sources */
    char name[72];
    char district[8];
    char department[24];
} access_who_t;

/* The name of one role bit ("staff"), or NULL when bit is not exactly one role. */
const char *access_role_name(unsigned bit);

/* The bit of a role name ("operator" -> ACCESS_OPERATOR), or 0 if unknown. */
unsigned access_role_bit(const char *name);

/* The roles of rule as "public" or "staff,operator" into out. Returns out. */
char *access_rule_text(unsigned rule, char *out, size_t len);

/* The token of an Authorization header value "Bearer <token>" (scheme
 * case-insensitive), or NULL when absent, another scheme, or not the shape of a
 * token ("jy_" and 64 lower-case hex digits). Points into header. */
const char *access_bearer(const char *header);

/* The active principal (not revoked, not expired) whose token is token. Returns
 * 1 and fills *who, 0 when there is none, -1 on a database error. */
int access_authenticate(PGconn *pg, const char *token, access_who_t *who) __attribute__((warn_unused_result));

/* Record that who was shown the records of subjects[0..n) (cert_nos) by service's
 * answer to method route. Returns 0 once the row is stored, -1 (logged) when it is
 * not: the caller must then answer 503 instead of the data. */
int access_log_write(PGconn *pg, const access_who_t *who, const char *service, const char *method, const char *route,
                     const char *const *subjects, size_t n) __attribute__((warn_unused_result));

/* access_log_write() for the answer made of result r: its subjects are the values
 * of column col shaped like a cert_no (an employer's credit code is no person's
 * data). Nothing is written when there are none. Returns 0, or -1 as
 * access_log_write() does. */
int access_log_result(PGconn *pg, const access_who_t *who, const char *service, const char *method, const char *route,
                      const PGresult *r, int col) __attribute__((warn_unused_result));

/* ---------------------------------------------------------------- throttle */

typedef struct access_throttle_slot {
    char addr[48];
    time_t first;         /* start of the current window of failures */
    time_t blocked_until; /* 0 when not blocked */
    time_t last;          /* last failure, for eviction */
    int failures;
} access_throttle_slot_t;

typedef struct access_throttle {
    access_throttle_slot_t slots[ACCESS_THROTTLE_SLOTS];
    size_t used;
    int max_failures;
    unsigned long failures_total, throttled_total;
} access_throttle_t;

/* Seconds addr must still wait (>0) when it is blocked at time now, else 0.
 * A blocked answer is counted in throttled_total. */
long access_throttle_wait(access_throttle_t *t, const char *addr, time_t now);

/* Count one failed token from addr at time now (and in failures_total). */
void access_throttle_fail(access_throttle_t *t, const char *addr, time_t now);

#endif
