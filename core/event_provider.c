/* The payload profiles of other providers: the profile table (names, types,
 * ids, where an override merges), the dispatch, and the two small
 * envelopes, Standard Webhooks and Slack. GitHub is in
 * event_provider_github.c, Stripe and Shopify in event_provider_commerce.c,
 * the helpers all the builders share in event_provider_draw.c. Internal to
 * core/event (see core/event_provider.h for the rules every builder
 * keeps). */
#include "core/event_provider.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/topics.h"

/* The types lists; the enums follow their order. */
static const char *const evp_vambe_types[] = {
    "message.received", "message.sent",  "ticket.created",
    "ticket.updated",   "ticket.closed", "contact.created",
    "contact.updated",  "stage.changed", NULL};
static const char *const evp_sw_types[] = {"invoice.paid",
                                           "invoice.payment_failed",
                                           "user.created",
                                           "user.deleted",
                                           "subscription.renewed",
                                           "subscription.canceled",
                                           NULL};
enum {
    EVP_SW_INV_PAID,
    EVP_SW_INV_FAILED,
    EVP_SW_USER_NEW,
    EVP_SW_USER_GONE,
    EVP_SW_SUB_RENEWED,
    EVP_SW_SUB_CANCELED
};
static const char *const evp_sl_types[] = {
    "message",         "app_mention", "reaction_added", "member_joined_channel", "team_join",
    "channel_created", NULL};
enum {
    EVP_SL_MESSAGE,
    EVP_SL_MENTION,
    EVP_SL_REACTION,
    EVP_SL_JOINED,
    EVP_SL_TEAM,
    EVP_SL_CREATED
};

static const char *const evp_currencies[] = {"usd", "usd", "usd", "eur", "gbp", "cad"};

/* ---- Standard Webhooks: {"type","timestamp","data"} ---- */

static json_t *evp_sw_data(const struct event_provider_ctx *c)
{
    static const char *const prefixes[] = {"inv_", "inv_", "usr_", "usr_", "sub_", "sub_"};
    static const char *const plans[] = {"starter", "pro", "business"};
    static const char *const reasons[] = {"card_declined", "insufficient_funds", "expired_card"};
    struct event_provider_person who;
    char id[40];
    char cus[40];
    char name[40];
    char at[EVP_TIME_MAX];
    char end[EVP_TIME_MAX];
    json_int_t amount = (json_int_t)rng_below(c->r, 50000) + 900;
    const char *currency = EVP_PICK(c->r, evp_currencies);
    const char *plan = EVP_PICK(c->r, plans);
    const char *reason = EVP_PICK(c->r, reasons);
    int attempts = (int)rng_below(c->r, 3) + 1;

    event_provider_person(c->r, &who);
    event_provider_token(c->r, c->which >= 0 ? prefixes[c->which] : "obj_", EVP_ALNUM, 16, id,
                         sizeof(id));
    event_provider_token(c->r, "cus_", EVP_ALNUM, 16, cus, sizeof(cus));
    snprintf(name, sizeof(name), "%s %s", who.first, who.last);
    event_provider_time(c->now_ms, EVP_ZULU, at, sizeof(at));
    event_provider_time(c->now_ms + 30 * EVP_MS_DAY, EVP_ZULU, end, sizeof(end));
    switch (c->which) {
    case EVP_SW_INV_PAID:
        return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "id", id, "customer_id", cus,
                         "amount_due", amount, "currency", currency, "status", "paid", "paid_at",
                         at);
    case EVP_SW_INV_FAILED:
        return json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:s, s:s}", "id", id, "customer_id", cus,
                         "amount_due", amount, "currency", currency, "status", "open",
                         "attempt_count", attempts, "failure_reason", reason, "next_attempt_at",
                         end);
    case EVP_SW_USER_NEW:
    case EVP_SW_USER_GONE:
        return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "email", who.mail, "name", name,
                         c->which == EVP_SW_USER_NEW ? "created_at" : "deleted_at", at);
    case EVP_SW_SUB_RENEWED:
    case EVP_SW_SUB_CANCELED:
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id", id, "customer_id", cus, "plan", plan,
            "status", c->which == EVP_SW_SUB_RENEWED ? "active" : "canceled", "amount", amount,
            "currency", currency, "current_period_start", at, "current_period_end", end);
    default:
        return json_pack("{s:s, s:s}", "id", id, "created_at", at);
    }
}

static json_t *evp_standard(const struct event_provider_ctx *c)
{
    char iso[EVP_TIME_MAX];

    clock_iso8601(c->now_ms, iso, sizeof(iso));
    return json_pack("{s:s, s:s, s:o}", "type", c->type, "timestamp", iso, "data", evp_sw_data(c));
}

/* ---- Slack: an Events API event_callback ---- */

/* A message timestamp, "1727690400.123456": seconds and microseconds. */
static void evp_sl_ts(struct rng *r, uint64_t ms, char *out, size_t size)
{
    unsigned long long micro = ms % 1000u * 1000u + rng_below(r, 1000);

    snprintf(out, size, "%llu.%06llu", (unsigned long long)(ms / 1000u), micro);
}

