/* staff.h: the staff members who use the web console (notify.staff, migration 012).
 *
 * A staff member has a name (an id such as "hz-cdpf-07", what their acknowledgements
 * say), a district and a department (an audience code of common/audience.c: the
 * department notifications are addressed to). They sign in with a bearer token
 * ("jy_" + 64 hex, common/token.h) printed once by `jiuyectl staff add`; only its
 * SHA-256 is stored, so a leaked table leaks no token. Every service finds the member
 * by that token through access.principals (common/access.h), with an optional expiry
 * (notify.staff.expires_at, migration 016). A revoked or expired member's token stops
 * working at once, and a revoked member's tickets too.
 *
 * Tickets: an EventSource cannot send an Authorization header, so the console trades
 * its token for a short-lived ticket (a token of the same shape, also stored hashed)
 * that notify sets as a cookie for the stream (console.h). */
#ifndef JIUYE_NOTIFY_STAFF_H
#define JIUYE_NOTIFY_STAFF_H

#include <libpq-fe.h>
#include <stddef.h>

#include "token.h"

#define STAFF_MAX_NAME 64

typedef struct staff {
    long long id;
    char name[STAFF_MAX_NAME + 8];
    char district[8];
    char department[24];
} staff_t;

typedef struct staff_info {
    staff_t who;
    char created_at[32]; /* "2024-05-10T08:00:00Z" (UTC) */
    char revoked_at[32]; /* the same, or "" while active */
} staff_info_t;

/* Is name a valid staff name (1-64 of a-z 0-9 . _ -, starting with a letter or digit)? */
int staff_name_valid(const char *name);

/* Create staff member name of district and department with a new token written into
 * token (TOKEN_LEN+1 bytes). Returns 0, or -1 with err set (which field and why,
 * "already exists", a database error); nothing is stored on failure. */
int staff_add(PGconn *pg, const char *name, const char *district, const char *department, char *token, char *err,
              size_t errlen) __attribute__((warn_unused_result));

/* Revoke name: their token and tickets authenticate nothing from now on. Returns 1
 * when revoked now, 0 when already revoked, -1 with err set (unknown name, database). */
int staff_revoke(PGconn *pg, const char *name, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Every staff member by name into *out (malloc'd, caller frees; NULL when none).
 * Returns how many, or -1 with err set (*out untouched). */
long staff_list(PGconn *pg, staff_info_t **out, char *err, size_t errlen) __attribute__((warn_unused_result));

/* A new ticket for staff member staff_id valid for ttl_s seconds, written into ticket
 * (TOKEN_LEN+1 bytes); expired tickets are removed on the way. Returns 0 or -1. */
int staff_ticket_new(PGconn *pg, long long staff_id, long ttl_s, char *ticket) __attribute__((warn_unused_result));

/* The active staff member holding unexpired ticket. Returns 1 and fills *who, 0 when
 * unknown, expired or revoked, -1 on a database error. */
int staff_ticket_authenticate(PGconn *pg, const char *ticket, staff_t *who) __attribute__((warn_unused_result));

#endif
