/* mock_server/dispatch_writer: the call-log writer applies the engine's
 * auto-disables with the record that decided them, publishes them in the
 * cache, and lets a change the API made meanwhile stand; the engine's view
 * of a deactivation the cache does not show yet (dispatch_settle.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mock_server/dispatch_priv.h"

#define HOOK "00000000-0000-4000-8000-000000000001"
#define CALL "11111111-0000-4000-8000-000000000001"

struct fixture {
    struct ms_store *store;
    struct ms_cache *cache;
    struct ms_dispatch_writer *writer;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ms_webhook w = {0};

    f->store = ms_store_open(NULL, NULL);
    f->cache = ms_cache_new();
    assert_non_null(f->store);
    snprintf(w.id, sizeof(w.id), "%s", HOOK);
    snprintf(w.topic, sizeof(w.topic), "message.received");
    snprintf(w.url, sizeof(w.url), "http://127.0.0.1:9/hook");
    snprintf(w.secret, sizeof(w.secret), "s3cret-s3cret");
    w.active = true;
    w.created_ms = 1000;
    w.updated_ms = 1000;
    assert_int_equal(ms_store_webhook_insert(f->store, &w, NULL), 0);
    assert_int_equal(ms_cache_refresh(f->cache, f->store), 0);
    f->writer = ms_dispatch_writer_new(f->store, f->cache, NULL, NULL);
    assert_non_null(f->writer);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    ms_dispatch_writer_free(f->writer);
    ms_cache_free(f->cache);
    ms_store_close(f->store);
    free(f);
    return 0;
}

/* Writes a batch of one record, outcome webhook_disabled, with the
 * auto-disable of HOOK decided on the row updated at seen_ms. */
static void write_disable(struct fixture *f, uint64_t seen_ms)
{
    struct dsp_batch *b = ms_dispatch_writer_batch(f->writer);
    struct dsp_owned *o = NULL;
    struct ms_call *call = ms_dispatch_writer_add_call(b, &o);

    snprintf(call->id, sizeof(call->id), "%s", CALL);
    snprintf(call->webhook_id, sizeof(call->webhook_id), "%s", HOOK);
    snprintf(call->event_id, sizeof(call->event_id), "evt_1");
    snprintf(call->topic, sizeof(call->topic), "message.received");
    call->attempt = 1;
    call->response_status = 500;
    call->outcome = MS_OUTCOME_WEBHOOK_DISABLED;
    call->error = "status 500; webhook deactivated after 3 consecutive events gave up";
    call->created_ms = 2000;
    b->disables = calloc(1, sizeof(*b->disables));
    b->cap_disables = 1;
    b->n_disables = 1;
    snprintf(b->disables[0].webhook_id, sizeof(b->disables[0].webhook_id), "%s", HOOK);
    b->disables[0].seen_ms = seen_ms;
    b->disables[0].now_ms = 2000;
    b->disables[0].call = 0;
    b->disables[0].after = 3;
    snprintf(b->disables[0].last, sizeof(b->disables[0].last), "status 500");
    b->keep = (struct ms_call_keep){100, 0};
    ms_dispatch_writer_submit(f->writer, b);
    ms_dispatch_writer_drain(f->writer, false);
}

static struct ms_call *read_call(struct fixture *f)
{
    struct ms_call *c = NULL;

    assert_int_equal(ms_store_call_get(f->store, CALL, &c), MS_STORE_OK);
    return c;
}

static void written_with_its_record(void **state)
{
    struct fixture *f = *state;
    struct ms_webhook w;
    const struct ms_cache_snapshot *snap;
    const struct ms_webhook *cached;
    struct ms_call *c;

    write_disable(f, 1000);
    assert_int_equal(ms_store_webhook_get(f->store, HOOK, &w), MS_STORE_OK);
    assert_false(w.active);
    assert_int_equal(w.updated_ms, 2000);
    assert_string_equal(w.url, "http://127.0.0.1:9/hook");
    snap = ms_cache_acquire(f->cache);
    cached = ms_cache_find(snap, HOOK);
    assert_non_null(cached);
    assert_false(cached->active);
    assert_int_equal(cached->updated_ms, 2000);
    ms_cache_release(snap);
    c = read_call(f);
    assert_int_equal(c->outcome, MS_OUTCOME_WEBHOOK_DISABLED);
    assert_string_equal(c->error,
                        "status 500; webhook deactivated after 3 consecutive events gave up");
    ms_store_calls_free(c, 1);
}

