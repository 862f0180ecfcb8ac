/* sources.h: who may publish events (intake.sources: bearer tokens stored hashed, and the
 * CURVE public keys with which sources sign in to the ZeroMQ front door). */
#ifndef JIUYE_INTAKE_SOURCES_H
#define JIUYE_INTAKE_SOURCES_H

#include <libpq-fe.h>
#include <stddef.h>

/* Find the source whose token is `token` (not revoked). Returns 1 and writes its
 * name into name (namelen bytes), 0 when unknown, -1 on a database error. */
int sources_authenticate(PGconn *pg, const char *token, char *name, size_t namelen);

/* Find the source whose CURVE public key (Z85) is key (not revoked). Returns 1 and writes
 * its name into name (namelen bytes), 0 when unknown, -1 on a database error. */
int sources_by_curve_key(PGconn *pg, const char *key, char *name, size_t namelen);

/* 1 when source name exists and is not revoked, 0 when not, -1 on a database error. */
int sources_active(PGconn *pg, const char *name);

/* 1 when key is a CURVE key in Z85 (CURVE_KEY_LEN characters that decode), else 0. */
int sources_curve_key_valid(const char *key);

/* Create source `name` with a new token written into token (TOKEN_LEN+1 bytes) and, unless
 * curve_public is NULL, that CURVE public key (Z85) for the ZeroMQ front door. Nothing is
 * stored when anything is wrong. Returns 0, or -1 with err set ("name must be ...",
 * "already exists", "curve public key must be ...", "... already registered for source ..."). */
int sources_add(PGconn *pg, const char *name, const char *curve_public, char *token, char *err, size_t errlen);

/* Create source `name` with a token the operator provisioned (a compose secret) and,
 * unless curve_public is NULL, that CURVE public key: the same checks, plus the token's
 * form ("jy_" and 64 lower-case hex, as token_new makes them). Returns 1 when added, 0 when
 * the source already exists with this very token and key and is not revoked (so
 * provisioning may run at every start), -1 with err set otherwise. */
int sources_add_token(PGconn *pg, const char *name, const char *token, const char *curve_public, char *err,
                      size_t errlen) __attribute__((warn_unused_result));

/* 1 when token has the form of a token (see sources_add_token), else 0. */
int sources_token_valid(const char *token);

/* Revoke source name: from now on its token authenticates nothing (its events stay).
 * Returns 1 when revoked now, 0 when it was already revoked, -1 with err set ("no source
 * named ...", a database error). */
int sources_revoke(PGconn *pg, const char *name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

typedef struct source_info {
    char name[72];
    char created_at[32]; /* "2024-05-10T08:00:00Z" (UTC) */
    char revoked_at[32]; /* the same, or "" while the source is active */
} source_info_t;

/* Every source, ordered by name, into *out (a malloc'd array the caller frees; NULL when
 * there are none). Returns how many, or -1 with err set (*out untouched). */
long sources_list(PGconn *pg, source_info_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
