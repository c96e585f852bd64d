/* mock_server/store: schema and migrations, webhooks, the call log, batches,
 * retention and threads. What the store does with the file itself (one
 * store per file, foreign and damaged files) is in test_store_file.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "mock_server/store.h"
#include "support/db.h"
#include "support/store_fx.h"

static void schema_is_versioned(void **state)
{
    (void)state;
    char path[256];
    struct ms_store *s = store_fx_open(NULL);

    assert_true(ms_store_schema_latest() >= 1);
    assert_int_equal(ms_store_schema_version(s), ms_store_schema_latest());
    ms_store_close(s);

    /* A file is migrated once; reopening keeps the version and the data. */
    test_db_path(path, sizeof(path), "store-schema");
    test_db_remove(path);
    s = store_fx_open(path);
    struct ms_webhook w;
    store_fx_hook(&w, 1, 5);
    assert_int_equal(ms_store_webhook_insert(s, &w, NULL), 0);
    ms_store_close(s);
    s = store_fx_open(path);
    assert_int_equal(ms_store_schema_version(s), ms_store_schema_latest());
    struct ms_webhook got;
    assert_int_equal(ms_store_webhook_get(s, w.id, &got), MS_STORE_OK);
    assert_string_equal(got.secret, "secret-1");
    ms_store_close(s);

    /* The file uses WAL and records one version row. */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_version", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_int_equal(sqlite3_column_int(st, 1), ms_store_schema_latest());
    sqlite3_finalize(st);

    /* A database from a newer program is refused, untouched. */
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 999", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct err e = {{0}};
    assert_null(ms_store_open(path, &e));
    assert_non_null(strstr(e.msg, "schema version 999"));
    assert_non_null(strstr(e.msg, path));
    test_db_remove(path);

    /* Not a database at all. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a database, just some text long enough to be a header....\n", f);
    fclose(f);
    assert_null(ms_store_open(path, &e));
    assert_true(strlen(e.msg) > 0);
    test_db_remove(path);
}

/* A response body is kept whole, NUL bytes included (before the fix it
 * was cut at the first NUL), in a file and in memory. */
static void response_body_keeps_nul_bytes(void **state)
{
    (void)state;
    char path[256];
    const char *where[] = {NULL, path};

    test_db_path(path, sizeof(path), "store-nul");
    test_db_remove(path);
    for (size_t k = 0; k < 2; k++) {
        struct ms_store *s = store_fx_open(where[k]);
        struct ms_call c[2];
        struct ms_call *out = NULL;
        struct err e = {{0}};
        struct ms_call_filter f = {.page = 1, .limit = 10};
        size_t n = 0;
        uint64_t total = 0;

        store_fx_call(&c[0], 0, "hook-a", "succeeded");
        c[0].response_status = 200;
        c[0].response_body = "ab\0cd";
        c[0].response_body_len = 5;
        store_fx_call(&c[1], 1, "hook-a", "succeeded"); /* a length of 0: up to the NUL */
        c[1].response_status = 200;
        c[1].response_body = "plain";
        assert_int_equal(ms_store_calls_insert(s, c, 2, &e), 0);
        assert_int_equal(ms_store_calls_query(s, &f, &out, &n, &total), 0);
        assert_int_equal(n, 2);
        assert_string_equal(out[1].id, c[0].id);
        assert_int_equal(out[1].response_body_len, 5);
        assert_memory_equal(out[1].response_body, "ab\0cd", 6);
        assert_int_equal(out[0].response_body_len, 5);
        assert_string_equal(out[0].response_body, "plain");
        ms_store_calls_free(out, n);
        assert_int_equal(ms_store_call_get(s, c[0].id, &out), MS_STORE_OK);
        assert_int_equal(out[0].response_body_len, 5);
        assert_memory_equal(out[0].response_body, "ab\0cd", 6);
        ms_store_calls_free(out, 1);
        ms_store_close(s);
    }
    test_db_remove(path);
}

