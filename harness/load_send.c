/* The load's deliveries (load_int.h): each a distinct event of the
 * profile (core/event) under its own event id, signed by the scheme for
 * its own timestamp and delivery id (core/scheme, the builder the mock
 * sends with), handed to core/http_client's event loop, which copies it.
 * Nothing is kept per delivery once it is added, so memory does not grow
 * with the count.
 *
 * Building an event (names, ids, texts, times through jansson) costs about
 * as much as libcurl's whole exchange, so at thousands a second it would
 * be the harness that is measured. One built event therefore serves up to
 * LOAD_REUSE deliveries within LOAD_REUSE_MS, each under a new event id:
 * the id's last two characters become the use's number (digits are valid
 * in every profile's id alphabet), in the header and wherever the body
 * holds the id. Each use is a distinct event with realistic data; below
 * about LOAD_POOL_PER_TYPE * 1000 / LOAD_REUSE_MS deliveries a second,
 * every delivery gets a freshly built event. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/rng.h"
#include "core/topics.h"
#include "core/xalloc.h"
#include "harness/load_int.h"

#define LOAD_POOL_PER_TYPE 16 /* built events kept per event type */
#define LOAD_REUSE         16 /* deliveries one built event serves at most */
#define LOAD_REUSE_MS      1000
#define LOAD_ID_AT_MAX     4 /* places of the id in a body */

/* A built event and where its id is in its body. */
struct load_event {
    struct event ev;
    bool built;
    unsigned uses;
    uint64_t built_ms;
    size_t at[LOAD_ID_AT_MAX];
    size_t n_at;
};

struct hn_load_sender {
    struct scheme scheme;
    char *url;       /* the target as given */
    char *query_url; /* the target with the scheme's query token; NULL until needed */
    char *secret;
    enum signature_unit unit;
    enum event_profile profile;
    char **types; /* the event types, taken in turn */
    size_t n_types;
    char **user_headers;
    size_t n_user_headers;
    const char **lines; /* one request's header lines: wire, user, "Expect:" */
    struct scheme_wire *wire;
    struct rng rng;
    char webhook_id[IDS_UUID_LEN + 1];
    uint64_t timeout_ms;
    struct load_event *pool; /* n_types * LOAD_POOL_PER_TYPE */
    uint64_t seq;            /* deliveries built */
};

/* Is name an event type profile sends, or a Vambe topic it maps? */
static bool load_type_known(const char *name, enum event_profile profile)
{
    const char *const *types = event_profile_types(profile);

    for (size_t i = 0; types != NULL && types[i] != NULL; i++) {
        if (strcmp(types[i], name) == 0) {
            return true;
        }
    }
    return topics_find(name) != NULL;
}

int hn_load_topics_check(const char *topics, enum event_profile profile, struct err *e)
{
    const char *p = topics;

    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ",");
        char *one = xstrndup(p, n);
        bool known = load_type_known(one, profile);
        if (!known) {
            err_set(e,
                    "--topic: '%.60s' is not an event type of the %s profile ('vambe-harness "
                    "list-topics --profile %s' lists them)",
                    one, event_profile_name(profile), event_profile_name(profile));
        }
        free(one);
        if (!known) {
            return -1;
        }
        p += n + (p[n] == ',');
    }
    return 0;
}

/* The --topic list as owned strings, each as the profile's sender names
 * it (a Vambe topic becomes a provider's type). */
static void load_types(struct hn_load_sender *s, const char *topics)
{
    const char *p = topics != NULL ? topics : event_profile_default_type(s->profile);

    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ",");
        char *one = xstrndup(p, n);
        s->types = xrealloc(s->types, (s->n_types + 1) * sizeof(char *));
        s->types[s->n_types++] = xstrdup(event_profile_topic(s->profile, one));
        free(one);
        p += n + (p[n] == ',');
    }
}

struct hn_load_sender *hn_load_sender_new(const struct hn_load_sender_opts *o, struct err *e)
{
    if (hn_load_topics_check(o->topics, o->profile, e) != 0) {
        return NULL;
    }
    struct hn_load_sender *s = xcalloc(1, sizeof(*s));
    s->scheme = o->scheme != NULL ? *o->scheme : *scheme_default();
    s->url = xstrdup(o->url);
    s->secret = xstrdup(o->secret != NULL ? o->secret : "");
    s->unit = o->unit;
    s->profile = o->profile;
    s->timeout_ms = o->timeout_ms;
    load_types(s, o->topics);
    s->user_headers = xcalloc(o->n_user_headers + 1, sizeof(char *));
    for (size_t i = 0; i < o->n_user_headers; i++) {
        s->user_headers[i] = xstrdup(o->user_headers[i]);
    }
    s->n_user_headers = o->n_user_headers;
    s->lines = xcalloc(SCHEME_WIRE_HEADERS + o->n_user_headers + 1, sizeof(char *));
    s->wire = xmalloc(sizeof(*s->wire));
    rng_seed(&s->rng, o->seed);
    ids_uuid4(&s->rng, s->webhook_id);
    s->pool = xcalloc(s->n_types * LOAD_POOL_PER_TYPE, sizeof(*s->pool));
    return s;
}

