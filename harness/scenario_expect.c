/* Scenario steps' mutations ("mutate") and expectations ("expect"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "harness/scenario.h"
#include "harness/scenario_priv.h"

#define STEP_HEADERS_MAX 16
#define STEP_SHIFT_MAX_S (366LL * 24 * 3600)
#define STEP_LATENCY_MAX 60000

static const struct {
    const char *name;
    enum hn_sig_mutation m;
} sig_mutations[] = {
    {"missing", HN_SIG_MISSING},
    {"other_secret", HN_SIG_OTHER_SECRET},
    {"malformed", HN_SIG_MALFORMED},
    {"uppercase", HN_SIG_UPPERCASE},
    {"valid_first", HN_SIG_VALID_FIRST},
    {"valid_last", HN_SIG_VALID_LAST},
    {"body_only", HN_SIG_BODY_ONLY},
    {"short", HN_SIG_SHORT},
    {"long", HN_SIG_LONG},
    {"non_ascii", HN_SIG_NON_ASCII},
    {"oversized", HN_SIG_OVERSIZED},
    {"many", HN_SIG_MANY},
};

static const char *const header_cases[] = {"as_is", "lower", "upper", "mixed"};

/* An HTTP token (RFC 9110 tchar). */
static bool step_token_ok(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s) != NULL)) {
            return false;
        }
    }
    return true;
}

/* A status class text "2xx" -> its digit, or 0. */
static int step_class(const char *s)
{
    if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x') {
        return s[0] - '0';
    }
    return 0;
}

/* One item of "status": a code or a class. */
static int step_status_item(struct hn_sp *p, json_t *v, bool codes_ok, struct hn_expect *x,
                            unsigned *mask)
{
    if (json_is_integer(v) && codes_ok) {
        json_int_t c = json_integer_value(v);
        if (c < 100 || c > 599) {
            return jread_error(&p->r, "status code %lld is out of range (100 to 599)",
                               (long long)c);
        }
        if (x->n_codes >= HN_MAX_CODES) {
            return jread_error(&p->r, "at most %d status codes", HN_MAX_CODES);
        }
        x->codes[x->n_codes++] = (long)c;
        return 0;
    }
    if (json_is_string(v)) {
        int k = step_class(json_string_value(v));
        if (k == 0) {
            return jread_error(&p->r, "bad status class '%s' (use 1xx, 2xx, 3xx, 4xx or 5xx)",
                               json_string_value(v));
        }
        *mask |= HN_CLASS_BIT(k);
        return 0;
    }
    if (codes_ok) {
        return jread_error(&p->r, "a status is a code (200) or a class (\"2xx\")");
    }
    return jread_error(&p->r, "status_not takes classes such as \"5xx\"");
}

/* "status" or "status_not": an item or a list of items. */
static int step_status(struct hn_sp *p, json_t *x, const char *key, bool codes_ok,
                       struct hn_expect *out, unsigned *mask)
{
    json_t *v = json_object_get(x, key);
    size_t i;
    json_t *item;
    int rc = -1;

    if (v == NULL) {
        return 0;
    }
    jpath_push_key(&p->r.path, key);
    if (json_is_array(v)) {
        if (json_array_size(v) == 0 || json_array_size(v) > HN_MAX_CODES) {
            jread_error(&p->r, "a list of 1 to %d statuses", HN_MAX_CODES);
            goto out;
        }
        json_array_foreach(v, i, item)
        {
            jpath_push_index(&p->r.path, i);
            if (step_status_item(p, item, codes_ok, out, mask) != 0) {
                goto out;
            }
            jpath_pop(&p->r.path);
        }
    } else if (step_status_item(p, v, codes_ok, out, mask) != 0) {
        goto out;
    }
    jpath_pop(&p->r.path);
    rc = 0;
out:
    return rc;
}

/* Refuses expectations that no status can meet. */
static int step_status_consistent(struct hn_sp *p, const struct hn_expect *x)
{
    if ((x->class_mask & x->not_class_mask) != 0) {
        return jread_error_at(&p->r, "status_not", "a class is both expected and refused");
    }
    for (size_t i = 0; i < x->n_codes; i++) {
        if ((x->not_class_mask & HN_CLASS_BIT(x->codes[i] / 100)) != 0) {
            return jread_error_at(&p->r, "status_not", "refuses status %ld, which 'status' expects",
                                  x->codes[i]);
        }
    }
    return 0;
}

/* A target step holds the URL to https, or its certificate to verifying
 * or to lasting valid_days more days: one of the three. */