/* The API changed the webhook after the engine decided: the change stands
 * in the store and the cache, and the record says so. */
static void api_change_stands(void **state)
{
    struct fixture *f = *state;
    struct ms_webhook_patch patch = {.has_url = true};
    struct ms_webhook w;
    const struct ms_cache_snapshot *snap;
    struct ms_call *c;

    snprintf(patch.url, sizeof(patch.url), "http://127.0.0.1:9/new");
    ms_cache_write_begin(f->cache);
    assert_int_equal(ms_store_webhook_update(f->store, HOOK, &patch, 1500, &w), MS_STORE_OK);
    ms_cache_put(f->cache, &w);
    ms_cache_write_end(f->cache);

    write_disable(f, 1000);
    assert_int_equal(ms_store_webhook_get(f->store, HOOK, &w), MS_STORE_OK);
    assert_true(w.active);
    assert_int_equal(w.updated_ms, 1500);
    assert_string_equal(w.url, "http://127.0.0.1:9/new");
    snap = ms_cache_acquire(f->cache);
    assert_true(ms_cache_find(snap, HOOK)->active);
    ms_cache_release(snap);
    c = read_call(f);
    assert_int_equal(c->outcome, MS_OUTCOME_GAVE_UP);
    assert_string_equal(c->error, "status 500; 3 consecutive events gave up, but the webhook "
                                  "changed before its deactivation was written: it stays as "
                                  "changed");
    ms_store_calls_free(c, 1);
}

/* A webhook deleted meanwhile is not brought back by the deactivation. */
static void deleted_meanwhile(void **state)
{
    struct fixture *f = *state;
    struct ms_webhook w;
    struct ms_call *c;

    ms_cache_write_begin(f->cache);
    assert_int_equal(ms_store_webhook_delete(f->store, HOOK, 1500, &w), MS_STORE_OK);
    ms_cache_put(f->cache, &w);
    ms_cache_write_end(f->cache);

    write_disable(f, 1000);
    assert_int_equal(ms_store_webhook_get(f->store, HOOK, &w), MS_STORE_OK);
    assert_int_equal(w.deleted_ms, 1500);
    assert_true(w.active);
    c = read_call(f);
    assert_int_equal(c->outcome, MS_OUTCOME_GAVE_UP);
    ms_store_calls_free(c, 1);
}

/* The engine's view until the cache shows the deactivation. */
static void engine_view(void **state)
{
    (void)state;
    struct dsp_hook h = {.disabling = true, .disabling_seen_ms = 1000};
    struct ms_webhook w = {.active = true, .updated_ms = 1000};

    assert_null(ms_dispatch_hook_unusable(&(struct dsp_hook){0}, &w, MS_PENDING_FIRST));
    assert_string_equal(ms_dispatch_hook_unusable(&h, &w, MS_PENDING_FIRST),
                        "the webhook is inactive");
    assert_string_equal(ms_dispatch_hook_unusable(&h, &w, MS_PENDING_DUPLICATE),
                        "the webhook is inactive");
    /* A replay goes to an inactive webhook. */
    assert_null(ms_dispatch_hook_unusable(&h, &w, MS_PENDING_REPLAY));
    assert_true(h.disabling);
    /* The cache has a newer row (the deactivation, or an API change). */
    w.updated_ms = 2000;
    assert_null(ms_dispatch_hook_unusable(&h, &w, MS_PENDING_FIRST));
    assert_false(h.disabling);
    w.updated_ms = 1000;
    assert_null(ms_dispatch_hook_unusable(&h, &w, MS_PENDING_FIRST));
    /* Gone or deleted: the cache's reason. */
    h.disabling = true;
    assert_string_equal(ms_dispatch_hook_unusable(&h, NULL, MS_PENDING_FIRST),
                        "the webhook no longer exists");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(written_with_its_record, setup, teardown),
        cmocka_unit_test_setup_teardown(api_change_stands, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_meanwhile, setup, teardown),
        cmocka_unit_test(engine_view),
    };

    log_set_level(LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
