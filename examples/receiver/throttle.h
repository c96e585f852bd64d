/* A rate limiter for --rate-limit N: at most N deliveries in each fixed
 * 1-second window of the monotonic clock.
 *
 * Fixed, not sliding: one counter and the window's start, under one mutex.
 * A sender that fills the end of one window and the start of the next can
 * get up to 2N through in one second; a sliding log would prevent that at
 * the cost of N timestamps. The point here is the answer (429 with
 * Retry-After, before the event id is marked seen), not a precise rate. */
#ifndef RECEIVER_THROTTLE_H
#define RECEIVER_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define RCV_THROTTLE_MAX 100000u /* the largest --rate-limit */

struct rcv_throttle;

/* per_s >= 1 deliveries a second. Never NULL (out of memory aborts); free
 * with rcv_throttle_free. */
struct rcv_throttle *rcv_throttle_new(unsigned per_s);
/* NULL ok. */
void rcv_throttle_free(struct rcv_throttle *t);
/* Counts one delivery at now_us (monotonic microseconds) and says whether
 * it is within the limit. A refused delivery is not counted. */
bool rcv_throttle_admit(struct rcv_throttle *t, uint64_t now_us);

#endif
