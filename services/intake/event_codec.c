/* event_codec.c: the event contract of docs/policy.md §5 as data (see event_codec.h).
 *
 * Everything that differs between event types is in static tables at the bottom half of
 * this file:
 *
 *   EVENT_TYPES[]   type name -> oneof case -> msg_spec
 *   msg_spec        protobuf descriptor + field rules (in §5 order) + cross-field rules
 *   field_rule      field name, kind (what the value means), optional?, bounds, allowed
 *                   values, item spec for lists
 *   KINDS[]         kind -> shape in the message (string, int, bool, list) and its checker
 *
 * The code above the tables is generic: it finds each field by name through protobuf-c's
 * reflection (ProtobufCFieldDescriptor offset / quantifier_offset), fills it from JSON,
 * checks it, and writes it back to JSON. Filling and checking walk the rules in the same
 * order, so the JSON path (fill_message: JSON type, then check_field on the stored value) and
 * the protobuf path (check_message) report the same first error for the same bad value.
 * A client's unchecked decoder (lenient_fill, event_from_json_lenient) walks the same rules
 * without checking, so the receiver's check_message sees what the JSON said.
 *
 * Memory: every string and array stored in an event comes from malloc (strdup/calloc), even
 * the empty ones (source, received_at, absent optional fields), and is attached to the event
 * as soon as it exists, so jiuye__event__free_unpacked(ev, NULL) frees a half-built event on
 * any error path and a caller may free() and replace any string of a decoded event. */
#include "event_codec.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

#define MAX_FEN 10000000000LL /* 100 million yuan: far above any wage, fee or cost */
#define PATH_LEN 128          /* "payload.disabled_staff[9999].monthly_wage_fen" and room */
#define ECHO_LEN 65           /* at most 64 characters of upstream text quoted in an error */

/* ---- rule model -------------------------------------------------------------------- */

typedef enum {
    K_CERT_NO,     /* 残疾人证号, ident.h cert_no_parse */
    K_CREDIT_CODE, /* 统一社会信用代码, ident.h credit_code_check */
    K_ENUM,        /* one of rule.values */
    K_TEXT,        /* UTF-8, rule.min..rule.max characters, no control characters */
    K_ID,          /* rule.min..rule.max characters of [A-Za-z0-9._:/-] */
    K_DATE,        /* a real YYYY-MM-DD */
    K_TYPE,        /* an EVENT_TYPES name; sets ctx.type */
    K_OCCURRED_ON, /* a real date not later than ctx.today; sets ctx.occurred_on */
    K_DISTRICT,    /* ident.h district_name */
    K_COUNT,       /* integer rule.min..rule.max */
    K_YEAR,        /* integer year rule.min..rule.max */
    K_FEN,         /* integer money in fen rule.min..rule.max */
    K_BOOL,        /* true / false */
    K_INT_LIST,    /* rule.min..rule.max integers, each rule.item_min..rule.item_max */
    K_MSG_LIST,    /* rule.min..rule.max objects, each as rule.item */
    K_COUNT_OF_KINDS
} kind_t;

enum {
    F_OPTIONAL = 1 << 0, /* absent, null or empty is allowed (the protobuf default) */
    F_UNIQUE = 1 << 1,   /* K_INT_LIST: no value twice */
};

typedef struct ctx {
    jdate_t today;
    jdate_t occurred_on;            /* valid once the occurred_on rule has passed */
    const struct event_type *type; /* valid once the type rule has passed */
} ctx_t;

struct msg_spec;

typedef struct field_rule {
    const char *name; /* the protobuf field name, also the JSON key */
    kind_t kind;
    unsigned flags;
    int64_t min, max;             /* value (ints), characters (text, ids), entries (lists) */
    int64_t item_min, item_max;   /* K_INT_LIST: each entry */
    const char *const *values;    /* K_ENUM: NULL-terminated */
    const struct msg_spec *item;  /* K_MSG_LIST: each entry */
    const char *unique;           /* K_MSG_LIST: item field that must differ between entries */
} field_rule_t;

typedef enum {
    X_NOT_ABOVE,             /* int field <= int field `other` */
    X_ENTRIES_NOT_ABOVE,     /* entries of list field <= int field `other` */
    X_YEAR_NOT_AFTER_EVENT,  /* int year field <= year of occurred_on */
    X_DATE_NOT_BEFORE_EVENT, /* date field >= occurred_on */
} cross_kind_t;

typedef struct cross_rule {
    cross_kind_t kind;
    const char *field;
    const char *other; /* NULL for the *_EVENT kinds */
} cross_rule_t;

typedef struct msg_spec {
    const ProtobufCMessageDescriptor *desc;
    const field_rule_t *rules;
    size_t nrules;
    const cross_rule_t *cross;
    size_t ncross;
} msg_spec_t;

typedef struct event_type {
    const char *name; /* "training.completed" */
    Jiuye__Event__PayloadCase pcase;
    const msg_spec_t *spec;
} event_type_t;

static const event_type_t *type_by_name(const char *name);

/* ---- errors and paths -------------------------------------------------------------- */

/* Write "path: reason" into err when there is room for it; always returns -1. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen,
                                                      const char *path, const char *fmt, ...) {
    if (err && errlen > 0) {
        int n = snprintf(err, errlen, "%s: ", path);
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* Upstream text made safe to quote: printable ASCII kept, anything else (NUL, controls, the
 * bytes of UTF-8) becomes '?', cut at ECHO_LEN - 1 bytes. Keeps error texts valid UTF-8. */
