/* Test support: SQLite database files (see db.h). */
#include "support/db.h"

#include <stdio.h>
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
