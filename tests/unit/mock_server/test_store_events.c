/* mock_server/store_events: events and pending attempt chains, the batch
 * flush that settles them with their call records, retention, resuming
 * from a file, counters, reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "mock_server/store.h"
#include "support/db.h"

#define HOOK "00000000-0000-4000-8000-000000000001"

static struct ms_store *open_ok(const char *path)
{
    struct err e = {{0}};
    struct ms_store *s = ms_store_open(path, &e);
    if (s == NULL) {
        fail_msg("ms_store_open(%s): %s", path, e.msg);
    }
    return s;
}

static struct ms_event_rec event_rec(const char *id, const char *body)
{
    return (struct ms_event_rec){id, "message.received", "documented", body, strlen(body), 1000};
}

static void make_call(struct ms_call *c, int n, const char *event_id, const char *outcome)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "11111111-0000-4000-8000-%012d", n);
    snprintf(c->webhook_id, sizeof(c->webhook_id), "%s", HOOK);
    snprintf(c->event_id, sizeof(c->event_id), "%s", event_id);
    snprintf(c->topic, sizeof(c->topic), "message.received");
    c->outcome = ms_outcome_parse(outcome);
    c->attempt = 1;
    c->duration_ms = 1;
    c->created_ms = 2000 + (uint64_t)n;
}

static void add_load_flush(void **state)
{
    (void)state;
    char path[256];
    struct ms_store *s;
    struct ms_event_rec ev[2] = {event_rec("evt_a", "{\"a\":1}"), event_rec("evt_b", "{\"b\":2}")};
    struct ms_pending_rec pend[3] = {
        {0, HOOK, "evt_a", 1, 5000, MS_PENDING_FIRST},
        {0, HOOK, "evt_b", 1, 4000, MS_PENDING_FIRST},
        {0, HOOK, "evt_a", 1, 6000, MS_PENDING_DUPLICATE},
    };
    struct ms_pending_row *rows = NULL;
    struct ms_call calls[2];
    struct ms_pending_op ops[2];
    struct err e = {{0}};
    size_t n = 0;
    uint64_t total = 0;

    test_db_path(path, sizeof(path), "store-events-add");
    test_db_remove(path);
    s = open_ok(path);
    assert_int_equal(ms_store_events_add(s, ev, 2, pend, 3, 100, &e), 0);
    assert_true(pend[0].id > 0 && pend[1].id > pend[0].id && pend[2].id > pend[1].id);

    /* Soonest due first, with the event's topic and body. */
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].id, pend[1].id);
    assert_string_equal(rows[0].event_id, "evt_b");
    assert_string_equal(rows[0].body, "{\"b\":2}");
    assert_int_equal(rows[0].body_len, 7);
    assert_string_equal(rows[0].topic, "message.received");
    assert_string_equal(rows[0].webhook_id, HOOK);
    assert_int_equal(rows[0].due_ms, 4000);
    assert_int_equal(rows[2].kind, MS_PENDING_DUPLICATE);
    ms_store_pending_free(rows, n);

    /* A flush: evt_b's chain ends, evt_a's first chain moves to attempt 2. */
    make_call(&calls[0], 1, "evt_b", "succeeded");
    make_call(&calls[1], 2, "evt_a", "retry_scheduled");
    ops[0] = (struct ms_pending_op){pend[1].id, true, 0, 0};
    ops[1] = (struct ms_pending_op){pend[0].id, false, 2, 9000};
    assert_int_equal(
        ms_store_flush(s,
                       &(struct ms_store_batch){
                           .calls = calls, .n_calls = 2, .ops = ops, .n_ops = 2, .keep = {100, 0}},
                       &e),
        0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 2);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].kind, MS_PENDING_DUPLICATE);
    assert_int_equal(rows[1].id, pend[0].id);
    assert_int_equal(rows[1].attempt, 2);
    assert_int_equal(rows[1].due_ms, 9000);
    ms_store_pending_free(rows, n);

    /* A failing flush changes nothing: the same call id twice. */
    ops[0] = (struct ms_pending_op){pend[2].id, true, 0, 0};
    assert_int_equal(
        ms_store_flush(s,
                       &(struct ms_store_batch){
                           .calls = calls, .n_calls = 1, .ops = ops, .n_ops = 1, .keep = {100, 0}},
                       &e),
        -1);
    assert_true(strlen(e.msg) > 0);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 2);
    ms_store_pending_free(rows, n);

    /* One call by id. */
    struct ms_call *got = NULL;
    assert_int_equal(ms_store_call_get(s, calls[1].id, &got), MS_STORE_OK);
    assert_string_equal(got->event_id, "evt_a");
    assert_int_equal(got->outcome, MS_OUTCOME_RETRY_SCHEDULED);
    ms_store_calls_free(got, 1);
    assert_int_equal(ms_store_call_get(s, "nope", &got), MS_STORE_NOT_FOUND);
    assert_null(got);

    /* Reset empties events and pending too. */
    assert_int_equal(ms_store_reset(s), 0);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 0);
    ms_store_close(s);
    test_db_remove(path);
}