static const char *echo(const char *s, size_t len, char out[ECHO_LEN]) {
    size_t i;
    for (i = 0; i < len && i + 1 < ECHO_LEN; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[i] = '\0';
    return out;
}

/* Field paths ("payload.disabled_staff[2].cert_no"), cut at PATH_LEN - 1 bytes, a length the
 * tables never reach. Built through vsnprintf: truncation is deliberate, not a warning. */
__attribute__((format(printf, 2, 3))) static void path_printf(char out[PATH_LEN],
                                                             const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
}

/* Append s to out (at *len), cut at PATH_LEN - 1 bytes like path_printf. Every field of
 * every event gets a path, so these two are on intake's hottest path: no printf. */
static void path_append(char out[PATH_LEN], size_t *len, const char *s) {
    size_t n = strnlen(s, PATH_LEN - 1 - *len);
    memmove(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

static void path_join(char out[PATH_LEN], const char *prefix, const char *name) {
    size_t len = 0;
    path_append(out, &len, prefix);
    path_append(out, &len, name);
}

static void path_index(char out[PATH_LEN], const char *path, size_t i) {
    char digits[24], *d = digits + sizeof digits;
    *--d = '\0';
    *--d = ']';
    do *--d = (char)('0' + i % 10); while ((i /= 10) > 0);
    *--d = '[';
    size_t len = 0;
    path_append(out, &len, path);
    path_append(out, &len, d);
}

/* ---- reflection -------------------------------------------------------------------- */

#define MEMBER(msg, fd, T) ((T *)((char *)(msg) + (fd)->offset))
#define CMEMBER(msg, fd, T) ((const T *)((const char *)(msg) + (fd)->offset))
#define QUANTITY(msg, fd) ((size_t *)((char *)(msg) + (fd)->quantifier_offset))
#define CQUANTITY(msg, fd) (*(const size_t *)((const char *)(msg) + (fd)->quantifier_offset))

typedef ProtobufCMessage **msg_array_t; /* a repeated message field */

typedef enum { SH_STRING, SH_INT, SH_BOOL, SH_INT_LIST, SH_MSG_LIST } shape_t;

typedef int (*string_check_fn)(const field_rule_t *r, const char *s, const char *path,
                               ctx_t *ctx, char *err, size_t errlen);

static int check_cert_no(const field_rule_t *, const char *, const char *, ctx_t *, char *, size_t);
static int check_credit_code(const field_rule_t *, const char *, const char *, ctx_t *, char *,
                             size_t);
static int check_enum(const field_rule_t *, const char *, const char *, ctx_t *, char *, size_t);
static int check_text(const field_rule_t *, const char *, const char *, ctx_t *, char *, size_t);
static int check_id(const field_rule_t *, const char *, const char *, ctx_t *, char *, size_t);
static int check_date(const field_rule_t *, const char *, const char *, ctx_t *, char *, size_t);
static int check_type(const field_rule_t *, const char *, const char *, ctx_t *, char *, size_t);
static int check_occurred_on(const field_rule_t *, const char *, const char *, ctx_t *, char *,
                             size_t);
static int check_district(const field_rule_t *, const char *, const char *, ctx_t *, char *,
                          size_t);

/* What each kind looks like in the message, and how its value is checked. */
static const struct kind_info {
    shape_t shape;
    string_check_fn check;  /* SH_STRING only */
    const char *range_pre;  /* SH_INT: "must be <pre>min-max<post>" */
    const char *range_post;
} KINDS[K_COUNT_OF_KINDS] = {
    [K_CERT_NO] = {SH_STRING, check_cert_no, NULL, NULL},
    [K_CREDIT_CODE] = {SH_STRING, check_credit_code, NULL, NULL},
    [K_ENUM] = {SH_STRING, check_enum, NULL, NULL},
    [K_TEXT] = {SH_STRING, check_text, NULL, NULL},
    [K_ID] = {SH_STRING, check_id, NULL, NULL},
    [K_DATE] = {SH_STRING, check_date, NULL, NULL},
    [K_TYPE] = {SH_STRING, check_type, NULL, NULL},
    [K_OCCURRED_ON] = {SH_STRING, check_occurred_on, NULL, NULL},
    [K_DISTRICT] = {SH_STRING, check_district, NULL, NULL},
    [K_COUNT] = {SH_INT, NULL, "", ""},
    [K_YEAR] = {SH_INT, NULL, "a year ", ""},
    [K_FEN] = {SH_INT, NULL, "", " fen"},
    [K_BOOL] = {SH_BOOL, NULL, NULL, NULL},          /* any value is valid */
    [K_INT_LIST] = {SH_INT_LIST, NULL, "", ""},      /* items: "must be min-max" */
    [K_MSG_LIST] = {SH_MSG_LIST, NULL, NULL, NULL},  /* items: their own rules */
};

/* Whether a rule matches the protobuf field it names (the tables are checked against the
 * generated descriptors on every use, so a .proto change cannot silently skip a field). */
static inline int rule_fits(const field_rule_t *r, const ProtobufCFieldDescriptor *fd) {
    int repeated = fd->label == PROTOBUF_C_LABEL_REPEATED;
    switch (KINDS[r->kind].shape) {
    case SH_STRING:
        return !repeated && fd->type == PROTOBUF_C_TYPE_STRING &&
               (KINDS[r->kind].check != check_enum || r->values != NULL);
    case SH_INT:
        if (repeated) return 0;
        if (fd->type == PROTOBUF_C_TYPE_INT64) return 1;
        return fd->type == PROTOBUF_C_TYPE_INT32 && r->min >= INT32_MIN && r->max <= INT32_MAX;
    case SH_BOOL: return !repeated && fd->type == PROTOBUF_C_TYPE_BOOL;
    case SH_INT_LIST:
        return repeated && fd->type == PROTOBUF_C_TYPE_INT32 && r->item_min >= INT32_MIN &&
               r->item_max <= INT32_MAX;
    case SH_MSG_LIST:
        return repeated && fd->type == PROTOBUF_C_TYPE_MESSAGE && r->item != NULL &&
               fd->descriptor == r->item->desc;
    }
    return 0;
}

static const ProtobufCFieldDescriptor *field_of(const msg_spec_t *spec, const field_rule_t *r) {
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(spec->desc, r->name);
    assert(fd != NULL && "rule names a field the message does not have");
    assert(rule_fits(r, fd) && "rule kind does not match the field's protobuf type");
    return fd;
}

static const ProtobufCFieldDescriptor *field_named(const msg_spec_t *spec, const char *name) {
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(spec->desc, name);
    assert(fd != NULL && "cross rule names a field the message does not have");
    return fd;
}

static const char *get_str(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd) {
    const char *s = *CMEMBER(msg, fd, char *);
    return s ? s : "";
}

static int64_t get_int(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd) {
    if (fd->type == PROTOBUF_C_TYPE_INT64) return *CMEMBER(msg, fd, int64_t);
    return *CMEMBER(msg, fd, int32_t);
}

/* ---- value checks (shared by both paths) ------------------------------------------- */

static int check_cert_no(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                         char *err, size_t errlen) {
    (void)r, (void)ctx;
    char reason[160];
    if (cert_no_parse(s, NULL, reason, sizeof reason) != 0)
        return fail(err, errlen, path, "%s", reason);
    return 0;
}

static int check_credit_code(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                             char *err, size_t errlen) {
    (void)r, (void)ctx;
    char reason[160];
    if (credit_code_check(s, reason, sizeof reason) != 0)
        return fail(err, errlen, path, "%s", reason);
    return 0;
}

static int check_enum(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                      char *err, size_t errlen) {
    (void)ctx;
    char list[256];
    size_t used = 0;
    for (const char *const *v = r->values; *v; v++) {
        if (strcmp(s, *v) == 0) return 0;
        int n = snprintf(list + used, sizeof list - used, "%s%s", v == r->values ? "" : ", ", *v);
        if (n > 0) used += (size_t)n;
        if (used >= sizeof list) used = sizeof list - 1; /* truncated: keep what fits */
    }
    return fail(err, errlen, path, "must be one of %s", list);
}

static int check_text(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                      char *err, size_t errlen) {
    (void)ctx;
    long n = utf8_length(s);
    if (n < 0) return fail(err, errlen, path, "must be valid UTF-8");
    int blank = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return fail(err, errlen, path, "must not contain control characters");
        if (*p != ' ') blank = 0;
    }
    if (n < r->min || n > r->max)
        return fail(err, errlen, path, "must be %lld-%lld characters, got %ld",
                    (long long)r->min, (long long)r->max, n);
    if (blank && r->min > 0) return fail(err, errlen, path, "must not be blank");
    return 0;
}

static int check_id(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                    char *err, size_t errlen) {
    (void)ctx;
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
        if (!ok) break;
    }
    if (s[n] != '\0' || (int64_t)n < r->min || (int64_t)n > r->max)
        return fail(err, errlen, path, "must be %lld-%lld characters of A-Z a-z 0-9 . _ : / -",
                    (long long)r->min, (long long)r->max);
    return 0;
}

static int check_date(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                      char *err, size_t errlen) {
    (void)r, (void)ctx;
    jdate_t d;
    if (date_parse(s, &d) != 0) return fail(err, errlen, path, "must be a real date YYYY-MM-DD");
    return 0;
}

static int check_type(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                      char *err, size_t errlen) {
    (void)r;
    char e[ECHO_LEN];
    ctx->type = type_by_name(s);
    if (!ctx->type)
        return fail(err, errlen, path, "unknown event type '%s'", echo(s, strlen(s), e));
    return 0;
}

static int check_occurred_on(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                             char *err, size_t errlen) {
    (void)r;
    jdate_t d;
    char t[DATE_STRLEN];
    if (date_parse(s, &d) != 0) return fail(err, errlen, path, "must be a real date YYYY-MM-DD");
    if (d > ctx->today)
        return fail(err, errlen, path, "%s is later than today %s", s, date_format(ctx->today, t));
    ctx->occurred_on = d;
    return 0;
}

static int check_district(const field_rule_t *r, const char *s, const char *path, ctx_t *ctx,
                          char *err, size_t errlen) {
    (void)r, (void)ctx;
    char e[ECHO_LEN];
    if (!district_name(s))
        return fail(err, errlen, path, "unknown district code '%s'", echo(s, strlen(s), e));
    return 0;
}

static int check_range(const field_rule_t *r, int64_t v, int64_t lo, int64_t hi,
                       const char *path, char *err, size_t errlen) {
    if (v < lo || v > hi)
        return fail(err, errlen, path, "must be %s%lld-%lld%s", KINDS[r->kind].range_pre,
                    (long long)lo, (long long)hi, KINDS[r->kind].range_post);
    return 0;
}

static int check_entries(const field_rule_t *r, size_t n, const char *path, char *err,
                         size_t errlen) {
    if ((int64_t)n < r->min || (int64_t)n > r->max)
        return fail(err, errlen, path, "must have %lld-%lld entries", (long long)r->min,
                    (long long)r->max);
    return 0;
}

static int check_message(const msg_spec_t *spec, const ProtobufCMessage *msg, const char *prefix,
                         ctx_t *ctx, int deep, char *err, size_t errlen);

typedef struct keyed {
    const char *key;
    size_t index;
} keyed_t;

static int keyed_cmp(const void *a, const void *b) {
    const keyed_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* The entries of a message list whose field r->unique repeats an earlier entry: reports the
 * lowest-indexed repetition ("payload.disabled_staff[3].cert_no: same as disabled_staff[1]").
 * O(n log n), so a 10 000-entry report stays cheap. */
static int check_unique_items(const field_rule_t *r, ProtobufCMessage *const *items, size_t n,
                              const char *path, char *err, size_t errlen) {
    if (!r->unique || n < 2) return 0;
    const ProtobufCFieldDescriptor *kfd = field_named(r->item, r->unique);
    keyed_t *k = malloc(n * sizeof *k);
    if (!k) return fail(err, errlen, path, "out of memory");
    for (size_t i = 0; i < n; i++) k[i] = (keyed_t){get_str(items[i], kfd), i};
    qsort(k, n, sizeof *k, keyed_cmp);
    size_t dup = SIZE_MAX, first = 0, group_first = k[0].index;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(k[i].key, k[i - 1].key) != 0) {
            group_first = k[i].index;
        } else if (k[i].index < dup) {
            dup = k[i].index;
            first = group_first;
        }
    }
    free(k);
    if (dup == SIZE_MAX) return 0;
    char ip[PATH_LEN], fp[PATH_LEN];
    path_index(ip, path, dup);
    path_printf(fp, "%s.%s", ip, r->unique);
    return fail(err, errlen, fp, "same as %s[%zu]", r->name, first);
}

