/* Case isolation: after a case whose deliveries were abandoned (no answer
 * within the timeout), the receiver may still be working through them;
 * the next case waits until it answers again, so that one case's backlog
 * is not blamed on the next (a control delivery timing out behind a
 * burst). */
#include <string.h>

#include "core/clock.h"
#include "harness/runner_priv.h"

/* An answer this fast means the receiver has room again. */
#define IDLE_ANSWER_MS 1000u
/* How long the harness waits at most before the next case runs anyway. */
#define IDLE_WAIT_MS 10000u
#define IDLE_POLL_MS 100u

bool hn_runner_case_abandoned(const struct rp_case *c)
{
    for (size_t i = 0; i < c->n_steps; i++) {
        const struct rp_step *st = &c->steps[i];
        for (size_t k = 0; k < st->n_exchanges; k++) {
            const char *err = st->exchanges[k].error;
            if (err != NULL && strcmp(err, "timeout") == 0) {
                return true;
            }
        }
    }
    return false;
}

/* A GET to the target: nothing is delivered, and any answer (404, 405)
 * shows the receiver takes requests again. */
static bool idle_answers(struct hn_runner *r)
{
    struct http_request req;
    struct http_response resp;
    bool ok;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.method = "GET";
    req.url = r->target;
    req.timeout_ms = IDLE_ANSWER_MS;
    ok = http_client_run(r->client, &req, &resp, 1, 1) == 0 && resp.error == HTTP_ERROR_NONE;
    http_response_cleanup(&resp);
    return ok;
}

bool hn_runner_wait_idle(struct hn_runner *r, uint64_t *waited_us)
{
    uint64_t t0 = clock_mono_us();

    for (;;) {
        if (idle_answers(r)) {
            *waited_us = clock_mono_us() - t0;
            return true;
        }
        if (clock_mono_us() - t0 >= IDLE_WAIT_MS * 1000u) {
            *waited_us = clock_mono_us() - t0;
            return false;
        }
        clock_sleep_us(IDLE_POLL_MS * 1000u);
    }
}
