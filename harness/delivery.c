/* Deliveries: the request the run's scheme sends, and its mutations. */
#include "harness/delivery.h"
#include "harness/delivery_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonh.h"
#include "core/xalloc.h"

/* A value that is no hex digest: a short, odd-length text that a careless
 * verifier may hand to a hex decoder or to a fixed-length compare. */
#define DELIVERY_BAD_SIGNATURE "deadbeef-not-a-signature"
#define DELIVERY_BAD_TIMESTAMP "yesterday"
#define DELIVERY_SHOWN_SIG     8
/* SIG-012's hostile values: an 8 kB header, 500 candidates. */
#define DELIVERY_OVERSIZED 8192
#define DELIVERY_MANY      500

struct delivery_header {
    char *name;
    char *value;
    bool secret;  /* from --header: never shown */
    bool removed; /* sent as "Name:" so libcurl drops its own default */
    bool empty;   /* sent as "Name;": the header with an empty value */
};

struct delivery_list {
    struct delivery_header *h;
    size_t n;
    size_t cap;
};

static struct delivery_header *delivery_find(struct delivery_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcasecmp(l->h[i].name, name) == 0) {
            return &l->h[i];
        }
    }
    return NULL;
}

static struct delivery_header *delivery_slot(struct delivery_list *l, const char *name)
{
    struct delivery_header *h = delivery_find(l, name);

    if (h != NULL) {
        free(h->value);
        h->value = NULL;
        return h;
    }
    l->h = xgrow(l->h, &l->cap, l->n + 1, 16, sizeof(*l->h));
    h = &l->h[l->n++];
    h->name = xstrdup(name);
    h->value = NULL;
    return h;
}

static void delivery_set(struct delivery_list *l, const char *name, const char *value, bool secret)
{
    struct delivery_header *h = delivery_slot(l, name);

    h->value = xstrdup(value);
    h->secret = secret;
    h->removed = false;
    h->empty = false;
}

static void delivery_remove(struct delivery_list *l, const char *name)
{
    struct delivery_header *h = delivery_slot(l, name);

    h->secret = false;
    h->removed = true;
    h->empty = false;
}

static void delivery_list_free(struct delivery_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->h[i].name);
        free(l->h[i].value);
    }
    free(l->h);
}

/* Changes the meaning of the body, not just its spacing, so that a verifier
 * that re-serializes the parsed JSON is caught as well as one that skips
 * verification: a member is added to "data" (or to the top level). A body
 * that is not a JSON object gets one more byte. */
static void delivery_alter(struct hn_delivery *d)
{
    json_t *root = json_loadb(d->body, d->body_len, 0, NULL);
    json_t *target = json_object_get(root, "data");

    if (!json_is_object(target)) {
        target = root;
    }
    if (json_is_object(target) && json_object_set_new(target, "tampered", json_true()) == 0) {
        free(d->body);
        d->body = jsonh_dump(root, &d->body_len);
    } else {
        d->body = xrealloc(d->body, d->body_len + 2);
        d->body[d->body_len++] = 'x';
        d->body[d->body_len] = '\0';
    }
    json_decref(root);
}

/* The timestamp text for now_ms moved by shift_s seconds. */
static void delivery_timestamp(const struct hn_delivery_opts *o, const struct hn_mutation *m,
                               uint64_t now_ms, char *out, size_t out_size)
{
    int64_t ms = (int64_t)now_ms + (int64_t)m->shift_s * 1000;

    if (m->timestamp == HN_TS_MALFORMED || m->timestamp == HN_TS_ZERO) {
        snprintf(out, out_size, "%s", m->timestamp == HN_TS_ZERO ? "0" : DELIVERY_BAD_TIMESTAMP);
        return;
    }
    signature_timestamp(ms > 0 ? (uint64_t)ms : 0, o->unit, out, out_size);
}

/* A secret other than the run's that the scheme can still use: for a
 * base64 key, the prefix and a base64 key; it differs from every secret
 * but its own text. */
