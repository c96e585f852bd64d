/* Validation of management API input. */
#include "mock_server/validate.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/jsonh.h"
#include "core/topics.h"

#define VALIDATE_PAGE_MAX 1000000000LL

/* ---- URLs ----------------------------------------------------------------- */

static bool validate_scheme_char(char c, bool first)
{
    if (isalpha((unsigned char)c)) {
        return true;
    }
    return !first && (isdigit((unsigned char)c) || c == '+' || c == '-' || c == '.');
}

/* Checks the host[:port] part of an authority (userinfo removed). */
static int validate_host_port(const char *p, size_t len, struct err *e)
{
    const char *end = p + len;
    const char *port = NULL;

    if (len > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', len);
        if (close == NULL || close == p + 1) {
            return err_set(e, "has a malformed IPv6 host");
        }
        for (const char *q = p + 1; q < close; q++) {
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') {
                return err_set(e, "has a malformed IPv6 host");
            }
        }
        if (close + 1 < end) {
            if (close[1] != ':') {
                return err_set(e, "has a malformed IPv6 host");
            }
            port = close + 2;
        }
    } else {
        const char *colon = memchr(p, ':', len);
        const char *host_end = colon != NULL ? colon : end;
        if (host_end == p) {
            return err_set(e, "must have a host");
        }
        for (const char *q = p; q < host_end; q++) {
            unsigned char c = (unsigned char)*q;
            /* Bytes >= 0x80 are left to IDN-aware resolvers. */
            if (!isalnum(c) && c != '-' && c != '.' && c != '_' && c < 0x80) {
                return err_set(e, "has an invalid character '%c' in the host", c);
            }
        }
        port = colon != NULL ? colon + 1 : NULL;
    }
    if (port != NULL) {
        long v = 0;
        if (port == end) {
            return err_set(e, "has an empty port");
        }
        for (const char *q = port; q < end; q++) {
            if (!isdigit((unsigned char)*q)) {
                return err_set(e, "has a port that is not a number");
            }
            v = v * 10 + (*q - '0');
            if (v > 65535) {
                break;
            }
        }
        if (v < 1 || v > 65535) {
            return err_set(e, "has a port out of range (1-65535)");
        }
    }
    return 0;
}

json_t *ms_validate_object_body(const char *body, size_t len, struct err *e)
{
    struct err pe = {{0}};
    size_t i = 0;
    json_t *root;

    while (i < len && isspace((unsigned char)body[i])) {
        i++;
    }
    if (i == len) {
        err_set(e, "body: must be a JSON object (the body is empty)");
        return NULL;
    }
    root = jsonh_parse(body, len, &pe);
    if (root == NULL) {
        const char *near = strstr(pe.msg, " near '");
        int n = near != NULL ? (int)(near - pe.msg) : (int)strlen(pe.msg);

        err_set(e, "body: invalid JSON: %.*s", n, pe.msg);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        err_set(e, "body: must be a JSON object");
        return NULL;
    }
    return root;
}

int ms_validate_url(const char *url, struct err *e)
{
    size_t len = strlen(url);
    size_t scheme_len = 0;
    const char *auth;
    size_t auth_len;

    if (len == 0) {
        return err_set(e, "must not be empty");
    }
    if (len > MS_WEBHOOK_URL_MAX) {
        return err_set(e, "must be at most %d bytes (got %zu)", MS_WEBHOOK_URL_MAX, len);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            return err_set(e, "must not contain whitespace or control characters (byte %zu)",
                           i + 1);
        }
    }
    while (scheme_len < len && validate_scheme_char(url[scheme_len], scheme_len == 0)) {
        scheme_len++;
    }
    if (scheme_len == 0 || url[scheme_len] != ':') {
        return err_set(e, "must be an absolute URL starting with http:// or https://");
    }
    if (!(scheme_len == 4 && strncasecmp(url, "http", 4) == 0) &&
        !(scheme_len == 5 && strncasecmp(url, "https", 5) == 0)) {
        return err_set(e, "must use http or https, not '%.*s'",
                       (int)(scheme_len > 16 ? 16 : scheme_len), url);
    }
    if (strncmp(url + scheme_len, "://", 3) != 0) {
        return err_set(e, "must be an absolute URL starting with http:// or https://");
    }
    auth = url + scheme_len + 3;
    auth_len = strcspn(auth, "/?#");
    /* Drop userinfo ("user:pass@"). */
    for (size_t i = auth_len; i > 0; i--) {
        if (auth[i - 1] == '@') {
            auth += i;
            auth_len -= i;
            break;
        }
    }
    if (auth_len == 0) {
        return err_set(e, "must have a host");
    }
    return validate_host_port(auth, auth_len, e);
}

