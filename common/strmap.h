/* strmap.h: a map from strings to fixed-size values, and the set of strings
 * built on it: the one hash table of the suite (what a transaction has seen,
 * rules' registry rows, pg.c's prepared statements).
 *
 * Open addressing over str_hash() (strhash.h) in a power-of-two table kept at
 * most half full; the keys are copied into one arena and the values stored in
 * insertion order, so a map holds no pointer into its caller's data.
 * strmap_clear() empties it and keeps every buffer: a map reused for every
 * transaction allocates nothing once the largest was seen. Allocation failure
 * aborts (xalloc.h). Not for keys an attacker chooses to collide (strhash.h).
 *
 *   strmap_t m = STRMAP_INIT(int);
 *   int added, *v = strmap_put(&m, "a", &added);   added == 1, *v == 0
 *   *v = 7; *(int *)strmap_get(&m, "a") == 7; strmap_get(&m, "b") == NULL
 *   strmap_clear(&m); ... strmap_free(&m); */
#ifndef JIUYE_STRMAP_H
#define JIUYE_STRMAP_H

#include <stddef.h>

typedef struct strmap {
    size_t value_size;
    char *arena; /* the keys, NUL-terminated, one after another */
    size_t used, size;
    size_t *slots; /* entry + 1; 0: empty */
    size_t cap, count;
    size_t *key_at;         /* per entry: its key's offset in arena */
    unsigned char *values;  /* per entry: value_size bytes */
    size_t entries_cap;
} strmap_t;

#define STRMAP_INIT(type) {.value_size = sizeof(type)}

/* The value of key, or NULL when key is not in the map. Valid until the next
 * strmap_put(), clear or free. */
void *strmap_get(const strmap_t *m, const char *key);
/* Is key in the map? */
int strmap_has(const strmap_t *m, const char *key);
/* The value of key, made (all bytes zero) when key was not in the map; *added
 * (when not NULL) says which. Valid until the next put, clear or free. */
void *strmap_put(strmap_t *m, const char *key, int *added);
/* The number of keys in the map. */
static inline size_t strmap_count(const strmap_t *m) { return m->count; }
/* Empty the map, keeping its memory. */
void strmap_clear(strmap_t *m);
/* Free its memory; the map is then empty (and usable again). */
void strmap_free(strmap_t *m);

#endif
