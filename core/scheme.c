/* Scheme files: parsing and validation (the format is in docs/schemes.md).
 * Everything a builder or verifier relies on is checked here, so that a
 * loaded scheme can be used without further checks. */
#include "core/scheme.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/event.h"
#include "core/file.h"
#include "core/jread.h"
#include "core/scheme_priv.h"
#include "core/xalloc.h"

#define SCHEME_MAX_BODY_LIMIT (64LL * 1024 * 1024)
#define SCHEME_WINDOW_MAX_S   (366LL * 24 * 3600)
/* 30 days: well beyond the longest schedule the kit knows (Stripe's 3 days). */
#define SCHEME_RETRY_HORIZON_MAX_S (30LL * 24 * 3600)
/* The kit's mock's own schedule for Vambe (5 attempts, 5 s doubling:
 * 5 + 10 + 20 + 40 s, 10 % jitter, up to 5 s per attempt: the fifth at
 * most ~103 s after the first): Vambe documents "increasing delays", no
 * figure. */
#define SCHEME_RETRY_HORIZON_DEFAULT_S 105

/* The fields each template may name. */
static const char *const header_fields[] = {"id",         "type",      "delivery_id", "attempt",
                                            "webhook_id", "timestamp", NULL};
static const char *const signed_fields[] = {"id", "timestamp", "body", NULL};
static const char *const value_fields[] = {"sig", "timestamp", NULL};
static const char *const list_value_fields[] = {"signatures", "timestamp", NULL};
static const char *const element_fields[] = {"sig", NULL};
static const char *const token_fields[] = {"token", NULL};

static bool name_in(const char *name, size_t len, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strlen(list[i]) == len && strncmp(list[i], name, len) == 0) {
            return true;
        }
    }
    return false;
}

