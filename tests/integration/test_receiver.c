/* vambe-receiver, the real binary: what the receiver done right answers,
 * what each --flaw changes (and only that), and its command line. The
 * 5 s budget and the rate limit are in test_receiver_budget.c; the
 * fixture (support/receiver_fx.h) is shared with it.
 *
 * Side effects are read through the receiver's probe. "Processed once and
 * no more" is checked without sleeping: after the delivery under test a
 * fresh "fence" event is sent and awaited; the worker takes events in
 * order, so once the fence is counted anything queued before it has been
 * processed too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/event.h"
#include "core/http_client.h"
#include "core/rng.h"
#include "examples/receiver/flaw.h"
#include "support/proc.h"
#include "support/receiver_fx.h"

#define MANY     (-1) /* an expected count: more than one */
#define COPIES   8    /* concurrent copies of one event */
#define LOG_SIZE 8192

/* Sends a fresh valid event and waits until it is processed: everything
 * the worker was given before it has been processed too. */
static void fence(struct receiver_fx *f)
{
    char id[64];
    long status = receiver_fx_send_kind(f, "message.received", KIND_VALID, id, sizeof(id));
    assert_true(status >= 200 && status < 300);
    assert_int_equal(receiver_fx_wait_count(f, id, 1), 1);
}

/* Checks id's final count: exactly 0 or 1, or MANY (at least 2). */
static void final_count_is(struct receiver_fx *f, const char *id, long want, bool can_fence)
{
    if (want == MANY) {
        assert_true(receiver_fx_wait_count(f, id, 2) >= 2);
        return;
    }
    if (can_fence) {
        fence(f);
    }
    assert_int_equal(receiver_fx_probe(f, id), want);
}

/* ---- the matrix: the receiver done right and each quick flaw ---------- */

struct row {
    const char *flaw; /* NULL: done right */
    long valid;       /* status of a valid delivery ... */
    long valid_n;     /* ... and its count afterwards */
    long dup;         /* status of a second copy, sent after the first ... */
    long dup_n;       /* ... and the count afterwards */
    long other_key;   /* status when signed with another secret ... */
    long other_key_n; /* ... and its count */
    long unsigned_;   /* status without signature headers */
    long stale;       /* status of a validly signed, 10 minute old delivery */
    long future;      /* status of a validly signed, 10 minute ahead delivery */
    long malformed;   /* status of a validly signed non-JSON body */
    long unknown;     /* status of a valid delivery of an unknown topic */
    long get;         /* status of GET / */
    long copies_n;    /* count after COPIES concurrent copies */
};

/* The first row is the receiver done right; a flaw's row differs from it
 * only in the cells of the behaviour the flaw breaks ("old" and "new" are
 * the stale and future timestamps). `sync` answers like the first row: its
 * fault is time, checked by burst_sync. */
