/* What ms_store_open checks before it trusts a database file: that no other
 * process uses it (a lock file) and that it is not damaged (PRAGMA
 * quick_check). Both only for a file: an in-memory store is the process's
 * own and starts empty.
 *
 * Why a lock file and not SQLite's own locks: SQLite lets any number of
 * processes share a file, and for a mock that is the fault. Two mocks on
 * one --db each load the pending deliveries at start and send every
 * attempt, so the receiver gets each one twice. The lock must outlive every
 * transaction, so it cannot be a SQLite lock (those end with the
 * transaction), and a flock on the database file itself would clash with
 * SQLite's fcntl locks where the kernel emulates flock with fcntl (NFS).
 * So: FILE.lock beside the database, flock(LOCK_EX | LOCK_NB) for the
 * store's lifetime. The kernel drops the lock when the process ends, even
 * by kill -9, so a lock file left behind by a crash never blocks a
 * restart; the PID in it only makes the refusal's message useful.
 *
 * Limits: two names of one file (a symbolic or hard link) give two lock
 * files, so they are not told apart; a flock on a network file system is
 * only as good as that file system's locks. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/store_priv.h"

#define STORE_LOCK_SUFFIX ".lock"

/* What the refusals tell the user to do. */
#define STORE_DAMAGED_HINT "restore it from a copy or start with a new --db"

/* The PID written in the lock file by its owner, or 0 when it cannot be
 * read: the owner may be between its ftruncate and its pwrite, or the file
 * may hold something else. */
static long store_lock_owner(int fd)
{
    char buf[32];
    char *end = NULL;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    long pid;

    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    errno = 0;
    pid = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || pid <= 0 || (*end != '\n' && *end != '\0')) {
        return 0;
    }
    return pid;
}

/* Replaces the lock file's content with our PID. A failure is only logged:
 * the lock is held, and the PID only serves the message of whoever is
 * refused. */
static void store_lock_write_pid(int fd, const char *lock_path)
{
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != (ssize_t)len) {
        log_warn("store: cannot write the PID in %s: %s", lock_path, strerror(errno));
    }
}

int ms_store_lock(const char *path, struct err *e)
{
    char *lock_path = xasprintf("%s" STORE_LOCK_SUFFIX, path);
    int fd;
    long owner;

    /* 0644 like the database SQLite creates: the lock file holds no
     * secret, and whoever may read the database may read who uses it. */
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_set(e, "cannot open database %s: cannot open its lock file %s: %s", path, lock_path,
                strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        owner = errno == EWOULDBLOCK ? store_lock_owner(fd) : -1;
        if (owner < 0) {
            err_set(e, "cannot open database %s: cannot lock %s: %s", path, lock_path,
                    strerror(errno));
        } else if (owner > 0) {
            err_set(e,
                    "database %s is in use by PID %ld (another vambe-mock); stop it or give "
                    "another --db",
                    path, owner);
        } else {
            err_set(e, "database %s is in use by another process; stop it or give another --db",
                    path);
        }
        close(fd);
        fd = -1;
        goto out;
    }
    store_lock_write_pid(fd, lock_path);
out:
    free(lock_path);
    return fd;
}

/* The lock file is left in place on purpose. Unlinking it would race with
 * a newcomer: B opens FILE.lock and waits to flock it, A unlinks the file
 * and closes; B now locks an inode no name leads to, while C creates a new
 * FILE.lock and locks that one: B and C both believe they own the
 * database. A file that stays is harmless (an unlocked file locks nothing),
 * and whoever comes next reuses it. */
void ms_store_unlock(int fd)
{
    if (fd >= 0) {
        close(fd);
    }
}

bool ms_store_rc_damaged(int rc)
{
    rc &= 0xff; /* the primary code of an extended one */
    return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

int ms_store_damaged(const char *where, int rc, const char *detail, struct err *e)
{
    /* SQLite cannot tell a file that never was a database from one whose
     * header was overwritten: both are NOTADB. */
    if ((rc & 0xff) == SQLITE_NOTADB) {
        return err_set(e, "database %s is not a SQLite database or is damaged (%s); %s", where,
                       detail, STORE_DAMAGED_HINT);
    }
    return err_set(e, "database %s is damaged (%s); %s", where, detail, STORE_DAMAGED_HINT);
}

/* The first line of a quick_check report worth showing: SQLite starts the
 * first message with "*** in database main ***" on a line of its own, which
 * names no fault, so the line after it is shown instead. */
static void store_check_first_line(const char *text, char *out, size_t size)
{
    const char *nl = strchr(text, '\n');

    if (strncmp(text, "*** ", 4) == 0 && nl != NULL) {
        text = nl + 1;
        nl = strchr(text, '\n');
    }
    snprintf(out, size, "%.*s", nl != NULL ? (int)(nl - text) : (int)strlen(text), text);
}

/* quick_check, not integrity_check: it reads every page of every table and
 * index and checks their structure, but not that each index matches its
 * table, so it is linear in the file's size (about 0.3 s for 200 MB,
 * 100 000 call records, with the file in the page cache). Damage it misses
 * still fails the statement that reaches it, as it did before. */
int ms_store_quick_check(struct ms_store *s, const char *where, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char line[256];
    int ret = -1;
    int rc;

    rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            ret = 0;
            goto out;
        }
    }
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(st, 0);
        store_check_first_line(text != NULL ? (const char *)text : "", line, sizeof(line));
        err_set(e, "database %s is damaged (PRAGMA quick_check: %s); %s", where, line,
                STORE_DAMAGED_HINT);
    } else if (ms_store_rc_damaged(sqlite3_extended_errcode(s->db))) {
        ms_store_damaged(where, sqlite3_extended_errcode(s->db), sqlite3_errmsg(s->db), e);
    } else {
        err_set(e, "database %s: PRAGMA quick_check: %s", where, sqlite3_errmsg(s->db));
    }
out:
    sqlite3_finalize(st);
    return ret;
}
