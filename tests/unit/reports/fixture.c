/* Report test fixtures: models built in the test, file helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit/reports/fixture.h"

#define STARTED_MS 1727690400000ull /* 2024-09-30T10:00:00Z */

static const char *const topics[] = {"message.received", "message.sent",  "ticket.created",
                                     "ticket.updated",   "ticket.closed", "contact.created",
                                     "contact.updated",  "stage.changed"};

/* A tiny deterministic generator for latencies. */
static uint32_t next_rand(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void add_delivery(struct rp_step *s, const char *topic, unsigned n, long status,
                         uint64_t total_us)
{
    struct rp_exchange *x = rp_step_add_exchange(s);
    rp_set(&x->method, "POST");
    rp_set(&x->url, "http://127.0.0.1:8080/webhooks/vambe");
    rp_setf(&x->event_id, "evt_01J8ZK%04uQ7V3T9", n);
    rp_setf(&x->request_headers,
            "Content-Type: application/json\nUser-Agent: Vambe-Webhooks/1.0\n"
            "x-vambe-event: %s\nx-vambe-event-id: evt_01J8ZK%04uQ7V3T9\n"
            "x-vambe-delivery-id: 7c9e6679-7425-40de-944b-e07fc1f9%04u\nx-vambe-attempt: 1\n"
            "x-vambe-webhook-id: wh_3kq81\nx-vambe-timestamp: 17276904%05u\n"
            "x-vambe-signature: 9f86...(64 chars)\n",
            topic, n, n, n);
    rp_setf(&x->request_body,
            "{\"id\":\"evt_01J8ZK%04uQ7V3T9\",\"event\":\"%s\",\"timestamp\":"
            "\"2024-09-30T10:00:00.000Z\",\"data\":{\"contact_id\":"
            "\"3b241101-e2bb-4255-8caf-4136c566a962\",\"contact_name\":\"Mar\xC3\xAD"
            "a "
            "Jos\xC3\xA9 Pe\xC3\xB1\x61\",\"message_body\":\"Hola \xF0\x9F\x91\x8B\"}}",
            n, topic);
    x->request_body_len = strlen(x->request_body);
    x->status = status;
    if (status != 0) {
        rp_set(&x->response_headers, "Content-Type: application/json\nContent-Length: 11\n");
        rp_set(&x->response_body, "{\"ok\":true}");
        x->response_body_len = strlen(x->response_body);
    } else {
        rp_set(&x->error, "connection refused");
    }
    x->connect_us = total_us / 10;
    x->first_byte_us = total_us - total_us / 20;
    x->total_us = total_us;
}

static struct rp_case *add_case(struct rp_run *run, const char *id, const char *title,
                                enum rp_level level, enum rp_verdict v)
{
    struct rp_case *c = rp_run_add_case(run);
    rp_set(&c->id, id);
    rp_setf(&c->area, "%.3s", id);
    rp_set(&c->title, title);
    c->level = level;
    c->verdict = v;
    rp_set(&c->reference, "Vambe Webhooks guide, Security best practices");
    rp_setf(&c->file, "scenarios/%.3s/%s.json", id, id);
    rp_setf(&c->rerun, "vambe-harness run --target http://127.0.0.1:8080/webhooks/vambe --case %s",
            id);
    rp_case_add_tag(c, "core");
    c->duration_us = 20000;
    return c;
}

static struct rp_step *add_step(struct rp_case *c, const char *kind, const char *desc,
                                enum rp_verdict v, const char *expected, const char *actual)
{
    struct rp_step *s = rp_case_add_step(c);
    rp_set(&s->kind, kind);
    rp_set(&s->description, desc);
    s->verdict = v;
    rp_set(&s->expected, expected);
    rp_set(&s->actual, actual);
    return s;
}

const char *fixture_hostile_body(size_t *len)
{
    static char body[1024];
    static size_t n;
    if (n == 0) {
        for (int i = 0; i < 256; i++) {
            body[n++] = (char)i;
        }
        static const char tail[] =
            "]]></failure><script>alert(1)</script><!-- x --> | `code` ``` "
            "\xC0\xAF \xED\xA0\x80 \xF5\x80\x80\x80 \xEF\xBF\xBE \xE2\x82 & \"q\" 'a' \r\n"
            "</pre></details><img src=x onerror=alert(2)>\xE2";
        memcpy(body + n, tail, sizeof(tail) - 1);
        n += sizeof(tail) - 1;
    }
    *len = n;
    return body;
}

static void add_standard_cases(struct rp_run *run, uint32_t *seed)
{
    struct rp_case *c = add_case(run, "DLV-001", "answers a valid signed delivery with 2xx",
                                 RP_LEVEL_MUST, RP_VERDICT_PASS);
    rp_set(&c->figure, "status 200");
    add_delivery(add_step(c, "deliver", "POST message.received, valid signature", RP_VERDICT_PASS,
                          "2xx", "200"),
                 topics[0], 1, 200, 8200);
    c = add_case(run, "DLV-002", "answers exactly 200", RP_LEVEL_SHOULD, RP_VERDICT_WARN);
    rp_set(&c->reason, "expected status 200, got 202");
    rp_set(&c->figure, "status 202");
    struct rp_step *s =
        add_step(c, "deliver", "POST message.received", RP_VERDICT_WARN, "200", "202");
    add_delivery(s, topics[0], 2, 202, 9100);
    c = add_case(run, "DLV-003", "accepts every topic of the catalogue", RP_LEVEL_MUST,
                 RP_VERDICT_PASS);
    rp_set(&c->figure, "8 of 8 topics answered 2xx");
    s = add_step(c, "deliver", "one delivery per topic", RP_VERDICT_PASS, "2xx", "2xx");
    for (unsigned i = 0; i < 8; i++) {
        add_delivery(s, topics[i], 10 + i, 200, 4000 + next_rand(seed) % 9000);
    }
    c = add_case(run, "LAT-001", "answers every delivery within 5 s", RP_LEVEL_MUST,
                 RP_VERDICT_PASS);
    s = add_step(c, "burst", "40 concurrent deliveries", RP_VERDICT_PASS, "all within 5 s",
                 "slowest 412.0 ms");
    for (unsigned i = 0; i < 40; i++) {
        uint64_t us = 6000 + next_rand(seed) % 30000;
        if (i % 13 == 5) {
            us = 180000 + next_rand(seed) % 240000;
        }
        add_delivery(s, topics[i % 8], 100 + i, 200, us);
    }
    rp_set(&c->figure, "slowest 412.0 ms");
    c = add_case(run, "LAT-002", "answers with p95 under 1 s", RP_LEVEL_SHOULD, RP_VERDICT_PASS);
    rp_set(&c->figure, "p95 305.2 ms");
    c = add_case(run, "IDM-002", "processes a duplicated event once", RP_LEVEL_MUST,
                 RP_VERDICT_SKIP);
    rp_set(&c->reason, "no probe: give --probe-url or --probe-cmd");
    c = add_case(run, "SIG-002", "rejects a signature made with another secret", RP_LEVEL_MUST,
                 RP_VERDICT_FAIL);
    rp_set(&c->reason, "expected status 401 or 403, got 200");
    rp_set(&c->figure, "status 200");
    s = add_step(c, "deliver", "POST message.received signed with another secret", RP_VERDICT_FAIL,
                 "401 or 403", "200");
    add_delivery(s, topics[0], 200, 200, 7300);
    c = add_case(run, "SIG-004", "rejects a timestamp older than 300 s", RP_LEVEL_MUST,
                 RP_VERDICT_ERROR);
    rp_set(&c->reason, "connection refused");
    s = add_step(c, "deliver", "POST with a timestamp 301 s old", RP_VERDICT_ERROR, "401 or 403",
                 "no response");
    add_delivery(s, topics[0], 300, 0, 1200);
    c = add_case(run, "SEC-001", "is served over HTTPS", RP_LEVEL_SHOULD, RP_VERDICT_SKIP);
    rp_set(&c->reason, "loopback target: HTTPS not required");
}

/* Puts receiver-controlled hostile data into the run's text fields. */
static void make_hostile(struct rp_run *run)
{
    static const char evil[] = "</script><script>alert(1)</script> ]]> <!-- | `tick` \x01\x1b"
                               "\x7F \xFF\xFE \xC3\x28 <b>bold</b> & *em* [l](x) @team $x$";
    rp_setf(&run->target, "http://127.0.0.1:8080/hook?token=<script>%s", evil);
    struct rp_case *c = &run->cases[6]; /* SIG-002 */
    rp_setf(&c->reason, "expected status 401 or 403, got 200: %s", evil);
    rp_setf(&c->figure, "status 200 %s", evil);
    rp_setf(&c->title, "rejects | a `signature` <i>%s</i>", evil);
    rp_case_add_tag(c, "<img src=x onerror=alert(3)>");
    struct rp_step *s = &c->steps[0];
    rp_setf(&s->actual, "200 %s", evil);
    struct rp_exchange *x = &s->exchanges[0];
    rp_setf(&x->response_headers, "Content-Type: text/html\nX-Evil: %s\nX-Esc: \x1b[31mred\n",
            evil);
    size_t len = 0;
    const char *body = fixture_hostile_body(&len);
    free(x->response_body);
    x->response_body = malloc(len + 1);
    assert_non_null(x->response_body);
    memcpy(x->response_body, body, len);
    x->response_body[len] = '\0';
    x->response_body_len = len;
    x->response_body_truncated = true;
    /* A second delivery answered with a 2 MiB body of every byte value. */
    add_delivery(s, topics[0], 201, 200, 9400);
    x = &s->exchanges[1];
    free(x->response_body);
    x->response_body = malloc(FIXTURE_BIG_BODY + 1);
    assert_non_null(x->response_body);
    for (size_t i = 0; i < FIXTURE_BIG_BODY; i++) {
        x->response_body[i] = (char)(i * 7 % 256);
    }
    x->response_body[FIXTURE_BIG_BODY] = '\0';
    x->response_body_len = FIXTURE_BIG_BODY;
    c = &run->cases[7]; /* SIG-004 */
    rp_setf(&c->steps[0].exchanges[0].error, "reset: %s", evil);
    c = &run->cases[1]; /* DLV-002, WARN */
    rp_setf(&c->reason, "expected status 200, got 202 %s", evil);
    /* A custom scheme file names its scheme, and the notes quote it. */
    rp_setf(&run->scheme, "custom <i>%s</i>", evil);
    char *note = NULL;
    rp_setf(&note, "scheme %s: <img src=x onerror=alert(4)>\n# heading\n- item\n| a | b |", evil);
    rp_run_add_note(run, note);
    free(note);
}

struct rp_run *fixture_run(bool hostile)
{
    struct rp_run *run = rp_run_new();
    uint32_t seed = 42;
    rp_set(&run->harness_version, "0.1.0");
    rp_set(&run->target, "http://127.0.0.1:8080/webhooks/vambe");
    rp_set(&run->suite, "scenarios");
    rp_set(&run->suite_checksum,
           "5d41402abc4b2a76b9719d911017c592ae7f1c0e5e6f1a2b3c4d5e6f7a8b9c0d");
    rp_set(&run->profile, "documented");
    rp_set(&run->scheme, FIXTURE_SCHEME);
    rp_run_add_note(run, FIXTURE_NOTE_1);
    rp_run_add_note(run, FIXTURE_NOTE_2);
    rp_set(&run->timestamp_unit, "ms");
    rp_set(&run->probe, "none");
    run->seed = 42;
    run->largest_body = 262144; /* BDY-003's measure; nothing refused */
    /* SIG-004's and SIG-005's: 299 s into the past; the future unbounded. */
    run->ts_past = (struct rp_window){true, true, 299, true, 300};
    run->ts_future = (struct rp_window){true, true, 604800, false, 0};
    run->started_wall_ms = STARTED_MS;
    run->duration_us = 3200000;
    add_standard_cases(run, &seed);
    if (hostile) {
        make_hostile(run);
    }
    rp_run_summarize(run);
    return run;
}

void fixture_charge(struct rp_run *run)
{
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            struct rp_step *s = &run->cases[i].steps[j];
            for (size_t k = 0; k < s->n_exchanges; k++) {
                rp_detail_fit(&run->detail, &s->exchanges[k]);
            }
        }
    }
}

