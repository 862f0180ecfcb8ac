/* config.h: configuration from environment variables (12-factor), with the
 * safe defaults of the local run. A value that is present but invalid is a
 * fatal error naming the variable: a service never runs on a guess.
 *
 * Every variable read here may instead come from a file named by <VAR>_FILE
 * (compose and Kubernetes secrets mounted under /run/secrets): the file's
 * content, less its trailing line ending, is the value. Setting both VAR and
 * VAR_FILE is refused, as is a file that cannot be read, is empty or holds a NUL. */
#ifndef JIUYE_CONFIG_H
#define JIUYE_CONFIG_H

/* The value of name (or of the file name_FILE points at), or def when unset or
 * empty. The value lives in the environment (a file's content is put there):
 * do not free it. Exits (status 2, logged) on a refused name_FILE. Call at
 * start, before any thread: it may setenv(). */
const char *config_str(const char *name, const char *def);

/* An integer in [min, max]; exits with a message naming the variable when invalid. */
long config_int(const char *name, long def, long min, long max);

#endif
