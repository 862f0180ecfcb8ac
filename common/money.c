/* money.c: integer fen arithmetic (see money.h).
 *
 * One multiplication, one division, one rounding: half away from zero, so a
 * negative amount rounds to the mirror of its positive counterpart
 * (money_ratio(-5, 1, 2) == -3). Overflow is a programmer error: amounts in
 * this suite are far below the int64 range. */
#include "money.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

int64_t money_ratio(int64_t fen, int64_t num, int64_t den) {
    int64_t p;
    assert(den > 0);
    int overflow = __builtin_mul_overflow(fen, num, &p);
    assert(!overflow && "money_ratio: fen * num overflows int64");
    (void)overflow;
    int64_t q = p / den, r = p % den; /* C truncates toward zero; r has p's sign */
    int64_t ar = r < 0 ? -r : r;      /* |r| < den, so no overflow */
    if (ar >= den - ar) q += p < 0 ? -1 : 1;
    return q;
}

/* Needs at most 22 bytes ("-92233720368547758.08"); the contract asks for 32. */
char *money_format_yuan(int64_t fen, char *out, size_t outlen) {
    assert(out && outlen >= 32);
    uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, outlen, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", mag / 100,
             (unsigned)(mag % 100));
    return out;
}
