/* JSON views of the mock's records, as the API returns them. Secrets are
 * masked here, in one place, so no response can carry one in full. */
#ifndef MOCK_SERVER_RENDER_H
#define MOCK_SERVER_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "core/scheme.h"
#include "mock_server/store.h"

#define MS_RENDER_MASK_MAX 24 /* "****" and four characters of up to 4 bytes */

/* Writes the masked form of a secret into out: "****" followed by its last
 * four characters when it has at least 12, "****" alone otherwise (four
 * characters of a short secret would give too much of it away). Characters
 * are UTF-8 ones, never cut: a tail of bytes could split one and leave the
 * JSON view without its secret member. */
void ms_render_mask_secret(const char *secret, char out[MS_RENDER_MASK_MAX]);

/* The webhook object: id, topic, url, secret (masked), active, created_at,
 * updated_at, deleted_at (ISO-8601 UTC or null). New reference. */
json_t *ms_render_webhook(const struct ms_webhook *w);

/* One call-log record, with every field of the record; request_headers and
 * response_headers are objects, absent values null. custom (may be NULL)
 * is a scheme file's scheme, for records made under it. New reference. */
json_t *ms_render_call(const struct ms_call *c, const struct scheme *custom);

/* The topic catalogue as GET /api/webhooks/topics returns it: an array of
 * the canonical names. New reference. */
json_t *ms_render_topics(void);

/* ISO-8601 UTC text for ms, or null for 0. New reference. */
json_t *ms_render_time(uint64_t ms);

#endif
