/* mock_server/cache: snapshots, lookups and their lifetime across refreshes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_server/cache.h"

static void add_hook(struct ms_store *s, int n, bool deleted)
{
    struct ms_webhook w;

    memset(&w, 0, sizeof(w));
    /* ids sort in the reverse of creation order, to exercise the index */
    snprintf(w.id, sizeof(w.id), "%08d-0000-4000-8000-000000000000", (90 - n) % 100);
    snprintf(w.topic, sizeof(w.topic), "ticket.closed");
    snprintf(w.url, sizeof(w.url), "http://r.example/%d", n);
    snprintf(w.secret, sizeof(w.secret), "cache-secret-%04d", n);
    w.active = true;
    w.created_ms = 1000 + (uint64_t)n;
    w.updated_ms = w.created_ms;
    w.deleted_ms = deleted ? 5000 : 0;
    assert_int_equal(ms_store_webhook_insert(s, &w, NULL), 0);
}

static void lists_and_lookups(void **state)
{
    (void)state;
    struct ms_store *s = ms_store_open(NULL, NULL);
    struct ms_cache *c = ms_cache_new();
    size_t len = 0;
    char *text;

    assert_non_null(s);
    text = ms_cache_list_json(c, true, &len);
    assert_string_equal(text, "[]");
    assert_int_equal(len, 2);
    free(text);

    add_hook(s, 1, false);
    add_hook(s, 2, true);
    add_hook(s, 3, false);
    /* Not visible before a refresh: reads never touch the store. */
    text = ms_cache_list_json(c, true, &len);
    assert_string_equal(text, "[]");
    free(text);
    assert_int_equal(ms_cache_refresh(c, s), 0);

    text = ms_cache_list_json(c, true, &len);
    assert_int_equal(strlen(text), len);
    json_t *all = json_loads(text, 0, NULL);
    free(text);
    assert_int_equal(json_array_size(all), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "url")),
                        "http://r.example/1");
    char *dumped = json_dumps(all, 0);
    assert_null(strstr(dumped, "cache-secret"));
    free(dumped);

    text = ms_cache_list_json(c, false, &len);
    json_t *live = json_loads(text, 0, NULL);
    free(text);
    assert_int_equal(json_array_size(live), 2);
    assert_true(json_equal(json_array_get(live, 1), json_array_get(all, 2)));

    text = ms_cache_webhook_json(c, "00000088-0000-4000-8000-000000000000", &len);
    assert_non_null(text);
    json_t *one = json_loads(text, 0, NULL);
    free(text);
    assert_true(json_equal(one, json_array_get(all, 1)));
    assert_null(ms_cache_webhook_json(c, "nope", &len));
    json_decref(one);
    json_decref(live);
    json_decref(all);

    const struct ms_cache_snapshot *snap = ms_cache_acquire(c);
    assert_int_equal(ms_cache_count(snap), 3);
    assert_string_equal(ms_cache_at(snap, 2)->url, "http://r.example/3");
    assert_null(ms_cache_at(snap, 3));
    const struct ms_webhook *w = ms_cache_find(snap, "00000089-0000-4000-8000-000000000000");
    assert_non_null(w);
    assert_string_equal(w->secret, "cache-secret-0001");
    assert_null(ms_cache_find(snap, NULL));

    /* A held snapshot outlives a refresh and even the cache. */
    add_hook(s, 4, false);
    assert_int_equal(ms_cache_refresh(c, s), 0);
    const struct ms_cache_snapshot *fresh = ms_cache_acquire(c);
    assert_int_equal(ms_cache_count(fresh), 4);
    ms_cache_release(fresh);
    ms_cache_free(c);
    assert_int_equal(ms_cache_count(snap), 3);
    assert_string_equal(w->url, "http://r.example/1");
    ms_cache_release(snap);
    ms_store_close(s);
}

struct reader {
    struct ms_cache *c;
    int bad;
};

