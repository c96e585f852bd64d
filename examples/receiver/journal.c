/* The --state journal (journal.h): parsing and replaying its text, and the
 * open file records are appended to under one mutex. */
#include "examples/receiver/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/xalloc.h"

#define JOURNAL_WANT "want 'A <event id>', 'P <event id>' or 'U <entity id> <ms>'"
#define JOURNAL_SHOW 16 /* bytes of an unknown record quoted in a message */

struct rcv_journal {
    pthread_mutex_t lock; /* serializes the appends */
    int fd;
    off_t size; /* whole records: where a failed append is cut back to */
    char *path;
};

/* Open addressing over replay->events: slots hold index + 1, 0 is free. */
struct journal_index {
    size_t *slots;
    size_t n_slots; /* a power of two, or 0 */
    size_t cap;     /* events allocated */
    size_t cap_updates;
};

/* ---- the text --------------------------------------------------------- */

/* Written as itself in an id; every other byte is escaped. */
static bool journal_plain(unsigned char c)
{
    return c > ' ' && c <= '~' && c != '%';
}

size_t rcv_journal_escape(const char *id, char *out, size_t out_size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    if (out_size == 0) {
        return 0;
    }
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
        size_t need = journal_plain(*p) ? 1 : 3;
        if (n + need >= out_size) {
            break;
        }
        if (need == 1) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15u];
        }
    }
    out[n] = '\0';
    return n;
}

static int journal_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Quotes the first bytes of p (n bytes) for a message: printable ASCII as
 * is, anything else as \xHH. */
static void journal_show(const char *p, size_t n, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < JOURNAL_SHOW && used + 5 < out_size; i++) {
        unsigned char c = (unsigned char)p[i];
        int w = c >= ' ' && c <= '~' ? snprintf(out + used, out_size - used, "%c", c)
                                     : snprintf(out + used, out_size - used, "\\x%02x", c);
        used += w > 0 ? (size_t)w : 0;
    }
    if (n > JOURNAL_SHOW && used + 4 < out_size) {
        snprintf(out + used, out_size - used, "...");
    }
}

/* Decodes the id of a record (p, n bytes) into id. partial: the line was
 * cut short, so an escape may be cut too. */
static int journal_id(const char *p, size_t n, bool partial, char id[RCV_ID_MAX + 1], struct err *e)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%') {
            size_t left = n - i - 1; /* bytes after the '%' */
            int hi = left >= 1 ? journal_hex(p[i + 1]) : -1;
            int lo = left >= 2 ? journal_hex(p[i + 2]) : -1;
            if (partial && left < 2 && (left == 0 || hi >= 0)) {
                break; /* the write stopped inside the escape */
            }
            if (hi < 0 || lo < 0) {
                char shown[16];
                journal_show(p + i, left < 2 ? left + 1 : 3, shown, sizeof(shown));
                return err_set(e, "bad escape '%s' in the event id (want %%XX, two hex digits)",
                               shown);
            }
            c = (unsigned char)(hi * 16 + lo);
            if (c == 0) {
                return err_set(e, "an escaped NUL (%%00) in the event id");
            }
            i += 2;
        } else if (c <= ' ' || c > '~') {
            return err_set(e, "byte 0x%02x in the event id: it must be written %%%02X", c, c);
        }
        if (len == RCV_ID_MAX) {
            return err_set(e, "event id longer than %d bytes", RCV_ID_MAX);
        }
        id[len++] = (char)c;
    }
    id[len] = '\0';
    return 0;
}

/* A U record's fields after "U " (p, n bytes): the entity's id, a space,
 * its updated_at in ms. */
