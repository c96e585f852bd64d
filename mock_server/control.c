/* The control API's handlers: check the key, validate (validate_trigger.c,
 * policy.c), ask the delivery engine (dispatch.c), render. */
#include "mock_server/control.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/api.h"
#include "mock_server/context.h"
#include "mock_server/dispatch.h"
#include "mock_server/validate.h"

#define CONTROL_TEXT_FIRST_CAP 4096

/* No key: readiness probes (scripts, CI, container health checks) must not
 * need a secret, and the answer reveals nothing but the version and how
 * the call log's writes go: 503 while they fail (disk full), so that a
 * probe sees a mock that cannot record what it delivers. */
static void control_health(void *arg, const struct http_server_request *req,
                           struct http_server_reply *rep)
{
    struct ms_dispatch_health h;
    json_t *store;
    json_t *j;

    (void)req;
    ms_dispatch_health(((struct ms_context *)arg)->dispatch, &h);
    store = json_pack("{s:I, s:I, s:I}", "write_failures", (json_int_t)h.failures,
                      "records_waiting", (json_int_t)h.waiting, "records_lost", (json_int_t)h.lost);
    j = json_pack("{s:s, s:s, s:o}", "status", h.failing ? "failing" : "ok", "version",
                  VAMBE_VERSION, "call_log", store);
    if (h.failing) {
        char msg[ERR_MSG_MAX + 64];

        snprintf(msg, sizeof(msg), "the call log cannot be written: %s", h.error);
        json_object_set_new(j, "error", json_string(msg));
    }
    http_reply_json(rep, h.failing ? 503 : 200, j);
}

/* Maps an engine status to the reply (the message is e's). */
static void control_reply_status(struct http_server_reply *rep, enum ms_dispatch_status st,
                                 const struct err *e)
{
    switch (st) {
    case MS_DISPATCH_INVALID:
        http_reply_error(rep, 400, "%s", e->msg);
        break;
    case MS_DISPATCH_NOT_FOUND:
        http_reply_error(rep, 404, "%s", e->msg);
        break;
    case MS_DISPATCH_CONFLICT:
        http_reply_error(rep, 409, "%s", e->msg);
        break;
    case MS_DISPATCH_OK:
    case MS_DISPATCH_ERROR:
    default:
        http_reply_error(rep, 500, "the store failed (see the server log)");
        break;
    }
}

/* 202 {"event_ids": [...], "deliveries": N[, "warning": "..."]}. The ids
 * are "evt_" and hex (ids_event_id), so they are joined as they are; only
 * the warning, free text, goes through jansson. Put through jansson one by
 * one, the ids of a 10 000-event trigger were a fifth of its CPU. */
/* The reply's text so far. */
struct control_text {
    char *p;
    size_t len;
    size_t cap;
};

static void control_put(struct control_text *t, const char *s)
{
    xbuf_append(&t->p, &t->len, &t->cap, s, strlen(s), CONTROL_TEXT_FIRST_CAP, SIZE_MAX);
}

static void control_events_reply(struct http_server_reply *rep, const struct ms_trigger_result *res)
{
    struct control_text t = {NULL, 0, 0};
    char deliveries[64];

    control_put(&t, "{\"event_ids\":[");
    for (size_t i = 0; i < res->n_events; i++) {
        control_put(&t, i > 0 ? ",\"" : "\"");
        control_put(&t, res->event_ids[i]);
        control_put(&t, "\"");
    }
    snprintf(deliveries, sizeof(deliveries), "],\"deliveries\":%zu", res->deliveries);
    control_put(&t, deliveries);
    if (res->warning[0] != '\0') {
        json_t *warning = json_string(res->warning);
        char *shown = warning != NULL ? jsonh_dump(warning, NULL) : NULL;

        if (shown != NULL) {
            control_put(&t, ",\"warning\":");
            control_put(&t, shown);
        }
        free(shown);
        json_decref(warning);
    }
    control_put(&t, "}");
    http_reply_text(rep, 202, "application/json", t.p, t.len);
    free(t.p);
}

static void control_events(void *arg, const struct http_server_request *req,
                           struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_trigger_body body;
    struct ms_trigger t;
    struct ms_trigger_result res;
    struct err e = {{0}};
    enum ms_dispatch_status st;

    memset(&res, 0, sizeof(res));
    if (!ms_api_authorize(ctx, req, rep) || !ms_api_require_json(req, rep)) {
        return;
    }
    if (ms_validate_trigger_body(req->body, req->body_len, MS_DISPATCH_COUNT_MAX, &body, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        return;
    }
    t.topic = body.topic;
    t.data = body.data;
    t.count = body.count;
    t.webhook_id = body.has_webhook_id ? body.webhook_id : NULL;
    st = ms_dispatch_trigger(ctx->dispatch, &t, &res, &e);
    json_decref(body.data);
    if (st != MS_DISPATCH_OK) {
        control_reply_status(rep, st, &e);
        return;
    }
    control_events_reply(rep, &res);
    ms_trigger_result_cleanup(&res);
}

static void control_replay(void *arg, const struct http_server_request *req,
                           struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_replay_result res;
    struct err e = {{0}};
    enum ms_dispatch_status st;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    st = ms_dispatch_replay(ctx->dispatch, req->params[0], &res, &e);
    if (st != MS_DISPATCH_OK) {
        control_reply_status(rep, st, &e);
        return;
    }
    http_reply_json(rep, 202,
                    json_pack("{s:s, s:s, s:s}", "event_id", res.event_id, "webhook_id",
                              res.webhook_id, "replay_of", req->params[0]));
}

static void control_reset(void *arg, const struct http_server_request *req,
                          struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    if (ms_dispatch_reset(ctx->dispatch) != 0) {
        http_reply_error(rep, 500, "the store failed (see the server log)");
        return;
    }
    log_info("reset: webhooks, calls, events and pending deliveries emptied");
    http_reply_json(rep, 200, json_pack("{s:s}", "status", "reset"));
}

static void control_config_get(void *arg, const struct http_server_request *req,
                               struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_policy p;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    ms_dispatch_policy(ctx->dispatch, &p);
    http_reply_json(rep, 200, ms_policy_render(&p));
}

static void control_config_put(void *arg, const struct http_server_request *req,
                               struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_policy p;
    struct err e = {{0}};

    if (!ms_api_authorize(ctx, req, rep) || !ms_api_require_json(req, rep)) {
        return;
    }
    if (ms_dispatch_patch_policy(ctx->dispatch, req->body, req->body_len, &p, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        return;
    }
    http_reply_json(rep, 200, ms_policy_render(&p));
}

/* The route table. Columns: method, pattern ("{}" captures a segment),
 * handler. */
static const struct http_route control_routes[] = {
    {"GET", "/mock/health", control_health},           {"POST", "/mock/events", control_events},
    {"POST", "/mock/calls/{}/replay", control_replay}, {"POST", "/mock/reset", control_reset},
    {"GET", "/mock/config", control_config_get},       {"PUT", "/mock/config", control_config_put},
};

const struct http_route *ms_control_routes(size_t *n)
{
    *n = sizeof(control_routes) / sizeof(control_routes[0]);
    return control_routes;
}
