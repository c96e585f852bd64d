/* The request accessors (see http_server.h): headers, query parameters,
 * whether the peer went away, the connection's id. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http_server_priv.h"
#include "core/xalloc.h"

const char *http_server_header(const struct http_server_request *req, const char *name)
{
    if (req == NULL || req->conn == NULL || name == NULL) {
        return NULL;
    }
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct srv_exact {
    const char *name;
    const char *value;
};

static enum MHD_Result srv_exact_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct srv_exact *x = cls;

    (void)kind;
    if (key != NULL && strcmp(key, x->name) == 0) {
        x->value = value;
        return MHD_NO;
    }
    return MHD_YES;
}

const char *http_server_header_exact(const struct http_server_request *req, const char *name)
{
    struct srv_exact x = {name, NULL};

    if (req == NULL || req->conn == NULL || name == NULL) {
        return NULL;
    }
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, srv_exact_one, &x);
    return x.value;
}

const char *http_server_query(const struct http_server_request *req, const char *name)
{
    if (req == NULL || req->conn == NULL || name == NULL) {
        return NULL;
    }
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool http_server_peer_gone(const struct http_server_request *req)
{
    const union MHD_ConnectionInfo *info = NULL;
    char c;

    if (req == NULL || req->conn == NULL) {
        return false;
    }
    info = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == NULL || info->connect_fd == MHD_INVALID_SOCKET) {
        return false;
    }
    /* libmicrohttpd has read the whole request before the handler runs, so
     * what is left on the socket is the client's next move. */
    ssize_t n = recv(info->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

uint64_t http_server_conn_id(const struct http_server_request *req)
{
    const union MHD_ConnectionInfo *info = NULL;

    if (req == NULL || req->conn == NULL) {
        return 0;
    }
    info = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info != NULL ? (uint64_t)(uintptr_t)info->socket_context : 0;
}

/* Numbers each connection as it is accepted, for http_server_conn_id. The
 * number is the socket context pointer itself: nothing to allocate, so
 * nothing to free when the connection closes. Where pointers are 32 bits
 * the numbers come round again after 2^32 connections. */