static void delivery_other_secret(const struct hn_delivery_opts *o, char *out, size_t out_size)
{
    const struct scheme *s = o->scheme;
    const char *a = "d2hzZWNfbm90X3RoZV9yZWNlaXZlcnNfc2VjcmV0X3g="; /* base64 of ..._x */
    const char *b = "d2hzZWNfbm90X3RoZV9yZWNlaXZlcnNfc2VjcmV0X3k="; /* base64 of ..._y */

    if (s->kind == SCHEME_HMAC && s->key == SCHEME_KEY_BASE64) {
        snprintf(out, out_size, "%s%s", s->key_prefix, a);
        if (strcmp(out, o->secret) == 0) {
            snprintf(out, out_size, "%s%s", s->key_prefix, b);
        }
        return;
    }
    snprintf(out, out_size, "whsec_not_the_receivers_secret_%s",
             strcmp(o->secret, "whsec_not_the_receivers_secret_x") == 0 ? "y" : "x");
}

/* The secret a careless verifier falls back to (text: "", "undefined"):
 * for a base64 key, the scheme's prefix and the text's base64. */
static void delivery_weak_secret(const struct scheme *s, const char *text, char *out,
                                 size_t out_size)
{
    if (s->kind == SCHEME_HMAC && s->key == SCHEME_KEY_BASE64) {
        size_t n = strlen(s->key_prefix);
        snprintf(out, out_size, "%s", s->key_prefix);
        if (signature_base64_encode(text, strlen(text), out + n, out_size - n) != 0) {
            out[n] = '\0';
        }
        return;
    }
    snprintf(out, out_size, "%s", text);
}

/* The same JSON written as no serializer would by default: indented,
 * every non-ASCII character and '/' escaped, a CRLF after it. A verifier
 * that re-serialises the parsed body cannot get these bytes back. */
static void delivery_reformat(struct hn_delivery *d)
{
    json_t *root = json_loadb(d->body, d->body_len, 0, NULL);
    char *text = root != NULL ? json_dumps(root, JSON_INDENT(3) | JSON_ENSURE_ASCII |
                                                     JSON_ESCAPE_SLASH | JSON_ENCODE_ANY)
                              : NULL;
    char *out = xasprintf("%s\r\n", text != NULL ? text : d->body);

    free(text);
    json_decref(root);
    free(d->body);
    d->body = out;
    d->body_len = strlen(out);
}

/* The signature header's value for a mutation that needs signatures
 * computed apart (uppercase, a list, no timestamp in the header). */
static int delivery_sig_value(const struct hn_delivery_opts *o, const struct hn_mutation *m,
                              const char *secret, const char *id, const char *ts,
                              const struct hn_delivery *d, char *out, size_t out_size,
                              struct err *e)
{
    const struct scheme *s = o->scheme;
    char good[SCHEME_SIG_MAX + 1];
    char bad[SCHEME_SIG_MAX + 1];
    char other[128];
    const char *sigs[3] = {good, NULL, NULL};
    size_t n = 1;
    struct scheme body_only = *s;

    /* body_only: the right key over the body alone, the timestamp and id
     * left out of the signed string (what a verifier that skips a missing
     * timestamp computes). */
    snprintf(body_only.signed_template, sizeof(body_only.signed_template), "{body}");
    delivery_other_secret(o, other, sizeof(other));
    if (scheme_sign(m->signature == HN_SIG_BODY_ONLY ? &body_only : s, secret, id, ts, d->body,
                    d->body_len, good, e) != 0 ||
        scheme_sign(s, other, id, ts, d->body, d->body_len, bad, e) != 0) {
        return -1;
    }
    if (m->signature == HN_SIG_UPPERCASE) {
        for (char *c = good; *c != '\0'; c++) {
            *c = (char)toupper((unsigned char)*c);
        }
    } else if (m->signature == HN_SIG_VALID_FIRST || m->signature == HN_SIG_VALID_LAST) {
        if (!s->list) {
            return err_set(e, "scheme %s carries one signature per header", s->name);
        }
        /* Two invalid ones: a rotation keeps the old and the new. */
        sigs[0] = m->signature == HN_SIG_VALID_FIRST ? good : bad;
        sigs[1] = bad;
        sigs[2] = m->signature == HN_SIG_VALID_FIRST ? bad : good;
        n = 3;
    }
    if (scheme_signature_value(s, m->timestamp == HN_TS_MISSING ? NULL : ts, sigs, n, out,
                               out_size) != 0) {
        return err_set(e, "the %s signature header is too long", s->name);
    }
    return 0;
}

/* The attempt as the scheme sends it, then the signature, token and
 * timestamp mutations on it. */