struct rp_run *fixture_over_budget(bool hostile)
{
    struct rp_run *run = fixture_run(hostile);
    run->detail.budget = FIXTURE_SMALL_BUDGET;
    fixture_charge(run);
    rp_run_summarize(run);
    return run;
}

struct rp_run *fixture_many(size_t n)
{
    struct rp_run *run = fixture_run(false);
    char id[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "BIG-%05zu", i);
        struct rp_case *c = add_case(run, id, "a failing case with a long transcript",
                                     RP_LEVEL_MUST, RP_VERDICT_FAIL);
        rp_setf(&c->reason, "expected status 401 or 403, got 200 (case %zu)", i);
        rp_set(&c->figure, "status 200");
        struct rp_step *s =
            add_step(c, "deliver", "POST message.received", RP_VERDICT_FAIL, "401 or 403", "200");
        add_delivery(s, topics[i % 8], (unsigned)i, 200, 5000 + i);
        add_delivery(s, topics[(i + 1) % 8], (unsigned)i, 200, 6000 + i);
    }
    rp_run_summarize(run);
    return run;
}

char *fixture_path(const char *name)
{
    const char *build = getenv("VAMBE_BUILD_DIR");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/artifacts", build && *build ? build : "/tmp");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fail_msg("mkdir %s: %s", dir, strerror(errno));
    }
    snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/reports");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fail_msg("mkdir %s: %s", dir, strerror(errno));
    }
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    assert_non_null(path);
    snprintf(path, n, "%s/%s", dir, name);
    return path;
}

char *fixture_write(const struct rp_run *run, enum rp_format format, const char *name)
{
    char *path = fixture_path(name);
    struct err e = {{0}};
    if (rp_write_file(run, format, path, &e) != 0) {
        fail_msg("rp_write_file %s: %s", path, e.msg);
    }
    return path;
}

char *fixture_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return buf;
}

size_t fixture_count(const char *hay, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    const char *p = hay, *end = hay + len;
    while (p < end && (p = memmem(p, (size_t)(end - p), needle, k)) != NULL) {
        n++;
        p += k;
    }
    return n;
}
