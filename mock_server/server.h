/* The mock server: the store, the webhook cache, the delivery engine and
 * the HTTP server serving the management and control APIs, started and
 * stopped as one. */
#ifndef MOCK_SERVER_SERVER_H
#define MOCK_SERVER_SERVER_H

#include <stdbool.h>

#include "core/err.h"
#include "core/log.h"
#include "mock_server/cache.h"
#include "mock_server/dispatch.h"
#include "mock_server/options.h"
#include "mock_server/policy.h"
#include "mock_server/store.h"

struct ms_server;

/* Checks the options (ms_options_check), reads the TLS files if any,
 * opens the store, loads the cache, starts the delivery engine (which
 * resumes the attempts a previous run left pending) and starts serving
 * (https with a certificate). Returns NULL with e set when the options are
 * refused, the database cannot be opened or the address cannot be bound.
 * Does not touch signals or process-wide log settings. The caller stops the
 * server with ms_server_stop. */
struct ms_server *ms_server_start(const struct ms_options *o, struct err *e);
/* The port actually bound. */
unsigned ms_server_port(const struct ms_server *s);
/* The server's store and cache (borrowed), e.g. for tests and the delivery
 * engine. */
struct ms_store *ms_server_store(struct ms_server *s);
struct ms_cache *ms_server_cache(struct ms_server *s);
struct ms_dispatch *ms_server_dispatch(struct ms_server *s);
/* Stops accepting, lets in-flight requests finish, stops the delivery
 * engine (deliveries in flight stay pending in the store), closes the
 * database and frees everything. NULL ok. */
void ms_server_stop(struct ms_server *s);

/* The whole life of `vambe-mock serve`: sets up logging, checks the
 * options and the TLS files (KIT_EXIT_USAGE when they are refused: the
 * default key off loopback, an unreadable file, a certificate this
 * libmicrohttpd cannot serve), starts, writes the port file (atomically: a
 * temporary file renamed into place), prints the listening URL (https://
 * with TLS), waits for SIGINT or SIGTERM, stops. Returns an exit status
 * (core/exit.h): KIT_EXIT_ENV when it cannot bind, open the database or
 * write the port file. */
int ms_server_run(const struct ms_options *o);

#endif
