/* The mock server's life cycle.
 *
 * Thread model: the HTTP server runs a pool of worker threads (one per core
 * by default), each with its own epoll loop over its share of the
 * connections, and calls the handlers on those threads. Handlers never
 * block on the network: webhook reads are served from the cache (a memcpy),
 * writes go through the store's mutex and are short. That is what lets one
 * process hold thousands of connections at the HTTP library's own speed.
 * Deliveries run on the engine's own two threads (dispatch.h): one event
 * loop sending, one writer committing the call log in batches. The thread
 * that called ms_server_run only waits for a stop signal.
 *
 * Signals and the port file: core/lifecycle.h, as in vambe-receiver. */
#include "mock_server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/exit.h"
#include "core/http_server.h"
#include "core/jsonh.h"
#include "core/lifecycle.h"
#include "core/xalloc.h"
#include "mock_server/api.h"
#include "mock_server/context.h"
#include "mock_server/control.h"
#include "mock_server/render.h"
#include "mock_server/stream.h"
#include "mock_server/ui.h"

#define SERVER_MAX_THREADS 64
#define SERVER_CONN_LIMIT  8192
#define SERVER_MAX_BODY    (1024 * 1024)
#define SERVER_WANT_NOFILE 16384

struct ms_server {
    struct ms_options opts;
    struct ms_context ctx;
    struct http_route *routes; /* api + control + ui, concatenated */
    size_t n_routes;
    struct http_server *http;
};

static unsigned server_threads(const struct ms_options *o)
{
    long n;

    if (o->threads > 0) {
        return o->threads > SERVER_MAX_THREADS ? SERVER_MAX_THREADS : o->threads;
    }
    n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) {
        return 1;
    }
    return n > SERVER_MAX_THREADS ? SERVER_MAX_THREADS : (unsigned)n;
}

/* One table for the HTTP server: every module's routes, in order. */
static void server_routes_build(struct ms_server *s)
{
    typedef const struct http_route *(*routes_fn)(size_t * n);
    static const routes_fn modules[] = {ms_api_routes, ms_control_routes, ms_stream_routes,
                                        ms_ui_routes};
    size_t n[sizeof(modules) / sizeof(modules[0])];
    const struct http_route *tables[sizeof(modules) / sizeof(modules[0])];
    size_t at = 0;

    s->n_routes = 0;
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        tables[i] = modules[i](&n[i]);
        s->n_routes += n[i];
    }
    s->routes = xcalloc(s->n_routes, sizeof(*s->routes));
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        memcpy(s->routes + at, tables[i], n[i] * sizeof(*tables[i]));
        at += n[i];
    }
}

/* With --db: puts the settings PUT /mock/config stored over pol, except
 * those given on the command line now. A stored policy that no longer
 * applies (a scheme this build does not have) is logged and left. */
static void server_restore_policy(struct ms_store *store, const struct ms_options *o,
                                  struct ms_policy *pol)
{
    struct err e = {{0}};
    char *stored = NULL;
    char keys[512];

    if (!ms_store_durable(store) ||
        ms_store_setting_get(store, MS_DISPATCH_POLICY_KEY, &stored) != 0 || stored == NULL) {
        return;
    }
    if (ms_policy_restore(pol, stored, o->policy_given, keys, sizeof(keys), &e) != 0) {
        log_warn("the delivery policy set through PUT /mock/config before the restart is not "
                 "applied: %s",
                 e.msg);
    } else if (keys[0] != '\0') {
        log_info("delivery policy set through PUT /mock/config before the restart: %s (a flag "
                 "given now wins)",
                 keys);
    }
    free(stored);
}

/* Starts everything with the TLS material already read (tls->cert NULL:
 * plain HTTP). The caller has checked the options. */
static struct ms_server *server_start(const struct ms_options *o, const struct ms_tls_pem *tls,
                                      struct err *e)
{
    struct ms_server *s = xcalloc(1, sizeof(*s));
    struct http_server_opts ho;
    struct ms_dispatch_opts dopts;
    struct ms_policy pol;
    const char *key = o->api_key != NULL ? o->api_key : MS_DEFAULT_API_KEY;
    json_t *topics;
    bool ok = false;

