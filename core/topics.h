/* The catalogue of Vambe webhook topics (DESIGN §4). */
#ifndef CORE_TOPICS_H
#define CORE_TOPICS_H

#include <stddef.h>

enum topic_kind { TOPIC_KIND_MESSAGE, TOPIC_KIND_TICKET, TOPIC_KIND_CONTACT, TOPIC_KIND_STAGE };

struct topic {
    const char *name;
    const char *description;
    enum topic_kind kind;
};

/* Number of canonical topics (eight); aliases are not counted. */
size_t topics_count(void);
/* The i-th canonical topic, or NULL when i is out of range. */
const struct topic *topics_at(size_t i);
/* Looks a name up, resolving the alias "ticket.opened" to ticket.created.
 * Returns NULL for an unknown name. */
const struct topic *topics_find(const char *name);

#endif
