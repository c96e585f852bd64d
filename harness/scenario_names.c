/* The names of the scenario's enums (scenario.h): step kinds, signature
 * mutations and needs, as scenario files spell them and reports show them.
 * A leaf: the parser's files and the runner all use it, it uses none of
 * them. */
#include <stddef.h>

#include "harness/scenario.h"

const char *hn_step_kind_name(enum hn_step_kind k)
{
    switch (k) {
    case HN_STEP_DELIVER:
        return "deliver";
    case HN_STEP_BURST:
        return "burst";
    case HN_STEP_WAIT:
        return "wait";
    case HN_STEP_PROBE:
        return "probe";
    case HN_STEP_TARGET:
        return "target";
    case HN_STEP_AUDIT:
        return "audit";
    case HN_STEP_LARGEST:
        return "largest_body";
    case HN_STEP_WINDOW:
        return "window";
    case HN_STEP_RESTART:
        return "restart";
    case HN_STEP_STATE:
        return "state";
    case HN_STEP_ANSWERS:
        return "answers";
    }
    return "?";
}

const char *hn_sig_mutation_name(enum hn_sig_mutation m)
{
    switch (m) {
    case HN_SIG_VALID:
        return "valid";
    case HN_SIG_MISSING:
        return "missing";
    case HN_SIG_OTHER_SECRET:
        return "other_secret";
    case HN_SIG_MALFORMED:
        return "malformed";
    case HN_SIG_UPPERCASE:
        return "uppercase";
    case HN_SIG_VALID_FIRST:
        return "valid_first";
    case HN_SIG_VALID_LAST:
        return "valid_last";
    case HN_SIG_BODY_ONLY:
        return "body_only";
    case HN_SIG_SHORT:
        return "short";
    case HN_SIG_LONG:
        return "long";
    case HN_SIG_NON_ASCII:
        return "non_ascii";
    case HN_SIG_OVERSIZED:
        return "oversized";
    case HN_SIG_MANY:
        return "many";
    }
    return "?";
}

const char *hn_need_name(enum hn_need n)
{
    switch (n) {
    case HN_NEED_AUTH:
        return "auth";
    case HN_NEED_SIGNATURE:
        return "signature";
    case HN_NEED_BODY:
        return "signed_body";
    case HN_NEED_PAST:
        return "timestamp_past";
    case HN_NEED_FUTURE:
        return "timestamp_future";
    case HN_NEED_LIST:
        return "signature_list";
    case HN_NEED_HEX:
        return "hex_signature";
    case HN_NEED_VAMBE:
        return "vambe_profile";
    case HN_NEED_BOUND_ID:
        return "bound_event_id";
    }
    return NULL;
}
