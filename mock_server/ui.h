/* The web console (docs/console.md): static files built into the binary.
 *
 *   GET /ui, GET /ui/    the page (index.html)
 *   GET /ui/app.js       its scripts, GET /ui/app.css its style sheet
 *   GET /openapi.json    docs/openapi.yaml as JSON, converted at build time
 *
 * No key: the files hold nothing secret, and the page asks for the key
 * itself and sends it on each API request (x-api-key), so the key is never
 * part of a URL or of what the mock serves. Every answer carries a strict
 * Content-Security-Policy (scripts and styles from the mock only, requests
 * to the mock only, no framing), nosniff, no referrer and no caching. The
 * handlers use no ctx. */
#ifndef MOCK_SERVER_UI_H
#define MOCK_SERVER_UI_H

#include <stddef.h>

#include "core/http_server.h"

/* The route table (read-only, static). */
const struct http_route *ms_ui_routes(size_t *n);

#endif
