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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_and_lookups),
        cmocka_unit_test(readers_during_refreshes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