/* ---- webhook bodies ------------------------------------------------------- */

/* Looks a member up (borrowed into *value, NULL when absent) and fills e
 * when it is present but not a string. */
static int validate_string_field(json_t *obj, const char *name, const json_t **value, struct err *e)
{
    const json_t *v = json_object_get(obj, name);
    *value = v;
    if (v == NULL) {
        return 0;
    }
    if (!json_is_string(v)) {
        return err_set(e, "%s: must be a string", name);
    }
    return 0;
}

static int validate_topic(const json_t *v, struct ms_webhook_patch *out, struct err *e)
{
    const char *s = json_string_value(v);
    const struct topic *t = topics_find(s);

    if (json_string_length(v) == 0) {
        return err_set(e, "topic: must not be empty");
    }
    if (t == NULL || strlen(s) != json_string_length(v)) {
        return err_set(e, "topic: unknown topic '%.64s' (GET /api/webhooks/topics lists them)", s);
    }
    snprintf(out->topic, sizeof(out->topic), "%s", t->name);
    out->has_topic = true;
    return 0;
}

static int validate_url_field(const json_t *v, struct ms_webhook_patch *out, struct err *e)
{
    const char *s = json_string_value(v);

    if (strlen(s) != json_string_length(v)) {
        return err_set(e, "url: must not contain whitespace or control characters");
    }
    if (ms_validate_url(s, e) != 0) {
        err_prefix(e, "url");
        return -1;
    }
    snprintf(out->url, sizeof(out->url), "%s", s);
    out->has_url = true;
    return 0;
}

static int validate_secret(const json_t *v, struct ms_webhook_patch *out, struct err *e)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);

    if (len == 0 || len > MS_WEBHOOK_SECRET_MAX) {
        return err_set(e, "secret: must be 1 to %d bytes (got %zu)", MS_WEBHOOK_SECRET_MAX, len);
    }
    if (strlen(s) != len) {
        return err_set(e, "secret: must not contain NUL characters");
    }
    snprintf(out->secret, sizeof(out->secret), "%s", s);
    out->has_secret = true;
    return 0;
}

int ms_validate_webhook_body(const char *body, size_t len, bool partial,
                             struct ms_webhook_patch *out, struct err *e)
{
    json_t *root = NULL;
    const json_t *topic = NULL;
    const json_t *url = NULL;
    const json_t *secret = NULL;
    const json_t *active = NULL;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    root = ms_validate_object_body(body, len, e);
    if (root == NULL) {
        goto out;
    }
    if (validate_string_field(root, "topic", &topic, e) != 0 ||
        validate_string_field(root, "url", &url, e) != 0 ||
        validate_string_field(root, "secret", &secret, e) != 0) {
        goto out;
    }
    active = json_object_get(root, "active");
    if (!partial) {
        const char *missing = topic == NULL    ? "topic"
                              : url == NULL    ? "url"
                              : secret == NULL ? "secret"
                                               : NULL;
        if (missing != NULL) {
            err_set(e, "%s: required", missing);
            goto out;
        }
    }
    if ((topic != NULL && validate_topic(topic, out, e) != 0) ||
        (url != NULL && validate_url_field(url, out, e) != 0) ||
        (secret != NULL && validate_secret(secret, out, e) != 0)) {
        goto out;
    }
    if (active != NULL) {
        if (!json_is_boolean(active)) {
            err_set(e, "active: must be true or false");
            goto out;
        }
        out->active = json_is_true(active);
        out->has_active = true;
    } else if (!partial) {
        out->active = true;
        out->has_active = true;
    }
    ret = 0;
out:
    json_decref(root);
    return ret;
}