static void fields_text(const char *const *list, char *out, size_t out_size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; list[i] != NULL && used < out_size; i++) {
        int w = snprintf(out + used, out_size - used, "%s{%s}", i > 0 ? ", " : "", list[i]);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Checks a template: braces pair up and name only fields of allowed; the
 * fields in need must each appear (at most once when once is set). */
static int scheme_template(struct jread *p, json_t *obj, const char *key,
                           const char *const *allowed, const char *need, bool required, char *out,
                           size_t out_size)
{
    const char *v = NULL;
    char known[160];
    size_t need_count = 0;
    int pieces = 0; /* fields: each may come with a literal piece before it */

    if (jread_string(p, obj, key, required, out_size - 1, &v) != 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    fields_text(allowed, known, sizeof(known));
    for (const char *c = v; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            /* A line break would smuggle a header line into the request. */
            return jread_error_at(p, key, "a control character (0x%02x) in '%s'",
                                  (unsigned)(unsigned char)*c, key);
        }
        if (*c == '}') {
            return jread_error_at(p, key, "unmatched '}' in '%s'", v);
        }
        if (*c != '{') {
            continue;
        }
        const char *end = strchr(c, '}');
        const char *next = strchr(c + 1, '{');
        if (end == NULL || (next != NULL && next < end)) {
            return jread_error_at(p, key, "unmatched '{' in '%s'", v);
        }
        if (++pieces > SCHEME_TEMPLATE_PARTS / 2) {
            return jread_error_at(p, key, "'%s' names more than %d fields", v,
                                  SCHEME_TEMPLATE_PARTS / 2);
        }
        size_t len = (size_t)(end - c - 1);
        if (!name_in(c + 1, len, allowed)) {
            return jread_error_at(p, key, "'{%.*s}' is not a field of this template (use %s)",
                                  (int)len, c + 1, known);
        }
        if (need != NULL && strlen(need) == len && strncmp(need, c + 1, len) == 0) {
            need_count++;
        }
        c = end;
    }
    if (need != NULL && need_count != 1) {
        return jread_error_at(p, key, "'%s' must name {%s} exactly once", v, need);
    }
    snprintf(out, out_size, "%s", v);
    return 0;
}

/* A header name: an RFC 9110 token. */
static int scheme_header_name(struct jread *p, const char *key, const char *v, char *out,
                              size_t out_size)
{
    if (v[0] == '\0') {
        return jread_error_at(p, key, "a header name cannot be empty");
    }
    if (strlen(v) >= out_size) {
        return jread_error_at(p, key, "header name '%s' is longer than %zu characters", v,
                              out_size - 1);
    }
    for (const char *c = v; *c != '\0'; c++) {
        if (!isalnum((unsigned char)*c) && strchr("!#$%&'*+-.^_`|~", *c) == NULL) {
            return jread_error_at(p, key, "'%s' is not a valid header name", v);
        }
    }
    snprintf(out, out_size, "%s", v);
    return 0;
}

/* A locator object: exactly one member among those allowed. */
static int scheme_locator(struct jread *p, json_t *root, const char *key, bool field_ok,
                          bool query_ok, bool in_sig_ok, struct scheme_locator *out)
{
    static const struct {
        const char *name;
        enum scheme_place place;
    } places[] = {{"header", SCHEME_PLACE_HEADER},
                  {"field", SCHEME_PLACE_FIELD},
                  {"query", SCHEME_PLACE_QUERY},
                  {"in_signature", SCHEME_PLACE_IN_SIGNATURE}};
    json_t *obj = json_object_get(root, key);
    const char *found = NULL;
    int rc = -1;

    out->place = SCHEME_PLACE_NONE;
    if (obj == NULL || json_is_null(obj)) {
        return 0;
    }
    if (!json_is_object(obj)) {
        return jread_error_at(p, key, "'%s' must be an object or null", key);
    }
    jpath_push_key(&p->path, key);
    if (!query_ok && !in_sig_ok) {
        /* The id locators have nothing but their place (the timestamp's and
         * the token's other members are checked by their parts). */
        static const char *const id_keys[] = {"header", "field", NULL};
        if (jread_keys(p, obj, id_keys, "field") != 0) {
            goto out;
        }
    }
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        bool ok = (places[i].place == SCHEME_PLACE_HEADER) ||
                  (places[i].place == SCHEME_PLACE_FIELD && field_ok) ||
                  (places[i].place == SCHEME_PLACE_QUERY && query_ok) ||
                  (places[i].place == SCHEME_PLACE_IN_SIGNATURE && in_sig_ok);
        const char *v = NULL;
        if (!ok || json_object_get(obj, places[i].name) == NULL) {
            continue;
        }
        if (found != NULL) {
            jread_error_at(p, places[i].name, "give one of '%s' and '%s'", found, places[i].name);
            goto out;
        }
        found = places[i].name;
        if (jread_string(p, obj, places[i].name, true, SCHEME_HEADER_NAME_MAX, &v) != 0) {
            goto out;
        }
        out->place = places[i].place;
        if (out->place == SCHEME_PLACE_HEADER &&
            scheme_header_name(p, places[i].name, v, out->name, sizeof(out->name)) != 0) {
            goto out;
        }
        snprintf(out->name, sizeof(out->name), "%s", v);
    }
    if (found == NULL) {
        jread_error(p, "'%s' needs one of: header%s%s%s", key, field_ok ? ", field" : "",
                    query_ok ? ", query" : "", in_sig_ok ? ", in_signature" : "");
        goto out;
    }
    rc = 0;
out:
    jpath_pop(&p->path);
    return rc;
}

static int scheme_headers(struct jread *p, json_t *root, struct scheme *s)
{
    json_t *obj = json_object_get(root, "headers");
    const char *name;
    json_t *v;
    int rc = -1;

    if (obj == NULL) {
        return 0;
    }
    if (!json_is_object(obj)) {
        return jread_error_at(p, "headers", "'headers' must be an object of name: template");
    }
    jpath_push_key(&p->path, "headers");
    json_object_foreach(obj, name, v)
    {
        struct scheme_header *h = &s->headers[s->n_headers];
        if (s->n_headers == SCHEME_HEADERS_MAX) {
            jread_error(p, "at most %d headers", SCHEME_HEADERS_MAX);
            goto out;
        }
        if (scheme_header_name(p, name, name, h->name, sizeof(h->name)) != 0 ||
            scheme_template(p, obj, name, header_fields, NULL, true, h->value, sizeof(h->value)) !=
                0) {
            goto out;
        }
        s->n_headers++;
    }
    rc = 0;
out:
    jpath_pop(&p->path);
    return rc;
}

/* A window bound: seconds (0 or more), or null for unbounded. */
static int scheme_bound(struct jread *p, json_t *obj, const char *key, long long *out)
{
    json_t *v = json_object_get(obj, key);
    bool present = false;

    *out = 300;
    if (v != NULL && json_is_null(v)) {
        *out = SCHEME_UNBOUNDED;
        return 0;
    }
    return jread_int(p, obj, key, 0, SCHEME_WINDOW_MAX_S, out, &present);
}

