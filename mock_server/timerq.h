/* The delivery engine's timer queue: a binary min-heap of items by due time
 * (monotonic microseconds). Push and pop are O(log n), peek O(1). Items due
 * at the same time come out in the order they were pushed, which is what
 * keeps a reordered (or in-order) batch of events in the order chosen.
 *
 * Not thread-safe: one thread (the engine's) owns a queue. The queue never
 * owns its items: whoever pops one (or clears the queue with ms_timerq_pop
 * until empty) frees it. */
#ifndef MOCK_SERVER_TIMERQ_H
#define MOCK_SERVER_TIMERQ_H

#include <stddef.h>
#include <stdint.h>

struct ms_timerq;

/* An empty queue; freed with ms_timerq_free (items are not freed). */
struct ms_timerq *ms_timerq_new(void);
void ms_timerq_free(struct ms_timerq *q);

/* Adds item (not NULL), due at due_us. */
void ms_timerq_push(struct ms_timerq *q, uint64_t due_us, void *item);
/* The earliest item (its due time in *due_us, may be NULL), or NULL when
 * the queue is empty. The item stays queued. */
void *ms_timerq_peek(const struct ms_timerq *q, uint64_t *due_us);
/* Removes and returns the earliest item; NULL when empty. */
void *ms_timerq_pop(struct ms_timerq *q);
size_t ms_timerq_size(const struct ms_timerq *q);

#endif