static int step_expect_target(struct hn_sp *p, json_t *x, struct hn_expect *e)
{
    const char *scheme = NULL;
    const char *cert = NULL;
    bool present = false;

    if (json_object_size(x) != 1) {
        return jread_error(&p->r, "a target step expects one of 'scheme', 'certificate' or "
                                  "'valid_days'");
    }
    if (jread_string(&p->r, x, "scheme", false, 16, &scheme) != 0 ||
        jread_string(&p->r, x, "certificate", false, 16, &cert) != 0 ||
        jread_int(&p->r, x, "valid_days", 1, 3650, &e->tls_days, &present) != 0) {
        return -1;
    }
    if (scheme != NULL && strcmp(scheme, "https") != 0) {
        return jread_error_at(&p->r, "scheme", "the only scheme a target can be held to is https");
    }
    if (cert != NULL && strcmp(cert, "valid") != 0) {
        return jread_error_at(&p->r, "certificate",
                              "the only thing a certificate can be held to is 'valid'");
    }
    e->https = scheme != NULL;
    e->tls_verifies = cert != NULL;
    return 0;
}

static int step_expect_body(struct hn_sp *p, json_t *x, struct hn_step *st)
{
    static const char *const deliver_keys[] = {"status",          "status_not", "latency_max",
                                               "reveals_nothing", "answered",   NULL};
    static const char *const burst_keys[] = {"status", "status_not", "latency_max", "p95_max",
                                             NULL};
    static const char *const probe_keys[] = {"count", NULL};
    static const char *const target_keys[] = {"scheme", "certificate", "valid_days", NULL};
    static const char *const answers_keys[] = {"status", "status_not", "retry_after", NULL};
    const char *const *keys = st->kind == HN_STEP_DELIVER   ? deliver_keys
                              : st->kind == HN_STEP_BURST   ? burst_keys
                              : st->kind == HN_STEP_PROBE   ? probe_keys
                              : st->kind == HN_STEP_ANSWERS ? answers_keys
                                                            : target_keys;
    struct hn_expect *e = &st->expect;
    bool present = false;

    if (!json_is_object(x)) {
        return jread_error(&p->r, "'expect' must be an object");
    }
    if (jread_keys(&p->r, x, keys, "expectation") != 0) {
        return -1;
    }
    if (st->kind == HN_STEP_DELIVER || st->kind == HN_STEP_BURST || st->kind == HN_STEP_ANSWERS) {
        unsigned not_mask = 0;
        if (step_status(p, x, "status", true, e, &e->class_mask) != 0 ||
            step_status(p, x, "status_not", false, e, &not_mask) != 0) {
            return -1;
        }
        e->not_class_mask = not_mask;
        e->has_status = json_object_get(x, "status") != NULL || not_mask != 0;
        if (step_status_consistent(p, e) != 0 ||
            jread_bool(&p->r, x, "reveals_nothing", &e->reveals_nothing) != 0 ||
            jread_bool(&p->r, x, "retry_after", &e->retry_after) != 0 ||
            jread_bool(&p->r, x, "answered", &e->answered) != 0 ||
            jread_duration(&p->r, x, "latency_max", STEP_LATENCY_MAX, &e->latency_max_ms) != 0 ||
            jread_duration(&p->r, x, "p95_max", STEP_LATENCY_MAX, &e->p95_max_ms) != 0) {
            return -1;
        }
        if ((json_object_get(x, "latency_max") != NULL && e->latency_max_ms == 0) ||
            (json_object_get(x, "p95_max") != NULL && e->p95_max_ms == 0)) {
            return jread_error(&p->r, "a latency bound must be more than 0");
        }
        return 0;
    }
    if (st->kind == HN_STEP_PROBE) {
        if (jread_int(&p->r, x, "count", 0, HN_BURST_MAX, &e->count, &present) != 0) {
            return -1;
        }
        if (!present) {
            return jread_error(&p->r, "missing required field 'count'");
        }
        e->has_count = true;
        return 0;
    }
    return step_expect_target(p, x, e);
}

int hn_sp_expect(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    json_t *x = json_object_get(js, "expect");
    int rc;

    if (x == NULL) {
        if (st->kind == HN_STEP_PROBE || st->kind == HN_STEP_TARGET ||
            st->kind == HN_STEP_ANSWERS) {
            return jread_error(&p->r, "missing required field 'expect'");
        }
        return 0;
    }
    jpath_push_key(&p->r.path, "expect");
    rc = step_expect_body(p, x, st);
    jpath_pop(&p->r.path);
    return rc;
}

