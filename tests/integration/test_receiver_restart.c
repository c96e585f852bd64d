/* vambe-receiver --state across a crash: SIGUSR2 makes the receiver
 * execute itself again at once (the same PID, the same port, the port file
 * rewritten with it), losing everything in memory as a crash would. What
 * it acknowledged with a 2xx was written down first, so it is processed
 * exactly once across the restart, and a copy sent afterwards is still a
 * duplicate (DLV-010). Under --flaw ack-before-durable the event is written
 * down only once processed (500 ms later), and a crash in between loses
 * it.
 *
 * "Processed once and no more" is checked as in test_receiver.c: a fresh
 * "fence" event is sent and awaited; the worker takes events in order
 * (replayed ones first), so anything queued before it has been processed
 * too. */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/http_client.h"
#include "core/rng.h"
#include "core/signature.h"
#include "support/proc.h"

#define SECRET     "whsec_receiver_restart"
#define START_MS   10000
#define RESTART_MS 10000 /* longest wait for the restarted receiver */
#define POLL_MS    50
#define WAIT_MS    10000 /* longest wait for a count (events take up to 1 s) */
#define LOG_SIZE   16384
#define TEXT_SIZE  4096

struct fixture {
    struct proc p;
    char dir[64];
    char state[96]; /* dir/state: the --state file */
    char base[64];
    struct http_client *client;
    struct rng rng;
};

/* One signed delivery of a fresh event. */
struct delivery {
    struct event ev;
    char headers[5][192];
    const char *hp[5];
    struct http_request req;
    char url[80];
};

static int fx_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/vambe-restart-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
    *state = f;
    return 0;
}

/* Kills the receiver (whichever image runs under its PID) and removes
 * every file the test made; runs after a failed assertion too. */
static int fx_teardown(void **state)
{
    struct fixture *f = *state;
    http_client_free(f->client);
    if (f->p.pid > 0) {
        proc_kill(&f->p);
    }
    if (f->p.port_file[0] != '\0') {
        unlink(f->p.port_file);
    }
    if (f->p.log_file[0] != '\0') {
        unlink(f->p.log_file);
    }
    unlink(f->state);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Starts the receiver with --state and n_extra more arguments (at most 4),
 * on port 0 with a port file. */
static void fx_start(struct fixture *f, char *const *extra, size_t n_extra)
{
    const char *bin = proc_bin("VAMBE_RECEIVER_BIN");
    char *argv[10] = {(char *)bin, "--secret", SECRET, "--state", f->state};
    size_t n = 5;

    assert_non_null(bin);
    assert_true(n_extra <= 4);
    for (size_t i = 0; i < n_extra; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    assert_int_equal(proc_start(&f->p, argv, true, START_MS), 0);
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u", f->p.port);
    f->client = http_client_new(NULL);
    assert_non_null(f->client);
    rng_seed(&f->rng, 29);
}

static void delivery_header(struct delivery *d, const char *name, const char *value)
{
    size_t i = d->req.n_headers++;
    char line[sizeof(d->headers[i])];
    int n = snprintf(line, sizeof(line), "%s: %s", name, value);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    memcpy(d->headers[i], line, (size_t)n + 1);
    d->hp[i] = d->headers[i];
}

/* A valid, signed delivery of a fresh message.received event. */
static void delivery_make(struct delivery *d, struct fixture *f)
{
    struct err e = {{0}};
    char ts[32];
    char sig[SIGNATURE_MAX + 1];
    uint64_t now = clock_wall_ms();

    memset(d, 0, sizeof(*d));
    assert_int_equal(
        event_build("message.received", NULL, EVENT_PROFILE_DOCUMENTED, &f->rng, now, &d->ev, &e),
        0);
    signature_timestamp(now, SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_int_equal(signature_sign(SECRET, ts, d->ev.body, d->ev.body_len, sig), 0);
    delivery_header(d, "Content-Type", "application/json");
    delivery_header(d, "x-vambe-event", "message.received");
    delivery_header(d, "x-vambe-event-id", d->ev.id);
    delivery_header(d, "x-vambe-timestamp", ts);
    delivery_header(d, "x-vambe-signature", sig);
    snprintf(d->url, sizeof(d->url), "%s/", f->base);
    d->req.method = "POST";
    d->req.url = d->url;
    d->req.headers = d->hp;
    d->req.body = d->ev.body;
    d->req.body_len = d->ev.body_len;
}

/* Sends d once: the status (0 when no answer came); the body into body
 * when not NULL. */
static long send1(struct fixture *f, const struct delivery *d, char *body, size_t body_size)
{
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &d->req, &resp, 1, 1), 0);
    long status = resp.status;
    if (body != NULL) {
        snprintf(body, body_size, "%s", resp.body != NULL ? resp.body : "");
    }
    http_response_cleanup(&resp);
    return status;
}

/* The probe's count for id, or -1 when nothing answered. */
static long probe(struct fixture *f, const char *id)
{
    char url[192];
    struct http_request req = {.method = "GET", .url = url};
    struct http_response resp;
    long count = -1;

    snprintf(url, sizeof(url), "%s/_probe/events/%s", f->base, id);
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &req, &resp, 1, 1), 0);
    if (resp.status != 200 || sscanf(resp.body, "{\"count\":%ld}", &count) != 1) {
        count = -1;
    }
    http_response_cleanup(&resp);
    return count;
}

