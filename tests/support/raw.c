/* Test support: a raw HTTP receiver (see raw.h). */
#include "support/raw.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* How long raw_wait waits for the requests it expects. */
#define WAIT_MS 10000

#define RAW_HEAD_MAX (32 * 1024)
#define RAW_BODY_MAX (4 * 1024 * 1024)

static void raw_error(struct raw_rx *rx, const char *msg)
{
    pthread_mutex_lock(&rx->lock);
    if (rx->error[0] == '\0') {
        snprintf(rx->error, sizeof(rx->error), "%s", msg);
    }
    pthread_cond_broadcast(&rx->cond);
    pthread_mutex_unlock(&rx->lock);
}

const char *raw_header(const struct raw_req *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return r->headers[i].value;
        }
    }
    return NULL;
}

/* The same, "" when absent (for comparisons). */
const char *raw_hv(const struct raw_req *r, const char *name)
{
    const char *v = raw_header(r, name);
    return v != NULL ? v : "";
}

size_t raw_header_count(const struct raw_req *r, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_headers; i++) {
        n += strcasecmp(r->headers[i].name, name) == 0;
    }
    return n;
}

/* Splits the header block (head_len bytes, ending with the empty line) into
 * r. 0, or -1 with why set. */
static int raw_parse_head(const char *buf, size_t head_len, struct raw_req *r, const char **why)
{
    char *line;
    char *next;
    char *sp1;
    char *sp2;

    r->head = malloc(head_len + 1);
    assert_non_null(r->head);
    memcpy(r->head, buf, head_len);
    r->head[head_len] = '\0';
    line = r->head;
    next = strstr(line, "\r\n");
    *next = '\0';
    sp1 = strchr(line, ' ');
    sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    if (sp2 == NULL || strcmp(sp2 + 1, "HTTP/1.1") != 0 || (size_t)(sp1 - line) >= 16 ||
        (size_t)(sp2 - sp1 - 1) >= sizeof(r->target)) {
        *why = "a malformed request line";
        return -1;
    }
    snprintf(r->method, sizeof(r->method), "%.*s", (int)(sp1 - line), line);
    snprintf(r->target, sizeof(r->target), "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
    for (line = next + 2; *line != '\0'; line = next + 2) {
        char *colon;
        char *v;
        char *end;

        next = strstr(line, "\r\n");
        if (next == NULL || next == line) {
            break; /* the empty line */
        }
        *next = '\0';
        colon = strchr(line, ':');
        if (colon == NULL || colon == line || line[0] == ' ' || line[0] == '\t' ||
            r->n_headers == RAW_HEADERS_MAX) {
            *why = "a malformed or folded header line, or too many headers";
            return -1;
        }
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {
        }
        for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--) {
        }
        *end = '\0';
        r->headers[r->n_headers].name = line;
        r->headers[r->n_headers].value = v;
        r->n_headers++;
    }
    return 0;
}