static void retention(void **state)
{
    (void)state;
    char path[256];
    struct ms_store *s;
    struct ms_call calls[10];
    struct err e = {{0}};
    uint64_t total = 0;
    char ids[10][16];
    struct ms_event_rec ev[10];
    struct ms_pending_rec keep = {0, HOOK, "evt_0", 1, 1, MS_PENDING_FIRST};
    struct ms_pending_row *rows = NULL;
    size_t n = 0;

    test_db_path(path, sizeof(path), "store-events-retention");
    test_db_remove(path);
    s = open_ok(path);
    /* The call log keeps the newest keep_calls records. */
    for (int i = 0; i < 10; i++) {
        make_call(&calls[i], i, "evt_x", "succeeded");
    }
    assert_int_equal(
        ms_store_flush(s, &(struct ms_store_batch){.calls = calls, .n_calls = 6, .keep = {4, 0}},
                       &e),
        0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 4);
    assert_int_equal(
        ms_store_flush(
            s, &(struct ms_store_batch){.calls = calls + 6, .n_calls = 4, .keep = {4, 0}}, &e),
        0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 4);
    struct ms_call *got = NULL;
    assert_int_equal(ms_store_call_get(s, calls[5].id, &got), MS_STORE_NOT_FOUND);
    assert_int_equal(ms_store_call_get(s, calls[6].id, &got), MS_STORE_OK);
    ms_store_calls_free(got, 1);

    /* Events beyond the limit go, except those a pending chain needs. */
    for (int i = 0; i < 10; i++) {
        snprintf(ids[i], sizeof(ids[i]), "evt_%d", i);
        ev[i] = event_rec(ids[i], "{}");
    }
    assert_int_equal(ms_store_events_add(s, ev, 1, &keep, 1, 3, &e), 0);
    assert_int_equal(ms_store_events_add(s, ev + 1, 9, NULL, 0, 3, &e), 0);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 1); /* evt_0 survived: its chain still needs it */
    assert_string_equal(rows[0].event_id, "evt_0");
    ms_store_pending_free(rows, n);
    ms_store_close(s);
    test_db_remove(path);
}

/* In memory nothing outlives the process: no events, no pending chains,
 * and a flush's pending changes are ignored while its calls are kept. */
/* The call log's byte budget: long request bodies are kept in part with
 * their size, and the oldest records go when the log's bytes pass the
 * budget, down to 15/16 of it. */