bool ms_validate_json_type(const char *content_type)
{
    size_t len;

    if (content_type == NULL) {
        return true;
    }
    while (*content_type == ' ' || *content_type == '\t') {
        content_type++;
    }
    len = strcspn(content_type, "; \t");
    if (len == 16 && strncasecmp(content_type, "application/json", 16) == 0) {
        return true;
    }
    return len > 17 && strncasecmp(content_type, "application/", 12) == 0 &&
           strncasecmp(content_type + len - 5, "+json", 5) == 0;
}

/* ---- call-log query parameters -------------------------------------------- */

/* Reads exactly n digits at *p; -1 when one is not a digit. */
static int validate_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) {
            return -1;
        }
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

/* "HH:MM[:SS[.fff]]" into tm and *ms. 0 or -1. */
static int validate_iso_clock(const char **pp, struct tm *tm, int *ms)
{
    const char *p = *pp;
    int scale = 100;

    tm->tm_hour = validate_digits(&p, 2);
    if (tm->tm_hour < 0 || tm->tm_hour > 23 || *p++ != ':') {
        return -1;
    }
    tm->tm_min = validate_digits(&p, 2);
    if (tm->tm_min < 0 || tm->tm_min > 59) {
        return -1;
    }
    if (*p == ':') {
        p++;
        tm->tm_sec = validate_digits(&p, 2);
        if (tm->tm_sec < 0 || tm->tm_sec > 59) {
            return -1;
        }
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p)) {
                return -1;
            }
            for (; isdigit((unsigned char)*p); p++) {
                *ms += (*p - '0') * scale; /* digits past the third add 0 */
                scale /= 10;
            }
        }
    }
    *pp = p;
    return 0;
}

/* "Z" or "+HH:MM"/"-HH:MM" into *offset_s. A zone is required: a local
 * time would be ambiguous. 0 or -1. */
static int validate_iso_zone(const char **pp, long *offset_s)
{
    const char *p = *pp;
    int sign;
    int oh;
    int om;

    if (*p == 'Z' || *p == 'z') {
        *pp = p + 1;
        return 0;
    }
    if (*p != '+' && *p != '-') {
        return -1;
    }
    sign = *p++ == '-' ? -1 : 1;
    oh = validate_digits(&p, 2);
    if (oh < 0 || oh > 23 || *p++ != ':') {
        return -1;
    }
    om = validate_digits(&p, 2);
    if (om < 0 || om > 59) {
        return -1;
    }
    *offset_s = sign * (oh * 3600L + om * 60L);
    *pp = p;
    return 0;
}

static int validate_iso8601(const char *s, uint64_t *out_ms)
{
    const char *p = s;
    struct tm tm;
    struct tm check;
    int ms = 0;
    long offset_s = 0;
    int day;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = validate_digits(&p, 4);
    if (tm.tm_year < 0 || *p++ != '-') {
        return -1;
    }
    tm.tm_mon = validate_digits(&p, 2);
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || *p++ != '-') {
        return -1;
    }
    tm.tm_mday = validate_digits(&p, 2);
    if (tm.tm_mday < 1 || tm.tm_mday > 31) {
        return -1;
    }
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (validate_iso_clock(&p, &tm, &ms) != 0 || validate_iso_zone(&p, &offset_s) != 0) {
            return -1;
        }
    }
    if (*p != '\0') {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    day = tm.tm_mday;
    t = timegm(&tm);
    /* timegm normalises, and in place: February 31 would quietly become
     * March 2, in tm too. Compare with the day as it was given. */
    if (t == (time_t)-1 || gmtime_r(&t, &check) == NULL || check.tm_mday != day ||
        t - offset_s < 0) {
        return -1;
    }
    *out_ms = (uint64_t)(t - offset_s) * 1000u + (uint64_t)ms;
    return 0;
}