static int journal_update(const char *p, size_t n, bool partial, char id[RCV_ID_MAX + 1],
                          uint64_t *at_ms, struct err *e)
{
    const char *sp = memchr(p, ' ', n);
    uint64_t ms = 0;

    if (sp == NULL) {
        return partial ? journal_id(p, n, partial, id, e)
                       : err_set(e, "'U' record without its time (want 'U <entity id> <ms>')");
    }
    if (journal_id(p, (size_t)(sp - p), false, id, e) != 0) {
        return -1;
    }
    for (const char *d = sp + 1; d < p + n; d++) {
        if (*d < '0' || *d > '9' || ms > (UINT64_MAX - 9) / 10) {
            return err_set(e, "'U' record with a bad time (want milliseconds, digits only)");
        }
        ms = ms * 10 + (uint64_t)(*d - '0');
    }
    if (sp + 1 == p + n && !partial) {
        return err_set(e, "'U' record without its time (want 'U <entity id> <ms>')");
    }
    *at_ms = ms;
    return 0;
}

/* Reads one line (n bytes, without its newline) into *kind and id (and
 * *at_ms for a U record). partial: the file ends inside it, so any start
 * of a record passes. */
static int journal_line(const char *line, size_t n, bool partial, char *kind,
                        char id[RCV_ID_MAX + 1], uint64_t *at_ms, struct err *e)
{
    char shown[JOURNAL_SHOW * 4 + 8];
    size_t word = 0;

    if (memchr(line, '\0', n) != NULL) {
        return err_set(e, "a NUL byte in the record (%s)", JOURNAL_WANT);
    }
    if (n == 0) {
        return err_set(e, "an empty line (%s)", JOURNAL_WANT);
    }
    while (word < n && line[word] != ' ') {
        word++;
    }
    if ((line[0] != 'A' && line[0] != 'P' && line[0] != 'U') || word != 1) {
        journal_show(line, word > 0 ? word : n, shown, sizeof(shown));
        return err_set(e, "unknown record '%s' (%s)", shown, JOURNAL_WANT);
    }
    *kind = line[0];
    if (n <= 2 && !partial) {
        return err_set(e, "'%c' record without an event id", line[0]);
    }
    if (*kind == 'U' && n > 2) {
        return journal_update(line + 2, n - 2, partial, id, at_ms, e);
    }
    return journal_id(n > 2 ? line + 2 : line, n > 2 ? n - 2 : 0, partial, id, e);
}

static size_t journal_hash(const char *id)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return (size_t)h;
}

/* The slot holding id, or the free one where it goes. */
static size_t *journal_slot(struct rcv_journal_replay *r, struct journal_index *x, const char *id)
{
    size_t i = journal_hash(id) & (x->n_slots - 1);
    while (x->slots[i] != 0 && strcmp(r->events[x->slots[i] - 1].id, id) != 0) {
        i = (i + 1) & (x->n_slots - 1);
    }
    return &x->slots[i];
}

/* id's event, added (with no record) when new. */
static struct rcv_journal_event *journal_event(struct rcv_journal_replay *r,
                                               struct journal_index *x, const char *id)
{
    if (x->n_slots == 0 || (r->n + 1) * 2 > x->n_slots) { /* at most half full */
        size_t n_slots = x->n_slots > 0 ? x->n_slots * 2 : 64;
        free(x->slots);
        x->slots = xcalloc(n_slots, sizeof(*x->slots));
        x->n_slots = n_slots;
        for (size_t k = 0; k < r->n; k++) {
            *journal_slot(r, x, r->events[k].id) = k + 1;
        }
    }
    size_t *slot = journal_slot(r, x, id);
    if (*slot != 0) {
        return &r->events[*slot - 1];
    }
    r->events = xgrow(r->events, &x->cap, r->n + 1, 64, sizeof(*r->events));
    struct rcv_journal_event *ev = &r->events[r->n++];
    memset(ev, 0, sizeof(*ev));
    snprintf(ev->id, sizeof(ev->id), "%s", id);
    *slot = r->n;
    return ev;
}

int rcv_journal_parse(const char *text, size_t len, const char *name,
                      struct rcv_journal_replay *out, struct err *e)
{
    struct journal_index x = {NULL, 0, 0, 0};
    size_t pos = 0;
    size_t lineno = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        char kind = 0;
        char id[RCV_ID_MAX + 1] = "";
        uint64_t at_ms = 0;

