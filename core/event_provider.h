/* Internal to core/event: not part of the kit's interface (include
 * core/event.h instead). The bodies of other providers' webhooks, for the
 * profiles after EVENT_PROFILE_LEGACY: core/event.c checks the caller's
 * inputs and dispatches to event_provider_root.
 *
 *   event_provider.c           the profile table (names, types, ids), the
 *                              dispatch and override merge, Standard
 *                              Webhooks and Slack
 *   event_provider_github.c    GitHub
 *   event_provider_commerce.c  Stripe and Shopify
 *   event_provider_draw.c      the helpers the builders share (tokens,
 *                              times, people)
 *
 * The rule of every builder, as in core/event.c: every generated value is
 * drawn from the caller's rng in a fixed order and every time derives from
 * now_ms, so one seed, type, override and time give the same bytes. C
 * leaves the order in which a call's arguments are evaluated unspecified,
 * so a call's argument list draws at most once; values are drawn into
 * locals first. */
#ifndef CORE_EVENT_PROVIDER_H
#define CORE_EVENT_PROVIDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/rng.h"

/* ---- what core/event.c calls ---- */

/* True for the profiles built here (a provider's, not Vambe's). */
bool event_provider_is(enum event_profile p);

/* Draws p's event id from r into out (see enum event_profile). */
void event_provider_id(enum event_profile p, struct rng *r, char out[EVENT_ID_MAX + 1]);

/* The body of a p event of type `type` whose id is `id` (checked by the
 * caller). override (checked by the caller, may be NULL) is merged into the
 * provider's data object. Returns a new object the caller releases
 * (json_decref), or NULL when out of memory or p is not a provider's. */
json_t *event_provider_root(enum event_profile p, const char *type, const char *id,
                            const json_t *override, struct rng *r, uint64_t now_ms);

/* ---- shared by the builders (EVP_ is this module's macro prefix) ---- */

#define EVP_N(t)       (sizeof(t) / sizeof((t)[0]))
#define EVP_PICK(r, t) ((t)[rng_below((r), EVP_N(t))])
#define EVP_TIME_MAX   48
#define EVP_ZULU       (-10000) /* offset for event_provider_time: UTC written "Z" */
#define EVP_MS_DAY     (24ull * 3600ull * 1000ull)
#define EVP_ALNUM      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define EVP_UPPER      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define EVP_HEX        "0123456789abcdef"

/* One event being built. */
struct event_provider_ctx {
    struct rng *r;
    uint64_t now_ms;
    const char *type;
    const char *id;
    int which; /* index of type in the profile's list, -1 when unknown */
};

struct event_provider_person {
    char first[16];
    char last[16];
    char login[48]; /* "emily-smith42" */
    char mail[96];  /* "emily.smith42@gmail.com" */
};

/* The helpers (event_provider_draw.c). prefix + n characters of alphabet
 * drawn from r into out. */
void event_provider_token(struct rng *r, const char *prefix, const char *alphabet, size_t n,
                          char *out, size_t size);
/* "2024-09-30T10:00:00Z" with offset_min EVP_ZULU, else local time and its
 * offset: "2024-09-30T06:00:00-04:00" for -240. */
void event_provider_time(uint64_t ms, int offset_min, char *out, size_t size);
/* A time up to max_ms before now_ms. */
uint64_t event_provider_ago(struct rng *r, uint64_t now_ms, uint64_t max_ms);
/* A person with an English name, a login and an e-mail address. */
void event_provider_person(struct rng *r, struct event_provider_person *p);

/* The builders: each returns the body (a new object) or NULL when out of
 * memory. Their type lists are NULL-terminated; `which` indexes them. */
extern const char *const event_provider_github_types[];
json_t *event_provider_github(const struct event_provider_ctx *c);
extern const char *const event_provider_stripe_types[];
json_t *event_provider_stripe(const struct event_provider_ctx *c);
extern const char *const event_provider_shopify_types[];
json_t *event_provider_shopify(const struct event_provider_ctx *c);

#endif