static json_t *evp_sl_event(const struct event_provider_ctx *c, const char *team, const char *bot)
{
    static const char *const texts[] = {"Deploy finished :rocket:", "Can someone review my PR?",
                                        "The build is green again", "Lunch at 1?"};
    static const char *const reactions[] = {"thumbsup", "eyes", "white_check_mark", "tada"};
    static const char *const names[] = {"general", "deploys", "support", "eng-alerts"};
    struct event_provider_person who;
    char user[16];
    char other[16];
    char channel[16];
    char ts[32];
    char item_ts[32];
    char text[160];
    const char *said = EVP_PICK(c->r, texts);
    const char *reaction = EVP_PICK(c->r, reactions);
    const char *name = EVP_PICK(c->r, names);

    event_provider_person(c->r, &who);
    event_provider_token(c->r, "U", EVP_UPPER, 10, user, sizeof(user));
    event_provider_token(c->r, "U", EVP_UPPER, 10, other, sizeof(other));
    event_provider_token(c->r, "C", EVP_UPPER, 10, channel, sizeof(channel));
    evp_sl_ts(c->r, c->now_ms, ts, sizeof(ts));
    evp_sl_ts(c->r, event_provider_ago(c->r, c->now_ms, 3600000), item_ts, sizeof(item_ts));
    snprintf(text, sizeof(text), "<@%s> %s", bot, said);
    switch (c->which) {
    case EVP_SL_MESSAGE:
    case EVP_SL_MENTION:
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", c->type, "channel",
                         channel, "user", user, "text", c->which == EVP_SL_MESSAGE ? said : text,
                         "ts", ts, "team", team, "event_ts", ts, "channel_type", "channel");
    case EVP_SL_REACTION:
        return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "type", c->type, "user",
                         user, "reaction", reaction, "item_user", other, "item", "type", "message",
                         "channel", channel, "ts", item_ts, "event_ts", ts);
    case EVP_SL_JOINED:
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", c->type, "user", user,
                         "channel", channel, "channel_type", "C", "team", team, "inviter", other,
                         "event_ts", ts);
    case EVP_SL_TEAM:
        return json_pack("{s:s, s:{s:s, s:s, s:s, s:b, s:s++, s:s, s:b, s:b, s:{s:s, s:s}}, s:s}",
                         "type", c->type, "user", "id", user, "team_id", team, "name", who.login,
                         "deleted", 0, "real_name", who.first, " ", who.last, "tz",
                         "America/New_York", "is_admin", 0, "is_bot", 0, "profile", "display_name",
                         who.first, "email", who.mail, "event_ts", ts);
    case EVP_SL_CREATED:
        return json_pack("{s:s, s:{s:s, s:s, s:I, s:s}, s:s}", "type", c->type, "channel", "id",
                         channel, "name", name, "created", (json_int_t)(c->now_ms / 1000u),
                         "creator", user, "event_ts", ts);
    default:
        return json_pack("{s:s, s:s, s:s}", "type", c->type, "user", user, "event_ts", ts);
    }
}

static json_t *evp_slack(const struct event_provider_ctx *c)
{
    char token[32];
    char team[16];
    char app[16];
    char bot[16];

    event_provider_token(c->r, "", EVP_ALNUM, 24, token, sizeof(token));
    event_provider_token(c->r, "T", EVP_UPPER, 10, team, sizeof(team));
    event_provider_token(c->r, "A", EVP_UPPER, 10, app, sizeof(app));
    event_provider_token(c->r, "U", EVP_UPPER, 10, bot, sizeof(bot));
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:[{s:n, s:s, s:s, s:b, s:b}], s:b}",
                     "token", token, "team_id", team, "api_app_id", app, "event",
                     evp_sl_event(c, team, bot), "type", "event_callback", "event_id", c->id,
                     "event_time", (json_int_t)(c->now_ms / 1000u), "authorizations",
                     "enterprise_id", "team_id", team, "user_id", bot, "is_bot", 1,
                     "is_enterprise_install", 0, "is_ext_shared_channel", 0);
}

/* ---- the profile table ---- */

