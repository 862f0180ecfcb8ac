/* money.h: integer fen arithmetic (docs/policy.md §3 "Rounding").
 *
 * Money is int64 fen, never floating point. A ratio is applied by multiplying
 * in integers and dividing once, rounding half away from zero
 * (round-half-up on magnitudes), at the end of each breakdown line. */
#ifndef JIUYE_MONEY_H
#define JIUYE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* fen * num / den rounded half away from zero. den > 0; the product must fit
 * in int64 (asserted). money_ratio(180000, 60, 100) == 108000. */
int64_t money_ratio(int64_t fen, int64_t num, int64_t den);

/* "1500.00" style yuan text for fen (negative keeps its sign) into out
 * (outlen >= 32, asserted). Returns out. */
char *money_format_yuan(int64_t fen, char *out, size_t outlen);

#endif
