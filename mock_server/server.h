/* The mock server: the store, the webhook cache, the delivery engine and
 * the HTTP server serving the management and control APIs, started and
 * stopped as one. */
#ifndef MOCK_SERVER_SERVER_H
#define MOCK_SERVER_SERVER_H

#include <stdbool.h>

#include "core/err.h"
#include "core/log.h"
#include "mock_server/cache.h"
#include "mock_server/dispatch.h"
#include "mock_server/policy.h"
#include "mock_server/store.h"

#define MS_DEFAULT_BIND    "127.0.0.1"
#define MS_DEFAULT_PORT    8790
#define MS_DEFAULT_API_KEY "vambe-mock-local-key" /* documented; for local use only */
#define MS_API_KEY_ENV     "VAMBE_MOCK_API_KEY"
#define MS_API_KEY_MAX     256

/* What `vambe-mock serve` runs with. Strings are borrowed and must outlive
 * the server (argv and the environment do). */
struct ms_options {
    const char *bind;      /* an IPv4 or IPv6 literal */
    unsigned port;         /* 0 picks a free port */
    const char *port_file; /* NULL: none */
    const char *api_key;
    const char *db_path; /* NULL: in memory */
    enum log_format log_format;
    bool verbose;
    unsigned threads;        /* HTTP worker threads; 0 = one per core */
    bool access_log;         /* one line per request on stderr */
    struct ms_policy policy; /* the delivery policy at start (PUT /mock/config changes it) */
    /* The policy rows given on the command line (bit i: ms_policy_flags()[i]):
     * with --db they win over the settings PUT /mock/config stored. */
    uint64_t policy_given;
    const char *ca_file;       /* CA bundle for https receivers; NULL: the system's */
    bool insecure;             /* do not verify receivers' certificates */
    const char *tls_cert_file; /* PEM certificate (chain) of the API; NULL: plain HTTP */
    const char *tls_key_file;  /* its PEM private key; given with tls_cert_file */
};

/* A certificate and its key read from their files, NUL-terminated PEM
 * text; both NULL without TLS. Owned; release with ms_options_tls_free (which
 * wipes the key). */
struct ms_tls_pem {
    char *cert;
    char *key;
};

struct ms_server;

/* The defaults: MS_DEFAULT_BIND, MS_DEFAULT_PORT, MS_DEFAULT_API_KEY, in
 * memory, text logs, access log on, the default delivery policy, plain
 * HTTP. (options.c) */
void ms_options_init(struct ms_options *o);
/* Whether addr is a loopback address: 127.0.0.0/8, ::1, ::ffff:127.x.y.z
 * or "localhost". NULL (the default bind) is. */
bool ms_options_is_loopback(const char *addr);
/* The checks that involve several options, made before anything starts:
 * the public default key only on a loopback address; --tls-cert and
 * --tls-key both or neither. 0, or -1 with e saying what to change (a
 * configuration error: exit code 2). Never puts the key in e. */
int ms_options_check(const struct ms_options *o, struct err *e);
/* Reads o's TLS certificate and key files into out (both NULL without
 * TLS) and checks that they hold PEM text of the right kind. 0, or -1 with
 * e naming the flag and the file (out is then empty). */
int ms_options_load_tls(const struct ms_options *o, struct ms_tls_pem *out, struct err *e);
void ms_options_tls_free(struct ms_tls_pem *t);

/* Checks the options (ms_options_check), reads the TLS files if any,
 * opens the store, loads the cache, starts the delivery engine (which
 * resumes the attempts a previous run left pending) and starts serving
 * (https with a certificate). Returns NULL with e set when the options are
 * refused, the database cannot be opened or the address cannot be bound.
 * Does not touch signals or process-wide log settings. The caller stops the
 * server with ms_server_stop. */
struct ms_server *ms_server_start(const struct ms_options *o, struct err *e);
/* The port actually bound. */
unsigned ms_server_port(const struct ms_server *s);
/* The server's store and cache (borrowed), e.g. for tests and the delivery
 * engine. */
struct ms_store *ms_server_store(struct ms_server *s);
struct ms_cache *ms_server_cache(struct ms_server *s);
struct ms_dispatch *ms_server_dispatch(struct ms_server *s);
/* Stops accepting, lets in-flight requests finish, stops the delivery
 * engine (deliveries in flight stay pending in the store), closes the
 * database and frees everything. NULL ok. */
void ms_server_stop(struct ms_server *s);

/* The whole life of `vambe-mock serve`: sets up logging, checks the
 * options and the TLS files (KIT_EXIT_USAGE when they are refused: the
 * default key off loopback, an unreadable file, a certificate this
 * libmicrohttpd cannot serve), starts, writes the port file (atomically: a
 * temporary file renamed into place), prints the listening URL (https://
 * with TLS), waits for SIGINT or SIGTERM, stops. Returns an exit status
 * (core/exit.h): KIT_EXIT_ENV when it cannot bind, open the database or
 * write the port file. */
int ms_server_run(const struct ms_options *o);

#endif
