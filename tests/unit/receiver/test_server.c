/* examples/receiver/server, in process: what the binary's tests cannot
 * reach. A full queue answers 503 with Retry-After and forgets the id, so
 * the sender's retry is processed; start-up errors are reported. The rate
 * limit and the flaws about order and timing (throttle-drops,
 * no-retry-after, lost-on-disconnect, needs-parent-first,
 * drops-orphan-update) are driven here too: they need bodies, attempts and
 * a client that hangs up, and the counts read without a probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/signature.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/server.h"

#define SECRET     "whsec_unit"
#define N_HEADERS  5
#define TRIES      200 /* deliveries sent at most to meet a limit */
#define HANG_UP_MS 50  /* the raw client closes this long after writing */
#define BURST      40  /* a burst past the flaws' default 30 a second */

struct signed_post {
    char url[64];
    char body[256];
    char headers[N_HEADERS][160];
    const char *hp[N_HEADERS];
    struct http_request req;
};

/* What a test reads from an answer. */
struct answer {
    long status;
    char retry[16]; /* Retry-After; "" when absent */
    char body[256];
};

static void nap_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A delivery of body, event id id, signed with secret, attempt n. */
static void signed_post_body(struct signed_post *p, unsigned port, const char *id, const char *body,
                             const char *secret, unsigned attempt)
{
    char ts[32];
    char sig[SIGNATURE_MAX + 1];
    memset(p, 0, sizeof(*p));
    snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%u/", port);
    assert_true(strlen(body) < sizeof(p->body));
    snprintf(p->body, sizeof(p->body), "%s", body);
    signature_timestamp(clock_wall_ms(), SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_int_equal(signature_sign(secret, ts, p->body, strlen(p->body), sig), 0);
    snprintf(p->headers[0], sizeof(p->headers[0]), "x-vambe-timestamp: %s", ts);
    snprintf(p->headers[1], sizeof(p->headers[1]), "x-vambe-signature: %s", sig);
    snprintf(p->headers[2], sizeof(p->headers[2]), "x-vambe-event-id: %s", id);
    snprintf(p->headers[3], sizeof(p->headers[3]), "Content-Type: application/json");
    snprintf(p->headers[4], sizeof(p->headers[4]), "x-vambe-attempt: %u", attempt);
    for (size_t i = 0; i < N_HEADERS; i++) {
        p->hp[i] = p->headers[i];
    }
    p->req = (struct http_request){.method = "POST",
                                   .url = p->url,
                                   .headers = p->hp,
                                   .n_headers = N_HEADERS,
                                   .body = p->body,
                                   .body_len = strlen(p->body)};
}

static void signed_post_make(struct signed_post *p, unsigned port, const char *id)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"id\":\"%s\",\"event\":\"ticket.created\",\"data\":{}}", id);
    signed_post_body(p, port, id, body, SECRET, 1);
}

/* Sends p once and reads the answer into a. */
static void post(struct http_client *c, const struct signed_post *p, struct answer *a)
{
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    memset(a, 0, sizeof(*a));
    assert_int_equal(http_client_run(c, &p->req, &resp, 1, 1), 0);
    a->status = resp.status;
    if (http_response_header(&resp, "Retry-After", a->retry, sizeof(a->retry)) != 0) {
        a->retry[0] = '\0';
    }
    snprintf(a->body, sizeof(a->body), "%s", resp.body != NULL ? resp.body : "");
    http_response_cleanup(&resp);
}

/* Sends an event of topic whose data is data (a JSON object), in Vambe's
 * documented shape; returns the status. */
static long post_event(struct http_client *c, struct rcv_server *s, const char *id,
                       const char *topic, const char *data, unsigned attempt, struct answer *a)
{
    struct signed_post p;
    char body[256];
    snprintf(body, sizeof(body), "{\"id\":\"%s\",\"event\":\"%s\",\"data\":%s}", id, topic, data);
    signed_post_body(&p, rcv_server_port(s), id, body, SECRET, attempt);
    post(c, &p, a);
    return a->status;
}

/* Polls until the event is processed once (bounded); returns the count. */
static unsigned wait_processed(struct rcv_server *s, const char *id)
{
    for (int i = 0; i < 1000 && rcv_server_processed(s, id) == 0; i++) {
        nap_ms(5);
    }
    return rcv_server_processed(s, id);
}