/* Check one field's stored value. deep: also check the entries of a message list (the JSON
 * path has already checked them while filling). */
static int check_field(const msg_spec_t *spec, const field_rule_t *r, const ProtobufCMessage *msg,
                       const char *prefix, ctx_t *ctx, int deep, char *err, size_t errlen) {
    const ProtobufCFieldDescriptor *fd = field_of(spec, r);
    char path[PATH_LEN], ip[PATH_LEN];
    path_join(path, prefix, r->name);
    switch (KINDS[r->kind].shape) {
    case SH_STRING: {
        const char *s = get_str(msg, fd);
        if (*s == '\0') return (r->flags & F_OPTIONAL) ? 0 : fail(err, errlen, path, "required");
        return KINDS[r->kind].check(r, s, path, ctx, err, errlen);
    }
    case SH_INT: return check_range(r, get_int(msg, fd), r->min, r->max, path, err, errlen);
    case SH_BOOL: return 0;
    case SH_INT_LIST: {
        size_t n = CQUANTITY(msg, fd);
        const int32_t *v = *CMEMBER(msg, fd, int32_t *);
        if (check_entries(r, n, path, err, errlen)) return -1;
        for (size_t i = 0; i < n; i++) {
            path_index(ip, path, i);
            if (check_range(r, v[i], r->item_min, r->item_max, ip, err, errlen)) return -1;
        }
        for (size_t i = 1; (r->flags & F_UNIQUE) && i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (v[i] == v[j]) {
                    path_index(ip, path, i);
                    return fail(err, errlen, ip, "%d is listed twice", (int)v[i]);
                }
        return 0;
    }
    case SH_MSG_LIST: {
        size_t n = CQUANTITY(msg, fd);
        ProtobufCMessage *const *items = *CMEMBER(msg, fd, msg_array_t);
        if (check_entries(r, n, path, err, errlen)) return -1;
        for (size_t i = 0; i < n; i++) {
            path_index(ip, path, i);
            if (!items[i]) return fail(err, errlen, ip, "required");
            char ipre[PATH_LEN];
            path_printf(ipre, "%s.", ip);
            if (deep && check_message(r->item, items[i], ipre, ctx, deep, err, errlen)) return -1;
        }
        return check_unique_items(r, items, n, path, err, errlen);
    }
    }
    return 0;
}

static int check_cross(const msg_spec_t *spec, const ProtobufCMessage *msg, const char *prefix,
                       const ctx_t *ctx, char *err, size_t errlen) {
    for (size_t i = 0; i < spec->ncross; i++) {
        const cross_rule_t *x = &spec->cross[i];
        const ProtobufCFieldDescriptor *fd = field_named(spec, x->field);
        char path[PATH_LEN], d1[DATE_STRLEN];
        path_join(path, prefix, x->field);
        switch (x->kind) {
        case X_NOT_ABOVE: {
            int64_t v = get_int(msg, fd), bound = get_int(msg, field_named(spec, x->other));
            if (v > bound)
                return fail(err, errlen, path, "%lld is more than %s %lld", (long long)v,
                            x->other, (long long)bound);
            break;
        }
        case X_ENTRIES_NOT_ABOVE: {
            size_t n = CQUANTITY(msg, fd);
            int64_t bound = get_int(msg, field_named(spec, x->other));
            if ((int64_t)n > bound)
                return fail(err, errlen, path, "%zu entries but %s is %lld", n, x->other,
                            (long long)bound);
            break;
        }
        case X_YEAR_NOT_AFTER_EVENT: {
            int64_t y = get_int(msg, fd);
            if (y > date_year(ctx->occurred_on))
                return fail(err, errlen, path, "%lld is after the year of occurred_on %s",
                            (long long)y, date_format(ctx->occurred_on, d1));
            break;
        }
        case X_DATE_NOT_BEFORE_EVENT: {
            jdate_t d;
            const char *s = get_str(msg, fd);
            if (*s && date_parse(s, &d) == 0 && d < ctx->occurred_on)
                return fail(err, errlen, path, "%s is before occurred_on %s", s,
                            date_format(ctx->occurred_on, d1));
            break;
        }
        }
    }
    return 0;
}

static int check_message(const msg_spec_t *spec, const ProtobufCMessage *msg, const char *prefix,
                         ctx_t *ctx, int deep, char *err, size_t errlen) {
    for (size_t i = 0; i < spec->nrules; i++)
        if (check_field(spec, &spec->rules[i], msg, prefix, ctx, deep, err, errlen)) return -1;
    return check_cross(spec, msg, prefix, ctx, err, errlen);
}

/* ---- JSON -> message --------------------------------------------------------------- */

static int fill_message(const msg_spec_t *spec, ProtobufCMessage *msg, const json_t *obj,
                        const char *prefix, const char *extra_key, ctx_t *ctx, char *err,
                        size_t errlen);

/* Store a malloc'd copy of the JSON string jv, or of "" when jv is NULL (an absent optional
 * field), so that every string of a decoded event can be freed and replaced by its owner. */
static int fill_string(const ProtobufCFieldDescriptor *fd, ProtobufCMessage *msg,
                       const json_t *jv, const char *path, char *err, size_t errlen) {
    const char *s = "";
    if (jv) {
        if (!json_is_string(jv)) return fail(err, errlen, path, "must be a string");
        s = json_string_value(jv);
        if (strlen(s) != json_string_length(jv))
            return fail(err, errlen, path, "must not contain NUL characters");
    }
    char *copy = strdup(s);
    if (!copy) return fail(err, errlen, path, "out of memory");
    char **slot = MEMBER(msg, fd, char *);
    if (*slot && *slot != (const char *)fd->default_value) free(*slot);
    *slot = copy;
    return 0;
}

static int fill_int(const field_rule_t *r, const ProtobufCFieldDescriptor *fd,
                    ProtobufCMessage *msg, const json_t *jv, const char *path, char *err,
                    size_t errlen) {
    if (!json_is_integer(jv)) return fail(err, errlen, path, "must be an integer");
    json_int_t v = json_integer_value(jv);
    if (check_range(r, v, r->min, r->max, path, err, errlen)) return -1;
    if (fd->type == PROTOBUF_C_TYPE_INT64)
        *MEMBER(msg, fd, int64_t) = v;
    else
        *MEMBER(msg, fd, int32_t) = (int32_t)v; /* in range: rule_fits bounds INT32 rules */
    return 0;
}

static int fill_int_list(const field_rule_t *r, const ProtobufCFieldDescriptor *fd,
                         ProtobufCMessage *msg, const json_t *jv, const char *path, char *err,
                         size_t errlen) {
    if (!json_is_array(jv)) return fail(err, errlen, path, "must be a list");
    size_t n = json_array_size(jv);
    if (check_entries(r, n, path, err, errlen)) return -1;
    if (n == 0) return 0;
    int32_t *v = calloc(n, sizeof *v);
    if (!v) return fail(err, errlen, path, "out of memory");
    *MEMBER(msg, fd, int32_t *) = v; /* attached first: freed with the event on any error */
    *QUANTITY(msg, fd) = n;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(jv, i);
        char ip[PATH_LEN];
        path_index(ip, path, i);
        if (!json_is_integer(item)) return fail(err, errlen, ip, "must be an integer");
        json_int_t x = json_integer_value(item);
        if (check_range(r, x, r->item_min, r->item_max, ip, err, errlen)) return -1;
        v[i] = (int32_t)x;
    }
    return 0;
}

