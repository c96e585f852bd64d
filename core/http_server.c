/* http_server: the kit's one wrapper over libmicrohttpd.
 *
 * Every libmicrohttpd quirk is handled here once:
 *  - the access handler is called several times per request: first with the
 *    headers only, then with pieces of the body, then once more with no data.
 *    Per-request state is created on the first call and freed in the
 *    completion callback, which also writes the access log;
 *  - "Expect: 100-continue" is answered by libmicrohttpd when the first call
 *    returns without a response; a body declared larger than the cap is
 *    refused at that first call, so the client never sends it;
 *  - header names are looked up case-insensitively by libmicrohttpd;
 *  - SIGPIPE: libmicrohttpd suppresses it itself on Linux (MSG_NOSIGNAL);
 *    where it cannot, the process ignores SIGPIPE once.
 *
 * Thread model (opts->threads):
 *  - N > 0: a pool of N threads, each running its own epoll loop over its
 *    share of the connections. This is for throughput: the mock must hold
 *    1000+ concurrent connections and answer its API fast, and its handlers
 *    never block.
 *  - 0: one thread per connection (polling with poll(), not select(), so
 *    descriptors above FD_SETSIZE work). For handlers that block on purpose,
 *    such as a deliberately slow receiver, which would stall every other
 *    connection of an epoll thread.
 *
 * The listening socket is bound here rather than by libmicrohttpd
 * (MHD_OPTION_SOCK_ADDR): libmicrohttpd reports a bind failure only through
 * its log, while the kit must tell the user "cannot listen on ADDR:PORT:
 * <reason>" and exit with the environment error code. */
#include "core/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"

#define SRV_DEFAULT_MAX_BODY   (1024 * 1024)
#define SRV_DEFAULT_CONN_LIMIT 4096
#define SRV_DEFAULT_TIMEOUT_S  30
#define SRV_BODY_FIRST_CAP     1024
#define SRV_PARAM_BUF          512
#define SRV_LOG_MAX            512
#define SRV_STOP_GRACE_MS      5000 /* how long a stop waits for requests in flight */
/* Body bytes read and dropped (after a 404, 405 or mid-body 413) before the
 * connection is cut without an answer. */
#define SRV_DISCARD_MAX (16 * 1024 * 1024)

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

/* An empty body that is never written to (libmicrohttpd takes void *). */
static char srv_empty_body[1];

static pthread_once_t srv_sigpipe_once = PTHREAD_ONCE_INIT;

static void srv_ignore_sigpipe(void)
{
    if (MHD_is_feature_supported(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) != MHD_YES) {
        /* A peer closing mid-response must not kill the process. */
        signal(SIGPIPE, SIG_IGN);
    }
}

/* ---- routing ---------------------------------------------------------- */

/* Matches path against pattern; "{}" captures one non-empty segment. Fills
 * caps (may be NULL) and returns the number of captures, or -1. */
static int srv_pattern_match(const char *pat, const char *path, struct srv_span *caps)
{
    int n = 0;

    while (*pat != '\0' && *path != '\0') {
        if (pat[0] == '{' && pat[1] == '}') {
            const char *end = strchr(path, '/');

            if (end == NULL) {
                end = path + strlen(path);
            }
            if (end == path || n >= HTTP_SERVER_MAX_PARAMS) {
                return -1;
            }
            if (caps != NULL) {
                caps[n].p = path;
                caps[n].len = (size_t)(end - path);
            }
            n++;
            path = end;
            pat += 2;
        } else if (*pat == *path) {
            pat++;
            path++;
        } else {
            return -1;
        }
    }
    if (*pat != '\0' || *path != '\0') {
        return -1;
    }
    return n;
}

/* Picks the route for method + path: among the patterns that match, the one
 * with the fewest captures wins (so "/api/webhooks/topics" beats
 * "/api/webhooks/{}"), ties in table order. Sets r->early_status to 404 when
 * no pattern matches the path, 405 when only other methods do. */
