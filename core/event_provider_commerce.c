/* Stripe and Shopify webhook bodies. Internal to core/event (see
 * core/event_provider.h).
 *
 * Stripe: an Event object whose data.object is the resource the event is
 * about (an unknown type gets a small object named by the type's first
 * segment). Shopify: the resource itself, no envelope (the topic and the
 * webhook id travel in headers); ids are large integers as in today's
 * stores, times are the shop's local time with its offset, prices are
 * decimal strings. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/event_provider.h"

const char *const event_provider_stripe_types[] = {"payment_intent.succeeded",
                                                   "payment_intent.payment_failed",
                                                   "charge.refunded",
                                                   "customer.created",
                                                   "customer.subscription.updated",
                                                   "invoice.paid",
                                                   NULL};
/* In the order of the list. */
enum { EVP_ST_PI_OK, EVP_ST_PI_FAILED, EVP_ST_REFUND, EVP_ST_CUSTOMER, EVP_ST_SUB, EVP_ST_INVOICE };

const char *const event_provider_shopify_types[] = {
    "orders/create",   "orders/paid", "orders/cancelled", "products/update", "customers/create",
    "app/uninstalled", NULL};
/* In the order of the list. */
enum { EVP_SH_CREATE, EVP_SH_PAID, EVP_SH_CANCEL, EVP_SH_PRODUCT, EVP_SH_CUSTOMER, EVP_SH_UNINST };

static const char *const evp_currencies[] = {"usd", "usd", "usd", "eur", "gbp", "cad"};

static json_int_t evp_secs(uint64_t ms)
{
    return (json_int_t)(ms / 1000u);
}

/* ---- Stripe: an Event object, data.object the resource ---- */

/* The values a Stripe resource is made of, drawn in one fixed order
 * whatever the type. */
struct evp_st_draw {
    struct event_provider_person who;
    char pi[32];
    char ch[32];
    char cus[32];
    char sub[32];
    char in[32];
    json_int_t amount;
    json_int_t created;
    const char *currency;
    const char *decline;
    const char *status;
    int flag;
};

static void evp_st_draw(const struct event_provider_ctx *c, struct evp_st_draw *d)
{
    static const char *const declines[] = {"insufficient_funds", "generic_decline", "lost_card"};
    static const char *const statuses[] = {"active", "active", "past_due", "trialing"};

    d->amount = (json_int_t)rng_below(c->r, 50000) + 500;
    d->created = evp_secs(event_provider_ago(c->r, c->now_ms, 300000));
    d->currency = EVP_PICK(c->r, evp_currencies);
    d->decline = EVP_PICK(c->r, declines);
    d->status = EVP_PICK(c->r, statuses);
    d->flag = rng_below(c->r, 2) == 0;
    event_provider_person(c->r, &d->who);
    event_provider_token(c->r, "pi_", EVP_ALNUM, 24, d->pi, sizeof(d->pi));
    event_provider_token(c->r, "ch_", EVP_ALNUM, 24, d->ch, sizeof(d->ch));
    event_provider_token(c->r, "cus_", EVP_ALNUM, 14, d->cus, sizeof(d->cus));
    event_provider_token(c->r, "sub_", EVP_ALNUM, 24, d->sub, sizeof(d->sub));
    event_provider_token(c->r, "in_", EVP_ALNUM, 24, d->in, sizeof(d->in));
}

/* The resource of which's event; *prev receives previous_attributes (an
 * *.updated event's) or stays NULL. */
