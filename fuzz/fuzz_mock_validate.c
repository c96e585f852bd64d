/* Fuzz target: everything the mock reads from a request before it touches
 * its state, called directly (no socket, so millions of runs are cheap):
 * webhook bodies (create and update), URLs, call-log query parameters (then
 * the query itself on an in-memory store), times, Content-Types, trigger
 * bodies, delivery-policy updates (then the delays they give) and the
 * Retry-After values receivers answer with.
 *
 * Input: one byte choosing the function, then its input. Properties:
 *  - a refusal always has a message;
 *  - an accepted webhook body has NUL-terminated fields, a known topic and
 *    a URL that is accepted again on its own;
 *  - an accepted URL is http(s)://, without whitespace or controls;
 *  - an accepted policy passes ms_policy_check and renders; its delays are
 *    finite and capped. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/topics.h"
#include "fuzz/fuzz_util.h"
#include "mock_server/policy.h"
#include "mock_server/store.h"
#include "mock_server/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct ms_store *fz_store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct err e = {{0}};

    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    fz_store = ms_store_open(NULL, &e);
    if (fz_store == NULL) {
        fz_fail("ms_store_open: %s", e.msg);
    }
    return 0;
}

static void fz_need_msg(const struct err *e, const char *what)
{
    if (e->msg[0] == '\0') {
        fz_fail("%s refused its input without a message", what);
    }
}

static void fz_check_url(const char *url)
{
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        fz_fail("accepted a URL that is not http(s): %.100s", url);
    }
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            fz_fail("accepted a URL with a control or space: %.100s", url);
        }
    }
    if (strlen(url) > MS_WEBHOOK_URL_MAX) {
        fz_fail("accepted a URL of %zu bytes", strlen(url));
    }
}

static void fz_webhook_body(const char *body, size_t len, bool partial)
{
    struct ms_webhook_patch p;
    struct err e = {{0}};
    struct err e2 = {{0}};

    if (ms_validate_webhook_body(body, len, partial, &p, &e) != 0) {
        fz_need_msg(&e, "ms_validate_webhook_body");
        return;
    }
    if (!partial && (!p.has_topic || !p.has_url || !p.has_secret || !p.has_active)) {
        fz_fail("a create body was accepted without topic, url, secret or active");
    }
    if (memchr(p.topic, '\0', sizeof(p.topic)) == NULL ||
        memchr(p.url, '\0', sizeof(p.url)) == NULL ||
        memchr(p.secret, '\0', sizeof(p.secret)) == NULL) {
        fz_fail("a webhook field is not NUL-terminated");
    }
    if (p.has_topic && topics_find(p.topic) == NULL) {
        fz_fail("accepted an unknown topic '%s'", p.topic);
    }
    if (p.has_url) {
        fz_check_url(p.url);
        if (ms_validate_url(p.url, &e2) != 0) {
            fz_fail("an accepted url is refused on its own: %s", e2.msg);
        }
    }
    if (p.has_secret && (p.secret[0] == '\0' || strlen(p.secret) > MS_WEBHOOK_SECRET_MAX)) {
        fz_fail("accepted a secret of %zu bytes", strlen(p.secret));
    }
}

static void fz_url(const char *s)
{
    struct err e = {{0}};

    if (ms_validate_url(s, &e) != 0) {
        fz_need_msg(&e, "ms_validate_url");
        return;
    }
    fz_check_url(s);
}

/* Eight '\n'-separated parameters; an empty line is an absent one, a line
 * "\x01" an empty one. */
static void fz_calls(struct fz_input *in)
{
    char *v[8];
    const char *arg[8];
    struct ms_calls_params p;
    struct ms_call_filter f;
    struct ms_call *calls = NULL;
    size_t n = 0;
    uint64_t total = 0;
    struct err e = {{0}};

    for (size_t i = 0; i < 8; i++) {
        size_t len = 0;
        v[i] = fz_line(in, &len);
        arg[i] = len == 0 ? NULL : (len == 1 && v[i][0] == 1) ? "" : v[i];
    }
    p.webhook_id = arg[0];
    p.topic = arg[1];
    p.event_id = arg[2];
    p.outcome = arg[3];
    p.since = arg[4];
    p.until = arg[5];
    p.page = arg[6];
    p.limit = arg[7];
    if (ms_validate_calls_params(&p, &f, &e) != 0) {
        fz_need_msg(&e, "ms_validate_calls_params");
    } else {
        if (f.page < 1 || f.limit < 1 || f.limit > MS_CALLS_LIMIT_MAX) {
            fz_fail("accepted page %u, limit %u", f.page, f.limit);
        }
        if (ms_store_calls_query(fz_store, &f, &calls, &n, &total) != 0) {
            fz_fail("the call-log query failed on valid parameters");
        }
        if (n > f.limit || n > total) {
            fz_fail("the query returned %zu records (limit %u, total %llu)", n, f.limit,
                    (unsigned long long)total);
        }
        ms_store_calls_free(calls, n);
    }
    for (size_t i = 0; i < 8; i++) {
        free(v[i]);
    }
}

