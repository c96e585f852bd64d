/* Target URLs: parse, loopback test, redaction. libcurl has a URL parser,
 * but only core/http_client.c may include libcurl, and the harness needs
 * nothing beyond scheme, host and port. */
#include "harness/url.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/parse.h"
#include "core/xalloc.h"

int hn_url_parse(const char *url, struct hn_url *out, struct err *e)
{
    const char *p;
    const char *host_end;
    size_t host_len;

    memset(out, 0, sizeof(*out));
    if (strncasecmp(url, "http://", 7) == 0) {
        p = url + 7;
        out->port = 80;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        p = url + 8;
        out->https = true;
        out->port = 443;
    } else {
        return err_set(e, "'%s': the target must be an http:// or https:// URL", url);
    }
    /* Skip user information, if any, up to the end of the authority. */
    size_t auth_len = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth_len);
    if (at != NULL) {
        auth_len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (*p == '[') {
        host_end = memchr(p, ']', auth_len);
        if (host_end == NULL) {
            return err_set(e, "the target URL has an unclosed IPv6 address");
        }
        host_len = (size_t)(host_end - p - 1);
        p++;
        host_end++;
    } else {
        host_end = p;
        while ((size_t)(host_end - p) < auth_len && *host_end != ':') {
            host_end++;
        }
        host_len = (size_t)(host_end - p);
    }
    if (host_len == 0 || host_len >= sizeof(out->host)) {
        return err_set(e, "the target URL has no host (or one that is too long)");
    }
    memcpy(out->host, p, host_len);
    out->host[host_len] = '\0';
    if (*host_end == ':') {
        char port[8];
        size_t n = strcspn(host_end + 1, "/?#");
        long long v = 0;
        struct err pe = {{0}};
        if (n == 0 || n >= sizeof(port)) {
            return err_set(e, "the target URL has a bad port");
        }
        memcpy(port, host_end + 1, n);
        port[n] = '\0';
        if (parse_int(port, 1, 65535, &v, &pe) != 0) {
            return err_set(e, "the target URL's port: %s", pe.msg);
        }
        out->port = (unsigned)v;
    }
    return 0;
}

/* Splits a --resolve entry; false when it has not three parts, a host, a
 * port from 1 to 65535 and a numeric address. */
static bool resolve_split(const char *entry, char *host, size_t host_size, unsigned *port,
                          char *addr, size_t addr_size)
{
    const char *c1 = strchr(entry, ':');
    const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    const char *a;
    size_t alen;
    unsigned char bin[16];
    unsigned long p = 0;

    if (c1 == NULL || c2 == NULL || c1 == entry || (size_t)(c1 - entry) >= host_size ||
        c2 == c1 + 1 || c2 - c1 > 6) {
        return false;
    }
    for (const char *d = c1 + 1; d < c2; d++) {
        if (*d < '0' || *d > '9') {
            return false;
        }
        p = p * 10 + (unsigned long)(*d - '0');
    }
    a = c2 + 1;
    alen = strlen(a);
    if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
        a++;
        alen -= 2;
    }
    if (p == 0 || p > 65535 || alen == 0 || alen >= addr_size) {
        return false;
    }
    memcpy(host, entry, (size_t)(c1 - entry));
    host[c1 - entry] = '\0';
    memcpy(addr, a, alen);
    addr[alen] = '\0';
    *port = (unsigned)p;
    return inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1;
}

int hn_resolve_check(const char *entry, struct err *e)
{
    char host[HN_URL_HOST_MAX];
    char addr[64];
    unsigned port;

    if (!resolve_split(entry, host, sizeof(host), &port, addr, sizeof(addr))) {
        return err_set(e,
                       "--resolve: '%s' is not HOST:PORT:ADDRESS (a port from 1 to 65535 and a "
                       "numeric address, e.g. receiver.example.com:443:127.0.0.1)",
                       entry);
    }
    return 0;
}

bool hn_resolve_find(const char *const *entries, size_t n, const char *host, unsigned port,
                     char *out, size_t out_size)
{
    for (size_t i = 0; i < n; i++) {
        char h[HN_URL_HOST_MAX];
        char addr[64];
        unsigned p;

        if (resolve_split(entries[i], h, sizeof(h), &p, addr, sizeof(addr)) && p == port &&
            strcasecmp(h, host) == 0) {
            snprintf(out, out_size, "%s", addr);
            return true;
        }
    }
    return false;
}

bool hn_url_is_loopback(const struct hn_url *u)
{
    size_t n = strlen(u->host);

    if (strcasecmp(u->host, "localhost") == 0 ||
        (n > 10 && strcasecmp(u->host + n - 10, ".localhost") == 0) ||
        strcmp(u->host, "::1") == 0 || strncmp(u->host, "127.", 4) == 0) {
        return true;
    }
    return false;
}

char *hn_url_redact(const char *url)
{
    size_t len = strlen(url);
    /* Each value becomes "***": at most 3 bytes more per '=' character. */
    char *out = xmalloc(len * 4 + 8);
    size_t o = 0;
    const char *p = url;
    const char *scheme_end = strstr(url, "://");

    if (scheme_end != NULL) {
        const char *auth = scheme_end + 3;
        size_t auth_len = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', auth_len);
        memcpy(out, url, (size_t)(auth - url));
        o = (size_t)(auth - url);
        p = auth;
        if (at != NULL) {
            memcpy(out + o, "***@", 4);
            o += 4;
            p = at + 1;
        }
    }
    const char *q = strchr(p, '?');
    size_t head = q != NULL ? (size_t)(q - p) + 1 : strlen(p);
    memcpy(out + o, p, head);
    o += head;
    if (q != NULL) {
        const char *s = q + 1;
        while (*s != '\0' && *s != '#') {
            size_t pair = strcspn(s, "&#");
            const char *eq = memchr(s, '=', pair);
            size_t value_len = eq != NULL ? pair - (size_t)(eq - s) - 1 : 0;
            /* A probe's {event_id} template is no secret, and a re-run
             * command without it could not be pasted back. */
            bool template = eq != NULL && value_len == strlen(HN_URL_EVENT_ID) &&
                            memcmp(eq + 1, HN_URL_EVENT_ID, value_len) == 0;
            if (eq != NULL && !template) {
                size_t name = (size_t)(eq - s) + 1;
                memcpy(out + o, s, name);
                o += name;
                memcpy(out + o, "***", 3);
                o += 3;
            } else {
                memcpy(out + o, s, pair);
                o += pair;
            }
            s += pair;
            if (*s == '&') {
                out[o++] = '&';
                s++;
            }
        }
        size_t rest = strlen(s);
        memcpy(out + o, s, rest);
        o += rest;
    }
    out[o] = '\0';
    return out;
}
