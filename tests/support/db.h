/* Test support: SQLite database files the tests make and remove. */
#ifndef TESTS_SUPPORT_DB_H
#define TESTS_SUPPORT_DB_H

#include <stddef.h>

/* A path of this test process's own: /tmp/vambe-<tag>-<pid>.db. */
void test_db_path(char *out, size_t size, const char *tag);
/* Removes the database file, its -wal and -shm sides and the mock's lock
 * file, which the mock leaves in place (mock_server/store_guard.c says
 * why); absent ones are fine. */
void test_db_remove(const char *path);

#endif
