/* strhash.h: FNV-1a over a NUL-terminated string, for the open-addressing tables
 * kept in memory (pg.c's statement cache, rules' person cache, subsidy's
 * decisions recorded ahead). Not for anything an attacker chooses to collide:
 * those tables hold only what the service itself looked up or wrote. */
#ifndef JIUYE_STRHASH_H
#define JIUYE_STRHASH_H

#include <stdint.h>

static inline uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

#endif
