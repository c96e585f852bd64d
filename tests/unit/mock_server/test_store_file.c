/* mock_server/store and its file: a file of someone else's and a failed
 * migration left as they were, one store per file (the lock), and a
 * damaged file refused at open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "mock_server/store.h"
#include "support/db.h"
#include "support/store_fx.h"

/* Makes path a SQLite file holding only what sql creates: a database the
 * mock did not make. */
static void make_foreign_db(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    test_db_remove(path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The file's tables in name order, "a,b", and its journal mode. */
static void db_describe(const char *path, char *tables, size_t size, char *journal, size_t jsize)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t len = 0;

    tables[0] = '\0';
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        len += (size_t)snprintf(tables + len, size - len, "%s%s", len > 0 ? "," : "",
                                (const char *)sqlite3_column_text(st, 0));
        assert_true(len < size);
    }
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(journal, jsize, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A file holding tables of someone else's (here a webhooks table the mock
 * did not create) is refused with a message naming the file and why, and
 * left as it was. Before the fix the store added schema_version, switched
 * the file to WAL, failed migration 1 and crashed rolling it back (the
 * rollback statement was not prepared yet). */
static void foreign_database_is_refused(void **state)
{
    (void)state;
    char path[256];
    char want[ERR_MSG_MAX];
    char tables[256];
    char journal[32];
    struct err e = {{0}};

    test_db_path(path, sizeof(path), "store-foreign");
    make_foreign_db(path, "CREATE TABLE webhooks(url TEXT)");
    assert_null(ms_store_open(path, &e));
    snprintf(want, sizeof(want),
             "database %s: not a vambe-mock database: it holds a table 'webhooks' the mock did "
             "not create (no schema_version table)",
             path);
    assert_string_equal(e.msg, want);
    db_describe(path, tables, sizeof(tables), journal, sizeof(journal));
    assert_string_equal(tables, "webhooks");
    assert_string_equal(journal, "delete");
    test_db_remove(path);
}

/* A migration that fails midway is rolled back, and the open fails with
 * the migration's error instead of crashing: here a schema_version table
 * at version 0 beside a foreign calls table, so migration 1 creates
 * webhooks, then fails on calls. */
static void failed_migration_rolls_back(void **state)
{
    (void)state;
    char path[256];
    char want[ERR_MSG_MAX];
    char tables[256];
    char journal[32];
    struct err e = {{0}};

    test_db_path(path, sizeof(path), "store-migration");
    make_foreign_db(path, "CREATE TABLE schema_version (version INTEGER NOT NULL);"
                          "CREATE TABLE calls(x TEXT)");
    assert_null(ms_store_open(path, &e));
    snprintf(want, sizeof(want),
             "database %s: migration to schema version 1: table calls already exists", path);
    assert_string_equal(e.msg, want);
    db_describe(path, tables, sizeof(tables), journal, sizeof(journal));
    assert_string_equal(tables, "calls,schema_version"); /* webhooks rolled back */
    test_db_remove(path);
}

/* The content of a small file, NUL-terminated. */
static void file_text(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void file_replace(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* One store per file: a second open of the file is refused while the first
 * store lives, with the owner's PID, even in the same process (a flock
 * belongs to an open file description, and each open() makes a new one).
 * Before the fix both opened, and two mocks on one --db sent every pending
 * attempt twice. */
static void second_open_is_refused(void **state)
{
    (void)state;
    char path[256];
    char lock[300];
    char want[ERR_MSG_MAX];
    char pid_line[32];
    char text[64];
    struct err e = {{0}};
    struct ms_webhook w;
    struct ms_webhook got;
    struct ms_store *s;

    test_db_path(path, sizeof(path), "store-lock");
    test_db_remove(path);
    snprintf(lock, sizeof(lock), "%s.lock", path);
    snprintf(pid_line, sizeof(pid_line), "%ld\n", (long)getpid());
    s = store_fx_open(path);
    file_text(lock, text, sizeof(text));
    assert_string_equal(text, pid_line);

    /* Twice: a refused open must not release the owner's lock when it
     * closes its own descriptor. */
    snprintf(want, sizeof(want),
             "database %s is in use by PID %ld (another vambe-mock); stop it or give another "
             "--db",
             path, (long)getpid());
    for (int i = 0; i < 2; i++) {
        assert_null(ms_store_open(path, &e));
        assert_string_equal(e.msg, want);
    }
    store_fx_hook(&w, 1, 5);
    assert_int_equal(ms_store_webhook_insert(s, &w, NULL), 0);

    /* A lock file whose PID cannot be read still refuses. */
    file_replace(lock, "not a process id, and longer than one\n");
    assert_null(ms_store_open(path, &e));
    snprintf(want, sizeof(want),
             "database %s is in use by another process; stop it or give another --db", path);
    assert_string_equal(e.msg, want);

    /* Closed, the file is free; the lock file stays and its next owner
     * replaces what it held with its PID. */
    ms_store_close(s);
    assert_int_equal(access(lock, F_OK), 0);
    s = store_fx_open(path);
    file_text(lock, text, sizeof(text));
    assert_string_equal(text, pid_line);
    assert_int_equal(ms_store_webhook_get(s, w.id, &got), MS_STORE_OK);
    ms_store_close(s);
    test_db_remove(path);

    /* In memory there is nothing to share: no lock, any number at once. */
    struct ms_store *m1 = store_fx_open(NULL);
    struct ms_store *m2 = store_fx_open(":memory:");
    assert_int_equal(access(":memory:.lock", F_OK), -1);
    ms_store_close(m1);
    ms_store_close(m2);
}

/* A damaged file is refused at open, with a message that names the file,
 * says it is damaged and what to do, and the file is left as it was.
 * Before the fix the raw SQLite error came out ("database FILE: file is
 * not a database", "database FILE: database disk image is malformed"), or,
 * when the damage was in pages the open does not read, the store opened
 * and failed later. */
static void damaged_file_is_refused(void **state)
{
    (void)state;
    char path[256];
    char want[1024]; /* more than ERR_MSG_MAX: a cut message fails */
    char line[256];
    struct err e = {{0}};
    struct stat sb;
    struct ms_store *s;

    /* 4096 bytes of noise. */
    test_db_path(path, sizeof(path), "store-noise");
    test_db_remove(path);
    test_db_write_noise(path, 4096, 2463534242u);
    assert_null(ms_store_open(path, &e));
    snprintf(want, sizeof(want),
             "database %s is not a SQLite database or is damaged (file is not a database); "
             "restore it from a copy or start with a new --db",
             path);
    assert_string_equal(e.msg, want);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 4096);
    test_db_remove(path);

    /* A real store whose second page (and half of it) was overwritten. */
    test_db_path(path, sizeof(path), "store-damaged");
    test_db_remove(path);
    s = store_fx_open(path);
    for (int i = 0; i < 100; i++) {
        struct ms_webhook w;
        struct ms_call c;
        store_fx_hook(&w, i, 10 + (uint64_t)i);
        store_fx_call(&c, i, w.id, "succeeded");
        assert_int_equal(ms_store_webhook_insert(s, &w, NULL), 0);
        assert_int_equal(ms_store_calls_insert(s, &c, 1, NULL), 0);
    }
    ms_store_close(s);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > 4096 + 2048);
    test_db_damage(path, 4096, 2048);
    test_db_quick_check_line(path, line, sizeof(line));
    snprintf(want, sizeof(want),
             "database %s is damaged (PRAGMA quick_check: %s); restore it from a copy or start "
             "with a new --db",
             path, line);
    /* Twice: the failed open released its lock. */
    for (int i = 0; i < 2; i++) {
        assert_null(ms_store_open(path, &e));
        assert_string_equal(e.msg, want);
    }
    test_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(foreign_database_is_refused),
        cmocka_unit_test(failed_migration_rolls_back),
        cmocka_unit_test(second_open_is_refused),
        cmocka_unit_test(damaged_file_is_refused),
    };
    log_set_level(LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
