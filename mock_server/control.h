/* The control API (the mock's own, under /mock/).
 *
 *   GET /mock/health   readiness: {"status":"ok","version":...}; no key
 *
 * The delivery engine adds /mock/events, /mock/config, /mock/reset and
 * /mock/calls/{id}/replay here: each is one row of the route table in
 * control.c, and every route but health checks the key with
 * ms_api_authorize. Handlers expect ctx to be a struct ms_context *. */
#ifndef MOCK_SERVER_CONTROL_H
#define MOCK_SERVER_CONTROL_H

#include <stddef.h>

#include "core/http_server.h"

/* The route table (read-only, static). */
const struct http_route *ms_control_routes(size_t *n);

#endif