static int fill_msg_list(const field_rule_t *r, const ProtobufCFieldDescriptor *fd,
                         ProtobufCMessage *msg, const json_t *jv, const char *path, ctx_t *ctx,
                         char *err, size_t errlen) {
    if (!json_is_array(jv)) return fail(err, errlen, path, "must be a list");
    size_t n = json_array_size(jv);
    if (check_entries(r, n, path, err, errlen)) return -1;
    if (n == 0) return 0;
    ProtobufCMessage **items = calloc(n, sizeof *items);
    if (!items) return fail(err, errlen, path, "out of memory");
    size_t *count = QUANTITY(msg, fd);
    *MEMBER(msg, fd, ProtobufCMessage **) = items; /* *count grows with each attached entry */
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *jitem = json_array_get(jv, i);
        char ip[PATH_LEN], ipre[PATH_LEN];
        path_index(ip, path, i);
        if (!json_is_object(jitem)) return fail(err, errlen, ip, "must be an object");
        ProtobufCMessage *item = malloc(r->item->desc->sizeof_message);
        if (!item) return fail(err, errlen, ip, "out of memory");
        protobuf_c_message_init(r->item->desc, item);
        items[(*count)++] = item;
        path_printf(ipre, "%s.", ip);
        if (fill_message(r->item, item, jitem, ipre, NULL, ctx, err, errlen)) return -1;
    }
    return 0;
}

