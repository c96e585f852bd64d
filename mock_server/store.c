/* The mock's store over SQLite: opening and migrations. Webhooks and
 * settings are in store_webhooks.c, the call log in store_calls.c, the
 * engine's events in store_events.c, the lock and the integrity check of a
 * file in store_guard.c; they share store_priv.h and are the only files of
 * the kit that include sqlite3.h.
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
    [ST_CALL_AFTER] = "SELECT " CALL_COLS " FROM calls WHERE seq > ? ORDER BY seq LIMIT ?",
    [ST_CALL_LAST] = "SELECT COALESCE(MAX(seq), 0) FROM calls",
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

/* Ends a failed migration's transaction. Not ms_store_rollback: the fixed
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
     * ms_store_rollback); each statement is still all or nothing. */
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
        ms_store_rollback(s);
    }
    ms_store_calls_recount_locked(s);
    pthread_mutex_unlock(&s->lock);
    return ret;
}
