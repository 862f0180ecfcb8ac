/* ident.c: validation and masking of the identities of docs/policy.md §1 (see ident.h).
 *
 * cert_no checks run in this order, and the first failure is the reason given:
 *   1. length 20 (reported in characters when the input is valid UTF-8)
 *   2. characters 1-17 are digits, character 18 a digit or 'X' (not 'x')
 *   3. GB 11643 check character (ISO 7064 MOD 11-2)
 *   4. birth date (characters 7-14) is a real date in 1900-01-01..date_today()
 *   5. category (character 19) 1-7, grade (character 20) 1-4
 * Reasons quote at most the one or eight characters they are about, never the
 * whole value. Credit codes: length 18, alphabet, GB 32100 mod-31 check. */
#include "ident.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* GB 32100 alphabet: a character's value is its index (I, O, S, V, Z unused). */
static const char CREDIT_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int CREDIT_WEIGHTS[CREDIT_CODE_LEN - 1] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

/* GB 11643: weight of position i is 2^(17-i) mod 11; check = "10X98765432"[sum % 11]. */
static const int ID_WEIGHTS[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_CHECK[] = "10X98765432";

static const struct district {
    const char *code;
    const char *name;
} DISTRICTS[] = {
    {"320700", "连云港市"}, /* city-level units */
    {"320703", "连云区"},
    {"320706", "海州区"},
    {"320707", "赣榆区"},
    {"320722", "东海县"},
    {"320723", "灌云县"},
    {"320724", "灌南县"},
};

/* printf into err when the caller gave room for it; always returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
                                                      const char *fmt, ...) {
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Describe character c for a reason text: "'I'" when printable ASCII, else its byte. */
static void describe_char(unsigned char c, char *buf, size_t buflen) {
    if (c >= 0x20 && c < 0x7f)
        snprintf(buf, buflen, "'%c'", c);
    else
        snprintf(buf, buflen, "byte 0x%02X", c);
}

/* Shared length check: "must be N characters, got M" (M in characters when
 * s is valid UTF-8, so that "１２３" is not reported as 9). */
static int check_length(const char *s, size_t want, char *err, size_t errlen) {
    size_t bytes = strlen(s);
    if (bytes == want) return 0;
    long chars = utf8_length(s);
    if (chars == (long)want)
        return fail(err, errlen, "must be %zu ASCII characters, got non-ASCII characters",
                    want);
    return fail(err, errlen, "must be %zu characters, got %zu", want,
                chars >= 0 ? (size_t)chars : bytes);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int cert_no_parse(const char *s, cert_info_t *info, char *err, size_t errlen) {
    if (!s) return fail(err, errlen, "is missing");
    if (check_length(s, CERT_NO_LEN, err, errlen) != 0) return -1;

    for (int i = 0; i < 17; i++)
        if (!is_digit(s[i])) return fail(err, errlen, "characters 1-17 must be digits");
    if (s[17] == 'x')
        return fail(err, errlen, "character 18 must be a digit or uppercase 'X', got lowercase 'x'");
    if (!is_digit(s[17]) && s[17] != 'X')
        return fail(err, errlen, "character 18 must be a digit or 'X'");

    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (s[i] - '0') * ID_WEIGHTS[i];
    char check = ID_CHECK[sum % 11];
    if (s[17] != check) return fail(err, errlen, "check digit should be %c", check);

    int y = 0, m = 0, d = 0;
    for (int i = 6; i < 10; i++) y = y * 10 + (s[i] - '0');
    for (int i = 10; i < 12; i++) m = m * 10 + (s[i] - '0');
    for (int i = 12; i < 14; i++) d = d * 10 + (s[i] - '0');
    jdate_t birth;
    if (date_from_ymd(y, m, d, &birth) != 0)
        return fail(err, errlen, "birth date %.8s is not a real date", s + 6);
    if (y < 1900) return fail(err, errlen, "birth date %.8s is before 1900-01-01", s + 6);
    if (birth > date_today()) return fail(err, errlen, "birth date %.8s is in the future", s + 6);

    char buf[16];
    if (s[18] < '1' || s[18] > '7') {
        if (is_digit(s[18])) return fail(err, errlen, "category must be 1-7, got %c", s[18]);
        describe_char((unsigned char)s[18], buf, sizeof buf);
        return fail(err, errlen, "category must be 1-7, got %s", buf);
    }
    if (s[19] < '1' || s[19] > '4') {
        if (is_digit(s[19])) return fail(err, errlen, "grade must be 1-4, got %c", s[19]);
        describe_char((unsigned char)s[19], buf, sizeof buf);
        return fail(err, errlen, "grade must be 1-4, got %s", buf);
    }

    if (info) {
        info->birth = birth;
        info->male = (s[16] - '0') % 2;
        info->category = s[18] - '0';
        info->grade = s[19] - '0';
    }
    return 0;
}

int credit_code_check(const char *s, char *err, size_t errlen) {
    if (!s) return fail(err, errlen, "is missing");
    if (check_length(s, CREDIT_CODE_LEN, err, errlen) != 0) return -1;

    int values[CREDIT_CODE_LEN];
    for (int i = 0; i < CREDIT_CODE_LEN; i++) {
        const char *p = s[i] ? strchr(CREDIT_ALPHABET, s[i]) : NULL;
        if (!p) {
            char buf[16];
            describe_char((unsigned char)s[i], buf, sizeof buf);
            const char *hint = (s[i] >= 'a' && s[i] <= 'z') ? " (letters must be uppercase)" : "";
            return fail(err, errlen, "character %d %s is not allowed%s", i + 1, buf, hint);
        }
        values[i] = (int)(p - CREDIT_ALPHABET);
    }
    int sum = 0;
    for (int i = 0; i < CREDIT_CODE_LEN - 1; i++) sum += values[i] * CREDIT_WEIGHTS[i];
    int check = (31 - sum % 31) % 31;
    if (values[CREDIT_CODE_LEN - 1] != check)
        return fail(err, errlen, "check character should be '%c'", CREDIT_ALPHABET[check]);
    return 0;
}

const char *district_name(const char *code) {
    if (!code) return NULL;
    for (size_t i = 0; i < sizeof DISTRICTS / sizeof DISTRICTS[0]; i++)
        if (strcmp(code, DISTRICTS[i].code) == 0) return DISTRICTS[i].name;
    return NULL;
}

/* Keeps 4 leading and 6 trailing bytes of a 20-or-longer value. A shorter
 * value keeps the same proportions rounded down (n*4/20 and n*6/20), so at
 * least half of it is always starred; kept bytes that are not printable
 * ASCII are starred too. Output has one byte per input byte, truncated to
 * outlen - 1. */
void mask_cert_no(const char *cert_no, char *out, size_t outlen) {
    assert(out && outlen > 0);
    size_t n = cert_no ? strlen(cert_no) : 0;
    size_t head = n >= CERT_NO_LEN ? 4 : n * 4 / CERT_NO_LEN;
    size_t tail = n >= CERT_NO_LEN ? 6 : n * 6 / CERT_NO_LEN;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < outlen; i++) {
        unsigned char c = (unsigned char)cert_no[i];
        int keep = (i < head || i >= n - tail) && c >= 0x20 && c < 0x7f;
        out[o++] = keep ? (char)c : '*';
    }
    out[o] = '\0';
}

/* Length in bytes of the valid UTF-8 character at s, or 0 if none (invalid or NUL). */
static size_t utf8_char_len(const unsigned char *s) {
    unsigned char c = s[0];
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0; /* overlong */
        if (c == 0xED) hi = 0x9F; /* surrogates U+D800..U+DFFF */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90; /* overlong */
        if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0; /* stray continuation, overlong C0/C1, or F5..FF */
    }
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

void mask_name(const char *name, char *out, size_t outlen) {
    assert(out && outlen > 0);
    out[0] = '\0';
    if (!name || !name[0]) return;
    size_t len = utf8_char_len((const unsigned char *)name);
    if (len > 0 && len + 2 <= outlen) {
        memcpy(out, name, len);
        out[len] = '*';
        out[len + 1] = '\0';
    } else if (outlen >= 2) {
        out[0] = '*'; /* invalid first character, or no room to show it */
        out[1] = '\0';
    }
}

long utf8_length(const char *s) {
    if (!s) return -1;
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        size_t len = utf8_char_len(p);
        if (len == 0) return -1;
        p += len;
        n++;
    }
    return n;
}
