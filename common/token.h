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

/* 1 when the len bytes at t have a token's form ("jy_" and 64 lower-case hex digits, as
 * token_new makes them), else 0. */
int token_valid(const char *t, size_t len);

/* How a token is stored: "\\x" and the hex of its SHA-256, a bytea parameter in text form,
 * into out (TOKEN_DIGEST_PARAM_LEN bytes with the NUL). */
#define TOKEN_DIGEST_PARAM_LEN 67
void token_digest_param(const char *token, char out[TOKEN_DIGEST_PARAM_LEN]);

/* SHA-256 of len bytes of data into out. */
void sha256(const void *data, size_t len, uint8_t out[32]);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif
