/* json_text.h: JSON written straight into a growing buffer.
 *
 * For a document built once per message and stored (rules' decision body):
 * jansson builds a tree of nodes (an allocation per value, a hash table per
 * object) and json_dumps() walks it again through a callback per fragment;
 * on rules' hot path that was the service's largest CPU cost
 * (docs/performance.md). Here each call appends its text at once.
 *
 * The writer keeps the comma state of up to JSON_TEXT_MAX_DEPTH nested
 * containers. Strings are checked as jansson checks them (UTF-8, no NUL
 * inside): an invalid one marks the text bad and json_text_done() returns
 * NULL, as json_pack() would have failed. Escapes follow RFC 8259: the
 * quote, the backslash and the control characters; other characters as
 * they are.
 *
 *   json_text_t t = JSON_TEXT_INIT;
 *   json_text_reset(&t);
 *   json_text_open(&t, '{');
 *   json_text_key(&t, "rule"); json_text_string(&t, "R01");
 *   json_text_close(&t, '}');
 *   const char *s = json_text_done(&t);   // NULL: a string was not UTF-8
 *   ...
 *   json_text_free(&t);
 *
 * The buffer is reused from one document to the next (reset), so a caller
 * that keeps one json_text_t allocates only while its largest document
 * grows. Out of memory aborts (xalloc.h). */
#ifndef JIUYE_JSON_TEXT_H
#define JIUYE_JSON_TEXT_H

#include <stddef.h>

#define JSON_TEXT_MAX_DEPTH 16

typedef struct {
    char *buf;
    size_t len, cap;
    int depth;                            /* open containers */
    unsigned char has_item[JSON_TEXT_MAX_DEPTH]; /* a value was written at that depth: next needs a comma */
    char closer[JSON_TEXT_MAX_DEPTH];            /* '}' or ']': what closes that depth */
    int after_key;                        /* a key was written: the value needs no comma */
    int bad;                              /* a string was not valid UTF-8, or nesting went wrong */
} json_text_t;

#define JSON_TEXT_INIT {0}

/* Start a new document in t (keeps the buffer). */
void json_text_reset(json_text_t *t);
/* Open '{' or '['; close with either bracket of the same kind ('[' or ']'):
 * another kind marks the text bad. */
void json_text_open(json_text_t *t, char bracket);
void json_text_close(json_text_t *t, char bracket);
/* An object member's key; the next value written is its value. */
void json_text_key(json_text_t *t, const char *key);
/* A string value (NULL writes ""). */
void json_text_string(json_text_t *t, const char *s);
/* key and string value together. */
void json_text_member(json_text_t *t, const char *key, const char *value);
/* The document (NUL-terminated, owned by t, valid until the next call on t),
 * or NULL when a string was not UTF-8 or a container is left open. */
const char *json_text_done(json_text_t *t);
/* Free t's buffer and zero t (reusable as JSON_TEXT_INIT). */
void json_text_free(json_text_t *t);

/* 1 when s[0..len) is valid UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF), else 0. */
int json_text_utf8_valid(const char *s, size_t len);
/* The longest prefix of s[0..len) that does not end inside a UTF-8
 * sequence: where to cut a string that must be shortened. */
size_t json_text_utf8_prefix(const char *s, size_t len);

#endif
