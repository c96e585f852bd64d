/* The HTTP server's routing (see http_server_priv.h): patterns with "{}"
 * captures, the route a request takes, the Allow list of a 405, the
 * routes copied at start, and the reason phrases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http_server_priv.h"
#include "core/xalloc.h"

int srv_pattern_match(const char *pat, const char *path, struct srv_span *caps)
{
    int n = 0;

    while (*pat != '\0' && *path != '\0') {
        if (pat[0] == '{' && pat[1] == '}') {
            const char *end = strchr(path, '/');

            if (end == NULL) {
                end = path + strlen(path);
            }
            if (end == path || n >= HTTP_SERVER_MAX_PARAMS) {
                return -1;
            }
            if (caps != NULL) {
                caps[n].p = path;
                caps[n].len = (size_t)(end - path);
            }
            n++;
            path = end;
            pat += 2;
        } else if (*pat == *path) {
            pat++;
            path++;
        } else {
            return -1;
        }
    }
    if (*pat != '\0' || *path != '\0') {
        return -1;
    }
    return n;
}

void srv_route_pick(const struct http_server *s, const char *method, const char *path,
                    struct srv_req *r)
{
    const struct srv_route *best = NULL;
    bool path_known = false;

    for (size_t i = 0; i < s->n_routes; i++) {
        const struct srv_route *rt = &s->routes[i];

        if (best != NULL && rt->n_caps >= best->n_caps) {
            continue;
        }
        if (srv_pattern_match(rt->pattern, path, NULL) < 0) {
            continue;
        }
        path_known = true;
        if (strcmp(rt->method, method) == 0) {
            best = rt;
        }
    }
    r->route = best;
    if (best == NULL) {
        r->early_status = path_known ? 405 : 404;
    }
}

void srv_allow_list(const struct http_server *s, const char *path, char *out, size_t out_size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < s->n_routes; i++) {
        const struct srv_route *rt = &s->routes[i];
        bool seen = false;
        int w;

        if (srv_pattern_match(rt->pattern, path, NULL) < 0) {
            continue;
        }
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(s->routes[j].method, rt->method) == 0 &&
                   srv_pattern_match(s->routes[j].pattern, path, NULL) >= 0;
        }
        if (seen) {
            continue;
        }
        w = snprintf(out + used, out_size - used, "%s%s", used > 0 ? ", " : "", rt->method);
        if (w < 0 || (size_t)w >= out_size - used) {
            break; /* keep the complete entries only */
        }
        used += (size_t)w;
    }
    out[used] = '\0';
}

int srv_routes_load(struct http_server *s, const struct http_server_opts *opts, struct err *e)
{
    if (opts->n_routes > 0 && opts->routes == NULL) {
        return err_set(e, "http server: %zu routes declared but none given", opts->n_routes);
    }
    s->routes = xcalloc(opts->n_routes > 0 ? opts->n_routes : 1, sizeof(*s->routes));
    for (size_t i = 0; i < opts->n_routes; i++) {
        const struct http_route *in = &opts->routes[i];
        struct srv_route *rt = &s->routes[i];
        size_t n = 0;

        if (in->method == NULL || in->method[0] == '\0' || in->pattern == NULL ||
            in->pattern[0] != '/' || in->fn == NULL) {
            return err_set(e,
                           "http server: route %zu: method, pattern (starting with '/') "
                           "and handler are required",
                           i);
        }
        for (const char *p = in->pattern; *p != '\0'; p++) {
            if (p[0] == '{' && p[1] == '}') {
                n++;
                p++;
            } else if (*p == '{' || *p == '}') {
                return err_set(e,
                               "http server: route %zu: pattern '%s': only \"{}\" may "
                               "use braces",
                               i, in->pattern);
            }
        }
        if (n > HTTP_SERVER_MAX_PARAMS) {
            return err_set(e, "http server: route %zu: pattern '%s' has %zu captures (at most %d)",
                           i, in->pattern, n, HTTP_SERVER_MAX_PARAMS);
        }
        rt->method = xstrdup(in->method);
        rt->pattern = xstrdup(in->pattern);
        rt->n_caps = n;
        rt->fn = in->fn;
        s->n_routes = i + 1;
    }
    return 0;
}

/* The error shape the kit copies ({"statusCode", "error", "message"})
 * carries the reason phrases of Node's http module. libmicrohttpd 0.9.75
 * has the same ones (RFC 9110's) except for these three; the status line
 * itself keeps libmicrohttpd's. */
static const struct {
    unsigned status;
    const char *phrase;
} srv_phrases[] = {
    {413, "Payload Too Large"}, {418, "I'm a Teapot"}, {422, "Unprocessable Entity"}};

const char *http_reason_phrase(unsigned status)
{
    const char *p;

    for (size_t i = 0; i < sizeof(srv_phrases) / sizeof(srv_phrases[0]); i++) {
        if (srv_phrases[i].status == status) {
            return srv_phrases[i].phrase;
        }
    }
    p = MHD_get_reason_phrase_for(status);
    return p != NULL && p[0] != '\0' ? p : "Unknown";
}
