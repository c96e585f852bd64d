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
#include "core/http_server_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"

#define SRV_DEFAULT_MAX_BODY   (1024 * 1024)
#define SRV_DEFAULT_CONN_LIMIT 4096
#define SRV_DEFAULT_TIMEOUT_S  30
#define SRV_PARAM_BUF          512
#define SRV_STOP_GRACE_MS      5000 /* how long a stop waits for requests in flight */
/* Body bytes read and dropped (after a 404, 405 or mid-body 413) before the
 * connection is cut without an answer. */
#define SRV_DISCARD_MAX (16 * 1024 * 1024)

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

/* Sends rep (taking its body) and records what the access log needs. */
static enum MHD_Result srv_send(struct http_server *s, struct srv_req *r,
                                struct MHD_Connection *conn, struct http_server_reply *rep,
                                bool close_after)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len = rep->body != NULL ? rep->body_len : 0;

    if (rep->stream != NULL) {
        resp = srv_stream_response(s, conn, rep->stream);
        rep->stream = NULL;
    } else if (len > 0) {
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
    /* header_values (2 KiB) is written by http_reply_header before it is
     * read, so it is not cleared on every request. */
    rep->status = 0;
    rep->content_type = NULL;
    rep->body = NULL;
    rep->body_len = 0;
    rep->n_headers = 0;
    rep->stream = NULL;
}

/* Answers an error the server decides itself (404, 405, 413). */
static enum MHD_Result srv_answer_early(struct http_server *s, struct srv_req *r,
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
    return srv_send(s, r, conn, &rep, status == 413 || status == 503);
}

static enum MHD_Result srv_dispatch(struct http_server *s, struct srv_req *r,
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
    ret = srv_send(s, r, conn, &rep, false);
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
    pthread_mutex_destroy(&s->streams_lock);
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
    pthread_mutex_init(&s->streams_lock, NULL);
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
        /* Suspending is how a streamed reply waits (http_stream.c). */
        flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
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

        atomic_store(&s->stopping, true);
        srv_streams_close(s);
        srv_drain(s);
        MHD_stop_daemon(s->daemon);
        if (fd != MHD_INVALID_SOCKET) {
            close(fd);
        }
    }
    srv_free(s);
}