        lineno++;
        if (journal_line(text + pos, n, nl == NULL, &kind, id, &at_ms, e) != 0) {
            err_prefix(e, "%s:%zu", name, lineno);
            goto out;
        }
        if (nl == NULL) {
            out->torn_line = lineno; /* dropped: its 2xx was never sent */
            break;
        }
        if (kind == 'U') {
            out->updates =
                xgrow(out->updates, &x.cap_updates, out->n_updates + 1, 64, sizeof(*out->updates));
            snprintf(out->updates[out->n_updates].entity, RCV_ID_MAX + 1, "%s", id);
            out->updates[out->n_updates++].at_ms = at_ms;
        } else {
            struct rcv_journal_event *ev = journal_event(out, &x, id);
            if (kind == 'A') {
                ev->accepted++;
            } else {
                ev->processed++;
            }
        }
        out->records++;
        pos += n + 1;
        out->valid_len = pos;
    }
    rc = 0;
out:
    free(x.slots);
    return rc;
}

void rcv_journal_replay_cleanup(struct rcv_journal_replay *r)
{
    free(r->events);
    free(r->updates);
    memset(r, 0, sizeof(*r));
}

bool rcv_journal_pending(const struct rcv_journal_event *ev)
{
    /* Two A records for one id (a retry after a 503 whose A was written)
     * are still one event: processed once is done. */
    return ev->accepted > 0 && ev->processed == 0;
}

/* ---- the file --------------------------------------------------------- */

int rcv_journal_check(const char *path, struct err *e)
{
    struct stat st;

    if (path[0] == '\0') {
        return err_set(e, "the state file path is empty");
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return err_set(e, "state file %s is a %s: give the path of a regular file", path,
                       file_kind(st.st_mode));
    }
    return 0;
}

/* fsync of the folder holding path: a file just created there survives a
 * power cut along with its first records. */
static int journal_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;

    if (fd >= 0) {
        close(fd);
    }
    free(dir);
    return rc;
}