static int step_add_headers(struct hn_sp *p, json_t *obj, struct hn_mutation *m)
{
    const char *k;
    json_t *v;

    if (!json_is_object(obj)) {
        return jread_error(&p->r, "'add_headers' must be an object of header names and values");
    }
    if (json_object_size(obj) > STEP_HEADERS_MAX) {
        return jread_error(&p->r, "at most %d headers", STEP_HEADERS_MAX);
    }
    m->add = xcalloc(json_object_size(obj) + 1, sizeof(*m->add));
    json_object_foreach(obj, k, v)
    {
        if (!step_token_ok(k) || strlen(k) > 64) {
            return jread_error_at(&p->r, k, "bad header name '%s'", k);
        }
        if (!json_is_string(v) || strpbrk(json_string_value(v), "\r\n") != NULL ||
            strlen(json_string_value(v)) != json_string_length(v) || json_string_length(v) > 1024) {
            return jread_error_at(&p->r, k, "a header value is a string of one line");
        }
        m->add[m->n_add].name = xstrdup(k);
        m->add[m->n_add].value = xstrdup(json_string_value(v));
        m->n_add++;
    }
    return 0;
}

static int step_remove_headers(struct hn_sp *p, json_t *arr, struct hn_mutation *m)
{
    size_t i;
    json_t *v;

    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > STEP_HEADERS_MAX) {
        return jread_error(&p->r, "'remove_headers' must be a list of 1 to %d header names",
                           STEP_HEADERS_MAX);
    }
    m->remove = xcalloc(json_array_size(arr) + 1, sizeof(char *));
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || !step_token_ok(json_string_value(v)) ||
            json_string_length(v) > 64) {
            jpath_push_index(&p->r.path, i);
            jread_error(&p->r, "bad header name");
            jpath_pop(&p->r.path);
            return -1;
        }
        m->remove[m->n_remove++] = xstrdup(json_string_value(v));
    }
    return 0;
}

/* remove_fields: dotted paths into the body ("data.contact_name"). */
static int step_remove_fields(struct hn_sp *p, json_t *arr, struct hn_mutation *m)
{
    size_t i;
    json_t *v;

    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > STEP_HEADERS_MAX) {
        return jread_error(&p->r, "'remove_fields' must be a list of 1 to %d field paths",
                           STEP_HEADERS_MAX);
    }
    m->drop = xcalloc(json_array_size(arr) + 1, sizeof(char *));
    json_array_foreach(arr, i, v)
    {
        const char *path = json_is_string(v) ? json_string_value(v) : "";
        size_t ok =
            strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
        if (*path == '\0' || ok != strlen(path) || ok > 64 || path[0] == '.' ||
            path[ok - 1] == '.' || strstr(path, "..") != NULL) {
            jpath_push_index(&p->r.path, i);
            jread_error(&p->r, "a field path is names joined by '.' (\"data.contact_name\")");
            jpath_pop(&p->r.path);
            return -1;
        }
        m->drop[m->n_drop++] = xstrdup(path);
    }
    return 0;
}