static void byte_budget(void **state)
{
    (void)state;
    enum { N = 40, BODY = 200 * 1024 };
    struct err e = {{0}};
    struct ms_store *s = open_ok(NULL);
    struct ms_call calls[N];
    struct ms_call_keep keep = {1000, 1u << 20};
    struct ms_call *got = NULL;
    char *body = malloc(BODY + 1);
    uint64_t total = 0;
    uint64_t bytes;

    /* "é" (2 bytes) from an odd offset: byte MS_CALL_REQUEST_BODY_KEEP is
     * the middle of one, so the kept part must end one byte earlier. */
    memset(body, 'a', BODY);
    for (size_t i = 1; i + 1 < BODY; i += 2) {
        body[i] = (char)0xc3;
        body[i + 1] = (char)0xa9;
    }
    body[BODY] = '\0';
    for (int i = 0; i < N; i++) {
        make_call(&calls[i], i, "evt_x", "succeeded");
        calls[i].request_body = body;
        calls[i].response_body = "short";
        calls[i].response_body_size = 9000; /* the client kept 5 of 9000 */
    }
    for (int i = 0; i < N; i += 4) {
        assert_int_equal(
            ms_store_flush(
                s, &(struct ms_store_batch){.calls = calls + i, .n_calls = 4, .keep = keep}, &e),
            0);
        assert_true(ms_store_calls_bytes(s) <= keep.bytes);
    }
    /* A record counts its kept body (64 KiB) and its overhead: 15 or 16 of
     * them fit in 1 MiB; the newest are those. */
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_in_range(total, 12, 16);
    bytes = ms_store_calls_bytes(s);
    assert_in_range(bytes, total * MS_CALL_REQUEST_BODY_KEEP,
                    total * (MS_CALL_REQUEST_BODY_KEEP + 1024));
    assert_int_equal(ms_store_call_get(s, calls[N - (int)total - 1].id, &got), MS_STORE_NOT_FOUND);
    assert_int_equal(ms_store_call_get(s, calls[N - 1].id, &got), MS_STORE_OK);
    assert_int_equal(strlen(got->request_body), MS_CALL_REQUEST_BODY_KEEP - 1);
    assert_int_equal((unsigned char)got->request_body[MS_CALL_REQUEST_BODY_KEEP - 2], 0xa9);
    assert_int_equal(got->request_body_size, BODY);
    assert_int_equal(got->response_body_len, 5);
    assert_int_equal(got->response_body_size, 9000);
    ms_store_calls_free(got, 1);

    /* A short body is kept whole, its size its length; deletions keep the
     * count exact, and a reset empties it. */
    calls[0].request_body = "{}";
    calls[0].response_body_size = 0;
    snprintf(calls[0].id, sizeof(calls[0].id), "22222222-0000-4000-8000-000000000000");
    assert_int_equal(
        ms_store_flush(s, &(struct ms_store_batch){.calls = calls, .n_calls = 1, .keep = keep}, &e),
        0);
    assert_int_equal(ms_store_call_get(s, calls[0].id, &got), MS_STORE_OK);
    assert_string_equal(got->request_body, "{}");
    assert_int_equal(got->request_body_size, 2);
    assert_int_equal(got->response_body_size, 5);
    ms_store_calls_free(got, 1);
    assert_int_equal(ms_store_calls_bytes(s), bytes + MS_CALL_RECORD_OVERHEAD + 2 + 5);
    assert_int_equal(ms_store_calls_trim(s, 1, NULL), 0);
    assert_int_equal(ms_store_calls_bytes(s), MS_CALL_RECORD_OVERHEAD + 2 + 5);
    assert_int_equal(ms_store_reset(s), 0);
    assert_int_equal(ms_store_calls_bytes(s), 0);
    ms_store_close(s);
    free(body);
}

/* The byte count is read back from a file when it is opened again. */
static void byte_count_survives_a_reopen(void **state)
{
    (void)state;
    char path[256];
    struct err e = {{0}};
    struct ms_store *s;
    struct ms_call calls[3];
    struct ms_call_keep keep = {100, 0};
    uint64_t bytes;

    test_db_path(path, sizeof(path), "store-events-bytes");
    test_db_remove(path);
    s = open_ok(path);
    for (int i = 0; i < 3; i++) {
        make_call(&calls[i], i, "evt_x", "succeeded");
        calls[i].request_body = "{\"id\":\"evt_x\"}";
    }
    assert_int_equal(
        ms_store_flush(s, &(struct ms_store_batch){.calls = calls, .n_calls = 3, .keep = keep}, &e),
        0);
    bytes = ms_store_calls_bytes(s);
    assert_int_equal(bytes, 3 * (MS_CALL_RECORD_OVERHEAD + strlen(calls[0].request_body)));
    ms_store_close(s);
    s = open_ok(path);
    assert_int_equal(ms_store_calls_bytes(s), bytes);
    ms_store_close(s);
    test_db_remove(path);
}

