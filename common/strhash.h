/* strhash.h: FNV-1a over a NUL-terminated string, for the one hash table kept
 * in memory (strmap.h: pg.c's statements, rules' registry rows, the sets of a
 * transaction). Not for anything an attacker chooses to collide: those tables
 * hold only what the service itself looked up or wrote. */
#ifndef JIUYE_STRHASH_H
#define JIUYE_STRHASH_H

#include <stdint.h>

/* The 64-bit FNV-1a hash of the bytes of s up to its NUL. */
static inline uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

#endif