static void srv_route_pick(const struct http_server *s, const char *method, const char *path,
                           struct srv_req *r)
{
    const struct srv_route *best = NULL;
    bool path_known = false;

    for (size_t i = 0; i < s->n_routes; i++) {
        const struct srv_route *rt = &s->routes[i];

        if (best != NULL && rt->n_caps >= best->n_caps) {
            continue;
        }
        if (srv_pattern_match(rt->pattern, path, NULL) < 0) {
            continue;
        }
        path_known = true;
        if (strcmp(rt->method, method) == 0) {
            best = rt;
        }
    }
    r->route = best;
    if (best == NULL) {
        r->early_status = path_known ? 405 : 404;
    }
}

/* The Allow header of a 405: every method whose pattern matches path. */
static void srv_allow_list(const struct http_server *s, const char *path, char *out,
                           size_t out_size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < s->n_routes; i++) {
        const struct srv_route *rt = &s->routes[i];
        bool seen = false;
        int w;

        if (srv_pattern_match(rt->pattern, path, NULL) < 0) {
            continue;
        }
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(s->routes[j].method, rt->method) == 0 &&
                   srv_pattern_match(s->routes[j].pattern, path, NULL) >= 0;
        }
        if (seen) {
            continue;
        }
        w = snprintf(out + used, out_size - used, "%s%s", used > 0 ? ", " : "", rt->method);
        if (w < 0 || (size_t)w >= out_size - used) {
            break; /* keep the complete entries only */
        }
        used += (size_t)w;
    }
    out[used] = '\0';
}

static int srv_routes_load(struct http_server *s, const struct http_server_opts *opts,
                           struct err *e)
{
    if (opts->n_routes > 0 && opts->routes == NULL) {
        return err_set(e, "http server: %zu routes declared but none given", opts->n_routes);
    }
    s->routes = xcalloc(opts->n_routes > 0 ? opts->n_routes : 1, sizeof(*s->routes));
    for (size_t i = 0; i < opts->n_routes; i++) {
        const struct http_route *in = &opts->routes[i];
        struct srv_route *rt = &s->routes[i];
        size_t n = 0;

        if (in->method == NULL || in->method[0] == '\0' || in->pattern == NULL ||
            in->pattern[0] != '/' || in->fn == NULL) {
            return err_set(e,
                           "http server: route %zu: method, pattern (starting with '/') "
                           "and handler are required",
                           i);
        }
        for (const char *p = in->pattern; *p != '\0'; p++) {
            if (p[0] == '{' && p[1] == '}') {
                n++;
                p++;
            } else if (*p == '{' || *p == '}') {
                return err_set(e,
                               "http server: route %zu: pattern '%s': only \"{}\" may "
                               "use braces",
                               i, in->pattern);
            }
        }
        if (n > HTTP_SERVER_MAX_PARAMS) {
            return err_set(e, "http server: route %zu: pattern '%s' has %zu captures (at most %d)",
                           i, in->pattern, n, HTTP_SERVER_MAX_PARAMS);
        }
        rt->method = xstrdup(in->method);
        rt->pattern = xstrdup(in->pattern);
        rt->n_caps = n;
        rt->fn = in->fn;
        s->n_routes = i + 1;
    }
    return 0;
}

/* The error shape the kit copies ({"statusCode", "error", "message"})
 * carries the reason phrases of Node's http module. libmicrohttpd 0.9.75
 * has the same ones (RFC 9110's) except for these three; the status line
 * itself keeps libmicrohttpd's. */
static const struct {
    unsigned status;
    const char *phrase;
} srv_phrases[] = {
    {413, "Payload Too Large"}, {418, "I'm a Teapot"}, {422, "Unprocessable Entity"}};

const char *http_reason_phrase(unsigned status)
{
    const char *p;

    for (size_t i = 0; i < sizeof(srv_phrases) / sizeof(srv_phrases[0]); i++) {
        if (srv_phrases[i].status == status) {
            return srv_phrases[i].phrase;
        }
    }
    p = MHD_get_reason_phrase_for(status);
    return p != NULL && p[0] != '\0' ? p : "Unknown";
}