static void nap_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls the probe until id's count reaches want (at most WAIT_MS); the
 * last count seen. */
static long wait_count(struct fixture *f, const char *id, long want)
{
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
    long n = probe(f, id);
    while (n < want && clock_mono_us() < deadline) {
        nap_ms(5);
        n = probe(f, id);
    }
    return n;
}

/* A fresh event, answered 200 and processed: everything queued before it
 * has been processed too. */
static void fence(struct fixture *f)
{
    struct delivery d;
    delivery_make(&d, f);
    assert_int_equal(send1(f, &d, NULL, 0), 200);
    assert_int_equal(wait_count(f, d.ev.id, 1), 1);
    event_cleanup(&d.ev);
}

/* How many times needle occurs in the text. */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void read_text(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    fclose(fp);
}

/* Sends SIGUSR2 (the restart number `nth`, from 1) and waits until the new
 * image has announced itself on the same port and answers there: at most
 * RESTART_MS, polling every POLL_MS. Then checks what a restart keeps: the
 * PID (still running, never reaped), the port file's content, and the
 * command line the new image was given. */
static void restart(struct fixture *f, int nth)
{
    char log[LOG_SIZE];
    char banner[96];
    char before[32], after[32];
    uint64_t deadline = clock_mono_us() + (uint64_t)RESTART_MS * 1000u;
    bool up = false;

    read_text(f->p.port_file, before, sizeof(before));
    snprintf(banner, sizeof(banner), "vambe-receiver: listening on http://127.0.0.1:%u\n",
             f->p.port);
    assert_int_equal(kill(f->p.pid, SIGUSR2), 0);
    while (!up && clock_mono_us() < deadline) {
        nap_ms(POLL_MS);
        proc_read_log(&f->p, log, sizeof(log));
        up = occurrences(log, banner) == nth + 1 && probe(f, "evt_restart_check") == 0;
    }
    if (!up) {
        fprintf(stderr, "receiver log:\n%s\n", log);
    }
    assert_true(up);
    assert_int_equal(occurrences(log, "SIGUSR2: restarting in place"), nth);
    /* the same process: exec keeps the PID, and it never exited */
    int status = 0;
    assert_int_equal(waitpid(f->p.pid, &status, WNOHANG), 0);
    /* the port file says the same */
    read_text(f->p.port_file, after, sizeof(after));
    assert_string_equal(after, before);
    /* the new image was given "--port N" last, once however many restarts */
    char path[64], cmdline[1024], tail[32];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)f->p.pid);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(cmdline, 1, sizeof(cmdline), fp);
    fclose(fp);
    int w = snprintf(tail, sizeof(tail), "--port%c%u%c", '\0', f->p.port, '\0');
    assert_true(n >= (size_t)w);
    assert_memory_equal(cmdline + n - (size_t)w, tail, (size_t)w);
    int ports = 0;
    for (size_t i = 0; i < n; i += strlen(cmdline + i) + 1) {
        ports += strcmp(cmdline + i, "--port") == 0;
    }
    assert_int_equal(ports, 2); /* proc_start's "--port 0", and ours */
}

