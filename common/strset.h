/* strset.h: a set of strings, for what one transaction has seen: a strmap.h
 * map with no values (the same table, the same growth and reuse).
 *
 *   strset_t s = STRSET_INIT;
 *   strset_add(&s, "a") == 1; strset_add(&s, "a") == 0; strset_has(&s, "a") == 1;
 *   strset_clear(&s); strset_has(&s, "a") == 0;  ...  strset_free(&s); */
#ifndef JIUYE_STRSET_H
#define JIUYE_STRSET_H

#include "strmap.h"

typedef strmap_t strset_t;

#define STRSET_INIT {.value_size = 0}

/* Add a copy of key. Returns 1 when it was not in the set, 0 when it was. */
static inline int strset_add(strset_t *s, const char *key) {
    int added;
    strmap_put(s, key, &added);
    return added;
}
/* Is key in the set? */
static inline int strset_has(const strset_t *s, const char *key) { return strmap_has(s, key); }
/* The number of keys in the set. */
static inline size_t strset_count(const strset_t *s) { return strmap_count(s); }
/* Empty the set, keeping its memory. */
static inline void strset_clear(strset_t *s) { strmap_clear(s); }
/* Free its memory; the set is then empty (and usable again). */
static inline void strset_free(strset_t *s) { strmap_free(s); }

#endif