/* ---- request accessors ------------------------------------------------ */

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
static void srv_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *s = cls;

    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = (void *)(atomic_fetch_add(&s->conns, 1) + 1);
    }
}

/* ---- the request cycle ------------------------------------------------ */

static struct srv_req *srv_req_new(const struct http_server *s, struct MHD_Connection *conn,
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
        if (end != cl && errno == 0 && v > s->max_body) {
            r->early_status = 413;
        } else if (errno == ERANGE) {
            r->early_status = 413;
        }
    }
    return r;
}

static void srv_req_free(struct srv_req *r)
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
static void srv_req_absorb(const struct http_server *s, struct srv_req *r, const char *data,
                           size_t len)
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

/* Sends rep (taking its body) and records what the access log needs. */
static enum MHD_Result srv_send(struct srv_req *r, struct MHD_Connection *conn,
                                struct http_server_reply *rep, bool close_after)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len = rep->body != NULL ? rep->body_len : 0;

    if (len > 0) {
        resp = MHD_create_response_from_buffer_with_free_callback(len, rep->body, free);
        if (resp == NULL) {
            free(rep->body);
        }
    } else {
        free(rep->body);
        resp = MHD_create_response_from_buffer(0, srv_empty_body, MHD_RESPMEM_PERSISTENT);
    }
    rep->body = NULL;
    if (resp == NULL) {
        log_error("http server: cannot create a response");
        return MHD_NO;
    }
    if (rep->content_type != NULL) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    } else if (len > 0) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    }
    for (size_t i = 0; i < rep->n_headers && i < HTTP_SERVER_MAX_HEADERS; i++) {
        if (rep->header_names[i] == NULL ||
            MHD_add_response_header(resp, rep->header_names[i], rep->header_values[i]) != MHD_YES) {
            log_warn("http server: reply header '%s' refused",
                     rep->header_names[i] != NULL ? rep->header_names[i] : "(null)");
        }
    }
    if (close_after) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    ret = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    r->answered = true;
    r->status = rep->status;
    r->bytes = len;
    return ret;
}

static void srv_reply_init(struct http_server_reply *rep)
{
    /* header_values (1 KiB) is written by http_reply_header before it is
     * read, so it is not cleared on every request. */
    rep->status = 0;
    rep->content_type = NULL;
    rep->body = NULL;
    rep->body_len = 0;
    rep->n_headers = 0;
}

/* Answers an error the server decides itself (404, 405, 413). */
static enum MHD_Result srv_answer_early(const struct http_server *s, struct srv_req *r,
                                        struct MHD_Connection *conn, const char *url,
                                        const char *method, unsigned status)
{
    struct http_server_reply rep;
    char allow[HTTP_SERVER_MAX_HEADERS * 16];

    srv_reply_init(&rep);
    if (status == 404) {
        http_reply_error(&rep, 404, "no resource at %s", url);
    } else if (status == 405) {
        srv_allow_list(s, url, allow, sizeof(allow));
        http_reply_error(&rep, 405, "method %s is not allowed on %s (allowed: %s)", method, url,
                         allow);
        http_reply_header(&rep, MHD_HTTP_HEADER_ALLOW, allow);
    } else if (status == 503) {
        http_reply_error(&rep, 503, "the server is stopping");
    } else {
        http_reply_error(&rep, 413, "the request body is larger than %zu bytes", s->max_body);
    }
    /* After a 413 the rest of the body is not worth reading, and a server
     * that is stopping takes no more: close. */
    return srv_send(r, conn, &rep, status == 413 || status == 503);
}

