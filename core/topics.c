/* The catalogue of Vambe webhook topics (DESIGN §4): a read-only table plus
 * the one documented alias. */
#include "core/topics.h"

#include <string.h>

/* name, one-line description, kind. The order is the order of DESIGN §4 and
 * of GET /api/webhooks/topics. */
static const struct topic topics_table[] = {
    {"message.received", "a contact sent an inbound message", TOPIC_KIND_MESSAGE},
    {"message.sent", "the team sent an outbound message to a contact", TOPIC_KIND_MESSAGE},
    {"ticket.created", "a ticket was opened for a contact", TOPIC_KIND_TICKET},
    {"ticket.updated", "a ticket's status, assignee or other field changed", TOPIC_KIND_TICKET},
    {"ticket.closed", "a ticket was closed, with its outcome", TOPIC_KIND_TICKET},
    {"contact.created", "a new contact was created", TOPIC_KIND_CONTACT},
    {"contact.updated", "a contact's name, email, status or other field changed",
     TOPIC_KIND_CONTACT},
    {"stage.changed", "a contact moved to another pipeline stage", TOPIC_KIND_STAGE},
};

#define TOPICS_N (sizeof(topics_table) / sizeof(topics_table[0]))

/* Aliases: an older page of Vambe's docs names ticket.created
 * "ticket.opened". Each entry maps an alias to a canonical name. */
static const struct {
    const char *alias;
    const char *canonical;
} topics_aliases[] = {
    {"ticket.opened", "ticket.created"},
};

#define TOPICS_N_ALIASES (sizeof(topics_aliases) / sizeof(topics_aliases[0]))

size_t topics_count(void)
{
    return TOPICS_N;
}

const struct topic *topics_at(size_t i)
{
    if (i >= TOPICS_N) {
        return NULL;
    }
    return &topics_table[i];
}

static const struct topic *topics_find_canonical(const char *name)
{
    size_t i;

    for (i = 0; i < TOPICS_N; i++) {
        if (strcmp(topics_table[i].name, name) == 0) {
            return &topics_table[i];
        }
    }
    return NULL;
}

const struct topic *topics_find(const char *name)
{
    const struct topic *t = NULL;
    size_t i;

    if (name == NULL) {
        return NULL;
    }
    t = topics_find_canonical(name);
    if (t != NULL) {
        return t;
    }
    for (i = 0; i < TOPICS_N_ALIASES; i++) {
        if (strcmp(topics_aliases[i].alias, name) == 0) {
            return topics_find_canonical(topics_aliases[i].canonical);
        }
    }
    return NULL;
}
