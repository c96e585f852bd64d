/* The management API (Vambe's): /api/webhooks and below.
 *
 *   GET    /api/webhooks               list (cached; ?include_deleted=false)
 *   POST   /api/webhooks               create -> 201 {"status":"created","id":...}
 *   GET    /api/webhooks/topics        the topic catalogue
 *   GET    /api/webhooks/calls         the call log, filtered and paginated
 *   GET    /api/webhooks/{id}          one webhook
 *   PUT    /api/webhooks/{id}          partial update (409 when deleted)
 *   DELETE /api/webhooks/{id}          soft delete, idempotent
 *   POST   /api/webhooks/{id}/restore  undo the soft delete
 *
 * Every route needs the x-api-key header. Handlers expect the HTTP server's
 * ctx to be a struct ms_context *. */
#ifndef MOCK_SERVER_API_H
#define MOCK_SERVER_API_H

#include <stdbool.h>
#include <stddef.h>

#include "core/http_server.h"
#include "mock_server/context.h"

/* The route table (read-only, static). */
const struct http_route *ms_api_routes(size_t *n);

/* The API key, as requests are checked against it: the SHA-256 of the key
 * (lowercase hex), compared with the digest of the presented key in
 * constant time, which hides the key's length as well as its bytes. The
 * digest is made on the first check, not at start-up: libcrypto's set-up
 * is a sixth of an idle mock's memory. Until then the key is held in one
 * copy, wiped once digested. ms_api_key_new never fails. */
struct ms_api_key *ms_api_key_new(const char *key);
void ms_api_key_free(struct ms_api_key *k);

/* Checks the x-api-key header against ctx->api_key. Returns true when it
 * matches; otherwise fills rep with a 401 (500 when the digest cannot be
 * made) and returns false. Shared with the control API. */
bool ms_api_authorize(const struct ms_context *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep);

/* Replies 415 and returns false when req carries a body whose Content-Type
 * is not JSON. */
bool ms_api_require_json(const struct http_server_request *req, struct http_server_reply *rep);

#endif
