/* json_text.c: JSON written straight into a growing buffer (see json_text.h). */
#include "json_text.h"

#include <string.h>

#include "xalloc.h"

static void reserve(json_text_t *t, size_t more) {
    if (t->len + more + 1 <= t->cap) return;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + more + 1) cap *= 2;
    t->buf = xrealloc(t->buf, cap);
    t->cap = cap;
}

static void put(json_text_t *t, const char *s, size_t n) {
    reserve(t, n);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static void put_char(json_text_t *t, char c) {
    reserve(t, 1);
    t->buf[t->len++] = c;
}

/* Before a value or a key: the comma that separates it from the previous one. */
static void separate(json_text_t *t) {
    if (t->after_key) {
        t->after_key = 0;
        return;
    }
    if (t->depth > 0) {
        if (t->has_item[t->depth - 1]) put_char(t, ',');
        t->has_item[t->depth - 1] = 1;
    }
}

void json_text_reset(json_text_t *t) {
    t->len = 0;
    t->depth = 0;
    t->after_key = 0;
    t->bad = 0;
}

void json_text_open(json_text_t *t, char bracket) {
    separate(t);
    put_char(t, bracket);
    if (t->depth == JSON_TEXT_MAX_DEPTH) {
        t->bad = 1;
        return;
    }
    t->closer[t->depth] = bracket == '[' ? ']' : '}';
    t->has_item[t->depth++] = 0;
}

void json_text_close(json_text_t *t, char bracket) {
    char closer = bracket == '[' || bracket == ']' ? ']' : '}';
    if (t->depth == 0 || t->after_key || t->closer[t->depth - 1] != closer) t->bad = 1;
    if (t->depth > 0) t->depth--;
    put_char(t, closer);
}

int json_text_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07;
        } else {
            return 0; /* a continuation byte first, C0/C1 (overlong), F5.. (past U+10FFFF) */
        }
        if ((size_t)(end - p) <= n) return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return 0; /* overlong */
        if (cp >= 0xD800 && cp <= 0xDFFF) return 0;                       /* surrogate */
        if (cp > 0x10FFFF) return 0;
        p += n + 1;
    }
    return 1;
}

size_t json_text_utf8_prefix(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    /* Step back over at most three continuation bytes to the sequence's lead byte. */
    size_t lead = len;
    while (lead > 0 && len - lead < 4 && (p[lead - 1] & 0xC0) == 0x80) lead--;
    if (lead == 0) return len;
    unsigned c = p[lead - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t have = len - (lead - 1);
    return have < need ? lead - 1 : len;
}

static void put_escaped(json_text_t *t, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t run = 0; /* start of the bytes not yet copied */
    reserve(t, n + 2);
    put_char(t, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        put(t, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': put(t, "\\\"", 2); break;
        case '\\': put(t, "\\\\", 2); break;
        case '\b': put(t, "\\b", 2); break;
        case '\f': put(t, "\\f", 2); break;
        case '\n': put(t, "\\n", 2); break;
        case '\r': put(t, "\\r", 2); break;
        case '\t': put(t, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            put(t, u, sizeof u);
        }
        }
    }
    put(t, s + run, n - run);
    put_char(t, '"');
}

static void put_string(json_text_t *t, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s);
    if (!json_text_utf8_valid(s, n)) t->bad = 1;
    put_escaped(t, s, n);
}

void json_text_key(json_text_t *t, const char *key) {
    if (t->after_key) t->bad = 1; /* two keys in a row */
    separate(t);
    put_string(t, key);
    put_char(t, ':');
    t->after_key = 1;
}

void json_text_string(json_text_t *t, const char *s) {
    separate(t);
    put_string(t, s);
}

void json_text_member(json_text_t *t, const char *key, const char *value) {
    json_text_key(t, key);
    json_text_string(t, value);
}

const char *json_text_done(json_text_t *t) {
    if (t->bad || t->depth != 0 || t->after_key || t->len == 0) return NULL;
    reserve(t, 0);
    t->buf[t->len] = '\0';
    return t->buf;
}

void json_text_free(json_text_t *t) {
    free(t->buf);
    memset(t, 0, sizeof *t);
}
