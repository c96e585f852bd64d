/* vambe-receiver's entities probe, GET /_probe/entities/{entity_id}: the
 * latest updated_at of each contact and ticket, as the worker left it once
 * it processed the events about it (ORD-002 asks it). The receiver done
 * right keeps the newest state when an older update comes last (a late
 * retry of an earlier update); under --flaw last-write-wins the older one
 * wins.
 *
 * Every event is awaited through the events probe before the entity is
 * asked about: the answer is then final, with no sleep to guess it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/signature.h"
#include "support/proc.h"

#define SECRET   "whsec_receiver_entities"
#define START_MS 10000
#define STOP_MS  10000
#define WAIT_MS  5000 /* longest wait for an event to be processed */
#define POLL_MS  5

/* T0 < T1 < T2 < T3; the probe answers in clock_iso8601's form. */
#define T0     "2025-01-10T10:00:00Z"
#define T1     "2025-01-10T10:05:00Z"
#define T2     "2025-01-10T10:10:00Z"
#define T2_OUT "2025-01-10T10:10:00.000Z"
#define T1_OUT "2025-01-10T10:05:00.000Z"
#define T3     "2025-01-10T12:00:00.250+01:00" /* 11:00:00.250Z */
#define T3_OUT "2025-01-10T11:00:00.250Z"

struct fixture {
    struct proc p;
    char base[64];
    struct http_client *client;
    unsigned seq; /* numbers the event ids */
};

static int fx_setup(void **state)
{
    *state = calloc(1, sizeof(struct fixture));
    return *state != NULL ? 0 : -1;
}

/* Runs after a failed assertion too: no receiver outlives its test. */
static int fx_teardown(void **state)
{
    struct fixture *f = *state;
    http_client_free(f->client);
    if (f->p.pid > 0) {
        proc_kill(&f->p);
        unlink(f->p.port_file);
        unlink(f->p.log_file);
    }
    free(f);
    return 0;
}

/* Starts the receiver on 127.0.0.1, port 0, with one more flag and its
 * value unless flag is NULL. */
static void fx_start_with(struct fixture *f, const char *flag, const char *value)
{
    const char *bin = proc_bin("VAMBE_RECEIVER_BIN");
    char *argv[6] = {(char *)bin, "--secret", SECRET, NULL, NULL, NULL};
    assert_non_null(bin);
    if (flag != NULL) {
        argv[3] = (char *)flag;
        argv[4] = (char *)value;
    }
    assert_int_equal(proc_start(&f->p, argv, true, START_MS), 0);
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u", f->p.port);
    f->client = http_client_new(NULL);
    assert_non_null(f->client);
}

/* Starts the receiver with one --flaw unless flaw is NULL. */
static void fx_start(struct fixture *f, const char *flaw)
{
    fx_start_with(f, flaw != NULL ? "--flaw" : NULL, flaw);
}

/* Stops the receiver with SIGTERM and checks it exits 0. */
static void fx_stop(struct fixture *f)
{
    http_client_free(f->client);
    f->client = NULL;
    assert_int_equal(proc_stop(&f->p, STOP_MS), 0);
    unlink(f->p.log_file);
}

/* GET path; returns the status, the body (parsed) into *body when not
 * NULL (the caller releases it; NULL when not JSON). */
static long get(struct fixture *f, const char *path, json_t **body)
{
    char url[256];
    struct http_response resp;
    snprintf(url, sizeof(url), "%s%s", f->base, path);
    struct http_request req = {.method = "GET", .url = url};
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &req, &resp, 1, 1), 0);
    long status = resp.status;
    if (body != NULL) {
        *body = resp.body != NULL ? json_loads(resp.body, 0, NULL) : NULL;
    }
    http_response_cleanup(&resp);
    return status;
}

/* The events probe's count for id, or -1 when it did not answer it. */
static long processed(struct fixture *f, const char *id)
{
    char path[160];
    json_t *body = NULL;
    long count = -1;
    snprintf(path, sizeof(path), "/_probe/events/%s", id);
    if (get(f, path, &body) == 200 && json_is_integer(json_object_get(body, "count"))) {
        count = (long)json_integer_value(json_object_get(body, "count"));
    }
    json_decref(body);
    return count;
}

/* Polls the events probe until id was processed once (bounded by
 * WAIT_MS). */
static void wait_processed(struct fixture *f, const char *id)
{
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
    long n = processed(f, id);
    while (n < 1 && clock_mono_us() < deadline) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        n = processed(f, id);
    }
    assert_int_equal(n, 1);
}

/* Sends a signed event of topic (a fresh event id) whose data is
 * {key: entity, "updated_at": at} plus {"contact_id": contact} when contact
 * is not NULL, and waits until it is processed. at NULL: no updated_at. */
