/* The HTTP server's listening socket (see http_server_priv.h), bound here
 * rather than by libmicrohttpd so that a failure says which address and
 * why. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http_server_priv.h"
#include "core/xalloc.h"

void srv_addr_label(const char *addr, unsigned port, char *out, size_t out_size)
{
    bool v6 = strchr(addr, ':') != NULL;

    snprintf(out, out_size, "%s%s%s:%u", v6 ? "[" : "", addr, v6 ? "]" : "", port);
}

/* Fills ss from addr:port; -1 when addr is not a numeric address. An
 * IPv4-mapped IPv6 address (::ffff:127.0.0.1) becomes the IPv4 address it
 * maps: on an IPv6 socket it could only be bound with IPV6_V6ONLY off, and
 * then only IPv4 peers reach it anyway. A plain IPv4 socket is that same
 * endpoint without depending on the host's IPv6 (bindv6only, ipv6.disable)
 * and peers show as 127.0.0.1 rather than ::ffff:127.0.0.1. */
static int srv_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss,
                        socklen_t *len)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct in6_addr a6;

    memset(ss, 0, sizeof(*ss));
    if (strchr(addr, ':') == NULL) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof(*sin);
        return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
    }
    if (inet_pton(AF_INET6, addr, &a6) != 1) {
        return -1;
    }
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        memcpy(&sin->sin_addr, &a6.s6_addr[12], sizeof(sin->sin_addr));
        *len = sizeof(*sin);
        return 0;
    }
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    sin6->sin6_addr = a6;
    *len = sizeof(*sin6);
    return 0;
}

int srv_listen(const char *addr, unsigned port, bool *v6, unsigned *bound_port, struct err *e)
{
    struct sockaddr_storage ss;
    socklen_t slen;
    char label[128];
    int fd = -1;
    int one = 1;
    int ret = -1;

    srv_addr_label(addr, port, label, sizeof(label));
    if (port > 65535) {
        err_set(e, "cannot listen on %s: port %u is out of range (0-65535)", label, port);
        goto out;
    }
    if (srv_sockaddr(addr, port, &ss, &slen) != 0) {
        err_set(e, "cannot listen on %s: '%s' is not an IPv%c address", label, addr,
                strchr(addr, ':') != NULL ? '6' : '4');
        goto out;
    }
    *v6 = ss.ss_family == AF_INET6;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err_set(e, "cannot listen on %s: %s", label, strerror(errno));
        goto out;
    }
    /* Lets a restarted server rebind while old connections sit in
     * TIME_WAIT; on Linux it never lets two servers listen on one port. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (*v6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, (struct sockaddr *)&ss, slen) != 0 || listen(fd, SOMAXCONN) != 0) {
        err_set(e, "cannot listen on %s: %s", label, strerror(errno));
        goto out;
    }
    slen = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &slen) != 0) {
        err_set(e, "cannot listen on %s: getsockname: %s", label, strerror(errno));
        goto out;
    }
    *bound_port = ntohs(*v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                            : ((struct sockaddr_in *)&ss)->sin_port);
    ret = fd;
    fd = -1;
out:
    if (fd >= 0) {
        close(fd);
    }
    return ret;
}
