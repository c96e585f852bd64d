/* Test support: hostile requests against an in-process mock (ms_server on
 * 127.0.0.1 port 0, in-memory store, two inactive webhooks, one of them
 * deleted), sent as raw bytes over a socket so that nothing (not even
 * libcurl) cleans them up first, each checked for a 4xx and followed by a
 * check that the state is unchanged and GET /mock/health still answers.
 * The fixture of test_hostile_requests.c, whose header says what must
 * hold. */
#ifndef TESTS_SUPPORT_HOSTILE_H
#define TESTS_SUPPORT_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>

#include "mock_server/server.h"

#define KEY "hostile-key-0123456789"

struct hostile_reply {
    char *raw; /* everything read, NUL-terminated */
    size_t len;
    unsigned status; /* 0 when no status line came */
    const char *body;
    size_t body_len;
    bool json_type; /* Content-Type: application/json */
};

/* How a request is sent: all at once, or in pieces with a pause between. */
struct hostile_pace {
    size_t piece;      /* 0: all at once */
    unsigned pause_ms; /* between pieces */
};

/* The fixture: one mock for the whole file. */
struct hostile_fx {
    struct ms_server *srv;
    unsigned port;
    char hook_id[64];   /* a live webhook */
    char gone_id[64];   /* a soft-deleted one */
    char *state;        /* the state read before the hostile requests */
    unsigned requests;  /* hostile requests sent */
    unsigned by_server; /* of which libmicrohttpd answered itself */
};

extern struct hostile_fx hostile_fx;

/* What a hostile request must get. */
enum want {
    WANT_JSON_4XX,  /* a handler's 4xx with the JSON error shape */
    WANT_ANY_4XX,   /* libmicrohttpd may answer itself (its own page), still 4xx */
    WANT_NO_ANSWER, /* a 4xx, or the connection closed without an answer */
};

#define CT_JSON "Content-Type: application/json\r\n"

/* cmocka group setup and teardown: the mock, its webhooks, the state. */
int hostile_setup(void **state);
int hostile_teardown(void **state);
/* A connection to the mock's port on 127.0.0.1. */
int hostile_connect(unsigned port);
/* Sends req (len bytes) while reading the answer, until the server closes
 * the connection or EXCHANGE_MS pass. Reading while writing matters: a
 * server that answers 413 early and closes must not have its answer lost
 * to a reset. The pace trickles the request. */
void hostile_exchange(unsigned port, const char *req, size_t len, struct hostile_pace pace,
                      struct hostile_reply *out);
void hostile_reply_free(struct hostile_reply *r);
/* A well-formed request with the key, Connection: close and a body. */
char *hostile_req_build(const char *method, const char *target, const char *headers,
                        const char *body, size_t body_len, size_t *len);
/* The mock's health and state after a request called name. */
void hostile_check_after(const char *name);
/* status 0: any 4xx; otherwise exactly this status (libmicrohttpd's 505
 * for an HTTP version it does not speak is the one non-4xx expected). */
void hostile_check_reply(const char *name, const struct hostile_reply *r, enum want want,
                         unsigned status);
/* Sends req as is and checks the answer and the state. */
void hostile_raw(const char *name, const char *req, size_t len, struct hostile_pace pace,
                 enum want want, unsigned status);
/* A well-formed request with a hostile part; status 0 accepts any 4xx. */
void hostile(const char *name, const char *method, const char *target, const char *headers,
             const char *body, size_t body_len, unsigned status);

#endif
