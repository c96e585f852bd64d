/* Test support: a scripted webhook receiver on core/http_server
 * (127.0.0.1, port 0, a thread per connection): POST /hook records what
 * each request carried (the Vambe headers, the body, when it came) and
 * answers as the script says; POST /target counts its hits. */
#ifndef TESTS_SUPPORT_RX_H
#define TESTS_SUPPORT_RX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http_server.h"

#define RX_MAX    256
#define STEPS_MAX 16
#define HDR_MAX   96

/* ---- the test receiver ------------------------------------------------------ */

/* What one request carried. */
struct rx_req {
    char event[HDR_MAX];
    char event_id[HDR_MAX];
    char delivery_id[HDR_MAX];
    char attempt[HDR_MAX];
    char webhook_id[HDR_MAX];
    char timestamp[HDR_MAX];
    char signature[HDR_MAX];
    char content_type[HDR_MAX];
    char user_agent[HDR_MAX];
    bool has_signature;
    char *body;
    size_t body_len;
    uint64_t mono_us; /* when it arrived */
};

/* How to answer one request. */
struct rx_step {
    unsigned status;
    const char *retry_after; /* NULL: no header */
    const char *location;    /* NULL: no header */
    unsigned delay_ms;       /* hold the answer back */
};

struct rx {
    struct http_server *srv;
    unsigned port;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct rx_req reqs[RX_MAX];
    size_t n;
    struct rx_step script[STEPS_MAX]; /* step i answers request i */
    size_t n_script;
    struct rx_step dflt; /* answers the requests past the script */
    const char *answer;  /* the body of every answer; NULL: "ok" */
    size_t answer_len;
    int inflight;
    int max_inflight;
    bool closing;
    atomic_int target_hits;
};

/* Starts a receiver answering 200 "ok"; fails the test when it cannot. */
struct rx *rx_start(void);
void rx_stop(struct rx *rx);
/* Step i of steps answers request i (n at most STEPS_MAX). */
void rx_script(struct rx *rx, const struct rx_step *steps, size_t n);
/* How to answer the requests past the script. */
void rx_default(struct rx *rx, struct rx_step step);
/* Waits (bounded) until the receiver has seen n requests. */
void rx_wait(struct rx *rx, size_t n);
/* How many requests came so far. */
size_t rx_count(struct rx *rx);

#endif