static void webhook_lifecycle(void **state)
{
    (void)state;
    struct ms_store *s = store_fx_open(":memory:");
    struct ms_webhook a, b, got;
    struct ms_webhook_patch p;
    struct err e = {{0}};

    store_fx_hook(&a, 1, 100);
    store_fx_hook(&b, 2, 200);
    assert_int_equal(ms_store_webhook_get(s, a.id, &got), MS_STORE_NOT_FOUND);
    assert_int_equal(ms_store_webhook_insert(s, &b, NULL), 0);
    assert_int_equal(ms_store_webhook_insert(s, &a, NULL), 0);
    /* the same id twice is an error */
    assert_int_equal(ms_store_webhook_insert(s, &a, &e), -1);
    assert_non_null(strstr(e.msg, a.id));

    /* list: creation time order, not insertion order */
    struct ms_webhook *list = NULL;
    size_t n = 0;
    assert_int_equal(ms_store_webhook_list(s, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, a.id);
    assert_string_equal(list[1].id, b.id);
    free(list);

    /* partial update */
    memset(&p, 0, sizeof(p));
    p.has_url = true;
    snprintf(p.url, sizeof(p.url), "https://new.example/");
    assert_int_equal(ms_store_webhook_update(s, a.id, &p, 300, &got), MS_STORE_OK);
    assert_string_equal(got.url, "https://new.example/");
    assert_string_equal(got.secret, "secret-1");
    assert_int_equal(got.updated_ms, 300);
    assert_int_equal(got.created_ms, 100);
    /* an empty patch leaves updated_ms */
    memset(&p, 0, sizeof(p));
    assert_int_equal(ms_store_webhook_update(s, a.id, &p, 400, &got), MS_STORE_OK);
    assert_int_equal(got.updated_ms, 300);
    p.has_active = true;
    p.active = false;
    assert_int_equal(ms_store_webhook_update(s, a.id, &p, 410, NULL), MS_STORE_OK);
    assert_int_equal(ms_store_webhook_get(s, a.id, &got), MS_STORE_OK);
    assert_false(got.active);
    assert_int_equal(ms_store_webhook_update(s, "missing", &p, 400, &got), MS_STORE_NOT_FOUND);

    /* delete is soft and keeps the first time */
    assert_int_equal(ms_store_webhook_delete(s, a.id, 500, &got), MS_STORE_OK);
    assert_int_equal(got.deleted_ms, 500);
    assert_int_equal(ms_store_webhook_delete(s, a.id, 600, &got), MS_STORE_OK);
    assert_int_equal(got.deleted_ms, 500);
    assert_int_equal(ms_store_webhook_update(s, a.id, &p, 700, &got), MS_STORE_DELETED);
    assert_int_equal(ms_store_webhook_delete(s, "missing", 1, NULL), MS_STORE_NOT_FOUND);

    /* restore */
    assert_int_equal(ms_store_webhook_restore(s, a.id, 800, &got), MS_STORE_OK);
    assert_int_equal(got.deleted_ms, 0);
    assert_int_equal(ms_store_webhook_update(s, a.id, &p, 900, NULL), MS_STORE_OK);
    assert_int_equal(ms_store_webhook_restore(s, "missing", 1, NULL), MS_STORE_NOT_FOUND);

    assert_int_equal(ms_store_reset(s), 0);
    assert_int_equal(ms_store_webhook_list(s, &list, &n), 0);
    assert_int_equal(n, 0);
    assert_null(list);
    ms_store_close(s);
}

/* In a file a batch is all or nothing (in memory there is no rollback
 * journal: test_store_events.c). */
static void calls_batches_are_atomic(void **state)
{
    (void)state;
    char path[256];
    struct ms_store *s;
    struct ms_call c[3];
    struct err e = {{0}};
    uint64_t total = 99;

    test_db_path(path, sizeof(path), "store-atomic");
    test_db_remove(path);
    s = store_fx_open(path);
    store_fx_call(&c[0], 0, "hook-a", "succeeded");
    store_fx_call(&c[1], 1, "hook-a", "failed");
    store_fx_call(&c[2], 2, "hook-b", "gave_up");
    c[1].url = "http://r.example/";
    c[1].request_headers = "{\"a\":\"b\"}";
    c[1].request_body = "{}";
    c[1].response_status = 500;
    c[1].response_headers = "{}";
    c[1].response_body = "boom";
    c[1].duration_ms = 12;
    c[1].error = NULL;
    c[1].scheduled_ms = 7;
    c[1].sent_ms = 8;
    c[1].next_attempt_ms = 9;
    snprintf(c[1].request_timestamp, sizeof(c[1].request_timestamp), "1727690400123");
    snprintf(c[1].request_signature, sizeof(c[1].request_signature), "ab12\xe2\x80\xa6(64 chars)");
    assert_int_equal(ms_store_calls_insert(s, c, 0, &e), 0);
    assert_int_equal(ms_store_calls_insert(s, c, 3, &e), 0);
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 3);

    /* A batch with one bad record stores nothing. */
    struct ms_call more[2];
    store_fx_call(&more[0], 10, "hook-c", "succeeded");
    store_fx_call(&more[1], 1, "hook-c", "succeeded"); /* duplicate id */
    assert_int_equal(ms_store_calls_insert(s, more, 2, &e), -1);
    assert_non_null(strstr(e.msg, "call 1"));
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 3);

    /* Read back every field of the full record. */
    struct ms_call_filter f = {.outcome = "failed", .page = 1, .limit = 10};
    struct ms_call *out = NULL;
    size_t n = 0;
    assert_int_equal(ms_store_calls_query(s, &f, &out, &n, &total), 0);
    assert_int_equal(n, 1);
    assert_int_equal(total, 1);
    assert_string_equal(out[0].id, c[1].id);
    assert_string_equal(out[0].webhook_id, "hook-a");
    assert_string_equal(out[0].event_id, "evt_0");
    assert_string_equal(out[0].url, "http://r.example/");
    assert_string_equal(out[0].request_headers, "{\"a\":\"b\"}");
    assert_string_equal(out[0].response_body, "boom");
    assert_int_equal(out[0].response_status, 500);
    assert_int_equal(out[0].duration_ms, 12);
    assert_null(out[0].error);
    assert_int_equal(out[0].scheduled_ms, 7);
    assert_int_equal(out[0].sent_ms, 8);
    assert_int_equal(out[0].next_attempt_ms, 9);
    assert_int_equal(out[0].created_ms, 1001);
    assert_string_equal(out[0].request_timestamp, "1727690400123");
    assert_string_equal(out[0].request_signature, "ab12\xe2\x80\xa6(64 chars)");
    assert_true(out[0].seq > 0);
    ms_store_calls_free(out, n);

    /* Absent values come back absent. */
    f.outcome = "gave_up";
    assert_int_equal(ms_store_calls_query(s, &f, &out, &n, &total), 0);
    assert_int_equal(n, 1);
    assert_null(out[0].url);
    assert_null(out[0].response_body);
    assert_int_equal(out[0].response_status, 0);
    assert_int_equal(out[0].duration_ms, -1);
    assert_int_equal(out[0].sent_ms, 0);
    assert_string_equal(out[0].request_timestamp, "");
    assert_string_equal(out[0].request_signature, "");
    ms_store_calls_free(out, n);
    ms_store_close(s);
    test_db_remove(path);
}