/* Sends a fresh event and waits until it is processed: the worker takes
 * events in order, so everything handed over before it is processed too.
 * A throttled fence is replaced by a fresh one (under throttle-drops its
 * retry would be a "duplicate"). */
static void fence(struct http_client *c, struct rcv_server *s)
{
    static unsigned n;
    char id[32];
    struct signed_post p;
    struct answer a;
    for (int i = 0; i < TRIES; i++) {
        snprintf(id, sizeof(id), "evt_fence_%u", n++);
        signed_post_make(&p, rcv_server_port(s), id);
        post(c, &p, &a);
        if (a.status != 429) {
            break;
        }
        nap_ms(50); /* the window ends soon */
    }
    assert_int_equal(a.status, 200);
    assert_int_equal(wait_processed(s, id), 1);
}

static struct rcv_server *start(uint64_t flaws, unsigned rate_limit)
{
    struct rcv_server_opts o = {.secret = SECRET, .flaws = flaws, .rate_limit = rate_limit};
    struct err e = {{0}};
    struct rcv_server *s = rcv_server_start(&o, &e);
    assert_non_null(s);
    return s;
}

static void full_queue(void **state)
{
    (void)state;
    /* One job in the worker's hands and one waiting at most. */
    struct rcv_server_opts o = {.secret = SECRET, .work_ms = 300, .queue_jobs = 1};
    struct err e = {{0}};
    struct rcv_server *s = rcv_server_start(&o, &e);
    assert_non_null(s);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);

    static const char *const ids[] = {"evt_q1", "evt_q2", "evt_q3", "evt_q4"};
    const char *refused = NULL;
    size_t n_refused = 0;
    for (size_t i = 0; i < 4; i++) {
        struct signed_post p;
        struct http_response resp;
        signed_post_make(&p, rcv_server_port(s), ids[i]);
        memset(&resp, 0, sizeof(resp));
        assert_int_equal(http_client_run(c, &p.req, &resp, 1, 1), 0);
        if (resp.status == 503) {
            char retry[16];
            assert_int_equal(http_response_header(&resp, "Retry-After", retry, sizeof(retry)), 0);
            assert_string_equal(retry, "1");
            refused = refused ? refused : ids[i];
            n_refused++;
        } else {
            assert_int_equal(resp.status, 200);
        }
        http_response_cleanup(&resp);
    }
    /* Four deliveries within a few milliseconds, room for at most three
     * (one worked, one queued, one more if the first finished). */
    assert_true(n_refused >= 1);

    /* The retry of a refused event is not taken for a duplicate. */
    assert_int_equal(wait_processed(s, ids[0]), 1);
    struct signed_post p;
    struct http_response resp;
    unsigned before = rcv_server_processed(s, refused);
    assert_int_equal(before, 0);
    for (int attempt = 0; attempt < 50; attempt++) {
        signed_post_make(&p, rcv_server_port(s), refused);
        memset(&resp, 0, sizeof(resp));
        assert_int_equal(http_client_run(c, &p.req, &resp, 1, 1), 0);
        long status = resp.status;
        http_response_cleanup(&resp);
        if (status == 200) {
            break;
        }
        assert_int_equal(status, 503);
        assert_int_equal(wait_processed(s, ids[1]), 1); /* let the worker catch up */
    }
    assert_int_equal(wait_processed(s, refused), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

static void start_errors(void **state)
{
    (void)state;
    struct err e = {{0}};
    struct rcv_server_opts none = {.secret = ""};
    assert_null(rcv_server_start(&none, &e));
    assert_non_null(strstr(e.msg, "secret is required"));

    struct rcv_server_opts o = {.secret = SECRET};
    struct rcv_server *s = rcv_server_start(&o, &e);
    assert_non_null(s);
    struct rcv_server_opts taken = {.secret = SECRET, .port = rcv_server_port(s)};
    memset(&e, 0, sizeof(e));
    assert_null(rcv_server_start(&taken, &e));
    assert_true(strlen(e.msg) > 0);
    rcv_server_stop(s);
    rcv_server_stop(NULL);
}

/* ---- the rate limit ---------------------------------------------------- */

/* Sends fresh events (prefix0, prefix1, ...) until one is answered 429;
 * its id goes into id and its answer into a. Returns how many were
 * admitted before it. */
static unsigned until_throttled(struct http_client *c, struct rcv_server *s, const char *prefix,
                                char id[32], struct answer *a)
{
    unsigned admitted = 0;
    for (int i = 0; i < TRIES; i++) {
        struct signed_post p;
        snprintf(id, 32, "%s%d", prefix, i);
        signed_post_make(&p, rcv_server_port(s), id);
        post(c, &p, a);
        if (a->status == 429) {
            return admitted;
        }
        assert_int_equal(a->status, 200);
        admitted++;
    }
    fail_msg("%d deliveries, none throttled", TRIES);
    return admitted;
}

/* Sends id again (attempt 2, 3, ...) until it is no longer throttled. */
static void retry_until_admitted(struct http_client *c, struct rcv_server *s, const char *id,
                                 struct answer *a)
{
    for (unsigned attempt = 2; attempt < TRIES; attempt++) {
        struct signed_post p;
        char body[128];
        snprintf(body, sizeof(body), "{\"id\":\"%s\",\"event\":\"ticket.created\",\"data\":{}}",
                 id);
        signed_post_body(&p, rcv_server_port(s), id, body, SECRET, attempt);
        post(c, &p, a);
        if (a->status != 429) {
            return;
        }
        nap_ms(100); /* Retry-After: 1 */
    }
    fail_msg("%s: still throttled", id);
}

/* --rate-limit 2: the delivery over the limit gets 429, Retry-After: 1 and
 * a JSON error; it was not marked seen, so its retry is processed; the
 * probe route does not count. */
static void rate_limit(void **state)
{
    (void)state;
    struct rcv_server *s = start(0, 2);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    char url[80];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/_probe/events/evt_x", rcv_server_port(s));
    struct http_request probe = {.method = "GET", .url = url};
    for (int i = 0; i < 10; i++) {
        struct http_response resp;
        memset(&resp, 0, sizeof(resp));
        assert_int_equal(http_client_run(c, &probe, &resp, 1, 1), 0);
        assert_int_equal(resp.status, 200);
        http_response_cleanup(&resp);
    }

    char id[32];
    struct answer a;
    /* Ten probes, then at least the two deliveries of a fresh window. */
    assert_true(until_throttled(c, s, "evt_rl", id, &a) >= 2);
    assert_int_equal(a.status, 429);
    assert_string_equal(a.retry, "1");
    assert_non_null(strstr(a.body, "\"statusCode\":429"));
    assert_int_equal(rcv_server_processed(s, id), 0);

    retry_until_admitted(c, s, id, &a);
    assert_int_equal(a.status, 200);
    assert_null(strstr(a.body, "duplicate"));
    assert_int_equal(wait_processed(s, id), 1);
    fence(c, s);
    assert_int_equal(rcv_server_processed(s, id), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

/* FLAW throttle-drops: the throttled event's id was marked seen, so its
 * retry is a "duplicate" and it is never processed. */
static void throttle_drops(void **state)
{
    (void)state;
    struct rcv_server *s = start(RCV_FLAW_THROTTLE_DROPS, 2);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    char id[32];
    struct answer a;

    assert_true(until_throttled(c, s, "evt_td", id, &a) >= 2);
    assert_int_equal(a.status, 429);
    assert_string_equal(a.retry, "1");
    retry_until_admitted(c, s, id, &a);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "duplicate"));
    fence(c, s);
    assert_int_equal(rcv_server_processed(s, id), 0);
    http_client_free(c);
    rcv_server_stop(s);
}

/* FLAW throttle-drops without --rate-limit: 30 a second. */
static void throttle_drops_default(void **state)
{
    (void)state;
    struct rcv_server *s = start(RCV_FLAW_THROTTLE_DROPS, 0);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    static struct signed_post p[BURST];
    struct http_request req[BURST];
    struct http_response resp[BURST];
    unsigned ok = 0, throttled = 0;
    for (size_t i = 0; i < BURST; i++) {
        char id[32];
        snprintf(id, sizeof(id), "evt_burst%zu", i);
        signed_post_make(&p[i], rcv_server_port(s), id);
        req[i] = p[i].req;
    }
    memset(resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(c, req, resp, BURST, BURST), 0);
    for (size_t i = 0; i < BURST; i++) {
        ok += resp[i].status == 200;
        throttled += resp[i].status == 429;
        http_response_cleanup(&resp[i]);
    }
    assert_int_equal(ok + throttled, BURST);
    /* 40 at once: 30 in the first window, the rest refused (or admitted in
     * the next, had the burst outlasted a second). */
    assert_true(ok >= RCV_FLAW_THROTTLE_RATE);
    assert_true(throttled >= 1);
    http_client_free(c);
    rcv_server_stop(s);
}

/* FLAW no-retry-after: throttled right (the retry is processed), but the
 * 429 names no time to come back. */
static void no_retry_after(void **state)
{
    (void)state;
    struct rcv_server *s = start(RCV_FLAW_NO_RETRY_AFTER, 2);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    char id[32];
    struct answer a;

    assert_true(until_throttled(c, s, "evt_nr", id, &a) >= 2);
    assert_int_equal(a.status, 429);
    assert_string_equal(a.retry, "");
    assert_non_null(strstr(a.body, "\"statusCode\":429"));
    retry_until_admitted(c, s, id, &a);
    assert_int_equal(a.status, 200);
    assert_int_equal(wait_processed(s, id), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

/* ---- a sender that hangs up ------------------------------------------- */

/* Writes p over a raw connection and closes it HANG_UP_MS later, unread. */
static void send_and_hang_up(const struct signed_post *p, unsigned port)
{
    char raw[1024];
    int n = snprintf(raw, sizeof(raw), "POST / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n", port);
    for (size_t i = 0; i < N_HEADERS; i++) {
        n += snprintf(raw + n, sizeof(raw) - (size_t)n, "%s\r\n", p->headers[i]);
    }
    n += snprintf(raw + n, sizeof(raw) - (size_t)n, "Content-Length: %zu\r\n\r\n%s",
                  strlen(p->body), p->body);
    assert_true(n > 0 && (size_t)n < sizeof(raw));

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(send(fd, raw, (size_t)n, MSG_NOSIGNAL), n);
    nap_ms(HANG_UP_MS);
    close(fd);
}

/* The first copy's sender hangs up 50 ms after sending; the second copy
 * (attempt 2) is answered 200 as a duplicate either way. want: the
 * event's count afterwards. */
static void hang_up(uint64_t flaws, unsigned want)
{
    struct rcv_server *s = start(flaws, 0);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    const char *body = "{\"id\":\"evt_gone\",\"event\":\"message.received\",\"data\":{}}";
    struct signed_post p;
    struct answer a;

    signed_post_body(&p, rcv_server_port(s), "evt_gone", body, SECRET, 1);
    send_and_hang_up(&p, rcv_server_port(s));
    signed_post_body(&p, rcv_server_port(s), "evt_gone", body, SECRET, 2);
    post(c, &p, &a);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "duplicate"));
    /* With the flaw the fence's own handler works 200 ms too, and began
     * after the first copy's: by the time the fence is processed, the
     * first copy has been abandoned (or, were the flaw not to notice the
     * hang-up, handed to the worker ahead of the fence). */
    fence(c, s);
    assert_int_equal(rcv_server_processed(s, "evt_gone"), want);
    http_client_free(c);
    rcv_server_stop(s);
}

static void hang_up_done_right(void **state)
{
    (void)state;
    hang_up(0, 1);
}

/* FLAW lost-on-disconnect: the hung-up event is lost for good. */
static void lost_on_disconnect(void **state)
{
    (void)state;
    hang_up(RCV_FLAW_LOST_ON_DISCONNECT, 0);

    /* A sender that waits gets its 200 after the work, processed once. */
    struct rcv_server *s = start(RCV_FLAW_LOST_ON_DISCONNECT, 0);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    struct answer a;
    assert_int_equal(post_event(c, s, "evt_stays", "message.received", "{}", 1, &a), 200);
    assert_int_equal(wait_processed(s, "evt_stays"), 1);
    fence(c, s);
    assert_int_equal(rcv_server_processed(s, "evt_stays"), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

/* ---- updates before their .created ------------------------------------ */

/* FLAW needs-parent-first: 503 with Retry-After, not marked seen, until the
 * parent has been accepted; then the retry is processed. */
static void needs_parent_first(void **state)
{
    (void)state;
    struct rcv_server *s = start(RCV_FLAW_NEEDS_PARENT_FIRST, 0);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);
    const char *c1 = "{\"contact_id\":\"c1\"}";
    struct answer a;

    assert_int_equal(post_event(c, s, "evt_u1", "contact.updated", c1, 1, &a), 503);
    assert_string_equal(a.retry, "1");
    /* A forged contact.created creates nothing. */
    struct signed_post p;
    signed_post_body(
        &p, rcv_server_port(s), "evt_c0",
        "{\"id\":\"evt_c0\",\"event\":\"contact.created\",\"data\":{\"contact_id\":\"c1\"}}",
        "whsec_someone_else", 1);
    post(c, &p, &a);
    assert_int_equal(a.status, 401);
    assert_int_equal(post_event(c, s, "evt_u1", "contact.updated", c1, 2, &a), 503);
    assert_int_equal(post_event(c, s, "evt_c1", "contact.created", c1, 1, &a), 200);
    assert_int_equal(post_event(c, s, "evt_u1", "contact.updated", c1, 3, &a), 200);
    assert_null(strstr(a.body, "duplicate"));
    assert_int_equal(wait_processed(s, "evt_u1"), 1);

    /* The legacy profile: "type" and camelCase ids, the event id in the
     * header only. */
    const char *closed = "{\"type\":\"ticket.closed\",\"data\":{\"ticketId\":\"t1\"}}";
    const char *created = "{\"type\":\"ticket.created\",\"data\":{\"ticketId\":\"t1\"}}";
    signed_post_body(&p, rcv_server_port(s), "evt_l1", closed, SECRET, 1);
    post(c, &p, &a);
    assert_int_equal(a.status, 503);
    signed_post_body(&p, rcv_server_port(s), "evt_l0", created, SECRET, 1);
    post(c, &p, &a);
    assert_int_equal(a.status, 200);
    signed_post_body(&p, rcv_server_port(s), "evt_l1", closed, SECRET, 2);
    post(c, &p, &a);
    assert_int_equal(a.status, 200);
    assert_int_equal(wait_processed(s, "evt_l1"), 1);

    /* Another topic, or an update without the id: not affected. */
    assert_int_equal(
        post_event(c, s, "evt_m", "message.received", "{\"contact_id\":\"c9\"}", 1, &a), 200);
    assert_int_equal(post_event(c, s, "evt_n", "contact.updated", "{}", 1, &a), 200);
    assert_int_equal(wait_processed(s, "evt_n"), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

/* FLAW drops-orphan-update: 200, marked seen, never processed; the
 * receiver done right processes the same update. */
static void drops_orphan_update(void **state)
{
    (void)state;
    const char *c1 = "{\"contact_id\":\"c1\"}";
    const char *t1 = "{\"ticket_id\":\"t1\",\"contact_id\":\"c1\"}";
    struct answer a;
    struct rcv_server *s = start(RCV_FLAW_DROPS_ORPHAN_UPDATE, 0);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);

    assert_int_equal(post_event(c, s, "evt_u1", "contact.updated", c1, 1, &a), 200);
    assert_int_equal(post_event(c, s, "evt_t1", "ticket.updated", t1, 1, &a), 200);
    fence(c, s);
    assert_int_equal(rcv_server_processed(s, "evt_u1"), 0);
    assert_int_equal(rcv_server_processed(s, "evt_t1"), 0);
    /* Its retry is a "duplicate": lost for good. */
    assert_int_equal(post_event(c, s, "evt_u1", "contact.updated", c1, 2, &a), 200);
    assert_non_null(strstr(a.body, "duplicate"));
    /* Once the contact exists, its updates are processed. */
    assert_int_equal(post_event(c, s, "evt_c1", "contact.created", c1, 1, &a), 200);
    assert_int_equal(post_event(c, s, "evt_u2", "contact.updated", c1, 1, &a), 200);
    assert_int_equal(wait_processed(s, "evt_u2"), 1);
    fence(c, s);
    assert_int_equal(rcv_server_processed(s, "evt_u1"), 0);
    http_client_free(c);
    rcv_server_stop(s);

    s = start(0, 0);
    c = http_client_new(NULL);
    assert_non_null(c);
    assert_int_equal(post_event(c, s, "evt_u1", "contact.updated", c1, 1, &a), 200);
    assert_int_equal(post_event(c, s, "evt_t1", "ticket.closed", t1, 1, &a), 200);
    assert_int_equal(wait_processed(s, "evt_u1"), 1);
    assert_int_equal(wait_processed(s, "evt_t1"), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue),
        cmocka_unit_test(start_errors),
        cmocka_unit_test(rate_limit),
        cmocka_unit_test(throttle_drops),
        cmocka_unit_test(throttle_drops_default),
        cmocka_unit_test(no_retry_after),
        cmocka_unit_test(hang_up_done_right),
        cmocka_unit_test(lost_on_disconnect),
        cmocka_unit_test(needs_parent_first),
        cmocka_unit_test(drops_orphan_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