static int raw_send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

        if (k <= 0) {
            return -1;
        }
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads one request from fd, records it and answers it. */
static void raw_serve(struct raw_rx *rx, int fd)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             "Content-Length: 2\r\nConnection: close\r\n\r\nok";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    struct timeval tv = {5, 0}; /* a stuck sender does not hold the thread for ever */
    struct raw_req r;
    char *buf = malloc(RAW_HEAD_MAX + 1);
    const char *why = NULL;
    const char *end = NULL;
    const char *cl;
    const char *expect;
    size_t len = 0;
    size_t head_len;
    size_t have;
    char *stop = NULL;
    unsigned long long want;

    assert_non_null(buf);
    memset(&r, 0, sizeof(r));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    while (end == NULL && len < RAW_HEAD_MAX) {
        ssize_t n = recv(fd, buf + len, RAW_HEAD_MAX - len, 0);

        if (n <= 0) {
            goto out; /* closed (or timed out) before a whole header block */
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (end == NULL) {
        why = "a header block over 32 KiB";
        goto out;
    }
    head_len = (size_t)(end - buf) + 4;
    if (raw_parse_head(buf, head_len, &r, &why) != 0) {
        goto out;
    }
    cl = raw_header(&r, "Content-Length");
    if (raw_header(&r, "Transfer-Encoding") != NULL || cl == NULL) {
        why = "a body without Content-Length";
        goto out;
    }
    errno = 0;
    want = strtoull(cl, &stop, 10);
    if (errno != 0 || *stop != '\0' || stop == cl || want > RAW_BODY_MAX) {
        why = "a bad Content-Length";
        goto out;
    }
    have = len - head_len;
    if (have > want) {
        why = "more bytes than Content-Length";
        goto out;
    }
    expect = raw_header(&r, "Expect");
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0 && have < want &&
        raw_send_all(fd, cont, sizeof(cont) - 1) != 0) {
        goto out;
    }
    r.body = malloc((size_t)want + 1);
    assert_non_null(r.body);
    memcpy(r.body, buf + head_len, have);
    while (have < want) {
        ssize_t n = recv(fd, r.body + have, (size_t)want - have, 0);

        if (n <= 0) {
            why = "a body shorter than Content-Length";
            goto out;
        }
        have += (size_t)n;
    }
    r.body[want] = '\0';
    r.body_len = (size_t)want;
    pthread_mutex_lock(&rx->lock);
    if (rx->n < RAW_REQS_MAX) {
        rx->reqs[rx->n] = r; /* takes ownership of head and body */
        memset(&r, 0, sizeof(r));
    }
    rx->n++;
    pthread_cond_broadcast(&rx->cond);
    pthread_mutex_unlock(&rx->lock);
    (void)raw_send_all(fd, ok, sizeof(ok) - 1);
out:
    if (why != NULL) {
        raw_error(rx, why);
    }
    free(r.head);
    free(r.body);
    free(buf);
}

static void *raw_main(void *arg)
{
    struct raw_rx *rx = arg;

    for (;;) {
        struct pollfd pf[2] = {{rx->listen_fd, POLLIN, 0}, {rx->stop[0], POLLIN, 0}};
        int fd;

        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            raw_error(rx, "poll failed");
            break;
        }
        if (pf[1].revents != 0) {
            break;
        }
        fd = accept(rx->listen_fd, NULL, NULL);
        if (fd >= 0) {
            raw_serve(rx, fd);
            close(fd);
        }
    }
    return NULL;
}

struct raw_rx *raw_start(void)
{
    struct raw_rx *rx = calloc(1, sizeof(*rx));
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);

    assert_non_null(rx);
    pthread_mutex_init(&rx->lock, NULL);
    pthread_cond_init(&rx->cond, NULL);
    assert_int_equal(pipe(rx->stop), 0);
    rx->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(rx->listen_fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rx->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(rx->listen_fd, 64), 0);
    assert_int_equal(getsockname(rx->listen_fd, (struct sockaddr *)&a, &alen), 0);
    rx->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&rx->thread, NULL, raw_main, rx), 0);
    return rx;
}

void raw_stop(struct raw_rx *rx)
{
    if (rx == NULL) {
        return;
    }
    assert_int_equal(write(rx->stop[1], "x", 1), 1);
    pthread_join(rx->thread, NULL);
    close(rx->listen_fd);
    close(rx->stop[0]);
    close(rx->stop[1]);
    for (size_t i = 0; i < rx->n && i < RAW_REQS_MAX; i++) {
        free(rx->reqs[i].head);
        free(rx->reqs[i].body);
    }
    pthread_cond_destroy(&rx->cond);
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}

/* Waits (bounded) until n requests came; fails on a malformed one. */
void raw_wait(struct raw_rx *rx, size_t n)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&rx->lock);
    while (rx->n < n && rx->error[0] == '\0' && rc == 0) {
        rc = pthread_cond_timedwait(&rx->cond, &rx->lock, &until);
    }
    pthread_mutex_unlock(&rx->lock);
    if (rx->error[0] != '\0') {
        fail_msg("the receiver got %s", rx->error);
    }
    if (rx->n < n) {
        fail_msg("the receiver saw %zu requests, expected %zu", rx->n, n);
    }
}

size_t raw_count(struct raw_rx *rx)
{
    size_t n;

    pthread_mutex_lock(&rx->lock);
    n = rx->n;
    pthread_mutex_unlock(&rx->lock);
    return n;
}