static void calls_query_pages_and_filters(void **state)
{
    (void)state;
    struct ms_store *s = store_fx_open(NULL);
    struct ms_call c[10];
    struct ms_call *out = NULL;
    size_t n = 0;
    uint64_t total = 0;

    for (int i = 0; i < 10; i++) {
        store_fx_call(&c[i], i, i % 2 ? "hook-odd" : "hook-even", i < 5 ? "failed" : "succeeded");
    }
    assert_int_equal(ms_store_calls_insert(s, c, 10, NULL), 0);

    struct ms_call_filter f = {.page = 2, .limit = 3};
    assert_int_equal(ms_store_calls_query(s, &f, &out, &n, &total), 0);
    assert_int_equal(total, 10);
    assert_int_equal(n, 3);
    /* newest first: page 2 of 3 is records 6, 5, 4 */
    assert_string_equal(out[0].id, c[6].id);
    assert_string_equal(out[2].id, c[4].id);
    ms_store_calls_free(out, n);

    f.page = 5;
    assert_int_equal(ms_store_calls_query(s, &f, &out, &n, &total), 0);
    assert_int_equal(n, 0);
    assert_null(out);
    assert_int_equal(total, 10);

    struct ms_call_filter g = {
        .webhook_id = "hook-odd", .outcome = "failed", .page = 1, .limit = 500};
    assert_int_equal(ms_store_calls_query(s, &g, &out, &n, &total), 0);
    assert_int_equal(n, 2); /* 3 and 1 */
    assert_int_equal(total, 2);
    assert_string_equal(out[0].id, c[3].id);
    assert_string_equal(out[1].id, c[1].id);
    ms_store_calls_free(out, n);

    struct ms_call_filter h = {.event_id = "evt_4", .since_ms = 1009, .page = 1, .limit = 5};
    assert_int_equal(ms_store_calls_query(s, &h, &out, &n, &total), 0);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].id, c[9].id);
    ms_store_calls_free(out, n);

    struct ms_call_filter u = {.since_ms = 1002, .until_ms = 1004, .page = 1, .limit = 5};
    assert_int_equal(ms_store_calls_query(s, &u, &out, &n, &total), 0);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].id, c[3].id);
    assert_string_equal(out[1].id, c[2].id);
    ms_store_calls_free(out, n);

    /* Retention: keep the newest four. */
    uint64_t dropped = 0;
    assert_int_equal(ms_store_calls_trim(s, 4, &dropped), 0);
    assert_int_equal(dropped, 6);
    assert_int_equal(ms_store_calls_trim(s, 4, &dropped), 0);
    assert_int_equal(dropped, 0);
    struct ms_call_filter all = {.page = 1, .limit = 500};
    assert_int_equal(ms_store_calls_query(s, &all, &out, &n, &total), 0);
    assert_int_equal(n, 4);
    assert_string_equal(out[3].id, c[6].id);
    ms_store_calls_free(out, n);
    ms_store_close(s);
}

