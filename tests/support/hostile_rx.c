/* Test support: hostile receivers (see hostile_rx.h). */
#include "support/hostile_rx.h"

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
#include <sys/socket.h>
#include <unistd.h>

#define TEN_MB  (10u * 1024 * 1024)
#define TICK_MS 50

/* ---- the hostile receiver ------------------------------------------------- */

static bool rx_stopped(struct hostile_rx *rx)
{
    return atomic_load(&rx->stop);
}

/* Waits up to ms for fd to be readable; true when it is. */
static bool rx_wait_in(int fd, int ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};

    return poll(&pfd, 1, ms) > 0;
}

/* Reads the request head and its Content-Length body; false when the peer
 * closed first (the harness's preflight only connects). */
static bool rx_read_request(struct hostile_rx *rx, int fd)
{
    char buf[65536];
    size_t len = 0;
    char *end = NULL;
    size_t need;

    while (end == NULL) {
        ssize_t got;

        if (rx_stopped(rx) || len + 1 >= sizeof(buf)) {
            return false;
        }
        if (!rx_wait_in(fd, TICK_MS)) {
            continue;
        }
        got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (got <= 0) {
            return false;
        }
        len += (size_t)got;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    need = (size_t)(end + 4 - buf) + (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
    while (len < need) {
        ssize_t got;

        if (rx_stopped(rx)) {
            return false;
        }
        if (!rx_wait_in(fd, TICK_MS)) {
            continue;
        }
        got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0) {
            return false;
        }
        len += (size_t)got;
    }
    atomic_fetch_add(&rx->requests, 1);
    return true;
}

/* Sends everything unless the peer goes away or the test stops. */
static bool rx_send(struct hostile_rx *rx, int fd, const void *p, size_t len)
{
    const char *c = p;

    while (len > 0 && !rx_stopped(rx)) {
        ssize_t w = send(fd, c, len, MSG_NOSIGNAL);

        if (w <= 0) {
            return false;
        }
        c += w;
        len -= (size_t)w;
    }
    return len == 0;
}

/* Waits until the peer closes or the test stops. */
static void rx_hold(struct hostile_rx *rx, int fd)
{
    char sink[4096];

    while (!rx_stopped(rx)) {
        if (rx_wait_in(fd, TICK_MS) && recv(fd, sink, sizeof(sink), 0) <= 0) {
            return;
        }
    }
}

static void rx_huge(struct hostile_rx *rx, int fd, const char *head, bool junk)
{
    char *body = malloc(TEN_MB);

    assert_non_null(body);
    for (size_t i = 0; i < TEN_MB; i++) {
        /* Junk: NUL bytes, invalid UTF-8, control characters, quotes. */
        body[i] = junk ? "\x00\xff\xc0\"<\n\x1b&"[i % 8] : 'x';
    }
    if (rx_send(rx, fd, head, strlen(head))) {
        rx_send(rx, fd, body, TEN_MB);
    }
    free(body);
}

static void rx_misbehave(struct hostile_rx *rx, int fd)
{
    /* About 240 bytes: 12 s at one byte every TICK_MS, past any timeout
     * used here. */
    static const char slow[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: "
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "\r\n\r\nok";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    static const char mid[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
    static const char broken[] = "HTTP/1.1 2OO Okay-ish\r\nContent-Length: 2\r\n\r\nok";
    static const char bad_chunk[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    char big_head[64];
    struct linger lg = {1, 0};

    switch (rx->how) {
    case RX_SILENT:
        rx_hold(rx, fd);
        break;
    case RX_TRICKLE:
        for (size_t i = 0; i < sizeof(slow) - 1 && !rx_stopped(rx); i++) {
            if (!rx_send(rx, fd, slow + i, 1) ||
                (rx_wait_in(fd, TICK_MS) && recv(fd, big_head, 1, MSG_PEEK) <= 0)) {
                break;
            }
        }
        rx_hold(rx, fd);
        break;
    case RX_HUGE_200:
        snprintf(big_head, sizeof(big_head), "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n",
                 TEN_MB);
        rx_huge(rx, fd, big_head, false);
        break;
    case RX_HUGE_503:
        snprintf(big_head, sizeof(big_head),
                 "HTTP/1.1 503 Service Unavailable\r\nContent-Length: %u\r\n\r\n", TEN_MB);
        rx_huge(rx, fd, big_head, true);
        break;
    case RX_HUGE_HEADER:
        rx_huge(rx, fd, "HTTP/1.1 200 OK\r\nX-Huge: ", false);
        rx_hold(rx, fd);
        break;
    case RX_RESET:
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        break;
    case RX_BROKEN:
        rx_send(rx, fd, broken, sizeof(broken) - 1);
        rx_hold(rx, fd);
        break;
    case RX_BAD_CHUNK:
        rx_send(rx, fd, bad_chunk, sizeof(bad_chunk) - 1);
        rx_hold(rx, fd);
        break;
    case RX_MID_BODY:
        rx_send(rx, fd, mid, sizeof(mid) - 1);
        break;
    case RX_NOTHING:
        break;
    case RX_OK: /* answered in rx_conn_run */
        break;
    case RX_CONTINUE:
        while (rx_send(rx, fd, cont, sizeof(cont) - 1)) {
            if (rx_wait_in(fd, TICK_MS) && recv(fd, big_head, 1, MSG_PEEK) <= 0) {
                break;
            }
        }
        break;
    }
}

static void *rx_conn_run(void *arg)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct hostile_rx_conn *c = arg;

    /* The well-behaved receiver keeps the connection for more requests. */
    while (rx_read_request(c->rx, c->fd)) {
        if (c->rx->how != RX_OK) {
            rx_misbehave(c->rx, c->fd);
            break;
        }
        if (!rx_send(c->rx, c->fd, ok, sizeof(ok) - 1)) {
            break;
        }
    }
    close(c->fd);
    return NULL;
}

static void *rx_accept_run(void *arg)
{
    struct hostile_rx *rx = arg;

    while (!rx_stopped(rx)) {
        size_t i;
        int fd;

        if (!rx_wait_in(rx->listen_fd, TICK_MS)) {
            continue;
        }
        fd = accept(rx->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        i = atomic_load(&rx->n_conns);
        if (i >= MAX_CONNS) {
            close(fd);
            continue;
        }
        rx->conns[i].rx = rx;
        rx->conns[i].fd = fd;
        if (pthread_create(&rx->conns[i].thread, NULL, rx_conn_run, &rx->conns[i]) != 0) {
            close(fd);
            continue;
        }
        atomic_store(&rx->n_conns, i + 1);
    }
    return NULL;
}

struct hostile_rx *hostile_rx_start(enum hostile_rx_behaviour how)
{
    struct hostile_rx *rx = calloc(1, sizeof(*rx));
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);

    assert_non_null(rx);
    rx->how = how;
    atomic_init(&rx->stop, false);
    atomic_init(&rx->requests, 0);
    atomic_init(&rx->n_conns, 0);
    rx->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(rx->listen_fd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rx->listen_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(rx->listen_fd, 16), 0);
    assert_int_equal(getsockname(rx->listen_fd, (struct sockaddr *)&sin, &slen), 0);
    rx->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&rx->acceptor, NULL, rx_accept_run, rx), 0);
    return rx;
}

void hostile_rx_stop(struct hostile_rx *rx)
{
    atomic_store(&rx->stop, true);
    pthread_join(rx->acceptor, NULL);
    for (size_t i = 0; i < atomic_load(&rx->n_conns); i++) {
        pthread_join(rx->conns[i].thread, NULL);
    }
    close(rx->listen_fd);
    free(rx);
}