static enum MHD_Result srv_dispatch(const struct http_server *s, struct srv_req *r,
                                    struct MHD_Connection *conn, const char *url,
                                    const char *method)
{
    struct http_server_request req;
    struct http_server_reply rep;
    struct srv_span caps[HTTP_SERVER_MAX_PARAMS];
    char pstack[SRV_PARAM_BUF];
    char *pbuf = pstack;
    size_t need = 0;
    size_t off = 0;
    int n;
    enum MHD_Result ret;

    n = srv_pattern_match(r->route->pattern, url, caps);
    if (n < 0) {
        n = 0; /* cannot happen: the route was picked with this url */
    }
    for (int i = 0; i < n; i++) {
        need += caps[i].len + 1;
    }
    if (need > sizeof(pstack)) {
        pbuf = xmalloc(need);
    }
    req.method = method;
    req.path = url;
    req.n_params = (size_t)n;
    for (int i = 0; i < HTTP_SERVER_MAX_PARAMS; i++) {
        req.params[i] = NULL;
    }
    for (int i = 0; i < n; i++) {
        memcpy(pbuf + off, caps[i].p, caps[i].len);
        pbuf[off + caps[i].len] = '\0';
        req.params[i] = pbuf + off;
        off += caps[i].len + 1;
    }
    req.body = r->body != NULL ? r->body : "";
    req.body_len = r->body_len;
    req.received_us = r->start_us;
    req.conn = conn;

    srv_reply_init(&rep);
    r->route->fn(s->ctx, &req, &rep);
    if (rep.status < 100 || rep.status > 999) {
        log_error("http server: the handler of %s %s set no valid status (%u)", method,
                  r->route->pattern, rep.status);
        rep.n_headers = 0;
        http_reply_error(&rep, 500, "the handler of %s %s produced no answer", method,
                         r->route->pattern);
    }
    ret = srv_send(r, conn, &rep, false);
    if (pbuf != pstack) {
        free(pbuf);
    }
    return ret;
}

static enum MHD_Result srv_access(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct srv_req *r = *con_cls;

    (void)version;
    if (r == NULL) {
        r = srv_req_new(s, conn, url, method);
        *con_cls = r;
        atomic_fetch_add(&s->inflight, 1);
        if (s->epoll && atomic_load(&s->stopping)) {
            /* Not quiesced (see http_server_stop): refuse what comes in. */
            return srv_answer_early(s, r, conn, url, method, 503);
        }
        if (r->early_status == 413) {
            /* Answering now means libmicrohttpd sends no "100 Continue"
             * and never reads the body. */
            return srv_answer_early(s, r, conn, url, method, 413);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        srv_req_absorb(s, r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* libmicrohttpd 0.9.75 cannot answer in the middle of a body: the
         * 413 waits for its end, unless the body never seems to end. */
        return r->dropped > SRV_DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    if (r->answered) {
        return MHD_YES;
    }
    if (r->too_large) {
        return srv_answer_early(s, r, conn, url, method, 413);
    }
    if (r->early_status != 0) {
        return srv_answer_early(s, r, conn, url, method, r->early_status);
    }
    return srv_dispatch(s, r, conn, url, method);
}

static void srv_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct srv_req *r = *con_cls;

    (void)conn;
    (void)toe;
    if (r == NULL) {
        return;
    }
    if (s->access_log) {
        log_access(r->method, r->path != NULL ? r->path : "", r->status, r->bytes,
                   clock_mono_us() - r->start_us);
    }
    srv_req_free(r);
    *con_cls = NULL;
    /* seq_cst: either http_server_stop sees the count drop to 0, or this
     * thread sees `stopping` and wakes it. */
    if (atomic_fetch_sub(&s->inflight, 1) == 1 && atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->drain_lock);
        pthread_cond_broadcast(&s->drained);
        pthread_mutex_unlock(&s->drain_lock);
    }
}

__attribute__((format(printf, 2, 0))) static void srv_mhd_log(void *cls, const char *fmt,
                                                              va_list ap)
{
    struct http_server *s = cls;
    char line[SRV_LOG_MAX];
    size_t len;

    vsnprintf(line, sizeof(line), fmt, ap);
    len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }
    pthread_mutex_lock(&s->log_lock);
    snprintf(s->last_log, sizeof(s->last_log), "%s", line);
    pthread_mutex_unlock(&s->log_lock);
    /* Once running, libmicrohttpd mostly reports what peers did (a client
     * gone mid-request, a failed TLS handshake): routine for a test server,
     * so debug. Hitting the connection limit is the server's own trouble. */
    if (!atomic_load(&s->started) || strstr(line, "limit") != NULL) {
        log_warn("http server: %s", line);
    } else {
        log_debug("http server: %s", line);
    }
}

