/* The preflight connection (see preflight.h). */
#include "harness/preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"

/* Connects fd to addr within timeout_ms; returns 0 or an errno value. */
static int preflight_connect(int fd, const struct addrinfo *ai, uint64_t timeout_ms)
{
    int flags = fcntl(fd, F_GETFL, 0);
    int soerr = 0;
    socklen_t len = sizeof(soerr);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return errno;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS) {
        return errno;
    }
    uint64_t deadline = clock_mono_us() + timeout_ms * 1000u;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        uint64_t now = clock_mono_us();
        if (now >= deadline) {
            return ETIMEDOUT;
        }
        int r = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
        if (r > 0) {
            break;
        }
        if (r == 0) {
            return ETIMEDOUT;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) {
        return errno;
    }
    return soerr;
}

int hn_preflight_check(const struct hn_url *u, const char *address, uint64_t timeout_ms,
                       struct err *e)
{
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    char port[8];
    int rc = -1;
    int last = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (address != NULL) {
        hints.ai_flags = AI_NUMERICHOST;
    }
    snprintf(port, sizeof(port), "%u", u->port);
    int g = getaddrinfo(address != NULL ? address : u->host, port, &hints, &res);
    if (g != 0) {
        err_set(e, "cannot resolve '%s': %s", u->host, gai_strerror(g));
        goto out;
    }
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        last = preflight_connect(fd, ai, timeout_ms);
        close(fd);
        if (last == 0) {
            rc = 0;
            goto out;
        }
    }
    if (last == ETIMEDOUT) {
        err_set(e, "%s:%s: no connection within %llu ms", u->host, port,
                (unsigned long long)timeout_ms);
    } else {
        err_set(e, "%s:%s: %s", u->host, port, strerror(last));
    }
out:
    if (res != NULL) {
        freeaddrinfo(res);
    }
    return rc;
}
