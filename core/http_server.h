/* The kit's HTTP server: the one thin wrapper over libmicrohttpd used by the
 * mock, the reference receiver and the tests' own servers.
 *
 * Routes match a method and a path pattern whose "{}" segments capture one
 * path segment each. A path that matches no pattern gets 404; a path that
 * matches with another method gets 405 with Allow. Request bodies over
 * max_body get 413 without calling the handler. Every answer to an error the
 * server decides itself uses the kit's JSON error shape
 * {"statusCode": N, "error": "<reason>", "message": "..."}.
 * libmicrohttpd is included by this module only (http_server.c and the
 * files of http_server_priv.h). */
#ifndef CORE_HTTP_SERVER_H
#define CORE_HTTP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HTTP_SERVER_MAX_PARAMS  4
#define HTTP_SERVER_MAX_HEADERS 8
/* The longest extra header value, NUL included (http_reply_header cuts a
 * longer one and logs it). Room for the console's Content-Security-Policy
 * (mock_server/ui.c, 158 bytes). */
#define HTTP_SERVER_HEADER_VALUE_MAX 256

struct http_server_request {
    const char *method;
    const char *path;                           /* decoded, without the query string */
    const char *params[HTTP_SERVER_MAX_PARAMS]; /* "{}" captures, in order */
    size_t n_params;
    const char *body; /* NUL-terminated; "" when none */
    size_t body_len;
    uint64_t received_us; /* monotonic time the request headers arrived */
    void *conn;           /* opaque; use the accessors below */
};

/* content_type and header_names are read after the handler returns: they
 * must be string literals or otherwise outlive the request. */
struct http_server_reply {
    unsigned status;
    const char *content_type; /* "application/json" when NULL and body set */
    char *body;               /* malloc'd; the server frees it */
    size_t body_len;
    /* Extra headers; names and values are copied when the reply is sent. */
    const char *header_names[HTTP_SERVER_MAX_HEADERS];
    char header_values[HTTP_SERVER_MAX_HEADERS][HTTP_SERVER_HEADER_VALUE_MAX];
    size_t n_headers;
    struct http_stream *stream; /* set by http_reply_stream; NULL otherwise */
};

typedef void (*http_server_handler_fn)(void *ctx, const struct http_server_request *req,
                                       struct http_server_reply *rep);

struct http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/webhooks/{}" */
    http_server_handler_fn fn;
};

struct http_server_opts {
    const char *bind; /* "127.0.0.1" when NULL; "::1" and IPv6 accepted */
    unsigned port;    /* 0 picks a free port */
    size_t max_body;  /* 1 MiB when 0 */
    const struct http_route *routes;
    size_t n_routes;
    void *ctx; /* passed to every handler */
    /* 0: a thread per connection (handlers may block, e.g. a slow
     * receiver); N: a pool of N threads sharing an epoll loop (throughput). */
    unsigned threads;
    unsigned connection_limit;     /* 0 = 4096 */
    unsigned connection_timeout_s; /* idle connection timeout; 0 = 30 */
    bool access_log;               /* one log_access line per request */
    const char *tls_cert_pem;      /* both NULL for plain HTTP */
    const char *tls_key_pem;
};

struct http_server;

/* Starts listening and serving. Returns NULL with e set when the address
 * cannot be bound or the options are invalid. */
struct http_server *http_server_start(const struct http_server_opts *opts, struct err *e);
/* The port actually bound (the real one when 0 was asked). */
unsigned http_server_port(const struct http_server *s);
/* Stops accepting, lets in-flight requests finish, frees everything. NULL ok. */
void http_server_stop(struct http_server *s);

/* Request accessors: values are borrowed for the duration of the handler;
 * NULL when absent. Header names are case-insensitive. */
const char *http_server_header(const struct http_server_request *req, const char *name);
/* The header spelled exactly name, case included (as sent); NULL when no
 * header has that spelling. For the receiver's header-case-sensitive flaw:
 * header names are case-insensitive (RFC 9110), so use http_server_header. */
const char *http_server_header_exact(const struct http_server_request *req, const char *name);
const char *http_server_query(const struct http_server_request *req, const char *name);
/* True when the client has hung up while the handler runs: its socket reads
 * an orderly shutdown (recv returns 0) or a reset (ECONNRESET, EPIPE).
 * Peeks without blocking and consumes nothing: pending bytes (a pipelined
 * request) or nothing yet to read (EAGAIN) mean the client is still there,
 * as does any other error or a request without a connection. A client that
 * half-closes after sending (shutdown(SHUT_WR)) reads as gone too. */
bool http_server_peer_gone(const struct http_server_request *req);
/* A number for the request's connection, unique for the server's life and
 * counting from 1: requests on one kept-alive connection share it. 0 when
 * the request has no connection. */
uint64_t http_server_conn_id(const struct http_server_request *req);

/* Reply helpers. */
/* Takes ownership of j (steals the reference). */
void http_reply_json(struct http_server_reply *rep, unsigned status, json_t *j);
/* Copies text. */
void http_reply_text(struct http_server_reply *rep, unsigned status, const char *content_type,
                     const char *text, size_t len);
/* The kit's error shape with a formatted message. */
void http_reply_error(struct http_server_reply *rep, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void http_reply_header(struct http_server_reply *rep, const char *name, const char *value);
/* Streamed replies (Server-Sent Events): the body comes from a source,
 * read as the client takes it, for as long as the source or the client
 * wants. An idle stream costs no thread: in pool mode the connection is
 * parked (suspended) until the source calls http_stream_wake; with a thread
 * per connection that thread waits. A stop of the server ends every stream
 * (its read is not called again) before it waits for requests in flight. */
struct http_stream;
/* Fills buf with up to max bytes. Returns how many, 0 when nothing is ready
 * (the server waits for http_stream_wake), or -1 to end the reply. Called
 * on a server thread, never twice at once for one stream. */
typedef long (*http_stream_read_fn)(void *src, char *buf, size_t max);
/* Called once when the reply ends, for whatever reason (the source ended,
 * the client left, the server stops); the server forgets src after it. */
typedef void (*http_stream_done_fn)(void *src);
/* Makes rep a 200 streamed from src. Returns the stream, for the source to
 * wake; it stays valid until done(src) returns, and done is called even
 * when the reply cannot be sent. */
struct http_stream *http_reply_stream(struct http_server_reply *rep, const char *content_type,
                                      http_stream_read_fn read, http_stream_done_fn done,
                                      void *src);
/* Tells the server that src has bytes to give (or wants to end): its read
 * is called again soon; nothing once the reply has ended. Any thread, with
 * no lock held that done() takes. st must be alive: before done(src) has
 * returned, or held. */
void http_stream_wake(struct http_stream *st);
/* Keeps st alive after the reply ends, so that a source that collected it
 * under its own lock can wake it after letting that lock go. */
void http_stream_hold(struct http_stream *st);
void http_stream_release(struct http_stream *st);

/* The standard reason phrase ("Not Found"). */
const char *http_reason_phrase(unsigned status);

#endif