static json_t *evp_st_object(const struct event_provider_ctx *c, json_t **prev)
{
    struct evp_st_draw d;
    char obj[128]; /* a whole type fits: never cut inside a UTF-8 sequence */
    json_int_t end;
    bool ok = c->which == EVP_ST_PI_OK;
    json_t *error = NULL;

    evp_st_draw(c, &d);
    end = d.created + 30 * 86400;
    if (c->which == EVP_ST_PI_FAILED) {
        error = json_pack("{s:s, s:s, s:s, s:s}", "code", "card_declined", "decline_code",
                          d.decline, "message", "Your card was declined.", "type", "card_error");
        if (error == NULL) {
            return NULL;
        }
    }
    switch (c->which) {
    case EVP_ST_PI_OK:
    case EVP_ST_PI_FAILED:
        return json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:o?, s:s, s:b, s:{}, s:s}", "id",
                         d.pi, "object", "payment_intent", "amount", d.amount, "amount_received",
                         ok ? d.amount : 0, "created", d.created, "currency", d.currency,
                         "customer", d.cus, "last_payment_error", error, "latest_charge", d.ch,
                         "livemode", 0, "metadata", "status",
                         ok ? "succeeded" : "requires_payment_method");
    case EVP_ST_REFUND:
        return json_pack("{s:s, s:s, s:I, s:I, s:b, s:I, s:s, s:s, s:b, s:b, s:s, s:b, s:s}", "id",
                         d.ch, "object", "charge", "amount", d.amount, "amount_refunded",
                         d.flag ? d.amount : d.amount / 2, "captured", 1, "created", d.created,
                         "currency", d.currency, "customer", d.cus, "livemode", 0, "paid", 1,
                         "payment_intent", d.pi, "refunded", d.flag, "status", "succeeded");
    case EVP_ST_CUSTOMER:
        return json_pack("{s:s, s:s, s:I, s:s, s:s++, s:n, s:b, s:{}}", "id", d.cus, "object",
                         "customer", "created", d.created, "email", d.who.mail, "name", d.who.first,
                         " ", d.who.last, "phone", "livemode", 0, "metadata");
    case EVP_ST_SUB:
        *prev = json_pack("{s:b}", "cancel_at_period_end", !d.flag);
        return json_pack("{s:s, s:s, s:b, s:I, s:s, s:I, s:I, s:s, s:{s:s, s:[{s:s, s:{s:s, s:I, "
                         "s:{s:s}}, s:i}]}, s:b, s:s}",
                         "id", d.sub, "object", "subscription", "cancel_at_period_end", d.flag,
                         "created", d.created, "currency", d.currency, "current_period_start",
                         d.created, "current_period_end", end, "customer", d.cus, "items", "object",
                         "list", "data", "object", "subscription_item", "price", "currency",
                         d.currency, "unit_amount", d.amount, "recurring", "interval", "month",
                         "quantity", 1, "livemode", 0, "status", d.status);
    case EVP_ST_INVOICE:
        return json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:s, s:s, s:s, s:b, s:b, s:s, s:s}", "id",
                         d.in, "object", "invoice", "amount_due", d.amount, "amount_paid", d.amount,
                         "amount_remaining", 0, "created", d.created, "currency", d.currency,
                         "customer", d.cus, "customer_email", d.who.mail, "livemode", 0, "paid", 1,
                         "status", "paid", "subscription", d.sub);
    default:
        snprintf(obj, sizeof(obj), "%.*s", (int)strcspn(c->type, "."), c->type);
        return json_pack("{s:s+, s:s, s:I, s:b}", "id", "obj_", d.cus + 4, "object", obj, "created",
                         d.created, "livemode", 0);
    }
}

json_t *event_provider_stripe(const struct event_provider_ctx *c)
{
    char req[32];
    json_t *prev = NULL;
    json_t *obj;

    event_provider_token(c->r, "req_", EVP_ALNUM, 14, req, sizeof(req));
    obj = evp_st_object(c, &prev);
    return json_pack("{s:s, s:s, s:s, s:I, s:{s:o, s:o*}, s:b, s:i, s:{s:s, s:n}, s:s}", "id",
                     c->id, "object", "event", "api_version", "2024-06-20", "created",
                     evp_secs(c->now_ms), "data", "object", obj, "previous_attributes", prev,
                     "livemode", 0, "pending_webhooks", 1, "request", "id", req, "idempotency_key",
                     "type", c->type);
}

/* ---- Shopify: the resource itself ---- */

static const struct {
    const char *zone;
    int offset_min; /* in September: daylight saving time where it applies */
    const char *country;
} evp_sh_zones[] = {{"America/New_York", -240, "US"},    {"America/Chicago", -300, "US"},
                    {"America/Los_Angeles", -420, "US"}, {"America/Santiago", -180, "CL"},
                    {"Europe/London", 60, "GB"},         {"Europe/Berlin", 120, "DE"}};
static const struct {
    const char *title;
    json_int_t cents;
} evp_sh_products[] = {{"Classic Tee", 2500}, {"Canvas Tote", 1800},   {"Ceramic Mug", 1400},
                       {"Wool Beanie", 2200}, {"Trail Runner", 11900}, {"Leather Wallet", 4500}};
static const char *const evp_sh_currencies[] = {"USD", "USD", "USD", "CAD", "EUR", "GBP"};
static const char *const evp_sh_shops[] = {"Northwind Outfitters", "Blue Fern Goods", "Tiny Harbor",
                                           "Maple Street Supply"};

