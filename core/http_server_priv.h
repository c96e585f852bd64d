/* Internal to the HTTP server module (http_server.c, http_route.c,
 * http_listen.c, http_request.c, http_server_reply.c, http_stream.c): the
 * server's and a request's state, routing and the listening socket.
 * libmicrohttpd is included by this module only. */
#ifndef CORE_HTTP_SERVER_PRIV_H
#define CORE_HTTP_SERVER_PRIV_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/http_server.h"

#define SRV_LOG_MAX 512

struct srv_route {
    char *method;
    char *pattern;
    size_t n_caps;
    http_server_handler_fn fn;
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct srv_route *routes;
    size_t n_routes;
    void *ctx;
    size_t max_body;
    bool access_log;
    bool epoll; /* epoll with internal threads: no MHD_quiesce_daemon */
    unsigned port;
    char *tls_cert; /* copies kept while the daemon runs */
    char *tls_key;
    /* The last message libmicrohttpd logged, to explain a failed start. */
    pthread_mutex_t log_lock;
    char last_log[SRV_LOG_MAX];
    /* Requests begun and not completed, so that a stop can wait for them:
     * libmicrohttpd's own stop closes every connection at once. */
    atomic_size_t inflight;
    atomic_bool stopping;
    atomic_bool started;
    atomic_uintptr_t conns; /* connections accepted so far: the last id given */
    pthread_mutex_t drain_lock;
    pthread_cond_t drained;
    /* Streamed replies being sent (http_stream.c), so that a stop can end
     * them: a parked connection would otherwise never finish. */
    pthread_mutex_t streams_lock;
    struct http_stream *streams;
};

/* A captured path segment: a span of the request path. */
struct srv_span {
    const char *p;
    size_t len;
};

/* Per-request state: created on the first call of the access handler, freed
 * in srv_completed. One allocation per request, plus the body buffer when a
 * body comes and the path copy when the access log is on. */
struct srv_req {
    const struct srv_route *route; /* NULL when the server answers itself */
    unsigned early_status;         /* 404, 405 or 413 decided from the headers */
    bool too_large;                /* the body passed max_body: discarded */
    size_t dropped;                /* body bytes read and discarded */
    bool answered;
    uint64_t start_us;
    char *body;
    size_t body_len;
    size_t body_cap;
    /* For the access log. */
    unsigned status;
    size_t bytes;
    char method[16];
    char *path;
};

/* A request's state (http_request.c). */
/* Creates it at the first call of the access handler: picks the route and
 * refuses a declared body over the cap (r->early_status 413). */
struct srv_req *srv_req_new(const struct http_server *s, struct MHD_Connection *conn,
                            const char *url, const char *method);
void srv_req_free(struct srv_req *r);
/* Keeps a piece of the body, or discards it once the cap is passed. */
void srv_req_absorb(const struct http_server *s, struct srv_req *r, const char *data, size_t len);

/* Routing (http_route.c). */
/* Matches path against pattern; "{}" captures one non-empty segment. Fills
 * caps (may be NULL) and returns the number of captures, or -1. */
int srv_pattern_match(const char *pat, const char *path, struct srv_span *caps);
/* Picks the route for method + path: among the patterns that match, the one
 * with the fewest captures wins (so "/api/webhooks/topics" beats
 * "/api/webhooks/{}"), ties in table order. Sets r->early_status to 404 when
 * no pattern matches the path, 405 when only other methods do. */
void srv_route_pick(const struct http_server *s, const char *method, const char *path,
                    struct srv_req *r);
/* The Allow header of a 405: every method whose pattern matches path. */
void srv_allow_list(const struct http_server *s, const char *path, char *out, size_t out_size);
int srv_routes_load(struct http_server *s, const struct http_server_opts *opts, struct err *e);

/* Streamed replies (http_stream.c). */
/* The libmicrohttpd response for st, which joins s's list; NULL (st is
 * then done and freed) when it cannot be made. */
struct MHD_Response *srv_stream_response(struct http_server *s, struct MHD_Connection *conn,
                                         struct http_stream *st);
/* Ends every stream of s: their reads end the replies, parked ones are
 * resumed to do so. */
void srv_streams_close(struct http_server *s);

/* The listening socket (http_listen.c). */
/* "127.0.0.1:8080" or "[::1]:8080": the address as the user wrote it. */
void srv_addr_label(const char *addr, unsigned port, char *out, size_t out_size);
/* Binds and listens on addr:port; *v6 tells whether the socket is IPv6
 * (not so for an IPv4-mapped address). Returns the socket (the caller
 * closes it) or -1 with e set. */
int srv_listen(const char *addr, unsigned port, bool *v6, unsigned *bound_port, struct err *e);

#endif
