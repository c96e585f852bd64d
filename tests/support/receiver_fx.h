/* Test support: the real vambe-receiver program in the tests that run it:
 * started with --secret SECRET on port 0, deliveries of each kind (valid,
 * signed with another key, unsigned, stale, future, malformed, without an
 * event id header) sent with the kit's client, and its probe read. */
#ifndef TESTS_SUPPORT_RECEIVER_FX_H
#define TESTS_SUPPORT_RECEIVER_FX_H

#include <stddef.h>

#include "core/event.h"
#include "core/http_client.h"
#include "core/rng.h"
#include "support/proc.h"

#define SECRET      "whsec_receiver_test"
#define START_MS    10000
#define STOP_MS     10000
#define HEADERS_MAX 6

enum receiver_kind {
    KIND_VALID,     /* signed with the right secret, now */
    KIND_OTHER_KEY, /* signed with another secret */
    KIND_UNSIGNED,  /* no signature headers */
    KIND_STALE,     /* validly signed, 10 minutes old */
    KIND_FUTURE,    /* validly signed, 10 minutes ahead */
    KIND_MALFORMED, /* validly signed, the body is not JSON */
    KIND_NO_HEADER, /* validly signed, the event id only in the body */
};

/* One delivery and the request that sends it. */
struct receiver_delivery {
    struct event ev;
    char headers[HEADERS_MAX][192];
    const char *hp[HEADERS_MAX];
    struct http_request req;
    char url[80];
};

struct receiver_fx {
    struct proc p;
    char base[64];
    struct http_client *client;
    struct rng rng;
};

/* The vambe-receiver program. */
const char *receiver_fx_bin(void);
/* cmocka setup and teardown: a zeroed struct receiver_fx; the teardown
 * kills a receiver still running, so none outlives its test. */
int receiver_fx_setup(void **state);
int receiver_fx_teardown(void **state);
/* Starts the receiver with n_extra more arguments (at most 2). */
void receiver_fx_start_with(struct receiver_fx *f, char *const *extra, size_t n_extra);
/* Starts the receiver, with one --flaw unless flaw is NULL. */
void receiver_fx_start(struct receiver_fx *f, const char *flaw);
/* Stops the receiver with SIGTERM and checks it exits 0. */
void receiver_fx_stop(struct receiver_fx *f);
/* Kills the receiver at once, if it runs (nothing is left to check). */
void receiver_fx_kill(struct receiver_fx *f);
/* Builds a delivery of topic (a fresh event id) in the given kind; the
 * caller releases d->ev with event_cleanup. */
void receiver_fx_delivery(struct receiver_delivery *d, struct receiver_fx *f, const char *topic,
                          enum receiver_kind k);
/* Sends d once and returns the status (0 when no response came). */
long receiver_fx_send1(struct receiver_fx *f, const struct receiver_delivery *d);
/* Builds, sends and releases one delivery; returns the status. When id is
 * not NULL it receives the event id. */
long receiver_fx_send_kind(struct receiver_fx *f, const char *topic, enum receiver_kind k, char *id,
                           size_t id_size);
/* The probe's count for id, or -1 when the probe did not answer. */
long receiver_fx_probe(struct receiver_fx *f, const char *id);
/* Sleeps ms (where nothing can be waited on). */
void receiver_fx_nap_ms(long ms);
/* Polls the probe until id's count reaches at least want (bounded by
 * WAIT_MS); returns the last count seen. */
long receiver_fx_wait_count(struct receiver_fx *f, const char *id, long want);

#endif
