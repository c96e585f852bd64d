/* Hints for a failed delivery, free of I/O so they can be tested alone: when
 * a valid signed delivery does not get a 2xx (DLV-001), what the answer
 * looks like and what the user can do about it. */
#ifndef HARNESS_HINT_H
#define HARNESS_HINT_H

#include "core/http_client.h" /* struct http_response, enum http_error */

/* Bytes of the body (and of the headers) searched: challenge and error
 * pages say who they are near the top; a large body is not worth scanning. */
#define HN_HINT_SCAN_MAX (64 * 1024)

/* A hint for a delivery that did not get a 2xx: what the answer looks like
 * (a CSRF check, a login redirect, a Cloudflare challenge, a tunnel's
 * interstitial page, a full listen backlog, a TLS failure) and what to do.
 * NULL when the answer matches none of them (or resp is NULL). Static text,
 * one line. Never reads past body_len or headers_len. */
const char *hn_hint_classify(const struct http_response *resp);

#endif
