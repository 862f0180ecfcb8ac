/* strset.h: a set of strings, for what one transaction has seen.
 *
 * Open addressing over str_hash() (strhash.h) in a power-of-two table kept at
 * most half full; the keys are copied into one arena, so a set holds no
 * pointer into its caller's data. strset_clear() empties it and keeps both
 * buffers: a set reused for every transaction allocates nothing once the
 * largest was seen. Allocation failure aborts (xalloc.h). Not for keys an
 * attacker chooses to collide (strhash.h).
 *
 *   strset_t s = STRSET_INIT;
 *   strset_add(&s, "a") == 1; strset_add(&s, "a") == 0; strset_has(&s, "a") == 1;
 *   strset_clear(&s); strset_has(&s, "a") == 0;  ...  strset_free(&s); */
#ifndef JIUYE_STRSET_H
#define JIUYE_STRSET_H

#include <stddef.h>

typedef struct strset {
    char *arena; /* the keys, NUL-terminated, one after another */
    size_t used, size;
    size_t *slots; /* offset + 1 into arena; 0: empty */
    size_t cap, count;
} strset_t;

#define STRSET_INIT {0}

/* Add a copy of key. Returns 1 when it was not in the set, 0 when it was. */
int strset_add(strset_t *s, const char *key);
/* Is key in the set? */
int strset_has(const strset_t *s, const char *key);
static inline size_t strset_count(const strset_t *s) { return s->count; }
/* Empty the set, keeping its memory. */
void strset_clear(strset_t *s);
/* Free its memory; the set is then empty (and usable again). */
void strset_free(strset_t *s);

#endif
