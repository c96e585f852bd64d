/* The delivery engine's durable state: events, pending attempt chains and
 * small counters. Shares the connection and its mutex with store.c (see
 * there for the thread model); the batch flush that settles pending chains
 * together with their call records is in store_calls.c. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/store_priv.h"

#define EVENTS_FIRST_CAP 16

static int store_event_insert_locked(struct ms_store *s, const struct ms_event_rec *ev,
                                     struct err *e)
{
    sqlite3_stmt *st = s->st[ST_EVENT_INSERT];
    int rc;

    ms_store_bind_text(st, 1, ev->id);
    ms_store_bind_text(st, 2, ev->topic);
    ms_store_bind_text(st, 3, ev->profile);
    sqlite3_bind_text(st, 4, ev->body, (int)ev->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)ev->created_ms);
    rc = sqlite3_step(st);
    ms_store_done(st);
    if (rc != SQLITE_DONE) {
        return err_set(e, "store: inserting event %s: %s", ev->id, sqlite3_errmsg(s->db));
    }
    return 0;
}

static int store_pending_insert_locked(struct ms_store *s, struct ms_pending_rec *p, struct err *e)
{
    sqlite3_stmt *st = s->st[ST_PENDING_INSERT];
    int rc;

    ms_store_bind_text(st, 1, p->webhook_id);
    ms_store_bind_text(st, 2, p->event_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)p->attempt);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)p->due_ms);
    sqlite3_bind_int(st, 5, (int)p->kind);
    rc = sqlite3_step(st);
    ms_store_done(st);
    if (rc != SQLITE_DONE) {
        return err_set(e, "store: inserting a pending attempt of %s: %s", p->event_id,
                       sqlite3_errmsg(s->db));
    }
    p->id = (int64_t)sqlite3_last_insert_rowid(s->db);
    return 0;
}

int ms_store_events_add(struct ms_store *s, const struct ms_event_rec *ev, size_t n_ev,
                        struct ms_pending_rec *pend, size_t n_pend, uint64_t keep_events,
                        struct err *e)
{
    int ret = -1;

    if (!s->durable) {
        for (size_t i = 0; i < n_pend; i++) {
            pend[i].id = 0;
        }
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    if (ms_store_tx_begin(s, e) == 0) {
        bool ok = true;
        for (size_t i = 0; ok && i < n_ev; i++) {
            ok = store_event_insert_locked(s, &ev[i], e) == 0;
        }
        for (size_t i = 0; ok && i < n_pend; i++) {
            ok = store_pending_insert_locked(s, &pend[i], e) == 0;
        }
        ok = ok &&
             ms_store_trim_locked(s, s->st[ST_EVENT_TRIM], keep_events, "trimming events", e) == 0;
        ret = ms_store_tx_end(s, ok, "events", e);
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

static void store_read_pending(sqlite3_stmt *st, struct ms_pending_row *r)
{
    int kind = sqlite3_column_int(st, 5);

    r->id = (int64_t)sqlite3_column_int64(st, 0);
    ms_store_col_copy(st, 1, r->webhook_id, sizeof(r->webhook_id));
    ms_store_col_copy(st, 2, r->event_id, sizeof(r->event_id));
    r->attempt = (unsigned)sqlite3_column_int(st, 3);
    r->due_ms = ms_store_col_time(st, 4);
    r->kind = kind == MS_PENDING_DUPLICATE ? MS_PENDING_DUPLICATE
              : kind == MS_PENDING_REPLAY  ? MS_PENDING_REPLAY
                                           : MS_PENDING_FIRST;
    ms_store_col_copy(st, 6, r->topic, sizeof(r->topic));
    r->body = ms_store_col_dup(st, 7);
    r->body_len = r->body != NULL ? (size_t)sqlite3_column_bytes(st, 7) : 0;
    if (r->body == NULL) {
        r->body = xstrdup("");
    }
    if (r->attempt < 1) {
        r->attempt = 1;
    }
}

int ms_store_pending_load(struct ms_store *s, struct ms_pending_row **out, size_t *n)
{
    struct ms_pending_row *rows = NULL;
    size_t len = 0;
    size_t cap = 0;
    sqlite3_stmt *st;
    int ret = -1;
    int rc;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    if (ms_store_step_done(s, s->st[ST_PENDING_ORPHANS], "dropping orphan attempts") != 0) {
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    st = s->st[ST_PENDING_LOAD];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows = xgrow(rows, &cap, len + 1, EVENTS_FIRST_CAP, sizeof(*rows));
        store_read_pending(st, &rows[len++]);
    }
    if (rc != SQLITE_DONE) {
        ms_store_log_failure(s, "reading pending attempts");
        goto out;
    }
    *out = rows;
    *n = len;
    rows = NULL;
    ret = 0;
out:
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    ms_store_pending_free(rows, len);
    return ret;
}

void ms_store_pending_free(struct ms_pending_row *rows, size_t n)
{
    if (rows == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(rows[i].body);
    }
    free(rows);
}

int ms_store_meta_bump(struct ms_store *s, const char *key, uint64_t *value)
{
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&s->lock);
    st = s->st[ST_META_BUMP];
    ms_store_bind_text(st, 1, key);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(st, 0);
        *value = v > 0 ? (uint64_t)v : 0;
        ret = 0;
    } else {
        ms_store_log_failure(s, "bumping a counter");
    }
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    return ret;
}