/* "199.00" */
static void evp_money(json_int_t cents, char *out, size_t size)
{
    snprintf(out, size, "%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

/* "Blue Fern Goods" -> "blue-fern-goods" */
static void evp_handle(const char *title, char *out, size_t size)
{
    size_t i = 0;

    for (; *title != '\0' && i + 1 < size; title++) {
        out[i++] = *title == ' ' ? '-' : (char)tolower((unsigned char)*title);
    }
    out[i] = '\0';
}

/* A 13-digit id, as today's stores have, and its GraphQL id. */
static json_int_t evp_sh_id(struct rng *r, const char *kind, char *gid, size_t size)
{
    json_int_t id = 5000000000000ll + (json_int_t)rng_below(r, 4000000000000ull);

    snprintf(gid, size, "gid://shopify/%s/%lld", kind, (long long)id);
    return id;
}

/* 1 to 3 line items; *subtotal receives their sum in cents. */
static json_t *evp_sh_lines(struct rng *r, json_int_t *subtotal)
{
    json_t *lines = json_array();
    size_t n = 1 + (size_t)rng_below(r, 3);
    size_t first = (size_t)rng_below(r, EVP_N(evp_sh_products)); /* n different products */

    *subtotal = 0;
    for (size_t i = 0; i < n; i++) {
        char gid[64];
        char price[24];
        char sku[16];
        json_int_t id = evp_sh_id(r, "LineItem", gid, sizeof(gid));
        size_t k = (first + i) % EVP_N(evp_sh_products);
        int qty = 1 + (int)rng_below(r, 3);
        json_int_t product = 7450000000000ll + 1000 * (json_int_t)k; /* one per title */

        event_provider_token(r, "SKU-", EVP_UPPER, 6, sku, sizeof(sku));
        evp_money(evp_sh_products[k].cents, price, sizeof(price));
        *subtotal += evp_sh_products[k].cents * qty;
        if (json_array_append_new(
                lines, json_pack("{s:I, s:s, s:s, s:s, s:I, s:i, s:s, s:s, s:I}", "id", id,
                                 "admin_graphql_api_id", gid, "name", evp_sh_products[k].title,
                                 "price", price, "product_id", product, "quantity", qty, "sku", sku,
                                 "title", evp_sh_products[k].title, "variant_id", product + 17)) !=
            0) {
            json_decref(lines);
            return NULL;
        }
    }
    return lines;
}

static json_t *evp_sh_order(const struct event_provider_ctx *c, int off)
{
    static const char *const reasons[] = {"customer", "inventory", "fraud", "declined", "other"};
    static const char *const unpaid[] = {"pending", "authorized"};
    struct event_provider_person who;
    char gid[64];
    char cgid[64];
    char name[16];
    char created[EVP_TIME_MAX];
    char now[EVP_TIME_MAX];
    char sub[24];
    char tax[24];
    char total[24];
    json_int_t id = evp_sh_id(c->r, "Order", gid, sizeof(gid));
    json_int_t cid = evp_sh_id(c->r, "Customer", cgid, sizeof(cgid));
    int number = 1001 + (int)rng_below(c->r, 9000);
    const char *currency = EVP_PICK(c->r, evp_sh_currencies);
    const char *reason = EVP_PICK(c->r, reasons);
    const char *status = EVP_PICK(c->r, unpaid);
    bool cancel = c->which == EVP_SH_CANCEL;
    json_int_t cents;
    json_t *lines;

    event_provider_person(c->r, &who);
    lines = evp_sh_lines(c->r, &cents);
    event_provider_time(event_provider_ago(c->r, c->now_ms, 2 * EVP_MS_DAY), off, created,
                        sizeof(created));
    event_provider_time(c->now_ms, off, now, sizeof(now));
    evp_money(cents, sub, sizeof(sub));
    evp_money(cents * 8 / 100, tax, sizeof(tax)); /* a flat 8% sales tax */
    evp_money(cents + cents * 8 / 100, total, sizeof(total));
    snprintf(name, sizeof(name), "#%d", number);
    if (c->which != EVP_SH_CREATE) {
        status = cancel ? "refunded" : "paid";
    }
    return json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s, s:n, s:s, s:i, s:s, s:s, s:s, "
                     "s:s, s:s, s:o, s:{s:I, s:s, s:s, s:s, s:s}}",
                     "id", id, "admin_graphql_api_id", gid, "cancel_reason", cancel ? reason : NULL,
                     "cancelled_at", cancel ? now : NULL, "created_at", created, "currency",
                     currency, "email", who.mail, "financial_status", status, "fulfillment_status",
                     "name", name, "order_number", number, "processed_at", created,
                     "subtotal_price", sub, "total_price", total, "total_tax", tax, "updated_at",
                     now, "line_items", lines, "customer", "id", cid, "admin_graphql_api_id", cgid,
                     "email", who.mail, "first_name", who.first, "last_name", who.last);
}

static json_t *evp_sh_product(const struct event_provider_ctx *c, int off, const char *shop)
{
    char gid[64];
    char vgid[64];
    char handle[64];
    char price[24];
    char sku[16];
    char created[EVP_TIME_MAX];
    char now[EVP_TIME_MAX];
    size_t k = (size_t)rng_below(c->r, EVP_N(evp_sh_products));
    json_int_t id = evp_sh_id(c->r, "Product", gid, sizeof(gid));
    json_int_t vid = evp_sh_id(c->r, "ProductVariant", vgid, sizeof(vgid));
    int stock = (int)rng_below(c->r, 200);

    event_provider_token(c->r, "SKU-", EVP_UPPER, 6, sku, sizeof(sku));
    event_provider_time(event_provider_ago(c->r, c->now_ms, 200 * EVP_MS_DAY), off, created,
                        sizeof(created));
    event_provider_time(c->now_ms, off, now, sizeof(now));
    evp_handle(evp_sh_products[k].title, handle, sizeof(handle));
    evp_money(evp_sh_products[k].cents, price, sizeof(price));
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                     "s:[{s:I, s:I, s:s, s:s, s:s, s:i, s:s}]}",
                     "id", id, "title", evp_sh_products[k].title, "body_html",
                     "<p>Made to last.</p>", "vendor", shop, "created_at", created, "handle",
                     handle, "updated_at", now, "published_at", created, "status", "active", "tags",
                     "", "admin_graphql_api_id", gid, "variants", "id", vid, "product_id", id,
                     "title", "Default Title", "price", price, "sku", sku, "inventory_quantity",
                     stock, "admin_graphql_api_id", vgid);
}

