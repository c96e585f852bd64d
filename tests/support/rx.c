/* Test support: a scripted webhook receiver (see rx.h). */
#include "support/rx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"

/* How long rx_wait waits. */
#define WAIT_MS 10000

static void rx_copy(const struct http_server_request *req, const char *name, char *out)
{
    const char *v = http_server_header(req, name);
    snprintf(out, HDR_MAX, "%s", v != NULL ? v : "");
}

/* Handlers run on the server's threads: they record, the tests check. */
static void rx_hook(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct rx *rx = ctx;
    struct rx_step step;
    struct timespec until;
    const char *answer;
    size_t answer_len;

    pthread_mutex_lock(&rx->lock);
    step = rx->n < rx->n_script ? rx->script[rx->n] : rx->dflt;
    answer = rx->answer;
    answer_len = rx->answer_len;
    if (rx->n < RX_MAX) {
        struct rx_req *r = &rx->reqs[rx->n];

        rx_copy(req, "x-vambe-event", r->event);
        rx_copy(req, "x-vambe-event-id", r->event_id);
        rx_copy(req, "x-vambe-delivery-id", r->delivery_id);
        rx_copy(req, "x-vambe-attempt", r->attempt);
        rx_copy(req, "x-vambe-webhook-id", r->webhook_id);
        rx_copy(req, "x-vambe-timestamp", r->timestamp);
        rx_copy(req, "x-vambe-signature", r->signature);
        rx_copy(req, "Content-Type", r->content_type);
        rx_copy(req, "User-Agent", r->user_agent);
        r->has_signature = http_server_header(req, "x-vambe-signature") != NULL;
        r->body = malloc(req->body_len + 1);
        memcpy(r->body, req->body, req->body_len + 1);
        r->body_len = req->body_len;
        r->mono_us = clock_mono_us();
    }
    rx->n++;
    rx->inflight++;
    if (rx->inflight > rx->max_inflight) {
        rx->max_inflight = rx->inflight;
    }
    pthread_cond_broadcast(&rx->cond);
    if (step.delay_ms > 0) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += step.delay_ms / 1000;
        until.tv_nsec += (long)(step.delay_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!rx->closing && pthread_cond_timedwait(&rx->cond, &rx->lock, &until) == 0) {
        }
    }
    rx->inflight--;
    pthread_mutex_unlock(&rx->lock);
    http_reply_text(rep, step.status, "text/plain", answer != NULL ? answer : "ok",
                    answer != NULL ? answer_len : 2);
    if (step.retry_after != NULL) {
        http_reply_header(rep, "Retry-After", step.retry_after);
    }
    if (step.location != NULL) {
        http_reply_header(rep, "Location", step.location);
    }
}

static void rx_target(void *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    struct rx *rx = ctx;

    (void)req;
    atomic_fetch_add(&rx->target_hits, 1);
    http_reply_text(rep, 200, "text/plain", "target", 6);
}

static const struct http_route rx_routes[] = {
    {"POST", "/hook", rx_hook},
    {"POST", "/target", rx_target},
};

struct rx *rx_start(void)
{
    struct rx *rx = calloc(1, sizeof(*rx));
    struct http_server_opts o;
    struct err e = {{0}};

    assert_non_null(rx);
    pthread_mutex_init(&rx->lock, NULL);
    pthread_cond_init(&rx->cond, NULL);
    rx->dflt.status = 200;
    memset(&o, 0, sizeof(o));
    o.routes = rx_routes;
    o.n_routes = sizeof(rx_routes) / sizeof(rx_routes[0]);
    o.ctx = rx;
    o.threads = 0; /* a thread per connection: a held answer blocks no other */
    rx->srv = http_server_start(&o, &e);
    if (rx->srv == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    rx->port = http_server_port(rx->srv);
    return rx;
}

void rx_stop(struct rx *rx)
{
    pthread_mutex_lock(&rx->lock);
    rx->closing = true;
    pthread_cond_broadcast(&rx->cond);
    pthread_mutex_unlock(&rx->lock);
    http_server_stop(rx->srv);
    for (size_t i = 0; i < rx->n && i < RX_MAX; i++) {
        free(rx->reqs[i].body);
    }
    pthread_cond_destroy(&rx->cond);
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}

void rx_script(struct rx *rx, const struct rx_step *steps, size_t n)
{
    pthread_mutex_lock(&rx->lock);
    memcpy(rx->script, steps, n * sizeof(*steps));
    rx->n_script = n;
    pthread_mutex_unlock(&rx->lock);
}

void rx_default(struct rx *rx, struct rx_step step)
{
    pthread_mutex_lock(&rx->lock);
    rx->dflt = step;
    pthread_mutex_unlock(&rx->lock);
}

/* Waits (bounded) until the receiver has seen n requests. */
void rx_wait(struct rx *rx, size_t n)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&rx->lock);
    while (rx->n < n && rc == 0) {
        rc = pthread_cond_timedwait(&rx->cond, &rx->lock, &until);
    }
    pthread_mutex_unlock(&rx->lock);
    if (rx->n < n) {
        fail_msg("the receiver saw %zu requests, expected %zu", rx->n, n);
    }
}

size_t rx_count(struct rx *rx)
{
    size_t n;

    pthread_mutex_lock(&rx->lock);
    n = rx->n;
    pthread_mutex_unlock(&rx->lock);
    return n;
}