static int fill_field(const msg_spec_t *spec, const field_rule_t *r, ProtobufCMessage *msg,
                      const json_t *jv, const char *prefix, ctx_t *ctx, char *err,
                      size_t errlen) {
    const ProtobufCFieldDescriptor *fd = field_of(spec, r);
    char path[PATH_LEN];
    path_join(path, prefix, r->name);
    if (!jv || json_is_null(jv)) {
        if (!(r->flags & F_OPTIONAL)) return fail(err, errlen, path, "required");
        if (KINDS[r->kind].shape != SH_STRING) return 0; /* the protobuf default */
        return fill_string(fd, msg, NULL, path, err, errlen);
    }
    switch (KINDS[r->kind].shape) {
    case SH_STRING: return fill_string(fd, msg, jv, path, err, errlen);
    case SH_INT: return fill_int(r, fd, msg, jv, path, err, errlen);
    case SH_BOOL:
        if (!json_is_boolean(jv)) return fail(err, errlen, path, "must be true or false");
        *MEMBER(msg, fd, protobuf_c_boolean) = json_is_true(jv);
        return 0;
    case SH_INT_LIST: return fill_int_list(r, fd, msg, jv, path, err, errlen);
    case SH_MSG_LIST: return fill_msg_list(r, fd, msg, jv, path, ctx, err, errlen);
    }
    return 0;
}

static int rule_named(const msg_spec_t *spec, const char *key, size_t klen) {
    for (size_t i = 0; i < spec->nrules; i++)
        if (strlen(spec->rules[i].name) == klen && memcmp(spec->rules[i].name, key, klen) == 0)
            return 1;
    return 0;
}

/* Fill msg from the JSON object obj: unknown keys first, then each rule in order (JSON type,
 * then the stored value), then the cross-field rules. extra_key is one more key allowed in
 * obj and handled by the caller (the event's "payload"), or NULL. */
static int fill_message(const msg_spec_t *spec, ProtobufCMessage *msg, const json_t *obj,
                        const char *prefix, const char *extra_key, ctx_t *ctx, char *err,
                        size_t errlen) {
    json_t *o = (json_t *)obj; /* the iteration API is not const; nothing is modified */
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        if (rule_named(spec, key, klen)) continue;
        if (extra_key && strlen(extra_key) == klen && memcmp(extra_key, key, klen) == 0) continue;
        char e[ECHO_LEN], path[PATH_LEN];
        path_join(path, prefix, echo(key, klen, e));
        return fail(err, errlen, path, "unknown field");
    }
    for (size_t i = 0; i < spec->nrules; i++) {
        const field_rule_t *r = &spec->rules[i];
        if (fill_field(spec, r, msg, json_object_get(obj, r->name), prefix, ctx, err, errlen) ||
            check_field(spec, r, msg, prefix, ctx, 0, err, errlen))
            return -1;
    }
    return check_cross(spec, msg, prefix, ctx, err, errlen);
}

/* ---- JSON -> message, unchecked (event_from_json_lenient) -------------------------- */

/* Replace the string at fd with a malloc'd copy of jv's text, or of "" when jv is not a
 * string (text after an embedded NUL is cut). Returns 0, or -1 when out of memory. */
static int lenient_string(const ProtobufCFieldDescriptor *fd, ProtobufCMessage *msg,
                          const json_t *jv) {
    char *copy = strdup(json_is_string(jv) ? json_string_value(jv) : "");
    if (!copy) return -1;
    char **slot = MEMBER(msg, fd, char *);
    if (*slot && *slot != (const char *)fd->default_value) free(*slot);
    *slot = copy;
    return 0;
}

/* jv as an integer of fd's width: clamped, so that a value out of range stays out of range
 * for the receiver's check; 0 when jv is not an integer. */