static void send_event(struct fixture *f, const char *topic, const char *key, const char *entity,
                       const char *contact, const char *at)
{
    char id[64];
    char ts[32];
    char sig[SIGNATURE_MAX + 1];
    char h[5][192];
    const char *hp[5];
    char url[80];
    struct http_response resp;

    snprintf(id, sizeof(id), "evt_entities_%u", ++f->seq);
    json_t *data = json_pack("{s:s}", key, entity);
    assert_non_null(data);
    if (contact != NULL) {
        assert_int_equal(json_object_set_new(data, "contact_id", json_string(contact)), 0);
    }
    if (at != NULL) {
        assert_int_equal(json_object_set_new(data, "updated_at", json_string(at)), 0);
    }
    json_t *ev = json_pack("{s:s, s:s, s:o}", "id", id, "event", topic, "data", data);
    assert_non_null(ev);
    char *body = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    assert_non_null(body);
    signature_timestamp(clock_wall_ms(), SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_int_equal(signature_sign(SECRET, ts, body, strlen(body), sig), 0);
    snprintf(h[0], sizeof(h[0]), "Content-Type: application/json");
    snprintf(h[1], sizeof(h[1]), "x-vambe-event: %s", topic);
    snprintf(h[2], sizeof(h[2]), "x-vambe-event-id: %s", id);
    snprintf(h[3], sizeof(h[3]), "x-vambe-timestamp: %s", ts);
    snprintf(h[4], sizeof(h[4]), "x-vambe-signature: %s", sig);
    for (size_t i = 0; i < 5; i++) {
        hp[i] = h[i];
    }
    snprintf(url, sizeof(url), "%s/", f->base);
    struct http_request req = {
        .method = "POST",
        .url = url,
        .headers = hp,
        .n_headers = 5,
        .body = body,
        .body_len = strlen(body),
    };
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    http_response_cleanup(&resp);
    free(body);
    wait_processed(f, id);
}

/* Asserts the entities probe's answer for entity: 200 with updated_at ==
 * want, or 404 (unknown entity) when want is NULL. */
static void entity_is(struct fixture *f, const char *entity, const char *want)
{
    char path[160];
    json_t *body = NULL;
    snprintf(path, sizeof(path), "/_probe/entities/%s", entity);
    long status = get(f, path, &body);
    assert_non_null(body);
    if (want == NULL) {
        assert_int_equal(status, 404);
        assert_string_equal(json_string_value(json_object_get(body, "error")), "unknown entity");
    } else {
        assert_int_equal(status, 200);
        assert_string_equal(json_string_value(json_object_get(body, "updated_at")), want);
    }
    json_decref(body);
}

/* created at T0, updated at T2, then a late update of T1: T0 < T1 < T2. */
static void send_out_of_order(struct fixture *f, const char *contact)
{
    send_event(f, "contact.created", "contact_id", contact, NULL, T0);
    entity_is(f, contact, "2025-01-10T10:00:00.000Z");
    send_event(f, "contact.updated", "contact_id", contact, NULL, T2);
    entity_is(f, contact, T2_OUT);
    send_event(f, "contact.updated", "contact_id", contact, NULL, T1);
}

/* The receiver done right: the older update does not roll the contact
 * back; an entity no event was about is unknown. */
static void newest_wins(void **state)
{
    struct fixture *f = *state;
    fx_start(f, NULL);
    entity_is(f, "c_1", NULL);
    send_out_of_order(f, "c_1");
    entity_is(f, "c_1", T2_OUT);
    entity_is(f, "c_unknown", NULL);
    fx_stop(f);
}

/* --flaw last-write-wins: the same events, and the late, older update is
 * the state kept. */
static void flaw_last_write_wins(void **state)
{
    struct fixture *f = *state;
    fx_start(f, "last-write-wins");
    send_out_of_order(f, "c_1");
    entity_is(f, "c_1", T1_OUT);
    entity_is(f, "c_unknown", NULL);
    fx_stop(f);
}

/* A ticket's event is about its ticket (data.ticket_id), not the contact
 * it names too; an offset in updated_at is read as the instant it is. */
static void ticket_is_its_own_entity(void **state)
{
    struct fixture *f = *state;
    fx_start(f, NULL);
    send_event(f, "contact.created", "contact_id", "c_1", NULL, T0);
    send_event(f, "ticket.updated", "ticket_id", "t_1", "c_1", T3);
    entity_is(f, "t_1", T3_OUT);
    entity_is(f, "c_1", "2025-01-10T10:00:00.000Z");
    send_event(f, "ticket.closed", "ticket_id", "t_2", "c_2", T1);
    entity_is(f, "t_2", T1_OUT);
    entity_is(f, "c_2", NULL);
    /* another topic names a contact but is about none */
    send_event(f, "message.received", "contact_id", "c_3", NULL, T2);
    entity_is(f, "c_3", NULL);
    fx_stop(f);
}

/* An update whose updated_at cannot be read, or that has none, leaves the
 * entity as it was, known or not. */
static void unreadable_updated_at(void **state)
{
    struct fixture *f = *state;
    fx_start(f, NULL);
    send_event(f, "contact.created", "contact_id", "c_1", NULL, T0);
    send_event(f, "contact.updated", "contact_id", "c_1", NULL, "yesterday");
    entity_is(f, "c_1", "2025-01-10T10:00:00.000Z");
    send_event(f, "contact.updated", "contact_id", "c_1", NULL, NULL);
    entity_is(f, "c_1", "2025-01-10T10:00:00.000Z");
    send_event(f, "contact.updated", "contact_id", "c_2", NULL, "yesterday");
    entity_is(f, "c_2", NULL);
    fx_stop(f);
}

/* With --state the entities survive a restart (the journal's U records):
 * the late, older update sent after the restart still loses. */
static void state_survives_restart(void **state)
{
    struct fixture *f = *state;
    char path[64];

    snprintf(path, sizeof(path), "/tmp/vambe-entities-%d.state", (int)getpid());
    unlink(path);
    fx_start_with(f, "--state", path);
    send_event(f, "contact.created", "contact_id", "c_1", NULL, T0);
    send_event(f, "contact.updated", "contact_id", "c_1", NULL, T2);
    fx_stop(f);
    fx_start_with(f, "--state", path);
    entity_is(f, "c_1", T2_OUT);
    send_event(f, "contact.updated", "contact_id", "c_1", NULL, T1);
    entity_is(f, "c_1", T2_OUT);
    fx_stop(f);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(newest_wins, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(flaw_last_write_wins, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(ticket_is_its_own_entity, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unreadable_updated_at, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(state_survives_restart, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