static const struct evp_profile {
    const char *name;
    const char *const *types;
    const char *default_type;
    json_t *(*body)(const struct event_provider_ctx *c); /* NULL: Vambe's, core/event.c */
    const char *id_prefix;                               /* NULL: the id is a UUID v4 */
    const char *id_alphabet;
    size_t id_len;        /* characters after the prefix */
    const char *merge[2]; /* path from the body to what an override merges into */
} evp_profiles[] = {
    [EVENT_PROFILE_DOCUMENTED] =
        {"documented", evp_vambe_types, "message.received", NULL, NULL, NULL, 0, {NULL, NULL}},
    [EVENT_PROFILE_LEGACY] =
        {"legacy", evp_vambe_types, "message.received", NULL, NULL, NULL, 0, {NULL, NULL}},
    [EVENT_PROFILE_STANDARD_WEBHOOKS] = {"standard-webhooks",
                                         evp_sw_types,
                                         "invoice.paid",
                                         evp_standard,
                                         "msg_",
                                         EVP_ALNUM,
                                         27,
                                         {"data", NULL}},
    [EVENT_PROFILE_GITHUB] = {"github",
                              event_provider_github_types,
                              "push",
                              event_provider_github,
                              NULL,
                              NULL,
                              0,
                              {NULL, NULL}},
    [EVENT_PROFILE_STRIPE] = {"stripe",
                              event_provider_stripe_types,
                              "payment_intent.succeeded",
                              event_provider_stripe,
                              "evt_",
                              EVP_ALNUM,
                              24,
                              {"data", "object"}},
    [EVENT_PROFILE_SHOPIFY] = {"shopify",
                               event_provider_shopify_types,
                               "orders/create",
                               event_provider_shopify,
                               NULL,
                               NULL,
                               0,
                               {NULL, NULL}},
    [EVENT_PROFILE_SLACK] =
        {"slack", evp_sl_types, "message", evp_slack, "Ev", EVP_UPPER, 10, {"event", NULL}},
};

#define EVP_NAMES "documented, legacy, standard-webhooks, github, stripe, shopify or slack"

static const struct evp_profile *evp_profile(enum event_profile p)
{
    return (unsigned)p < EVP_N(evp_profiles) ? &evp_profiles[p] : NULL;
}

int event_profile_parse(const char *s, enum event_profile *out, struct err *e)
{
    size_t i;
    bool printable = s != NULL && strlen(s) <= 32;

    for (i = 0; s != NULL && i < EVP_N(evp_profiles); i++) {
        if (strcmp(s, evp_profiles[i].name) == 0) {
            *out = (enum event_profile)i;
            return 0;
        }
    }
    for (i = 0; printable && s[i] != '\0'; i++) {
        printable = s[i] >= ' ' && s[i] <= '~';
    }
    if (printable) {
        return err_set(e, "profile: unknown payload profile '%s' (use " EVP_NAMES ")", s);
    }
    return err_set(e, "profile: unknown payload profile (use " EVP_NAMES ")");
}

const char *event_profile_name(enum event_profile p)
{
    const struct evp_profile *pr = evp_profile(p);

    return pr != NULL ? pr->name : "documented";
}

const char *const *event_profile_types(enum event_profile p)
{
    const struct evp_profile *pr = evp_profile(p);

    return pr != NULL ? pr->types : NULL;
}

const char *event_profile_topic(enum event_profile p, const char *topic)
{
    const char *const *types = event_profile_types(p);
    const struct topic *t = topics_find(topic);
    size_t n = 0;

    if (p == EVENT_PROFILE_DOCUMENTED || p == EVENT_PROFILE_LEGACY || types == NULL || t == NULL) {
        return topic;
    }
    while (types[n] != NULL) {
        n++;
    }
    for (size_t i = 0; i < topics_count() && n > 0; i++) {
        if (topics_at(i) == t) {
            return types[i % n];
        }
    }
    return topic;
}

const char *event_profile_default_type(enum event_profile p)
{
    const struct evp_profile *pr = evp_profile(p);

    return pr != NULL ? pr->default_type : NULL;
}

bool event_provider_is(enum event_profile p)
{
    const struct evp_profile *pr = evp_profile(p);

    return pr != NULL && pr->body != NULL;
}

void event_provider_id(enum event_profile p, struct rng *r, char out[EVENT_ID_MAX + 1])
{
    const struct evp_profile *pr = evp_profile(p);

    if (pr == NULL || pr->id_prefix == NULL) {
        ids_uuid4(r, out);
        return;
    }
    event_provider_token(r, pr->id_prefix, pr->id_alphabet, pr->id_len, out, EVENT_ID_MAX + 1);
}

json_t *event_provider_root(enum event_profile p, const char *type, const char *id,
                            const json_t *override, struct rng *r, uint64_t now_ms)
{
    const struct evp_profile *pr = evp_profile(p);
    struct event_provider_ctx c = {r, now_ms, type, id, -1};
    json_t *root = NULL;
    json_t *target = NULL;
    json_t *copy = NULL;
    size_t i;

    if (pr == NULL || pr->body == NULL) {
        return NULL;
    }
    for (i = 0; pr->types[i] != NULL && c.which < 0; i++) {
        if (strcmp(type, pr->types[i]) == 0) {
            c.which = (int)i;
        }
    }
    root = pr->body(&c);
    if (root == NULL || override == NULL) {
        return root;
    }
    target = root;
    for (i = 0; i < EVP_N(pr->merge) && pr->merge[i] != NULL; i++) {
        target = json_object_get(target, pr->merge[i]);
    }
    /* A deep copy: the caller's override is const and may be shared. */
    copy = json_deep_copy(override);
    if (copy == NULL || json_object_update(target, copy) != 0) {
        json_decref(copy);
        json_decref(root);
        return NULL;
    }
    json_decref(copy);
    return root;
}
