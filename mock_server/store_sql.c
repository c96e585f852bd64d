/* The store's SQL helpers (see store_priv.h): binding and reading
 * columns, stepping statements, transactions, trimming. Part of the
 * store. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/store.h"
#include "mock_server/store_priv.h"

void ms_store_log_failure(struct ms_store *s, const char *what)
{
    log_error("store: %s: %s", what, sqlite3_errmsg(s->db));
}

/* Binds a text or NULL. SQLITE_TRANSIENT: SQLite copies the bytes, so the
 * caller's buffers need not outlive the statement. */
int ms_store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v == NULL) {
        return sqlite3_bind_null(st, i);
    }
    return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Binds a time in milliseconds; 0 becomes NULL. */
int ms_store_bind_time(sqlite3_stmt *st, int i, uint64_t ms)
{
    if (ms == 0) {
        return sqlite3_bind_null(st, i);
    }
    return sqlite3_bind_int64(st, i, (sqlite3_int64)ms);
}

uint64_t ms_store_col_time(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        return 0;
    }
    sqlite3_int64 v = sqlite3_column_int64(st, i);
    return v > 0 ? (uint64_t)v : 0;
}

void ms_store_col_copy(sqlite3_stmt *st, int i, char *out, size_t out_size)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(out, out_size, "%s", v != NULL ? (const char *)v : "");
}

/* A malloc'd copy of a text column, NULL for SQL NULL. */
char *ms_store_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (v == NULL) {
        return NULL;
    }
    return xstrndup((const char *)v, (size_t)sqlite3_column_bytes(st, i));
}

char *ms_store_col_bytes(sqlite3_stmt *st, int i, size_t *len)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    char *copy;

    *len = 0;
    if (v == NULL) {
        return NULL;
    }
    *len = (size_t)sqlite3_column_bytes(st, i);
    copy = xmalloc(*len + 1);
    memcpy(copy, v, *len);
    copy[*len] = '\0';
    return copy;
}

void ms_store_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows. 0 or -1. */
int ms_store_step_done(struct ms_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    ms_store_done(st);
    if (rc != SQLITE_DONE) {
        ms_store_log_failure(s, what);
        return -1;
    }
    return 0;
}

static int store_begin(struct ms_store *s)
{
    return ms_store_step_done(s, s->st[ST_BEGIN], "beginning a transaction");
}

/* Not logged: the caller reports the failure (ms_store_tx_end fills its
 * error), and the call-log writer retries a failed batch, which would log
 * every try. */
static int store_commit(struct ms_store *s)
{
    int rc = sqlite3_step(s->st[ST_COMMIT]);

    sqlite3_reset(s->st[ST_COMMIT]);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Ends a failed transaction: rolled back in a file; in memory there is no
 * journal (ms_store_open), so the statements that succeeded are kept and
 * the transaction is closed. */
void ms_store_rollback(struct ms_store *s)
{
    if (sqlite3_get_autocommit(s->db)) {
        return; /* no transaction left: SQLite rolled it back itself (an I/O error, disk full) */
    }
    ms_store_step_done(s, s->st[s->durable ? ST_ROLLBACK : ST_COMMIT],
                       s->durable ? "rolling back" : "closing a failed transaction");
}

int ms_store_tx_begin(struct ms_store *s, struct err *e)
{
    if (store_begin(s) != 0) {
        return err_set(e, "store: cannot begin a transaction: %s", sqlite3_errmsg(s->db));
    }
    return 0;
}

int ms_store_tx_end(struct ms_store *s, bool ok, const char *what, struct err *e)
{
    if (ok && store_commit(s) == 0) {
        return 0;
    }
    if (ok) {
        err_set(e, "store: cannot commit %s: %s", what, sqlite3_errmsg(s->db));
    }
    ms_store_rollback(s);
    return -1;
}

int ms_store_trim_locked(struct ms_store *s, sqlite3_stmt *st, uint64_t keep, const char *what,
                         struct err *e)
{
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(keep > INT64_MAX ? INT64_MAX : keep));
    if (ms_store_step_done(s, st, what) != 0) {
        return err_set(e, "store: %s: %s", what, sqlite3_errmsg(s->db));
    }
    return 0;
}