    s->opts = *o;
    s->ctx.api_key = ms_api_key_new(key); /* digested on first use (api.h) */
    topics = ms_render_topics();
    s->ctx.topics_json = jsonh_dump(topics, &s->ctx.topics_json_len);
    json_decref(topics);

    s->ctx.store = ms_store_open(o->db_path, e);
    if (s->ctx.store == NULL) {
        goto out;
    }
    s->ctx.cache = ms_cache_new();
    if (ms_cache_refresh(s->ctx.cache, s->ctx.store) != 0) {
        err_set(e, "cannot read the webhooks from the database");
        goto out;
    }
    if (ms_policy_check(&o->policy, e) != 0) {
        goto out;
    }
    pol = o->policy;
    server_restore_policy(s->ctx.store, o, &pol);
    s->ctx.stream = ms_stream_hub_new(s->ctx.store, e);
    if (s->ctx.stream == NULL) {
        goto out;
    }
    dopts.ca_file = o->ca_file;
    dopts.insecure = o->insecure;
    dopts.on_written = ms_stream_hub_written;
    dopts.on_written_arg = s->ctx.stream;
    s->ctx.dispatch = ms_dispatch_new(s->ctx.store, s->ctx.cache, &pol, &dopts, e);
    if (s->ctx.dispatch == NULL || ms_dispatch_start(s->ctx.dispatch, e) != 0) {
        goto out;
    }
    ms_stream_hub_start(s->ctx.stream, s->ctx.dispatch);
    server_routes_build(s);

    memset(&ho, 0, sizeof(ho));
    ho.bind = o->bind != NULL ? o->bind : MS_DEFAULT_BIND;
    ho.port = o->port;
    ho.max_body = SERVER_MAX_BODY;
    ho.routes = s->routes;
    ho.n_routes = s->n_routes;
    ho.ctx = &s->ctx;
    ho.threads = server_threads(o);
    ho.connection_limit = SERVER_CONN_LIMIT;
    ho.access_log = o->access_log;
    ho.tls_cert_pem = tls->cert; /* copied by the HTTP server */
    ho.tls_key_pem = tls->key;
    s->http = http_server_start(&ho, e);
    if (s->http == NULL) {
        goto out;
    }
    log_debug("serving %s with %u threads; store %s (schema version %d)",
              tls->cert != NULL ? "https" : "http", ho.threads,
              o->db_path != NULL ? o->db_path : "in memory", ms_store_schema_version(s->ctx.store));
    ok = true;
out:
    if (!ok) {
        ms_server_stop(s);
        return NULL;
    }
    return s;
}

struct ms_server *ms_server_start(const struct ms_options *o, struct err *e)
{
    struct ms_tls_pem tls = {NULL, NULL};
    struct ms_server *s = NULL;

    if (ms_options_check(o, e) != 0 || ms_options_load_tls(o, &tls, e) != 0) {
        return NULL;
    }
    s = server_start(o, &tls, e);
    ms_options_tls_free(&tls);
    return s;
}

unsigned ms_server_port(const struct ms_server *s)
{
    return http_server_port(s->http);
}

struct ms_store *ms_server_store(struct ms_server *s)
{
    return s->ctx.store;
}

struct ms_cache *ms_server_cache(struct ms_server *s)
{
    return s->ctx.cache;
}

struct ms_dispatch *ms_server_dispatch(struct ms_server *s)
{
    return s->ctx.dispatch;
}

void ms_server_stop(struct ms_server *s)
{
    if (s == NULL) {
        return;
    }
    /* The HTTP server first: its in-flight handlers still use the engine
     * and the store; then the engine, which writes its last batch. */
    http_server_stop(s->http);
    ms_dispatch_free(s->ctx.dispatch);
    ms_stream_hub_free(s->ctx.stream); /* after the engine: its writer calls the hub */
    ms_cache_free(s->ctx.cache);
    ms_store_close(s->ctx.store);
    free(s->routes);
    free(s->ctx.topics_json);
    ms_api_key_free(s->ctx.api_key);
    free(s);
}

/* ---- ms_server_run -------------------------------------------------------- */

