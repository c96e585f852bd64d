/* Test support: SQLite database files (see db.h). */
#include "support/db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void test_db_path(char *out, size_t size, const char *tag)
{
    snprintf(out, size, "/tmp/vambe-%s-%d.db", tag, (int)getpid());
}

void test_db_remove(const char *path)
{
    static const char *const sides[] = {"", "-wal", "-shm", ".lock"};
    char file[512];

    for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
        snprintf(file, sizeof(file), "%s%s", path, sides[i]);
        unlink(file);
    }
}

void test_db_write_noise(const char *path, size_t n, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    uint32_t x = seed;

    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        assert_int_equal(fputc((int)(x & 0xff), f), (int)(x & 0xff));
    }
    assert_int_equal(fclose(f), 0);
}

void test_db_damage(const char *path, long offset, size_t len)
{
    FILE *f = fopen(path, "r+b");

    assert_non_null(f);
    assert_int_equal(fseek(f, offset, SEEK_SET), 0);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(fputc(0xA5, f), 0xA5);
    }
    assert_int_equal(fclose(f), 0);
}

void test_db_quick_check_line(const char *path, char *out, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *text;
    const char *nl;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    text = (const char *)sqlite3_column_text(st, 0);
    assert_non_null(text);
    assert_string_not_equal(text, "ok");
    if (strncmp(text, "*** in database main ***\n", 25) == 0) {
        text += 25;
    }
    nl = strchr(text, '\n');
    snprintf(out, size, "%.*s", nl != NULL ? (int)(nl - text) : (int)strlen(text), text);
    assert_true(strlen(out) > 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
