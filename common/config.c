/* config.c: environment configuration (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A secret is a key, a password or a URL: anything longer is not what was meant. */
#define CONFIG_FILE_MAX 65536

/* Read the file of name_FILE (path) into the environment as name, then drop name_FILE:
 * later reads find the value in one place, and the "both set" check stays meaningful. */
static void load_from_file(const char *name, const char *file_var, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        log_error("config: %s: cannot read %s: %s", file_var, path, strerror(errno));
        exit(2);
    }
    char *buf = malloc(CONFIG_FILE_MAX + 1);
    if (!buf) {
        log_error("config: %s: out of memory", file_var);
        exit(2);
    }
    size_t n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
    int read_error = ferror(f);
    fclose(f);
    const char *problem = read_error ? "read error"
                          : n > CONFIG_FILE_MAX ? "longer than 64 KiB"
                          : memchr(buf, '\0', n) ? "holds a NUL byte"
                                                 : NULL;
    /* One trailing line ending (echo, editors), with or without a carriage return. */
    if (!problem && n > 0 && buf[n - 1] == '\n') n--;
    if (!problem && n > 0 && buf[n - 1] == '\r') n--;
    if (!problem && n == 0) problem = "is empty";
    if (problem) {
        free(buf);
        log_error("config: %s: %s %s", file_var, path, problem);
        exit(2);
    }
    buf[n] = '\0';
    int rc = setenv(name, buf, 1);
    free(buf);
    if (rc != 0 || unsetenv(file_var) != 0) {
        log_error("config: %s: cannot set %s: %s", file_var, name, strerror(errno));
        exit(2);
    }
}

const char *config_str(const char *name, const char *def) {
    char file_var[128];
    if ((size_t)snprintf(file_var, sizeof file_var, "%s_FILE", name) < sizeof file_var) {
        const char *path = getenv(file_var);
        if (path && *path) {
            const char *v = getenv(name);
            if (v && *v) {
                log_error("config: set %s or %s, not both", name, file_var);
                exit(2);
            }
            load_from_file(name, file_var, path);
        }
    }
    const char *v = getenv(name);
    return (v && *v) ? v : def;
}

long config_int(const char *name, long def, long min, long max) {
    const char *v = config_str(name, NULL);
    if (!v) return def;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        log_error("config: %s must be an integer in [%ld, %ld], got '%s'", name, min, max, v);
        exit(2);
    }
    return n;
}