static void *reader_run(void *arg)
{
    struct reader *r = arg;
    for (int i = 0; i < 2000; i++) {
        size_t len = 0;
        char *text = ms_cache_list_json(r->c, true, &len);
        if (text[0] != '[' || text[len - 1] != ']') {
            r->bad++;
        }
        free(text);
    }
    return NULL;
}

/* Readers copying while a writer swaps snapshots: every copy is whole. */
static void readers_during_refreshes(void **state)
{
    (void)state;
    struct ms_store *s = ms_store_open(NULL, NULL);
    struct ms_cache *c = ms_cache_new();
    pthread_t t[3];
    struct reader r[3];

    for (int i = 0; i < 3; i++) {
        r[i] = (struct reader){c, 0};
        assert_int_equal(pthread_create(&t[i], NULL, reader_run, &r[i]), 0);
    }
    for (int i = 0; i < 50; i++) {
        add_hook(s, i, i % 3 == 0);
        assert_int_equal(ms_cache_refresh(c, s), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].bad, 0);
    }
    const struct ms_cache_snapshot *snap = ms_cache_acquire(c);
    assert_int_equal(ms_cache_count(snap), 50);
    ms_cache_release(snap);
    ms_cache_free(c);
    ms_store_close(s);
}

/* Both list bodies and every webhook body of two caches are the same bytes. */
static void same_bodies(struct ms_cache *a, struct ms_cache *b)
{
    for (int deleted = 0; deleted < 2; deleted++) {
        size_t la = 0;
        size_t lb = 0;
        char *ta = ms_cache_list_json(a, deleted != 0, &la);
        char *tb = ms_cache_list_json(b, deleted != 0, &lb);

        assert_int_equal(la, lb);
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
    }
    const struct ms_cache_snapshot *sa = ms_cache_acquire(a);
    const struct ms_cache_snapshot *sb = ms_cache_acquire(b);
    assert_int_equal(ms_cache_count(sa), ms_cache_count(sb));
    for (size_t i = 0; i < ms_cache_count(sa); i++) {
        const struct ms_webhook *w = ms_cache_at(sa, i);
        size_t la = 0;
        size_t lb = 0;
        char *ta = ms_cache_webhook_json(a, w->id, &la);
        char *tb = ms_cache_webhook_json(b, w->id, &lb);

        assert_string_equal(w->id, ms_cache_at(sb, i)->id);
        assert_ptr_equal(ms_cache_find(sa, w->id), w);
        assert_non_null(ta);
        assert_non_null(tb);
        assert_int_equal(la, lb);
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
    }
    ms_cache_release(sa);
    ms_cache_release(sb);
}

/* Creates a webhook through the incremental path; its id is made of id_num. */
static void put_new(struct ms_cache *c, struct ms_store *s, int id_num, uint64_t created_ms)
{
    struct ms_webhook w;

    memset(&w, 0, sizeof(w));
    snprintf(w.id, sizeof(w.id), "%08d-0000-4000-8000-000000000000", id_num);
    snprintf(w.topic, sizeof(w.topic), "message.received");
    snprintf(w.url, sizeof(w.url), "http://put.example/%d", id_num);
    snprintf(w.secret, sizeof(w.secret), "put-secret-%04d", id_num);
    w.active = id_num % 2 == 0;
    w.created_ms = created_ms;
    w.updated_ms = created_ms;
    ms_cache_write_begin(c);
    assert_int_equal(ms_store_webhook_insert(s, &w, NULL), 0);
    ms_cache_put(c, &w);
    ms_cache_write_end(c);
}

/* Creates, updates, deletes and restores put one at a time give the same
 * bytes as a full refresh from the store. */