static int scheme_timestamp_part(struct jread *p, json_t *root, struct scheme *s)
{
    static const char *const keys[] = {"header", "in_signature", "unit",
                                       "past_s", "future_s",     NULL};
    json_t *obj = json_object_get(root, "timestamp");
    const char *unit = NULL;
    struct err ue;
    int rc = -1;

    if (scheme_locator(p, root, "timestamp", false, false, true, &s->timestamp) != 0) {
        return -1;
    }
    if (s->timestamp.place == SCHEME_PLACE_NONE) {
        return 0;
    }
    jpath_push_key(&p->path, "timestamp");
    if (jread_keys(p, obj, keys, "field") != 0 ||
        jread_string(p, obj, "unit", true, 4, &unit) != 0) {
        goto out;
    }
    if (signature_unit_parse(unit, false, &s->unit, &ue) != 0) {
        jread_error_at(p, "unit", "%s", ue.msg);
        goto out;
    }
    if (scheme_bound(p, obj, "past_s", &s->past_s) != 0 ||
        scheme_bound(p, obj, "future_s", &s->future_s) != 0) {
        goto out;
    }
    rc = 0;
out:
    jpath_pop(&p->path);
    return rc;
}

static int scheme_choice(struct jread *p, json_t *obj, const char *key, const char *const *names,
                         const char *use, int *out)
{
    const char *v = NULL;

    if (jread_string(p, obj, key, true, 32, &v) != 0) {
        return -1;
    }
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return jread_error_at(p, key, "unknown %s '%s' (use %s)", key, v, use);
}

static int scheme_list(struct jread *p, json_t *sig, struct scheme *s)
{
    static const char *const keys[] = {"separator", "element", NULL};
    json_t *obj = json_object_get(sig, "list");
    const char *sep = NULL;
    int rc = -1;

    if (obj == NULL || json_is_null(obj)) {
        return 0;
    }
    if (!json_is_object(obj)) {
        return jread_error_at(p, "list", "'list' must be an object or null");
    }
    jpath_push_key(&p->path, "list");
    if (jread_keys(p, obj, keys, "field") != 0 ||
        jread_string(p, obj, "separator", true, sizeof(s->separator) - 1, &sep) != 0 ||
        scheme_template(p, obj, "element", element_fields, "sig", true, s->element,
                        sizeof(s->element)) != 0) {
        goto out;
    }
    snprintf(s->separator, sizeof(s->separator), "%s", sep);
    s->list = true;
    rc = 0;
out:
    jpath_pop(&p->path);
    return rc;
}

static int scheme_signature_part(struct jread *p, json_t *root, struct scheme *s)
{
    static const char *const keys[] = {"header",   "digest", "key",  "key_prefix", "signed",
                                       "encoding", "value",  "list", NULL};
    static const char *const digests[] = {"sha256", "sha1", "sha512", NULL};
    static const char *const keys_kinds[] = {"raw", "base64", NULL};
    static const char *const encodings[] = {"hex", "base64", NULL};
    json_t *obj = json_object_get(root, "signature");
    const char *v = NULL;
    int choice = 0;
    int rc = -1;

    if (obj == NULL) {
        return jread_error(p, "missing required field 'signature' (kind hmac)");
    }
    if (!json_is_object(obj)) {
        return jread_error_at(p, "signature", "'signature' must be an object");
    }
    jpath_push_key(&p->path, "signature");
    if (jread_keys(p, obj, keys, "field") != 0 ||
        jread_string(p, obj, "header", true, 0, &v) != 0 ||
        scheme_header_name(p, "header", v, s->signature_header, sizeof(s->signature_header)) != 0 ||
        scheme_choice(p, obj, "digest", digests, "sha256, sha1 or sha512", &choice) != 0) {
        goto out;
    }
    snprintf(s->digest, sizeof(s->digest), "%s", digests[choice]);
    if (scheme_choice(p, obj, "key", keys_kinds, "raw or base64", &choice) != 0) {
        goto out;
    }
    s->key = choice == 0 ? SCHEME_KEY_RAW : SCHEME_KEY_BASE64;
    if (jread_string(p, obj, "key_prefix", false, sizeof(s->key_prefix) - 1, &v) != 0) {
        goto out;
    }
    snprintf(s->key_prefix, sizeof(s->key_prefix), "%s", v != NULL ? v : "");
    if (scheme_template(p, obj, "signed", signed_fields, NULL, true, s->signed_template,
                        sizeof(s->signed_template)) != 0 ||
        scheme_choice(p, obj, "encoding", encodings, "hex or base64", &choice) != 0) {
        goto out;
    }
    s->encoding = choice == 0 ? SCHEME_ENC_HEX : SCHEME_ENC_BASE64;
    if (scheme_list(p, obj, s) != 0 ||
        scheme_template(p, obj, "value", s->list ? list_value_fields : value_fields,
                        s->list ? "signatures" : "sig", true, s->signature_value,
                        sizeof(s->signature_value)) != 0) {
        goto out;
    }
    rc = 0;
out:
    jpath_pop(&p->path);
    return rc;
}

