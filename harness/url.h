/* The target URL: just enough parsing to connect in the preflight, to tell
 * a loopback target from a remote one (SEC-001), and to redact the values of
 * its query string (a token in the URL is a secret) before the URL is shown
 * or stored. The URL itself is always sent exactly as given. */
#ifndef HARNESS_URL_H
#define HARNESS_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define HN_URL_HOST_MAX 256

struct hn_url {
    bool https;
    char host[HN_URL_HOST_MAX]; /* without the brackets of an IPv6 literal */
    unsigned port;              /* the explicit port, or 80 / 443 */
};

/* Accepts http:// and https:// URLs with a host. */
int hn_url_parse(const char *url, struct hn_url *out, struct err *e);
/* True for localhost, *.localhost, 127.0.0.0/8 and ::1. */
bool hn_url_is_loopback(const struct hn_url *u);
/* Checks a --resolve entry, "HOST:PORT:ADDRESS" as curl's --resolve
 * takes it (ADDRESS numeric, an IPv6 one in brackets or not). 0, or -1
 * with e saying what is wrong. */
int hn_resolve_check(const char *entry, struct err *e);
/* The ADDRESS of the first of the n entries for host and port, copied
 * into out without brackets; false when none is. */
bool hn_resolve_find(const char *const *entries, size_t n, const char *host, unsigned port,
                     char *out, size_t out_size);

/* The placeholder of a --probe-url template. */
#define HN_URL_EVENT_ID "{event_id}"

/* A copy of url with every query value (and any user:password) replaced by
 * "***", but a value that is exactly HN_URL_EVENT_ID (a probe template's
 * placeholder: no secret). The caller frees the result. */
char *hn_url_redact(const char *url);

#endif
