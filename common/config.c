/* config.c: environment configuration (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

const char *config_str(const char *name, const char *def) {
    const char *v = getenv(name);
    return (v && *v) ? v : def;
}

long config_int(const char *name, long def, long min, long max) {
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        log_error("config: %s must be an integer in [%ld, %ld], got '%s'", name, min, max, v);
        exit(2);
    }
    return n;
}
