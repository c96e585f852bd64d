/* Test support: hostile receivers, each a raw socket server in a test
 * thread (127.0.0.1, port 0) that misbehaves one way (or, RX_OK, does
 * not), for the harness's and the mock's tests against them. */
#ifndef TESTS_SUPPORT_HOSTILE_RX_H
#define TESTS_SUPPORT_HOSTILE_RX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_CONNS 16

enum hostile_rx_behaviour {
    RX_SILENT,      /* reads the request, never answers */
    RX_TRICKLE,     /* a whole answer, one byte every TICK_MS */
    RX_HUGE_200,    /* 200 with a 10 MB body */
    RX_HUGE_503,    /* 503 with a 10 MB body of binary junk */
    RX_HUGE_HEADER, /* one header line of 10 MB */
    RX_RESET,       /* SO_LINGER 0 and close: a reset */
    RX_BROKEN,      /* a status line that is not HTTP */
    RX_BAD_CHUNK,   /* chunked, and a chunk size line "zz" */
    RX_MID_BODY,    /* Content-Length 1000, 10 bytes, close */
    RX_NOTHING,     /* closes without a byte */
    RX_CONTINUE,    /* "100 Continue" every TICK_MS, forever */
    RX_OK,          /* a well-behaved receiver: 200 at once */
};

struct hostile_rx;

struct hostile_rx_conn {
    struct hostile_rx *rx;
    int fd;
    pthread_t thread;
};

struct hostile_rx {
    enum hostile_rx_behaviour how;
    int listen_fd;
    unsigned port;
    atomic_bool stop;
    atomic_uint requests; /* requests read completely */
    pthread_t acceptor;
    struct hostile_rx_conn conns[MAX_CONNS];
    atomic_size_t n_conns;
};

/* Starts a receiver behaving as how; fails the test when it cannot. */
struct hostile_rx *hostile_rx_start(enum hostile_rx_behaviour how);
/* Stops it, joining every connection's thread, and frees it. */
void hostile_rx_stop(struct hostile_rx *rx);

#endif
