/* Test support: SQLite database files the tests make and remove. */
#ifndef TESTS_SUPPORT_DB_H
#define TESTS_SUPPORT_DB_H

#include <stddef.h>
#include <stdint.h>

/* A path of this test process's own: /tmp/vambe-<tag>-<pid>.db. */
void test_db_path(char *out, size_t size, const char *tag);
/* Removes the database file, its -wal and -shm sides and the mock's lock
 * file, which the mock leaves in place (mock_server/store_guard.c says
 * why); absent ones are fine. */
void test_db_remove(const char *path);

/* Writes n bytes of a fixed pseudo-random sequence (xorshift32 from seed)
 * to path: noise, which cannot start with SQLite's header. */
void test_db_write_noise(const char *path, size_t n, uint32_t seed);
/* Overwrites len bytes of path at offset with 0xA5, as a bad disk or a
 * stray writer would. */
void test_db_damage(const char *path, long offset, size_t len);
/* What the store shows of PRAGMA quick_check on path (which must not be
 * "ok"): the first line of its first row, after SQLite's "*** in database
 * main ***" line. Read rather than written out in the tests, since
 * SQLite's wording changes between versions. */
void test_db_quick_check_line(const char *path, char *out, size_t size);

#endif
