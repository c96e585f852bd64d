/* Private to the store's files (store.c, store_calls.c, store_events.c,
 * store_follow.c, store_guard.c): the store's
 * state and the helpers they share. Nothing outside mock_server/store*.c
 * includes this header. */
#ifndef MOCK_SERVER_STORE_PRIV_H
#define MOCK_SERVER_STORE_PRIV_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mock_server/store.h"

#define STORE_N_FILTERS 6
#define STORE_N_MASKS   (1u << STORE_N_FILTERS)

/* The fixed statements, prepared at open. */
enum store_stmt {
    ST_WEBHOOK_INSERT,
    ST_WEBHOOK_GET,
    ST_WEBHOOK_LIST,
    ST_WEBHOOK_SAVE,
    ST_CALL_INSERT,
    ST_CALL_TRIM,
    ST_CALL_TRIM_FAST,
    ST_CALL_GET,
    ST_CALL_AFTER,
    ST_CALL_LAST,
    ST_CALL_OLDEST,
    ST_CALL_DROP_UPTO,
    ST_CALL_BYTES,
    ST_EVENT_INSERT,
    ST_EVENT_TRIM,
    ST_PENDING_INSERT,
    ST_PENDING_UPDATE,
    ST_PENDING_DELETE,
    ST_PENDING_ORPHANS,
    ST_PENDING_LOAD,
    ST_META_BUMP,
    ST_SETTING_GET,
    ST_SETTING_PUT,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT_
};

struct ms_store {
    pthread_mutex_t lock;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT_];
    sqlite3_stmt *page_st[STORE_N_MASKS];  /* prepared on first use */
    sqlite3_stmt *count_st[STORE_N_MASKS]; /* prepared on first use */
    int version;
    bool durable; /* a file: events and pending chains are kept (see store.h) */
    int lock_fd;  /* a file: the flock'ed FILE.lock (store_guard.c); -1 in memory */
    /* What the call log counts for in its byte budget: the sum of its
     * records' bytes column, kept by every insert and deletion
     * (store_calls.c) and counted again after a failed one. */
    uint64_t call_bytes;
    /* While opening: the SQLite code a failed migration ended with, kept
     * because the ROLLBACK after it resets the connection's error. */
    int open_rc;
};

/* The columns of a call record, in the order store_calls.c reads them. */
#define CALL_COLS                                                                                  \
    "seq, id, webhook_id, event_id, topic, attempt, url, request_headers, request_body, "          \
    "response_status, response_headers, response_body, duration_ms, error, outcome, "              \
    "scheduled_at, sent_at, next_attempt_at, created_at, request_timestamp, request_signature, "   \
    "scheme, request_body_size, response_body_size"

/* Rolls back the open transaction, logging a failure (store_sql.c). */
void ms_store_rollback(struct ms_store *s);
/* Logs the connection's last error with what was being done. */
void ms_store_log_failure(struct ms_store *s, const char *what);
/* Binds a text or NULL, not copied: every statement is stepped and reset
 * (ms_store_done) while the caller's value is alive. */
int ms_store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Binds a time in milliseconds; 0 becomes NULL. */
int ms_store_bind_time(sqlite3_stmt *st, int i, uint64_t ms);
/* Reads a time column; NULL gives 0. */
uint64_t ms_store_col_time(sqlite3_stmt *st, int i);
/* Copies a text column into out (truncated to out_size; NULL gives ""). */
void ms_store_col_copy(sqlite3_stmt *st, int i, char *out, size_t out_size);
/* A malloc'd copy of a text column the caller frees; NULL for SQL NULL. */
char *ms_store_col_dup(sqlite3_stmt *st, int i);
/* Like ms_store_col_dup, but the whole value, NUL bytes included: its
 * length goes to *len (0 for SQL NULL); the copy is NUL-terminated. */
char *ms_store_col_bytes(sqlite3_stmt *st, int i, size_t *len);
/* Resets a statement and clears its bindings for the next use. */
void ms_store_done(sqlite3_stmt *st);
/* Runs a statement that returns no rows, then resets it. 0 or -1 (logged). */
int ms_store_step_done(struct ms_store *s, sqlite3_stmt *st, const char *what);
/* A transaction (BEGIN IMMEDIATE) around a batch, for callers holding the
 * lock: tx_begin
 * fills e when BEGIN fails; tx_end commits when ok (filling e, naming
 * what, when COMMIT fails) and rolls back otherwise. tx_end returns 0 only
 * when the batch was committed. */
int ms_store_tx_begin(struct ms_store *s, struct err *e);
int ms_store_tx_end(struct ms_store *s, bool ok, const char *what, struct err *e);
/* Runs a trim statement whose one parameter is how many rows to keep
 * (clamped to SQLite's integer range); fills e naming what on failure. */
int ms_store_trim_locked(struct ms_store *s, sqlite3_stmt *st, uint64_t keep, const char *what,
                         struct err *e);

/* Saves n webhook rows as they are (ms_store_flush); fills e on failure.
 * The caller holds the lock. (store_webhooks.c) */
int ms_store_webhooks_save_locked(struct ms_store *s, const struct ms_webhook *w, size_t n,
                                  struct err *e);

/* Sets call_bytes from the table (after open, reset or a failed batch);
 * the caller holds the lock. On failure call_bytes stays as it was. */
void ms_store_calls_recount_locked(struct ms_store *s);

/* ---- store_guard.c: the checks of a file before the store trusts it ---- */

/* Takes the lock of the database file path for this process: creates
 * path.lock beside it if needed, flock()s it (exclusive, without waiting)
 * and writes our PID in it. Returns the descriptor, held until
 * ms_store_unlock, or -1 with e set: "database FILE is in use by PID N
 * (another vambe-mock); stop it or give another --db" when another open
 * file holds the lock (another process, or another store of this one). */
int ms_store_lock(const char *path, struct err *e);
/* Releases the lock taken by ms_store_lock (-1 ok); the file stays. */
void ms_store_unlock(int fd);
/* Runs PRAGMA quick_check on the open database; 0 when it says "ok", or
 * -1 with e set ("database FILE is damaged (PRAGMA quick_check: ...); ..."
 * or the message of ms_store_damaged). where names the file. */
int ms_store_quick_check(struct ms_store *s, const char *where, struct err *e);
/* Whether a SQLite result code (extended or not) says the file is not a
 * database or is damaged: SQLITE_NOTADB, SQLITE_CORRUPT. */
bool ms_store_rc_damaged(int rc);
/* Sets e to the message for such a code, naming the file (where), what
 * SQLite said (detail) and what to do. Returns -1. */
int ms_store_damaged(const char *where, int rc, const char *detail, struct err *e);

/* Fills c from a row of CALL_COLS (store_calls.c). */
void ms_store_read_call(sqlite3_stmt *st, struct ms_call *c);

#endif
