/* token.c: bearer tokens and SHA-256 (see token.h). */
#include "token.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

void hex_encode(const uint8_t *in, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

int token_new(char out[TOKEN_LEN + 1]) {
    uint8_t raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return -1;
    memcpy(out, "jy_", 3);
    hex_encode(raw, sizeof raw, out + 3);
    return 0;
}

void sha256(const void *data, size_t len, uint8_t out[32]) {
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

int token_valid(const char *t, size_t len) {
    return len == TOKEN_LEN && strncmp(t, "jy_", 3) == 0 && strspn(t + 3, "0123456789abcdef") >= TOKEN_LEN - 3;
}

void token_digest_param(const char *token, char out[TOKEN_DIGEST_PARAM_LEN]) {
    uint8_t digest[32];
    char hex[65];
    sha256(token, strlen(token), digest);
    hex_encode(digest, 32, hex);
    snprintf(out, TOKEN_DIGEST_PARAM_LEN, "\\x%s", hex);
}
