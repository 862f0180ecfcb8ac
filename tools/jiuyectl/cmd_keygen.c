/* cmd_keygen.c: `jiuyectl keygen NAME...` prints a CURVE key pair per service
 * as environment assignments (common/curve.h), ready for an env file:
 *
 *   RULES_CURVE_PUBLIC=...
 *   RULES_CURVE_SECRET=...
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"

#define KEYGEN_USAGE "usage: jiuyectl keygen NAME...   (e.g. jiuyectl keygen intake rules subsidy notify)\n"

int cmd_keygen(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        fputs(KEYGEN_USAGE, stdout);
        return 0;
    }
    if (argc < 2) {
        fputs(KEYGEN_USAGE, stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        char public_key[41], secret_key[41], upper[64];
        size_t n = 0;
        for (const char *p = argv[i]; *p && n + 1 < sizeof upper; p++) {
            if (!isalnum((unsigned char)*p) && *p != '_') {
                fprintf(stderr, "jiuyectl keygen: '%s': names are letters, digits and _\n", argv[i]);
                return 2;
            }
            upper[n++] = (char)toupper((unsigned char)*p);
        }
        upper[n] = '\0';
        if (zmq_curve_keypair(public_key, secret_key) != 0) {
            fprintf(stderr, "jiuyectl keygen: libzmq has no CURVE support: %s\n", zmq_strerror(zmq_errno()));
            return 1;
        }
        /* Z85 has no quote or backslash: single quotes make the lines safe to source in a shell. */
        printf("%s_CURVE_PUBLIC='%s'\n%s_CURVE_SECRET='%s'\n", upper, public_key, upper, secret_key);
    }
    return 0;
}
