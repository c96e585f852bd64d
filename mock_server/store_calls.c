/* The store's call log: one record per delivery attempt, inserted in
 * batches (with the pending-attempt changes they settle, ms_store_flush), queried newest first with
 * optional filters and pagination. Shares the connection and its mutex with store.c (see there for
 * the thread model). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/store_priv.h"

/* The call-log filters, in the bit order of a filter mask. */
static const char *const store_calls_filter_sql[STORE_N_FILTERS] = {
    "webhook_id = ?", "topic = ?",       "event_id = ?",
    "outcome = ?",    "created_at >= ?", "created_at < ?",
};

static size_t store_len(const char *s)
{
    return s != NULL ? strlen(s) : 0;
}

/* How much of a request body of len bytes a record keeps: at most
 * MS_CALL_REQUEST_BODY_KEEP, never ending inside a UTF-8 character. */
static size_t store_request_body_keep(const char *body, size_t len)
{
    size_t keep = len;

    if (len <= MS_CALL_REQUEST_BODY_KEEP) {
        return len;
    }
    keep = MS_CALL_REQUEST_BODY_KEEP;
    while (keep > 0 && ((unsigned char)body[keep] & 0xC0) == 0x80) {
        keep--;
    }
    return keep;
}

/* Binds a record; returns what it counts for in the byte budget. */
static uint64_t store_bind_call(sqlite3_stmt *st, const struct ms_call *c, uint64_t now_ms)
{
    size_t req_len = store_len(c->request_body);
    size_t req_keep = store_request_body_keep(c->request_body, req_len);
    size_t req_size = c->request_body_size > req_len ? c->request_body_size : req_len;
    size_t resp_len = c->response_body != NULL && c->response_body_len == 0
                          ? strlen(c->response_body)
                          : c->response_body_len;
    size_t resp_size = c->response_body_size > resp_len ? c->response_body_size : resp_len;
    uint64_t bytes = MS_CALL_RECORD_OVERHEAD + store_len(c->url) + store_len(c->request_headers) +
                     req_keep + store_len(c->response_headers) + resp_len + store_len(c->error);

    ms_store_bind_text(st, 1, c->id);
    ms_store_bind_text(st, 2, c->webhook_id);
    ms_store_bind_text(st, 3, c->event_id);
    ms_store_bind_text(st, 4, c->topic);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)c->attempt);
    ms_store_bind_text(st, 6, c->url);
    ms_store_bind_text(st, 7, c->request_headers);
    if (c->request_body != NULL) {
        sqlite3_bind_text64(st, 8, c->request_body, req_keep, SQLITE_STATIC, SQLITE_UTF8);
    } else {
        sqlite3_bind_null(st, 8);
    }
    if (c->response_status > 0) {
        sqlite3_bind_int(st, 9, c->response_status);
    } else {
        sqlite3_bind_null(st, 9);
    }
    ms_store_bind_text(st, 10, c->response_headers);
    /* With its length: a receiver's answer may hold NUL bytes. */
    if (c->response_body != NULL) {
        sqlite3_bind_text64(st, 11, c->response_body, resp_len, SQLITE_STATIC, SQLITE_UTF8);
    } else {
        sqlite3_bind_null(st, 11);
    }
    if (c->duration_ms >= 0) {
        sqlite3_bind_int64(st, 12, (sqlite3_int64)c->duration_ms);
    } else {
        sqlite3_bind_null(st, 12);
    }
    ms_store_bind_text(st, 13, c->error);
    ms_store_bind_text(st, 14, ms_outcome_name(c->outcome));
    ms_store_bind_time(st, 15, c->scheduled_ms);
    ms_store_bind_time(st, 16, c->sent_ms);
    ms_store_bind_time(st, 17, c->next_attempt_ms);
    sqlite3_bind_int64(st, 18, (sqlite3_int64)(c->created_ms != 0 ? c->created_ms : now_ms));
    ms_store_bind_text(st, 19, c->request_timestamp[0] != '\0' ? c->request_timestamp : NULL);
    ms_store_bind_text(st, 20, c->request_signature[0] != '\0' ? c->request_signature : NULL);
    ms_store_bind_text(st, 21, c->scheme[0] != '\0' ? c->scheme : NULL);
    sqlite3_bind_int64(st, 22, (sqlite3_int64)bytes);
    if (req_keep < req_size) {
        sqlite3_bind_int64(st, 23, (sqlite3_int64)req_size);
    } else {
        sqlite3_bind_null(st, 23);
    }
    if (resp_len < resp_size) {
        sqlite3_bind_int64(st, 24, (sqlite3_int64)resp_size);
    } else {
        sqlite3_bind_null(st, 24);
    }
    return bytes;
}

