/* examples/receiver/parents: which updates are orphans, in both payload
 * profiles, the alias ticket.opened, events it leaves alone, the bound,
 * and the entity an event is about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>

#include "examples/receiver/parents.h"

/* An event whose data is {key: value}; value NULL: data is {}. */
static json_t *ev(const char *key, const char *value)
{
    json_t *e =
        value != NULL ? json_pack("{s:{s:s}}", "data", key, value) : json_pack("{s:{}}", "data");
    assert_non_null(e);
    return e;
}

static void documented(void **state)
{
    (void)state;
    struct rcv_parents *p = rcv_parents_new(100);
    json_t *contact = ev("contact_id", "c1");
    json_t *ticket = ev("ticket_id", "t1");

    assert_true(rcv_parents_orphan(p, "contact.updated", contact));
    assert_true(rcv_parents_orphan(p, "ticket.updated", ticket));
    assert_true(rcv_parents_orphan(p, "ticket.closed", ticket));
    rcv_parents_note(p, "contact.created", contact);
    assert_false(rcv_parents_orphan(p, "contact.updated", contact));
    /* a contact is not a ticket of the same id */
    json_t *ticket_c1 = ev("ticket_id", "c1");
    assert_true(rcv_parents_orphan(p, "ticket.updated", ticket_c1));
    json_decref(ticket_c1);
    /* an update creates nothing */
    rcv_parents_note(p, "ticket.updated", ticket);
    assert_true(rcv_parents_orphan(p, "ticket.closed", ticket));
    /* the alias of ticket.created creates the ticket */
    rcv_parents_note(p, "ticket.opened", ticket);
    assert_false(rcv_parents_orphan(p, "ticket.updated", ticket));
    assert_false(rcv_parents_orphan(p, "ticket.closed", ticket));
    json_decref(contact);
    json_decref(ticket);
    rcv_parents_free(p);
    rcv_parents_free(NULL);
}

static void legacy(void **state)
{
    (void)state;
    struct rcv_parents *p = rcv_parents_new(100);
    json_t *contact = ev("contactId", "c7");
    json_t *same = ev("contact_id", "c7");

    assert_true(rcv_parents_orphan(p, "contact.updated", contact));
    rcv_parents_note(p, "contact.created", contact);
    assert_false(rcv_parents_orphan(p, "contact.updated", contact));
    /* one contact, whichever profile names it */
    assert_false(rcv_parents_orphan(p, "contact.updated", same));
    json_decref(contact);
    json_decref(same);
    rcv_parents_free(p);
}

static void left_alone(void **state)
{
    (void)state;
    struct rcv_parents *p = rcv_parents_new(100);
    json_t *contact = ev("contact_id", "c2");
    json_t *none = ev("name", "x");
    json_t *number = json_pack("{s:{s:i}}", "data", "contact_id", 12);
    json_t *no_data = json_object();

    /* other topics, unknown topics, no topic */
    assert_false(rcv_parents_orphan(p, "message.received", contact));
    assert_false(rcv_parents_orphan(p, "stage.changed", contact));
    assert_false(rcv_parents_orphan(p, "contact.merged", contact));
    assert_false(rcv_parents_orphan(p, NULL, contact));
    /* no id, an id that is not a string, no data at all */
    assert_false(rcv_parents_orphan(p, "contact.updated", none));
    assert_false(rcv_parents_orphan(p, "contact.updated", number));
    assert_false(rcv_parents_orphan(p, "contact.updated", no_data));
    assert_false(rcv_parents_orphan(p, "contact.updated", NULL));
    /* no map (the flaws are off): never an orphan, noting is a no-op */
    rcv_parents_note(NULL, "contact.created", contact);
    assert_false(rcv_parents_orphan(NULL, "contact.updated", contact));
    json_decref(contact);
    json_decref(none);
    json_decref(number);
    json_decref(no_data);
    rcv_parents_free(p);
}

static void bounded(void **state)
{
    (void)state;
    struct rcv_parents *p = rcv_parents_new(2);
    json_t *c[3] = {ev("contact_id", "a"), ev("contact_id", "b"), ev("contact_id", "c")};

    for (size_t i = 0; i < 3; i++) {
        rcv_parents_note(p, "contact.created", c[i]);
    }
    /* the oldest is forgotten first */
    assert_true(rcv_parents_orphan(p, "contact.updated", c[0]));
    assert_false(rcv_parents_orphan(p, "contact.updated", c[1]));
    assert_false(rcv_parents_orphan(p, "contact.updated", c[2]));
    for (size_t i = 0; i < 3; i++) {
        json_decref(c[i]);
    }
    rcv_parents_free(p);
}

/* The entity id of an event: by its topic's kind, in both profiles. */
static void entity(void **state)
{
    (void)state;
    json_t *both = json_pack("{s:{s:s, s:s}}", "data", "contact_id", "c1", "ticket_id", "t1");
    json_t *legacy = ev("ticketId", "t9");
    json_t *empty = ev("contact_id", "");
    const char *kind = NULL;

    assert_string_equal(rcv_parents_entity("contact.updated", both, &kind), "c1");
    assert_string_equal(kind, "contact");
    assert_string_equal(rcv_parents_entity("contact.created", both, NULL), "c1");
    /* a ticket's event names its contact too: the ticket is what it is about */
    assert_string_equal(rcv_parents_entity("ticket.updated", both, &kind), "t1");
    assert_string_equal(kind, "ticket");
    assert_string_equal(rcv_parents_entity("ticket.closed", both, NULL), "t1");
    assert_string_equal(rcv_parents_entity("ticket.opened", both, NULL), "t1");
    assert_string_equal(rcv_parents_entity("ticket.updated", legacy, NULL), "t9");
    assert_null(rcv_parents_entity("message.received", both, NULL));
    assert_null(rcv_parents_entity(NULL, both, NULL));
    assert_null(rcv_parents_entity("contact.updated", legacy, NULL));
    assert_null(rcv_parents_entity("contact.updated", empty, NULL));
    assert_null(rcv_parents_entity("contact.updated", NULL, NULL));
    json_decref(both);
    json_decref(legacy);
    json_decref(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documented), cmocka_unit_test(legacy), cmocka_unit_test(left_alone),
        cmocka_unit_test(bounded),    cmocka_unit_test(entity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