/* The whole file into *text (the caller frees it). */
static int journal_read(int fd, char **text, size_t *len)
{
    size_t cap = 0;

    *len = 0;
    for (;;) {
        *text = xgrow(*text, &cap, *len + 4096, 65536, 1);
        ssize_t n = pread(fd, *text + *len, cap - *len, (off_t)*len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        *len += (size_t)n;
    }
}

/* Opens path, creating it when absent; -1 with e set. */
static int journal_open_fd(const char *path, bool *created, struct err *e)
{
    /* O_NONBLOCK: a FIFO put at the path since the check must not hang
     * the start (fstat refuses it next); regular files ignore the flag. */
    int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK;
    int fd = open(path, flags | O_CREAT | O_EXCL, 0600);

    *created = fd >= 0;
    if (fd < 0 && errno == EEXIST) {
        fd = open(path, flags);
    }
    if (fd < 0) {
        return err_set(e, "cannot open state file %s: %s", path, strerror(errno));
    }
    return fd;
}

struct rcv_journal *rcv_journal_open(const char *path, struct rcv_journal_replay *replay,
                                     struct err *e)
{
    struct rcv_journal *j = NULL;
    char *text = NULL;
    size_t len = 0;
    bool created = false;
    bool ok = false;
    struct stat st;

    memset(replay, 0, sizeof(*replay));
    if (rcv_journal_check(path, e) != 0) {
        goto out;
    }
    int fd = journal_open_fd(path, &created, e);
    if (fd < 0) {
        goto out;
    }
    j = xcalloc(1, sizeof(*j));
    j->fd = fd;
    j->path = xstrdup(path);
    pthread_mutex_init(&j->lock, NULL);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(e, "state file %s is not a regular file", path);
        goto out;
    }
    /* One receiver a file: two would interleave their records. The lock
     * goes with the descriptor, closed by exec: a restart takes it again. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            err_set(e, "state file %s is in use by another process", path);
        } else {
            err_set(e, "cannot lock state file %s: %s", path, strerror(errno));
        }
        goto out;
    }
    if (created && journal_sync_dir(path) != 0) {
        log_warn("state file %s: cannot sync its folder: %s", path, strerror(errno));
    }
    if (journal_read(fd, &text, &len) != 0) {
        err_set(e, "cannot read state file %s: %s", path, strerror(errno));
        goto out;
    }
    if (rcv_journal_parse(text, len, path, replay, e) != 0) {
        goto out;
    }
    if (replay->torn_line > 0) {
        log_warn("state file %s:%zu: dropped a record cut short by a crash", path,
                 replay->torn_line);
        if (ftruncate(fd, (off_t)replay->valid_len) != 0) {
            err_set(e, "cannot cut state file %s back to its last whole record: %s", path,
                    strerror(errno));
            goto out;
        }
    }
    j->size = (off_t)replay->valid_len;
    ok = true;
out:
    free(text);
    if (!ok) {
        rcv_journal_replay_cleanup(replay);
        rcv_journal_close(j);
        j = NULL;
    }
    return j;
}

/* Writes len bytes of whole records with one write (and fdatasync when
 * durable); a record half written is cut from the file again. */
static int journal_write(struct rcv_journal *j, const char *buf, size_t len, bool durable,
                         struct err *e)
{
    size_t done = 0;
    int rc = -1;

    pthread_mutex_lock(&j->lock);
    while (done < len) {
        ssize_t n = write(j->fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            err_set(e, "cannot write to state file %s: %s", j->path,
                    n < 0 ? strerror(errno) : "nothing written");
            goto out;
        }
        done += (size_t)n;
    }
    if (durable && fdatasync(j->fd) != 0) {
        err_set(e, "cannot flush state file %s to disk: %s", j->path, strerror(errno));
        goto out;
    }
    j->size += (off_t)len;
    rc = 0;
out:
    /* A record half written would run into the next one: cut it. */
    if (rc != 0 && done > 0 && ftruncate(j->fd, j->size) != 0) {
        log_warn("state file %s: cannot cut a failed record: %s", j->path, strerror(errno));
    }
    pthread_mutex_unlock(&j->lock);
    return rc;
}

int rcv_journal_append(struct rcv_journal *j, unsigned records, const char *id, bool durable,
                       struct err *e)
{
    char esc[RCV_JOURNAL_ID_MAX + 1];
    char buf[2 * (RCV_JOURNAL_ID_MAX + 3) + 1];
    size_t len = 0;

    if (id[0] == '\0' || strlen(id) > RCV_ID_MAX) {
        return err_set(e, "event id of %zu bytes: not written (1 to %d)", strlen(id), RCV_ID_MAX);
    }
    rcv_journal_escape(id, esc, sizeof(esc));
    if (records & RCV_JOURNAL_ACCEPTED) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "A %s\n", esc);
    }
    if (records & RCV_JOURNAL_PROCESSED) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "P %s\n", esc);
    }
    return journal_write(j, buf, len, durable, e);
}

int rcv_journal_append_update(struct rcv_journal *j, const char *entity, uint64_t at_ms,
                              struct err *e)
{
    char esc[RCV_JOURNAL_ID_MAX + 1];
    char buf[RCV_JOURNAL_ID_MAX + 32];
    int len;

    if (entity[0] == '\0' || strlen(entity) > RCV_ID_MAX) {
        return err_set(e, "entity id of %zu bytes: not written (1 to %d)", strlen(entity),
                       RCV_ID_MAX);
    }
    rcv_journal_escape(entity, esc, sizeof(esc));
    len = snprintf(buf, sizeof(buf), "U %s %llu\n", esc, (unsigned long long)at_ms);
    return journal_write(j, buf, (size_t)len, false, e);
}

void rcv_journal_close(struct rcv_journal *j)
{
    if (j == NULL) {
        return;
    }
    close(j->fd); /* releases the lock */
    pthread_mutex_destroy(&j->lock);
    free(j->path);
    free(j);
}