static int delivery_wire(const struct hn_delivery_opts *o, const struct hn_payload *payload,
                         const struct hn_mutation *m, unsigned attempt, const char *ts,
                         const struct hn_delivery *d, struct scheme_wire *w, struct err *e)
{
    const struct scheme *s = o->scheme;
    char other[128];
    char value[SCHEME_WIRE_LINE];
    struct scheme_input in = {o->secret,
                              payload->event_id,
                              payload->topic,
                              d->delivery_id,
                              o->webhook_id,
                              attempt,
                              ts,
                              d->body,
                              d->body_len,
                              NULL,
                              m->signature == HN_SIG_MISSING};
    bool recompute =
        m->signature == HN_SIG_UPPERCASE || m->signature == HN_SIG_VALID_FIRST ||
        m->signature == HN_SIG_VALID_LAST || m->signature == HN_SIG_BODY_ONLY ||
        (m->timestamp == HN_TS_MISSING && s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE);

    if (m->signature == HN_SIG_OTHER_SECRET) {
        delivery_other_secret(o, other, sizeof(other));
        in.secret = other;
    } else if (m->sign_with != NULL) {
        delivery_weak_secret(s, m->sign_with, other, sizeof(other));
        in.secret = other;
    } else if (m->signature == HN_SIG_MALFORMED) {
        in.shown = DELIVERY_BAD_SIGNATURE;
    }
    if (s->kind == SCHEME_HMAC && recompute && m->signature != HN_SIG_MISSING) {
        /* The signature that counts is made with the secret chosen above
         * (another, or a careless one): only its placement changes. */
        if (delivery_sig_value(o, m, in.secret, payload->event_id, ts, d, value, sizeof(value),
                               e) != 0) {
            return -1;
        }
        in.shown = value;
    }
    if (scheme_build(s, &in, w, e) != 0) {
        return -1;
    }
    if (m->signature == HN_SIG_MALFORMED && w->query_name[0] != '\0') {
        snprintf(w->query_value, sizeof(w->query_value), "%s", DELIVERY_BAD_SIGNATURE);
    }
    return 0;
}

/* The name as the step's header_case spells it. */
static char *delivery_name(const char *name, enum hn_header_case c)
{
    char *out = xstrdup(name);
    bool word_start = true;

    for (char *p = out; *p != '\0'; p++) {
        if (c == HN_CASE_LOWER || (c == HN_CASE_MIXED && !word_start)) {
            *p = (char)tolower((unsigned char)*p);
        } else if (c == HN_CASE_UPPER || c == HN_CASE_MIXED) {
            *p = (char)toupper((unsigned char)*p);
        }
        word_start = *p == '-';
    }
    return out;
}

static void delivery_lines(struct hn_delivery *d, const struct delivery_list *l,
                           const struct scheme *s, enum hn_header_case c)
{
    size_t shown_cap = 64;
    size_t shown_len = 0;
    const char *sig_header = s->kind == SCHEME_HMAC ? s->signature_header : "";
    const char *token_header =
        s->kind == SCHEME_TOKEN && s->token.place == SCHEME_PLACE_HEADER ? s->token.name : "";

    d->lines = xcalloc(l->n + 1, sizeof(char *));
    for (size_t i = 0; i < l->n; i++) {
        const struct delivery_header *h = &l->h[i];
        char *name = delivery_name(h->name, c);
        d->lines[d->n_lines++] = h->removed ? xasprintf("%s:", name)
                                 : h->empty ? xasprintf("%s;", name)
                                            : xasprintf("%s: %s", name, h->value);
        free(name);
        shown_cap += strlen(h->name) + (h->value ? strlen(h->value) : 0) + 16;
    }
    d->shown_headers = xmalloc(shown_cap);
    d->shown_headers[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        const struct delivery_header *h = &l->h[i];
        char shown[DELIVERY_SHOWN_SIG + 8];
        const char *v = h->value;
        if (h->removed) {
            continue;
        }
        if (h->secret || strcasecmp(h->name, token_header) == 0) {
            v = "***";
        } else if (strcasecmp(h->name, sig_header) == 0 && strlen(v) > DELIVERY_SHOWN_SIG) {
            snprintf(shown, sizeof(shown), "%.*s\xe2\x80\xa6", DELIVERY_SHOWN_SIG, v);
            v = shown;
        }
        int w =
            snprintf(d->shown_headers + shown_len, shown_cap - shown_len, "%s: %s\n", h->name, v);
        shown_len += w > 0 ? (size_t)w : 0;
    }
}

