/* core/topics: the catalogue of DESIGN §4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>
#include <string.h>

#include "core/topics.h"

/* DESIGN §4, in its order, with the kind each topic must have. */
static const struct {
    const char *name;
    enum topic_kind kind;
} expected[] = {
    {"message.received", TOPIC_KIND_MESSAGE}, {"message.sent", TOPIC_KIND_MESSAGE},
    {"ticket.created", TOPIC_KIND_TICKET},    {"ticket.updated", TOPIC_KIND_TICKET},
    {"ticket.closed", TOPIC_KIND_TICKET},     {"contact.created", TOPIC_KIND_CONTACT},
    {"contact.updated", TOPIC_KIND_CONTACT},  {"stage.changed", TOPIC_KIND_STAGE},
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static void test_count_is_eight(void **state)
{
    (void)state;
    assert_int_equal(topics_count(), 8);
    assert_int_equal(topics_count(), N_EXPECTED);
}

static void test_table_matches_design(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_EXPECTED; i++) {
        const struct topic *t = topics_at(i);

        assert_non_null(t);
        assert_string_equal(t->name, expected[i].name);
        assert_int_equal(t->kind, expected[i].kind);
        assert_non_null(t->description);
        assert_true(strlen(t->description) > 10);
        /* one line each */
        assert_null(strchr(t->description, '\n'));
    }
}

static void test_at_out_of_range(void **state)
{
    (void)state;
    assert_null(topics_at(topics_count()));
    assert_null(topics_at(topics_count() + 1));
    assert_null(topics_at((size_t)-1));
}

static void test_find_every_topic(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < topics_count(); i++) {
        const struct topic *t = topics_at(i);

        assert_ptr_equal(topics_find(t->name), t);
    }
}

static void test_names_unique(void **state)
{
    size_t i;
    size_t j;

    (void)state;
    for (i = 0; i < topics_count(); i++) {
        for (j = i + 1; j < topics_count(); j++) {
            assert_string_not_equal(topics_at(i)->name, topics_at(j)->name);
        }
    }
}

static void test_alias_resolves(void **state)
{
    const struct topic *t = NULL;

    (void)state;
    t = topics_find("ticket.opened");
    assert_non_null(t);
    assert_ptr_equal(t, topics_find("ticket.created"));
    assert_string_equal(t->name, "ticket.created");
    assert_int_equal(t->kind, TOPIC_KIND_TICKET);
}

static void test_find_unknown(void **state)
{
    (void)state;
    assert_null(topics_find(NULL));
    assert_null(topics_find(""));
    assert_null(topics_find("order.shipped"));
    assert_null(topics_find("Message.Received"));  /* names are case-sensitive */
    assert_null(topics_find("message.received ")); /* no trimming */
    assert_null(topics_find("message"));
    assert_null(topics_find("ticket.opened.x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_is_eight),  cmocka_unit_test(test_table_matches_design),
        cmocka_unit_test(test_at_out_of_range), cmocka_unit_test(test_find_every_topic),
        cmocka_unit_test(test_names_unique),    cmocka_unit_test(test_alias_resolves),
        cmocka_unit_test(test_find_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
