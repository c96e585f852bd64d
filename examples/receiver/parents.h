/* The contacts and tickets a receiver has seen created, for the flaws
 * needs-parent-first and drops-orphan-update: both treat an update that
 * arrives before its entity's .created as an orphan (a sender does not
 * promise order: a retried contact.created can come after the first
 * contact.updated).
 *
 * An orphan is a contact.updated whose contact, or a ticket.updated or
 * ticket.closed whose ticket, was not noted from a contact.created or
 * ticket.created (or its alias ticket.opened). The ids are the body's
 * data.contact_id and data.ticket_id (Vambe's documented profile) or
 * data.contactId and data.ticketId (the legacy one). An event without the
 * id, or of any other topic, is never an orphan. Bounded like the dedupe
 * map (idmap.h): past its capacity the oldest entity is forgotten. */
#ifndef RECEIVER_PARENTS_H
#define RECEIVER_PARENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct rcv_parents;

/* capacity >= 1 entities. Never NULL (out of memory aborts); free with
 * rcv_parents_free. */
struct rcv_parents *rcv_parents_new(size_t capacity);
/* NULL ok. */
void rcv_parents_free(struct rcv_parents *p);
/* Remembers the contact or ticket that event (of topic, as the receiver
 * determined it) creates; nothing for another topic or without the id.
 * Call it for accepted deliveries only. p may be NULL (nothing is noted). */
void rcv_parents_note(struct rcv_parents *p, const char *topic, const json_t *event);
/* True when event is an update of a contact or ticket never noted; false
 * when p is NULL. */
bool rcv_parents_orphan(struct rcv_parents *p, const char *topic, const json_t *event);
/* The id of the contact or ticket an event of topic is about (its
 * data.contact_id for contact.*, data.ticket_id for ticket.*, or the
 * legacy camelCase names), borrowed from event; *kind (may be NULL)
 * receives "contact" or "ticket". NULL for another topic, or without a
 * string id of 1 to RCV_ID_MAX bytes. Needs no struct rcv_parents: the
 * receiver also uses it for the entities' latest state. */
const char *rcv_parents_entity(const char *topic, const json_t *event, const char **kind);

#endif