static void incremental_matches_refresh(void **state)
{
    (void)state;
    struct ms_store *s = ms_store_open(NULL, NULL);
    struct ms_cache *inc = ms_cache_new();
    struct ms_cache *full = ms_cache_new();
    struct ms_webhook_patch patch;
    struct ms_webhook w;
    char id[64];

    assert_non_null(s);
    /* A start from the store, then creates: in order, at one millisecond
     * (the store breaks the tie by insertion), and one whose clock went back. */
    add_hook(s, 1, false);
    add_hook(s, 2, true);
    assert_int_equal(ms_cache_refresh(inc, s), 0);
    put_new(inc, s, 10, 2000);
    put_new(inc, s, 11, 2000);
    put_new(inc, s, 12, 2000);
    put_new(inc, s, 13, 1500);
    put_new(inc, s, 14, 3000);
    assert_int_equal(ms_cache_refresh(full, s), 0);
    same_bodies(inc, full);

    /* An update. */
    memset(&patch, 0, sizeof(patch));
    patch.has_url = true;
    snprintf(patch.url, sizeof(patch.url), "http://changed.example/x");
    patch.has_active = true;
    patch.active = false;
    snprintf(id, sizeof(id), "%08d-0000-4000-8000-000000000000", 11);
    ms_cache_write_begin(inc);
    assert_int_equal(ms_store_webhook_update(s, id, &patch, 9000, &w), MS_STORE_OK);
    ms_cache_put(inc, &w);
    ms_cache_write_end(inc);
    assert_int_equal(ms_cache_refresh(full, s), 0);
    same_bodies(inc, full);

    /* A delete, then a restore of another deleted one. */
    snprintf(id, sizeof(id), "%08d-0000-4000-8000-000000000000", 13);
    ms_cache_write_begin(inc);
    assert_int_equal(ms_store_webhook_delete(s, id, 9100, &w), MS_STORE_OK);
    ms_cache_put(inc, &w);
    ms_cache_write_end(inc);
    assert_int_equal(ms_cache_refresh(full, s), 0);
    same_bodies(inc, full);
    size_t len = 0;
    char *text = ms_cache_list_json(inc, false, &len);
    assert_null(strstr(text, id));
    free(text);

    snprintf(id, sizeof(id), "%08d-0000-4000-8000-000000000000", 90 - 2);
    ms_cache_write_begin(inc);
    assert_int_equal(ms_store_webhook_restore(s, id, 9200, &w), MS_STORE_OK);
    ms_cache_put(inc, &w);
    ms_cache_write_end(inc);
    assert_int_equal(ms_cache_refresh(full, s), 0);
    same_bodies(inc, full);

    const struct ms_cache_snapshot *snap = ms_cache_acquire(inc);
    assert_int_equal(ms_cache_count(snap), 7);
    ms_cache_release(snap);

    /* Enough webhooks to fill and split the cache's chunks, ids in no
     * particular order, some created with a clock that went back, then
     * updates and deletes across them. */
    for (int i = 0; i < 700; i++) {
        put_new(inc, s, 100 + i * 7919 % 99991, i % 11 == 0 ? 2500u : 4000u + (uint64_t)i);
    }
    for (int i = 0; i < 700; i += 13) {
        snprintf(id, sizeof(id), "%08d-0000-4000-8000-000000000000", 100 + i * 7919 % 99991);
        ms_cache_write_begin(inc);
        if (i % 2 == 0) {
            assert_int_equal(ms_store_webhook_update(s, id, &patch, 9300, &w), MS_STORE_OK);
        } else {
            assert_int_equal(ms_store_webhook_delete(s, id, 9300, &w), MS_STORE_OK);
        }
        ms_cache_put(inc, &w);
        ms_cache_write_end(inc);
    }
    assert_int_equal(ms_cache_refresh(full, s), 0);
    same_bodies(inc, full);
    ms_cache_free(inc);
    ms_cache_free(full);
    ms_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_and_lookups),
        cmocka_unit_test(readers_during_refreshes),
        cmocka_unit_test(incremental_matches_refresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
