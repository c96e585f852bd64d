/* Test support: SQLite database files the tests make and remove. */
#ifndef TESTS_SUPPORT_DB_H
#define TESTS_SUPPORT_DB_H

#include <stddef.h>

/* A path of this test process's own: /tmp/vambe-<tag>-<pid>.db. */
void test_db_path(char *out, size_t size, const char *tag);
/* Removes the database file and its -wal and -shm sides (absent ones are
 * fine). */
void test_db_remove(const char *path);

#endif