/* A date alone ("2024-09-30") is UTC midnight of that very day: a day the
 * month does not have must be refused, not moved to the next month. */
static void fz_check_date(const char *s, uint64_t ms)
{
    char back[48];
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;

    if (strlen(s) != 10 || ms % 86400000u != 0 || gmtime_r(&t, &tm) == NULL) {
        if (strlen(s) == 10 && s[4] == '-' && ms % 86400000u != 0) {
            fz_fail("the date '%s' is not at midnight UTC", s);
        }
        return;
    }
    snprintf(back, sizeof(back), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if (strcmp(back, s) != 0) {
        fz_fail("the date '%s' was read as %s", s, back);
    }
}

static void fz_time(const char *s)
{
    uint64_t ms = 0;
    struct err e = {{0}};

    if (ms_validate_time(s, &ms, &e) != 0) {
        fz_need_msg(&e, "ms_validate_time");
        return;
    }
    if (strlen(s) == 10 && s[4] == '-') {
        fz_check_date(s, ms);
    }
}

static void fz_trigger(const char *body, size_t len, unsigned count_max)
{
    struct ms_trigger_body t;
    struct err e = {{0}};

    if (ms_validate_trigger_body(body, len, count_max, &t, &e) != 0) {
        fz_need_msg(&e, "ms_validate_trigger_body");
        return;
    }
    if (t.count < 1 || t.count > count_max || topics_find(t.topic) == NULL ||
        (t.data != NULL && !json_is_object(t.data))) {
        fz_fail("accepted trigger: count %u, topic '%s'", t.count, t.topic);
    }
    json_decref(t.data);
}

static void fz_policy(const char *body, size_t len)
{
    struct ms_policy p;
    struct ms_policy before;
    struct err e = {{0}};
    json_t *j;

    ms_policy_init(&p);
    memcpy(&before, &p, sizeof(p));
    if (ms_policy_patch_json(&p, body, len, &e) != 0) {
        fz_need_msg(&e, "ms_policy_patch_json");
        if (memcmp(&before, &p, sizeof(p)) != 0) {
            fz_fail("a refused policy update changed the policy");
        }
        return;
    }
    if (ms_policy_check(&p, &e) != 0) {
        fz_fail("an accepted policy update fails the check: %s", e.msg);
    }
    j = ms_policy_render(&p);
    if (!json_is_object(j)) {
        fz_fail("the policy does not render as an object");
    }
    json_decref(j);
    for (unsigned a = 1; a <= p.max_attempts + 1; a++) {
        uint64_t b = ms_policy_backoff_ms(&p, a);
        uint64_t lo = ms_policy_delay_ms(&p, a, 0.0);
        uint64_t hi = ms_policy_delay_ms(&p, a, 0.999999);

        if (p.backoff != MS_BACKOFF_SCHEDULE && b > p.backoff_cap_ms) {
            fz_fail("attempt %u: backoff %llu over the cap %llu", a, (unsigned long long)b,
                    (unsigned long long)p.backoff_cap_ms);
        }
        (void)lo;
        (void)hi;
    }
}

static void fz_retry_after(const char *s, uint8_t opt)
{
    struct ms_policy p;
    uint64_t ms = 0;
    long status = (opt & 1) ? 429 : 503;

    ms_policy_init(&p);
    if (ms_policy_retry_after_ms(&p, status, s, 1727690400000ull, &ms) &&
        ms > p.retry_after_cap_ms) {
        fz_fail("Retry-After '%.60s' gave %llu ms, over the cap", s, (unsigned long long)ms);
    }
    if (ms_policy_retry_after_ms(&p, 200, s, 1727690400000ull, &ms)) {
        fz_fail("a 200 with Retry-After counted");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    uint8_t which = fz_byte(&in);
    size_t len = 0;
    char *rest;
    bool b = false;

    if (which % 10 == 4) {
        fz_calls(&in);
        return 0;
    }
    rest = fz_rest(&in, &len);
    switch (which % 10) {
    case 0:
        fz_webhook_body(rest, len, false);
        break;
    case 1:
        fz_webhook_body(rest, len, true);
        break;
    case 2:
        fz_url(rest);
        break;
    case 3:
        fz_time(rest);
        break;
    case 5:
        fz_trigger(rest, len, (which & 0x80) ? 3 : 10000);
        break;
    case 6:
        (void)ms_validate_json_type(rest);
        break;
    case 7:
        fz_policy(rest, len);
        break;
    case 8:
        fz_retry_after(rest, which >> 4);
        break;
    default:
        (void)ms_validate_bool(rest, &b);
        (void)ms_validate_outcome(rest);
        break;
    }
    free(rest);
    return 0;
}
