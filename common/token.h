/* token.h: bearer tokens for upstream sources.
 *
 * A token is "jy_" followed by 64 hex digits of OpenSSL randomness. Only its
 * SHA-256 is stored (intake.sources.token_sha256): a leaked table does not
 * leak the tokens. */
#ifndef JIUYE_TOKEN_H
#define JIUYE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_LEN 67 /* "jy_" + 64 hex */

/* Write a new token (TOKEN_LEN chars + NUL) into out. Returns 0 or -1 if no randomness. */
int token_new(char out[TOKEN_LEN + 1]) __attribute__((warn_unused_result));

/* SHA-256 of len bytes of data into out. */
void sha256(const void *data, size_t len, uint8_t out[32]);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif
