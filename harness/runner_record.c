/* An exchange as the report keeps it (runner_priv.h): a delivery and the
 * answer it got, recorded in a step with the secret masked, and charged to
 * the run's detail budget. Shared by the step files; calls none of them
 * but runner_check.c's mask. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"

void hn_runner_fit(const struct hn_runner *r, struct rp_exchange *x)
{
    /* The lock guards the budget, not the runner's value: a const runner
     * still takes it. */
    pthread_mutex_lock((pthread_mutex_t *)&r->lock);
    bool first_drop = !rp_detail_fit(r->detail, x) && r->detail->dropped == 1;
    pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
    if (first_drop) {
        log_warn("exchange detail budget of %.1f MiB reached: later exchanges keep their "
                 "status and timings only (the reports say how many)",
                 (double)r->detail->budget / (1024.0 * 1024.0));
    }
}

void hn_runner_record(const struct hn_runner *r, struct rp_step *ps, const struct hn_delivery *d,
                      const char *event_id, const struct http_response *resp)
{
    struct rp_exchange *x = rp_step_add_exchange(ps);
    char took[32];

    rp_set(&x->method, d->method);
    rp_set(&x->url, r->target_shown);
    rp_set(&x->event_id, event_id);
    rp_set(&x->request_headers, d->shown_headers);
    x->request_body_len = d->body_len < RP_REQUEST_BODY_MAX ? d->body_len : RP_REQUEST_BODY_MAX;
    x->request_body_truncated = d->body_len > RP_REQUEST_BODY_MAX;
    while (x->request_body_truncated && x->request_body_len > 0 &&
           ((unsigned char)d->body[x->request_body_len] & 0xc0) == 0x80) {
        x->request_body_len--; /* cut before a UTF-8 sequence, not inside it */
    }
    x->request_body = xmalloc(x->request_body_len + 1);
    memcpy(x->request_body, d->body, x->request_body_len);
    x->request_body[x->request_body_len] = '\0';
    x->status = resp->status;
    rp_set(&x->response_headers, resp->headers);
    x->response_body = xmalloc(resp->body_len + 1);
    if (resp->body_len > 0) {
        memcpy(x->response_body, resp->body, resp->body_len);
    }
    x->response_body[resp->body_len] = '\0';
    x->response_body_len = resp->body_len;
    /* A receiver that echoes the secret (SEC-002) must not make the
     * harness print it: masked where it stands, the length kept. */
    hn_runner_mask(x->response_body, x->response_body_len, r->secret);
    if (x->response_headers != NULL) {
        hn_runner_mask(x->response_headers, strlen(x->response_headers), r->secret);
    }
    x->response_body_truncated = resp->body_truncated;
    rp_set(&x->error, resp->error != HTTP_ERROR_NONE ? http_error_name(resp->error) : NULL);
    x->connect_us = resp->connect_us;
    x->first_byte_us = resp->first_byte_us;
    x->total_us = resp->total_us;
    hn_runner_fit(r, x);
    clock_duration_text(resp->total_us, took, sizeof(took));
    if (resp->error != HTTP_ERROR_NONE) {
        log_debug("%s %s -> %s after %s (%s)", d->method, r->target_shown,
                  http_error_name(resp->error), took, event_id);
    } else {
        log_debug("%s %s -> %ld in %s (%s)", d->method, r->target_shown, resp->status, took,
                  event_id);
    }
}