/* ---- start and stop --------------------------------------------------- */

/* "127.0.0.1:8080" or "[::1]:8080": the address as the user wrote it. */
static void srv_addr_label(const char *addr, unsigned port, char *out, size_t out_size)
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

/* Binds and listens on addr:port; *v6 tells whether the socket is IPv6
 * (not so for an IPv4-mapped address). Returns the socket (the caller
 * closes it) or -1 with e set. */
static int srv_listen(const char *addr, unsigned port, bool *v6, unsigned *bound_port,
                      struct err *e)
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

static void srv_free(struct http_server *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n_routes; i++) {
        free(s->routes[i].method);
        free(s->routes[i].pattern);
    }
    free(s->routes);
    free(s->tls_cert);
    free(s->tls_key);
    pthread_mutex_destroy(&s->log_lock);
    pthread_mutex_destroy(&s->drain_lock);
    pthread_cond_destroy(&s->drained);
    free(s);
}

/* Allocates the server and copies the routes; NULL with e set on a bad
 * route. */
static struct http_server *srv_new(const struct http_server_opts *opts, struct err *e)
{
    struct http_server *s = xcalloc(1, sizeof(*s));
    pthread_condattr_t ca;

    pthread_mutex_init(&s->log_lock, NULL);
    pthread_mutex_init(&s->drain_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->drained, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&s->inflight, 0);
    atomic_init(&s->stopping, false);
    atomic_init(&s->started, false);
    atomic_init(&s->conns, 0);
    s->ctx = opts->ctx;
    s->max_body = opts->max_body > 0 ? opts->max_body : SRV_DEFAULT_MAX_BODY;
    s->access_log = opts->access_log;
    s->epoll = opts->threads > 0;
    if (srv_routes_load(s, opts, e) != 0) {
        srv_free(s);
        return NULL;
    }
    return s;
}

