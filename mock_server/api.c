/* The management API's handlers: check the key, validate (validate.c),
 * change the store (store.c), update the cache (cache.c), render
 * (render.c). Reads of webhooks come from the cache only. */
#include "mock_server/api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/signature.h"
#include "core/xalloc.h"
#include "mock_server/render.h"
#include "mock_server/validate.h"

#define API_KEY_HEADER "x-api-key"

struct ms_api_key {
    pthread_mutex_t lock;
    atomic_bool ready; /* digest is made (then key is NULL) */
    char *key;
    char digest[SIGNATURE_SHA256_HEX_LEN + 1];
};

struct ms_api_key *ms_api_key_new(const char *key)
{
    struct ms_api_key *k = xcalloc(1, sizeof(*k));

    pthread_mutex_init(&k->lock, NULL);
    atomic_init(&k->ready, false);
    k->key = xstrdup(key);
    return k;
}

static void api_key_wipe(struct ms_api_key *k)
{
    if (k->key != NULL) {
        explicit_bzero(k->key, strlen(k->key));
        free(k->key);
        k->key = NULL;
    }
}

void ms_api_key_free(struct ms_api_key *k)
{
    if (k == NULL) {
        return;
    }
    api_key_wipe(k);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

/* The key's digest, made by the first caller; NULL when OpenSSL fails. */
static const char *api_key_digest(struct ms_api_key *k)
{
    if (atomic_load_explicit(&k->ready, memory_order_acquire)) {
        return k->digest;
    }
    pthread_mutex_lock(&k->lock);
    if (!atomic_load_explicit(&k->ready, memory_order_relaxed) &&
        signature_sha256_hex(k->key, strlen(k->key), k->digest) == 0) {
        api_key_wipe(k);
        atomic_store_explicit(&k->ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&k->lock);
    return atomic_load_explicit(&k->ready, memory_order_acquire) ? k->digest : NULL;
}

bool ms_api_authorize(const struct ms_context *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    const char *key = http_server_header(req, API_KEY_HEADER);
    const char *want;
    char digest[SIGNATURE_SHA256_HEX_LEN + 1];

    if (key == NULL || key[0] == '\0') {
        http_reply_error(rep, 401, "x-api-key: header required");
        return false;
    }
    want = api_key_digest(ctx->api_key);
    if (want == NULL || signature_sha256_hex(key, strlen(key), digest) != 0) {
        log_error("cannot check the API key: SHA-256 failed (OpenSSL)");
        http_reply_error(rep, 500, "cannot check the API key");
        return false;
    }
    /* Digests of equal length compared with CRYPTO_memcmp: the time taken
     * depends neither on how many bytes of the key match nor on its
     * length. */
    if (!signature_equal(digest, SIGNATURE_SHA256_HEX_LEN, want, SIGNATURE_SHA256_HEX_LEN)) {
        http_reply_error(rep, 401, "x-api-key: invalid API key");
        return false;
    }
    return true;
}

bool ms_api_require_json(const struct http_server_request *req, struct http_server_reply *rep)
{
    const char *type = http_server_header(req, "Content-Type");

    if (req->body_len > 0 && !ms_validate_json_type(type)) {
        http_reply_error(rep, 415, "Content-Type: must be application/json, not '%.64s'", type);
        return false;
    }
    return true;
}

/* Hands a malloc'd JSON buffer to the reply (the server frees it). */
static void api_reply_buffer(struct http_server_reply *rep, unsigned status, char *body, size_t len)
{
    free(rep->body);
    rep->status = status;
    rep->body = body;
    rep->body_len = len;
    rep->content_type = "application/json";
}

/* "/api/webhooks/topics" and "/calls" are matched by their own GET routes;
 * any other method reaches the "{}" routes with these names. */
static bool api_reserved_id(const struct http_server_request *req, struct http_server_reply *rep)
{
    const char *id = req->params[0];

    if (strcmp(id, "topics") == 0 || strcmp(id, "calls") == 0) {
        http_reply_error(rep, 405, "method %s is not allowed on %s (allowed: GET)", req->method,
                         req->path);
        http_reply_header(rep, "Allow", "GET");
        return true;
    }
    return false;
}

static void api_reply_status(struct http_server_reply *rep, enum ms_store_status st, const char *id,
                             const struct ms_webhook *w)
{
    switch (st) {
    case MS_STORE_OK:
        http_reply_json(rep, 200, ms_render_webhook(w));
        break;
    case MS_STORE_NOT_FOUND:
        http_reply_error(rep, 404, "webhook '%.64s' not found", id);
        break;
    case MS_STORE_DELETED:
        http_reply_error(rep, 409,
                         "webhook '%.64s' is deleted: restore it first "
                         "(POST /api/webhooks/%.64s/restore)",
                         id, id);
        break;
    case MS_STORE_ERROR:
    default:
        http_reply_error(rep, 500, "the store failed (see the server log)");
        break;
    }
}

/* ---- handlers ------------------------------------------------------------- */

static void api_list(void *arg, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    const char *q;
    bool include_deleted = true;
    size_t len = 0;
    char *body;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    q = http_server_query(req, "include_deleted");
    if (q != NULL && ms_validate_bool(q, &include_deleted) != 0) {
        http_reply_error(rep, 400, "include_deleted: must be true or false, not '%.40s'", q);
        return;
    }
    body = ms_cache_list_json(ctx->cache, include_deleted, &len);
    api_reply_buffer(rep, 200, body, len);
}

/* A secret the engine's scheme cannot use (a whsec_ secret that is not
 * base64) is refused when the webhook is made; a scheme changed later
 * fails the attempts instead, each with the reason. */
static int api_secret_fits(struct ms_context *ctx, const char *secret, struct err *e)
{
    struct ms_policy *pol = xmalloc(sizeof(*pol));
    int rc = 0;

    ms_dispatch_policy(ctx->dispatch, pol);
    if (scheme_secret_check(&pol->scheme, secret, e) != 0) {
        err_prefix(e, "secret");
        rc = -1;
    }
    free(pol);
    return rc;
}

static void api_create(void *arg, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_webhook_patch *p = NULL;
    struct ms_webhook *w = NULL;
    struct err e = {{0}};
    struct rng rng;
    char location[128];

    if (!ms_api_authorize(ctx, req, rep) || !ms_api_require_json(req, rep)) {
        goto out;
    }
    p = xmalloc(sizeof(*p));
    if (ms_validate_webhook_body(req->body, req->body_len, false, p, &e) != 0 ||
        api_secret_fits(ctx, p->secret, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        goto out;
    }
    w = xcalloc(1, sizeof(*w));
    rng_seed_random(&rng);
    ids_uuid4(&rng, w->id);
    memcpy(w->topic, p->topic, sizeof(w->topic));
    memcpy(w->url, p->url, sizeof(w->url));
    memcpy(w->secret, p->secret, sizeof(w->secret));
    w->active = p->active;
    w->created_ms = clock_wall_ms();
    w->updated_ms = w->created_ms;
    /* The cache applies writes in the store's order (see cache.h). */
    ms_cache_write_begin(ctx->cache);
    if (ms_store_webhook_insert(ctx->store, w, &e) != 0) {
        ms_cache_write_end(ctx->cache);
        log_error("%s", e.msg);
        http_reply_error(rep, 500, "the store failed (see the server log)");
        goto out;
    }
    ms_cache_put(ctx->cache, w);
    ms_cache_write_end(ctx->cache);
    http_reply_json(rep, 201, json_pack("{s:s, s:s}", "status", "created", "id", w->id));
    snprintf(location, sizeof(location), "/api/webhooks/%s", w->id);
    http_reply_header(rep, "Location", location);
out:
    free(p);
    free(w);
}

static void api_topics(void *arg, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    http_reply_text(rep, 200, "application/json", ctx->topics_json, ctx->topics_json_len);
}

static void api_get(void *arg, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    const char *id = req->params[0];
    size_t len = 0;
    char *body;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    body = ms_cache_webhook_json(ctx->cache, id, &len);
    if (body == NULL) {
        http_reply_error(rep, 404, "webhook '%.64s' not found", id);
        return;
    }
    api_reply_buffer(rep, 200, body, len);
}

static void api_update(void *arg, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    const char *id = req->params[0];
    struct ms_webhook_patch *p = NULL;
    struct ms_webhook *w = NULL;
    struct err e = {{0}};
    enum ms_store_status st;

    if (!ms_api_authorize(ctx, req, rep) || api_reserved_id(req, rep) ||
        !ms_api_require_json(req, rep)) {
        goto out;
    }
    p = xmalloc(sizeof(*p));
    if (ms_validate_webhook_body(req->body, req->body_len, true, p, &e) != 0 ||
        (p->has_secret && api_secret_fits(ctx, p->secret, &e) != 0)) {
        http_reply_error(rep, 400, "%s", e.msg);
        goto out;
    }
    w = xmalloc(sizeof(*w));
    ms_cache_write_begin(ctx->cache);
    st = ms_store_webhook_update(ctx->store, id, p, clock_wall_ms(), w);
    if (st == MS_STORE_OK) {
        ms_cache_put(ctx->cache, w);
    }
    ms_cache_write_end(ctx->cache);
    api_reply_status(rep, st, id, w);
out:
    free(p);
    free(w);
}

/* DELETE and restore differ only in the store call. */
static void api_set_deleted(struct ms_context *ctx, const struct http_server_request *req,
                            struct http_server_reply *rep, bool deleted)
{
    const char *id = req->params[0];
    struct ms_webhook *w = NULL;
    enum ms_store_status st;

    if (!ms_api_authorize(ctx, req, rep) || (deleted && api_reserved_id(req, rep))) {
        return;
    }
    w = xmalloc(sizeof(*w));
    ms_cache_write_begin(ctx->cache);
    st = deleted ? ms_store_webhook_delete(ctx->store, id, clock_wall_ms(), w)
                 : ms_store_webhook_restore(ctx->store, id, clock_wall_ms(), w);
    if (st == MS_STORE_OK) {
        ms_cache_put(ctx->cache, w);
    }
    ms_cache_write_end(ctx->cache);
    api_reply_status(rep, st, id, w);
    free(w);
}

static void api_delete(void *arg, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    api_set_deleted(arg, req, rep, true);
}

static void api_restore(void *arg, const struct http_server_request *req,
                        struct http_server_reply *rep)
{
    api_set_deleted(arg, req, rep, false);
}

static void api_calls(void *arg, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_calls_params p;
    struct ms_call_filter f;
    struct ms_call *calls = NULL;
    size_t n = 0;
    uint64_t total = 0;
    struct err e = {{0}};
    struct ms_policy *pol = NULL;
    json_t *data;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    p.webhook_id = http_server_query(req, "webhook_id");
    p.topic = http_server_query(req, "topic");
    p.event_id = http_server_query(req, "event_id");
    p.outcome = http_server_query(req, "outcome");
    p.since = http_server_query(req, "since");
    p.until = http_server_query(req, "until");
    p.page = http_server_query(req, "page");
    p.limit = http_server_query(req, "limit");
    if (ms_validate_calls_params(&p, &f, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        return;
    }
    if (ms_store_calls_query(ctx->store, &f, &calls, &n, &total) != 0) {
        http_reply_error(rep, 500, "the store failed (see the server log)");
        return;
    }
    /* A record made under a scheme file is rebuilt with the scheme the
     * engine runs (the only file it can have: the API takes names only). */
    pol = xmalloc(sizeof(*pol));
    ms_dispatch_policy(ctx->dispatch, pol);
    data = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(data, ms_render_call(&calls[i], &pol->scheme));
    }
    free(pol);
    ms_store_calls_free(calls, n);
    http_reply_json(rep, 200,
                    json_pack("{s:o, s:I, s:I, s:I}", "data", data, "page", (json_int_t)f.page,
                              "limit", (json_int_t)f.limit, "total", (json_int_t)total));
}

/* The route table. Columns: method, pattern ("{}" captures a segment),
 * handler. Literal paths win over "{}" ones whatever their order. */
static const struct http_route api_routes[] = {
    {"GET", "/api/webhooks", api_list},          {"POST", "/api/webhooks", api_create},
    {"GET", "/api/webhooks/topics", api_topics}, {"GET", "/api/webhooks/calls", api_calls},
    {"GET", "/api/webhooks/{}", api_get},        {"PUT", "/api/webhooks/{}", api_update},
    {"DELETE", "/api/webhooks/{}", api_delete},  {"POST", "/api/webhooks/{}/restore", api_restore},
};

const struct http_route *ms_api_routes(size_t *n)
{
    *n = sizeof(api_routes) / sizeof(api_routes[0]);
    return api_routes;
}
