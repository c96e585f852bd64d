/* The live stream of attempts: GET /mock/stream, Server-Sent Events of
 * every call record as the call log commits it, for the web console and
 * `vambe-mock calls --follow`.
 *
 * The engine is never slowed by a viewer: the call-log writer only flags
 * that a batch was written (ms_stream_hub_written, a lock and a signal,
 * nothing when no one watches); the hub's own thread reads the new records
 * back from the store, renders each once and queues it to the viewers
 * whose filters match. Each viewer's queue is bounded: a viewer that does
 * not read (a stalled browser) loses the oldest records and is told how
 * many ("event: dropped"). Wire format: docs/mock-api.md#the-live-stream. */
#ifndef MOCK_SERVER_STREAM_H
#define MOCK_SERVER_STREAM_H

#include <stddef.h>

#include "core/err.h"
#include "core/http_server.h"

struct ms_store;
struct ms_dispatch;
struct ms_stream_hub;

/* A hub over store's call log. Viewers may attach at once; records are
 * rendered once ms_stream_hub_start has named the engine (its scheme
 * renders them). NULL with e set when its thread cannot start. */
struct ms_stream_hub *ms_stream_hub_new(struct ms_store *store, struct err *e);
void ms_stream_hub_start(struct ms_stream_hub *h, struct ms_dispatch *dispatch);
/* For ms_dispatch_opts.on_written: a batch of records was committed. */
void ms_stream_hub_written(void *hub);
/* Stops the thread and frees the hub. Every viewer must be gone (the HTTP
 * server stopped first). NULL ok. */
void ms_stream_hub_free(struct ms_stream_hub *h);

/* The route GET /mock/stream. */
const struct http_route *ms_stream_routes(size_t *n);

#endif
