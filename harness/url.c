/* Target URLs: parse, loopback test, redaction. libcurl has a URL parser,
 * but only core/http_client.c may include libcurl, and the harness needs
 * nothing beyond scheme, host and port. */
#include "harness/url.h"

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