/* customers/create (shop is NULL) or app/uninstalled's shop. */
static json_t *evp_sh_party(const struct event_provider_ctx *c, size_t z, const char *shop)
{
    static const char *const plans[] = {"basic", "shopify", "advanced"};
    struct event_provider_person who;
    char gid[64];
    char handle[64];
    char domain[96];
    char created[EVP_TIME_MAX];
    char now[EVP_TIME_MAX];
    json_int_t id = evp_sh_id(c->r, "Customer", gid, sizeof(gid));
    const char *currency = EVP_PICK(c->r, evp_sh_currencies);
    const char *plan = EVP_PICK(c->r, plans);
    int off = evp_sh_zones[z].offset_min;

    event_provider_person(c->r, &who);
    event_provider_time(event_provider_ago(c->r, c->now_ms, 700 * EVP_MS_DAY), off, created,
                        sizeof(created));
    event_provider_time(c->now_ms, off, now, sizeof(now));
    if (shop == NULL) {
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:n, s:[], s:s}", "id",
                         id, "email", who.mail, "created_at", now, "updated_at", now, "first_name",
                         who.first, "last_name", who.last, "state", "disabled", "verified_email", 1,
                         "tags", "", "currency", currency, "phone", "addresses",
                         "admin_graphql_api_id", gid);
    }
    evp_handle(shop, handle, sizeof(handle));
    snprintf(domain, sizeof(domain), "%s.myshopify.com", handle);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s++, s:s, s:s, s:s, s:s}", "id",
                     id / 100, "name", shop, "email", who.mail, "domain", domain, "country_code",
                     evp_sh_zones[z].country, "currency", currency, "iana_timezone",
                     evp_sh_zones[z].zone, "shop_owner", who.first, " ", who.last, "plan_name",
                     plan, "myshopify_domain", domain, "created_at", created, "updated_at", now);
}

json_t *event_provider_shopify(const struct event_provider_ctx *c)
{
    size_t z = (size_t)rng_below(c->r, EVP_N(evp_sh_zones));
    const char *shop = EVP_PICK(c->r, evp_sh_shops);
    int off = evp_sh_zones[z].offset_min;
    char gid[64];
    char now[EVP_TIME_MAX];
    json_int_t id;

    switch (c->which) {
    case EVP_SH_CREATE:
    case EVP_SH_PAID:
    case EVP_SH_CANCEL:
        return evp_sh_order(c, off);
    case EVP_SH_PRODUCT:
        return evp_sh_product(c, off, shop);
    case EVP_SH_CUSTOMER:
        return evp_sh_party(c, z, NULL);
    case EVP_SH_UNINST:
        return evp_sh_party(c, z, shop);
    default:
        id = evp_sh_id(c->r, "Object", gid, sizeof(gid));
        event_provider_time(c->now_ms, off, now, sizeof(now));
        return json_pack("{s:I, s:s, s:s, s:s}", "id", id, "admin_graphql_api_id", gid,
                         "created_at", now, "updated_at", now);
    }
}