/* clang-format off */
static const struct row rows[] = {
    /* flaw                 valid    dup      other    uns  old  new  malf unk  GET  copies */
    {NULL,                  200, 1,  200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"sync",                200, 1,  200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"no-verify",           200, 1,  200, 1,  200, 1,  200, 200, 200, 400, 200, 405, 1},
    {"no-timestamp-check",  200, 1,  200, 1,  401, 0,  401, 200, 200, 400, 200, 405, 1},
    {"no-dedupe",           200, 1,  200, 2,  401, 0,  401, 401, 401, 400, 200, 405, MANY},
    {"racy-dedupe",         200, 1,  200, 1,  401, 0,  401, 401, 401, 400, 200, 405, MANY},
    {"error-on-duplicate",  200, 1,  409, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"status-201",          201, 1,  201, 1,  401, 0,  401, 401, 401, 400, 201, 405, 1},
    {"crash-on-malformed",  200, 1,  200, 1,  401, 0,  401, 401, 401, 500, 200, 405, 1},
    {"reject-unknown",      200, 1,  200, 1,  401, 0,  401, 401, 401, 400, 400, 405, 1},
    {"redirect",            302, 0,  302, 0,  401, 0,  401, 401, 401, 400, 302, 405, 0},
    {"process-rejected",    200, 1,  200, 1,  401, 1,  401, 401, 401, 400, 200, 405, 1},
    /* Its fault needs two events with equal data: the kill matrix's IDM-004. */
    {"dedupe-by-content",   200, 1,  200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    /* Its fault needs a list of signatures, which vambe's scheme has not:
     * the kill matrix's SIG-011 under standard-webhooks and stripe. */
    {"first-signature-only", 200, 1, 200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    /* These answer every request of this table as the receiver done right:
     * their faults need what only the kill matrix's cases send (a body no
     * serializer writes: BDY-002; another Content-Type: BDY-004; a key of
     * "": SIG-009; a rejected first copy: IDM-006; attempt 3 first:
     * IDM-009; no timestamp and a MAC over the body alone: SIG-010). */
    {"reserialize",          200, 1, 200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"strict-content-type",  200, 1, 200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"empty-key-fallback",   200, 1, 200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"seen-before-verify",   200, 1, 200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"ignore-retries",       200, 1, 200, 1,  401, 0,  401, 401, 401, 400, 200, 405, 1},
    {"skip-missing-timestamp", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* Same statuses: what it gets wrong is in the 401's body (SEC-002). */
    {"leaks-expected-signature", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* Same statuses: these requests spell names as the scheme does, sign
     * 64 hex digits, send small bodies with ids, and use message.received
     * (SIG-008, SIG-012, BDY-003, IDM-010 and DLV-007 catch them). */
    {"header-case-sensitive", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"compare-throws", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"body-limit-100k", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"blank-id-poisons", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"ack-on-error", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* Its events carry a contact name (DLV-009 leaves it out). */
    {"null-field-crash", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* The header and the body carry the same id here, and the duplicate
     * comes at once (SEC-003 and IDM-005 catch them). */
    {"dedupe-by-id-header", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"dedupe-ttl-2s", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* A row sends about 20 deliveries: under the 30 a second these two
     * throttle at (their own test: receiver.server). */
    {"throttle-drops", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"no-retry-after", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* Every sender here waits for its answer (200 ms late). */
    {"lost-on-disconnect", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* The copies are a ticket.updated whose ticket was never created. */
    {"drops-orphan-update", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 0},
    /* Same statuses: the duplicate comes within the minute, and no
     * connection (nor the receiver) sits idle 5 s, let alone 30: a cold
     * start would show as a timeout (status 0) in any cell. */
    {"forget-after-60s", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"cold-start", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    {"idle-502", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* No --state here: it answers as the receiver done right and works
     * each event 500 ms late. What it loses needs a crash in those 500 ms
     * (integration.receiver_restart, the harness's DLV-010). */
    {"ack-before-durable", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
    /* Same statuses and counts: what it gets wrong is the state it keeps,
     * once an older update comes after a newer one (ORD-002; its own test:
     * integration.receiver_entities). */
    {"last-write-wins", 200, 1, 200, 1, 401, 0, 401, 401, 401, 400, 200, 405, 1},
};
/* clang-format on */

/* Sends COPIES copies of one event at once; returns the event id. */
static void send_copies(struct receiver_fx *f, const struct row *r, char *id, size_t id_size)
{
    struct receiver_delivery d;
    struct http_request req[COPIES];
    struct http_response resp[COPIES];
    receiver_fx_delivery(&d, f, "ticket.updated", KIND_VALID);
    for (size_t i = 0; i < COPIES; i++) {
        req[i] = d.req;
    }
    memset(resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, req, resp, COPIES, COPIES), 0);
    for (size_t i = 0; i < COPIES; i++) {
        /* error-on-duplicate answers 409 to all copies but one */
        assert_true(resp[i].status == r->valid || resp[i].status == r->dup);
        http_response_cleanup(&resp[i]);
    }
    snprintf(id, id_size, "%s", d.ev.id);
    event_cleanup(&d.ev);
}

static void run_row(struct receiver_fx *f, const struct row *r)
{
    struct receiver_delivery d;
    char id[64];
    /* Events are processed unless the flaw drops them (redirect): only
     * then is there no fence to wait on. */
    bool can_fence = r->valid_n > 0;

    print_message("flaw %s\n", r->flaw ? r->flaw : "(none)");
    receiver_fx_start(f, r->flaw);
    receiver_fx_delivery(&d, f, "message.received", KIND_VALID);
    assert_int_equal(receiver_fx_send1(f, &d), r->valid);
    final_count_is(f, d.ev.id, r->valid_n, can_fence);
    assert_int_equal(receiver_fx_send1(f, &d), r->dup);
    final_count_is(f, d.ev.id, r->dup_n, can_fence);
    event_cleanup(&d.ev);

    assert_int_equal(receiver_fx_send_kind(f, "message.sent", KIND_OTHER_KEY, id, sizeof(id)),
                     r->other_key);
    final_count_is(f, id, r->other_key_n, can_fence);
    assert_int_equal(receiver_fx_send_kind(f, "message.sent", KIND_UNSIGNED, NULL, 0),
                     r->unsigned_);
    assert_int_equal(receiver_fx_send_kind(f, "contact.created", KIND_STALE, NULL, 0), r->stale);
    assert_int_equal(receiver_fx_send_kind(f, "contact.created", KIND_FUTURE, NULL, 0), r->future);
    assert_int_equal(receiver_fx_send_kind(f, "stage.changed", KIND_MALFORMED, NULL, 0),
                     r->malformed);
    assert_int_equal(receiver_fx_send_kind(f, "invoice.paid", KIND_VALID, NULL, 0), r->unknown);

    struct http_request get = {.method = "GET", .url = d.url};
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &get, &resp, 1, 1), 0);
    assert_int_equal(resp.status, r->get);
    http_response_cleanup(&resp);

    send_copies(f, r, id, sizeof(id));
    final_count_is(f, id, r->copies_n, can_fence);
    receiver_fx_stop(f);
}

static void matrix(void **state)
{
    size_t n;
    const struct rcv_flaw_info *flaws = rcv_flaw_table(&n);
    /* Every flaw has a row but `slow` (5.5 s a request; its own test
     * below), `latin1-body` (its answer depends on whether the generated
     * text has a non-ASCII character; the kill matrix's BDY-001 sends one)
     * `dedupe-by-delivery-id` (these requests carry no delivery id, so
     * it merges every event; the kill matrix's IDM-005 sends real ones)
     * and `needs-parent-first` (503 to the copies, an orphan
     * ticket.updated; tested with its parents in receiver.server). */
    static const char *const elsewhere[] = {"slow", "latin1-body", "dedupe-by-delivery-id",
                                            "needs-parent-first"};
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < sizeof(elsewhere) / sizeof(elsewhere[0]); k++) {
            found = found || strcmp(flaws[i].name, elsewhere[k]) == 0;
        }
        for (size_t j = 0; j < sizeof(rows) / sizeof(rows[0]); j++) {
            found = found || (rows[j].flaw && strcmp(rows[j].flaw, flaws[i].name) == 0);
        }
        assert_true(found);
    }
    for (size_t j = 0; j < sizeof(rows) / sizeof(rows[0]); j++) {
        run_row(*state, &rows[j]);
    }
}

/* ---- the receiver done right: details ---------------------------------- */

static void answers_and_errors(void **state)
{
    struct receiver_fx *f = *state;
    struct receiver_delivery d;
    struct http_response resp;
    receiver_fx_start(f, NULL);

    /* The answer is the documented one. */
    receiver_fx_delivery(&d, f, "ticket.closed", KIND_VALID);
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &d.req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "{\"status\":\"ok\"}");
    http_response_cleanup(&resp);
    event_cleanup(&d.ev);

    /* A rejection says why, in the kit's JSON error shape. */
    receiver_fx_delivery(&d, f, "ticket.closed", KIND_STALE);
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &d.req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 401);
    assert_non_null(strstr(resp.body, "\"statusCode\":401"));
    assert_non_null(strstr(resp.body, "timestamp too old"));
    http_response_cleanup(&resp);
    event_cleanup(&d.ev);

    /* The event id may come from the body alone (no x-vambe-event-id). */
    char id[64];
    assert_int_equal(receiver_fx_send_kind(f, "contact.updated", KIND_NO_HEADER, id, sizeof(id)),
                     200);
    assert_int_equal(receiver_fx_wait_count(f, id, 1), 1);

    /* Never processed: the probe answers 0, not 404. */
    assert_int_equal(receiver_fx_probe(f, "evt_never_sent"), 0);
    receiver_fx_stop(f);
}

/* Every topic of the catalogue and its alias are accepted and processed. */
static void every_topic(void **state)
{
    struct receiver_fx *f = *state;
    static const char *const topics[] = {
        "message.received", "message.sent",    "ticket.created", "ticket.updated", "ticket.closed",
        "contact.created",  "contact.updated", "stage.changed",  "ticket.opened",
    };
    char id[64];
    receiver_fx_start(f, NULL);
    for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
        assert_int_equal(receiver_fx_send_kind(f, topics[i], KIND_VALID, id, sizeof(id)), 200);
        assert_int_equal(receiver_fx_wait_count(f, id, 1), 1);
    }
    receiver_fx_stop(f);
}

/* ---- the command line -------------------------------------------------- */

static void bad_command_lines(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        const char *message;
    } cases[] = {
        {{"--secret", "s", "--bogus", NULL}, "unknown option '--bogus'"},
        {{"--secret", "s", "--flaw", "nope"}, "unknown flaw 'nope'"},
        {{"--secret", "s", "--port", "70000"}, "--port: '70000': out of range"},
        {{"--secret", "s", "--work", "5x"}, "--work: '5x': unknown unit"},
        {{"--secret", "s", "--rate-limit", "abc"}, "--rate-limit: 'abc': not an integer"},
        {{"--secret", "s", "--rate-limit", "-1"}, "--rate-limit: '-1': out of range (0 to 100000)"},
        {{"--secret", "s", "--port", NULL}, "option '--port' needs a value (N)"},
        {{"--secret", "s", "extra", NULL}, "unexpected argument 'extra'"},
        /* A mistyped option's value may be the secret: named, never shown. */
        {{"--secrt=SECRETVALUE", NULL}, "unknown option '--secrt'"},
        {{"--secret", "s", "--verbose=SECRETVALUE", NULL}, "option '--verbose' takes no value"},
        {{"--port", "0", NULL, NULL}, "a secret is required"},
    };
    unsetenv("VAMBE_SECRET");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[6] = {(char *)receiver_fx_bin()};
        for (size_t j = 0; j < 4 && cases[i].args[j] != NULL; j++) {
            argv[j + 1] = (char *)cases[i].args[j];
        }
        char err[4096];
        assert_int_equal(proc_run(argv, NULL, 0, err, sizeof(err), 5000), 2);
        assert_non_null(strstr(err, cases[i].message));
        assert_non_null(strstr(err, "usage: vambe-receiver"));
        assert_null(strstr(err, "SECRETVALUE"));
    }
}

static void help_and_version(void **state)
{
    (void)state;
    static char out[16384];
    char *help[] = {(char *)receiver_fx_bin(), "--help", NULL};
    assert_int_equal(proc_run(help, out, sizeof(out), NULL, 0, 5000), 0);
    size_t n;
    const struct rcv_flaw_info *flaws = rcv_flaw_table(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strstr(out, flaws[i].name));
        assert_non_null(strstr(out, flaws[i].description));
    }
    assert_non_null(strstr(out, "--port-file PATH"));
    assert_non_null(strstr(out, "--rate-limit N"));
    char *version[] = {(char *)receiver_fx_bin(), "--version", NULL};
    assert_int_equal(proc_run(version, out, sizeof(out), NULL, 0, 5000), 0);
    assert_non_null(strstr(out, "vambe-receiver " VAMBE_VERSION));
}

/* The banner, the secret from the environment, SIGINT. */
static void banner_env_sigint(void **state)
{
    struct receiver_fx *f = *state;
    char log[LOG_SIZE];
    char want[96];
    char *argv[] = {(char *)receiver_fx_bin(), NULL};
    setenv("VAMBE_SECRET", SECRET, 1);
    assert_int_equal(proc_start(&f->p, argv, true, START_MS), 0);
    unsetenv("VAMBE_SECRET");
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u", f->p.port);
    f->client = http_client_new(NULL);
    assert_non_null(f->client);
    rng_seed(&f->rng, 11);
    assert_int_equal(receiver_fx_send_kind(f, "message.received", KIND_VALID, NULL, 0), 200);
    proc_read_log(&f->p, log, sizeof(log));
    snprintf(want, sizeof(want), "vambe-receiver: listening on http://127.0.0.1:%u\n", f->p.port);
    assert_non_null(strstr(log, want));
    assert_int_equal(kill(f->p.pid, SIGINT), 0);
    http_client_free(f->client);
    f->client = NULL;
    assert_int_equal(proc_stop(&f->p, STOP_MS), 0);
    proc_read_log(&f->p, log, sizeof(log));
    unlink(f->p.log_file);
    assert_non_null(strstr(log, "stopping (SIGINT)"));
}

/* A port already taken: exit 3 with the reason. */
static void cannot_bind(void **state)
{
    struct receiver_fx *f = *state;
    char port[16];
    char err[4096];
    receiver_fx_start(f, NULL);
    snprintf(port, sizeof(port), "%u", f->p.port);
    char *argv[] = {(char *)receiver_fx_bin(), "--secret", SECRET, "--port", port, NULL};
    assert_int_equal(proc_run(argv, NULL, 0, err, sizeof(err), 5000), 3);
    assert_non_null(strstr(err, port));
    receiver_fx_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(answers_and_errors, receiver_fx_setup,
                                        receiver_fx_teardown),
        cmocka_unit_test_setup_teardown(every_topic, receiver_fx_setup, receiver_fx_teardown),
        cmocka_unit_test_setup_teardown(matrix, receiver_fx_setup, receiver_fx_teardown),
        cmocka_unit_test(bad_command_lines),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test_setup_teardown(banner_env_sigint, receiver_fx_setup, receiver_fx_teardown),
        cmocka_unit_test_setup_teardown(cannot_bind, receiver_fx_setup, receiver_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
