/* Internal to core/event*.c: the checks of what a caller gives to build an
 * event (event_check.c). Each returns 0, or -1 with e set to a message that
 * names the field ("topic: ...", "event_id: ...", "data: ..."). */
#ifndef CORE_EVENT_CHECK_H
#define CORE_EVENT_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/* Non-empty UTF-8 of at most 127 bytes, no control characters, no
 * surrounding spaces. */
int event_check_topic(const char *topic, struct err *e);
/* Non-empty, at most max bytes, printable ASCII. */
int event_check_id(const char *id, size_t max, struct err *e);
/* NULL, or an object at most EVENT_OVERRIDE_MAX_DEPTH deep and
 * EVENT_OVERRIDE_MAX_BYTES long as JSON, with UTF-8 strings and keys. */
int event_check_override(const json_t *override, struct err *e);

#endif
