/* A look at a server's TLS certificate, as a webhook sender sees it: one
 * handshake, verified against the system roots (or a CA file), no HTTP
 * request. Part of the HTTP client module (it shares its options). */
#ifndef CORE_HTTP_TLS_H
#define CORE_HTTP_TLS_H

#include <stdint.h>

#include "core/http_client.h"

enum http_tls_problem {
    HTTP_TLS_OK,          /* verified: chain, name and dates; TLS 1.2 or newer */
    HTTP_TLS_UNREACHABLE, /* no connection (refused, unresolved, timed out) */
    HTTP_TLS_HANDSHAKE,   /* no TLS 1.2+ handshake (old versions only, no common cipher) */
    HTTP_TLS_CHAIN,       /* the chain does not lead to a trusted root */
    HTTP_TLS_NAME,        /* the certificate does not name the host */
    HTTP_TLS_DATES,       /* expired, or not valid yet */
};

struct http_tls_info {
    enum http_tls_problem problem;
    char detail[256];   /* the TLS library's words when problem != OK */
    char version[16];   /* negotiated, "TLSv1.3"; "" when unknown */
    int64_t not_after;  /* the server certificate's, seconds since the epoch; 0 unknown */
    unsigned chain_len; /* certificates the server sent; 0 unknown */
    char subject[160];  /* of the server certificate; "" unknown */
    char issuer[160];   /* its issuer; "" unknown */
};

/* Opens a TLS connection to url's host and port (through opts' resolve
 * entries and CA file; insecure is ignored) within timeout_ms and fills
 * out. When verification fails, a second, unverified handshake still reads
 * the certificate (dates, names, chain length) for the report. Returns 0,
 * or -1 when libcurl cannot start (out->detail says so). */
int http_tls_inspect(const char *url, const struct http_client_opts *opts, uint64_t timeout_ms,
                     struct http_tls_info *out);

const char *http_tls_problem_name(enum http_tls_problem p); /* "chain", "name", ... */

#endif
