/* strset.c: a set of strings (see strset.h). */
#include "strset.h"

#include <string.h>

#include "strhash.h"
#include "xalloc.h"

/* The slot of key, or of the empty place where it would go. */
static size_t slot_of(const strset_t *s, const char *key) {
    size_t i = (size_t)str_hash(key) & (s->cap - 1);
    while (s->slots[i] && strcmp(s->arena + s->slots[i] - 1, key) != 0) i = (i + 1) & (s->cap - 1);
    return i;
}

int strset_has(const strset_t *s, const char *key) { return s->count && s->slots[slot_of(s, key)] != 0; }

/* Double the table and place every key of the arena again. */
static void grow(strset_t *s) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    free(s->slots);
    s->slots = xrealloc(NULL, cap * sizeof *s->slots);
    memset(s->slots, 0, cap * sizeof *s->slots);
    s->cap = cap;
    for (size_t off = 0; off < s->used; off += strlen(s->arena + off) + 1) s->slots[slot_of(s, s->arena + off)] = off + 1;
}

int strset_add(strset_t *s, const char *key) {
    if ((s->count + 1) * 2 > s->cap) grow(s);
    size_t i = slot_of(s, key);
    if (s->slots[i]) return 0;
    size_t len = strlen(key) + 1;
    if (s->used + len > s->size) {
        size_t size = s->size ? s->size : 8192;
        while (size < s->used + len) size *= 2;
        s->arena = xrealloc(s->arena, size);
        s->size = size;
    }
    memcpy(s->arena + s->used, key, len);
    s->slots[i] = s->used + 1;
    s->used += len;
    s->count++;
    return 1;
}

void strset_clear(strset_t *s) {
    if (s->count) memset(s->slots, 0, s->cap * sizeof *s->slots);
    s->used = 0;
    s->count = 0;
}

void strset_free(strset_t *s) {
    free(s->arena);
    free(s->slots);
    memset(s, 0, sizeof *s);
}