static int scheme_token_part(struct jread *p, json_t *root, struct scheme *s)
{
    static const char *const keys[] = {"header", "query", "value", NULL};
    json_t *obj = json_object_get(root, "token");
    int rc = -1;

    if (obj == NULL) {
        return jread_error(p, "missing required field 'token' (kind token)");
    }
    if (scheme_locator(p, root, "token", false, true, false, &s->token) != 0) {
        return -1;
    }
    if (s->token.place == SCHEME_PLACE_NONE) {
        return jread_error_at(p, "token", "kind token needs 'token': a header or a query");
    }
    jpath_push_key(&p->path, "token");
    if (jread_keys(p, obj, keys, "field") != 0) {
        goto out;
    }
    snprintf(s->token_value, sizeof(s->token_value), "{token}");
    if (scheme_template(p, obj, "value", token_fields, "token", false, s->token_value,
                        sizeof(s->token_value)) != 0) {
        goto out;
    }
    rc = 0;
out:
    jpath_pop(&p->path);
    return rc;
}

/* The provider's figures: its largest body and how long it retries. */
static int scheme_limits(struct jread *p, json_t *root, struct scheme *s)
{
    long long n = 256 * 1024;
    bool present = false;

    if (jread_int(p, root, "max_body", 1, SCHEME_MAX_BODY_LIMIT, &n, &present) != 0) {
        return -1;
    }
    s->max_body = (size_t)n;
    n = SCHEME_RETRY_HORIZON_DEFAULT_S;
    if (jread_int(p, root, "retry_horizon_s", 0, SCHEME_RETRY_HORIZON_MAX_S, &n, &present) != 0) {
        return -1;
    }
    s->retry_horizon_s = (uint32_t)n;
    return 0;
}

static int scheme_top(struct jread *p, json_t *root, struct scheme *s)
{
    static const char *const keys[] = {
        "format",          "name",    "title",    "kind",       "profile",     "max_body",
        "retry_horizon_s", "headers", "event_id", "event_type", "delivery_id", "timestamp",
        "signature",       "token",   NULL};
    static const char *const kinds[] = {"hmac", "token", "none", NULL};
    const char *v = NULL;
    long long n = 0;
    bool present = false;
    int kind = 0;
    enum event_profile profile;

    if (jread_int(p, root, "format", 0, 1000000, &n, &present) != 0) {
        return -1;
    }
    if (!present) {
        return jread_error(p, "missing required field 'format' (this kit reads format %d)",
                           SCHEME_FORMAT);
    }
    if (n != SCHEME_FORMAT) {
        return jread_error_at(p, "format", "unsupported format %lld (this kit reads format %d)", n,
                              SCHEME_FORMAT);
    }
    if (jread_keys(p, root, keys, "field") != 0) {
        return -1;
    }
    if (jread_string(p, root, "name", true, SCHEME_NAME_MAX, &v) != 0) {
        return -1;
    }
    for (const char *c = v; *c != '\0'; c++) {
        if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-') {
            return jread_error_at(p, "name", "'%s': use lowercase letters, digits and '-'", v);
        }
    }
    snprintf(s->name, sizeof(s->name), "%s", v);
    if (jread_string(p, root, "title", true, SCHEME_TITLE_MAX, &v) != 0) {
        return -1;
    }
    snprintf(s->title, sizeof(s->title), "%s", v);
    if (scheme_choice(p, root, "kind", kinds, "hmac, token or none", &kind) != 0) {
        return -1;
    }
    s->kind = (enum scheme_kind)kind;
    if (jread_string(p, root, "profile", false, sizeof(s->profile) - 1, &v) != 0) {
        return -1;
    }
    snprintf(s->profile, sizeof(s->profile), "%s", v != NULL ? v : "documented");
    if (event_profile_parse(s->profile, &profile, NULL) != 0) {
        return jread_error_at(p, "profile",
                              "unknown profile '%s' (use documented, legacy, standard-webhooks, "
                              "github, stripe, shopify or slack)",
                              s->profile);
    }
    return scheme_limits(p, root, s);
}