/* The header list: the scheme's lines (but a timestamp the step drops),
 * the user's --header lines (secret), then the step's additions and
 * removals. */
static void delivery_headers(const struct hn_delivery_opts *o, const struct hn_payload *payload,
                             const struct hn_mutation *m, const struct scheme_wire *w,
                             struct delivery_list *l)
{
    const struct scheme *s = o->scheme;

    for (size_t i = 0; i < w->n; i++) {
        size_t name_len = strcspn(w->lines[i], ":");
        char *name = xstrndup(w->lines[i], name_len);
        if (!(m->timestamp == HN_TS_MISSING && s->timestamp.place == SCHEME_PLACE_HEADER &&
              strcasecmp(name, s->timestamp.name) == 0)) {
            delivery_set(l, name, w->lines[i] + name_len + 2, false);
        }
        free(name);
    }
    for (size_t i = 0; i < o->n_user_headers; i++) {
        const char *line = o->user_headers[i];
        const char *colon = strchr(line, ':');
        if (colon == NULL) {
            continue;
        }
        char *name = xstrndup(line, (size_t)(colon - line));
        const char *value = colon + 1;
        while (*value == ' ' || *value == '\t') {
            value++;
        }
        delivery_set(l, name, value, true);
        free(name);
    }
    for (size_t i = 0; i < m->n_add; i++) {
        delivery_set(l, m->add[i].name, m->add[i].value, false);
    }
    for (size_t i = 0; i < m->n_remove; i++) {
        delivery_remove(l, m->remove[i]);
    }
    if (payload->id_header != NULL && s->event_id.place == SCHEME_PLACE_HEADER) {
        delivery_set(l, s->event_id.name, payload->id_header, false);
    }
    if (m->blank_id && s->event_id.place == SCHEME_PLACE_HEADER) {
        /* IDM-010: the event id header sent, with nothing in it. */
        delivery_set(l, s->event_id.name, "", false);
        delivery_find(l, s->event_id.name)->empty = true;
    }
    /* "Expect:" with no value stops libcurl from waiting (up to 1 s) for a
     * 100 Continue before a large body: latencies measure the receiver,
     * not that wait. Senders do not send it either. */
    if (delivery_find(l, "Expect") == NULL) {
        delivery_remove(l, "Expect");
    }
}

/* SIG-012: the signature header's valid value made hostile: a character
 * short or long, a non-ASCII character, 8 kB, 500 candidates. */
static int delivery_hostile(const struct hn_delivery_opts *o, const struct hn_mutation *m,
                            const char *id, const char *ts, const struct hn_delivery *d,
                            struct delivery_list *l, struct err *e)
{
    const struct scheme *s = o->scheme;
    struct delivery_header *h;
    char other[128];
    char bad[SCHEME_SIG_MAX + 1];
    char one[SCHEME_WIRE_LINE];
    char two[SCHEME_WIRE_LINE];
    const char *pair[2] = {bad, bad};
    char *v;
    size_t n;

    if (m->signature < HN_SIG_SHORT) {
        return 0;
    }
    h = s->kind == SCHEME_HMAC ? delivery_find(l, s->signature_header) : NULL;
    if (h == NULL || h->removed || h->value[0] == '\0') {
        return err_set(e, "scheme %s sends no signature header to make hostile", s->name);
    }
    n = strlen(h->value);
    v = h->value;
    if (m->signature == HN_SIG_SHORT) {
        v[n - 1] = '\0';
    } else if (m->signature == HN_SIG_LONG) {
        h->value = xasprintf("%s0", v);
    } else if (m->signature == HN_SIG_NON_ASCII) {
        h->value = xasprintf("%.*s\xc3\xa9", (int)(n - 1), v); /* U+00E9 */
    } else if (m->signature == HN_SIG_OVERSIZED) {
        h->value = xmalloc(DELIVERY_OVERSIZED + 1);
        memset(h->value, 'a', DELIVERY_OVERSIZED);
        memcpy(h->value, v, n < DELIVERY_OVERSIZED ? n : DELIVERY_OVERSIZED);
        h->value[DELIVERY_OVERSIZED] = '\0';
    } else {
        /* One invalid candidate, then the rest of a list of two (its
         * separator and element) repeated: the list's tail. */
        delivery_other_secret(o, other, sizeof(other));
        if (!s->list || scheme_sign(s, other, id, ts, d->body, d->body_len, bad, e) != 0 ||
            scheme_signature_value(s, ts, pair, 1, one, sizeof(one)) != 0 ||
            scheme_signature_value(s, ts, pair, 2, two, sizeof(two)) != 0) {
            return err_set(e, "scheme %s carries one signature per header", s->name);
        }
        size_t one_len = strlen(one);
        size_t tail = strlen(two) - one_len;
        h->value = xmalloc(one_len + tail * (DELIVERY_MANY - 1) + 1);
        memcpy(h->value, one, one_len);
        for (size_t i = 0; i + 1 < DELIVERY_MANY; i++) {
            memcpy(h->value + one_len + i * tail, two + one_len, tail);
        }
        h->value[one_len + tail * (DELIVERY_MANY - 1)] = '\0';
    }
    if (v != h->value) {
        free(v);
    }
    return 0;
}