void hn_load_sender_free(struct hn_load_sender *s)
{
    if (s == NULL) {
        return;
    }
    free(s->url);
    free(s->query_url);
    free(s->secret);
    for (size_t i = 0; i < s->n_types; i++) {
        free(s->types[i]);
    }
    free(s->types);
    for (size_t i = 0; i < s->n_user_headers; i++) {
        free(s->user_headers[i]);
    }
    free(s->user_headers);
    for (size_t i = 0; s->pool != NULL && i < s->n_types * LOAD_POOL_PER_TYPE; i++) {
        if (s->pool[i].built) {
            event_cleanup(&s->pool[i].ev);
        }
    }
    free(s->pool);
    free(s->lines);
    free(s->wire);
    free(s);
}

/* The URL of a delivery: the target, or with the query token (the same
 * token on every delivery: built once). */
static const char *load_url(struct hn_load_sender *s, const struct scheme_wire *w, struct err *e)
{
    if (w->query_name[0] == '\0') {
        return s->url;
    }
    if (s->query_url == NULL) {
        s->query_url = http_url_add_query(s->url, w->query_name, w->query_value);
        if (s->query_url == NULL) {
            err_set(e, "the target URL does not take a query token");
        }
    }
    return s->query_url;
}

/* The event of the next delivery, its id already renumbered: a built one
 * of type t while it has uses left and is fresh, else a new one. */
static struct load_event *load_next_event(struct hn_load_sender *s, size_t t, uint64_t now_ms,
                                          struct err *e)
{
    uint64_t round = s->seq++ / s->n_types;
    struct load_event *le = &s->pool[t * LOAD_POOL_PER_TYPE + round % LOAD_POOL_PER_TYPE];

    if (!le->built || le->uses >= LOAD_REUSE || now_ms - le->built_ms >= LOAD_REUSE_MS) {
        if (le->built) {
            event_cleanup(&le->ev);
            le->built = false;
        }
        if (event_build(s->types[t], NULL, s->profile, &s->rng, now_ms, &le->ev, e) != 0) {
            return NULL;
        }
        le->built = true;
        le->uses = 0;
        le->built_ms = now_ms;
        le->n_at = 0;
        size_t id_len = strlen(le->ev.id);
        const char *from = le->ev.body;
        const char *end = le->ev.body + le->ev.body_len;
        while (id_len >= 2 && le->n_at < LOAD_ID_AT_MAX &&
               (from = memmem(from, (size_t)(end - from), le->ev.id, id_len)) != NULL) {
            le->at[le->n_at++] = (size_t)(from - le->ev.body);
            from += id_len;
        }
    }
    size_t id_len = strlen(le->ev.id);
    if (id_len >= 2) {
        char d[3] = {(char)('0' + le->uses / 10), (char)('0' + le->uses % 10), '\0'};
        memcpy(le->ev.id + id_len - 2, d, 2);
        for (size_t i = 0; i < le->n_at; i++) {
            memcpy(le->ev.body + le->at[i] + id_len - 2, d, 2);
        }
    }
    le->uses++;
    return le;
}

int hn_load_sender_send(struct hn_load_sender *s, struct http_client *c, void *tag, struct err *e)
{
    size_t t = (size_t)(s->seq % s->n_types);
    const char *type = s->types[t];
    uint64_t now_ms = clock_wall_ms();
    char ts[32];
    char delivery_id[IDS_UUID_LEN + 1];
    struct load_event *le = load_next_event(s, t, now_ms, e);

    if (le == NULL) {
        return -1;
    }
    const struct event *ev = &le->ev;
    ids_uuid4(&s->rng, delivery_id);
    signature_timestamp(now_ms, s->unit, ts, sizeof(ts));
    struct scheme_input in = {s->secret, ev->id,   type,         delivery_id, s->webhook_id, 1,
                              ts,        ev->body, ev->body_len, NULL,        false};
    if (scheme_build(&s->scheme, &in, s->wire, e) != 0) {
        return -1;
    }
    const char *url = load_url(s, s->wire, e);
    if (url == NULL) {
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->wire->n; i++) {
        s->lines[n++] = s->wire->ptrs[i];
    }
    for (size_t i = 0; i < s->n_user_headers; i++) {
        s->lines[n++] = s->user_headers[i];
    }
    /* As every sender of the kit: no "Expect: 100-continue" wait. */
    s->lines[n++] = "Expect:";
    struct http_request req = {.method = "POST",
                               .url = url,
                               .headers = s->lines,
                               .n_headers = n,
                               .body = ev->body,
                               .body_len = ev->body_len,
                               .timeout_ms = s->timeout_ms,
                               .max_body = 1024};
    if (http_client_add(c, &req, tag) != 0) {
        return err_set(e, "the HTTP client refused the request");
    }
    return 0;
}
