/* The control API (the mock's own, under /mock/).
 *
 *   GET  /mock/health              readiness: {"status":"ok","version":...}; no key
 *   POST /mock/events              trigger events -> 202 {"event_ids", "deliveries"}
 *   POST /mock/calls/{id}/replay   send a call's event again -> 202
 *   POST /mock/reset               empty everything -> 200
 *   GET  /mock/config              the delivery policy
 *   PUT  /mock/config              change it (partial update) -> 200
 *
 * Every route but health checks the key with ms_api_authorize. Handlers
 * expect ctx to be a struct ms_context *. */
#ifndef MOCK_SERVER_CONTROL_H
#define MOCK_SERVER_CONTROL_H

#include <stddef.h>

#include "core/http_server.h"

/* The route table (read-only, static). */
const struct http_route *ms_control_routes(size_t *n);

#endif
