/* One delivery as the run's scheme would send it (core/scheme builds it,
 * exactly as the mock does), then changed by a step's mutations: a
 * missing, foreign, malformed or uppercase signature or token, a list of
 * signatures with one valid among invalid ones, a missing, malformed or
 * shifted timestamp, a body altered after signing, another method,
 * headers added or removed.
 *
 * A built delivery holds the wire form (header lines and URL for
 * core/http_client) and a redacted view for the result model: the
 * signature shortened to its first 8 characters, a token and the values of
 * the user's --header lines hidden. */
#ifndef HARNESS_DELIVERY_H
#define HARNESS_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/http_client.h"
#include "core/ids.h"
#include "core/rng.h"
#include "core/scheme.h"
#include "core/signature.h"
#include "harness/scenario.h"

#define HN_USER_AGENT "Vambe-Webhooks/1.0"

/* Settings shared by every delivery of a run (all borrowed). */
struct hn_delivery_opts {
    const char *url;
    const struct scheme *scheme; /* NULL: the default (vambe) */
    const char *secret;
    enum signature_unit unit;
    const char *webhook_id;
    const char *const *user_headers; /* "Name: value" lines from --header */
    size_t n_user_headers;
};

/* What is delivered: an event's id, topic and body bytes (borrowed). */
struct hn_payload {
    const char *event_id;
    const char *topic;
    const char *body;
    size_t body_len;
    /* NULL, or the delivery id to send again (a replay); otherwise one is
     * drawn from the rng. */
    const char *delivery_id;
    /* NULL, or the value of the event-id header when it is not event_id:
     * the bytes are still signed for event_id (a replay under a new id). */
    const char *id_header;
};

struct hn_delivery {
    char *method; /* owned */
    char *url;    /* owned; the target with a query token; NULL: the target as given */
    char *body;   /* owned; the bytes sent (after any alteration) */
    size_t body_len;
    char **lines; /* owned; "Name: value", or "Name:" to drop a default */
    size_t n_lines;
    char *shown_headers; /* owned; "Name: value\n" lines, redacted */
    char *summary;       /* owned; "signed with another secret", "" when valid */
    char delivery_id[IDS_UUID_LEN + 1];
    char timestamp[32]; /* the timestamp text signed ("" when none was) */
};

/* Builds a delivery of payload at wall time now_ms; the delivery id comes
 * from rng. Fills out (release with hn_delivery_cleanup) and returns 0, or
 * -1 with e set (a secret the scheme cannot use, signing failed, a
 * mutation the scheme has nothing for). */
int hn_delivery_build(const struct hn_delivery_opts *o, const struct hn_payload *payload,
                      const struct hn_mutation *m, unsigned attempt, struct rng *rng,
                      uint64_t now_ms, struct hn_delivery *out, struct err *e);
/* Points req at d's data (valid while d lives). */
void hn_delivery_request(const struct hn_delivery_opts *o, const struct hn_delivery *d,
                         uint64_t timeout_ms, struct http_request *req);
void hn_delivery_cleanup(struct hn_delivery *d);

/* Checks a --header argument: "Name: value" with a valid name and no CR/LF. */
int hn_delivery_header_check(const char *line, struct err *e);
/* Refuses a --header (already checked) that names a header the harness
 * sets itself under scheme s: Content-Length, Host, ..., or one of the
 * scheme's (x-vambe-signature). 0, or -1 with e naming it. */
int hn_delivery_header_free(const struct scheme *s, const char *line, struct err *e);

#endif
