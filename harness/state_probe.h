/* The state probe (--state-probe-url): the receiver's view of one contact
 * or ticket, for ORD-002. A URL template with {entity_id}, answering 200
 * with {"updated_at": "<RFC 3339 date-time>"}, the entity's last update as
 * the receiver kept it, or 404 while it knows no such entity. Like the
 * side-effect probe it is the receiver team's own endpoint, for tests. */
#ifndef HARNESS_STATE_PROBE_H
#define HARNESS_STATE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/http_client.h"
#include "reports/model.h"

#define HN_STATE_PLACEHOLDER "{entity_id}"

/* 0 when tmpl is a usable template (an http or https URL with
 * {entity_id}); -1 with e set ("--state-probe-url: ...") otherwise. */
int hn_state_probe_check(const char *tmpl, struct err *e);

/* Asks once, through client, with timeout_ms. 0 with *known false (404),
 * or true and *updated_ms and text (the value as given, cut to fit); -1
 * with e set when the probe failed (no answer, another status, a body
 * without an RFC 3339 updated_at). x (may be NULL) receives the exchange. */
int hn_state_probe_ask(struct http_client *client, const char *tmpl, const char *entity_id,
                       uint64_t timeout_ms, bool *known, uint64_t *updated_ms, char *text,
                       size_t text_size, struct rp_exchange *x, struct err *e);

#endif
