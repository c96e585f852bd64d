/* What every request handler of the mock sees: the state the server owns,
 * handed to the HTTP server as the handlers' ctx. A plain struct so that
 * api and control share it without knowing struct ms_server; the server
 * fills it at start and frees what it owns at stop. */
#ifndef MOCK_SERVER_CONTEXT_H
#define MOCK_SERVER_CONTEXT_H

#include <stddef.h>

#include "mock_server/cache.h"
#include "mock_server/dispatch.h"
#include "mock_server/store.h"

struct ms_api_key;
struct ms_stream_hub;

struct ms_context {
    struct ms_store *store;       /* owned by the server */
    struct ms_cache *cache;       /* owned by the server */
    struct ms_dispatch *dispatch; /* owned by the server: the delivery engine */
    struct ms_stream_hub *stream; /* owned by the server: GET /mock/stream */
    struct ms_api_key *api_key;   /* owned by the server: see api.h */
    char *topics_json;            /* GET /api/webhooks/topics, serialised once */
    size_t topics_json_len;
};

#endif
