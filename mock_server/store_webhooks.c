/* The store's webhooks and settings (see store.h): a row per webhook,
 * read, written and changed under the store's lock; the settings table
 * of key/value texts. Part of the store (store_priv.h). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/store.h"
#include "mock_server/store_priv.h"

static void store_bind_webhook(sqlite3_stmt *st, const struct ms_webhook *w)
{
    ms_store_bind_text(st, 1, w->id);
    ms_store_bind_text(st, 2, w->topic);
    ms_store_bind_text(st, 3, w->url);
    ms_store_bind_text(st, 4, w->secret);
    sqlite3_bind_int(st, 5, w->active ? 1 : 0);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)w->created_ms);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)w->updated_ms);
    ms_store_bind_time(st, 8, w->deleted_ms);
}

static void store_read_webhook(sqlite3_stmt *st, struct ms_webhook *w)
{
    ms_store_col_copy(st, 0, w->id, sizeof(w->id));
    ms_store_col_copy(st, 1, w->topic, sizeof(w->topic));
    ms_store_col_copy(st, 2, w->url, sizeof(w->url));
    ms_store_col_copy(st, 3, w->secret, sizeof(w->secret));
    w->active = sqlite3_column_int(st, 4) != 0;
    w->created_ms = ms_store_col_time(st, 5);
    w->updated_ms = ms_store_col_time(st, 6);
    w->deleted_ms = ms_store_col_time(st, 7);
}

int ms_store_webhook_insert(struct ms_store *s, const struct ms_webhook *w, struct err *e)
{
    int ret = 0;

    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = s->st[ST_WEBHOOK_INSERT];
    store_bind_webhook(st, w);
    if (sqlite3_step(st) != SQLITE_DONE) {
        ret = err_set(e, "store: inserting webhook %s: %s", w->id, sqlite3_errmsg(s->db));
    }
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* Reads one webhook; the caller holds the lock. */
static enum ms_store_status store_get_locked(struct ms_store *s, const char *id,
                                             struct ms_webhook *out)
{
    sqlite3_stmt *st = s->st[ST_WEBHOOK_GET];
    enum ms_store_status ret = MS_STORE_NOT_FOUND;

    ms_store_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_read_webhook(st, out);
        ret = MS_STORE_OK;
    } else if (rc != SQLITE_DONE) {
        ms_store_log_failure(s, "reading a webhook");
        ret = MS_STORE_ERROR;
    }
    ms_store_done(st);
    return ret;
}

static int store_save_locked(struct ms_store *s, const struct ms_webhook *w)
{
    sqlite3_stmt *st = s->st[ST_WEBHOOK_SAVE];
    store_bind_webhook(st, w);
    return ms_store_step_done(s, st, "saving a webhook");
}

int ms_store_webhooks_save_locked(struct ms_store *s, const struct ms_webhook *w, size_t n,
                                  struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        if (store_save_locked(s, &w[i]) != 0) {
            return err_set(e, "store: saving webhook %s: %s", w[i].id, sqlite3_errmsg(s->db));
        }
    }
    return 0;
}

enum ms_store_status ms_store_webhook_get(struct ms_store *s, const char *id,
                                          struct ms_webhook *out)
{
    pthread_mutex_lock(&s->lock);
    enum ms_store_status ret = store_get_locked(s, id, out);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* Applies patch to w; true when a field was given. */
static bool store_apply_patch(struct ms_webhook *w, const struct ms_webhook_patch *p)
{
    if (p->has_topic) {
        snprintf(w->topic, sizeof(w->topic), "%s", p->topic);
    }
    if (p->has_url) {
        snprintf(w->url, sizeof(w->url), "%s", p->url);
    }
    if (p->has_secret) {
        snprintf(w->secret, sizeof(w->secret), "%s", p->secret);
    }
    if (p->has_active) {
        w->active = p->active;
    }
    return p->has_topic || p->has_url || p->has_secret || p->has_active;
}

/* What a change does to deleted_ms. */
enum store_deleted { STORE_DELETED_KEEP, STORE_DELETED_SET, STORE_DELETED_CLEAR };

/* The read-modify-write of update, delete and restore, under the store
 * lock, so two concurrent changes never lose one another's fields. A patch
 * is refused on a deleted webhook (MS_STORE_DELETED); the row is written
 * only when something changed, and then gets updated_ms. */
static enum ms_store_status store_change(struct ms_store *s, const char *id,
                                         const struct ms_webhook_patch *patch,
                                         enum store_deleted deleted, uint64_t now_ms,
                                         struct ms_webhook *out)
{
    struct ms_webhook *w = xmalloc(sizeof(*w));
    enum ms_store_status ret;
    bool changed;

