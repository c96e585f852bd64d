/* The receiver's --state file: an append-only journal of the events it
 * acknowledged and the events it processed, so that both survive a crash.
 * One record a line:
 *
 *   A <event id>   accepted: verified, and its id seen for the first time.
 *                  Written and flushed to disk (fdatasync) before the 2xx
 *                  is sent: acknowledged means durable.
 *   P <event id>   processed once by the worker.
 *   U <entity id> <ms>
 *                  the contact or ticket an event changed, and its
 *                  updated_at (ms since the epoch) as the worker applied it;
 *                  written just before that event's P.
 *
 * Event ids come from the sender and may hold any byte but NUL (a space, a
 * newline, UTF-8): in the file every byte outside '!'..'~', and '%' itself,
 * is written %XX (two upper-case hex digits). A line is therefore exactly a
 * letter, a space and an id of printable ASCII, and no id can forge a
 * record.
 *
 * At start the receiver replays the file: every A id is seen (a duplicate
 * after a restart is still a duplicate), each P adds one to its id's count
 * (what the probe answers), U records give each entity its updated_at
 * again (in order, as the worker applied them), and an A id with no P is
 * handed to the worker again. A last line without its newline is a write cut short by a crash
 * (its 2xx was never sent): when it reads as the start of a record it is
 * dropped, with a warning, and cut from the file; anything else that is
 * not a record refuses the file, naming file:line.
 *
 * The file only grows. A real receiver keeps this in its database (a row
 * per event, a processed flag); the order of the writes is what matters. */
#ifndef RECEIVER_JOURNAL_H
#define RECEIVER_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "examples/receiver/idmap.h"

/* What rcv_journal_append writes, in this order when both. */
#define RCV_JOURNAL_ACCEPTED  1u /* an A record */
#define RCV_JOURNAL_PROCESSED 2u /* a P record */

/* Longest id as written: every byte escaped. */
#define RCV_JOURNAL_ID_MAX (3 * RCV_ID_MAX)

/* One event id of a replayed journal. */
struct rcv_journal_event {
    char id[RCV_ID_MAX + 1];
    unsigned accepted;  /* its A records */
    unsigned processed; /* its P records */
};

/* One U record of a replayed journal. */
struct rcv_journal_update {
    char entity[RCV_ID_MAX + 1];
    uint64_t at_ms;
};

/* A journal read back. */
struct rcv_journal_replay {
    struct rcv_journal_event *events; /* in the order of their first record */
    size_t n;
    struct rcv_journal_update *updates; /* the U records, in the file's order */
    size_t n_updates;
    size_t records;   /* whole records read */
    size_t valid_len; /* bytes up to the end of the last whole line */
    size_t torn_line; /* the line cut short (dropped), 0 when none */
};

/* Parses journal text (len bytes; NUL bytes are refused, not ends) into
 * *out, which the caller releases with rcv_journal_replay_cleanup (also
 * after -1). name is the file's name for messages: -1 with e set to
 * "name:line: what is wrong". */
int rcv_journal_parse(const char *text, size_t len, const char *name,
                      struct rcv_journal_replay *out, struct err *e);
void rcv_journal_replay_cleanup(struct rcv_journal_replay *r);
/* Accepted and never processed: to be handed to the worker again. */
bool rcv_journal_pending(const struct rcv_journal_event *ev);

/* Writes id as the journal does into out (RCV_JOURNAL_ID_MAX + 1 bytes or
 * more, else the text is cut) and returns its length. */
size_t rcv_journal_escape(const char *id, char *out, size_t out_size);

/* 0 when path can be the state file (absent, or a regular file: a symbolic
 * link to one is followed); -1 with e saying what is at the path. For
 * checking the command line before anything starts. */
int rcv_journal_check(const char *path, struct err *e);

struct rcv_journal;

/* Opens path, creating it when absent, locks it (one receiver a file),
 * reads it back into *replay (released by the caller with
 * rcv_journal_replay_cleanup) and keeps it open for appending. NULL with e
 * set when it cannot be opened, locked or read, or holds garbage. The file
 * descriptor is close-on-exec. Close with rcv_journal_close. */
struct rcv_journal *rcv_journal_open(const char *path, struct rcv_journal_replay *replay,
                                     struct err *e);
/* Appends the records (RCV_JOURNAL_ACCEPTED and/or _PROCESSED) for id with
 * one write, then fdatasync when durable. Thread-safe: writes are
 * serialized. -1 with e set when id is empty or the write failed (what was
 * written of it is cut from the file again). */
int rcv_journal_append(struct rcv_journal *j, unsigned records, const char *id, bool durable,
                       struct err *e);
/* Appends a U record: entity (an id as events have) now has updated_at
 * at_ms. Not flushed to disk (what a P record is not either). -1 with e
 * set as rcv_journal_append. */
int rcv_journal_append_update(struct rcv_journal *j, const char *entity, uint64_t at_ms,
                              struct err *e);
/* NULL ok. */
void rcv_journal_close(struct rcv_journal *j);

#endif