/* Starts libmicrohttpd on the listening socket fd (which stays ours). */
static int srv_daemon_start(struct http_server *s, const struct http_server_opts *opts, int fd,
                            bool v6, const char *label, struct err *e)
{
    /* MHD_USE_ITC is what MHD_quiesce_daemon needs to stop accepting. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    unsigned limit = opts->connection_limit > 0 ? opts->connection_limit : SRV_DEFAULT_CONN_LIMIT;
    unsigned timeout_s =
        opts->connection_timeout_s > 0 ? opts->connection_timeout_s : SRV_DEFAULT_TIMEOUT_S;
    struct MHD_OptionItem extra[4];
    size_t n = 0;
    int mhd_fd;

    if (opts->threads > 0) {
        flags |= MHD_USE_EPOLL;
        if (opts->threads > 1) { /* 1 is the internal thread alone */
            extra[n++] =
                (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)opts->threads, NULL};
        }
    } else {
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    }
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    if (s->tls_cert != NULL) {
        flags |= MHD_USE_TLS;
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert};
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key};
    }
    extra[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* libmicrohttpd closes the socket it is given, even when it fails to
     * start: hand it a duplicate so that ours is closed exactly once.
     * Close-on-exec like the original (dup would drop the flag): a program
     * that executes itself again must not keep the port bound. */
    mhd_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (mhd_fd < 0) {
        return err_set(e, "cannot listen on %s: F_DUPFD_CLOEXEC: %s", label, strerror(errno));
    }
    /* The logger goes first: libmicrohttpd uses its own until it sees it. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, srv_access, s, MHD_OPTION_EXTERNAL_LOGGER,
        (MHD_LogCallback)srv_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)mhd_fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
        (MHD_RequestCompletedCallback)srv_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        (MHD_NotifyConnectionCallback)srv_notify, s, MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (s->daemon == NULL) {
        pthread_mutex_lock(&s->log_lock);
        err_set(e, "cannot serve on %s: %s", label,
                s->last_log[0] != '\0' ? s->last_log : "libmicrohttpd failed to start");
        pthread_mutex_unlock(&s->log_lock);
        return -1;
    }
    atomic_store(&s->started, true);
    return 0;
}

struct http_server *http_server_start(const struct http_server_opts *opts, struct err *e)
{
    struct http_server *s = NULL;
    const char *addr;
    char label[128];
    bool v6 = false;
    int fd = -1;

    pthread_once(&srv_sigpipe_once, srv_ignore_sigpipe);
    if (opts == NULL) {
        err_set(e, "http server: no options given");
        return NULL;
    }
    if ((opts->tls_cert_pem == NULL) != (opts->tls_key_pem == NULL)) {
        err_set(e, "http server: TLS needs both a certificate and a key");
        return NULL;
    }
    if (opts->tls_cert_pem != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        err_set(e, "http server: this libmicrohttpd was built without TLS support");
        return NULL;
    }
    s = srv_new(opts, e);
    if (s == NULL) {
        goto out;
    }
    addr = opts->bind != NULL ? opts->bind : "127.0.0.1";
    fd = srv_listen(addr, opts->port, &v6, &s->port, e);
    if (fd < 0) {
        goto out;
    }
    srv_addr_label(addr, s->port, label, sizeof(label));
    if (opts->tls_cert_pem != NULL) {
        s->tls_cert = xstrdup(opts->tls_cert_pem);
        s->tls_key = xstrdup(opts->tls_key_pem);
    }
    if (srv_daemon_start(s, opts, fd, v6, label, e) != 0) {
        goto out;
    }
out:
    if (fd >= 0) {
        close(fd); /* libmicrohttpd listens on its own duplicate */
    }
    if (s != NULL && s->daemon == NULL) {
        srv_free(s);
        s = NULL;
    }
    return s;
}

unsigned http_server_port(const struct http_server *s)
{
    return s != NULL ? s->port : 0;
}

/* Waits (at most SRV_STOP_GRACE_MS) until no request is in flight. */
static void srv_drain(struct http_server *s)
{
    struct timespec deadline;
    int rc = 0;

    atomic_store(&s->stopping, true);
    deadline = clock_deadline(CLOCK_MONOTONIC, SRV_STOP_GRACE_MS);
    pthread_mutex_lock(&s->drain_lock);
    while (atomic_load(&s->inflight) > 0 && rc == 0) {
        rc = pthread_cond_timedwait(&s->drained, &s->drain_lock, &deadline);
    }
    pthread_mutex_unlock(&s->drain_lock);
    if (atomic_load(&s->inflight) > 0) {
        log_warn("http server: stopping with %zu requests still in flight",
                 (size_t)atomic_load(&s->inflight));
    }
}

void http_server_stop(struct http_server *s)
{
    if (s == NULL) {
        return;
    }
    if (s->daemon != NULL) {
        /* Stop accepting first, then let the requests in flight finish.
         * In epoll mode, libmicrohttpd 0.9.75's quiesce races its own
         * polling threads (an open defect): quiesce sets was_quiesced,
         * then removes the listening socket from the epoll set; a thread
         * that sees the flag first removes it too, one of the two gets
         * ENOENT, and an unguarded MHD_PANIC aborts the process ("Failed
         * to remove listen FD from epoll set"). There, new requests get
         * 503 while the rest drain. */
        MHD_socket fd = s->epoll ? MHD_INVALID_SOCKET : MHD_quiesce_daemon(s->daemon);

        srv_drain(s);
        MHD_stop_daemon(s->daemon);
        if (fd != MHD_INVALID_SOCKET) {
            close(fd);
        }
    }
    srv_free(s);
}
