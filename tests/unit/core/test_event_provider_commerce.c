/* core/event_provider_commerce.c: Stripe and Shopify bodies, every listed
 * type and unknown ones: Stripe's Event envelope and its data.object, and
 * Shopify's resources (ids, GraphQL ids, local times, prices). */
#include "event_provider_check.h"

#include "core/ids.h"

static void check_stripe(const json_t *root, const struct event *ev, const char *type)
{
    static const char *const kinds[][3] = {
        {"payment_intent.succeeded", "payment_intent", "pi_"},
        {"payment_intent.payment_failed", "payment_intent", "pi_"},
        {"charge.refunded", "charge", "ch_"},
        {"customer.created", "customer", "cus_"},
        {"customer.subscription.updated", "subscription", "sub_"},
        {"invoice.paid", "invoice", "in_"},
    };
    const json_t *data = obj_of(root, "data");
    const json_t *object = obj_of(data, "object");
    const json_t *request = obj_of(root, "request");
    size_t k;

    assert_true(is_token(ev->id, "evt_", ALNUM, 24));
    assert_string_equal(str_of(root, "id"), ev->id);
    assert_string_equal(str_of(root, "object"), "event");
    assert_string_equal(str_of(root, "api_version"), "2024-06-20");
    assert_int_equal(int_of(root, "created"), NOW_SECS);
    assert_true(json_is_false(json_object_get(root, "livemode")));
    assert_int_equal(int_of(root, "pending_webhooks"), 1);
    assert_true(is_token(str_of(request, "id"), "req_", ALNUM, 14));
    assert_true(json_is_null(json_object_get(request, "idempotency_key")));
    assert_string_equal(str_of(root, "type"), type);
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (strcmp(type, kinds[k][0]) == 0) {
            assert_string_equal(str_of(object, "object"), kinds[k][1]);
            assert_true(strncmp(str_of(object, "id"), kinds[k][2], strlen(kinds[k][2])) == 0);
            break;
        }
    }
    if (k == sizeof(kinds) / sizeof(kinds[0])) {
        char named[128]; /* an unknown type's object is named by its first segment */

        snprintf(named, sizeof(named), "%.*s", (int)strcspn(type, "."), type);
        assert_string_equal(str_of(object, "object"), named);
        assert_true(strncmp(str_of(object, "id"), "obj_", 4) == 0);
    } else if (strcmp(kinds[k][1], "customer") != 0) {
        assert_true(strlen(str_of(object, "currency")) == 3);
    }
    if (strncmp(type, "payment_intent.", 15) == 0) {
        bool ok = strcmp(type, "payment_intent.succeeded") == 0;

        assert_true(int_of(object, "amount") > 0);
        assert_string_equal(str_of(object, "status"), ok ? "succeeded" : "requires_payment_method");
        assert_int_equal(json_is_object(json_object_get(object, "last_payment_error")), !ok);
    }
    assert_int_equal(json_object_get(data, "previous_attributes") != NULL,
                     strcmp(type, "customer.subscription.updated") == 0);
}

/* "199.00" as cents, or -1. */
static long long cents_of(const char *s)
{
    const char *dot = s != NULL ? strchr(s, '.') : NULL;

    if (dot == NULL || strlen(dot) != 3 || strspn(s, "0123456789") != (size_t)(dot - s) ||
        strspn(dot + 1, "0123456789") != 2) {
        return -1;
    }
    return strtoll(s, NULL, 10) * 100 + strtoll(dot + 1, NULL, 10);
}

static void check_shopify(const json_t *root, const struct event *ev, const char *type)
{
    json_int_t id = int_of(root, "id");
    char gid_tail[40];

    assert_true(ids_is_uuid(ev->id));
    assert_int_equal(ev->id[14], '4');
    assert_null(json_object_get(root, "topic")); /* no envelope */
    assert_true(id > 1000000000ll);
    assert_true(is_time(str_of(root, "created_at"), false));
    assert_true(is_time(str_of(root, "updated_at"), false));
    if (strcmp(type, "app/uninstalled") == 0) {
        const char *domain = str_of(root, "myshopify_domain");

        assert_true(strlen(domain) > 14);
        assert_string_equal(domain + strlen(domain) - 14, ".myshopify.com");
        return;
    }
    snprintf(gid_tail, sizeof(gid_tail), "/%lld", (long long)id);
    assert_true(strncmp(str_of(root, "admin_graphql_api_id"), "gid://shopify/", 14) == 0);
    assert_string_equal(str_of(root, "admin_graphql_api_id") +
                            strlen(str_of(root, "admin_graphql_api_id")) - strlen(gid_tail),
                        gid_tail);
    if (strncmp(type, "orders/", 7) == 0) {
        const json_t *lines = get_kind(root, "line_items", JSON_ARRAY);
        long long sub = cents_of(str_of(root, "subtotal_price"));
        bool cancelled = strcmp(type, "orders/cancelled") == 0;

        assert_true(strstr(str_of(root, "admin_graphql_api_id"), "/Order/") != NULL);
        assert_true(strchr(str_of(root, "email"), '@') != NULL);
        assert_true(is_token(str_of(root, "currency"), "", UPPER, 3));
        assert_true(json_array_size(lines) >= 1);
        assert_true(sub > 0);
        assert_int_equal(cents_of(str_of(root, "total_price")),
                         sub + cents_of(str_of(root, "total_tax")));
        assert_true(cents_of(str_of(json_array_get(lines, 0), "price")) > 0);
        assert_int_equal(json_is_string(json_object_get(root, "cancelled_at")), cancelled);
        if (strcmp(type, "orders/paid") == 0) {
            assert_string_equal(str_of(root, "financial_status"), "paid");
        }
    } else if (strcmp(type, "products/update") == 0) {
        assert_true(json_array_size(get_kind(root, "variants", JSON_ARRAY)) >= 1);
        assert_true(strlen(str_of(root, "title")) > 0);
    } else if (strcmp(type, "customers/create") == 0) {
        assert_true(strchr(str_of(root, "email"), '@') != NULL);
    }
}

static void test_stripe_bodies(void **state)
{
    (void)state;
    check_every_type(EVENT_PROFILE_STRIPE, check_stripe);
}

static void test_shopify_bodies(void **state)
{
    (void)state;
    check_every_type(EVENT_PROFILE_SHOPIFY, check_shopify);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stripe_bodies),
        cmocka_unit_test(test_shopify_bodies),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
