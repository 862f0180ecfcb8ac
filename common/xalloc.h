/* xalloc.h: allocation for builders of messages that cannot be half-built.
 * A service that cannot allocate a few bytes aborts and is restarted; the
 * message it was handling is re-sent (docs/architecture.md "Delivery"), so nothing is lost. */
#ifndef JIUYE_XALLOC_H
#define JIUYE_XALLOC_H

#include <stdlib.h>
#include <string.h>

/* A malloc'd copy of s ("" for NULL). Never returns NULL. */
static inline char *xstrdup(const char *s) {
    char *p = strdup(s ? s : "");
    if (!p) abort();
    return p;
}

/* realloc that never returns NULL. */
static inline void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) abort();
    return p;
}

#endif