/* The lines of the --state file that are exactly "<kind> <id>". */
static int records(struct fixture *f, char kind, const char *id)
{
    char text[TEXT_SIZE] = "\n"; /* so that every line starts after a newline */
    char line[192];
    read_text(f->state, text + 1, sizeof(text) - 1);
    snprintf(line, sizeof(line), "\n%c %s\n", kind, id);
    return occurrences(text, line);
}

/* Acknowledged, then the crash at once, while the worker works on it (1 s
 * an event): the event is processed once, by the restarted receiver, and a
 * copy sent afterwards is a duplicate. */
static void acknowledged_survives_a_crash(void **state)
{
    struct fixture *f = *state;
    char *extra[] = {"--work", "1s"};
    struct delivery d;
    char body[256];

    fx_start(f, extra, 2);
    delivery_make(&d, f);
    assert_int_equal(send1(f, &d, NULL, 0), 200);
    restart(f, 1);
    assert_int_equal(records(f, 'A', d.ev.id), 1);
    assert_int_equal(wait_count(f, d.ev.id, 1), 1);
    fence(f);
    assert_int_equal(probe(f, d.ev.id), 1);
    /* the sender's copy after the restart: 200, a duplicate, not processed */
    assert_int_equal(send1(f, &d, body, sizeof(body)), 200);
    assert_non_null(strstr(body, "\"duplicate\":true"));
    fence(f);
    assert_int_equal(probe(f, d.ev.id), 1);
    assert_int_equal(records(f, 'A', d.ev.id), 1);
    assert_int_equal(records(f, 'P', d.ev.id), 1);
    event_cleanup(&d.ev);
}

/* Processed before the crash: its count survives two restarts, and it is
 * never processed again. */
static void processed_survives_restarts(void **state)
{
    struct fixture *f = *state;
    struct delivery d;

    fx_start(f, NULL, 0);
    delivery_make(&d, f);
    assert_int_equal(send1(f, &d, NULL, 0), 200);
    assert_int_equal(wait_count(f, d.ev.id, 1), 1);
    restart(f, 1);
    assert_int_equal(probe(f, d.ev.id), 1);
    restart(f, 2);
    fence(f);
    assert_int_equal(probe(f, d.ev.id), 1);
    assert_int_equal(send1(f, &d, NULL, 0), 200);
    fence(f);
    assert_int_equal(probe(f, d.ev.id), 1);
    assert_int_equal(records(f, 'P', d.ev.id), 1);
    event_cleanup(&d.ev);
}

/* FLAW ack-before-durable: answered 200, written down only once processed
 * (500 ms later); the crash in between loses the event for good. */
static void ack_before_durable_loses_it(void **state)
{
    struct fixture *f = *state;
    char *extra[] = {"--flaw", "ack-before-durable"};
    struct delivery d;

    fx_start(f, extra, 2);
    delivery_make(&d, f);
    assert_int_equal(send1(f, &d, NULL, 0), 200);
    restart(f, 1);
    fence(f);
    assert_int_equal(probe(f, d.ev.id), 0);
    assert_int_equal(records(f, 'A', d.ev.id), 0);
    event_cleanup(&d.ev);
}

int main(void)
{
    if (proc_bin("VAMBE_RECEIVER_BIN") == NULL) {
        fprintf(stderr, "VAMBE_RECEIVER_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(acknowledged_survives_a_crash, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(processed_survives_restarts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(ack_before_durable_loses_it, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
