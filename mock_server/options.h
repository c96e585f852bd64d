/* `vambe-mock serve`'s options (options.c): what the server runs with,
 * their defaults, the checks that involve several of them and the TLS
 * files. Kept apart from server.h so that reading the options needs
 * nothing of the server; server.h includes this header, so its users see
 * both. */
#ifndef MOCK_SERVER_OPTIONS_H
#define MOCK_SERVER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "mock_server/policy.h"

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

/* The defaults: MS_DEFAULT_BIND, MS_DEFAULT_PORT, MS_DEFAULT_API_KEY, in
 * memory, text logs, access log on, the default delivery policy, plain
 * HTTP. */
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

#endif
