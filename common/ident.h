/* ident.h: identities of docs/policy.md §1 and their validation.
 *
 * cert_no (残疾人证号): 18-character citizen ID (GB 11643, ISO 7064 MOD 11-2
 * check character, possibly 'X') followed by the disability category (1-7)
 * and grade (1-4). Credit codes (统一社会信用代码, GB 32100): 18 characters over
 * the alphabet 0-9A-HJ-NPQRTUWXY with a mod-31 check character. Districts:
 * the six area codes of Lianyungang and 320700 for city-level units.
 *
 * Validators write a short English reason into err (never containing the full
 * value, since errors are logged) and return -1; on success they return 0.
 * The caller prefixes the field name: "cert_no: check digit should be 7". */
#ifndef JIUYE_IDENT_H
#define JIUYE_IDENT_H

#include <stddef.h>
#include "date.h"

#define CERT_NO_LEN 20
#define CREDIT_CODE_LEN 18

typedef struct cert_info {
    jdate_t birth;   /* from ID digits 7-14 */
    int male;        /* 17th digit odd */
    int category;    /* 1 视力 .. 7 多重 */
    int grade;       /* 1 (most severe) .. 4 */
} cert_info_t;

/* Validate cert_no; on success fill *info (may be NULL). Reasons are specific:
 * "must be 20 characters, got 19", "check digit should be 7", "birth date
 * 19900230 is not a real date", "category must be 1-7, got 8", ... */
int cert_no_parse(const char *s, cert_info_t *info, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Validate a unified social credit code: length, alphabet, check character. */
int credit_code_check(const char *s, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The Chinese name of a known district code ("海州区"), or NULL if unknown. */
const char *district_name(const char *code);

/* Masked forms for anything that leaves the suite or reaches a log:
 * "3207**********123441" (first 4 and last 6 kept) and "张*" (first character
 * kept, UTF-8 aware). out must hold outlen bytes; the result is always NUL-terminated. */
void mask_cert_no(const char *cert_no, char *out, size_t outlen);
void mask_name(const char *name, char *out, size_t outlen);

/* Number of UTF-8 characters in s, or -1 if s is not valid UTF-8. */
long utf8_length(const char *s);

#endif
