/* A bounded, thread-safe map from an id to a counter and a 64-bit value.
 *
 * The receiver keeps three of them: the ids it has accepted (the dedupe
 * set: rcv_idmap_insert is its atomic check-and-insert), how many times
 * each event was processed (the side effect the probe reports), and the
 * latest updated_at of each contact and ticket (rcv_idmap_latest: the
 * state an update must not roll back). In a real
 * receiver both live in your database; this in-memory version shows the
 * properties that matter: one lock around check-and-insert, and bounded
 * memory.
 *
 * Bounded: past `capacity` ids the oldest is forgotten first (FIFO). A
 * sender repeats an event within its retry horizon (minutes to hours), so
 * the ids most likely to come back are the newest; forgetting the oldest
 * keeps memory fixed (about 100 bytes an id) whatever the traffic. Pick a
 * capacity larger than the events you receive within that horizon. */
#ifndef RECEIVER_IDMAP_H
#define RECEIVER_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RCV_ID_MAX 128 /* longest event id accepted, in bytes */

struct rcv_idmap;

/* capacity >= 1. Never NULL (out of memory aborts); free with
 * rcv_idmap_free. */
struct rcv_idmap *rcv_idmap_new(size_t capacity);
void rcv_idmap_free(struct rcv_idmap *m);

/* Check-and-insert in one critical section: when id is absent, records it
 * with a counter of 0 and returns true; when present, changes nothing and
 * returns false. Two threads inserting one id: exactly one gets true. */
bool rcv_idmap_insert(struct rcv_idmap *m, const char *id);
/* rcv_idmap_insert, where an id inserted ttl_ms or more before now_ms
 * counts as absent (and is stamped again): a cache with a time to live,
 * for the receiver's dedupe-ttl-2s flaw. */
bool rcv_idmap_insert_expiring(struct rcv_idmap *m, const char *id, uint64_t now_ms,
                               uint64_t ttl_ms);
/* True when id is present. */
bool rcv_idmap_contains(struct rcv_idmap *m, const char *id);
/* Forgets id (no-op when absent). */
void rcv_idmap_remove(struct rcv_idmap *m, const char *id);
/* Adds 1 to id's counter, recording id first when absent; returns the new
 * count. */
unsigned rcv_idmap_incr(struct rcv_idmap *m, const char *id);
/* id's counter; 0 when absent. */
unsigned rcv_idmap_get(struct rcv_idmap *m, const char *id);
/* Keeps the latest value of id, in one critical section: when id is
 * absent, records it with value (evicting the oldest id when full); when
 * present, replaces its value when value is larger, or whatever it is when
 * always is true. Ties keep the value held. */
void rcv_idmap_latest(struct rcv_idmap *m, const char *id, uint64_t value, bool always);
/* id's value (rcv_idmap_latest, rcv_idmap_insert_expiring) into *value;
 * false, *value untouched, when id is absent. */
bool rcv_idmap_value(struct rcv_idmap *m, const char *id, uint64_t *value);
/* Ids currently held (at most the capacity). */
size_t rcv_idmap_size(struct rcv_idmap *m);

#endif
