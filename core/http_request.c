/* A request's state (srv_req) and the request accessors (see
 * http_server.h): headers, query parameters, whether the peer went away,
 * the connection's id. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/http_server_priv.h"
#include "core/xalloc.h"

#define SRV_BODY_FIRST_CAP 1024

struct srv_req *srv_req_new(const struct http_server *s, struct MHD_Connection *conn,
                            const char *url, const char *method)
{
    struct srv_req *r = xmalloc(sizeof(*r));
    const char *cl;

    r->route = NULL;
    r->early_status = 0;
    r->too_large = false;
    r->dropped = 0;
    r->answered = false;
    r->start_us = clock_mono_us();
    r->body = NULL;
    r->body_len = 0;
    r->body_cap = 0;
    r->status = 0;
    r->bytes = 0;
    r->path = NULL;
    if (s->access_log) {
        snprintf(r->method, sizeof(r->method), "%s", method);
        /* The path is decoded: a "%0A" must not forge a log line. */
        r->path = xstrdup(url);
        for (char *p = r->path; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                *p = '?';
            }
        }
    } else {
        r->method[0] = '\0';
    }

    srv_route_pick(s, method, url, r);
    /* A body declared larger than the cap is refused before it is sent. */
    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL) {
        char *end = NULL;
        unsigned long long v;

        errno = 0;
        v = strtoull(cl, &end, 10);
        if ((end != cl && errno == 0 && v > s->max_body) || errno == ERANGE) {
            r->early_status = 413;
        }
    }
    return r;
}

void srv_req_free(struct srv_req *r)
{
    if (r == NULL) {
        return;
    }
    free(r->body);
    free(r->path);
    free(r);
}

/* Keeps a piece of the body, or discards it once the cap is passed (the
 * handler is then never called and the client gets 413). */
void srv_req_absorb(const struct http_server *s, struct srv_req *r, const char *data, size_t len)
{
    if (r->too_large || r->early_status != 0) {
        r->dropped += len;
        return;
    }
    if (len > s->max_body - r->body_len) {
        r->too_large = true;
        r->dropped = r->body_len + len;
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
        r->body_cap = 0;
        return;
    }
    xbuf_append(&r->body, &r->body_len, &r->body_cap, data, len, SRV_BODY_FIRST_CAP,
                s->max_body + 1);
}

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
