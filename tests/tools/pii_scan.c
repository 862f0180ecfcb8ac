/* pii_scan: look for personal data where it must not be (tests/e2e/zz_privacy_scan.sh).
 *
 *   pii_scan NAMES IDS FILE...
 *
 * Reports every line of FILE... that holds
 *   - an identity number: 18 characters [0-9]{17}[0-9X] with a valid GB 11643 check
 *     character and a real birth date, not inside a longer run of digits (alone, or the
 *     first 18 characters of a 20-character cert_no); any person's, published or not;
 *   - the identity number of a published person (a line of IDS: a cert_no or its first
 *     18 characters), wherever it stands, even glued to other digits;
 *   - the name of a published person (a line of NAMES of two characters or more: a
 *     one-character "name" would match everywhere).
 * A finding is printed as FILE:LINE: WHAT (VALUE MASKED), never with the value itself,
 * so that this tool's own output is no leak. Exit status: 0 nothing found, 1 found,
 * 2 usage or I/O error. A line longer than MAX_LINE is scanned in pieces that overlap
 * by the longest needle, so nothing straddling a cut is missed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 65536
#define MAX_NEEDLES 200000
#define MAX_NEEDLE 256
#define ID_LEN 18

typedef struct {
    char **items;
    size_t n;
} needles_t;

static const int ID_WEIGHTS[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_CHECK[] = "10X98765432";

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Number of UTF-8 characters of s (bytes that do not continue a sequence). */
static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* 1 if p[0..17] is an identity number: digits, check character, a birth date that exists. */
static int is_id(const char *p) {
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(p[i])) return 0;
        sum += (p[i] - '0') * ID_WEIGHTS[i];
    }
    if (p[17] != ID_CHECK[sum % 11]) return 0;
    int y = (p[6] - '0') * 1000 + (p[7] - '0') * 100 + (p[8] - '0') * 10 + (p[9] - '0');
    int m = (p[10] - '0') * 10 + (p[11] - '0'), d = (p[12] - '0') * 10 + (p[13] - '0');
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > days[m - 1]) return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
    return 1;
}

/* The first four and the last two characters of an ID, the rest as '*'. */
static void mask_id(const char *p, char out[ID_LEN + 1]) {
    for (int i = 0; i < ID_LEN; i++) out[i] = (i < 4 || i >= ID_LEN - 2) ? p[i] : '*';
    out[ID_LEN] = '\0';
}

/* The first character of a name (whole UTF-8 sequence), then '*'. */
static void mask_name(const char *name, char *out, size_t len) {
    size_t first = 1;
    while (name[first] && ((unsigned char)name[first] & 0xC0) == 0x80) first++;
    snprintf(out, len, "%.*s*", (int)first, name);
}

/* Load one needle a line; keep those of at least min_chars characters. Returns 0 or -1. */
static int needles_load(const char *path, size_t min_chars, size_t cut, needles_t *out) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[MAX_NEEDLE + 2];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (cut && strlen(line) > cut) line[cut] = '\0';
        if (utf8_chars(line) < min_chars) continue;
        if (out->n == MAX_NEEDLES) {
            fprintf(stderr, "%s: more than %d lines\n", path, MAX_NEEDLES);
            fclose(f);
            return -1;
        }
        if (out->n % 1024 == 0) {
            char **grown = realloc(out->items, (out->n + 1024) * sizeof *grown);
            if (!grown) abort();
            out->items = grown;
        }
        out->items[out->n] = strdup(line);
        if (!out->items[out->n]) abort();
        out->n++;
    }
    fclose(f);
    return 0;
}

static void needles_free(needles_t *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if p[0..17] is 17 digits and a digit or 'X' (what an ID looks like, checked or not). */
static int id_shaped(const char *p) {
    for (int i = 0; i < 17; i++)
        if (!is_digit(p[i])) return 0;
    return is_digit(p[17]) || p[17] == 'X';
}

/* Scan one piece of a line; prints and counts findings. ids must be sorted. */
static long scan_line(const char *file, long lineno, const char *s, const needles_t *names, const needles_t *ids) {
    long found = 0;
    size_t len = strlen(s);
    char masked[MAX_NEEDLE + 8], id[ID_LEN + 1];
    for (size_t i = 0; i + ID_LEN <= len; i++) {
        if (!id_shaped(s + i)) continue;
        memcpy(id, s + i, ID_LEN);
        id[ID_LEN] = '\0';
        const char *key = id;
        if (ids->n && bsearch(&key, ids->items, ids->n, sizeof *ids->items, cmp_str)) {
            mask_id(id, masked);
            printf("%s:%ld: a published person's identity number (%s)\n", file, lineno, masked);
            found++;
            continue;
        }
        if ((i > 0 && is_digit(s[i - 1])) || !is_id(s + i)) continue;
        const char *after = s + i + ID_LEN;
        /* An 18-digit run, or a cert_no (ID, category 1-7, grade 1-4) ending there. */
        int alone = !is_digit(after[0]);
        int cert = after[0] >= '1' && after[0] <= '7' && after[1] >= '1' && after[1] <= '4' && !is_digit(after[2]);
        if (!alone && !cert) continue;
        mask_id(id, masked);
        printf("%s:%ld: a full identity number (%s)\n", file, lineno, masked);
        found++;
    }
    for (size_t k = 0; k < names->n; k++)
        if (strstr(s, names->items[k])) {
            mask_name(names->items[k], masked, sizeof masked);
            printf("%s:%ld: a published person's name (%s)\n", file, lineno, masked);
            found++;
        }
    return found;
}

/* Scan a file line by line. Returns the findings, or -1 if it cannot be read. */
static long scan_file(const char *path, const needles_t *names, const needles_t *ids) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    static char buf[MAX_LINE + 1];
    size_t keep = MAX_NEEDLE + ID_LEN + 2, have = 0;
    long lineno = 1, found = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (c == '\n' || c == '\0') {
            buf[have] = '\0';
            found += scan_line(path, lineno, buf, names, ids);
            have = 0;
            if (c == '\n') lineno++;
            continue;
        }
        buf[have++] = (char)c;
        if (have == MAX_LINE) { /* scan the piece, keep its tail for what straddles the cut */
            buf[have] = '\0';
            found += scan_line(path, lineno, buf, names, ids);
            memmove(buf, buf + have - keep, keep);
            have = keep;
        }
    }
    buf[have] = '\0';
    if (have) found += scan_line(path, lineno, buf, names, ids);
    int err = ferror(f);
    fclose(f);
    return err ? -1 : found;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: pii_scan NAMES IDS FILE...\n");
        return 2;
    }
    needles_t names = {0}, ids = {0};
    int rc = 0;
    /* An ID needle is the 18 characters that identify the person (a cert_no adds two). */
    if (needles_load(argv[1], 2, 0, &names) != 0 || needles_load(argv[2], ID_LEN, ID_LEN, &ids) != 0) {
        rc = 2;
        goto out;
    }
    qsort(ids.items, ids.n, sizeof *ids.items, cmp_str);
    long total = 0;
    for (int i = 3; i < argc; i++) {
        long n = scan_file(argv[i], &names, &ids);
        if (n < 0) {
            rc = 2;
            goto out;
        }
        total += n;
    }
    rc = total > 0;
out:
    needles_free(&names);
    needles_free(&ids);
    return rc;
}
