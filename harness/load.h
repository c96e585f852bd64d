/* `vambe-harness load`: the capacity command. Signed deliveries at a fixed
 * rate for a duration (--rate N --duration D), or a ramp (--ramp) that
 * doubles the rate each step until the receiver breaks the latency budget
 * or fails deliveries; the result is the knee, the sustained deliveries
 * per second within the budget, and each step's counts and latency
 * percentiles, on stdout and in the four report formats.
 *
 * Files: load_cli.c (options, --help), load_plan.c (the ramp's rules, no
 * I/O), load_send.c (one signed delivery), load_pace.c (one step at a
 * fixed rate through core/http_client's event loop), load_command.c (the
 * command: preflight, steps, progress, output, reports). */
#ifndef HARNESS_LOAD_H
#define HARNESS_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "harness/cli.h"
#include "reports/load.h"

#define HN_LOAD_DEFAULT_START       10
#define HN_LOAD_DEFAULT_MAX         100000
#define HN_LOAD_DEFAULT_STEP_MS     5000
#define HN_LOAD_DEFAULT_BUDGET_MS   5000
#define HN_LOAD_DEFAULT_CONCURRENCY 256
#define HN_LOAD_MAX_RATE            1000000
#define HN_LOAD_MAX_CONCURRENCY     10000
#define HN_LOAD_MAX_DURATION_MS     (24ull * 3600 * 1000)
#define HN_LOAD_MAX_BUDGET_MS       (60ull * 1000)
/* Past the budget, an answer is still awaited this long, so one that is
 * late is measured (and counted over the budget) rather than cut off. */
#define HN_LOAD_TIMEOUT_GRACE_MS 1000

/* A parsed `load` command line. base holds the options shared with `run`
 * (target, secret, scheme, profile, timestamp unit, headers, TLS, seed,
 * reports); its strings are borrowed from argv and the environment. */
struct hn_load_config {
    struct hn_config base;
    bool help;
    bool version;
    bool ramp;
    uint64_t rate;        /* fixed: deliveries per second */
    uint64_t duration_ms; /* fixed: how long */
    uint64_t start;       /* ramp */
    uint64_t max;         /* ramp */
    uint64_t step_ms;     /* ramp: each step */
    uint64_t budget_ms;
    unsigned concurrency;
    const char *topics; /* --topic, comma-separated; NULL: the profile's default */
};

/* Parses argv (argv[0] is "load"). 0, or -1 with e set: the message names
 * the option and never echoes a secret. */
int hn_load_parse(int argc, char **argv, struct hn_load_config *cfg, struct err *e);
void hn_load_cleanup(struct hn_load_config *cfg);
void hn_load_help(FILE *f);

/* Runs the load: prints the steps and the knee on out, the progress on
 * stderr. Returns the exit status: 0 a result (whatever the receiver did),
 * 2 usage (a report path that cannot be written, a topic the profile
 * lacks), 3 the target unreachable at the start, 128 + the signal when
 * interrupted (the reports are still written). When result is not NULL it
 * receives the load (caller frees with rp_load_free), or NULL when none
 * ran. */
int hn_load_run(const struct hn_load_config *cfg, FILE *out, struct rp_load **result);

/* The command: parse, then --help, --version or run. */
int hn_load_main(int argc, char **argv, FILE *out);

#endif
