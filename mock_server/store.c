/* The mock's store over SQLite: opening, migrations, webhooks. The call
 * log is in store_calls.c, the engine's events in store_events.c, the lock
 * and the integrity check of a file in store_guard.c; they share
 * store_priv.h and are the only files of the kit that include sqlite3.h.
 *
 * Thread model: one connection guarded by one mutex, not a connection per
 * thread. The default database is ":memory:", and every connection to
 * ":memory:" opens its own private database, so per-thread connections
 * would not even see the same data (shared-cache mode would, at the price of
 * table-level locks and SQLITE_LOCKED retries). SQLite also serialises
 * writers on a file anyway. The hot read path (GET /api/webhooks) does not
 * come here at all: it is served from ms_cache's serialised snapshot, so the
 * mutex is taken only by writes, call-log queries and the delivery engine's
 * batched inserts, each a short critical section over prepared statements.
 *
 * Statements are prepared once when the store opens; call-log queries, whose
 * WHERE clause depends on which filters are set, are prepared on first use
 * per combination of filters (at most 2 x 64) and kept, so every filter can
 * use an index instead of an "(? IS NULL OR col = ?)" scan. */
#include "mock_server/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/store_priv.h"

#define STORE_BUSY_TIMEOUT_MS 5000

/* Migrations, in order: entry i brings the schema from version i to i + 1.
 * Never edit a released entry; append a new one. */
static const char *const store_migrations[] = {
    /* 1: webhooks and the call log. */
    "CREATE TABLE webhooks ("
    "  id TEXT PRIMARY KEY,"
    "  topic TEXT NOT NULL,"
    "  url TEXT NOT NULL,"
    "  secret TEXT NOT NULL,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  deleted_at INTEGER"
    ");"
    "CREATE TABLE calls ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  webhook_id TEXT NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  topic TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  url TEXT,"
    "  request_headers TEXT,"
    "  request_body TEXT,"
    "  response_status INTEGER,"
    "  response_headers TEXT,"
    "  response_body TEXT,"
    "  duration_ms INTEGER,"
    "  error TEXT,"
    "  outcome TEXT NOT NULL,"
    "  scheduled_at INTEGER,"
    "  sent_at INTEGER,"
    "  next_attempt_at INTEGER,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX calls_by_webhook ON calls (webhook_id, seq);"
    "CREATE INDEX calls_by_event ON calls (event_id, seq);"
    "CREATE INDEX calls_by_topic ON calls (topic, seq);"
    "CREATE INDEX calls_by_outcome ON calls (outcome, seq);"
    "CREATE INDEX calls_by_created ON calls (created_at);",
    /* 2: the delivery engine's durable state. events: every triggered
     * event's body, so a pending attempt can be resent after a restart;
     * pending: one row per attempt chain (webhook x event copy) not yet
     * finished, with the next attempt's number and due time; meta: small
     * counters (the number of times the store was opened by the engine). */
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  topic TEXT NOT NULL,"
    "  profile TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE pending ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  webhook_id TEXT NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  due_at INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX pending_by_event ON pending (event_id);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    /* 3: since/until search by time without an index of their own (one
     * B-tree fewer on every call record written). */
    "DROP INDEX calls_by_created;",
    /* 4: the engine's records keep the request headers as the two values
     * the record's other fields do not give (request_headers is NULL for
     * them; mock_server/wire.c rebuilds the object). */
    ("ALTER TABLE calls ADD COLUMN request_timestamp TEXT;"
     "ALTER TABLE calls ADD COLUMN request_signature TEXT;"),
    /* 5: the signing scheme of each attempt (core/scheme); NULL reads as
     * vambe, the only scheme before. */
    "ALTER TABLE calls ADD COLUMN scheme TEXT;",
    /* 6: the call log's byte budget. bytes: what a record counts for (its
     * text plus MS_CALL_RECORD_OVERHEAD, computed here for the records
     * already there); the two sizes: how long each body was before the
     * record kept the first part of it (NULL: kept whole). */
    ("ALTER TABLE calls ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE calls ADD COLUMN request_body_size INTEGER;"
     "ALTER TABLE calls ADD COLUMN response_body_size INTEGER;"
     "UPDATE calls SET bytes = 512 + COALESCE(length(CAST(url AS BLOB)), 0)"
     " + COALESCE(length(CAST(request_headers AS BLOB)), 0)"
     " + COALESCE(length(CAST(request_body AS BLOB)), 0)"
     " + COALESCE(length(CAST(response_headers AS BLOB)), 0)"
     " + COALESCE(length(CAST(response_body AS BLOB)), 0)"
     " + COALESCE(length(CAST(error AS BLOB)), 0);"),
    /* 7: settings that outlive the process as text: the delivery policy
     * changed through PUT /mock/config (key "policy"), and the webhooks'
     * auto-disable streaks (key "streaks"), each a JSON object. */
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
};