int hn_delivery_build(const struct hn_delivery_opts *o, const struct hn_payload *payload,
                      const struct hn_mutation *m, unsigned attempt, struct rng *rng,
                      uint64_t now_ms, struct hn_delivery *out, struct err *e)
{
    struct delivery_list l = {NULL, 0, 0};
    struct scheme_wire *w = xmalloc(sizeof(*w));
    struct hn_delivery_opts with_scheme = *o;
    char ts[32];
    int rc = -1;

    if (o->scheme == NULL) {
        with_scheme.scheme = scheme_default();
        o = &with_scheme;
    }
    memset(out, 0, sizeof(*out));
    out->method = xstrdup(m->method != NULL ? m->method : "POST");
    if (m->has_raw_body) {
        out->body = xstrndup(m->raw_body, m->raw_body_len);
        out->body_len = m->raw_body_len;
    } else {
        out->body = xstrndup(payload->body, payload->body_len);
        out->body_len = payload->body_len;
    }
    if (m->reformat) {
        delivery_reformat(out);
    }
    if (payload->delivery_id != NULL) {
        snprintf(out->delivery_id, sizeof(out->delivery_id), "%s", payload->delivery_id);
    } else {
        ids_uuid4(rng, out->delivery_id);
    }
    delivery_timestamp(o, m, now_ms, ts, sizeof(ts));
    if (m->timestamp == HN_TS_MISSING) {
        ts[0] = '\0'; /* what a sender without one signs: ".<body>" for vambe */
    }
    snprintf(out->timestamp, sizeof(out->timestamp), "%s", ts);
    if (delivery_wire(o, payload, m, attempt, ts, out, w, e) != 0) {
        goto out;
    }
    if (m->alter_body) {
        delivery_alter(out);
    }
    if (w->query_name[0] != '\0') {
        out->url = http_url_add_query(o->url, w->query_name, w->query_value);
        if (out->url == NULL) {
            err_set(e, "the target URL does not take a query token");
            goto out;
        }
    }
    delivery_headers(o, payload, m, w, &l);
    if (delivery_hostile(o, m, payload->event_id, ts, out, &l, e) != 0) {
        goto out;
    }
    delivery_lines(out, &l, o->scheme, m->header_case);
    out->summary = hn_delivery_summary(m, out->body_len);
    rc = 0;
out:
    free(w);
    delivery_list_free(&l);
    if (rc != 0) {
        hn_delivery_cleanup(out);
    }
    return rc;
}

void hn_delivery_request(const struct hn_delivery_opts *o, const struct hn_delivery *d,
                         uint64_t timeout_ms, struct http_request *req)
{
    memset(req, 0, sizeof(*req));
    req->method = d->method;
    req->url = d->url != NULL ? d->url : o->url;
    req->headers = (const char *const *)d->lines;
    req->n_headers = d->n_lines;
    req->body = d->body;
    req->body_len = d->body_len;
    req->timeout_ms = timeout_ms;
}

void hn_delivery_cleanup(struct hn_delivery *d)
{
    if (d == NULL) {
        return;
    }
    free(d->method);
    free(d->url);
    free(d->body);
    for (size_t i = 0; i < d->n_lines; i++) {
        free(d->lines[i]);
    }
    free(d->lines);
    free(d->shown_headers);
    free(d->summary);
    memset(d, 0, sizeof(*d));
}
