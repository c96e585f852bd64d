/* Internal to core/event*.c: Vambe's legacy payload profile
 * (event_legacy.c). */
#ifndef CORE_EVENT_LEGACY_H
#define CORE_EVENT_LEGACY_H

#include <jansson.h>
#include <stdbool.h>

/* A new object: data's members under camelCase keys ("previous_stage_id"
 * -> "previousStageId", nested changes too); for a message event, the
 * contact's fields under the names message traffic uses, the contact id
 * dropped and the phone number as digits. NULL when out of memory. */
json_t *event_legacy_data(const json_t *data, bool message);

#endif