_Static_assert(MS_CALL_RECORD_OVERHEAD == 512, "migration 6 counts 512 per record");

#define STORE_LATEST ((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

#define WEBHOOK_COLS "id, topic, url, secret, active, created_at, updated_at, deleted_at"

static const char *const store_sql[ST_COUNT_] = {
    [ST_WEBHOOK_INSERT] = "INSERT INTO webhooks (" WEBHOOK_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_WEBHOOK_GET] = "SELECT " WEBHOOK_COLS " FROM webhooks WHERE id = ?",
    [ST_WEBHOOK_LIST] = "SELECT " WEBHOOK_COLS " FROM webhooks ORDER BY created_at, rowid",
    [ST_WEBHOOK_SAVE] = "UPDATE webhooks SET topic = ?2, url = ?3, secret = ?4, active = ?5, "
                        "created_at = ?6, updated_at = ?7, deleted_at = ?8 WHERE id = ?1",
    [ST_CALL_INSERT] = "INSERT INTO calls (id, webhook_id, event_id, topic, attempt, url, "
                       "request_headers, request_body, response_status, response_headers, "
                       "response_body, duration_ms, error, outcome, scheduled_at, sent_at, "
                       "next_attempt_at, created_at, request_timestamp, request_signature, scheme, "
                       "bytes, request_body_size, response_body_size) VALUES (?, ?, ?, ?, ?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    /* Every deletion from the call log returns the bytes it frees, so the
     * store's count of them (ms_store.call_bytes) stays exact. */
    [ST_CALL_TRIM] = "DELETE FROM calls WHERE seq <= "
                     "(SELECT seq FROM calls ORDER BY seq DESC LIMIT 1 OFFSET ?) RETURNING bytes",
    /* Retention without counting: seq grows by one per record and only the
     * oldest records are ever deleted, so MAX(seq) - keep is the newest
     * record to drop (O(log n), unlike an OFFSET scan). */
    [ST_CALL_TRIM_FAST] =
        "DELETE FROM calls WHERE seq <= (SELECT MAX(seq) FROM calls) - ? RETURNING bytes",
    /* The byte budget: the oldest records first, until enough is freed. */
    [ST_CALL_OLDEST] = "SELECT seq, bytes FROM calls ORDER BY seq",
    [ST_CALL_DROP_UPTO] = "DELETE FROM calls WHERE seq <= ? RETURNING bytes",
    [ST_CALL_BYTES] = "SELECT COALESCE(SUM(bytes), 0) FROM calls",
    [ST_CALL_GET] = "SELECT " CALL_COLS " FROM calls WHERE id = ?",
    [ST_EVENT_INSERT] = "INSERT OR IGNORE INTO events (id, topic, profile, body, created_at) "
                        "VALUES (?, ?, ?, ?, ?)",
    /* Events still referenced by a pending attempt are kept. */
    [ST_EVENT_TRIM] = "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?1 "
                      "AND id NOT IN (SELECT event_id FROM pending)",
    [ST_PENDING_INSERT] = "INSERT INTO pending (webhook_id, event_id, attempt, due_at, kind) "
                          "VALUES (?, ?, ?, ?, ?)",
    [ST_PENDING_UPDATE] = "UPDATE pending SET attempt = ?2, due_at = ?3 WHERE id = ?1",
    [ST_PENDING_DELETE] = "DELETE FROM pending WHERE id = ?",
    [ST_PENDING_ORPHANS] = "DELETE FROM pending WHERE event_id NOT IN (SELECT id FROM events)",
    [ST_PENDING_LOAD] = "SELECT p.id, p.webhook_id, p.event_id, p.attempt, p.due_at, p.kind, "
                        "e.topic, e.body FROM pending p JOIN events e ON e.id = p.event_id "
                        "ORDER BY p.due_at, p.id",
    [ST_META_BUMP] = "INSERT INTO meta (key, value) VALUES (?1, 1) "
                     "ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value",
    [ST_SETTING_GET] = "SELECT value FROM settings WHERE key = ?",
    [ST_SETTING_PUT] = "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

