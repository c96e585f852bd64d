/* Created contacts and tickets (see parents.h): one idmap keyed
 * "contact:<id>" and "ticket:<id>", so the two kinds never collide. */
#include "examples/receiver/parents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/topics.h"
#include "core/xalloc.h"
#include "examples/receiver/idmap.h"

struct rcv_parents {
    struct rcv_idmap *created;
};

/* What a topic does to an entity. */
enum parents_role {
    PARENTS_OTHER,   /* none of the below */
    PARENTS_CREATES, /* contact.created, ticket.created */
    PARENTS_UPDATES, /* contact.updated, ticket.updated, ticket.closed */
};

/* The role of topic and the kind of entity it touches ("contact" or
 * "ticket") into *kind. An alias counts as its canonical topic. */
static enum parents_role parents_role(const char *topic, const char **kind)
{
    static const struct {
        const char *topic;
        const char *kind;
        enum parents_role role;
    } roles[] = {
        {"contact.created", "contact", PARENTS_CREATES},
        {"ticket.created", "ticket", PARENTS_CREATES},
        {"contact.updated", "contact", PARENTS_UPDATES},
        {"ticket.updated", "ticket", PARENTS_UPDATES},
        {"ticket.closed", "ticket", PARENTS_UPDATES},
    };
    const struct topic *t = topic != NULL ? topics_find(topic) : NULL;

    for (size_t i = 0; t != NULL && i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (strcmp(t->name, roles[i].topic) == 0) {
            *kind = roles[i].kind;
            return roles[i].role;
        }
    }
    return PARENTS_OTHER;
}

const char *rcv_parents_entity(const char *topic, const json_t *event, const char **kind)
{
    const char *k = NULL;
    const json_t *data = json_object_get(event, "data");
    char snake[16];
    char camel[16];

    if (parents_role(topic, &k) == PARENTS_OTHER) {
        return NULL;
    }
    snprintf(snake, sizeof(snake), "%s_id", k);
    snprintf(camel, sizeof(camel), "%sId", k);
    const char *id = json_string_value(json_object_get(data, snake));
    if (id == NULL) {
        id = json_string_value(json_object_get(data, camel));
    }
    if (id == NULL || *id == '\0' || strlen(id) > RCV_ID_MAX) {
        return NULL;
    }
    if (kind != NULL) {
        *kind = k;
    }
    return id;
}

/* The entity's key ("contact:<id>") into key. False when the event of
 * topic touches no contact or ticket (rcv_parents_entity). */
static bool parents_key(const char *topic, const json_t *event, char key[RCV_ID_MAX + 16])
{
    const char *kind = NULL;
    const char *id = rcv_parents_entity(topic, event, &kind);

    if (id == NULL) {
        return false;
    }
    snprintf(key, RCV_ID_MAX + 16, "%s:%s", kind, id);
    return true;
}

struct rcv_parents *rcv_parents_new(size_t capacity)
{
    struct rcv_parents *p = xcalloc(1, sizeof(*p));
    p->created = rcv_idmap_new(capacity);
    return p;
}

void rcv_parents_free(struct rcv_parents *p)
{
    if (p == NULL) {
        return;
    }
    rcv_idmap_free(p->created);
    free(p);
}

void rcv_parents_note(struct rcv_parents *p, const char *topic, const json_t *event)
{
    const char *kind = NULL;
    char key[RCV_ID_MAX + 16];

    if (p != NULL && parents_role(topic, &kind) == PARENTS_CREATES &&
        parents_key(topic, event, key)) {
        rcv_idmap_insert(p->created, key);
    }
}

bool rcv_parents_orphan(struct rcv_parents *p, const char *topic, const json_t *event)
{
    const char *kind = NULL;
    char key[RCV_ID_MAX + 16];

    return p != NULL && parents_role(topic, &kind) == PARENTS_UPDATES &&
           parents_key(topic, event, key) && !rcv_idmap_contains(p->created, key);
}
