/* The --header arguments (delivery.h): well formed, and not a header the
 * harness sets itself. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "harness/delivery.h"

int hn_delivery_header_check(const char *line, struct err *e)
{
    const char *colon = strchr(line, ':');

    if (colon == NULL || colon == line) {
        return err_set(e, "--header '%s': use 'Name: value'", line);
    }
    for (const char *c = line; c < colon; c++) {
        if (!isalnum((unsigned char)*c) && strchr("!#$%&'*+-.^_`|~", *c) == NULL) {
            return err_set(e, "--header: bad header name '%.*s'", (int)(colon - line), line);
        }
    }
    if (strpbrk(line, "\r\n") != NULL) {
        return err_set(e, "--header: a header is one line");
    }
    return 0;
}

/* A header the harness sets on every delivery: the transport's, and each
 * the scheme sends (its fixed headers, ids, timestamp, signature, token).
 * NULL when name is none of them, else what it is. */
static const char *delivery_owned(const struct scheme *s, const char *name)
{
    static const char *const transport[] = {"Content-Length", "Content-Type", "Transfer-Encoding",
                                            "Host",           "Connection",   "Expect"};
    const struct scheme_locator *loc[] = {&s->event_id, &s->event_type, &s->delivery_id,
                                          &s->timestamp, &s->token};
    static const char *const loc_what[] = {"event-id header", "event-type header",
                                           "delivery-id header", "timestamp header",
                                           "token header"};

    for (size_t i = 0; i < sizeof(transport) / sizeof(transport[0]); i++) {
        if (strcasecmp(name, transport[i]) == 0) {
            return "a header of the request itself";
        }
    }
    if (s->kind == SCHEME_HMAC && strcasecmp(name, s->signature_header) == 0) {
        return "the scheme's signature header";
    }
    for (size_t i = 0; i < sizeof(loc) / sizeof(loc[0]); i++) {
        if (loc[i]->place == SCHEME_PLACE_HEADER && strcasecmp(name, loc[i]->name) == 0) {
            return loc_what[i];
        }
    }
    for (size_t i = 0; i < s->n_headers; i++) {
        if (strcasecmp(name, s->headers[i].name) == 0) {
            return "a header the scheme sends";
        }
    }
    return NULL;
}

int hn_delivery_header_free(const struct scheme *s, const char *line, struct err *e)
{
    size_t len = strcspn(line, ":");
    char name[SCHEME_HEADER_NAME_MAX + 1];
    const char *what;

    snprintf(name, sizeof(name), "%.*s", (int)len, line);
    if ((what = delivery_owned(s, name)) != NULL) {
        /* The value is not echoed: it may be a credential. */
        return err_set(e,
                       "--header %s: the harness sets %s itself (%s under scheme %s): a value of "
                       "yours would change every delivery, and the verdicts would blame the "
                       "receiver",
                       name, name, what, s->name);
    }
    return 0;
}
