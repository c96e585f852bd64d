/* Test support: a raw HTTP receiver that keeps each request exactly as it
 * came (request line, every header, the body), for the tests that check
 * what the mock sends without going through core/'s server. */
#ifndef TESTS_SUPPORT_RAW_H
#define TESTS_SUPPORT_RAW_H

#include <pthread.h>
#include <stddef.h>

#define RAW_HEADERS_MAX 48
#define RAW_REQS_MAX    16

struct raw_header {
    const char *name; /* into raw_req.head */
    const char *value;
};

/* One request exactly as it came: request line, header lines, body. */
struct raw_req {
    char method[16];
    char target[4096]; /* path and query as sent */
    char *head;        /* the header block, owned; the headers point into it */
    struct raw_header headers[RAW_HEADERS_MAX];
    size_t n_headers;
    char *body; /* owned, NUL-terminated */
    size_t body_len;
};

/* A blocking HTTP/1.1 server on 127.0.0.1 port 0 and one thread: one
 * request per connection, answered 200 "ok" with Connection: close. It
 * parses only what a webhook delivery needs (Content-Length bodies) and
 * notes anything else in error, which the tests assert empty. */
struct raw_rx {
    int listen_fd;
    int stop[2]; /* a byte on stop[1] ends the thread */
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct raw_req reqs[RAW_REQS_MAX];
    size_t n;
    char error[256];
};

/* Starts a receiver; a failure fails the test. */
struct raw_rx *raw_start(void);
/* Stops rx and frees it and the requests it kept; NULL is fine. */
void raw_stop(struct raw_rx *rx);
/* Waits (bounded) until n requests came; fails on a malformed one. */
void raw_wait(struct raw_rx *rx, size_t n);
/* How many requests came so far (also those past RAW_REQS_MAX). */
size_t raw_count(struct raw_rx *rx);
/* The value of header name (any case) in r; NULL when absent. */
const char *raw_header(const struct raw_req *r, const char *name);
/* The same, "" when absent (for comparisons). */
const char *raw_hv(const struct raw_req *r, const char *name);
/* How many times header name (any case) came in r. */
size_t raw_header_count(const struct raw_req *r, const char *name);

#endif
