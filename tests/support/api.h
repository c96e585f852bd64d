/* Test support: one request to a kit server on 127.0.0.1 (the mock's API,
 * a receiver), with the failure of the exchange itself failing the test. */
#ifndef TESTS_SUPPORT_API_H
#define TESTS_SUPPORT_API_H

#include <jansson.h>
#include <stddef.h>

#include "core/http_client.h"

struct api_reply {
    long status;
    char *body; /* owned, NUL-terminated */
    size_t body_len;
    char *headers; /* owned, raw response header lines */
    json_t *json;  /* the parsed body, NULL when not JSON */
};

/* Sends method path to http://127.0.0.1:port with x-api-key key (NULL:
 * none) and Content-Type ctype (NULL: none). Bodies over 64 KiB carry
 * "Expect: 100-continue", so a server refusing them is heard before the
 * body is sent. Fills out (release with api_reply_free). */
void api_send(struct http_client *c, unsigned port, const char *method, const char *path,
              const char *key, const char *ctype, const char *body, size_t body_len,
              struct api_reply *out);
void api_reply_free(struct api_reply *r);

/* The common case: key, a JSON body (NULL: none, no Content-Type).
 * Returns the status; *out (may be NULL) receives the parsed body, which
 * the caller decrefs. */
long api_json(struct http_client *c, unsigned port, const char *key, const char *method,
              const char *path, const char *body, json_t **out);

/* Polls (bounded: wait_ms) GET /api/webhooks/calls?limit=500&<query>
 * (query "" for none) until the call log holds at least n matching
 * records; returns the "data" array, newest first as the API gives it
 * (the caller decrefs). Fails the test when the time runs out. */
json_t *api_calls_wait(struct http_client *c, unsigned port, const char *key, const char *query,
                       size_t n, int wait_ms);

#endif