int ms_validate_time(const char *s, uint64_t *out_ms, struct err *e)
{
    size_t len = strlen(s);

    if (len > 0 && strspn(s, "0123456789") == len) {
        char *end = NULL;
        unsigned long long v;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0' || v > (unsigned long long)INT64_MAX) {
            return err_set(e, "'%.40s' is out of range", s);
        }
        *out_ms = v;
        return 0;
    }
    if (validate_iso8601(s, out_ms) != 0) {
        return err_set(e,
                       "'%.40s' is not a time (use epoch milliseconds or ISO-8601, e.g. "
                       "2024-09-30T10:00:00.000Z)",
                       s);
    }
    return 0;
}

bool ms_validate_outcome(const char *s)
{
    return ms_outcome_parse(s) != MS_OUTCOME_UNKNOWN;
}

int ms_validate_bool(const char *s, bool *out)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *out = false;
        return 0;
    }
    return -1;
}

/* A positive decimal within [min, max]. */
static int validate_count(const char *name, const char *s, long long min, long long max,
                          long long *out, struct err *e)
{
    char *end = NULL;
    long long v = 0;

    if (s[0] == '\0' || !isdigit((unsigned char)s[0])) {
        return err_set(e, "%s: '%.40s' is not a number (use %lld to %lld)", name, s, min, max);
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end != '\0') {
        return err_set(e, "%s: '%.40s' is not a number (use %lld to %lld)", name, s, min, max);
    }
    if (errno == ERANGE || v < min || v > max) {
        return err_set(e, "%s: must be between %lld and %lld (got %.40s)", name, min, max, s);
    }
    *out = v;
    return 0;
}

/* Checks an exact-match filter: non-empty and of a sane length. */
static int validate_match(const char *name, const char *s, size_t max, struct err *e)
{
    size_t len = strlen(s);
    if (len == 0 || len > max) {
        return err_set(e, "%s: must be 1 to %zu characters", name, max);
    }
    return 0;
}

int ms_validate_calls_params(const struct ms_calls_params *p, struct ms_call_filter *f,
                             struct err *e)
{
    long long v = 0;

    memset(f, 0, sizeof(*f));
    f->page = 1;
    f->limit = MS_CALLS_LIMIT_DEFAULT;
    if (p->page != NULL) {
        if (validate_count("page", p->page, 1, VALIDATE_PAGE_MAX, &v, e) != 0) {
            return -1;
        }
        f->page = (unsigned)v;
    }
    if (p->limit != NULL) {
        if (validate_count("limit", p->limit, 1, MS_CALLS_LIMIT_MAX, &v, e) != 0) {
            return -1;
        }
        f->limit = (unsigned)v;
    }
    if (p->webhook_id != NULL && validate_match("webhook_id", p->webhook_id, IDS_UUID_LEN, e)) {
        return -1;
    }
    if (p->topic != NULL && validate_match("topic", p->topic, MS_TOPIC_MAX, e) != 0) {
        return -1;
    }
    if (p->event_id != NULL && validate_match("event_id", p->event_id, MS_EVENT_ID_MAX, e) != 0) {
        return -1;
    }
    if (p->outcome != NULL && !ms_validate_outcome(p->outcome)) {
        return err_set(e,
                       "outcome: '%.40s' is not an outcome (use succeeded, failed, "
                       "retry_scheduled, gave_up, webhook_disabled or dropped)",
                       p->outcome);
    }
    f->webhook_id = p->webhook_id;
    f->topic = p->topic;
    f->event_id = p->event_id;
    f->outcome = p->outcome;
    if (p->since != NULL && ms_validate_time(p->since, &f->since_ms, e) != 0) {
        err_prefix(e, "since");
        return -1;
    }
    if (p->until != NULL && ms_validate_time(p->until, &f->until_ms, e) != 0) {
        err_prefix(e, "until");
        return -1;
    }
    if (p->until != NULL && f->until_ms == 0) {
        return err_set(e, "until: must be after the epoch");
    }
    if (f->since_ms != 0 && f->until_ms != 0 && f->since_ms >= f->until_ms) {
        return err_set(e, "until: must be after since");
    }
    return 0;
}