static int64_t lenient_int(const ProtobufCFieldDescriptor *fd, const json_t *jv) {
    if (!json_is_integer(jv)) return 0;
    json_int_t v = json_integer_value(jv);
    if (fd->type == PROTOBUF_C_TYPE_INT64) return v;
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

/* Fill msg from obj (any JSON value: a non-object fills nothing) by spec's rules, without
 * checking values. Everything allocated is attached to msg first, so the caller's
 * free_unpacked cleans up after a failure. Returns 0, or -1 when out of memory. */
static int lenient_fill(const msg_spec_t *spec, ProtobufCMessage *msg, const json_t *obj) {
    for (size_t i = 0; i < spec->nrules; i++) {
        const field_rule_t *r = &spec->rules[i];
        const ProtobufCFieldDescriptor *fd = field_of(spec, r);
        const json_t *jv = json_object_get(obj, r->name); /* NULL unless obj is an object */
        switch (KINDS[r->kind].shape) {
        case SH_STRING:
            if (lenient_string(fd, msg, jv)) return -1;
            break;
        case SH_INT:
            if (fd->type == PROTOBUF_C_TYPE_INT64)
                *MEMBER(msg, fd, int64_t) = lenient_int(fd, jv);
            else
                *MEMBER(msg, fd, int32_t) = (int32_t)lenient_int(fd, jv);
            break;
        case SH_BOOL: *MEMBER(msg, fd, protobuf_c_boolean) = json_is_true(jv); break;
        case SH_INT_LIST: {
            size_t n = json_array_size(jv); /* 0 unless an array */
            if (n == 0) break;
            int32_t *v = calloc(n, sizeof *v);
            if (!v) return -1;
            *MEMBER(msg, fd, int32_t *) = v;
            *QUANTITY(msg, fd) = n;
            for (size_t j = 0; j < n; j++) v[j] = (int32_t)lenient_int(fd, json_array_get(jv, j));
            break;
        }
        case SH_MSG_LIST: {
            size_t n = json_array_size(jv);
            if (n == 0) break;
            ProtobufCMessage **items = calloc(n, sizeof *items);
            if (!items) return -1;
            size_t *count = QUANTITY(msg, fd);
            *MEMBER(msg, fd, ProtobufCMessage **) = items; /* *count grows with each entry */
            *count = 0;
            for (size_t j = 0; j < n; j++) {
                ProtobufCMessage *item = malloc(r->item->desc->sizeof_message);
                if (!item) return -1;
                protobuf_c_message_init(r->item->desc, item);
                items[(*count)++] = item;
                if (lenient_fill(r->item, item, json_array_get(jv, j))) return -1;
            }
            break;
        }
        }
    }
    return 0;
}

/* ---- message -> JSON --------------------------------------------------------------- */

static json_t *msg_to_json(const msg_spec_t *spec, const ProtobufCMessage *msg) {
    json_t *o = json_object();
    if (!o) return NULL;
    for (size_t i = 0; i < spec->nrules; i++) {
        const field_rule_t *r = &spec->rules[i];
        const ProtobufCFieldDescriptor *fd = field_of(spec, r);
        json_t *v = NULL;
        switch (KINDS[r->kind].shape) {
        case SH_STRING: {
            const char *s = get_str(msg, fd);
            if (*s == '\0' && (r->flags & F_OPTIONAL)) continue;
            v = json_string(s); /* NULL if s is not UTF-8 */
            break;
        }
        case SH_INT: v = json_integer(get_int(msg, fd)); break;
        case SH_BOOL: v = json_boolean(*CMEMBER(msg, fd, protobuf_c_boolean)); break;
        case SH_INT_LIST: {
            const int32_t *a = *CMEMBER(msg, fd, int32_t *);
            v = json_array();
            for (size_t j = 0; v && j < CQUANTITY(msg, fd); j++)
                if (json_array_append_new(v, json_integer(a[j]))) json_decref(v), v = NULL;
            break;
        }
        case SH_MSG_LIST: {
            ProtobufCMessage *const *a = *CMEMBER(msg, fd, msg_array_t);
            v = json_array();
            for (size_t j = 0; v && j < CQUANTITY(msg, fd); j++)
                if (!a[j] || json_array_append_new(v, msg_to_json(r->item, a[j])))
                    json_decref(v), v = NULL;
            break;
        }
        }
        if (!v || json_object_set_new(o, r->name, v) != 0) { /* set_new consumes v */
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ---- the contract (docs/policy.md §5) --------------------------------------------------- */

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SPEC(d, r) {&(d), (r), N(r), NULL, 0}
#define SPEC_X(d, r, x) {&(d), (r), N(r), (x), N(x)}

#define CERT_NO(n) {.name = (n), .kind = K_CERT_NO}
#define CREDIT(n) {.name = (n), .kind = K_CREDIT_CODE}
#define CREDIT_OPT(n) {.name = (n), .kind = K_CREDIT_CODE, .flags = F_OPTIONAL}
#define ENUM(n, v) {.name = (n), .kind = K_ENUM, .values = (v)}
#define ENUM_OPT(n, v) {.name = (n), .kind = K_ENUM, .flags = F_OPTIONAL, .values = (v)}
#define TEXT(n, lo, hi) {.name = (n), .kind = K_TEXT, .min = (lo), .max = (hi)}
#define TEXT_OPT(n, hi) {.name = (n), .kind = K_TEXT, .flags = F_OPTIONAL, .min = 0, .max = (hi)}
#define ID(n, hi) {.name = (n), .kind = K_ID, .min = 1, .max = (hi)}
#define DATE(n) {.name = (n), .kind = K_DATE}
#define COUNT(n, lo, hi) {.name = (n), .kind = K_COUNT, .min = (lo), .max = (hi)}
#define YEAR(n) {.name = (n), .kind = K_YEAR, .min = 2000, .max = 2100}
#define FEN(n) {.name = (n), .kind = K_FEN, .min = 0, .max = MAX_FEN}
#define BOOL(n) {.name = (n), .kind = K_BOOL, .flags = F_OPTIONAL} /* absent = false */

static const char *const EMPLOYMENT_STATUSES[] = {"unemployed", "employed", NULL};
static const char *const COURSES[] = {"vocational", "entrepreneurship", "blind_massage",
                                      "new_media",  "ecommerce",        "heritage_craft", NULL};
static const char *const CERTIFICATES[] = {"none",   "special", "level5", "level4",
                                           "level3", "level2",  "level1", NULL};
static const char *const CHANNELS[] = {"regular",       "public_welfare_post", "auxiliary",
                                       "self_employed", "platform",            NULL};
static const char *const BUSINESS_KINDS[] = {"individual", "enterprise", "ecommerce", NULL};
static const char *const EMPLOYER_KINDS[] = {"organ",   "institution", "school",    "soe",
                                             "private", "social_org",  NULL};
static const char *const SERVICES[] = {"info_check",          "capability_assessment",
                                       "demand_registration", "employment_service",
                                       "graduate_guidance",   NULL};

/* The envelope; "payload" is handled by the callers, source and received_at by intake. */
static const field_rule_t EVENT_RULES[] = {
    ID("event_id", EVENT_ID_MAX),
    {.name = "type", .kind = K_TYPE},
    {.name = "occurred_on", .kind = K_OCCURRED_ON},
    {.name = "district", .kind = K_DISTRICT},
};
static const msg_spec_t EVENT_SPEC = SPEC(jiuye__event__descriptor, EVENT_RULES);

static const field_rule_t PERSON_REGISTERED_RULES[] = {
    CERT_NO("cert_no"),
    TEXT("name", 1, 64),
    ENUM("employment_status", EMPLOYMENT_STATUSES),
    BOOL("wants_job"),
    BOOL("low_income"),
    BOOL("hard_to_employ"),
};
static const msg_spec_t PERSON_REGISTERED =
    SPEC(jiuye__person_registered__descriptor, PERSON_REGISTERED_RULES);

static const field_rule_t TRAINING_COMPLETED_RULES[] = {
    CERT_NO("cert_no"),
    CREDIT("provider_code"),
    ENUM("course", COURSES),
    COUNT("hours", 1, 10000),
    ENUM("certificate", CERTIFICATES),
    FEN("cost_fen"),
};
static const msg_spec_t TRAINING_COMPLETED =
    SPEC(jiuye__training_completed__descriptor, TRAINING_COMPLETED_RULES);

static const field_rule_t EMPLOYMENT_STARTED_RULES[] = {
    CERT_NO("cert_no"),
    CREDIT("employer_code"),
    ENUM("channel", CHANNELS),
    COUNT("contract_months", 1, 600),
    FEN("monthly_wage_fen"),
    BOOL("social_insurance"),
    CREDIT_OPT("agency_code"),
};
static const msg_spec_t EMPLOYMENT_STARTED =
    SPEC(jiuye__employment_started__descriptor, EMPLOYMENT_STARTED_RULES);

static const field_rule_t EMPLOYMENT_ENDED_RULES[] = {
    CERT_NO("cert_no"),
    CREDIT("employer_code"),
    TEXT_OPT("reason", 200),
};
static const msg_spec_t EMPLOYMENT_ENDED =
    SPEC(jiuye__employment_ended__descriptor, EMPLOYMENT_ENDED_RULES);

static const field_rule_t BUSINESS_STARTED_RULES[] = {
    CERT_NO("cert_no"),
    CREDIT("business_code"),
    ENUM("kind", BUSINESS_KINDS),
};
static const msg_spec_t BUSINESS_STARTED =
    SPEC(jiuye__business_started__descriptor, BUSINESS_STARTED_RULES);

static const field_rule_t GRADUATE_REGISTERED_RULES[] = {
    CERT_NO("cert_no"),
    TEXT("school", 1, 64),
    YEAR("graduation_year"),
    BOOL("wants_job"),
};
static const msg_spec_t GRADUATE_REGISTERED =
    SPEC(jiuye__graduate_registered__descriptor, GRADUATE_REGISTERED_RULES);

static const field_rule_t INTERNSHIP_COMPLETED_RULES[] = {
    CERT_NO("cert_no"),
    CREDIT("base_code"),
    COUNT("months", 1, 120),
};
static const msg_spec_t INTERNSHIP_COMPLETED =
    SPEC(jiuye__internship_completed__descriptor, INTERNSHIP_COMPLETED_RULES);

static const field_rule_t EDUCATION_ENROLLED_RULES[] = {
    CERT_NO("cert_no"),
    TEXT("school", 1, 64),
    YEAR("academic_year"),
    FEN("tuition_fen"),
};
static const msg_spec_t EDUCATION_ENROLLED =
    SPEC(jiuye__education_enrolled__descriptor, EDUCATION_ENROLLED_RULES);

static const field_rule_t DISABLED_STAFF_RULES[] = {
    CERT_NO("cert_no"),
    COUNT("contract_months", 1, 600),
    FEN("monthly_wage_fen"),
    BOOL("social_insurance"),
};
static const msg_spec_t DISABLED_STAFF = SPEC(jiuye__disabled_staff__descriptor,
                                              DISABLED_STAFF_RULES);

static const field_rule_t EMPLOYER_ANNUAL_REPORT_RULES[] = {
    CREDIT("employer_code"),
    ENUM("employer_kind", EMPLOYER_KINDS),
    YEAR("year"),
    COUNT("staff_count", 0, 10000000),
    FEN("avg_wage_fen"),
    BOOL("levy_paid"),
    {.name = "disabled_staff", .kind = K_MSG_LIST, .min = 0, .max = 10000,
     .item = &DISABLED_STAFF, .unique = "cert_no"}, /* [] when none; a person counts once */
};
static const cross_rule_t EMPLOYER_ANNUAL_REPORT_CROSS[] = {
    {X_YEAR_NOT_AFTER_EVENT, "year", NULL}, /* a report is about a year that has begun */
    {X_ENTRIES_NOT_ABOVE, "disabled_staff", "staff_count"},
};
static const msg_spec_t EMPLOYER_ANNUAL_REPORT =
    SPEC_X(jiuye__employer_annual_report__descriptor, EMPLOYER_ANNUAL_REPORT_RULES,
           EMPLOYER_ANNUAL_REPORT_CROSS);

static const field_rule_t RECRUITMENT_PLAN_RULES[] = {
    CREDIT("employer_code"),
    ENUM("employer_kind", EMPLOYER_KINDS),
    YEAR("year"),
    COUNT("positions_total", 1, 1000000),
    COUNT("positions_reserved", 0, 1000000),
};
static const cross_rule_t RECRUITMENT_PLAN_CROSS[] = {
    {X_NOT_ABOVE, "positions_reserved", "positions_total"},
};
static const msg_spec_t RECRUITMENT_PLAN =
    SPEC_X(jiuye__recruitment_plan__descriptor, RECRUITMENT_PLAN_RULES, RECRUITMENT_PLAN_CROSS);

static const field_rule_t PUBLIC_WELFARE_POSTS_CREATED_RULES[] = {
    YEAR("year"),
    COUNT("posts_total", 1, 1000000),
    COUNT("posts_for_disabled", 0, 1000000),
};
static const cross_rule_t PUBLIC_WELFARE_POSTS_CREATED_CROSS[] = {
    {X_NOT_ABOVE, "posts_for_disabled", "posts_total"},
};
static const msg_spec_t PUBLIC_WELFARE_POSTS_CREATED =
    SPEC_X(jiuye__public_welfare_posts_created__descriptor, PUBLIC_WELFARE_POSTS_CREATED_RULES,
           PUBLIC_WELFARE_POSTS_CREATED_CROSS);

static const field_rule_t SERVICE_DELIVERED_RULES[] = {
    CERT_NO("cert_no"),
    ENUM("service", SERVICES),
    TEXT("staff_id", 1, 64),
};
static const msg_spec_t SERVICE_DELIVERED =
    SPEC(jiuye__service_delivered__descriptor, SERVICE_DELIVERED_RULES);

static const field_rule_t VACANCY_POSTED_RULES[] = {
    ID("vacancy_id", 64),
    CREDIT("employer_code"),
    TEXT("title", 1, 200),
    COUNT("positions", 1, 10000),
    {.name = "categories", .kind = K_INT_LIST, .flags = F_UNIQUE, .min = 1, .max = 7,
     .item_min = 1, .item_max = 7},
    COUNT("max_severity", 1, 4),
    ENUM_OPT("course", COURSES),
    FEN("monthly_wage_fen"),
    DATE("open_until"),
};
static const cross_rule_t VACANCY_POSTED_CROSS[] = {
    {X_DATE_NOT_BEFORE_EVENT, "open_until", NULL},
};
static const msg_spec_t VACANCY_POSTED =
    SPEC_X(jiuye__vacancy_posted__descriptor, VACANCY_POSTED_RULES, VACANCY_POSTED_CROSS);

static const field_rule_t VACANCY_CLOSED_RULES[] = {
    ID("vacancy_id", 64),
    CREDIT("employer_code"),
    COUNT("filled", 0, 10000),
};
static const msg_spec_t VACANCY_CLOSED =
    SPEC(jiuye__vacancy_closed__descriptor, VACANCY_CLOSED_RULES);

static const event_type_t EVENT_TYPES[] = {
    {"person.registered", JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED, &PERSON_REGISTERED},
    {"training.completed", JIUYE__EVENT__PAYLOAD_TRAINING_COMPLETED, &TRAINING_COMPLETED},
    {"employment.started", JIUYE__EVENT__PAYLOAD_EMPLOYMENT_STARTED, &EMPLOYMENT_STARTED},
    {"employment.ended", JIUYE__EVENT__PAYLOAD_EMPLOYMENT_ENDED, &EMPLOYMENT_ENDED},
    {"business.started", JIUYE__EVENT__PAYLOAD_BUSINESS_STARTED, &BUSINESS_STARTED},
    {"graduate.registered", JIUYE__EVENT__PAYLOAD_GRADUATE_REGISTERED, &GRADUATE_REGISTERED},
    {"internship.completed", JIUYE__EVENT__PAYLOAD_INTERNSHIP_COMPLETED, &INTERNSHIP_COMPLETED},
    {"education.enrolled", JIUYE__EVENT__PAYLOAD_EDUCATION_ENROLLED, &EDUCATION_ENROLLED},
    {"employer.annual_report", JIUYE__EVENT__PAYLOAD_EMPLOYER_ANNUAL_REPORT,
     &EMPLOYER_ANNUAL_REPORT},
    {"recruitment.plan", JIUYE__EVENT__PAYLOAD_RECRUITMENT_PLAN, &RECRUITMENT_PLAN},
    {"public_welfare_posts.created", JIUYE__EVENT__PAYLOAD_PUBLIC_WELFARE_POSTS_CREATED,
     &PUBLIC_WELFARE_POSTS_CREATED},
    {"service.delivered", JIUYE__EVENT__PAYLOAD_SERVICE_DELIVERED, &SERVICE_DELIVERED},
    {"vacancy.posted", JIUYE__EVENT__PAYLOAD_VACANCY_POSTED, &VACANCY_POSTED},
    {"vacancy.closed", JIUYE__EVENT__PAYLOAD_VACANCY_CLOSED, &VACANCY_CLOSED},
};

static const event_type_t *type_by_name(const char *name) {
    for (size_t i = 0; i < N(EVENT_TYPES); i++)
        if (strcmp(EVENT_TYPES[i].name, name) == 0) return &EVENT_TYPES[i];
    return NULL;
}

static const event_type_t *type_by_case(Jiuye__Event__PayloadCase pcase) {
    for (size_t i = 0; i < N(EVENT_TYPES); i++)
        if (EVENT_TYPES[i].pcase == pcase) return &EVENT_TYPES[i];
    return NULL;
}

/* The oneof member of Event that holds type t's payload. */
static const ProtobufCFieldDescriptor *payload_field(const event_type_t *t) {
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&jiuye__event__descriptor, (unsigned)t->pcase);
    assert(fd && fd->type == PROTOBUF_C_TYPE_MESSAGE && fd->descriptor == t->spec->desc &&
           fd->quantifier_offset == offsetof(Jiuye__Event, payload_case));
    return fd;
}

/* ---- public functions -------------------------------------------------------------- */

Jiuye__Event *event_from_json(const json_t *obj, jdate_t today, char *err, size_t errlen) {
    if (!json_is_object(obj)) {
        fail(err, errlen, "event", "must be a JSON object");
        return NULL;
    }
    Jiuye__Event *ev = malloc(sizeof *ev);
    if (!ev) {
        fail(err, errlen, "event", "out of memory");
        return NULL;
    }
    jiuye__event__init(ev);
    /* Set by intake later; malloc'd now so that it can free and replace them. */
    ev->source = strdup("");
    ev->received_at = strdup("");
    if (!ev->source || !ev->received_at) {
        fail(err, errlen, "event", "out of memory");
        goto err;
    }
    ctx_t ctx = {.today = today};
    if (fill_message(&EVENT_SPEC, &ev->base, obj, "", "payload", &ctx, err, errlen)) goto err;

    const json_t *jp = json_object_get(obj, "payload");
    if (!jp || json_is_null(jp)) {
        fail(err, errlen, "payload", "required");
        goto err;
    }
    if (!json_is_object(jp)) {
        fail(err, errlen, "payload", "must be an object");
        goto err;
    }
    const msg_spec_t *spec = ctx.type->spec;
    ProtobufCMessage *payload = malloc(spec->desc->sizeof_message);
    if (!payload) {
        fail(err, errlen, "payload", "out of memory");
        goto err;
    }
    protobuf_c_message_init(spec->desc, payload);
    *MEMBER(ev, payload_field(ctx.type), ProtobufCMessage *) = payload; /* owned by ev now */
    ev->payload_case = ctx.type->pcase;
    if (fill_message(spec, payload, jp, "payload.", NULL, &ctx, err, errlen)) goto err;
    return ev;

err:
    jiuye__event__free_unpacked(ev, NULL);
    return NULL;
}

int event_validate(const Jiuye__Event *ev, jdate_t today, char *err, size_t errlen) {
    if (!ev) return fail(err, errlen, "event", "missing");
    ctx_t ctx = {.today = today};
    if (check_message(&EVENT_SPEC, &ev->base, "", &ctx, 1, err, errlen)) return -1;
    if (ev->payload_case == JIUYE__EVENT__PAYLOAD__NOT_SET)
        return fail(err, errlen, "payload", "required");
    if (ev->payload_case != ctx.type->pcase) {
        const ProtobufCFieldDescriptor *got = protobuf_c_message_descriptor_get_field(
            &jiuye__event__descriptor, (unsigned)ev->payload_case);
        return fail(err, errlen, "payload", "type %s needs %s, got %s", ctx.type->name,
                    payload_field(ctx.type)->name, got ? got->name : "an unknown payload");
    }
    const ProtobufCMessage *payload = *CMEMBER(ev, payload_field(ctx.type), ProtobufCMessage *);
    if (!payload) return fail(err, errlen, "payload", "required");
    return check_message(ctx.type->spec, payload, "payload.", &ctx, 1, err, errlen);
}

json_t *event_to_json(const Jiuye__Event *ev) {
    const event_type_t *t = ev ? type_by_case(ev->payload_case) : NULL;
    if (!t) return NULL;
    const ProtobufCMessage *payload = *CMEMBER(ev, payload_field(t), ProtobufCMessage *);
    if (!payload) return NULL;
    json_t *o = msg_to_json(&EVENT_SPEC, &ev->base);
    if (!o) return NULL;
    /* Replacing keeps the key's place; the payload decides the type. */
    if (json_object_set_new(o, "type", json_string(t->name)) != 0 ||
        json_object_set_new(o, "payload", msg_to_json(t->spec, payload)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

Jiuye__Event *event_from_json_lenient(const json_t *obj) {
    Jiuye__Event *ev = malloc(sizeof *ev);
    if (!ev) return NULL;
    jiuye__event__init(ev);
    ev->source = strdup("");
    ev->received_at = strdup("");
    if (!ev->source || !ev->received_at || lenient_fill(&EVENT_SPEC, &ev->base, obj)) goto err;
    const event_type_t *t = type_by_name(ev->type);
    const json_t *jp = json_object_get(obj, "payload");
    if (t && json_is_object(jp)) {
        ProtobufCMessage *payload = malloc(t->spec->desc->sizeof_message);
        if (!payload) goto err;
        protobuf_c_message_init(t->spec->desc, payload);
        *MEMBER(ev, payload_field(t), ProtobufCMessage *) = payload; /* owned by ev now */
        ev->payload_case = t->pcase;
        if (lenient_fill(t->spec, payload, jp)) goto err;
    }
    return ev;
err:
    jiuye__event__free_unpacked(ev, NULL);
    return NULL;
}

_Static_assert(N(EVENT_TYPES) == EVENT_TYPE_COUNT, "EVENT_TYPE_COUNT is the size of EVENT_TYPES");

int event_type_index(const char *name) {
    const event_type_t *t = name ? type_by_name(name) : NULL;
    return t ? (int)(t - EVENT_TYPES) : -1;
}

const char *event_type_name(int i) {
    return i >= 0 && i < EVENT_TYPE_COUNT ? EVENT_TYPES[i].name : NULL;
}

const char *event_json_id(const json_t *obj) {
    return json_string_value(json_object_get(obj, "event_id")); /* NULL unless a string */
}