/* signature, timestamp, timestamp_shift_s. */
static int step_sig_ts(struct hn_sp *p, json_t *obj, struct hn_mutation *m)
{
    const char *v = NULL;
    bool present = false;

    if (jread_string(&p->r, obj, "signature", false, 32, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        size_t i;
        for (i = 0; i < sizeof(sig_mutations) / sizeof(sig_mutations[0]); i++) {
            if (strcmp(v, sig_mutations[i].name) == 0) {
                m->signature = sig_mutations[i].m;
                break;
            }
        }
        if (i == sizeof(sig_mutations) / sizeof(sig_mutations[0])) {
            return jread_error_at(&p->r, "signature",
                                  "unknown signature mutation '%s' (use missing, other_secret, "
                                  "malformed, uppercase, valid_first, valid_last, body_only, "
                                  "short, long, non_ascii, oversized or many)",
                                  v);
        }
    }
    if (jread_string(&p->r, obj, "timestamp", false, 32, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        if (strcmp(v, "missing") == 0) {
            m->timestamp = HN_TS_MISSING;
        } else if (strcmp(v, "malformed") == 0) {
            m->timestamp = HN_TS_MALFORMED;
        } else if (strcmp(v, "zero") == 0) {
            m->timestamp = HN_TS_ZERO;
        } else {
            return jread_error_at(
                &p->r, "timestamp",
                "unknown timestamp mutation '%s' (use missing, malformed or zero; "
                "timestamp_shift_s moves it)",
                v);
        }
    }
    if (jread_int(&p->r, obj, "timestamp_shift_s", -STEP_SHIFT_MAX_S, STEP_SHIFT_MAX_S, &m->shift_s,
                  &present) != 0) {
        return -1;
    }
    if (present && m->timestamp != HN_TS_VALID) {
        return jread_error_at(&p->r, "timestamp_shift_s", "cannot shift a %s timestamp",
                              m->timestamp == HN_TS_MISSING     ? "missing"
                              : m->timestamp == HN_TS_MALFORMED ? "malformed"
                                                                : "zero");
    }
    return 0;
}

/* header_case and event_id. */
static int step_case_and_id(struct hn_sp *p, json_t *obj, struct hn_mutation *m)
{
    const char *v = NULL;

    if (jread_string(&p->r, obj, "header_case", false, 16, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        size_t i = 0;
        while (i < sizeof(header_cases) / sizeof(header_cases[0]) &&
               strcmp(v, header_cases[i]) != 0) {
            i++;
        }
        if (i == sizeof(header_cases) / sizeof(header_cases[0])) {
            return jread_error_at(&p->r, "header_case",
                                  "unknown header_case '%s' (use lower, upper, mixed or as_is)", v);
        }
        m->header_case = (enum hn_header_case)i;
    }
    if (jread_string(&p->r, obj, "event_id", false, 16, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        if (strcmp(v, "blank") != 0 && strcmp(v, "new") != 0) {
            return jread_error_at(&p->r, "event_id",
                                  "unknown event_id mutation '%s' (use blank or new)", v);
        }
        m->blank_id = strcmp(v, "blank") == 0;
        m->new_id = strcmp(v, "new") == 0;
    }
    return 0;
}

static int step_mutation_body(struct hn_sp *p, json_t *obj, struct hn_mutation *m)
{
    static const char *const keys[] = {
        "signature",   "timestamp",   "timestamp_shift_s", "alter_body", "raw_body",
        "method",      "add_headers", "remove_headers",    "sign_with",  "reformat",
        "header_case", "event_id",    "remove_fields",     NULL};
    const char *v = NULL;
    json_t *j;

    if (!json_is_object(obj)) {
        return jread_error(&p->r, "'mutate' must be an object");
    }
    if (jread_keys(&p->r, obj, keys, "mutation") != 0 || step_sig_ts(p, obj, m) != 0 ||
        jread_bool(&p->r, obj, "alter_body", &m->alter_body) != 0) {
        return -1;
    }
    j = json_object_get(obj, "raw_body");
    if (j != NULL) {
        if (!json_is_string(j)) {
            return jread_error_at(&p->r, "raw_body",
                                  "'raw_body' must be a string (the bytes sent)");
        }
        m->has_raw_body = true;
        m->raw_body_len = json_string_length(j);
        m->raw_body = xstrndup(json_string_value(j), m->raw_body_len);
    }
    if ((j = json_object_get(obj, "sign_with")) != NULL) {
        /* Any string, the empty one included: what a careless verifier
         * falls back to ("", "undefined", ...). */
        if (!json_is_string(j) || json_string_length(j) > 64 ||
            strlen(json_string_value(j)) != json_string_length(j)) {
            return jread_error_at(&p->r, "sign_with",
                                  "'sign_with' must be a string of at most 64 characters");
        }
        if (m->signature != HN_SIG_VALID) {
            return jread_error_at(&p->r, "sign_with", "give 'sign_with' or 'signature', not both");
        }
        m->sign_with = xstrdup(json_string_value(j));
    }
    if (jread_string(&p->r, obj, "reformat", false, 16, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        if (strcmp(v, "irregular") != 0) {
            return jread_error_at(&p->r, "reformat", "unknown reformat '%s' (use irregular)", v);
        }
        m->reformat = true;
    }
    if (step_case_and_id(p, obj, m) != 0 ||
        jread_string(&p->r, obj, "method", false, 16, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        for (const char *c = v; *c != '\0'; c++) {
            if (*c < 'A' || *c > 'Z') {
                return jread_error_at(&p->r, "method", "bad method '%s' (uppercase letters)", v);
            }
        }
        m->method = xstrdup(v);
    }
    if ((j = json_object_get(obj, "add_headers")) != NULL) {
        jpath_push_key(&p->r.path, "add_headers");
        int rc = step_add_headers(p, j, m);
        jpath_pop(&p->r.path);
        if (rc != 0) {
            return -1;
        }
    }
    if ((j = json_object_get(obj, "remove_fields")) != NULL) {
        jpath_push_key(&p->r.path, "remove_fields");
        int rc = step_remove_fields(p, j, m);
        jpath_pop(&p->r.path);
        if (rc != 0) {
            return -1;
        }
    }
    if ((j = json_object_get(obj, "remove_headers")) != NULL) {
        jpath_push_key(&p->r.path, "remove_headers");
        int rc = step_remove_headers(p, j, m);
        jpath_pop(&p->r.path);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

int hn_sp_mutation(struct hn_sp *p, json_t *js, struct hn_mutation *m)
{
    json_t *obj = json_object_get(js, "mutate");
    int rc;

    if (obj == NULL) {
        return 0;
    }
    jpath_push_key(&p->r.path, "mutate");
    rc = step_mutation_body(p, obj, m);
    jpath_pop(&p->r.path);
    return rc;
}
