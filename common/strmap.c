/* strmap.c: a map from strings to fixed-size values (see strmap.h). */
#include "strmap.h"

#include <string.h>

#include "strhash.h"
#include "xalloc.h"

static const char *key_of(const strmap_t *m, size_t entry) { return m->arena + m->key_at[entry]; }

/* The slot of key, or of the empty place where it would go. */
static size_t slot_of(const strmap_t *m, const char *key) {
    size_t i = (size_t)str_hash(key) & (m->cap - 1);
    while (m->slots[i] && strcmp(key_of(m, m->slots[i] - 1), key) != 0) i = (i + 1) & (m->cap - 1);
    return i;
}

int strmap_has(const strmap_t *m, const char *key) { return m->count && m->slots[slot_of(m, key)] != 0; }

void *strmap_get(const strmap_t *m, const char *key) {
    if (!m->count) return NULL;
    size_t s = m->slots[slot_of(m, key)];
    return s ? m->values + (s - 1) * m->value_size : NULL;
}

/* Double the table and place every entry again. */
static void grow(strmap_t *m) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    free(m->slots);
    m->slots = xrealloc(NULL, cap * sizeof *m->slots);
    memset(m->slots, 0, cap * sizeof *m->slots);
    m->cap = cap;
    for (size_t e = 0; e < m->count; e++) m->slots[slot_of(m, key_of(m, e))] = e + 1;
}

void *strmap_put(strmap_t *m, const char *key, int *added) {
    if ((m->count + 1) * 2 > m->cap) grow(m);
    size_t i = slot_of(m, key);
    if (added) *added = !m->slots[i];
    if (m->slots[i]) return m->values + (m->slots[i] - 1) * m->value_size;
    size_t len = strlen(key) + 1;
    if (m->used + len > m->size) {
        size_t size = m->size ? m->size : 8192;
        while (size < m->used + len) size *= 2;
        m->arena = xrealloc(m->arena, size);
        m->size = size;
    }
    if (m->count == m->entries_cap) {
        m->entries_cap = m->entries_cap ? m->entries_cap * 2 : 128;
        m->key_at = xrealloc(m->key_at, m->entries_cap * sizeof *m->key_at);
        if (m->value_size) m->values = xrealloc(m->values, m->entries_cap * m->value_size);
    }
    memcpy(m->arena + m->used, key, len);
    m->key_at[m->count] = m->used;
    m->used += len;
    void *value = m->values + m->count * m->value_size;
    if (m->value_size) memset(value, 0, m->value_size);
    m->slots[i] = ++m->count;
    return value;
}

void strmap_clear(strmap_t *m) {
    if (m->count) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->used = 0;
    m->count = 0;
}

void strmap_free(strmap_t *m) {
    free(m->arena);
    free(m->slots);
    free(m->key_at);
    free(m->values);
    size_t value_size = m->value_size;
    memset(m, 0, sizeof *m);
    m->value_size = value_size;
}
