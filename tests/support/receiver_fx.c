/* Test support: the real vambe-receiver program (see receiver_fx.h). */
#include "support/receiver_fx.h"

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
#include <unistd.h>

#include "core/clock.h"
#include "core/signature.h"

#define WAIT_MS 5000           /* longest wait for a count to appear */
#define SKEW_MS (600u * 1000u) /* twice the 300 s window */

const char *receiver_fx_bin(void)
{
    const char *b = proc_bin("VAMBE_RECEIVER_BIN");
    assert_non_null(b);
    return b;
}

/* Stops the receiver with SIGTERM and checks it exits 0. */
void receiver_fx_stop(struct receiver_fx *f)
{
    http_client_free(f->client);
    f->client = NULL;
    assert_int_equal(proc_stop(&f->p, STOP_MS), 0);
    unlink(f->p.log_file);
}

/* Kills the receiver at once, if it runs (nothing is left to check). */
void receiver_fx_kill(struct receiver_fx *f)
{
    http_client_free(f->client);
    f->client = NULL;
    if (f->p.pid > 0) {
        proc_kill(&f->p);
        unlink(f->p.port_file);
        unlink(f->p.log_file);
    }
}

/* Each test gets a zeroed fixture; the teardown also runs after a failed
 * assertion, so no receiver outlives its test. */
int receiver_fx_setup(void **state)
{
    *state = calloc(1, sizeof(struct receiver_fx));
    return *state != NULL ? 0 : -1;
}

int receiver_fx_teardown(void **state)
{
    receiver_fx_kill(*state);
    free(*state);
    return 0;
}

/* Starts the receiver with n_extra more arguments (at most 2). */
void receiver_fx_start_with(struct receiver_fx *f, char *const *extra, size_t n_extra)
{
    char *argv[6] = {(char *)receiver_fx_bin(), "--secret", SECRET, NULL};
    size_t n = 3;
    assert_true(n_extra <= 2);
    for (size_t i = 0; i < n_extra; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    receiver_fx_kill(f);
    memset(f, 0, sizeof(*f));
    assert_int_equal(proc_start(&f->p, argv, true, START_MS), 0);
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u", f->p.port);
    f->client = http_client_new(NULL);
    assert_non_null(f->client);
    rng_seed(&f->rng, 7);
}

/* Starts the receiver, with one --flaw unless flaw is NULL. */
void receiver_fx_start(struct receiver_fx *f, const char *flaw)
{
    char *extra[] = {"--flaw", (char *)flaw};
    receiver_fx_start_with(f, extra, flaw != NULL ? 2 : 0);
}

static void delivery_header(struct receiver_delivery *d, const char *name, const char *value)
{
    size_t i = d->req.n_headers++;
    char line[sizeof(d->headers[i])];
    int n = snprintf(line, sizeof(line), "%s: %s", name, value);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    memcpy(d->headers[i], line, (size_t)n + 1);
    d->hp[i] = d->headers[i];
}

/* Builds a delivery of topic (a fresh event id) in the given kind. */
void receiver_fx_delivery(struct receiver_delivery *d, struct receiver_fx *f, const char *topic,
                          enum receiver_kind k)
{
    struct err e = {{0}};
    memset(d, 0, sizeof(*d));
    uint64_t now = clock_wall_ms();
    assert_int_equal(event_build(topic, NULL, EVENT_PROFILE_DOCUMENTED, &f->rng, now, &d->ev, &e),
                     0);
    if (k == KIND_MALFORMED) {
        free(d->ev.body);
        d->ev.body = strdup("{\"id\": \"evt_broken\", \"event\": ");
        assert_non_null(d->ev.body);
        d->ev.body_len = strlen(d->ev.body);
    }
    uint64_t ts_ms = k == KIND_STALE ? now - SKEW_MS : k == KIND_FUTURE ? now + SKEW_MS : now;
    char ts[32];
    char sig[SIGNATURE_MAX + 1];
    signature_timestamp(ts_ms, SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_int_equal(signature_sign(k == KIND_OTHER_KEY ? "whsec_someone_else" : SECRET, ts,
                                    d->ev.body, d->ev.body_len, sig),
                     0);
    delivery_header(d, "Content-Type", "application/json");
    delivery_header(d, "x-vambe-event", topic);
    if (k != KIND_NO_HEADER) {
        delivery_header(d, "x-vambe-event-id", d->ev.id);
    }
    if (k != KIND_UNSIGNED) {
        delivery_header(d, "x-vambe-timestamp", ts);
        delivery_header(d, "x-vambe-signature", sig);
    }
    snprintf(d->url, sizeof(d->url), "%s/", f->base);
    d->req.method = "POST";
    d->req.url = d->url;
    d->req.headers = d->hp;
    d->req.body = d->ev.body;
    d->req.body_len = d->ev.body_len;
}

/* Sends d once and returns the status (0 when no response came). */
long receiver_fx_send1(struct receiver_fx *f, const struct receiver_delivery *d)
{
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &d->req, &resp, 1, 1), 0);
    long status = resp.status;
    http_response_cleanup(&resp);
    return status;
}

/* Builds, sends and releases one delivery; returns the status. When id is
 * not NULL it receives the event id. */
long receiver_fx_send_kind(struct receiver_fx *f, const char *topic, enum receiver_kind k, char *id,
                           size_t id_size)
{
    struct receiver_delivery d;
    receiver_fx_delivery(&d, f, topic, k);
    long status = receiver_fx_send1(f, &d);
    if (id != NULL) {
        snprintf(id, id_size, "%s", d.ev.id);
    }
    event_cleanup(&d.ev);
    return status;
}

/* The probe's count for id, or -1 when the probe did not answer. */
long receiver_fx_probe(struct receiver_fx *f, const char *id)
{
    char url[160];
    snprintf(url, sizeof(url), "%s/_probe/events/%s", f->base, id);
    struct http_request req = {.method = "GET", .url = url};
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &req, &resp, 1, 1), 0);
    long count = -1;
    if (resp.status == 200) {
        if (sscanf(resp.body, "{\"count\":%ld}", &count) != 1) {
            count = -1;
        }
    }
    http_response_cleanup(&resp);
    return count;
}

void receiver_fx_nap_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls the probe until id's count reaches at least want (bounded by
 * WAIT_MS); returns the last count seen. */
long receiver_fx_wait_count(struct receiver_fx *f, const char *id, long want)
{
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
    long n = receiver_fx_probe(f, id);
    while (n < want && clock_mono_us() < deadline) {
        receiver_fx_nap_ms(5);
        n = receiver_fx_probe(f, id);
    }
    return n;
}
