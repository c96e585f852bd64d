/* A streaming GET, part of the HTTP client module (libcurl stays in core):
 * the body of a 2xx answer is handed to the caller chunk by chunk as it
 * arrives, for as long as the server keeps the connection open (a
 * text/event-stream). Any other answer is kept whole, up to a bound, as
 * http_client_run keeps it, so the caller can show the server's error.
 *
 * One blocking call per connection; the caller's stop() is polled at least
 * every 100 ms, so a flag set by a signal handler ends the stream promptly.
 * Redirects are not followed; HTTP/1.1 only, as in http_client.h. */
#ifndef CORE_HTTP_CLIENT_STREAM_H
#define CORE_HTTP_CLIENT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http_client.h"

struct http_client_stream_opts {
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    size_t n_headers;
    const char *ca_file;         /* NULL: the system's CA store */
    bool insecure;               /* skip TLS certificate verification */
    uint64_t connect_timeout_ms; /* 0: 10 s */
    /* Give up (HTTP_ERROR_TIMEOUT) when no byte came for this many seconds;
     * 0: wait forever. A server that sends keep-alive comments needs a
     * bound a few times their period. */
    unsigned idle_timeout_s;
    size_t max_error_body; /* body bytes kept of a non-2xx answer; 0: 64 KiB */
    /* The headers of a 2xx answer came (status and headers are set in the
     * response, which is borrowed). May be NULL. */
    void (*on_open)(void *arg, const struct http_response *resp);
    /* A chunk of a 2xx answer's body: 0 to go on, anything else to stop. */
    int (*on_data)(void *arg, const char *buf, size_t len);
    /* Polled; true stops the stream. May be NULL. */
    bool (*stop)(void *arg);
    void *arg;
};

enum http_client_stream_end {
    HTTP_CLIENT_STREAM_ENDED,   /* the exchange ended by itself: see resp */
    HTTP_CLIENT_STREAM_STOPPED, /* the caller stopped it (stop() or on_data) */
};

/* Sends the GET and streams the answer. Fills resp (release with
 * http_response_cleanup): status (0 when none came), headers, error and
 * error_text, and the body of a non-2xx answer (a 2xx body went to on_data:
 * resp->body is then ""). When the exchange ended by itself, resp->error is
 * HTTP_ERROR_NONE if the server ended the body cleanly. A request that
 * cannot even start ends with HTTP_ERROR_OTHER. */
enum http_client_stream_end http_client_stream_get(const struct http_client_stream_opts *o,
                                                   struct http_response *resp);

#endif
