/* What a scheme and a payload profile lack for a case's needs (see
 * runner.h): the reason a case or a step is left out, in full, and how
 * the event id is bound to what the sender signs. */
#include <stdio.h>
#include <string.h>

#include "harness/runner.h"

enum hn_id_binding hn_runner_id_binding(const struct scheme *s, enum event_profile profile)
{
    /* Vambe's documented payload carries the event id as its "id". */
    bool in_body = s->event_id.place == SCHEME_PLACE_FIELD || profile == EVENT_PROFILE_DOCUMENTED;

    if (s->kind == SCHEME_HMAC &&
        (strstr(s->signed_template, "{id}") != NULL || (in_body && scheme_signs_body(s)))) {
        return HN_ID_SIGNED;
    }
    return in_body ? HN_ID_IN_BODY : HN_ID_LOOSE;
}

const char *hn_runner_lacks(const struct scheme *s, enum event_profile profile, unsigned needs,
                            char *buf, size_t size)
{
    const char *why = NULL;

    if ((needs & HN_NEED_BOUND_ID) && s->event_id.place != SCHEME_PLACE_HEADER) {
        snprintf(buf, size,
                 "scheme %s carries the event id in the body only: no header to "
                 "replay it under",
                 s->name);
        return buf;
    }
    if ((needs & HN_NEED_BOUND_ID) && hn_runner_id_binding(s, profile) == HN_ID_LOOSE) {
        snprintf(buf, size,
                 "scheme %s sends the event id in its %s header only, outside the signed bytes "
                 "(profile %s has none in the body): a replay under a new id is a new event to "
                 "any receiver",
                 s->name, s->event_id.name, event_profile_name(profile));
        return buf;
    }

    if ((needs & HN_NEED_VAMBE) && profile != EVENT_PROFILE_DOCUMENTED &&
        profile != EVENT_PROFILE_LEGACY) {
        snprintf(buf, size,
                 "profile %s is a provider's: Vambe's optional fields and its other profile do "
                 "not apply",
                 event_profile_name(profile));
        return buf;
    }
    if ((needs & HN_NEED_AUTH) && s->kind == SCHEME_NONE) {
        why = "asks the receiver to authenticate nothing";
    } else if ((needs & (HN_NEED_SIGNATURE | HN_NEED_BODY | HN_NEED_PAST | HN_NEED_FUTURE |
                         HN_NEED_LIST | HN_NEED_HEX)) &&
               s->kind != SCHEME_HMAC) {
        why = s->kind == SCHEME_TOKEN
                  ? "sends a shared token: no signature, so nothing binds the body or the time"
                  : "asks the receiver to authenticate nothing";
    } else if ((needs & HN_NEED_BODY) && !scheme_signs_body(s)) {
        why = "does not sign the body";
    } else if ((needs & (HN_NEED_PAST | HN_NEED_FUTURE)) && !scheme_has_timestamp(s)) {
        why = "sends no timestamp, so a receiver has no window to enforce";
    } else if ((needs & HN_NEED_PAST) && s->past_s == SCHEME_UNBOUNDED) {
        why = "sets no bound on old timestamps";
    } else if ((needs & HN_NEED_FUTURE) && s->future_s == SCHEME_UNBOUNDED) {
        why = "accepts timestamps from the future, as its provider's official libraries do";
    } else if ((needs & HN_NEED_LIST) && !s->list) {
        why = "carries one signature per header";
    } else if ((needs & HN_NEED_HEX) && s->encoding != SCHEME_ENC_HEX) {
        why = "encodes signatures in base64 (no case to change)";
    }
    if (why == NULL) {
        return NULL;
    }
    snprintf(buf, size, "scheme %s %s", s->name, why);
    return buf;
}