/* 1000+ concurrent connections need more descriptors than the usual soft
 * limit of 1024: raise it towards the hard limit. */
static void server_raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= SERVER_WANT_NOFILE) {
        return;
    }
    rl.rlim_cur = rl.rlim_max < SERVER_WANT_NOFILE ? rl.rlim_max : SERVER_WANT_NOFILE;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_debug("cannot raise the descriptor limit: %s", strerror(errno));
    }
}

/* Whether this libmicrohttpd can serve TLS at all (it may be built without
 * GnuTLS) and accepts the certificate and key: a server started for a
 * moment on a loopback port of the same family. Done before anything else
 * starts so that a TLS problem is told apart from a bind failure (exit 2,
 * not 3) and before the engine resumes any delivery. */
static int server_tls_probe(const struct ms_options *o, const struct ms_tls_pem *tls, struct err *e)
{
    struct http_server_opts ho;
    struct http_server *probe;

    memset(&ho, 0, sizeof(ho));
    ho.bind = o->bind != NULL && strchr(o->bind, ':') != NULL ? "::1" : "127.0.0.1";
    ho.port = 0;
    ho.threads = 1;
    ho.tls_cert_pem = tls->cert;
    ho.tls_key_pem = tls->key;
    probe = http_server_start(&ho, e);
    if (probe == NULL) {
        err_prefix(e, "cannot serve https with --tls-cert %s and --tls-key %s", o->tls_cert_file,
                   o->tls_key_file);
        return -1;
    }
    http_server_stop(probe);
    return 0;
}

/* The checks of configuration made before starting: the options as a
 * whole, the TLS files, whether TLS can be served. -1 with e set: exit 2. */
static int server_prepare(const struct ms_options *o, struct ms_tls_pem *tls, struct err *e)
{
    if (ms_options_check(o, e) != 0 ||
        (o->port_file != NULL && lifecycle_port_file_check(o->port_file, e) != 0) ||
        ms_options_load_tls(o, tls, e) != 0) {
        return -1;
    }
    if (tls->cert != NULL && server_tls_probe(o, tls, e) != 0) {
        ms_options_tls_free(tls);
        return -1;
    }
    return 0;
}

int ms_server_run(const struct ms_options *o)
{
    struct ms_server *s = NULL;
    struct ms_tls_pem tls = {NULL, NULL};
    struct err e = {{0}};
    struct lifecycle lc;
    const char *bind = o->bind != NULL ? o->bind : MS_DEFAULT_BIND;
    bool v6 = strchr(bind, ':') != NULL;
    int ret = KIT_EXIT_ENV;

    log_set_program("vambe-mock");
    log_set_format(o->log_format);
    log_set_level(o->verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);

    lifecycle_begin(&lc, o->port_file);
    server_raise_fd_limit();

    if (server_prepare(o, &tls, &e) != 0) {
        log_error("%s", e.msg);
        ret = KIT_EXIT_USAGE;
        goto out;
    }
    s = server_start(o, &tls, &e);
    ms_options_tls_free(&tls); /* the HTTP server keeps its own copy */
    if (s == NULL) {
        log_error("%s", e.msg);
        goto out;
    }
    if (o->api_key == NULL || strcmp(o->api_key, MS_DEFAULT_API_KEY) == 0) {
        log_info("using the default API key, meant for local use only (set --api-key or %s)",
                 MS_API_KEY_ENV);
    }
    if (o->insecure) {
        log_warn("--insecure: the TLS certificates of https webhook URLs are not verified");
    }
    log_info("listening on %s://%s%s%s:%u", o->tls_cert_file != NULL ? "https" : "http",
             v6 ? "[" : "", bind, v6 ? "]" : "", ms_server_port(s));
    if (lifecycle_ready(&lc, ms_server_port(s), &e) != 0) {
        log_error("%s", e.msg);
        goto out;
    }
    log_info("%s received: stopping", lifecycle_signal_name(lifecycle_wait(&lc, NULL, NULL)));
    ret = KIT_EXIT_OK;
out:
    ms_server_stop(s);
    lifecycle_end(&lc);
    return ret;
}
