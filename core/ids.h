/* Identifiers: UUID v4 and v7 text and event ids ("evt_" + 24 lowercase
 * hex). */
#ifndef CORE_IDS_H
#define CORE_IDS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"

#define IDS_UUID_LEN     36
#define IDS_EVENT_ID_LEN 28

/* out receives IDS_UUID_LEN characters and a NUL. */
void ids_uuid4(struct rng *r, char out[IDS_UUID_LEN + 1]);
/* A UUID v7 (RFC 9562): unix_ms in the first 48 bits, then random bits,
 * so ids made later sort later (to the millisecond). */
void ids_uuid7(struct rng *r, uint64_t unix_ms, char out[IDS_UUID_LEN + 1]);
void ids_event_id(struct rng *r, char out[IDS_EVENT_ID_LEN + 1]);
/* True when s is a canonical lowercase or uppercase UUID text. */
bool ids_is_uuid(const char *s);

#endif
