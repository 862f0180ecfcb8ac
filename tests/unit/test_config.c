/* test_config.c: unit tests of common/config.c, mainly <VAR>_FILE (values from files,
 * as compose secrets mount them under /run/secrets), and of the CURVE keys and the
 * database password read through it. The fatal cases run in a forked child whose
 * exit status and stderr are checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "config.h"
#include "curve.h"

static char dir[] = "/tmp/jiuye-test-config.XXXXXX";

/* Write content (len bytes) to dir/name; returns path (filled in). */
static const char *write_file(const char *name, const char *content, size_t len, char *path, size_t cap) {
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static int setup(void **state) {
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_plain_variable_and_default(void **state) {
    (void)state;
    unsetenv("JT_PLAIN");
    unsetenv("JT_PLAIN_FILE");
    assert_string_equal(config_str("JT_PLAIN", "fallback"), "fallback");
    assert_null(config_str("JT_PLAIN", NULL));
    setenv("JT_PLAIN", "", 1);
    assert_string_equal(config_str("JT_PLAIN", "fallback"), "fallback");
    setenv("JT_PLAIN", "value", 1);
    assert_string_equal(config_str("JT_PLAIN", "fallback"), "value");
    unsetenv("JT_PLAIN");
}

static void test_value_from_file_without_its_line_ending(void **state) {
    (void)state;
    char path[256];
    unsetenv("JT_SECRET");
    setenv("JT_SECRET_FILE", write_file("secret", "s3cret\n", 7, path, sizeof path), 1);
    assert_string_equal(config_str("JT_SECRET", NULL), "s3cret");
    /* Loaded once: the value is now in the environment and the _FILE variable is gone. */
    assert_null(getenv("JT_SECRET_FILE"));
    assert_string_equal(config_str("JT_SECRET", NULL), "s3cret");
    unsetenv("JT_SECRET");

    setenv("JT_CRLF_FILE", write_file("crlf", "pw\r\n", 4, path, sizeof path), 1);
    assert_string_equal(config_str("JT_CRLF", NULL), "pw");
    unsetenv("JT_CRLF");
    /* Only one line ending goes: a value's own trailing space or inner lines stay. */
    setenv("JT_INNER_FILE", write_file("inner", "a b \nc\n", 7, path, sizeof path), 1);
    assert_string_equal(config_str("JT_INNER", NULL), "a b \nc");
    unsetenv("JT_INNER");
    setenv("JT_NOEOL_FILE", write_file("noeol", "tcp://rules:5551", 16, path, sizeof path), 1);
    assert_string_equal(config_str("JT_NOEOL", NULL), "tcp://rules:5551");
    unsetenv("JT_NOEOL");
}

static void test_integer_from_file(void **state) {
    (void)state;
    char path[256];
    setenv("JT_INT_FILE", write_file("int", "5000\n", 5, path, sizeof path), 1);
    assert_int_equal(config_int("JT_INT", 1, 0, 10000), 5000);
    unsetenv("JT_INT");
}

/* Run config_str(name) in a child; return its exit status, its stderr in err. */
static int child_status(const char *name, char *err, size_t cap) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        const char *v = config_str(name, "default");
        printf("child got '%s'\n", v ? v : "(null)");
        _exit(0);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fds[0], err + n, cap - 1 - n)) > 0) n += (size_t)r;
    err[n] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_bad_files_are_fatal_and_named(void **state) {
    (void)state;
    char path[256], err[4096];

    setenv("JT_BOTH", "inline", 1);
    setenv("JT_BOTH_FILE", write_file("both", "file\n", 5, path, sizeof path), 1);
    assert_int_equal(child_status("JT_BOTH", err, sizeof err), 2);
    assert_non_null(strstr(err, "set JT_BOTH or JT_BOTH_FILE, not both"));
    unsetenv("JT_BOTH");
    unsetenv("JT_BOTH_FILE");

    setenv("JT_MISSING_FILE", "/nonexistent/jiuye/secret", 1);
    assert_int_equal(child_status("JT_MISSING", err, sizeof err), 2);
    assert_non_null(strstr(err, "JT_MISSING_FILE: cannot read /nonexistent/jiuye/secret: No such file"));
    unsetenv("JT_MISSING_FILE");

    setenv("JT_EMPTY_FILE", write_file("empty", "\n", 1, path, sizeof path), 1);
    assert_int_equal(child_status("JT_EMPTY", err, sizeof err), 2);
    assert_non_null(strstr(err, "JT_EMPTY_FILE:"));
    assert_non_null(strstr(err, "is empty"));
    unsetenv("JT_EMPTY_FILE");

    setenv("JT_NUL_FILE", write_file("nul", "ab\0cd", 5, path, sizeof path), 1);
    assert_int_equal(child_status("JT_NUL", err, sizeof err), 2);
    assert_non_null(strstr(err, "holds a NUL byte"));
    unsetenv("JT_NUL_FILE");

    /* The same checks guard the good case: a readable file exits 0 with its value. */
    setenv("JT_GOOD_FILE", write_file("good", "fine\n", 5, path, sizeof path), 1);
    assert_int_equal(child_status("JT_GOOD", err, sizeof err), 0);
    unsetenv("JT_GOOD_FILE");
}

/* The CURVE keys (common/curve.c) go through config_str: a client whose three keys are
 * files is configured; a key file holding garbage is refused like a bad variable. */
static void test_curve_keys_from_files(void **state) {
    (void)state;
    char pub[41], sec[41], server_pub[41], server_sec[41], path[256];
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    assert_int_equal(zmq_curve_keypair(server_pub, server_sec), 0);
    char line[64];
    int n = snprintf(line, sizeof line, "%s\n", pub);
    setenv("JTA_CURVE_PUBLIC_FILE", write_file("a.pub", line, (size_t)n, path, sizeof path), 1);
    n = snprintf(line, sizeof line, "%s\n", sec);
    setenv("JTA_CURVE_SECRET_FILE", write_file("a.sec", line, (size_t)n, path, sizeof path), 1);
    n = snprintf(line, sizeof line, "%s\n", server_pub);
    setenv("JTB_CURVE_PUBLIC_FILE", write_file("b.pub", line, (size_t)n, path, sizeof path), 1);

    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    assert_non_null(sock);
    assert_int_equal(curve_client_setup(sock, "jta", "jtb"), 1);
    assert_string_equal(getenv("JTA_CURVE_SECRET"), sec);
    char got[41];
    size_t len = sizeof got;
    assert_int_equal(zmq_getsockopt(sock, ZMQ_CURVE_SERVERKEY, got, &len), 0);
    assert_string_equal(got, server_pub);

    unsetenv("JTB_CURVE_PUBLIC");
    setenv("JTB_CURVE_PUBLIC_FILE", write_file("b.bad", "not-a-key\n", 10, path, sizeof path), 1);
    assert_int_equal(curve_client_setup(sock, "jta", "jtb"), -1);

    zmq_close(sock);
    zmq_ctx_term(ctx);
    unsetenv("JTA_CURVE_PUBLIC");
    unsetenv("JTA_CURVE_SECRET");
    unsetenv("JTB_CURVE_PUBLIC");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_variable_and_default),
        cmocka_unit_test(test_value_from_file_without_its_line_ending),
        cmocka_unit_test(test_integer_from_file),
        cmocka_unit_test(test_bad_files_are_fatal_and_named),
        cmocka_unit_test(test_curve_keys_from_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
