/* Fuzz target: the scenario parser (harness/scenario*.c, jpath.c) and what
 * the runner builds from a parsed case before anything is sent: each
 * deliver step's event (core/event, with the step's data and
 * extra_fields) and its delivery (harness/delivery.c, with every
 * mutation), all in memory.
 *
 * Properties:
 *  - a refused file has a message that names the file;
 *  - an accepted case has 1 to 64 steps, its references point backwards;
 *  - every built event body is a JSON object;
 *  - every built delivery's bytes can be read in full (ASan catches a
 *    length longer than the buffer) and no header line holds CR or LF. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/event.h"
#include "core/jsonh.h"
#include "core/rng.h"
#include "core/scheme.h"
#include "fuzz/fuzz_util.h"
#include "harness/delivery.h"
#include "harness/scenario.h"

#define FZ_FILE "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of a buffer so that ASan sees a length that is wrong. */
static unsigned fz_touch(const char *p, size_t n)
{
    unsigned sum = 0;

    for (size_t i = 0; i < n; i++) {
        sum += (unsigned char)p[i];
    }
    return sum;
}

static void fz_check_refs(const struct hn_scenario *s)
{
    if (s->n_steps < 1 || s->n_steps > HN_SCENARIO_MAX_STEPS) {
        fz_fail("accepted a case with %zu steps", s->n_steps);
    }
    for (size_t i = 0; i < s->n_steps; i++) {
        const struct hn_step *st = &s->steps[i];

        if (st->same_as >= (int)i || st->same_data_as >= (int)i) {
            fz_fail("step %zu refers to itself or a later step", i + 1);
        }
        for (size_t k = 0; k < st->n_of; k++) {
            if (st->of[k] < 0 || st->of[k] >= (int)i) {
                fz_fail("probe step %zu counts a step that is not before it", i + 1);
            }
        }
        if (st->kind == HN_STEP_BURST && (st->count < 1 || st->count > HN_BURST_MAX ||
                                          st->concurrency < 1 || st->concurrency > st->count)) {
            fz_fail("burst step %zu: count %u, concurrency %u", i + 1, st->count, st->concurrency);
        }
    }
}

/* The event a deliver step would send, as the runner builds it. */
static int fz_event(const struct hn_scenario *s, size_t idx, enum event_profile profile,
                    char **body, size_t *len)
{
    const struct hn_step *st = &s->steps[idx];
    const struct hn_step *origin = st;
    struct rng rng;
    struct event ev;
    struct err e = {{0}};
    json_t *root;

    while (origin->same_data_as >= 0) {
        origin = &s->steps[origin->same_data_as];
    }
    rng_seed(&rng, idx + 1);
    if (event_build_with_id(st->topic, "evt_00000000000000000000000f", origin->data, profile, &rng,
                            1727690400000ull, &ev, &e) != 0) {
        if (e.msg[0] == '\0') {
            fz_fail("event_build_with_id failed without a message");
        }
        return -1;
    }
    root = jsonh_parse(ev.body, ev.body_len, NULL);
    if (!json_is_object(root)) {
        fz_fail("event body is not a JSON object: %.200s", ev.body);
    }
    if (st->extra_fields != NULL) {
        json_object_update(root, st->extra_fields);
    }
    *body = jsonh_dump(root, len);
    json_decref(root);
    event_cleanup(&ev);
    return 0;
}

/* Is line one of the '\n'-terminated lines of text? */
static bool fz_has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    const char *p = text;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0')) {
            return true;
        }
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    return false;
}

/* Does the step set this header itself (then it is shown, as it should)? */
static bool fz_step_sets(const struct hn_step *st, const char *name)
{
    for (size_t i = 0; i < st->mutate.n_add; i++) {
        if (strcasecmp(st->mutate.add[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static void fz_delivery(const struct hn_scenario *s, size_t idx, const char *body, size_t len)
{
    static const char *const user_headers[] = {"X-Token: fuzz-token-value"};
    const struct hn_step *st = &s->steps[idx];
    size_t n_schemes = 0;
    const struct scheme *schemes = scheme_builtins(&n_schemes);
    const struct scheme *scheme = &schemes[idx % n_schemes];
    struct hn_delivery_opts o = {
        .url = "http://127.0.0.1:9/hook",
        .scheme = scheme,
        .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        .unit = (idx & 1) ? SIGNATURE_UNIT_S : SIGNATURE_UNIT_MS,
        .webhook_id = "00000000-0000-4000-8000-000000000000",
        .user_headers = user_headers,
        .n_user_headers = 1,
    };
    struct hn_payload pl = {"evt_00000000000000000000000f", st->topic, body, len, NULL, NULL};
    struct hn_delivery d;
    struct rng rng;
    struct err e = {{0}};

    rng_seed(&rng, 7);
    bool list_mutation =
        st->mutate.signature == HN_SIG_VALID_FIRST || st->mutate.signature == HN_SIG_VALID_LAST;
    if (hn_delivery_build(&o, &pl, &st->mutate, st->attempt, &rng, 1727690400000ull, &d, &e) != 0) {
        /* A list of signatures under a scheme that has none is refused. */
        if (list_mutation && scheme->kind == SCHEME_HMAC && !scheme->list) {
            return;
        }
        fz_fail("hn_delivery_build failed under %s: %s", scheme->name, e.msg);
    }
    (void)fz_touch(d.body, d.body_len);
    (void)fz_touch(d.method, strlen(d.method));
    if (st->mutate.has_raw_body && !st->mutate.alter_body && !st->mutate.reformat &&
        (d.body_len != st->mutate.raw_body_len ||
         memcmp(d.body, st->mutate.raw_body, d.body_len) != 0)) {
        fz_fail("the raw body sent is not the raw body of the scenario");
    }
    for (size_t i = 0; i < d.n_lines; i++) {
        if (strpbrk(d.lines[i], "\r\n") != NULL) {
            fz_fail("header line %zu holds CR or LF: %.100s", i, d.lines[i]);
        }
    }
    if (!fz_step_sets(st, "X-Token") && fz_has_line(d.shown_headers, "X-Token: fuzz-token-value")) {
        fz_fail("a --header value is shown in the report");
    }
    hn_delivery_cleanup(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hn_scenario *s = NULL;
    struct err e = {{0}};

    if (hn_scenario_parse((const char *)data, size, FZ_FILE, &s, &e) != 0) {
        if (s != NULL) {
            fz_fail("a refused scenario was returned");
        }
        if (strncmp(e.msg, FZ_FILE ":", strlen(FZ_FILE) + 1) != 0) {
            fz_fail("the error does not name the file: %s", e.msg);
        }
        return 0;
    }
    fz_check_refs(s);
    for (size_t i = 0; i < s->n_steps; i++) {
        const struct hn_step *st = &s->steps[i];
        char *body = NULL;
        size_t len = 0;

        if (st->kind != HN_STEP_DELIVER) {
            continue;
        }
        if (fz_event(s, i, (i & 1) ? EVENT_PROFILE_LEGACY : EVENT_PROFILE_DOCUMENTED, &body,
                     &len) != 0) {
            continue;
        }
        fz_delivery(s, i, body, len);
        free(body);
    }
    hn_scenario_free(s);
    return 0;
}
