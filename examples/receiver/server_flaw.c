/* The receiver's flaws that need the request and the scheme (see
 * server_priv.h): each a mistake real webhook code makes, switched on by
 * --flaw and marked FLAW; and the small lookups they share with server.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/http_server.h"
#include "core/topics.h"
#include "examples/receiver/server_priv.h"

/* A value where the scheme says it travels: a header, or a field of the
 * body (a dotted path such as "event.type"). NULL when absent. */
const char *rcv_server_locate(const struct scheme_locator *l, const struct http_server_request *req,
                              const json_t *event)
{
    char path[SCHEME_HEADER_NAME_MAX + 1];
    const json_t *v = event;

    if (l->place == SCHEME_PLACE_HEADER) {
        return http_server_header(req, l->name);
    }
    if (l->place != SCHEME_PLACE_FIELD) {
        return NULL;
    }
    snprintf(path, sizeof(path), "%s", l->name);
    for (char *save = NULL, *k = strtok_r(path, ".", &save); k != NULL && v != NULL;
         k = strtok_r(NULL, ".", &save)) {
        v = json_object_get(v, k);
    }
    return json_string_value(v);
}

/* FLAW first-signature-only: the list is cut after its first signature, as
 * a verifier does that splits the header and compares element [0] (or
 * parses "k=v" pairs into a map, where one v1 replaces another). During a
 * secret rotation the sender's new signature comes second: every delivery
 * is refused until the rotation ends. */
const char *rcv_flaw_first_only(const struct scheme *sc, const char *value, char *out,
                                size_t out_size)
{
    size_t prefix = strcspn(sc->element, "{");
    size_t used = 0;
    bool kept = false;
    char copy[SCHEME_WIRE_LINE];
    char *save = NULL;

    snprintf(copy, sizeof(copy), "%s", value);
    out[0] = '\0';
    /* Separators are one character in every built-in list scheme. */
    for (char *part = strtok_r(copy, sc->separator, &save); part != NULL;
         part = strtok_r(NULL, sc->separator, &save)) {
        bool sig = strncmp(part, sc->element, prefix) == 0;
        if (sig && kept) {
            continue;
        }
        kept = kept || sig;
        int w = snprintf(out + used, out_size - used, "%s%s", used ? sc->separator : "", part);
        used += w > 0 ? (size_t)w : 0;
    }
    return out;
}

/* FLAW leaks-expected-signature: "signature mismatch: expected X, got Y",
 * the debugging message that stays in production: a forger sends X. */
void rcv_flaw_leak(const struct rcv_server *s, const struct http_server_request *req,
                   struct http_server_reply *rep)
{
    const struct scheme *sc = &s->scheme;
    char ts[32] = "";
    char expected[SCHEME_SIG_MAX + 1] = "";
    const char *id = rcv_server_locate(&sc->event_id, req, NULL);

    if (sc->kind == SCHEME_TOKEN) {
        http_reply_error(rep, 401, "token mismatch: expected %s", s->secret);
        return;
    }
    if (sc->timestamp.place == SCHEME_PLACE_HEADER) {
        const char *v = http_server_header(req, sc->timestamp.name);
        snprintf(ts, sizeof(ts), "%s", v != NULL ? v : "");
    } else if (sc->timestamp.place == SCHEME_PLACE_IN_SIGNATURE) {
        const char *h = http_server_header(req, sc->signature_header);
        const char *t = h != NULL ? strstr(h, sc->timestamp.name) : NULL;
        if (t != NULL) {
            t += strlen(sc->timestamp.name);
            snprintf(ts, sizeof(ts), "%.*s", (int)strspn(t, "0123456789"), t);
        }
    }
    scheme_sign(sc, s->secret, id != NULL ? id : "", ts, req->body, req->body_len, expected, NULL);
    http_reply_error(rep, 401, "signature mismatch: expected %s", expected);
}

/* The attempt number, from the scheme's header whose template is
 * {attempt}; 1 when the scheme sends none. */
unsigned long rcv_server_attempt(const struct rcv_server *s, const struct http_server_request *req)
{
    for (size_t i = 0; i < s->scheme.n_headers; i++) {
        if (strcmp(s->scheme.headers[i].value, "{attempt}") == 0) {
            const char *v = http_server_header(req, s->scheme.headers[i].name);
            return v != NULL ? strtoul(v, NULL, 10) : 1;
        }
    }
    return 1;
}

/* FLAW reject-unknown: is topic one the receiver's code was written for
 * (Vambe's catalogue, or its provider's types)? */
bool rcv_flaw_known_topic(const struct rcv_server *s, const char *topic)
{
    enum event_profile p = EVENT_PROFILE_DOCUMENTED;
    const char *const *types = NULL;

    if (topic == NULL) {
        return false;
    }
    if (event_profile_parse(s->scheme.profile, &p, NULL) != 0 || p == EVENT_PROFILE_DOCUMENTED ||
        p == EVENT_PROFILE_LEGACY) {
        return topics_find(topic) != NULL;
    }
    types = event_profile_types(p);
    for (size_t i = 0; types != NULL && types[i] != NULL; i++) {
        if (strcmp(types[i], topic) == 0) {
            return true;
        }
    }
    return false;
}
