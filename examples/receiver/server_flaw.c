/* The receiver's flaws that need the request and the scheme (see
 * server_priv.h): each a mistake real webhook code makes, switched on by
 * --flaw and marked FLAW; and the small lookups they share with server.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/http_server.h"
#include "core/log.h"
#include "core/topics.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/parents.h"
#include "examples/receiver/server_priv.h"
#include "examples/receiver/throttle.h"

/* A value where the scheme says it travels: a header, or a field of the
 * body (a dotted path such as "event.type"). NULL when absent. */
const char *rcv_server_locate(const struct rcv_server *s, const struct scheme_locator *l,
                              const struct http_server_request *req, const json_t *event)
{
    char path[SCHEME_HEADER_NAME_MAX + 1];
    const json_t *v = event;

    if (l->place == SCHEME_PLACE_HEADER) {
        return rcv_server_header(s, req, l->name);
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

const char *rcv_server_header(const struct rcv_server *s, const struct http_server_request *req,
                              const char *name)
{
    if (s->flaws & RCV_FLAW_HEADER_CASE_SENSITIVE) {
        /* FLAW header-case-sensitive: `event.headers['x-vambe-signature']`
         * in a function behind a gateway that keeps the sender's spelling,
         * or Go's `r.Header["X-Vambe-Signature"]`: a sender (or a proxy)
         * that spells the name otherwise is refused. */
        return http_server_header_exact(req, name);
    }
    return http_server_header(req, name);
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

/* The timestamp received (header or inside the signature) into ts, and
 * the signature the receiver expects for this request into expected. */
static void flaw_expected(const struct rcv_server *s, const struct http_server_request *req,
                          char ts[32], char expected[SCHEME_SIG_MAX + 1])
{
    const struct scheme *sc = &s->scheme;
    const char *id = rcv_server_locate(s, &sc->event_id, req, NULL);

    ts[0] = '\0';
    expected[0] = '\0';
    if (sc->timestamp.place == SCHEME_PLACE_HEADER) {
        const char *v = rcv_server_header(s, req, sc->timestamp.name);
        snprintf(ts, 32, "%s", v != NULL ? v : "");
    } else if (sc->timestamp.place == SCHEME_PLACE_IN_SIGNATURE) {
        const char *h = rcv_server_header(s, req, sc->signature_header);
        const char *t = h != NULL ? strstr(h, sc->timestamp.name) : NULL;
        if (t != NULL) {
            t += strlen(sc->timestamp.name);
            snprintf(ts, 32, "%.*s", (int)strspn(t, "0123456789"), t);
        }
    }
    scheme_sign(sc, s->secret, id != NULL ? id : "", ts, req->body, req->body_len, expected, NULL);
}

/* FLAW leaks-expected-signature: "signature mismatch: expected X, got Y",
 * the debugging message that stays in production: a forger sends X. */
void rcv_flaw_leak(const struct rcv_server *s, const struct http_server_request *req,
                   struct http_server_reply *rep)
{
    char ts[32];
    char expected[SCHEME_SIG_MAX + 1];

    if (s->scheme.kind == SCHEME_TOKEN) {
        http_reply_error(rep, 401, "token mismatch: expected %s", s->secret);
        return;
    }
    flaw_expected(s, req, ts, expected);
    http_reply_error(rep, 401, "signature mismatch: expected %s", expected);
}

bool rcv_flaw_compare_throws(const struct rcv_server *s, const struct http_server_request *req,
                             struct http_server_reply *rep)
{
    const struct scheme *sc = &s->scheme;
    const char *got =
        sc->kind == SCHEME_HMAC ? rcv_server_header(s, req, sc->signature_header) : NULL;
    char ts[32];
    char expected[SCHEME_SIG_MAX + 1];
    char value[SCHEME_WIRE_LINE];
    const char *sigs[1] = {expected};

    if (got == NULL) {
        return false;
    }
    flaw_expected(s, req, ts, expected);
    if (scheme_signature_value(sc, ts, sigs, 1, value, sizeof(value)) != 0 ||
        strlen(got) == strlen(value)) {
        return false;
    }
    /* FLAW compare-throws: crypto.timingSafeEqual(Buffer.from(got),
     * Buffer.from(expected)) throws when the lengths differ, and the
     * framework answers 500: the sender retries a forgery, and a receiver
     * that logs the stack trace fills its disk. */
    http_reply_error(rep, 500, "RangeError: Input buffers must have the same byte length");
    return true;
}

/* The attempt number, from the scheme's header whose template is
 * {attempt}; 1 when the scheme sends none. */
unsigned long rcv_server_attempt(const struct rcv_server *s, const struct http_server_request *req)
{
    for (size_t i = 0; i < s->scheme.n_headers; i++) {
        if (strcmp(s->scheme.headers[i].value, "{attempt}") == 0) {
            const char *v = rcv_server_header(s, req, s->scheme.headers[i].name);
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

bool rcv_flaw_handler_throws(const struct rcv_server *s, const char *topic)
{
    enum event_profile p = EVENT_PROFILE_DOCUMENTED;

    if (topic == NULL || event_profile_parse(s->scheme.profile, &p, NULL) != 0) {
        return false;
    }
    /* Under a provider's scheme, its type that stands for contact.created
     * (the sixth topic: no other Vambe topic stands for the same type). */
    return strcmp(topic, event_profile_topic(p, "contact.created")) == 0;
}

bool rcv_flaw_null_crash(const json_t *event)
{
    const json_t *data = json_object_get(event, "data");

    /* `data.contact_name.trim()` (the documented shape) or `data.name
     * .trim()` (the shape seen in traffic) on a message: a TypeError when
     * the field is null or left out. */
    if (!json_is_object(data)) {
        return false;
    }
    if (json_object_get(data, "message_body") != NULL) {
        return !json_is_string(json_object_get(data, "contact_name"));
    }
    if (json_object_get(data, "message") != NULL) {
        return !json_is_string(json_object_get(data, "name"));
    }
    return false;
}

void rcv_server_throttled(const struct rcv_server *s, struct http_server_reply *rep)
{
    http_reply_error(rep, 429, "too many deliveries; retry later");
    if (s->flaws & RCV_FLAW_NO_RETRY_AFTER) {
        /* FLAW no-retry-after: the limiter's default answer. The sender
         * falls back to its own backoff, which knows nothing of the
         * receiver's window: it may come back at once, or an hour later. */
        return;
    }
    http_reply_header(rep, "Retry-After", "1");
}

bool rcv_flaw_after_seen(struct rcv_server *s, const struct http_server_request *req,
                         const char *topic, const json_t *event, struct http_server_reply *rep)
{
    if ((s->flaws & RCV_FLAW_THROTTLE_DROPS) && !rcv_throttle_admit(s->throttle, clock_mono_us())) {
        /* FLAW throttle-drops: the dedupe middleware sits in front of the
         * rate limiter. The id is seen before the 429, so the sender's
         * retry is answered 200 as a duplicate: the event is never
         * processed. */
        rcv_server_throttled(s, rep);
        return true;
    }
    if (s->flaws & RCV_FLAW_LOST_ON_DISCONNECT) {
        /* FLAW lost-on-disconnect: the handler awaits its database write
         * before res.send, and the write is tied to the request's context.
         * A sender that stops waiting cancels it: the event is abandoned,
         * but its id was marked seen first, so the retry is a "duplicate". */
        clock_sleep_us(RCV_FLAW_DISCONNECT_WORK_MS * 1000u);
        if (http_server_peer_gone(req)) {
            log_debug("client gone: event abandoned, its id stays seen");
            http_reply_error(rep, 500, "context canceled");
            return true;
        }
    }
    if ((s->flaws & RCV_FLAW_DROPS_ORPHAN_UPDATE) && rcv_parents_orphan(s->parents, topic, event)) {
        /* FLAW drops-orphan-update: `const contact = await db.find(id); if
         * (!contact) return res.sendStatus(200)`: the update that came
         * before its .created is acknowledged, and lost. */
        http_reply_json(rep, 200, json_pack("{s:s}", "status", "ok"));
        return true;
    }
    return false;
}