int scheme_parse(const char *text, size_t len, const char *file, struct scheme *out, struct err *e)
{
    struct jread p = {text, len, file, {{{0}}, 0}, e};
    json_t *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (len > SCHEME_FILE_MAX_BYTES) {
        return err_set(e, "%s: larger than %d bytes", file, SCHEME_FILE_MAX_BYTES);
    }
    if (jread_load(&p, &root) != 0) {
        return -1;
    }
    if (!json_is_object(root)) {
        jread_error(&p, "a scheme is a JSON object");
        goto out;
    }
    if (scheme_top(&p, root, out) != 0 || scheme_headers(&p, root, out) != 0 ||
        scheme_locator(&p, root, "event_id", true, false, false, &out->event_id) != 0 ||
        scheme_locator(&p, root, "event_type", true, false, false, &out->event_type) != 0 ||
        scheme_locator(&p, root, "delivery_id", false, false, false, &out->delivery_id) != 0) {
        goto out;
    }
    if (out->event_id.place == SCHEME_PLACE_NONE) {
        jread_error(&p, "missing required field 'event_id' (where a receiver finds the id it "
                        "dedupes on)");
        goto out;
    }
    if (out->kind == SCHEME_HMAC &&
        (scheme_timestamp_part(&p, root, out) != 0 || scheme_signature_part(&p, root, out) != 0)) {
        goto out;
    }
    if (out->kind == SCHEME_TOKEN && scheme_token_part(&p, root, out) != 0) {
        goto out;
    }
    if (out->kind != SCHEME_HMAC && json_object_get(root, "signature") != NULL) {
        jread_error_at(&p, "signature", "'signature' is for kind hmac (this scheme is %s)",
                       scheme_kind_name(out->kind));
        goto out;
    }
    if (out->kind != SCHEME_TOKEN && json_object_get(root, "token") != NULL) {
        jread_error_at(&p, "token", "'token' is for kind token (this scheme is %s)",
                       scheme_kind_name(out->kind));
        goto out;
    }
    if (out->kind != SCHEME_HMAC && json_object_get(root, "timestamp") != NULL) {
        jread_error_at(&p, "timestamp", "'timestamp' is for kind hmac (this scheme is %s)",
                       scheme_kind_name(out->kind));
        goto out;
    }
    rc = scheme_check_coherent(&p, out);
out:
    json_decref(root);
    return rc;
}

int scheme_load_file(const char *path, struct scheme *out, struct err *e)
{
    struct err why = {{0}};
    FILE *f = file_open_regular(path, &why);
    char *text = NULL;
    size_t len = 0;
    int rc = -1;

    if (f == NULL) {
        return err_set(e, "%s: cannot open: %s", path, why.msg);
    }
    text = xmalloc(SCHEME_FILE_MAX_BYTES + 2);
    len = fread(text, 1, SCHEME_FILE_MAX_BYTES + 1, f);
    if (ferror(f)) {
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    rc = scheme_parse(text, len, path, out, e);
out:
    free(text);
    fclose(f);
    return rc;
}

const char *scheme_kind_name(enum scheme_kind k)
{
    switch (k) {
    case SCHEME_HMAC:
        return "hmac";
    case SCHEME_TOKEN:
        return "token";
    case SCHEME_NONE:
        return "none";
    }
    return "?";
}

bool scheme_signs_body(const struct scheme *s)
{
    return s->kind == SCHEME_HMAC && strstr(s->signed_template, "{body}") != NULL;
}

bool scheme_has_timestamp(const struct scheme *s)
{
    return s->kind == SCHEME_HMAC && s->timestamp.place != SCHEME_PLACE_NONE;
}