/* ---- helpers ------------------------------------------------------------ */

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
static void store_rollback(struct ms_store *s)
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
    store_rollback(s);
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

static int store_exec(struct ms_store *s, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, "%s", msg != NULL ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* ---- opening and migrations --------------------------------------------- */

static int store_read_version(struct ms_store *s, int *version, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int ret = -1;

    if (store_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", e) !=
        0) {
        goto out;
    }
    if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &st, NULL) !=
        SQLITE_OK) {
        err_set(e, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        err_set(e, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    *version = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 0);
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

/* Refuses a database holding tables the mock did not make: one without
 * schema_version but with a table of its own would otherwise get
 * schema_version added, then fail migration 1 on, say, its webhooks table.
 * Runs before anything is written (journal mode included), so the file is
 * left as it was. An empty file, or one with schema_version, passes. */
static int store_check_ours(struct ms_store *s, struct err *e)
{
    sqlite3_stmt *st = NULL;
    const char *name;
    int ret = -1;
    int rc;

    /* schema_version sorts first when it is there. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                           "'sqlite\\_%' ESCAPE '\\' ORDER BY name <> 'schema_version', name "
                           "LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        err_set(e, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    rc = sqlite3_step(st);
    name = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (rc != SQLITE_DONE && name == NULL) {
        err_set(e, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    if (name != NULL && strcmp(name, "schema_version") != 0) {
        err_set(e,
                "not a vambe-mock database: it holds a table '%s' the mock did not create "
                "(no schema_version table)",
                name);
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

/* Ends a failed migration's transaction. Not store_rollback: the fixed
 * statements are prepared only after the migrations (they name the
 * migrated tables), so s->st[] is still empty here. A failed COMMIT may
 * already have ended the transaction. */
static void store_migrate_abort(struct ms_store *s)
{
    struct err ignored = {{0}};

    if (!sqlite3_get_autocommit(s->db) && store_exec(s, "ROLLBACK", &ignored) != 0) {
        log_error("store: rolling back a failed migration: %s", ignored.msg);
    }
}

/* Applies every migration the database lacks, each in its own transaction
 * together with the version bump, so a crash leaves a consistent version. */
static int store_migrate(struct ms_store *s, struct err *e)
{
    int version = 0;

    if (store_read_version(s, &version, e) != 0) {
        return -1;
    }
    if (version > STORE_LATEST) {
        return err_set(e,
                       "the database is at schema version %d, newer than this program "
                       "knows (%d)",
                       version, STORE_LATEST);
    }
    while (version < STORE_LATEST) {
        char bump[96];
        snprintf(bump, sizeof(bump),
                 "DELETE FROM schema_version; INSERT INTO schema_version "
                 "VALUES (%d);",
                 version + 1);
        if (store_exec(s, "BEGIN IMMEDIATE", e) != 0) {
            return -1;
        }
        if (store_exec(s, store_migrations[version], e) != 0 || store_exec(s, bump, e) != 0 ||
            store_exec(s, "COMMIT", e) != 0) {
            err_prefix(e, "migration to schema version %d", version + 1);
            s->open_rc = sqlite3_extended_errcode(s->db);
            store_migrate_abort(s);
            return -1;
        }
        version++;
        log_debug("store: schema migrated to version %d", version);
    }
    s->version = version;
    return 0;
}

static bool store_is_memory(const char *path)
{
    return path == NULL || path[0] == '\0' || strcmp(path, ":memory:") == 0;
}

/* Once per process, before SQLite starts: no allocation statistics (they
 * take a global mutex on every allocation; nothing here reads them). */
static void store_configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Fills e after a failed step of ms_store_open: a file SQLite finds damaged
 * or not a database gets the message that says so and what to do (its raw
 * "database disk image is malformed" does neither); any other error is
 * prefixed with the file's name. */
static void store_open_failed(struct ms_store *s, const char *where, struct err *e)
{
    int rc = s->open_rc != 0 ? s->open_rc : sqlite3_extended_errcode(s->db);

    if (s->durable && ms_store_rc_damaged(rc)) {
        ms_store_damaged(where, rc, sqlite3_errstr(rc), e);
        return;
    }
    err_prefix(e, "database %s", where);
}

/* The checks of a file before anything is written to it (the lock is
 * already held): not damaged, and the mock's; then the WAL journal. */
static int store_open_file(struct ms_store *s, const char *where, struct err *e)
{
    if (ms_store_quick_check(s, where, e) != 0) {
        return -1;
    }
    if (store_check_ours(s, e) != 0) {
        store_open_failed(s, where, e);
        return -1;
    }
    /* WAL: readers never block the writer; NORMAL sync is durable across a
     * process crash, which is what a mock needs. */
    if (store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", e) != 0) {
        store_open_failed(s, where, e);
        return -1;
    }
    return 0;
}

struct ms_store *ms_store_open(const char *path, struct err *e)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    struct ms_store *s = xcalloc(1, sizeof(*s));
    const char *where = store_is_memory(path) ? ":memory:" : path;
    bool ok = false;

    pthread_once(&configured, store_configure);
    pthread_mutex_init(&s->lock, NULL);
    s->durable = !store_is_memory(path);
    s->lock_fd = -1;
    /* One mock per file, decided before SQLite reads a byte of it. */
    if (s->durable && (s->lock_fd = ms_store_lock(path, e)) < 0) {
        goto out;
    }
    /* NOMUTEX: the store's own mutex already serialises every use. */
    if (sqlite3_open_v2(where, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        err_set(e, "cannot open database %s: %s", where,
                s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    /* In memory every page stays in the page cache: 16 KiB pages hold
     * about 14 call records each (4 KiB pages, 3), so less of each page is
     * left over, and the writer splits pages a quarter as often. Set
     * before the first table; a file keeps the page size it was made
     * with. */
    if (!s->durable && store_exec(s, "PRAGMA page_size = 16384", e) != 0) {
        err_prefix(e, "database %s", where);
        goto out;
    }
    if (s->durable && store_open_file(s, where, e) != 0) {
        goto out;
    }
    if (store_migrate(s, e) != 0) {
        store_open_failed(s, where, e);
        goto out;
    }
    /* In memory nothing survives a crash, so a rollback journal (a copy of
     * every page before a transaction first changes it) only serves a
     * ROLLBACK: without it the call log's writer does a third less work.
     * A failed batch then keeps its statements that succeeded (see
     * store_rollback); each statement is still all or nothing. */
    if (!s->durable && store_exec(s, "PRAGMA journal_mode = OFF", e) != 0) {
        err_prefix(e, "database %s", where);
        goto out;
    }
    for (int i = 0; i < ST_COUNT_; i++) {
        if (sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            err_set(e, "preparing statement %d: %s", i, sqlite3_errmsg(s->db));
            store_open_failed(s, where, e);
            goto out;
        }
    }
    ms_store_calls_recount_locked(s);
    ok = true;
out:
    if (!ok) {
        ms_store_close(s);
        return NULL;
    }
    return s;
}

void ms_store_close(struct ms_store *s)
{
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < ST_COUNT_; i++) {
        sqlite3_finalize(s->st[i]);
    }
    for (unsigned i = 0; i < STORE_N_MASKS; i++) {
        sqlite3_finalize(s->page_st[i]);
        sqlite3_finalize(s->count_st[i]);
    }
    if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK) {
        log_error("store: closing the database: %s", sqlite3_errmsg(s->db));
    }
    /* Only once the database is closed (its WAL checkpointed) may the
     * next mock take the file. */
    ms_store_unlock(s->lock_fd);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int ms_store_schema_version(struct ms_store *s)
{
    return s->version;
}

int ms_store_schema_latest(void)
{
    return STORE_LATEST;
}

/* ---- webhooks ----------------------------------------------------------- */

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

bool ms_store_durable(const struct ms_store *s)
{
    return s->durable; /* set at open, never changed */
}

int ms_store_reset(struct ms_store *s)
{
    struct err e = {{0}};
    int ret;

    pthread_mutex_lock(&s->lock);
    ret = store_exec(s,
                     "BEGIN IMMEDIATE; DELETE FROM webhooks; DELETE FROM calls; "
                     "DELETE FROM pending; DELETE FROM events; COMMIT",
                     &e);
    if (ret != 0) {
        log_error("store: reset: %s", e.msg);
        store_rollback(s);
    }
    ms_store_calls_recount_locked(s);
    pthread_mutex_unlock(&s->lock);
    return ret;
}
