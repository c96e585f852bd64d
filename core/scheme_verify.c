/* Verifying a delivery against a scheme, as a receiver should (see
 * scheme.h): syntax first, then the time window, then the MAC over the raw
 * body with a constant-time compare. */
#include "core/scheme.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/scheme_priv.h"

#define TIMESTAMP_MAX_DIGITS 15
#define CANDIDATES_MAX       8

/* 1 to 15 decimal digits, nothing else. */
static int verify_timestamp_text(const char *text, size_t n, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > TIMESTAMP_MAX_DIGITS) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)text[i])) {
            return -1;
        }
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    *out = v;
    return 0;
}

/* Does text (n bytes) have the syntax of one encoded MAC of the scheme? */
static bool verify_sig_syntax(const struct scheme *s, const char *text, size_t n)
{
    size_t mac_len = strcmp(s->digest, "sha1") == 0     ? 20
                     : strcmp(s->digest, "sha512") == 0 ? 64
                                                        : 32;
    size_t want = s->encoding == SCHEME_ENC_HEX ? 2 * mac_len : 4 * ((mac_len + 2) / 3);

    if (n != want) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        bool ok = s->encoding == SCHEME_ENC_HEX ? isxdigit(c) != 0
                                                : (isalnum(c) || c == '+' || c == '/' || c == '=');
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Splits a template around {field}: the literal text before and after. */
static void verify_around(const char *tpl, const char *field, char *before, char *after,
                          size_t size)
{
    const char *at = strstr(tpl, field);
    size_t len = at != NULL ? (size_t)(at - tpl) : strlen(tpl);

    snprintf(before, size, "%.*s", (int)len, tpl);
    snprintf(after, size, "%s", at != NULL ? at + strlen(field) : "");
}

struct verify_parts {
    const char *sigs[CANDIDATES_MAX]; /* into buf */
    size_t n_sigs;
    char ts[TIMESTAMP_MAX_DIGITS + 2];
    bool has_ts;
    char buf[SCHEME_WIRE_LINE];
};

/* A list header: the elements that look like "v1,<sig>", and the
 * timestamp part ("t=...") where the scheme carries it there. */
static int verify_split_list(const struct scheme *s, const char *header, struct verify_parts *v)
{
    char before[SCHEME_TEMPLATE_MAX + 1];
    char after[SCHEME_TEMPLATE_MAX + 1];
    size_t sep_len = strlen(s->separator);
    char *part = v->buf;

    verify_around(s->element, "{sig}", before, after, sizeof(before));
    snprintf(v->buf, sizeof(v->buf), "%s", header);
    while (part != NULL) {
        char *next = strstr(part, s->separator);
        size_t len = next != NULL ? (size_t)(next - part) : strlen(part);
        size_t bl = strlen(before);
        size_t al = strlen(after);
        size_t tl = strlen(s->timestamp.name);
        if (next != NULL) {
            *next = '\0';
        }
        if (s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE && !v->has_ts && len > tl &&
            strncmp(part, s->timestamp.name, tl) == 0 && len - tl < sizeof(v->ts)) {
            snprintf(v->ts, sizeof(v->ts), "%s", part + tl);
            v->has_ts = true;
        } else if (len > bl + al && strncmp(part, before, bl) == 0 &&
                   strcmp(part + len - al, after) == 0 && v->n_sigs < CANDIDATES_MAX &&
                   verify_sig_syntax(s, part + bl, len - bl - al)) {
            part[len - al] = '\0';
            v->sigs[v->n_sigs++] = part + bl;
        }
        part = next != NULL ? next + sep_len : NULL;
    }
    return v->n_sigs > 0 ? 0 : -1;
}

/* A single-signature header: the value template's text around {sig}. */
static int verify_split_one(const struct scheme *s, const char *header, const char *ts,
                            struct verify_parts *v)
{
    char tpl_before[SCHEME_TEMPLATE_MAX + 1];
    char tpl_after[SCHEME_TEMPLATE_MAX + 1];
    char before[SCHEME_WIRE_LINE];
    char after[SCHEME_WIRE_LINE];
    struct scheme_var var = {"timestamp", ts != NULL ? ts : ""};
    size_t len = strlen(header);

    verify_around(s->signature_value, "{sig}", tpl_before, tpl_after, sizeof(tpl_before));
    if (scheme_render(tpl_before, &var, 1, before, sizeof(before)) != 0 ||
        scheme_render(tpl_after, &var, 1, after, sizeof(after)) != 0) {
        return -1;
    }
    size_t bl = strlen(before);
    size_t al = strlen(after);
    if (len < bl + al || strncmp(header, before, bl) != 0 ||
        strcmp(header + len - al, after) != 0 ||
        !verify_sig_syntax(s, header + bl, len - bl - al) || len >= sizeof(v->buf)) {
        return -1;
    }
    snprintf(v->buf, sizeof(v->buf), "%.*s", (int)(len - bl - al), header + bl);
    v->sigs[v->n_sigs++] = v->buf;
    return 0;
}

static enum signature_result verify_window(const struct scheme *s, const char *ts, uint64_t now_ms,
                                           enum signature_unit unit)
{
    uint64_t t = 0;

    if (verify_timestamp_text(ts, strlen(ts), &t) != 0) {
        return SIGNATURE_MALFORMED;
    }
    bool in_ms = unit == SIGNATURE_UNIT_MS || (unit == SIGNATURE_UNIT_AUTO && t > 100000000000ull);
    uint64_t t_ms = in_ms ? t : t * 1000u;
    /* A timestamp in seconds stands for its whole second: its age counts
     * from the second's end, so that "past_s": 0 still takes a delivery
     * signed earlier in the same second (found by fuzz_scheme). */
    uint64_t newest_ms = in_ms ? t_ms : t_ms + 999u;
    if (s->past_s != SCHEME_UNBOUNDED && newest_ms + (uint64_t)s->past_s * 1000u < now_ms) {
        return SIGNATURE_STALE;
    }
    if (s->future_s != SCHEME_UNBOUNDED && t_ms > now_ms + (uint64_t)s->future_s * 1000u) {
        return SIGNATURE_FUTURE;
    }
    return SIGNATURE_OK;
}

static enum signature_result verify_token(const struct scheme *s, const char *secret,
                                          const struct scheme_request *r)
{
    const char *given =
        s->token.place == SCHEME_PLACE_QUERY ? r->query_token : r->header(r->ctx, s->token.name);
    char expected[SCHEME_WIRE_LINE];

    if (given == NULL || *given == '\0') {
        return SIGNATURE_MISSING;
    }
    if (scheme_token_value(s, secret, expected, sizeof(expected)) != 0) {
        return SIGNATURE_MISMATCH;
    }
    return signature_equal(expected, strlen(expected), given, strlen(given)) ? SIGNATURE_OK
                                                                             : SIGNATURE_MISMATCH;
}

/* Any candidate equal to the expected MAC (hex compared in lower case:
 * most HMAC libraries print either). */
static enum signature_result verify_mac(const struct scheme *s, const char *secret, const char *id,
                                        const char *ts, const struct scheme_request *r,
                                        struct verify_parts *v)
{
    char expected[SCHEME_SIG_MAX + 1];
    bool ok = false;

    if (scheme_sign(s, secret, id, ts, r->body, r->body_len, expected, NULL) != 0) {
        return SIGNATURE_MISMATCH;
    }
    for (size_t i = 0; i < v->n_sigs; i++) {
        char given[SCHEME_SIG_MAX + 1];
        size_t n = strlen(v->sigs[i]);
        for (size_t k = 0; k < n && k < SCHEME_SIG_MAX; k++) {
            char c = v->sigs[i][k];
            given[k] = s->encoding == SCHEME_ENC_HEX ? (char)tolower((unsigned char)c) : c;
        }
        given[n < SCHEME_SIG_MAX ? n : SCHEME_SIG_MAX] = '\0';
        /* Every candidate is compared, so the time does not tell which. */
        ok |= signature_equal(expected, strlen(expected), given, strlen(given));
    }
    return ok ? SIGNATURE_OK : SIGNATURE_MISMATCH;
}

enum signature_result scheme_verify(const struct scheme *s, const char *secret,
                                    const struct scheme_request *r, const char *id, uint64_t now_ms,
                                    enum signature_unit unit)
{
    struct verify_parts v;
    const char *header = NULL;
    const char *ts = NULL;

    if (s->kind == SCHEME_NONE) {
        return SIGNATURE_OK;
    }
    if (s->kind == SCHEME_TOKEN) {
        return verify_token(s, secret, r);
    }
    memset(&v, 0, sizeof(v));
    header = r->header(r->ctx, s->signature_header);
    if (s->timestamp.place == SCHEME_PLACE_HEADER) {
        ts = r->header(r->ctx, s->timestamp.name);
        if (ts == NULL || *ts == '\0') {
            return SIGNATURE_MISSING;
        }
    }
    if (header == NULL || *header == '\0') {
        return SIGNATURE_MISSING;
    }
    if ((s->list ? verify_split_list(s, header, &v) : verify_split_one(s, header, ts, &v)) != 0) {
        return SIGNATURE_MALFORMED;
    }
    if (s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE) {
        if (!v.has_ts) {
            return SIGNATURE_MALFORMED;
        }
        ts = v.ts;
    }
    if (ts != NULL) {
        enum signature_result w = verify_window(s, ts, now_ms, unit);
        if (w != SIGNATURE_OK) {
            return w;
        }
    }
    if (strstr(s->signed_template, "{id}") != NULL && id == NULL) {
        id = s->event_id.place == SCHEME_PLACE_HEADER ? r->header(r->ctx, s->event_id.name) : NULL;
        if (id == NULL || *id == '\0') {
            return SIGNATURE_MISSING;
        }
    }
    return verify_mac(s, secret, id != NULL ? id : "", ts != NULL ? ts : "", r, &v);
}
