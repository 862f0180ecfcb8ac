/* sources.h: who may publish events (intake.sources, bearer tokens stored hashed). */
#ifndef JIUYE_INTAKE_SOURCES_H
#define JIUYE_INTAKE_SOURCES_H

#include <libpq-fe.h>
#include <stddef.h>

/* Find the source whose token is `token` (not revoked). Returns 1 and writes its
 * name into name (namelen bytes), 0 when unknown, -1 on a database error. */
int sources_authenticate(PGconn *pg, const char *token, char *name, size_t namelen);

/* Create source `name` with a new token written into token (TOKEN_LEN+1 bytes).
 * Returns 0, or -1 with err set ("name must be ...", "already exists"). */
int sources_add(PGconn *pg, const char *name, char *token, char *err, size_t errlen);

#endif