static void memory_keeps_no_pending(void **state)
{
    (void)state;
    struct ms_store *s = open_ok(":memory:");
    struct ms_event_rec ev = event_rec("evt_m", "{}");
    struct ms_pending_rec pend = {99, HOOK, "evt_m", 1, 5000, MS_PENDING_FIRST};
    struct ms_pending_op op = {7, false, 2, 9000};
    struct ms_pending_row *rows = NULL;
    struct ms_call call;
    struct err e = {{0}};
    size_t n = 1;
    uint64_t total = 0;

    assert_int_equal(ms_store_events_add(s, &ev, 1, &pend, 1, 100, &e), 0);
    assert_int_equal(pend.id, 0);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 0);
    make_call(&call, 1, "evt_m", "retry_scheduled");
    assert_int_equal(
        ms_store_flush(s,
                       &(struct ms_store_batch){
                           .calls = &call, .n_calls = 1, .ops = &op, .n_ops = 1, .keep = {100, 0}},
                       &e),
        0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 1);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 0);
    ms_store_pending_free(rows, n);

    /* No rollback journal in memory: a failing batch (its second record
     * repeats the first's id) keeps what came before the failure, and the
     * store goes on working. */
    struct ms_call two[2];
    make_call(&two[0], 2, "evt_m", "succeeded");
    make_call(&two[1], 2, "evt_m", "succeeded");
    assert_int_equal(
        ms_store_flush(s, &(struct ms_store_batch){.calls = two, .n_calls = 2, .keep = {100, 0}},
                       &e),
        -1);
    assert_non_null(strstr(e.msg, "call 1"));
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 2);
    make_call(&call, 3, "evt_m", "succeeded");
    assert_int_equal(
        ms_store_flush(s, &(struct ms_store_batch){.calls = &call, .n_calls = 1, .keep = {100, 0}},
                       &e),
        0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 3);
    ms_store_close(s);
}

static void pending_survive_a_reopen(void **state)
{
    (void)state;
    char path[256];
    struct ms_store *s;
    struct ms_event_rec ev = event_rec("evt_file", "{\"x\":true}");
    struct ms_pending_rec pend = {0, HOOK, "evt_file", 3, 123456, MS_PENDING_REPLAY};
    struct ms_pending_row *rows = NULL;
    struct err e = {{0}};
    size_t n = 0;
    uint64_t v = 0;

    test_db_path(path, sizeof(path), "store-events-reopen");
    test_db_remove(path);
    s = open_ok(path);
    assert_int_equal(ms_store_meta_bump(s, "engine_runs", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(ms_store_events_add(s, &ev, 1, &pend, 1, 100, &e), 0);
    ms_store_close(s);

    s = open_ok(path);
    assert_int_equal(ms_store_schema_version(s), ms_store_schema_latest());
    assert_int_equal(ms_store_meta_bump(s, "engine_runs", &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(ms_store_pending_load(s, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].body, "{\"x\":true}");
    assert_int_equal(rows[0].attempt, 3);
    assert_int_equal(rows[0].due_ms, 123456);
    assert_int_equal(rows[0].kind, MS_PENDING_REPLAY);
    ms_store_pending_free(rows, n);
    /* Reset keeps the counters. */
    assert_int_equal(ms_store_reset(s), 0);
    assert_int_equal(ms_store_meta_bump(s, "engine_runs", &v), 0);
    assert_int_equal(v, 3);
    ms_store_close(s);
    test_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_load_flush),
        cmocka_unit_test(retention),
        cmocka_unit_test(byte_budget),
        cmocka_unit_test(byte_count_survives_a_reopen),
        cmocka_unit_test(memory_keeps_no_pending),
        cmocka_unit_test(pending_survive_a_reopen),
    };
    log_set_level(LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