/* Inserts n records; the caller holds the lock and a transaction. */
static int store_insert_calls_locked(struct ms_store *s, const struct ms_call *calls, size_t n,
                                     struct err *e)
{
    uint64_t now_ms = clock_wall_ms();
    sqlite3_stmt *st = s->st[ST_CALL_INSERT];

    for (size_t i = 0; i < n; i++) {
        int rc;

        uint64_t bytes = store_bind_call(st, &calls[i], now_ms);

        rc = sqlite3_step(st);
        ms_store_done(st);
        if (rc != SQLITE_DONE) {
            return err_set(e, "store: inserting call %zu (%s): %s", i, calls[i].id,
                           sqlite3_errmsg(s->db));
        }
        s->call_bytes += bytes;
    }
    return 0;
}

/* Steps a deletion from the call log (a statement RETURNING bytes, its
 * one parameter bound to v), taking what it frees off call_bytes; the
 * caller holds the lock. Sets *dropped (may be NULL) to the rows deleted.
 * 0, or -1 with e set naming what. */
static int store_calls_delete_locked(struct ms_store *s, sqlite3_stmt *st, int64_t v,
                                     uint64_t *dropped, const char *what, struct err *e)
{
    uint64_t n = 0;
    int rc;

    sqlite3_bind_int64(st, 1, v);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 b = sqlite3_column_int64(st, 0);
        uint64_t freed = b > 0 ? (uint64_t)b : 0;

        s->call_bytes = s->call_bytes > freed ? s->call_bytes - freed : 0;
        n++;
    }
    ms_store_done(st);
    if (dropped != NULL) {
        *dropped = n;
    }
    if (rc != SQLITE_DONE) {
        return err_set(e, "store: %s: %s", what, sqlite3_errmsg(s->db));
    }
    return 0;
}

/* Keeps the newest records that fit keep (see struct ms_call_keep); the
 * caller holds the lock and a transaction. */
static int store_calls_keep_locked(struct ms_store *s, const struct ms_call_keep *keep,
                                   struct err *e)
{
    sqlite3_stmt *st = s->st[ST_CALL_OLDEST];
    uint64_t target;
    uint64_t bytes;
    int64_t upto = -1;
    int rc = SQLITE_ROW;

    if (keep->calls > 0 &&
        store_calls_delete_locked(s, s->st[ST_CALL_TRIM_FAST],
                                  keep->calls > INT64_MAX ? INT64_MAX : (int64_t)keep->calls, NULL,
                                  "trimming the call log", e) != 0) {
        return -1;
    }
    if (keep->bytes == 0 || s->call_bytes <= keep->bytes) {
        return 0;
    }
    target = keep->bytes - keep->bytes / 16;
    bytes = s->call_bytes;
    while (bytes > target && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 b = sqlite3_column_int64(st, 1);

        upto = sqlite3_column_int64(st, 0);
        bytes -= b > 0 && (uint64_t)b < bytes ? (uint64_t)b : bytes;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err_set(e, "store: reading the call log's sizes: %s", sqlite3_errmsg(s->db));
        ms_store_done(st);
        return -1;
    }
    ms_store_done(st);
    if (upto < 0) {
        return 0;
    }
    return store_calls_delete_locked(s, s->st[ST_CALL_DROP_UPTO], upto, NULL,
                                     "trimming the call log to its byte budget", e);
}

