/* The one-line summary of a delivery's mutations ("signed with another
 * secret, timestamp 600 s in the past"), shown beside every exchange. */
#include <stdio.h>

#include "core/xalloc.h"
#include "harness/delivery_priv.h"

/* "signed with another secret, timestamp 600 s in the past, ..." */
char *hn_delivery_summary(const struct hn_mutation *m, size_t body_len)
{
    char buf[512];
    size_t used = 0;
    const char *parts[16];
    char shift[64];
    char raw[64];
    char method[32];
    char weak[64];
    size_t n = 0;

    static const char *const sig_text[] = {NULL,
                                           "no signature",
                                           "signed with another secret",
                                           "malformed signature",
                                           "signature in uppercase hex",
                                           "the valid signature first among invalid ones",
                                           "the valid signature last among invalid ones",
                                           "a MAC over the body alone",
                                           "the signature one character short",
                                           "the signature one hex digit long",
                                           "a non-ASCII character in the signature",
                                           "a signature header of 8 kB",
                                           "500 signatures made with another secret"};
    if (m->signature != HN_SIG_VALID) {
        parts[n++] = sig_text[m->signature];
    }
    if (m->timestamp == HN_TS_MISSING) {
        parts[n++] = "no timestamp";
    } else if (m->timestamp == HN_TS_MALFORMED) {
        parts[n++] = "malformed timestamp";
    } else if (m->timestamp == HN_TS_ZERO) {
        parts[n++] = "timestamp 0";
    }
    if (m->shift_s != 0) {
        snprintf(shift, sizeof(shift), "timestamp %lld s in the %s",
                 m->shift_s < 0 ? -m->shift_s : m->shift_s, m->shift_s < 0 ? "past" : "future");
        parts[n++] = shift;
    }
    if (m->has_raw_body) {
        snprintf(raw, sizeof(raw), "raw body of %zu bytes", body_len);
        parts[n++] = raw;
    }
    if (m->alter_body) {
        parts[n++] = "body altered after signing";
    }
    if (m->reformat) {
        parts[n++] = "body written as no serializer would (indented, \\u and \\/ escapes, CRLF)";
    }
    if (m->sign_with != NULL) {
        snprintf(weak, sizeof(weak), "signed with the key '%.20s'", m->sign_with);
        parts[n++] = weak;
    }
    if (m->method != NULL) {
        snprintf(method, sizeof(method), "method %s", m->method);
        parts[n++] = method;
    }
    if (m->n_add > 0) {
        parts[n++] = "extra headers";
    }
    if (m->header_case != HN_CASE_AS_IS) {
        parts[n++] = m->header_case == HN_CASE_LOWER   ? "header names in lower case"
                     : m->header_case == HN_CASE_UPPER ? "header names in upper case"
                                                       : "header names Capitalised-Like-This";
    }
    if (m->blank_id) {
        parts[n++] = "an empty event id";
    }
    if (m->new_id) {
        parts[n++] = "replayed as sent under a new event id header";
    }
    if (m->n_drop > 0) {
        parts[n++] = "fields removed";
    }
    if (m->n_remove > 0) {
        parts[n++] = "headers removed";
    }
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof(buf); i++) {
        int w = snprintf(buf + used, sizeof(buf) - used, "%s%s", i > 0 ? ", " : "", parts[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return xstrdup(buf);
}