    pthread_mutex_lock(&s->lock);
    ret = store_get_locked(s, id, w);
    if (ret != MS_STORE_OK) {
        goto out;
    }
    if (patch != NULL && w->deleted_ms != 0) {
        ret = MS_STORE_DELETED;
        goto out;
    }
    changed = patch != NULL && store_apply_patch(w, patch);
    if (deleted != STORE_DELETED_KEEP && (deleted == STORE_DELETED_SET) != (w->deleted_ms != 0)) {
        w->deleted_ms = deleted == STORE_DELETED_SET ? now_ms : 0;
        changed = true;
    }
    if (changed) {
        w->updated_ms = now_ms;
        if (store_save_locked(s, w) != 0) {
            ret = MS_STORE_ERROR;
            goto out;
        }
    }
    if (out != NULL) {
        *out = *w;
    }
out:
    pthread_mutex_unlock(&s->lock);
    free(w);
    return ret;
}

enum ms_store_status ms_store_webhook_update(struct ms_store *s, const char *id,
                                             const struct ms_webhook_patch *patch, uint64_t now_ms,
                                             struct ms_webhook *out)
{
    return store_change(s, id, patch, STORE_DELETED_KEEP, now_ms, out);
}

enum ms_store_status ms_store_webhook_delete(struct ms_store *s, const char *id, uint64_t now_ms,
                                             struct ms_webhook *out)
{
    return store_change(s, id, NULL, STORE_DELETED_SET, now_ms, out);
}

enum ms_store_status ms_store_webhook_restore(struct ms_store *s, const char *id, uint64_t now_ms,
                                              struct ms_webhook *out)
{
    return store_change(s, id, NULL, STORE_DELETED_CLEAR, now_ms, out);
}

int ms_store_webhook_list(struct ms_store *s, struct ms_webhook **out, size_t *n)
{
    struct ms_webhook *arr = NULL;
    size_t len = 0;
    size_t cap = 0;
    int ret = -1;
    int rc;

    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = s->st[ST_WEBHOOK_LIST];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        arr = xgrow(arr, &cap, len + 1, 16, sizeof(*arr));
        store_read_webhook(st, &arr[len++]);
    }
    if (rc != SQLITE_DONE) {
        ms_store_log_failure(s, "listing webhooks");
        goto out;
    }
    *out = arr;
    *n = len;
    arr = NULL;
    ret = 0;
out:
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    free(arr);
    return ret;
}

int ms_store_setting_get(struct ms_store *s, const char *key, char **value)
{
    sqlite3_stmt *st;
    int rc;
    int ret = 0;

    *value = NULL;
    pthread_mutex_lock(&s->lock);
    st = s->st[ST_SETTING_GET];
    ms_store_bind_text(st, 1, key);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = ms_store_col_dup(st, 0);
    } else if (rc != SQLITE_DONE) {
        ms_store_log_failure(s, "reading a setting");
        ret = -1;
    }
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

int ms_store_setting_put(struct ms_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int ret;

    pthread_mutex_lock(&s->lock);
    st = s->st[ST_SETTING_PUT];
    ms_store_bind_text(st, 1, key);
    ms_store_bind_text(st, 2, value);
    ret = ms_store_step_done(s, st, "writing a setting");
    pthread_mutex_unlock(&s->lock);
    return ret;
}