void ms_store_calls_recount_locked(struct ms_store *s)
{
    sqlite3_stmt *st = s->st[ST_CALL_BYTES];

    if (st == NULL) {
        return;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(st, 0);

        s->call_bytes = v > 0 ? (uint64_t)v : 0;
    } else {
        ms_store_log_failure(s, "counting the call log's bytes");
    }
    ms_store_done(st);
}

uint64_t ms_store_calls_bytes(struct ms_store *s)
{
    uint64_t v;

    pthread_mutex_lock(&s->lock);
    v = s->call_bytes;
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* One transaction for the whole batch: SQLite's cost is the commit (a sync
 * on a file database), so n records cost about what one does. */
int ms_store_calls_insert(struct ms_store *s, const struct ms_call *calls, size_t n, struct err *e)
{
    int ret = -1;

    if (n == 0) {
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    if (ms_store_tx_begin(s, e) == 0) {
        bool ok = store_insert_calls_locked(s, calls, n, e) == 0;
        ret = ms_store_tx_end(s, ok, "the call log", e);
        if (ret != 0) {
            ms_store_calls_recount_locked(s);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* Writes a setting; the caller holds the lock and a transaction. */
static int store_setting_locked(struct ms_store *s, const struct ms_store_setting *setting,
                                struct err *e)
{
    sqlite3_stmt *st = s->st[ST_SETTING_PUT];
    int rc;

    ms_store_bind_text(st, 1, setting->key);
    ms_store_bind_text(st, 2, setting->value);
    rc = sqlite3_step(st);
    ms_store_done(st);
    if (rc != SQLITE_DONE) {
        return err_set(e, "store: writing the setting %s: %s", setting->key, sqlite3_errmsg(s->db));
    }
    return 0;
}

/* Applies pending changes; the caller holds the lock and a transaction. */
static int store_apply_ops_locked(struct ms_store *s, const struct ms_pending_op *ops, size_t n,
                                  struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = s->st[ops[i].done ? ST_PENDING_DELETE : ST_PENDING_UPDATE];
        int rc;

        sqlite3_bind_int64(st, 1, (sqlite3_int64)ops[i].id);
        if (!ops[i].done) {
            sqlite3_bind_int64(st, 2, (sqlite3_int64)ops[i].attempt);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)ops[i].due_ms);
        }
        rc = sqlite3_step(st);
        ms_store_done(st);
        if (rc != SQLITE_DONE) {
            return err_set(e, "store: updating pending attempt %lld: %s", (long long)ops[i].id,
                           sqlite3_errmsg(s->db));
        }
    }
    return 0;
}

int ms_store_flush(struct ms_store *s, const struct ms_store_batch *b, struct err *e)
{
    size_t n_ops = s->durable ? b->n_ops : 0; /* no pending chains in memory (store.h) */
    /* In memory nothing outlives the process. */
    const struct ms_store_setting *setting = s->durable ? b->setting : NULL;
    int ret = -1;

    if (b->n_calls == 0 && n_ops == 0 && setting == NULL && b->n_webhooks == 0) {
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    if (ms_store_tx_begin(s, e) == 0) {
        bool ok = store_insert_calls_locked(s, b->calls, b->n_calls, e) == 0 &&
                  store_apply_ops_locked(s, b->ops, n_ops, e) == 0 &&
                  (setting == NULL || store_setting_locked(s, setting, e) == 0) &&
                  (b->n_calls == 0 || store_calls_keep_locked(s, &b->keep, e) == 0) &&
                  ms_store_webhooks_save_locked(s, b->webhooks, b->n_webhooks, e) == 0;
        ret = ms_store_tx_end(s, ok, "a batch of calls", e);
        if (ret != 0) {
            ms_store_calls_recount_locked(s);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

static unsigned store_filter_mask(const struct ms_call_filter *f)
{
    unsigned m = 0;
    m |= f->webhook_id != NULL ? 1u << 0 : 0;
    m |= f->topic != NULL ? 1u << 1 : 0;
    m |= f->event_id != NULL ? 1u << 2 : 0;
    m |= f->outcome != NULL ? 1u << 3 : 0;
    m |= f->since_ms != 0 ? 1u << 4 : 0;
    m |= f->until_ms != 0 ? 1u << 5 : 0;
    return m;
}

/* Prepares (once) the page or count statement for a filter mask; the caller
 * holds the lock. */
static sqlite3_stmt *store_query_stmt(struct ms_store *s, unsigned mask, bool count)
{
    sqlite3_stmt **slot = count ? &s->count_st[mask] : &s->page_st[mask];
    char sql[768];
    size_t used;

    if (*slot != NULL) {
        return *slot;
    }
    used =
        (size_t)snprintf(sql, sizeof(sql), "SELECT %s FROM calls", count ? "COUNT(*)" : CALL_COLS);
    for (unsigned i = 0, k = 0; i < STORE_N_FILTERS; i++) {
        if ((mask & (1u << i)) != 0) {
            used += (size_t)snprintf(sql + used, sizeof(sql) - used, " %s %s",
                                     k++ == 0 ? "WHERE" : "AND", store_calls_filter_sql[i]);
        }
    }
    if (!count) {
        snprintf(sql + used, sizeof(sql) - used, " ORDER BY seq DESC LIMIT ? OFFSET ?");
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
        ms_store_log_failure(s, "preparing a call-log query");
        *slot = NULL;
    }
    return *slot;
}

/* Binds the set filters in mask order; returns the next parameter index. */
static int store_bind_filters(sqlite3_stmt *st, const struct ms_call_filter *f)
{
    int i = 1;
    if (f->webhook_id != NULL) {
        ms_store_bind_text(st, i++, f->webhook_id);
    }
    if (f->topic != NULL) {
        ms_store_bind_text(st, i++, f->topic);
    }
    if (f->event_id != NULL) {
        ms_store_bind_text(st, i++, f->event_id);
    }
    if (f->outcome != NULL) {
        ms_store_bind_text(st, i++, f->outcome);
    }
    if (f->since_ms != 0) {
        sqlite3_bind_int64(st, i++, (sqlite3_int64)f->since_ms);
    }
    if (f->until_ms != 0) {
        sqlite3_bind_int64(st, i++, (sqlite3_int64)f->until_ms);
    }
    return i;
}

void ms_store_read_call(sqlite3_stmt *st, struct ms_call *c)
{
    c->seq = sqlite3_column_int64(st, 0);
    ms_store_col_copy(st, 1, c->id, sizeof(c->id));
    ms_store_col_copy(st, 2, c->webhook_id, sizeof(c->webhook_id));
    ms_store_col_copy(st, 3, c->event_id, sizeof(c->event_id));
    ms_store_col_copy(st, 4, c->topic, sizeof(c->topic));
    c->attempt = (unsigned)sqlite3_column_int(st, 5);
    c->url = ms_store_col_dup(st, 6);
    c->request_headers = ms_store_col_dup(st, 7);
    c->request_body = ms_store_col_dup(st, 8);
    c->response_status = sqlite3_column_type(st, 9) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 9);
    c->response_headers = ms_store_col_dup(st, 10);
    c->response_body = ms_store_col_bytes(st, 11, &c->response_body_len);
    c->duration_ms = sqlite3_column_type(st, 12) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 12);
    c->error = ms_store_col_dup(st, 13);
    c->outcome = ms_outcome_parse((const char *)sqlite3_column_text(st, 14));
    c->scheduled_ms = ms_store_col_time(st, 15);
    c->sent_ms = ms_store_col_time(st, 16);
    c->next_attempt_ms = ms_store_col_time(st, 17);
    c->created_ms = ms_store_col_time(st, 18);
    ms_store_col_copy(st, 19, c->request_timestamp, sizeof(c->request_timestamp));
    ms_store_col_copy(st, 20, c->request_signature, sizeof(c->request_signature));
    ms_store_col_copy(st, 21, c->scheme, sizeof(c->scheme));
    c->request_body_size = sqlite3_column_type(st, 22) == SQLITE_NULL
                               ? store_len(c->request_body)
                               : (size_t)sqlite3_column_int64(st, 22);
    c->response_body_size = sqlite3_column_type(st, 23) == SQLITE_NULL
                                ? c->response_body_len
                                : (size_t)sqlite3_column_int64(st, 23);
}

static int store_count_locked(struct ms_store *s, const struct ms_call_filter *f, unsigned mask,
                              uint64_t *total)
{
    sqlite3_stmt *st = store_query_stmt(s, mask, true);
    int ret = -1;

    if (st == NULL) {
        return -1;
    }
    store_bind_filters(st, f);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(st, 0);
        *total = v > 0 ? (uint64_t)v : 0;
        ret = 0;
    } else {
        ms_store_log_failure(s, "counting calls");
    }
    ms_store_done(st);
    return ret;
}

int ms_store_calls_query(struct ms_store *s, const struct ms_call_filter *f, struct ms_call **out,
                         size_t *n, uint64_t *total)
{
    unsigned mask = store_filter_mask(f);
    unsigned limit = f->limit > MS_CALLS_LIMIT_MAX ? MS_CALLS_LIMIT_MAX : f->limit;
    uint64_t page = f->page > 0 ? f->page : 1;
    struct ms_call *arr = NULL;
    size_t len = 0;
    sqlite3_stmt *st = NULL;
    int ret = -1;
    int rc = SQLITE_DONE;
    int i;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    if (store_count_locked(s, f, mask, total) != 0) {
        goto out;
    }
    if (limit == 0 || (page - 1) * limit >= *total) {
        ret = 0; /* nothing on this page */
        goto out;
    }
    st = store_query_stmt(s, mask, false);
    if (st == NULL) {
        goto out;
    }
    i = store_bind_filters(st, f);
    sqlite3_bind_int64(st, i, (sqlite3_int64)limit);
    sqlite3_bind_int64(st, i + 1, (sqlite3_int64)(page - 1) * (sqlite3_int64)limit);
    arr = xcalloc(limit, sizeof(*arr));
    while (len < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ms_store_read_call(st, &arr[len++]);
    }
    if (len < limit && rc != SQLITE_DONE) {
        ms_store_log_failure(s, "reading calls");
        goto out;
    }
    *out = arr;
    *n = len;
    arr = NULL;
    ret = 0;
out:
    if (st != NULL) {
        ms_store_done(st);
    }
    pthread_mutex_unlock(&s->lock);
    ms_store_calls_free(arr, len);
    return ret;
}

enum ms_store_status ms_store_call_get(struct ms_store *s, const char *id, struct ms_call **out)
{
    enum ms_store_status ret = MS_STORE_NOT_FOUND;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&s->lock);
    st = s->st[ST_CALL_GET];
    ms_store_bind_text(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = xcalloc(1, sizeof(**out));
        ms_store_read_call(st, *out);
        ret = MS_STORE_OK;
    } else if (rc != SQLITE_DONE) {
        ms_store_log_failure(s, "reading a call");
        ret = MS_STORE_ERROR;
    }
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

int ms_store_calls_count(struct ms_store *s, uint64_t *total)
{
    struct ms_call_filter none;
    int ret;

    memset(&none, 0, sizeof(none));
    pthread_mutex_lock(&s->lock);
    ret = store_count_locked(s, &none, 0, total);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

int ms_store_calls_trim(struct ms_store *s, uint64_t keep, uint64_t *dropped)
{
    int ret;

    pthread_mutex_lock(&s->lock);
    ret = store_calls_delete_locked(s, s->st[ST_CALL_TRIM],
                                    keep > INT64_MAX ? INT64_MAX : (int64_t)keep, dropped,
                                    "trimming the call log", NULL);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

void ms_store_calls_free(struct ms_call *calls, size_t n)
{
    if (calls == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(calls[i].url);
        free(calls[i].request_headers);
        free(calls[i].request_body);
        free(calls[i].response_headers);
        free(calls[i].response_body);
        free(calls[i].error);
    }
    free(calls);
}
