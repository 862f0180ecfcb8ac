/* smtp_sink: an SMTP server for the e2e tests (loopback only).
 *
 *   smtp_sink PORT DIR
 *
 * Serves one connection at a time and speaks just enough SMTP for libcurl (EHLO/HELO,
 * MAIL, RCPT, DATA, RSET, NOOP, QUIT). Message n is written as DIR/n.eml (the data
 * with dot-stuffing undone, CRLF kept) and its envelope as DIR/n.env
 * ("MAIL FROM:<...>" and "RCPT TO:<...>" lines). Runs until killed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_LINE 4096
#define MAX_MESSAGE (4 * 1024 * 1024)

static const char *dir;
static long counter;

static void say(int fd, const char *s) {
    size_t len = strlen(s);
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n <= 0) return;
        s += n;
        len -= (size_t)n;
    }
}

static void serve(int fd) {
    FILE *in = fdopen(fd, "r");
    if (!in) {
        close(fd);
        return;
    }
    char line[MAX_LINE], envelope[8192] = "";
    say(fd, "220 smtp_sink ESMTP\r\n");
    while (fgets(line, sizeof line, in)) {
        if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
            say(fd, "250 smtp_sink\r\n");
        } else if (strncasecmp(line, "MAIL FROM:", 10) == 0 || strncasecmp(line, "RCPT TO:", 8) == 0) {
            size_t used = strlen(envelope);
            snprintf(envelope + used, sizeof envelope - used, "%s", line);
            say(fd, "250 OK\r\n");
        } else if (strncasecmp(line, "RSET", 4) == 0) {
            envelope[0] = '\0';
            say(fd, "250 OK\r\n");
        } else if (strncasecmp(line, "NOOP", 4) == 0) {
            say(fd, "250 OK\r\n");
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            say(fd, "354 end with <CRLF>.<CRLF>\r\n");
            char *msg = malloc(MAX_MESSAGE);
            size_t len = 0;
            int done = 0;
            while (msg && fgets(line, sizeof line, in)) {
                if (strcmp(line, ".\r\n") == 0 || strcmp(line, ".\n") == 0) {
                    done = 1;
                    break;
                }
                const char *l = line[0] == '.' ? line + 1 : line;
                size_t n = strlen(l);
                if (len + n < MAX_MESSAGE) {
                    memcpy(msg + len, l, n);
                    len += n;
                }
            }
            if (done) {
                long n = ++counter;
                char path[4096];
                snprintf(path, sizeof path, "%s/%ld.env", dir, n);
                FILE *f = fopen(path, "w");
                if (f) {
                    fputs(envelope, f);
                    fclose(f);
                }
                snprintf(path, sizeof path, "%s/%ld.eml", dir, n);
                f = fopen(path, "wb");
                if (f) {
                    fwrite(msg, 1, len, f);
                    fclose(f);
                }
                envelope[0] = '\0';
                say(fd, "250 OK queued\r\n");
            }
            free(msg);
            if (!done) break;
        } else if (strncasecmp(line, "QUIT", 4) == 0) {
            say(fd, "221 bye\r\n");
            break;
        } else {
            say(fd, "502 not implemented\r\n");
        }
    }
    fclose(in);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: smtp_sink PORT DIR\n");
        return 2;
    }
    dir = argv[2];
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0) {
        fprintf(stderr, "smtp_sink: cannot listen on 127.0.0.1:%s\n", argv[1]);
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        struct timeval tv = {30, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        serve(c);
    }
}
