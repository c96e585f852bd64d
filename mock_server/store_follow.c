/* Following the call log as it grows: what the live stream reads after
 * each batch the engine writes. Records come back exactly as the call log
 * holds them (bodies cut to what is kept, created_at as stored), so the
 * stream and GET /api/webhooks/calls never disagree. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "mock_server/store.h"
#include "mock_server/store_priv.h"

int ms_store_calls_after(struct ms_store *s, int64_t after_seq, unsigned max, struct ms_call **out,
                         size_t *n)
{
    struct ms_call *arr = max > 0 ? xcalloc(max, sizeof(*arr)) : NULL;
    size_t len = 0;
    sqlite3_stmt *st;
    int rc = SQLITE_DONE;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    st = s->st[ST_CALL_AFTER];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after_seq);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    while (len < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ms_store_read_call(st, &arr[len++]);
    }
    if (len < max && rc != SQLITE_DONE) {
        ms_store_log_failure(s, "reading the newest calls");
        ms_store_done(st);
        pthread_mutex_unlock(&s->lock);
        ms_store_calls_free(arr, len);
        return -1;
    }
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    *out = arr;
    *n = len;
    return 0;
}

int ms_store_calls_last_seq(struct ms_store *s, int64_t *seq)
{
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&s->lock);
    st = s->st[ST_CALL_LAST];
    if (sqlite3_step(st) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        ret = 0;
    } else {
        ms_store_log_failure(s, "reading the newest call's number");
    }
    ms_store_done(st);
    pthread_mutex_unlock(&s->lock);
    return ret;
}
