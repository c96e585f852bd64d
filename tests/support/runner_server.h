/* Test support: the small servers the runner's integration tests run the
 * harness against, in process, on 127.0.0.1 port 0 (core/http_server),
 * each scripted to answer one way, and the checks made on a run's result.
 * Links the harness and the reports libraries. */
#ifndef TESTS_SUPPORT_RUNNER_SERVER_H
#define TESTS_SUPPORT_RUNNER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http_server.h"
#include "core/signature.h"
#include "reports/model.h"

#define SECRET     "whsec_runner_s3cr3t"
#define HDR_SECRET "hdr-s3cr3t-value"
#define Q_SECRET   "q-s3cr3t-value"
#define MAX_EVENTS 512
#define OUT_MAX    (256 * 1024)

enum rs_mode {
    MODE_ACCEPT,   /* 200 to everything; counts every delivery (no dedupe) */
    MODE_REJECT,   /* 401 to everything */
    MODE_ERROR,    /* 500 to everything */
    MODE_REDIRECT, /* 302 to everything */
    MODE_SLOW,     /* 200 after delay_ms */
    MODE_VERIFY,   /* verifies, dedupes, counts each event once */
    MODE_CSRF,     /* Laravel's 419 Page Expired to everything */
};

struct rs_server {
    enum rs_mode mode;
    unsigned delay_ms;
    bool probe_broken;        /* the probe answers 500 */
    bool require_token;       /* MODE_VERIFY: X-Token and ?token must be there */
    const char *drop_topic;   /* MODE_VERIFY: 200 to this topic, never counted */
    const char *count_dir;    /* when set, counts are also written there */
    enum signature_unit unit; /* MODE_VERIFY */
    pthread_mutex_t lock;
    struct {
        char id[64];
        long long count;
    } events[MAX_EVENTS];
    size_t n_events;
    struct http_server *http;
    unsigned port;
};

/* The result of one in-process run. */
struct rs_result {
    int code;
    struct rp_run *run;
    char out[OUT_MAX];
};

struct rs_want {
    const char *id;
    enum rp_verdict verdict;
};

/* Starts a server answering as mode; fails the test when it cannot. */
struct rs_server *rs_server_start(enum rs_mode mode);
void rs_server_stop(struct rs_server *s);
/* Runs "vambe-harness run --target <server>/hook --secret SECRET <args>"
 * in process (args NULL-terminated, or NULL). */
void rs_run(const struct rs_server *s, const char *const *args, struct rs_result *res);
void rs_result_free(struct rs_result *res);
/* The case id of a run; NULL when it did not run. */
const struct rp_case *rs_find_case(const struct rp_run *run, const char *id);
/* Each of the n cases has its verdict; prints the run's output when not. */
void rs_check_verdicts(const struct rs_result *res, const struct rs_want *w, size_t n);
/* No secret anywhere in the output or in the model's text fields. */
void rs_check_no_secret(const struct rs_result *res, const char *secret);

#endif