struct writer {
    struct ms_store *s;
    int base;
};

static void *writer_run(void *arg)
{
    struct writer *w = arg;
    for (int b = 0; b < 40; b++) {
        struct ms_call c[5];
        for (int i = 0; i < 5; i++) {
            store_fx_call(&c[i], w->base + b * 5 + i, "hook-t", "succeeded");
        }
        if (ms_store_calls_insert(w->s, c, 5, NULL) != 0) {
            return (void *)1;
        }
        struct ms_call_filter f = {.page = 1, .limit = 10};
        struct ms_call *out = NULL;
        size_t n = 0;
        uint64_t total = 0;
        if (ms_store_calls_query(w->s, &f, &out, &n, &total) != 0) {
            return (void *)1;
        }
        ms_store_calls_free(out, n);
    }
    return NULL;
}

static void threads_share_the_store(void **state)
{
    (void)state;
    char path[256];
    pthread_t t[4];
    struct writer w[4];
    uint64_t total = 0;

    test_db_path(path, sizeof(path), "store-threads");
    test_db_remove(path);
    struct ms_store *s = store_fx_open(path);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct writer){s, i * 1000};
        assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rc = NULL;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
    assert_int_equal(ms_store_calls_count(s, &total), 0);
    assert_int_equal(total, 4 * 40 * 5);
    ms_store_close(s);
    test_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_is_versioned),      cmocka_unit_test(webhook_lifecycle),
        cmocka_unit_test(calls_batches_are_atomic), cmocka_unit_test(calls_query_pages_and_filters),
        cmocka_unit_test(threads_share_the_store),  cmocka_unit_test(response_body_keeps_nul_bytes),
    };
    log_set_level(LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
