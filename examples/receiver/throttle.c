/* The fixed-window rate limiter (see throttle.h). */
#include "examples/receiver/throttle.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/xalloc.h"

#define THROTTLE_WINDOW_US 1000000u

struct rcv_throttle {
    pthread_mutex_t lock;
    unsigned per_s;
    uint64_t window_us; /* start of the current window */
    unsigned admitted;  /* deliveries admitted in it */
    bool started;
};

struct rcv_throttle *rcv_throttle_new(unsigned per_s)
{
    struct rcv_throttle *t = xcalloc(1, sizeof(*t));
    t->per_s = per_s > 0 ? per_s : 1;
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

void rcv_throttle_free(struct rcv_throttle *t)
{
    if (t == NULL) {
        return;
    }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

bool rcv_throttle_admit(struct rcv_throttle *t, uint64_t now_us)
{
    pthread_mutex_lock(&t->lock);
    /* now_us may trail window_us a little: it was read before the lock. */
    if (!t->started || (now_us > t->window_us && now_us - t->window_us >= THROTTLE_WINDOW_US)) {
        /* A new window starts at the first delivery after the last one
         * ended, not on a grid: an idle receiver owes nothing. */
        t->started = true;
        t->window_us = now_us;
        t->admitted = 0;
    }
    bool ok = t->admitted < t->per_s;
    if (ok) {
        t->admitted++;
    }
    pthread_mutex_unlock(&t->lock);
    return ok;
}
